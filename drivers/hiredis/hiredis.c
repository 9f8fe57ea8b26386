/* hiredis.c - the hiredis Redis drivers: non-blocking with readiness through sock_wait, or blocking on the offload workers. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <hiredis/hiredis.h>

#include "engine.h"
#include "redis.h"

struct rs_redis_conn {
	struct rs_reactor *r;
	redisContext *ctx;
};

/* A hiredis reply tree back into RESP2 bytes, so handlers see one format from every driver. */
static int to_resp(const redisReply *x, struct rs_buf *out)
{
	switch (x->type) {
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_ERROR: {
		int err = rs_buf_append(out, x->type == REDIS_REPLY_STATUS ? "+" : "-", 1);
		if (!err)
			err = rs_buf_append(out, x->str, x->len);
		return err ? err : rs_buf_append(out, "\r\n", 2);
	}
	case REDIS_REPLY_INTEGER:
		return rs_buf_printf(out, ":%lld\r\n", x->integer);
	case REDIS_REPLY_NIL:
		return rs_buf_append(out, "$-1\r\n", 5);
	case REDIS_REPLY_STRING: {
		int err = rs_buf_printf(out, "$%zu\r\n", x->len);
		if (!err)
			err = rs_buf_append(out, x->str, x->len);
		return err ? err : rs_buf_append(out, "\r\n", 2);
	}
	case REDIS_REPLY_ARRAY: {
		int err = rs_buf_printf(out, "*%zu\r\n", x->elements);
		for (size_t i = 0; !err && i < x->elements; i++)
			err = to_resp(x->element[i], out);
		return err;
	}
	default:
		return -EPROTO; /* RESP3 types: never asked for */
	}
}

static int ctx_errno(const redisContext *ctx)
{
	if (!ctx)
		return -ENOMEM;
	if (ctx->err == REDIS_ERR_IO && errno)
		return -errno;
	return ctx->err == REDIS_ERR_EOF ? -ECONNRESET : -EPROTO;
}

/* hiredis 0.14 (Debian 12): no redisOptions yet. */
static redisContext *open_nonblock(const struct rs_redis_addr *a)
{
	return a->host[0] ? redisConnectNonBlock(a->host, a->port) : redisConnectUnixNonBlock(a->path);
}

/* The socket is closed through the engine, so a reactor that keeps per-fd
 * state (libev's registration) learns the number is free for a new socket. */
static void free_ctx(struct rs_reactor *r, redisContext *ctx)
{
	int fd = ctx ? ctx->fd : -1;
	if (ctx)
		ctx->fd = -1;
	redisFree(ctx);
	if (fd >= 0)
		r->ops->sock_close(r, fd);
}

/* ---- non-blocking: hiredis encodes and decodes, the reactor says when the socket is ready ---- */

static int nb_connect(struct rs_reactor *r, const struct rs_redis_addr *a, struct rs_redis_conn **out)
{
	redisContext *ctx = open_nonblock(a);
	if (!ctx || ctx->err) {
		int err = ctx_errno(ctx);
		redisFree(ctx);
		return err;
	}
	if (r->ops->sock_adopt) /* hiredis opened it: its number may be a socket libpq just closed */
		r->ops->sock_adopt(r, ctx->fd);
	int ev = r->ops->sock_wait(r, ctx->fd, POLLOUT, 5000);
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	if (ev <= 0 || getsockopt(ctx->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) || soerr) {
		free_ctx(r, ctx);
		return ev < 0 ? ev : soerr ? -soerr : -ETIMEDOUT;
	}
	struct rs_redis_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		free_ctx(r, ctx);
		return -ENOMEM;
	}
	c->r = r;
	c->ctx = ctx;
	*out = c;
	return 0;
}

static int nb_command(struct rs_redis_conn *c, int argc, const char *const *argv, const size_t *lens,
		      struct rs_buf *reply)
{
	redisContext *ctx = c->ctx;
	if (redisAppendCommandArgv(ctx, argc, (const char **)argv, lens) != REDIS_OK)
		return ctx_errno(ctx);
	for (int done = 0; !done;) {
		if (redisBufferWrite(ctx, &done) != REDIS_OK)
			return ctx_errno(ctx);
		int ev = done ? 1 : c->r->ops->sock_wait(c->r, ctx->fd, POLLOUT, -1);
		if (ev < 0)
			return ev;
	}
	for (;;) {
		void *x = NULL;
		if (redisGetReplyFromReader(ctx, &x) != REDIS_OK)
			return ctx_errno(ctx);
		if (x) {
			int err = to_resp(x, reply);
			freeReplyObject(x);
			return err;
		}
		int ev = c->r->ops->sock_wait(c->r, ctx->fd, POLLIN, -1);
		if (ev < 0)
			return ev;
		if (redisBufferRead(ctx) != REDIS_OK)
			return ctx_errno(ctx);
	}
}

static void hi_close(struct rs_redis_conn *c)
{
	free_ctx(c->r, c->ctx);
	free(c);
}

static int hi_socket(const struct rs_redis_conn *c)
{
	return c->ctx->fd;
}

const struct rs_redis_ops rs_redis_hiredis = {
	.name = "hiredis",
	.engine_caps = RS_CAP_READINESS,
	.connect = nb_connect,
	.command = nb_command,
	.close = hi_close,
	.socket = hi_socket,
};

/* ---- blocking: each call runs whole on a worker, the fiber resumed through the eventfd ---- */

struct job {
	const struct rs_redis_addr *a;
	redisContext *ctx;
	int argc;
	const char *const *argv;
	const size_t *lens;
	struct rs_buf *reply;
	int res;
};

static void job_connect(void *arg)
{
	struct job *j = arg;
	struct timeval tv = { 5, 0 };
	j->ctx = j->a->host[0] ? redisConnectWithTimeout(j->a->host, j->a->port, tv)
			       : redisConnectUnixWithTimeout(j->a->path, tv);
	j->res = !j->ctx || j->ctx->err ? ctx_errno(j->ctx) : 0;
	if (j->res) {
		redisFree(j->ctx);
		j->ctx = NULL;
	}
}

static void job_command(void *arg)
{
	struct job *j = arg;
	redisReply *x = redisCommandArgv(j->ctx, j->argc, (const char **)j->argv, j->lens);
	if (!x) {
		j->res = ctx_errno(j->ctx);
		return;
	}
	j->res = to_resp(x, j->reply);
	freeReplyObject(x);
}

static int bl_connect(struct rs_reactor *r, const struct rs_redis_addr *a, struct rs_redis_conn **out)
{
	struct job j = { .a = a };
	int err = r->ops->offload(r, job_connect, &j);
	if (err || (err = j.res))
		return err;
	struct rs_redis_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		redisFree(j.ctx);
		return -ENOMEM;
	}
	c->r = r;
	c->ctx = j.ctx;
	*out = c;
	return 0;
}

static int bl_command(struct rs_redis_conn *c, int argc, const char *const *argv, const size_t *lens,
		      struct rs_buf *reply)
{
	struct job j = { .ctx = c->ctx, .argc = argc, .argv = argv, .lens = lens, .reply = reply };
	int err = c->r->ops->offload(c->r, job_command, &j);
	return err ? err : j.res;
}

const struct rs_redis_ops rs_redis_hiredis_blocking = {
	.name = "hiredis-blocking",
	.engine_caps = RS_CAP_OFFLOAD,
	.connect = bl_connect,
	.command = bl_command,
	.close = hi_close,
	.socket = hi_socket,
};
