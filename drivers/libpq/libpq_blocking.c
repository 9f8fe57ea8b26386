/* libpq_blocking.c - the thread-pool driver: blocking libpq calls, each run on a worker through offload(). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "lpq.h"

/*
 * The classic design the suite compares against: the reactor hands every
 * call to a worker thread (r->ops->offload), which runs blocking libpq
 * (PQconnectdbParams, PQexec, PQprepare, PQexecPrepared, PQfinish) and
 * builds the rs_pg_result there (plain memory, private to this call); the
 * fiber resumes on its reactor once the worker is done. A connection is
 * used by one call at a time, so never by two threads at once, and the
 * offload hand-over orders the memory between them. No pipelining.
 */

_Static_assert(sizeof(Oid) == sizeof(uint32_t), "param type OIDs are passed as Oid[]");

struct rs_pg_conn {
	struct rs_reactor *r;
	PGconn *pg;
	struct rs_lpq_names prepared;
	struct rs_lpq_cancel *cancel;
	bool broken;               /* written by the worker, read after offload returns */
};

/* One call, on the calling fiber's stack; the worker fills the answer. */
struct job {
	struct rs_pg_conn *c;
	const struct rs_pg_conninfo *ci;
	const char *sql;
	const char *name;
	int nparams;
	const uint32_t *types;
	const char *const *values;
	const int *lengths;
	const int *formats;
	int result_format;
	int err;
	struct rs_pg_result *res;
};

/* Run fn on a worker. The job's own err is the call's answer. */
static int run(struct rs_reactor *r, void (*fn)(void *), struct job *j)
{
	int err = r->ops->offload(r, fn, j);
	return err ? err : j->err;
}

/* ---- on the worker ---- */

/* A PGresult into j->res; no result at all means the connection is gone. */
static void job_take(struct job *j, PGresult *pr)
{
	j->c->broken = PQstatus(j->c->pg) == CONNECTION_BAD;
	if (!pr) {
		j->err = j->c->broken ? -ECONNRESET : -ENOMEM;
		return;
	}
	if (j->c->broken && PQresultStatus(pr) == PGRES_FATAL_ERROR &&
	    !PQresultErrorField(pr, PG_DIAG_SQLSTATE)) {
		j->err = -ECONNRESET; /* libpq's own "server closed the connection" */
		PQclear(pr);
		return;
	}
	j->err = rs_pg_result_new(&j->res);
	if (!j->err)
		j->err = rs_lpq_result_fill(j->res, pr);
	PQclear(pr);
}

/* poll(2): blocking is the point here. */
static int poll_wait(void *ctx, int fd, int events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = (short)events };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

/* What PQconnectdbParams does (start, poll loop), but with the verbose
 * error message that carries the server's SQLSTATE (lpq.h). */
static void w_connect(void *arg)
{
	struct job *j = arg;
	struct rs_pg_conn *c = j->c;

	j->err = rs_lpq_connect(j->ci, poll_wait, NULL, "libpq-blocking", &c->pg);
	if (!j->err)
		j->err = rs_lpq_cancel_new(c->pg, &c->cancel);
}

static void w_query(void *arg)
{
	struct job *j = arg;
	job_take(j, PQexec(j->c->pg, j->sql));
}

static void w_prepare(void *arg)
{
	struct job *j = arg;
	job_take(j, PQprepare(j->c->pg, j->name, j->sql, j->nparams, (const Oid *)j->types));
	if (!j->err && j->res->ok)
		j->err = rs_lpq_names_add(&j->c->prepared, j->name);
}

/* First use on this connection: prepare, then execute (two round trips,
 * once per statement and connection). */
static void w_execute(void *arg)
{
	struct job *j = arg;

	if (!rs_lpq_names_has(&j->c->prepared, j->name)) {
		w_prepare(j);
		if (j->err || !j->res->ok)
			return;
		rs_pg_result_free(j->res);
		j->res = NULL;
	}
	job_take(j, PQexecPrepared(j->c->pg, j->name, j->nparams, j->values, j->lengths, j->formats,
				   j->result_format));
}

