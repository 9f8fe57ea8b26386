/* conn.c - the per-connection fiber body shared by every engine: read, parse, answer, flush. */
#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "engine.h"

int64_t rs_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int shorter(int t, int u)
{
	return !t || (u && u < t) ? u : t;
}

int rs_conn_sweep_ms(const struct rs_reactor_cfg *cfg)
{
	int t = shorter(shorter(cfg->header_timeout_ms, cfg->idle_timeout_ms), cfg->send_timeout_ms);
	if (!t)
		return 0;
	t /= 4;
	return t < 10 ? 10 : t > 250 ? 250 : t;
}

static int64_t deadline_in(int ms)
{
	return ms ? rs_clock_ms() + ms : 0;
}

void rs_conn_send_progress(struct rs_conn *c)
{
	c->deadline_ms = deadline_in(c->reactor->cfg.send_timeout_ms);
}

/* Flush c->out; a flush that makes no progress for send_timeout_ms fails
 * with -ETIMEDOUT (the engines' sweeps wake a fiber waiting to send past
 * its deadline), which closes the connection. */
static int conn_flush(struct rs_conn *c)
{
	rs_conn_send_progress(c);
	return c->reactor->ops->conn_flush(c);
}

/* A request head is in and its body awaited: a client that sent Expect:
 * 100-continue waits for this before sending the body (RFC 9110 §10.1.1).
 * Returns 1 (keep the connection) or -ENOMEM. */
static int answer_continue(struct rs_conn *c)
{
	if (!c->parser.want_continue || c->parser.continue_sent)
		return 1;
	c->parser.continue_sent = true;
	int err = rs_buf_append(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	return err ? err : 1;
}

/*
 * Answer the complete requests in c->in; *answered counts them. Stops early,
 * with complete requests possibly left, once the unsent answers reach the
 * backlog bound: a client that pipelines without reading must not make the
 * server buffer its answers without limit. Returns 1 to keep the connection,
 * 0 to close it after the flush (Connection: close, or a parse error that
 * was answered), or a negative errno.
 */
static int conn_answer_all(struct rs_conn *c, unsigned *answered)
{
	struct rs_reactor *r = c->reactor;
	struct rs_http_request req;
	size_t out_max = rs_conn_backlog_max(&r->cfg);

	while (c->in.len && c->out.len < out_max) {
		int n = rs_http_parse(&c->parser, rs_buf_head(&c->in), c->in.len, &r->cfg.http, &req);
		if (n == 0)
			return answer_continue(c);
		int bad = n < 0 ? n : rs_http_check_host(&req);
		if (bad) {
			int err = rs_http_respond_error(&c->out, -bad, false);
			return err ? err : 0;
		}
		c->parser = (struct rs_http_parser){ 0 };
		req.client_fd = c->fd_direct ? -1 : c->fd;
		req.client_gone = &c->peer_gone;
		size_t from = c->out.len;
		int err = r->cfg.handler(r, &req, &c->out);
		/* RFC 9112 §9.3: a 1.0 client that asked to stay open is told it does. */
		if (!err && req.keep_alive && req.minor_version == 0)
			err = rs_http_insert_header(&c->out, from, "Connection: keep-alive");
		if (err)
			return err;
		(*answered)++;
		rs_buf_consume(&c->in, (size_t)n);
		if (!req.keep_alive)
			return 0;
	}
	return 1;
}

/* The request under way took too long (slowloris): say so and close. */
static void conn_timeout(struct rs_conn *c)
{
	rs_buf_clear(&c->out);
	if (!rs_http_respond_error(&c->out, 408, false))
		conn_flush(c);
}

/*
 * Deadlines: from the accept, and from the first byte of each later
 * request, the whole request must arrive within header_timeout_ms (else
 * 408); with nothing received since the last answer the connection is idle
 * and may stay so for idle_timeout_ms (then it is closed without a word).
 * The clock is read only when that state changes, not per read.
 */
void rs_conn_serve(struct rs_conn *c)
{
	const struct rs_engine_ops *ops = c->reactor->ops;
	const struct rs_reactor_cfg *cfg = &c->reactor->cfg;
	bool idle = false, backlog = false;

	c->deadline_ms = deadline_in(cfg->header_timeout_ms);
	for (;;) {
		/* With answers held back by the backlog bound, the requests
		 * they answer are already here: answer them before reading. */
		ssize_t got = backlog ? 1 : ops->conn_read(c);
		if (got == -ETIMEDOUT && !idle)
			conn_timeout(c);
		if (got <= 0)
			break;
		if (idle) {
			idle = false;
			c->deadline_ms = deadline_in(cfg->header_timeout_ms);
		}
		unsigned answered = 0;
		int keep = conn_answer_all(c, &answered);
		backlog = keep > 0 && answered && c->out.len >= rs_conn_backlog_max(cfg);
		/* Everything answered for this read goes out in one send. */
		if (c->out.len && conn_flush(c))
			break;
		if (keep <= 0)
			break;
		/* Graceful stop: leave once nothing is half-received. */
		if (atomic_load_explicit(&c->reactor->stopping, memory_order_relaxed) && !c->in.len)
			break;
		if (!c->in.len) {
			idle = true;
			c->deadline_ms = deadline_in(cfg->idle_timeout_ms);
		} else if (answered) {
			/* What is left is the start of the next request. */
			c->deadline_ms = deadline_in(cfg->header_timeout_ms);
		} else if (rs_conn_expired(c, rs_clock_ms())) {
			/* Dribbled bytes keep the reads coming: the sweep may
			 * never catch this fiber waiting. */
			conn_timeout(c);
			break;
		}
		/* A one-off large request should not pin memory for the connection's life. */
		rs_buf_trim(&c->in);
		rs_buf_trim(&c->out);
	}
	rs_buf_free(&c->in);
	rs_buf_free(&c->out);
}
