/* wl_db.c - the SQL workloads (TechEmpower rules) on the reactor's Postgres pool, same code for every engine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "pg.h"
#include "pool.h"
#include "wl_db.h"
#include "workloads.h"

#define WORLD_ROWS 10000
#define MAX_QUERIES 500

static const uint32_t int4_1[] = { RS_PG_OID_INT4 };
static const uint32_t int4_2[] = { RS_PG_OID_INT4, RS_PG_OID_INT4 };

static const struct rs_pg_stmt st_world = {
	"w_sel", "SELECT id, randomNumber FROM World WHERE id = $1", 1, int4_1,
};
static const struct rs_pg_stmt st_fortune = {
	"f_sel", "SELECT id, message FROM Fortune", 0, NULL,
};
static const struct rs_pg_stmt st_update = {
	"w_upd", "UPDATE World SET randomNumber = $1 WHERE id = $2", 2, int4_2,
};

/* ---- per-thread random numbers (xorshift64*), 1..WORLD_ROWS ---- */

static _Thread_local uint64_t rng_state;

int rs_wl_random_row(void)
{
	if (!rng_state) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		rng_state = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&rng_state;
		rng_state |= 1;
	}
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (int)((rng_state * 0x2545f4914f6cdd1dull >> 33) % WORLD_ROWS) + 1;
}

/* ---- one request's use of the pool ---- */

struct db {
	struct rs_reactor *r;
	struct rs_pg_pool *pool;
	const struct rs_pg_ops *ops;
	struct rs_pg_conn *conn;
	int fail; /* the negative errno that ended it, for the 503 */
	bool down; /* the rent failed because the database is unreachable */
	struct rs_pool_stmt stmt; /* the statement in flight, for the pool's timeout and client watch */
};

static int db_rent(struct db *d)
{
	int err = rs_pg_pool_rent(d->pool, &d->conn);
	if (err) {
		d->conn = NULL;
		d->fail = err;
		d->down = rs_pg_pool_down(d->pool) != 0;
	}
	return err;
}

static int db_begin(struct db *d, struct rs_reactor *r, const struct rs_http_request *req)
{
	*d = (struct db){ .r = r, .pool = rs_wl_pg(r), .stmt.client_fd = req->client_fd, .stmt.client_gone_seen = req->client_gone };
	if (!d->pool) {
		d->fail = -ENOTCONN;
		return -ENOTCONN;
	}
	d->ops = rs_pg_pool_ops(d->pool);
	return db_rent(d);
}

static void db_end(struct db *d)
{
	if (d->conn)
		rs_pg_pool_return(d->pool, d->conn);
	d->conn = NULL;
}

/*
 * A call that got no answer (the connection broke: backend terminated, the
 * server restarted) is retried on another connection; the broken one goes
 * back to the pool, which replaces it. Up to every connection of the pool
 * can be dead at once (pg_terminate_backend on all of them), so that is how
 * often we retry, plus one. A server error is an answer, never retried.
 * (An UPDATE whose connection broke after sending may run twice: harmless
 * for these workloads, which write a fresh random number.)
 */
static int db_attempts(const struct db *d)
{
	return rs_pg_pool_size(d->pool) + 1;
}
/*
 * Did the call get a real answer? A FATAL error that broke the connection
 * (57P01 from pg_terminate_backend, read as the reply to our request) is the
 * connection dying, not an answer to the query: retry like a socket error.
 */
static bool answered(struct db *d, int *err, struct rs_pg_result **res)
{
	if (*err)
		return false;
	/* Cancelled though the pool did not cancel it: a CancelRequest for the
	 * statement ahead of it on a pipelined connection (shared mode) landed
	 * after that one had finished. Not an answer to this one: run it again. */
	bool stray_cancel = !(*res)->ok && !strcmp((*res)->err.sqlstate, "57014") && !d->stmt.cancelled;
	if ((*res)->ok || (!stray_cancel && !d->ops->is_broken(d->conn)))
		return true;
	rs_pg_result_free(*res);
	*res = NULL;
	*err = stray_cancel ? -ECANCELED : -ECONNRESET;
	return false;
}

/* The pool times each statement and watches its client; a client that
 * reset gets no further statement (-ECONNRESET). */
static int stmt_begin(struct db *d)
{
	if (d->stmt.client_gone) {
		d->fail = -ECONNRESET;
		return d->fail;
	}
	rs_pg_pool_stmt_begin(d->pool, d->conn, &d->stmt);
	return 0;
}

