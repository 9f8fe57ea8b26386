/* driver.c - the pgwire driver: the sans-I/O core moved through the reactor's own sockets (io_uring on uring). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "engine.h"
#include "sockio.h"
#include "fiber.h"
#include "pg.h"

/*
 * One request in flight, on its fiber's stack. Requests of one connection
 * complete in order; whichever fiber is reading dispatches completions and
 * resumes their fibers inline (nested in its own fiber).
 */
struct req {
	struct rs_fiber *fiber;
	bool done;
	bool parked;              /* the fiber is suspended in wait_done */
	int status;
	struct rs_pg_result *res;
	struct req *next;         /* parked list */
};

struct rs_pg_conn {
	struct rs_reactor *r;
	int fd;
	struct rs_pgw_conn *w;
	bool reading;             /* some fiber owns the recv loop */
	bool writing;             /* some fiber owns the send loop */
	struct rs_buf sending;    /* bytes the kernel is sending: never moved meanwhile */
	struct req *parked;       /* fibers waiting for their answer, in order */
	const struct rs_pg_conninfo *ci; /* for the CancelRequest connection */
	int err;                  /* socket-level error that broke it */
	bool batch;               /* --pg-sync=batch: a flush waits out the loop turn first */
};

/* Socket I/O through the engine (drivers/sockio.c): the ring's ops, or
 * readiness wait + non-blocking syscall (epoll-pgwire). */
static ssize_t io_send(struct rs_pg_conn *c, const void *p, size_t n)
{
	return rs_sock_send_all(c->r, c->fd, p, n);
}

static ssize_t io_recv(struct rs_pg_conn *c, void *p, size_t n)
{
	return rs_sock_recv_some(c->r, c->fd, p, n);
}

/* A socket error: fail everything pending, and wake a reader stuck in recv. */
static void conn_fail(struct rs_pg_conn *c, int err)
{
	if (!c->err)
		c->err = err;
	rs_pgw_conn_abort(c->w, err);
	shutdown(c->fd, SHUT_RDWR);
}

/* Send everything queued. If another fiber is sending, it takes ours too. */
static void conn_flush(struct rs_pg_conn *c)
{
	struct rs_buf *out;

	if (c->writing)
		return;
	c->writing = true;
	/* One Sync per batch: the fibers this loop turn still runs queue their executes behind
	 * ours (they find writing set) and the batch goes out as one send at the next turn. */
	if (c->batch)
		c->r->ops->sleep_ms(c->r, 0);
	/* rs_pgw_out each time round: it ends a batch queued meanwhile with its Sync. */
	while ((out = rs_pgw_out(c->w))->len && !c->err) {
		size_t n = out->len;
		rs_buf_clear(&c->sending);
		if (rs_buf_append(&c->sending, rs_buf_head(out), n)) {
			conn_fail(c, -ENOMEM);
			break;
		}
		rs_pgw_sent(c->w, n);
		ssize_t k = io_send(c, rs_buf_head(&c->sending), n);
		if (k < 0)
			conn_fail(c, (int)k);
	}
	c->writing = false;
}

/* Hand finished requests to their fibers. */
static void dispatch(struct rs_pg_conn *c, struct req *self)
{
	struct rs_pgw_done d;

	while (rs_pgw_conn_next_done(c->w, &d) == 0) {
		struct req *q = d.user;
		if (!q) {
			rs_pg_result_free(d.res);
			continue;
		}
		q->status = d.status;
		q->res = d.res;
		q->done = true;
		if (q == self || !q->parked)
			continue;
		/* Unpark and resume inline; it comes back here when it suspends. */
		for (struct req **pp = &c->parked; *pp; pp = &(*pp)->next) {
			if (*pp == q) {
				*pp = q->next;
				break;
			}
		}
		q->parked = false;
		rs_fiber_resume(q->fiber);
	}
}

/*
 * The first receive of a round trip that found nobody sending or reading:
 * the queued bytes go out and the receive is armed in one submission
 * (io_uring: a linked send and recv with --uring-with=link, two submissions by default). Bytes
 * other fibers queue meanwhile are sent by the plain flush after it.
 */
