/* libpq.c - the async libpq driver: non-blocking libpq in pipeline mode, socket readiness from the reactor. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine.h"
#include "fiber.h"
#include "lpq.h"

/*
 * libpq does the protocol and the socket calls; the reactor only says when
 * the socket is readable or writable (sock_wait: a poll op on the ring for
 * uring-libpq, an ev_io for the libev engines), so a waiting fiber never
 * blocks its reactor.
 *
 * Every connection is in pipeline mode, always: one code path, and several
 * fibers can have requests in flight on one connection (the pool's shared
 * mode). Each request ends with its own Sync, so it is its own implicit
 * transaction and a failed one does not abort the next. The cost is that
 * query() cannot use the simple protocol (PQsendQuery is not allowed in
 * pipeline mode): it goes out as an unnamed extended-protocol statement,
 * so a query string holds ONE statement; "SELECT 1; SELECT 2" is a server
 * error (42601), unlike the other drivers.
 *
 * Results come back in send order. Whichever waiting fiber owns the socket
 * (the pump) flushes, waits, reads, and hands every finished answer to its
 * fiber, resuming it inline; when its own answer is in it passes the pump
 * on to the oldest fiber still waiting (as the pgwire driver does).
 */

_Static_assert(sizeof(Oid) == sizeof(uint32_t), "param type OIDs are passed as Oid[]");

/* One request in flight, on its fiber's stack. */
struct req {
	struct rs_fiber *fiber;
	struct req *next;          /* the in-flight FIFO */
	const char *prep_name;     /* its Parse named a new statement: forget it if refused */
	int nresults;              /* results seen: the Parse's is the first */
	bool done;
	bool parked;               /* suspended in park(), waiting for the pump */
	int status;
	struct rs_pg_result *res;
};

struct rs_pg_conn {
	struct rs_reactor *r;
	PGconn *pg;
	int fd;
	struct req *head, *tail;   /* sent, not yet answered, in send order */
	bool pumping;              /* a fiber owns the socket */
	struct rs_lpq_names prepared;
	struct rs_lpq_cancel *cancel;
	int err;                   /* what broke it */
};

/* ---- failure ---- */

/* The connection is gone: every request in flight gets err, and a pump
 * waiting for input is woken by the shutdown. */
static void conn_fail(struct rs_pg_conn *c, int err)
{
	struct req *q = c->head;

	if (!c->err)
		c->err = err;
	c->head = c->tail = NULL;
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	while (q) {
		struct req *next = q->next; /* q's fiber may end once resumed */
		q->status = c->err;
		q->done = true;
		if (q->parked) {
			q->parked = false;
			rs_fiber_resume(q->fiber);
		}
		q = next;
	}
}

/* libpq refused to queue or send: its queue and ours may disagree now. */
static int send_failed(struct rs_pg_conn *c)
{
	if (!c->err && PQstatus(c->pg) != CONNECTION_BAD)
		fprintf(stderr, "ringside: libpq: send: %s", PQerrorMessage(c->pg));
	conn_fail(c, -ECONNRESET);
	return c->err;
}

/* ---- answers ---- */

static void req_result(struct rs_pg_conn *c, struct req *q, const PGresult *pr)
{
	ExecStatusType st = PQresultStatus(pr);

	if (q->nresults++ == 0 && q->prep_name && st != PGRES_COMMAND_OK)
		rs_lpq_names_del(&c->prepared, q->prep_name);
	if (!q->res->ok || q->status)
		return; /* the first error is the answer; the rest were skipped */
	int err = st == PGRES_PIPELINE_ABORTED ? rs_lpq_result_error(q->res, "25P02", "pipeline aborted")
					       : rs_lpq_result_fill(q->res, pr);
	if (err)
		q->status = err;
}

/* q's Sync came back: q is answered. Resume its fiber unless it is the
 * caller; it comes back here as soon as it suspends again. */
static void req_complete(struct rs_pg_conn *c, struct req *q, struct req *self)
{
	c->head = q->next;
	if (!c->head)
		c->tail = NULL;
	q->done = true;
	if (q == self || !q->parked)
		return;
	q->parked = false;
	rs_fiber_resume(q->fiber);
}

/* Hand out every result libpq has parsed, to the requests in send order.
 * PQgetResult is only called when PQisBusy says it will not block. */