static int db_exec(struct db *d, const struct rs_pg_stmt *st, const char *const *vals,
		   struct rs_pg_result **res)
{
	int err = -ENOTCONN;
	for (int attempt = 0; attempt < db_attempts(d); attempt++) {
		if (!d->conn && db_rent(d))
			return d->fail;
		if (stmt_begin(d))
			return d->fail;
		err = d->ops->execute(d->conn, st, vals, NULL, NULL, RS_PG_FMT_BINARY, res);
		rs_pool_stmt_end(&d->stmt);
		if (answered(d, &err, res))
			return 0;
		db_end(d);
	}
	d->fail = err;
	return err;
}

static int db_query(struct db *d, const char *sql, struct rs_pg_result **res)
{
	int err = -ENOTCONN;
	for (int attempt = 0; attempt < db_attempts(d); attempt++) {
		if (!d->conn && db_rent(d))
			return d->fail;
		if (stmt_begin(d))
			return d->fail;
		err = d->ops->query(d->conn, sql, res);
		rs_pool_stmt_end(&d->stmt);
		if (answered(d, &err, res))
			return 0;
		db_end(d);
	}
	d->fail = err;
	return err;
}

/* No answer from the database: 503, saying why. */
static int respond_unavailable(struct db *d, const struct rs_http_request *req, struct rs_buf *out)
{
	char body[160];
	if (d->down) {
		int n = snprintf(body, sizeof(body), "database unreachable: %s\n", strerror(-d->fail));
		db_end(d);
		return rs_http_respond(out, 503, "text/plain", body, (size_t)n, req->keep_alive);
	}
	const char *why = d->fail == -ETIMEDOUT ? "timed out waiting for a database connection"
			  : d->fail == -ENOTCONN ? "no database configured (--pg)"
			  : d->fail == -ESHUTDOWN ? "server stopping"
						  : strerror(-d->fail);
	int n = snprintf(body, sizeof(body), "database unavailable: %s\n", why);
	db_end(d);
	return rs_http_respond(out, 503, "text/plain", body, (size_t)n, req->keep_alive);
}

/* A server error: 500 with its SQLSTATE. */
static int respond_sql_error(struct db *d, struct rs_pg_result *res, const struct rs_http_request *req,
			     struct rs_buf *out)
{
	char body[512];
	int n = snprintf(body, sizeof(body), "SQLSTATE %s: %s\n", res->err.sqlstate,
			 res->err.message ? res->err.message : "");
	if (n >= (int)sizeof(body))
		n = sizeof(body) - 1;
	rs_pg_result_free(res);
	db_end(d);
	return rs_http_respond(out, 500, "text/plain", body, (size_t)n, req->keep_alive);
}

/* One World row by id into *id, *num. 0, 1 for "answered with an error" (*res kept), or <0. */
static int world_get(struct db *d, int id, int *num, struct rs_pg_result **err_res)
{
	char idbuf[16];
	const char *vals[1] = { idbuf };
	struct rs_pg_result *res;
	int64_t v;

	snprintf(idbuf, sizeof(idbuf), "%d", id);
	int err = db_exec(d, &st_world, vals, &res);
	if (err)
		return err;
	if (!res->ok || res->nrows != 1 || rs_pg_get_int(res, 0, 1, &v)) {
		*err_res = res;
		return 1;
	}
	*num = (int)v;
	rs_pg_result_free(res);
	return 0;
}

static int respond_json_worlds(const int *ids, const int *nums, int n, bool array,
			       const struct rs_http_request *req, struct rs_buf *out)
{
	char stackbuf[64 * 40];
	char *body = n * 40 <= (int)sizeof(stackbuf) ? stackbuf : malloc((size_t)n * 40 + 2);
	if (!body)
		return -ENOMEM;
	size_t len = 0;
	if (array)
		body[len++] = '[';
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(body + len, "%s{\"id\":%d,\"randomNumber\":%d}", i ? "," : "", ids[i],
				       nums[i]);
	if (array)
		body[len++] = ']';
	int err = rs_http_respond(out, 200, "application/json", body, len, req->keep_alive);
	if (body != stackbuf)
		free(body);
	return err;
}