static ssize_t send_then_recv(struct rs_pg_conn *c, char *p, size_t room)
{
	struct rs_buf *out = rs_pgw_out(c->w);
	size_t n = out->len;

	c->writing = true;
	rs_buf_clear(&c->sending);
	if (rs_buf_append(&c->sending, rs_buf_head(out), n)) {
		c->writing = false;
		return -ENOMEM;
	}
	rs_pgw_sent(c->w, n);
	ssize_t k = rs_sock_send_recv(c->r, c->fd, rs_buf_head(&c->sending), n, p, room);
	c->writing = false;
	if (k >= 0 && out->len)
		conn_flush(c);
	return k;
}

/* Read until self is answered, then pass the reader role on. With
 * send_first, the round trip's query is still queued: it goes out with the
 * first receive. */
static void read_until(struct rs_pg_conn *c, struct req *self, bool send_first)
{
	c->reading = true;
	while (!self->done) {
		char *p;
		size_t room;
		int err = rs_pgw_recv_space(c->w, &p, &room);
		if (!err) {
			ssize_t n = send_first ? send_then_recv(c, p, room) : io_recv(c, p, room);
			send_first = false;
			if (n < 0)
				conn_fail(c, (int)n);
			else
				rs_pgw_received(c->w, (size_t)n);
			/* What the answers queued: a retry's re-prepare, a failed batch's re-sent executes. */
			if (!c->err && rs_pgw_out(c->w)->len)
				conn_flush(c);
		} else {
			conn_fail(c, err);
		}
		dispatch(c, self);
	}
	c->reading = false;
	/* Someone still waits: wake the oldest; it becomes the reader. */
	struct req *next = c->parked;
	if (next) {
		c->parked = next->next;
		next->parked = false;
		rs_fiber_resume(next->fiber);
	}
}

static void park(struct rs_pg_conn *c, struct req *q)
{
	struct req **pp = &c->parked;
	while (*pp)
		pp = &(*pp)->next;
	q->next = NULL;
	*pp = q;
	q->parked = true;
	rs_fiber_yield();
}

static int wait_done(struct rs_pg_conn *c, struct req *q, struct rs_pg_result **out)
{
	while (!q->done) {
		if (!c->reading)
			read_until(c, q, false);
		else
			park(c, q);
	}
	if (q->status < 0) {
		*out = NULL;
		return q->status;
	}
	*out = q->res;
	return 0;
}

/* Queue (already done by the caller), send, wait. */
static int roundtrip(struct rs_pg_conn *c, struct req *q, int queued, struct rs_pg_result **out)
{
	if (queued < 0) {
		*out = NULL;
		return queued;
	}
	/* Nobody else moves bytes on this connection: this fiber will be the
	 * reader, so its query and the first receive go out together. */
	if (!c->reading && !c->writing && !c->err && rs_pgw_out(c->w)->len)
		read_until(c, q, true);
	else
		conn_flush(c);
	return wait_done(c, q, out);
}

/* ---- the ops ---- */

static int pgwire_handshake(struct rs_pg_conn *c)
{
	int err = rs_pgw_conn_start(c->w);
	while (!err && !rs_pgw_conn_ready(c->w)) {
		conn_flush(c);
		if (c->err)
			return c->err;
		char *p;
		size_t room;
		err = rs_pgw_recv_space(c->w, &p, &room);
		if (err)
			break;
		ssize_t n = io_recv(c, p, room);
		if (n < 0)
			return (int)n;
		err = rs_pgw_received(c->w, (size_t)n);
	}
	if (err) {
		const struct rs_pg_error *e = rs_pgw_conn_error(c->w);
		if (e)
			fprintf(stderr, "ringside: pgwire: server refused the connection: %s %s: %s\n",
				e->severity, e->sqlstate, e->message ? e->message : "");
		else
			fprintf(stderr, "ringside: pgwire: connect: %s\n", rs_pgw_conn_errmsg(c->w));
	}
	return err;
}

static void pgwire_free(struct rs_pg_conn *c)
{
	if (c->fd >= 0)
		c->r->ops->sock_close(c->r, c->fd);
	rs_pgw_conn_free(c->w);
	rs_buf_free(&c->sending);
	free(c);
}