static void conn_free(struct rs_pg_conn *c)
{
	PQfinish(c->pg);
	rs_lpq_names_free(&c->prepared);
	rs_lpq_cancel_put(c->cancel);
	free(c);
}

static void w_close(void *arg)
{
	struct job *j = arg;
	conn_free(j->c);
}

/* ---- the ops: on the reactor ---- */

static int lpqb_connect(struct rs_reactor *r, const struct rs_pg_conninfo *ci, struct rs_pg_conn **out)
{
	if (!r->ops->offload)
		return -EOPNOTSUPP;
	struct rs_pg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->r = r;
	struct job j = { .c = c, .ci = ci };
	int err = run(r, w_connect, &j);
	if (err) {
		conn_free(c);
		return err;
	}
	*out = c;
	return 0;
}

/* A call's answer: the result, or nothing with a negative errno. */
static int answer(int err, struct job *j, struct rs_pg_result **out)
{
	if (err) {
		rs_pg_result_free(j->res);
		*out = NULL;
		return err;
	}
	*out = j->res;
	return 0;
}

/* PQexec: several statements give the last one's rows, or the first error. */
static int lpqb_query(struct rs_pg_conn *c, const char *sql, struct rs_pg_result **out)
{
	struct job j = { .c = c, .sql = sql };
	return answer(run(c->r, w_query, &j), &j, out);
}

static int lpqb_prepare(struct rs_pg_conn *c, const char *name, const char *sql, int nparams,
			const uint32_t *types)
{
	struct job j = { .c = c, .name = name, .sql = sql, .nparams = nparams, .types = types };
	int err = run(c->r, w_prepare, &j);

	if (!err && !j.res->ok) {
		fprintf(stderr, "ringside: libpq-blocking: prepare %s: %s %s\n", name, j.res->err.sqlstate,
			j.res->err.message ? j.res->err.message : "");
		err = -EINVAL;
	}
	rs_pg_result_free(j.res);
	return err;
}

static int lpqb_execute(struct rs_pg_conn *c, const struct rs_pg_stmt *stmt, const char *const *values,
			const int *lengths, const int *formats, int result_format,
			struct rs_pg_result **out)
{
	struct job j = {
		.c = c,
		.name = stmt->name,
		.sql = stmt->sql,
		.nparams = stmt->nparams,
		.types = stmt->param_types,
		.values = values,
		.lengths = lengths,
		.formats = formats,
		.result_format = result_format,
	};
	return answer(run(c->r, w_execute, &j), &j, out);
}

/* PQcancel is blocking too; it gets a thread of its own rather than a
 * worker, which may all be busy with the very queries to cancel (lpq.h). */
static int lpqb_cancel(struct rs_pg_conn *c)
{
	return rs_lpq_cancel_run(c->r, c->cancel);
}

/* PQfinish writes Terminate on a blocking socket: on a worker too. */
static void lpqb_close(struct rs_pg_conn *c)
{
	struct job j = { .c = c };
	if (run(c->r, w_close, &j))
		conn_free(c); /* no worker to run it: a short write, done here */
}

static bool lpqb_is_broken(const struct rs_pg_conn *c)
{
	return c->broken;
}

static int lpqb_socket(const struct rs_pg_conn *c)
{
	return PQsocket(c->pg);
}

const struct rs_pg_ops rs_pg_libpq_blocking = {
	.name = "libpq-blocking",
	.caps = 0,
	.engine_caps = RS_CAP_OFFLOAD,
	.connect = lpqb_connect,
	.query = lpqb_query,
	.prepare = lpqb_prepare,
	.execute = lpqb_execute,
	.cancel = lpqb_cancel,
	.close = lpqb_close,
	.is_broken = lpqb_is_broken,
	.socket = lpqb_socket,
};
