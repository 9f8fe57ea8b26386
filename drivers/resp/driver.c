/* driver.c - the hand-written Redis driver: RESP2 (resp.c) over the engine's sockets, on the ring where there is one. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <stdlib.h>

#include "engine.h"
#include "fiber.h"
#include "redis.h"
#include "resp.h"
#include "sockio.h"

/* A command sent and not yet answered; lives on its fiber's stack. */
struct req {
	struct rs_fiber *fiber;
	struct rs_buf *reply;
	int status;
	bool done, parked;
	struct req *next;
};

/*
 * Several fibers may pipeline on one connection (the pool's shared mode):
 * commands are queued in send order, replies come back in that order, and
 * one fiber at a time reads, handing each reply to its owner.
 */
struct rs_redis_conn {
	struct rs_reactor *r;
	int fd;
	struct rs_buf out;        /* encoded, not yet handed to the kernel */
	struct rs_buf sending;    /* what the kernel is sending: never moved meanwhile */
	struct rs_buf in;         /* received past the last reply */
	struct req *head;         /* sent, waiting for their replies, oldest first */
	bool writing, reading;
	int err;                  /* what broke it */
};

static int resp_connect(struct rs_reactor *r, const struct rs_redis_addr *a, struct rs_redis_conn **out)
{
	struct rs_redis_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->r = r;
	int err = r->ops->sock_connect(r, (const struct sockaddr *)&a->sa, a->len, &c->fd);
	if (err) {
		free(c);
		return err;
	}
	if (a->sa.ss_family == AF_INET) {
		int one = 1;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	*out = c;
	return 0;
}

/* Broken: every waiting command fails; a reader stuck in recv wakes. */
static void conn_fail(struct rs_redis_conn *c, int err)
{
	if (!c->err)
		c->err = err;
	shutdown(c->fd, SHUT_RDWR);
}

/* Send everything queued. If another fiber is sending, it takes ours too. */
static void conn_flush(struct rs_redis_conn *c)
{
	if (c->writing)
		return;
	c->writing = true;
	while (c->out.len && !c->err) {
		rs_buf_clear(&c->sending);
		if (rs_buf_append(&c->sending, rs_buf_head(&c->out), c->out.len)) {
			conn_fail(c, -ENOMEM);
			break;
		}
		rs_buf_clear(&c->out);
		ssize_t k = rs_sock_send_all(c->r, c->fd, rs_buf_head(&c->sending), c->sending.len);
		if (k < 0)
			conn_fail(c, (int)k);
	}
	c->writing = false;
}

/* The oldest command is answered (status 0, its reply appended) or failed. */
static void finish_head(struct rs_redis_conn *c, struct req *self, int status)
{
	struct req *q = c->head;
	c->head = q->next;
	q->status = status;
	q->done = true;
	if (q != self && q->parked) {
		/* Resume inline; it comes back here when it suspends. */
		q->parked = false;
		rs_fiber_resume(q->fiber);
	}
}

/* Hand every complete reply to its command; after a failure, fail them all. */
static void dispatch(struct rs_redis_conn *c, struct req *self)
{
	while (c->head) {
		if (c->err) {
			finish_head(c, self, c->err);
			continue;
		}
		ssize_t f = c->in.len ? rs_resp_frame(rs_buf_head(&c->in), c->in.len) : 0;
		if (f < 0) {
			conn_fail(c, (int)f);
			continue;
		}
		if (!f)
			return;
		int err = rs_buf_append(c->head->reply, rs_buf_head(&c->in), (size_t)f);
		rs_buf_consume(&c->in, (size_t)f);
		finish_head(c, self, err);
	}
}

/* The next fiber still waiting, which becomes the reader. */
static struct req *first_parked(struct rs_redis_conn *c)
{
	for (struct req *q = c->head; q; q = q->next)
		if (q->parked)
			return q;
	return NULL;
}

/* Read until self is answered, then pass the reader role on. */
static void read_until(struct rs_redis_conn *c, struct req *self)
{
	c->reading = true;
	dispatch(c, self);
	while (!self->done) {
		int err = rs_buf_reserve(&c->in, 16384);
		ssize_t n = err ? err : rs_sock_recv_some(c->r, c->fd, rs_buf_tail(&c->in), rs_buf_room(&c->in));
		if (n <= 0)
			conn_fail(c, n ? (int)n : -ECONNRESET);
		else
			c->in.len += (size_t)n;
		dispatch(c, self);
	}
	c->reading = false;
	struct req *next = first_parked(c);
	if (next) {
		next->parked = false;
		rs_fiber_resume(next->fiber);
	}
}

/* Last in the reply queue; finish_head unlinks it before its command returns. */
static void enqueue(struct rs_redis_conn *c, struct req *q)
{
	struct req **pp = &c->head;
	while (*pp) /* as deep as the pipeline: a few */
		pp = &(*pp)->next;
	*pp = q;
}

static int resp_command(struct rs_redis_conn *c, int argc, const char *const *argv, const size_t *lens,
			struct rs_buf *reply)
{
	if (c->err)
		return c->err;
	struct req q = { .fiber = rs_fiber_current(), .reply = reply };
	int err = rs_resp_command(&c->out, argc, argv, lens);
	if (err)
		return err;
	enqueue(c, &q);
	conn_flush(c);
	while (!q.done) {
		if (!c->reading) {
			read_until(c, &q);
		} else {
			q.parked = true;
			rs_fiber_yield();
		}
	}
	return q.status;
}

static void resp_close(struct rs_redis_conn *c)
{
	c->r->ops->sock_close(c->r, c->fd);
	rs_buf_free(&c->out);
	rs_buf_free(&c->sending);
	rs_buf_free(&c->in);
	free(c);
}

static int resp_socket(const struct rs_redis_conn *c)
{
	/* Bytes kept past the last reply would be an unsolicited message: treat as lost. */
	return c->in.len ? -1 : c->fd;
}

const struct rs_redis_ops rs_redis_resp = {
	.name = "resp",
	.pipeline = true,
	.connect = resp_connect,
	.command = resp_command,
	.close = resp_close,
	.socket = resp_socket,
};