static int pgwire_connect(struct rs_reactor *r, const struct rs_pg_conninfo *ci, struct rs_pg_conn **out)
{
	struct rs_pg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->r = r;
	c->fd = -1;
	c->ci = ci;
	struct rs_pgw_conn_cfg cfg = {
		.sync_per_batch = ci->sync_per_batch,
		.user = ci->user,
		.password = ci->password,
		.database = ci->dbname,
		.application_name = ci->application_name[0] ? ci->application_name : NULL,
	};
	int err = rs_pgw_conn_new(&cfg, &c->w);
	if (err)
		goto out_free;
	err = r->ops->sock_connect(r, (const struct sockaddr *)&ci->addr, ci->addrlen, &c->fd);
	if (err)
		goto out_free;
	if (ci->addr.ss_family != AF_UNIX) {
		int on = ci->tcp_nodelay;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	}
	err = pgwire_handshake(c);
	if (err)
		goto out_free;
	c->batch = ci->sync_per_batch; /* after the startup, which has no batch to wait for */
	*out = c;
	return 0;
out_free:
	pgwire_free(c);
	return err;
}

static int pgwire_query(struct rs_pg_conn *c, const char *sql, struct rs_pg_result **out)
{
	struct req q = { .fiber = rs_fiber_current() };
	return roundtrip(c, &q, rs_pgw_conn_query(c->w, sql, &q), out);
}

static int pgwire_prepare(struct rs_pg_conn *c, const char *name, const char *sql, int nparams,
			  const uint32_t *types)
{
	struct req q = { .fiber = rs_fiber_current() };
	struct rs_pg_result *res = NULL;
	int err = roundtrip(c, &q, rs_pgw_conn_prepare(c->w, name, sql, nparams, types, &q), &res);
	if (!err && !res->ok) {
		fprintf(stderr, "ringside: pgwire: prepare %s: %s %s\n", name, res->err.sqlstate,
			res->err.message ? res->err.message : "");
		err = -EINVAL;
	}
	rs_pg_result_free(res);
	return err;
}

static int pgwire_execute(struct rs_pg_conn *c, const struct rs_pg_stmt *stmt, const char *const *values,
			  const int *lengths, const int *formats, int result_format,
			  struct rs_pg_result **out)
{
	struct req q = { .fiber = rs_fiber_current() };
	struct rs_pgw_params p = {
		.n = stmt->nparams,
		.types = stmt->param_types,
		.values = values,
		.lengths = lengths,
		.formats = formats,
		.result_format = result_format,
	};
	return roundtrip(c, &q, rs_pgw_conn_execute_sql(c->w, stmt->name, stmt->sql, &p, &q), out);
}

static int pgwire_cancel(struct rs_pg_conn *c)
{
	struct rs_reactor *r = c->r;
	struct rs_buf msg = { 0 };
	int fd = -1;
	int err = rs_pgw_cancel_request(c->w, &msg);
	if (!err)
		err = r->ops->sock_connect(r, (const struct sockaddr *)&c->ci->addr, c->ci->addrlen, &fd);
	if (!err) {
		struct rs_pg_conn tmp = { .r = r, .fd = fd };
		ssize_t n = io_send(&tmp, rs_buf_head(&msg), msg.len);
		char sink[16];
		/* The server closes the cancel connection once it has acted. */
		if (n >= 0)
			n = io_recv(&tmp, sink, sizeof(sink));
		err = n < 0 ? (int)n : 0;
		r->ops->sock_close(r, fd);
	}
	rs_buf_free(&msg);
	return err;
}

static void pgwire_close(struct rs_pg_conn *c)
{
	if (!c->err && !rs_pgw_conn_broken(c->w) && !rs_pgw_conn_terminate(c->w))
		conn_flush(c);
	pgwire_free(c);
}

static bool pgwire_is_broken(const struct rs_pg_conn *c)
{
	return c->err || rs_pgw_conn_broken(c->w);
}

static int pgwire_socket(const struct rs_pg_conn *c)
{
	return c->fd;
}

const struct rs_pg_ops rs_pg_pgwire = {
	.name = "pgwire",
	.caps = RS_PG_CAP_PIPELINE | RS_PG_CAP_SYNC_BATCH,
	.engine_caps = 0, /* completion or readiness, whichever the engine has */
	.connect = pgwire_connect,
	.query = pgwire_query,
	.prepare = pgwire_prepare,
	.execute = pgwire_execute,
	.cancel = pgwire_cancel,
	.close = pgwire_close,
	.is_broken = pgwire_is_broken,
	.socket = pgwire_socket,
};