static int worlds(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out, int n,
		  bool array, bool update)
{
	int ids[MAX_QUERIES], nums[MAX_QUERIES];
	struct rs_pg_result *res = NULL;
	struct db d;

	if (db_begin(&d, r, req))
		return respond_unavailable(&d, req, out);
	for (int i = 0; i < n; i++) {
		ids[i] = rs_wl_random_row();
		int err = world_get(&d, ids[i], &nums[i], &res);
		if (err > 0)
			return respond_sql_error(&d, res, req, out);
		if (err < 0)
			return respond_unavailable(&d, req, out);
		if (!update)
			continue;
		/* Read, then write a new random number back: each row on its own. */
		char numbuf[16], idbuf[16];
		const char *vals[2] = { numbuf, idbuf };
		nums[i] = rs_wl_random_row();
		snprintf(numbuf, sizeof(numbuf), "%d", nums[i]);
		snprintf(idbuf, sizeof(idbuf), "%d", ids[i]);
		if (db_exec(&d, &st_update, vals, &res))
			return respond_unavailable(&d, req, out);
		if (!res->ok)
			return respond_sql_error(&d, res, req, out);
		rs_pg_result_free(res);
	}
	db_end(&d);
	return respond_json_worlds(ids, nums, n, array, req, out);
}

int rs_wl_queries_param(const struct rs_http_request *req)
{
	return rs_wl_count_param(req, "queries");
}

int rs_wl_count_param(const struct rs_http_request *req, const char *name)
{
	char v[32];
	size_t len = 0;
	long n = 0;
	if (rs_http_query_decoded(req, name, v, sizeof(v), &len))
		len = 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9') {
			n = 0;
			break;
		}
		n = n * 10 + (v[i] - '0');
		if (n > MAX_QUERIES)
			return MAX_QUERIES; /* also stops overflow */
	}
	return n < 1 ? 1 : (int)n;
}

int rs_wl_db(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	return worlds(r, req, out, 1, false, false);
}

int rs_wl_queries(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	return worlds(r, req, out, rs_wl_queries_param(req), true, false);
}

int rs_wl_updates(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	return worlds(r, req, out, rs_wl_queries_param(req), true, true);
}

/* ---- fortunes ---- */

struct fortune {
	int id;
	const char *msg;
	size_t len;
};

/* Message order, then length: byte order as TechEmpower's sort, a shorter prefix first. */
static int fortune_cmp(const struct fortune *x, const struct fortune *y)
{
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->msg, y->msg, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Insertion sort: a dozen rows, where qsort's indirect compare calls and merge buffer cost more than the sort. */
static void fortunes_sort(struct fortune *f, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct fortune v = f[i];
		size_t j = i;
		for (; j > 0 && fortune_cmp(&f[j - 1], &v) > 0; j--)
			f[j] = f[j - 1];
		f[j] = v;
	}
}

/* The HTML escape of each byte: NULL for a byte that stands for itself. */
static const char *html_entity(char c, size_t *len)
{
	switch (c) {
	case '&': *len = 5; return "&amp;";
	case '<': *len = 4; return "&lt;";
	case '>': *len = 4; return "&gt;";
	case '"': *len = 6; return "&quot;";
	case '\'': *len = 5; return "&#39;";
	default: *len = 1; return NULL;
	}
}

static size_t html_escaped_len(const char *s, size_t n)
{
	size_t total = 0, k;
	for (size_t i = 0; i < n; i++) {
		html_entity(s[i], &k);
		total += k;
	}
	return total;
}

static char *html_escape(char *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k;
		const char *rep = html_entity(s[i], &k);
		if (!rep) {
			*w++ = s[i];
			continue;
		}
		memcpy(w, rep, k);
		w += k;
	}
	return w;
}

/* Decimal v into buf[12], returning its length (the digits at the start of buf). */
static size_t int_text(char buf[12], int v)
{
	char tmp[12];
	size_t n = 0, len = 0;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	return len;
}

#define FORT_HEAD "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>"
#define FORT_ROW_OPEN "<tr><td>"
#define FORT_ROW_MID "</td><td>"
#define FORT_ROW_CLOSE "</td></tr>"
#define FORT_TAIL "</table></body></html>"
#define LIT_PUT(w, lit) (memcpy((w), (lit), sizeof(lit) - 1), (w) + sizeof(lit) - 1)

/*
 * The page is measured first, then written once straight into out behind its
 * headers: no body buffer to grow and copy, no printf per row (together a
 * fifth of the server's user time on /fortunes before).
 */