static void dispatch(struct rs_pg_conn *c, struct req *self)
{
	int nulls = 0;

	while (c->head && !PQisBusy(c->pg)) {
		PGresult *pr = PQgetResult(c->pg);
		if (!pr) {
			/* One NULL ends each command's results; two in a row
			 * with requests pending: libpq has nothing more for us. */
			if (++nulls > 1) {
				conn_fail(c, PQstatus(c->pg) == CONNECTION_BAD ? -ECONNRESET : -EPROTO);
				return;
			}
			continue;
		}
		nulls = 0;
		struct req *q = c->head;
		bool sync = PQresultStatus(pr) == PGRES_PIPELINE_SYNC;
		if (!sync)
			req_result(c, q, pr);
		PQclear(pr);
		if (sync)
			req_complete(c, q, self);
	}
}

/* ---- the pump ---- */

/*
 * libpq's non-blocking discipline: while PQflush returns 1 wait for
 * readable or writable (reading meanwhile, or the server may stall on a
 * full socket towards us); then wait readable, PQconsumeInput, collect.
 * Requests queued by other fibers while the pump waits for input only are
 * flushed by their own PQpipelineSync; the rare remainder goes out at the
 * pump's next wake-up, which comes, since the pump's request was sent
 * before theirs.
 */
static void pump_until(struct rs_pg_conn *c, struct req *self)
{
	c->pumping = true;
	dispatch(c, self);
	while (!self->done) {
		int flushed = PQflush(c->pg);
		if (flushed < 0) {
			conn_fail(c, -ECONNRESET);
			break;
		}
		int ev = c->r->ops->sock_wait(c->r, c->fd, flushed ? POLLIN | POLLOUT : POLLIN, -1);
		if (ev < 0) {
			conn_fail(c, ev);
			break;
		}
		if ((ev & ~POLLOUT) && !PQconsumeInput(c->pg)) {
			conn_fail(c, -ECONNRESET);
			break;
		}
		dispatch(c, self);
	}
	c->pumping = false;
	/* Someone still waits: the oldest becomes the pump. */
	struct req *next = c->head;
	if (next && next->parked) {
		next->parked = false;
		rs_fiber_resume(next->fiber);
	}
}

static void park(struct req *q)
{
	q->parked = true;
	rs_fiber_yield();
}

static int wait_done(struct rs_pg_conn *c, struct req *q)
{
	while (!q->done) {
		if (!c->pumping)
			pump_until(c, q);
		else
			park(q);
	}
	return q->status;
}

/* ---- one request: begin, queue with libpq, Sync, wait ---- */

static int req_begin(struct rs_pg_conn *c, struct req *q)
{
	*q = (struct req){ .fiber = rs_fiber_current() };
	if (c->err)
		return c->err;
	return rs_pg_result_new(&q->res);
}

/* err: from queueing the request's commands with libpq. */
static int req_finish(struct rs_pg_conn *c, struct req *q, int err, struct rs_pg_result **out)
{
	if (!err && !PQpipelineSync(c->pg))
		err = send_failed(c);
	if (!err) {
		q->next = NULL;
		if (c->tail)
			c->tail->next = q;
		else
			c->head = q;
		c->tail = q;
		err = wait_done(c, q);
	}
	if (err) {
		rs_pg_result_free(q->res);
		*out = NULL;
		return err;
	}
	*out = q->res;
	return 0;
}

/* ---- the ops ---- */

/* The connect loop's waits go through the reactor. The socket is new to it before each: libpq
 * opened it, and PQconnectPoll may have closed it and opened another at the same number. */
static int reactor_wait(void *ctx, int fd, int events, int timeout_ms)
{
	struct rs_reactor *r = ctx;
	if (r->ops->sock_adopt)
		r->ops->sock_adopt(r, fd);
	return r->ops->sock_wait(r, fd, events, timeout_ms);
}

static int conn_setup(struct rs_pg_conn *c)
{
	c->fd = PQsocket(c->pg);
	if (PQsetnonblocking(c->pg, 1) || !PQenterPipelineMode(c->pg)) {
		fprintf(stderr, "ringside: libpq: pipeline mode: %s", PQerrorMessage(c->pg));
		return -EIO;
	}
	return rs_lpq_cancel_new(c->pg, &c->cancel);
}

