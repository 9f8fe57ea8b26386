/* conn.c - the per-connection fiber body shared by every engine: read, parse, answer, flush. */
#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "engine.h"
#include "workloads.h"

int64_t rs_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rs_conn_sweep_ms(const struct rs_reactor_cfg *cfg)
{
	int t = cfg->header_timeout_ms;
	if (!t || (cfg->idle_timeout_ms && cfg->idle_timeout_ms < t))
		t = cfg->idle_timeout_ms;
	if (!t)
		return 0;
	t /= 4;
	return t < 10 ? 10 : t > 250 ? 250 : t;
}

static int64_t deadline_in(int ms)
{
	return ms ? rs_clock_ms() + ms : 0;
}

/*
 * Answer every complete request in c->in; *answered counts them. Returns 1
 * to keep the connection, 0 to close it after the flush (Connection: close,
 * or a parse error that was answered), or a negative errno.
 */
static int conn_answer_all(struct rs_conn *c, unsigned *answered)
{
	struct rs_reactor *r = c->reactor;
	struct rs_http_request req;

	while (c->in.len) {
		int n = rs_http_parse(&c->parser, rs_buf_head(&c->in), c->in.len, &r->cfg.http, &req);
		if (n == 0)
			return 1;
		if (n < 0) {
			int err = rs_http_respond_error(&c->out, -n, false);
			return err ? err : 0;
		}
		c->parser = (struct rs_http_parser){ 0 };
		int err = rs_workload_handle(r, &req, &c->out);
		if (err)
			return err;
		r->requests++;
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
		c->reactor->ops->conn_flush(c);
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
	bool idle = false;

	c->deadline_ms = deadline_in(cfg->header_timeout_ms);
	for (;;) {
		ssize_t got = ops->conn_read(c);
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
		/* Everything answered for this read goes out in one send. */
		if (c->out.len && ops->conn_flush(c))
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
		rs_buf_shrink(&c->in, 16384);
		rs_buf_shrink(&c->out, 16384);
	}
	rs_buf_free(&c->in);
	rs_buf_free(&c->out);
}