static int render_fortunes(struct fortune *f, size_t n, const struct rs_http_request *req, struct rs_buf *out)
{
	size_t len = sizeof(FORT_HEAD) - 1 + sizeof(FORT_TAIL) - 1;
	char id[12];

	for (size_t i = 0; i < n; i++)
		len += sizeof(FORT_ROW_OPEN FORT_ROW_MID FORT_ROW_CLOSE) - 1 + int_text(id, f[i].id) +
		       html_escaped_len(f[i].msg, f[i].len);
	int err = rs_http_respond(out, 200, "text/html; charset=utf-8", NULL, len, req->keep_alive);
	if (err)
		return err;
	char *w = rs_buf_tail(out) - len;
	w = LIT_PUT(w, FORT_HEAD);
	for (size_t i = 0; i < n; i++) {
		w = LIT_PUT(w, FORT_ROW_OPEN);
		size_t k = int_text(id, f[i].id);
		memcpy(w, id, k);
		w = LIT_PUT(w + k, FORT_ROW_MID);
		w = html_escape(w, f[i].msg, f[i].len);
		w = LIT_PUT(w, FORT_ROW_CLOSE);
	}
	w = LIT_PUT(w, FORT_TAIL);
	return w == rs_buf_tail(out) ? 0 : -EPROTO; /* the two passes disagree: a bug, not a page */
}

int rs_wl_fortunes(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	static const char extra[] = "Additional fortune added at request time.";
	struct rs_pg_result *res;
	struct db d;

	if (db_begin(&d, r, req) || db_exec(&d, &st_fortune, NULL, &res))
		return respond_unavailable(&d, req, out);
	if (!res->ok)
		return respond_sql_error(&d, res, req, out);
	db_end(&d);
	size_t n = res->nrows;
	struct fortune *f = malloc((n + 1) * sizeof(*f));
	int err = f ? 0 : -ENOMEM;
	for (size_t i = 0; !err && i < n; i++) {
		int64_t id;
		f[i].msg = rs_pg_get_text(res, i, 1, &f[i].len);
		if (rs_pg_get_int(res, i, 0, &id) || !f[i].msg)
			err = -EINVAL;
		f[i].id = (int)id;
	}
	if (!err) {
		f[n] = (struct fortune){ 0, extra, sizeof(extra) - 1 };
		fortunes_sort(f, n + 1);
		err = render_fortunes(f, n + 1, req, out);
	} else if (err == -EINVAL) {
		err = rs_http_respond_error(out, 500, req->keep_alive);
	}
	free(f);
	rs_pg_result_free(res);
	return err;
}

/* ---- simple-protocol workloads ---- */

/* Run sql; 200 with prefix and the first value as the body, 500 with the SQLSTATE. */
static int simple(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out, const char *sql,
		  const char *prefix)
{
	struct rs_pg_result *res;
	struct db d;

	if (db_begin(&d, r, req) || db_query(&d, sql, &res))
		return respond_unavailable(&d, req, out);
	if (!res->ok)
		return respond_sql_error(&d, res, req, out);
	db_end(&d);
	char body[64];
	size_t vlen = 0;
	const char *v = res->nrows ? rs_pg_get_text(res, 0, 0, &vlen) : NULL;
	int n = snprintf(body, sizeof(body), "%s%.*s", prefix, v ? (int)vlen : 0, v ? v : "");
	rs_pg_result_free(res);
	return rs_http_respond(out, 200, "text/plain", body, (size_t)n, req->keep_alive);
}

int rs_wl_select42(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	return simple(r, req, out, "SELECT 42", "db=");
}

int rs_wl_sleep(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	char v[32];
	size_t len = 0;
	long ms = 0;
	bool ok = !rs_http_query_decoded(req, "ms", v, sizeof(v), &len) && len > 0 && len <= 5;
	for (size_t i = 0; ok && i < len; i++) {
		ok = v[i] >= '0' && v[i] <= '9';
		ms = ms * 10 + (v[i] - '0');
	}
	if (!ok || ms > 10000) {
		static const char msg[] = "ms must be an integer in 0..10000\n";
		return rs_http_respond(out, 400, "text/plain", msg, sizeof(msg) - 1, req->keep_alive);
	}
	char sql[64];
	/* pg_sleep() returns void (an empty text): answer the milliseconds slept instead. */
	snprintf(sql, sizeof(sql), "SELECT %ld FROM pg_sleep(%ld.%03ld)", ms, ms / 1000, ms % 1000);
	return simple(r, req, out, sql, "slept=");
}

int rs_wl_error(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	return simple(r, req, out, "SELECT 1/0", "");
}