static void lpq_free(struct rs_pg_conn *c)
{
	/* PQfinish writes Terminate on the non-blocking socket: it cannot block. */
	PQfinish(c->pg);
	rs_lpq_names_free(&c->prepared);
	rs_lpq_cancel_put(c->cancel);
	free(c);
}

static int lpq_connect(struct rs_reactor *r, const struct rs_pg_conninfo *ci, struct rs_pg_conn **out)
{
	if (!r->ops->sock_wait)
		return -EOPNOTSUPP;
	struct rs_pg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->r = r;
	c->fd = -1;
	int err = rs_lpq_connect(ci, reactor_wait, r, "libpq", &c->pg);
	if (!err)
		err = conn_setup(c);
	if (err) {
		lpq_free(c);
		return err;
	}
	*out = c;
	return 0;
}

/* One statement only: see the top of the file. Text results. */
static int lpq_query(struct rs_pg_conn *c, const char *sql, struct rs_pg_result **out)
{
	struct req q;
	int err = req_begin(c, &q);

	if (!err && !PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, RS_PG_FMT_TEXT))
		err = send_failed(c);
	return req_finish(c, &q, err, out);
}

/* Queue a Parse for name. A new name counts as prepared from now on, so
 * requests pipelined behind it do not parse it again; q forgets it if the
 * server refuses. */
static int send_prepare(struct rs_pg_conn *c, struct req *q, const char *name, const char *sql, int nparams,
			const uint32_t *types)
{
	if (!rs_lpq_names_has(&c->prepared, name)) {
		int err = rs_lpq_names_add(&c->prepared, name);
		if (err)
			return err;
		q->prep_name = name;
	}
	if (!PQsendPrepare(c->pg, name, sql, nparams, (const Oid *)types))
		return send_failed(c);
	return 0;
}

static int lpq_prepare(struct rs_pg_conn *c, const char *name, const char *sql, int nparams,
		       const uint32_t *types)
{
	struct rs_pg_result *res = NULL;
	struct req q;
	int err = req_begin(c, &q);

	if (!err)
		err = send_prepare(c, &q, name, sql, nparams, types);
	err = req_finish(c, &q, err, &res);
	if (!err && !res->ok) {
		fprintf(stderr, "ringside: libpq: prepare %s: %s %s\n", name, res->err.sqlstate,
			res->err.message ? res->err.message : "");
		err = -EINVAL;
	}
	rs_pg_result_free(res);
	return err;
}

/* Parse (first use on this connection), Bind/Execute, Sync: one round trip. */
static int lpq_execute(struct rs_pg_conn *c, const struct rs_pg_stmt *stmt, const char *const *values,
		       const int *lengths, const int *formats, int result_format,
		       struct rs_pg_result **out)
{
	struct req q;
	int err = req_begin(c, &q);

	if (!err && !rs_lpq_names_has(&c->prepared, stmt->name))
		err = send_prepare(c, &q, stmt->name, stmt->sql, stmt->nparams, stmt->param_types);
	if (!err && !PQsendQueryPrepared(c->pg, stmt->name, stmt->nparams, values, lengths, formats,
					 result_format))
		err = send_failed(c);
	return req_finish(c, &q, err, out);
}

/* libpq 15 cancels only with the blocking PQcancel: lpq.h runs it off the reactor. */
static int lpq_cancel(struct rs_pg_conn *c)
{
	return rs_lpq_cancel_run(c->r, c->cancel);
}

static void lpq_close(struct rs_pg_conn *c)
{
	lpq_free(c);
}

static bool lpq_is_broken(const struct rs_pg_conn *c)
{
	return c->err || PQstatus(c->pg) == CONNECTION_BAD;
}

static int lpq_socket(const struct rs_pg_conn *c)
{
	return c->fd;
}

const struct rs_pg_ops rs_pg_libpq = {
	.name = "libpq",
	.caps = RS_PG_CAP_PIPELINE,
	.engine_caps = RS_CAP_READINESS,
	.connect = lpq_connect,
	.query = lpq_query,
	.prepare = lpq_prepare,
	.execute = lpq_execute,
	.cancel = lpq_cancel,
	.close = lpq_close,
	.is_broken = lpq_is_broken,
	.socket = lpq_socket,
};
