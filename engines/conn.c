/* conn.c - the per-connection fiber body shared by every engine: read, parse, answer, flush. */
#include <errno.h>
#include <stdatomic.h>

#include "engine.h"
#include "workloads.h"

/*
 * Answer every complete request in c->in. Returns 1 to keep the connection,
 * 0 to close it after the flush (Connection: close, or a parse error that
 * was answered), or a negative errno.
 */
static int conn_answer_all(struct rs_conn *c)
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
		rs_buf_consume(&c->in, (size_t)n);
		if (!req.keep_alive)
			return 0;
	}
	return 1;
}

void rs_conn_serve(struct rs_conn *c)
{
	const struct rs_engine_ops *ops = c->reactor->ops;

	for (;;) {
		ssize_t got = ops->conn_read(c);
		if (got <= 0)
			break;
		int keep = conn_answer_all(c);
		/* Everything answered for this read goes out in one send. */
		if (c->out.len && ops->conn_flush(c))
			break;
		if (keep <= 0)
			break;
		/* Graceful stop: leave once nothing is half-received. */
		if (atomic_load_explicit(&c->reactor->stopping, memory_order_relaxed) && !c->in.len)
			break;
		/* A one-off large request should not pin memory for the connection's life. */
		rs_buf_shrink(&c->in, 16384);
		rs_buf_shrink(&c->out, 16384);
	}
	rs_buf_free(&c->in);
	rs_buf_free(&c->out);
}
