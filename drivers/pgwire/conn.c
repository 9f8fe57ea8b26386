/* conn.c - the sans-I/O PostgreSQL v3 connection state machine: pipelined requests, their replies, batches under one Sync (startup in conn_startup.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"

#define IN_KEEP_DEFAULT (16 * 1024)
#define RECV_MIN 2048
#define RECV_AHEAD_MAX (1024 * 1024)
#define FREE_REQS_MAX 64

/* ---- small helpers ---- */

static int dup_opt(char **dst, const char *s, const char *def)
{
	if (!s)
		s = def;
	*dst = s ? strdup(s) : NULL;
	return s && !*dst ? -ENOMEM : 0;
}

static void req_list_push(struct req **head, struct req **tail, struct req *r)
{
	r->next = NULL;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

static struct req *req_get(struct rs_pgw_conn *c)
{
	struct req *r = c->free_reqs;
	struct rs_buf keep = { 0 };

	if (r) {
		c->free_reqs = r->next;
		c->nfree--;
		keep = r->resend;
		rs_buf_clear(&keep);
	} else {
		r = malloc(sizeof(*r));
		if (!r)
			return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->resend = keep;
	if (rs_pg_result_new(&r->res)) {
		rs_buf_free(&r->resend);
		free(r);
		return NULL;
	}
	return r;
}

static void req_put(struct rs_pgw_conn *c, struct req *r)
{
	rs_pg_result_free(r->res);
	r->res = NULL;
	if (c->nfree >= FREE_REQS_MAX || r->resend.cap > 4096) {
		rs_buf_free(&r->resend);
		free(r);
		return;
	}
	r->next = c->free_reqs;
	c->free_reqs = r;
	c->nfree++;
}

/* Move r to the done queue; a request without an answer gives up its result. */
static void req_complete(struct rs_pgw_conn *c, struct req *r, int status)
{
	r->status = status;
	if (status < 0) {
		rs_pg_result_free(r->res);
		r->res = NULL;
	}
	req_list_push(&c->done_head, &c->done_tail, r);
	c->stats.requests++;
}

static struct req *pending_pop(struct rs_pgw_conn *c)
{
	struct req *r = c->head;

	c->head = r->next;
	if (!c->head)
		c->tail = NULL;
	c->npending--;
	c->nsyncs -= r->kind == REQ_SYNC;
	if (c->cur == r)
		c->cur = NULL;
	return r;
}

static void pending_push(struct rs_pgw_conn *c, struct req *r)
{
	req_list_push(&c->head, &c->tail, r);
	c->npending++;
	c->nsyncs += r->kind == REQ_SYNC;
}

/* The request the next message belongs to: the head, or in a batch the
 * first one not yet answered (answers come before the batch's ReadyForQuery). */
static struct req *current(struct rs_pgw_conn *c)
{
	struct req *r = c->cur ? c->cur : c->head;

	while (r && r->answered)
		r = r->next;
	c->cur = r;
	return r;
}

/* A batched execute got its last message: the next one is the next request's. */
static void answered(struct rs_pgw_conn *c, struct req *r)
{
	if (!r->batched)
		return;
	r->answered = true;
	if (c->cur == r)
		c->cur = r->next;
}

/* Break the connection: every pending request completes with err. Returns err. */
int rs_pgwc_fail(struct rs_pgw_conn *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->phase == PH_BROKEN)
		return c->status;
	c->phase = PH_BROKEN;
	c->status = err;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	while (c->head) {
		struct req *r = pending_pop(c);
		if (r->kind == REQ_SYNC)
			req_put(c, r);
		else
			req_complete(c, r, err);
	}
	c->nsyncs = c->unsynced = 0;
	c->cur = NULL;
	if (c->sasl)
		rs_scram_clear(&c->scram);
	c->sasl = false;
	return err;
}

int rs_pgwc_violation(struct rs_pgw_conn *c, const struct rs_pgw_msg *m, const char *what)
{
	return rs_pgwc_fail(c, -EPROTO, "protocol violation: %s (message '%c')", what,
			 m->type >= 32 && m->type < 127 ? m->type : '?');
}

/* ---- prepared statement bookkeeping ---- */

static struct stmt *stmt_find(struct rs_pgw_conn *c, const char *name)
{
	for (size_t i = 0; i < c->nstmts; i++)
		if (!strcmp(c->stmts[i].name, name))
			return &c->stmts[i];
	return NULL;
}

static void stmt_forget(struct rs_pgw_conn *c, const char *name)
{
	struct stmt *s = stmt_find(c, name);

	if (!s)
		return;
	free(s->name);
	free(s->sql);
	free(s->types);
	*s = c->stmts[--c->nstmts];
}

/* Remember name -> sql, types (replacing an older definition). */
static int stmt_set(struct rs_pgw_conn *c, const char *name, const char *sql, int ntypes,
		    const uint32_t *types, struct stmt **out)
{
	struct stmt s = { .ntypes = types ? ntypes : 0, .state = ST_PENDING };

	s.name = strdup(name);
	s.sql = strdup(sql);
	s.types = s.ntypes ? malloc(sizeof(uint32_t) * (size_t)s.ntypes) : NULL;
	if (!s.name || !s.sql || (s.ntypes && !s.types))
		goto out_nomem;
	if (s.ntypes)
		memcpy(s.types, types, sizeof(uint32_t) * (size_t)s.ntypes);
	stmt_forget(c, name);
	if (c->nstmts == c->stmts_cap) {
		size_t cap = c->stmts_cap ? c->stmts_cap * 2 : 8;
		struct stmt *n = realloc(c->stmts, cap * sizeof(*n));

		if (!n)
			goto out_nomem;
		c->stmts = n;
		c->stmts_cap = cap;
	}
	c->stmts[c->nstmts] = s;
	*out = &c->stmts[c->nstmts++];
	return 0;
out_nomem:
	free(s.name);
	free(s.sql);
	free(s.types);
	return -ENOMEM;
}

/* Close + Parse: Close makes the Parse succeed whatever the server still holds. */
static int put_reparse(struct rs_buf *out, const struct stmt *s)
{
	int err = rs_pgw_put_close(out, 'S', s->name);

	return err ? err : rs_pgw_put_parse(out, s->name, s->sql, s->ntypes, s->types);
}

/* ---- replies to requests ---- */

/* Statement-level messages of a multi-statement query: a new statement replaces the result. */
static void stmt_begin(struct req *r)
{
	if (!r->stmt_done)
		return;
	rs_pg_result_reset(r->res);
	r->stmt_done = false;
	r->have_cols = false;
}

/* A result could not be built: the request fails alone, the stream stays in sync. */
static void req_oom(struct req *r, int err)
{
	r->status = err;
	rs_pg_result_reset(r->res);
}

static bool retryable(const char *sqlstate)
{
	return sqlstate && (!strcmp(sqlstate, "26000") || !strcmp(sqlstate, "0A000"));
}

static void error_bookkeeping(struct rs_pgw_conn *c, struct req *r, const char *sqlstate)
{
	struct stmt *s = r->name[0] ? stmt_find(c, r->name) : NULL;

	if (!s)
		return;
	if (r->parse_sent && !r->parsed) {
		/* Our own Parse failed (bad SQL): the name is unknown to the server. */
		if (s->state == ST_PENDING)
			stmt_forget(c, r->name);
	} else if (retryable(sqlstate)) {
		s->state = ST_STALE;
		if (r->may_retry && !r->error)
			r->retry = true;
	}
}

static int on_error(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	struct req *r = current(c);
	struct rs_pgw_fields f;
	const char *sev;
	bool fatal;
	int err;

	if (rs_pgw_parse_fields(m, &f))
		return rs_pgwc_violation(c, m, "malformed ErrorResponse");
	sev = f.severity_nl ? f.severity_nl : f.severity;
	fatal = sev && (!strcmp(sev, "FATAL") || !strcmp(sev, "PANIC"));
	if (r && r->kind == REQ_SYNC && !fatal)
		r = NULL; /* a batch's requests are all answered: nothing the error can belong to */
	if (!r)
		return rs_pgwc_fail(c, fatal ? -ECONNRESET : -EPROTO, "server error while idle: %s (%s)",
				 f.message ? f.message : "", f.sqlstate ? f.sqlstate : "?");
	if (!r->error && !r->status) {
		err = rs_pg_result_set_error(r->res, sev, f.sqlstate, f.message, f.detail, f.hint);
		if (err)
			req_oom(r, err);
	}
	error_bookkeeping(c, r, f.sqlstate);
	r->error = true;
	if (r->batched) {
		/* Postgres skips the batch's other messages up to its Sync. */
		c->batch_failed = true;
		answered(c, r);
	}
	if (!fatal)
		return 0;
	/* No ReadyForQuery follows a FATAL: answer now, the server is closing
	 * (a request of a batch behind others is answered by conn_fail). */
	r->retry = false;
	if (r == c->head && r->kind != REQ_SYNC)
		req_complete(c, pending_pop(c), r->status);
	return rs_pgwc_fail(c, -ECONNRESET, "server closed the session: %s (%s)",
			 f.message ? f.message : "", f.sqlstate ? f.sqlstate : "?");
}

/* Re-send a request that failed on a stale statement, behind everything in flight. */
static int req_resend(struct rs_pgw_conn *c, struct req *r)
{
	struct stmt *s = stmt_find(c, r->name);
	size_t start = c->out.len;
	int err = 0;

	r->retry = r->may_retry = false;
	r->answered = false;
	r->error = r->parsed = false;
	/* A batched query's re-send is its own Parse too (only those are re-sent as queries). */
	r->parse_sent = r->kind == REQ_QUERY;
	r->have_cols = r->stmt_done = r->copy_out = false;
	rs_pg_result_reset(r->res);
	if (s && s->state == ST_STALE) {
		err = put_reparse(&c->out, s);
		s->state = ST_PENDING;
		r->parse_sent = true;
	}
	if (!err)
		err = rs_buf_append(&c->out, rs_buf_head(&r->resend), r->resend.len);
	if (err) {
		c->out.len = start;
		return err;
	}
	c->stats.retries++;
	pending_push(c, r);
	c->unsynced += r->batched;
	return 0;
}

/*
 * The ReadyForQuery of a batch: the executes before its REQ_SYNC. They ran
 * in one implicit transaction, so when one failed the others' work was
 * rolled back (or skipped): the failed one is answered with its error and
 * the others go again, behind everything in flight; each failed batch
 * answers one request, so this ends. Without a failure all are answered.
 */
static int batch_ready(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	bool failed = c->batch_failed;
	struct req *again = NULL, **tail = &again, *r;

	c->batch_failed = false;
	while ((r = c->head) && r->kind != REQ_SYNC) {
		pending_pop(c);
		if (!failed || (r->error && !r->retry) || r->status) {
			req_complete(c, r, r->status);
			continue;
		}
		struct stmt *s = r->name[0] ? stmt_find(c, r->name) : NULL;
		/* A Parse of the batch that was skipped: the server does not have the statement. */
		if (s && r->parse_sent && !r->parsed && s->state == ST_PENDING)
			s->state = ST_STALE;
		/* The failed one goes again only to re-prepare (its retry, once); the
		 * others keep theirs. */
		r->may_retry = r->may_retry && !r->error;
		r->next = NULL;
		*tail = r;
		tail = &r->next;
	}
	if (!r)
		return rs_pgwc_violation(c, m, "ReadyForQuery ending a batch whose Sync was not sent");
	req_put(c, pending_pop(c));
	while ((r = again)) {
		again = r->next;
		bool keep = r->may_retry;
		int err = req_resend(c, r);
		if (err)
			req_complete(c, r, err);
		else
			r->may_retry = keep;
	}
	return 0;
}

static int on_ready(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	struct req *r;
	bool retry;
	int err;

	if (rs_pgw_ready(m, &c->txstatus))
		return rs_pgwc_violation(c, m, "malformed ReadyForQuery");
	if (c->head->batched || c->head->kind == REQ_SYNC)
		return batch_ready(c, m);
	r = pending_pop(c);
	retry = r->retry && !r->status;
	if (retry) {
		err = req_resend(c, r);
		if (!err)
			return 0;
		r->status = err;
	}
	req_complete(c, r, r->status);
	return 0;
}

static int on_row_desc(struct rs_pgw_conn *c, struct req *r, const struct rs_pgw_msg *m)
{
	struct rs_pgw_coldesc col;
	struct rs_pgw_cur cur, scan;
	size_t names = 0;
	uint16_t n;
	int err;

	if (rs_pgw_rowdesc(m, &n, &cur))
		return rs_pgwc_violation(c, m, "malformed RowDescription");
	scan = cur;
	for (uint16_t i = 0; i < n; i++) {
		if (rs_pgw_rowdesc_col(&scan, &col))
			return rs_pgwc_violation(c, m, "malformed RowDescription");
		names += col.namelen;
	}
	if (scan.p != scan.end)
		return rs_pgwc_violation(c, m, "trailing bytes in RowDescription");
	if (r->error || r->status)
		return 0;
	stmt_begin(r);
	r->have_cols = true;
	err = rs_pg_result_set_ncols(r->res, n, names);
	for (uint16_t i = 0; !err && i < n; i++) {
		rs_pgw_rowdesc_col(&cur, &col);
		err = rs_pg_result_set_col(r->res, i, col.name, col.namelen, col.type_oid, col.format);
	}
	if (err)
		req_oom(r, err);
	return 0;
}

static int on_data_row(struct rs_pgw_conn *c, struct req *r, const struct rs_pgw_msg *m)
{
	struct rs_pgw_cur cur;
	const char *v;
	int32_t len;
	uint16_t n;
	int err;

	if (!r->have_cols && !r->error && !r->status)
		return rs_pgwc_violation(c, m, "DataRow without RowDescription");
	if (r->error || r->status)
		return 0;
	if (rs_pgw_datarow(m, &n, &cur) || n != r->res->ncols)
		return rs_pgwc_violation(c, m, "DataRow does not match RowDescription");
	err = rs_pg_result_add_row(r->res);
	for (uint16_t i = 0; !err && i < n; i++) {
		if (rs_pgw_datarow_val(&cur, &v, &len))
			return rs_pgwc_violation(c, m, "malformed DataRow");
		err = rs_pg_result_add_value(r->res, v, len);
	}
	if (err) {
		req_oom(r, err);
		return 0;
	}
	return cur.p == cur.end ? 0 : rs_pgwc_violation(c, m, "trailing bytes in DataRow");
}

static int on_command_complete(struct rs_pgw_conn *c, struct req *r, const struct rs_pgw_msg *m)
{
	const char *tag;
	size_t len;

	if (rs_pgw_command_complete(m, &tag, &len))
		return rs_pgwc_violation(c, m, "malformed CommandComplete");
	if (r->error || r->status) {
		answered(c, r);
		return 0;
	}
	stmt_begin(r);
	rs_pg_result_set_tag(r->res, tag, len);
	r->stmt_done = true;
	r->have_cols = false;
	r->copy_out = false;
	answered(c, r);
	return 0;
}

/* Messages with an empty body that only mark progress. */
static int on_marker(struct rs_pgw_conn *c, struct req *r, const struct rs_pgw_msg *m)
{
	struct stmt *s;

	if (rs_pgw_empty(m))
		return rs_pgwc_violation(c, m, "non-empty marker message");
	switch (m->type) {
	case RS_PGW_PARSE_COMPLETE:
		if (!r->parse_sent)
			return rs_pgwc_violation(c, m, "ParseComplete without Parse");
		r->parsed = true;
		s = r->name[0] ? stmt_find(c, r->name) : NULL;
		if (s && s->state == ST_PENDING)
			s->state = ST_READY;
		return 0;
	case RS_PGW_NO_DATA:
		if (r->error || r->status)
			return 0;
		stmt_begin(r);
		r->have_cols = true;
		return 0;
	case RS_PGW_EMPTY_QUERY:
	case RS_PGW_PORTAL_SUSPENDED:
		/* The end of an Execute, as CommandComplete is. */
		answered(c, r);
		if (r->error || r->status)
			return 0;
		stmt_begin(r);
		r->stmt_done = true;
		r->have_cols = false;
		return 0;
	case RS_PGW_COPY_DONE:
		if (!r->copy_out)
			return rs_pgwc_violation(c, m, "CopyDone outside COPY TO STDOUT");
		r->copy_out = false;
		return 0;
	}
	return 0; /* BindComplete, CloseComplete */
}

static int on_copy(struct rs_pgw_conn *c, struct req *r, const struct rs_pgw_msg *m)
{
	struct rs_pgw_cur fmts;
	uint16_t ncols;
	int8_t fmt;
	int err;

	if (m->type == RS_PGW_COPY_DATA) {
		/* COPY TO STDOUT data is drained: the result keeps only the "COPY n" tag. */
		return r->copy_out ? 0 : rs_pgwc_violation(c, m, "CopyData outside COPY TO STDOUT");
	}
	if (rs_pgw_copy_response(m, &fmt, &ncols, &fmts))
		return rs_pgwc_violation(c, m, "malformed CopyResponse");
	if (m->type == RS_PGW_COPY_OUT) {
		r->copy_out = true;
		return 0;
	}
	/*
	 * COPY FROM STDIN: refuse it. The server reads whatever follows the
	 * query while in copy mode, so requests pipelined behind it would be
	 * eaten; only a lone request can be answered with CopyFail.
	 */
	if (r->next)
		return rs_pgwc_fail(c, -EPROTO, "COPY FROM STDIN with requests pipelined behind it");
	err = rs_pgw_put_copy_fail(&c->out, "ringside: COPY FROM STDIN is not supported");
	/* Extended protocol: our first Sync was swallowed in copy mode; end the error with another. */
	if (!err && r->kind != REQ_QUERY)
		err = rs_pgw_put_sync(&c->out);
	return err ? rs_pgwc_fail(c, err, "cannot queue CopyFail") : 0;
}

static int on_reply(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	struct req *r;

	if (m->type == RS_PGW_ERROR)
		return on_error(c, m);
	if (!c->head)
		return rs_pgwc_violation(c, m, "message with no request pending");
	if (m->type == RS_PGW_READY)
		return on_ready(c, m);
	r = current(c);
	if (!r || r->kind == REQ_SYNC)
		return rs_pgwc_violation(c, m, "message after every request of a batch was answered");
	switch (m->type) {
	case RS_PGW_ROW_DESC:
		return on_row_desc(c, r, m);
	case RS_PGW_DATA_ROW:
		return on_data_row(c, r, m);
	case RS_PGW_COMMAND_COMPLETE:
		return on_command_complete(c, r, m);
	case RS_PGW_PARSE_COMPLETE:
	case RS_PGW_BIND_COMPLETE:
	case RS_PGW_CLOSE_COMPLETE:
	case RS_PGW_NO_DATA:
	case RS_PGW_EMPTY_QUERY:
	case RS_PGW_PORTAL_SUSPENDED:
	case RS_PGW_COPY_DONE:
		return on_marker(c, r, m);
	case RS_PGW_PARAM_DESC: {
		struct rs_pgw_cur cur;
		uint16_t n;

		return rs_pgw_param_desc(m, &n, &cur) ?
		       rs_pgwc_violation(c, m, "malformed ParameterDescription") : 0;
	}
	case RS_PGW_COPY_IN:
	case RS_PGW_COPY_OUT:
	case RS_PGW_COPY_DATA:
		return on_copy(c, r, m);
	}
	return rs_pgwc_violation(c, m, "unexpected message type");
}

static int handle(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	int err = rs_pgwc_on_async(c, m);

	if (err)
		return err < 0 ? err : 0;
	if (c->phase == PH_STARTUP)
		return rs_pgwc_on_startup(c, m);
	return on_reply(c, m);
}

/* ---- bytes in ---- */

static int process(struct rs_pgw_conn *c)
{
	struct rs_pgw_msg m;
	int n;

	while (c->phase != PH_BROKEN) {
		n = rs_pgw_msg_next(rs_buf_head(&c->in), c->in.len, &m);
		if (n < 0)
			return rs_pgwc_fail(c, -EPROTO, "protocol violation: invalid message length");
		if (!n)
			break;
		handle(c, &m);
		rs_buf_consume(&c->in, (size_t)n);
	}
	/* A one-off large message must not pin its buffer for the connection's life. */
	if (c->in.cap > 2 * c->in_keep && c->in.len <= c->in_keep &&
	    rs_pgw_msg_need(rs_buf_head(&c->in), c->in.len) <= c->in_keep)
		rs_buf_shrink(&c->in, c->in_keep);
	return c->status;
}

int rs_pgw_recv_space(struct rs_pgw_conn *c, char **p, size_t *room)
{
	size_t need = rs_pgw_msg_need(rs_buf_head(&c->in), c->in.len);
	size_t want = need > c->in.len ? need - c->in.len : 0;
	int err;

	/* A length field is only a claim until its bytes arrive: five bytes
	 * must not make us allocate a gigabyte (found by tests/fuzz). Past
	 * RECV_AHEAD_MAX the buffer grows, doubling, as the bytes come. */
	if (want > RECV_AHEAD_MAX)
		want = RECV_AHEAD_MAX;
	if (c->in.len < c->in_keep && want < c->in_keep - c->in.len)
		want = c->in_keep - c->in.len;
	if (want < RECV_MIN)
		want = RECV_MIN;
	err = rs_buf_reserve(&c->in, want);
	if (err)
		return err;
	*p = rs_buf_tail(&c->in);
	*room = rs_buf_room(&c->in);
	return 0;
}

int rs_pgw_received(struct rs_pgw_conn *c, size_t n)
{
	if (c->phase == PH_BROKEN)
		return c->status;
	if (!n)
		return rs_pgwc_fail(c, -ECONNRESET, "server closed the connection");
	if (n > rs_buf_room(&c->in))
		return -EINVAL;
	c->in.len += n;
	return process(c);
}

int rs_pgw_feed(struct rs_pgw_conn *c, const void *p, size_t n)
{
	const char *s = p;
	int err = c->status;

	while (n && !err) {
		size_t room, k;
		char *dst;

		err = rs_pgw_recv_space(c, &dst, &room);
		if (err)
			break;
		k = n < room ? n : room;
		memcpy(dst, s, k);
		err = rs_pgw_received(c, k);
		s += k;
		n -= k;
	}
	return err;
}

/* End the executes queued since the last Sync with one: their answers come in one write of
 * the server's (it flushes at each ReadyForQuery, not before). 0 or -ENOMEM. */
static int close_batch(struct rs_pgw_conn *c)
{
	size_t start = c->out.len;
	struct req *r;

	if (!c->unsynced)
		return 0;
	r = req_get(c);
	if (!r)
		return -ENOMEM;
	if (rs_pgw_put_sync(&c->out)) {
		c->out.len = start;
		req_put(c, r);
		return -ENOMEM;
	}
	r->kind = REQ_SYNC;
	pending_push(c, r);
	c->unsynced = 0;
	return 0;
}

/* The glue takes the bytes to send: an open batch gets its Sync now, so a
 * batch is whatever was queued while the last send or receive was out. */
struct rs_buf *rs_pgw_out(struct rs_pgw_conn *c)
{
	if (c->unsynced && c->phase == PH_READY && close_batch(c))
		rs_pgwc_fail(c, -ENOMEM, "cannot queue a batch's Sync");
	return &c->out;
}

void rs_pgw_sent(struct rs_pgw_conn *c, size_t n)
{
	rs_buf_consume(&c->out, n);
	if (!c->out.len && c->out.cap > 4 * IN_KEEP_DEFAULT)
		rs_buf_shrink(&c->out, IN_KEEP_DEFAULT);
}

/* ---- requests ---- */

static int submit_check(const struct rs_pgw_conn *c)
{
	if (c->phase == PH_BROKEN)
		return -EPIPE;
	return c->phase == PH_READY ? 0 : -ENOTCONN;
}

/* Take a request for bytes already appended to out since start; undo them on failure. */
static int submit(struct rs_pgw_conn *c, struct req *r, size_t start, int err)
{
	if (err) {
		c->out.len = start;
		req_put(c, r);
		return err;
	}
	pending_push(c, r);
	return 0;
}

int rs_pgw_conn_query(struct rs_pgw_conn *c, const char *sql, void *user)
{
	int err = submit_check(c);
	size_t start = c->out.len;
	struct req *r;

	if (err)
		return err;
	r = req_get(c);
	if (!r)
		return -ENOMEM;
	r->kind = REQ_QUERY;
	r->user = user;
	/* One statement (no ';' anywhere: a literal with one only costs the batch) joins the batch
	 * as an unnamed Parse, Bind, Describe, Execute: the same rows in text format, and its
	 * re-send carries its own Parse. */
	if (c->sync_per_batch && !strchr(sql, ';')) {
		r->batched = r->parse_sent = true;
		err = rs_pgw_put_parse(&c->out, "", sql, 0, NULL);
		if (!err)
			err = rs_pgw_put_bind(&c->out, "", "", 0, NULL, NULL, NULL, RS_PG_FMT_TEXT);
		if (!err)
			err = rs_pgw_put_describe(&c->out, 'P', "");
		if (!err)
			err = rs_pgw_put_execute(&c->out, "", 0);
		if (!err)
			err = rs_buf_append(&r->resend, rs_buf_head(&c->out) + start, c->out.len - start);
		err = submit(c, r, start, err);
		c->unsynced += !err;
		return err;
	}
	/* A request with a Sync of its own must not end an open batch's transaction. */
	err = close_batch(c);
	start = c->out.len;
	return submit(c, r, start, err ? err : rs_pgw_put_query(&c->out, sql));
}

static int check_name(const char *name)
{
	return strlen(name) > STMT_NAME_MAX ? -ENAMETOOLONG : 0;
}

int rs_pgw_conn_prepare(struct rs_pgw_conn *c, const char *name, const char *sql, int nparams,
			const uint32_t *types, void *user)
{
	int err = submit_check(c);
	size_t start = c->out.len;
	struct stmt *s = NULL;
	struct req *r;

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	r = req_get(c);
	if (!r)
		return -ENOMEM;
	r->kind = REQ_PREPARE;
	r->user = user;
	r->parse_sent = true;
	strcpy(r->name, name);
	err = close_batch(c);
	start = c->out.len;
	if (!err && name[0])
		err = stmt_set(c, name, sql, nparams, types, &s);
	if (!err)
		err = s ? put_reparse(&c->out, s) : rs_pgw_put_parse(&c->out, name, sql, nparams, types);
	if (!err)
		err = rs_pgw_put_describe(&c->out, 'S', name);
	if (!err)
		err = rs_pgw_put_sync(&c->out);
	if (err && s)
		stmt_forget(c, name);
	return submit(c, r, start, err);
}

/* Bind + Describe portal + Execute + Sync (batched: no Sync, close_batch's ends the batch);
 * kept in r->resend when a retry is possible, and always when batched (a failed batch re-sends). */
static int put_execute(struct rs_pgw_conn *c, struct req *r, const struct rs_pgw_params *p)
{
	size_t start = c->out.len;
	int err = rs_pgw_put_bind(&c->out, "", r->name, p->n, p->values, p->lengths, p->formats,
				  p->result_format);

	if (!err)
		err = rs_pgw_put_describe(&c->out, 'P', "");
	if (!err)
		err = rs_pgw_put_execute(&c->out, "", 0);
	if (!err && !r->batched)
		err = rs_pgw_put_sync(&c->out);
	if (!err && (r->may_retry || r->batched))
		err = rs_buf_append(&r->resend, rs_buf_head(&c->out) + start, c->out.len - start);
	return err;
}

/* Queue the Parse an execute needs, if any: always for the unnamed statement, else when unknown or stale. */
static int execute_parse(struct rs_pgw_conn *c, struct req *r, const char *sql,
			 const struct rs_pgw_params *p, struct stmt **sp)
{
	struct stmt *s = *sp;
	int err;

	if (!r->name[0]) {
		r->parse_sent = true;
		return rs_pgw_put_parse(&c->out, "", sql, p->n, p->types);
	}
	if (!s) {
		err = stmt_set(c, r->name, sql, p->n, p->types, sp);
		if (err)
			return err;
		s = *sp;
	} else if (s->state != ST_STALE) {
		r->may_retry = true;
		return 0;
	}
	s->state = ST_PENDING;
	r->parse_sent = true;
	return put_reparse(&c->out, s);
}

static int execute_common(struct rs_pgw_conn *c, const char *name, const char *sql,
			  const struct rs_pgw_params *p, void *user)
{
	int err = submit_check(c);
	size_t start = c->out.len;
	struct stmt *s;
	struct req *r;

	if (!err)
		err = check_name(name);
	if (err)
		return err;
	s = name[0] ? stmt_find(c, name) : NULL;
	if (s && sql && strcmp(s->sql, sql))
		return -EINVAL; /* one name, one SQL text per connection */
	if (!sql && !name[0])
		return -EINVAL;
	/* A name we saw prepared: we know how to re-prepare it. */
	if (!sql && s)
		sql = s->sql;
	r = req_get(c);
	if (!r)
		return -ENOMEM;
	r->kind = REQ_EXECUTE;
	r->user = user;
	strcpy(r->name, name);
	/* Batched only with a name: a re-sent batch must not Bind an unnamed statement that a later
	 * Parse replaced (a retry re-sends Bind onward, not the Parse). */
	r->batched = c->sync_per_batch && name[0];
	if (!r->batched) {
		err = close_batch(c);
		start = c->out.len;
	}
	if (!err && sql)
		err = execute_parse(c, r, sql, p, &s);
	if (!err)
		err = put_execute(c, r, p);
	/* The server may or may not get our Parse now: make the next use re-parse. */
	if (err && r->parse_sent && s)
		s->state = ST_STALE;
	bool batched = r->batched;
	err = submit(c, r, start, err);
	if (!err)
		c->unsynced += batched;
	return err;
}

int rs_pgw_conn_execute(struct rs_pgw_conn *c, const char *name, const struct rs_pgw_params *p,
			void *user)
{
	return execute_common(c, name, NULL, p, user);
}

int rs_pgw_conn_execute_sql(struct rs_pgw_conn *c, const char *name, const char *sql,
			    const struct rs_pgw_params *p, void *user)
{
	return execute_common(c, name, sql, p, user);
}

int rs_pgw_conn_next_done(struct rs_pgw_conn *c, struct rs_pgw_done *d)
{
	struct req *r = c->done_head;

	if (!r)
		return -EAGAIN;
	c->done_head = r->next;
	if (!c->done_head)
		c->done_tail = NULL;
	d->user = r->user;
	d->status = r->status;
	d->res = r->res;
	r->res = NULL;
	req_put(c, r);
	return 0;
}

/* ---- lifetime ---- */

int rs_pgw_conn_new(const struct rs_pgw_conn_cfg *cfg, struct rs_pgw_conn **out)
{
	struct rs_pgw_conn *c;
	int err;

	if (!cfg->user || !cfg->user[0])
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->in_keep = cfg->in_keep ? cfg->in_keep : IN_KEEP_DEFAULT;
	c->sync_per_batch = cfg->sync_per_batch;
	err = dup_opt(&c->user, cfg->user, NULL);
	if (!err)
		err = dup_opt(&c->password, cfg->password && cfg->password[0] ? cfg->password : NULL,
			      NULL);
	if (!err)
		err = dup_opt(&c->database, cfg->database, cfg->user);
	if (!err)
		err = dup_opt(&c->appname, cfg->application_name, "ringside");
	if (!err)
		err = dup_opt(&c->nonce, cfg->scram_nonce, NULL);
	if (err) {
		rs_pgw_conn_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int rs_pgw_conn_start(struct rs_pgw_conn *c)
{
	const char *params[] = {
		"user", c->user,
		"database", c->database,
		"application_name", c->appname,
		"client_encoding", "UTF8",
		NULL,
	};
	int err;

	if (c->phase != PH_NEW)
		return -EALREADY;
	err = rs_pgw_put_startup(&c->out, params);
	if (!err)
		c->phase = PH_STARTUP;
	return err;
}

int rs_pgw_conn_terminate(struct rs_pgw_conn *c)
{
	return rs_pgw_put_terminate(&c->out);
}

void rs_pgw_conn_abort(struct rs_pgw_conn *c, int err)
{
	rs_pgwc_fail(c, err, "aborted by the caller (%s)", strerror(-err));
}

static void req_list_free(struct req *r)
{
	while (r) {
		struct req *next = r->next;

		rs_pg_result_free(r->res);
		rs_buf_free(&r->resend);
		free(r);
		r = next;
	}
}

void rs_pgw_conn_free(struct rs_pgw_conn *c)
{
	if (!c)
		return;
	req_list_free(c->head);
	req_list_free(c->done_head);
	req_list_free(c->free_reqs);
	while (c->nstmts)
		stmt_forget(c, c->stmts[0].name);
	free(c->stmts);
	for (size_t i = 0; i < c->nparams; i++) {
		free(c->params[i].name);
		free(c->params[i].value);
	}
	free(c->params);
	if (c->sasl)
		rs_scram_clear(&c->scram);
	rs_pg_error_clear(&c->startup_err);
	rs_buf_free(&c->in);
	rs_buf_free(&c->out);
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->user);
	free(c->password);
	free(c->database);
	free(c->appname);
	free(c->nonce);
	free(c);
}

/* ---- state ---- */

bool rs_pgw_conn_ready(const struct rs_pgw_conn *c)
{
	return c->phase == PH_READY;
}

bool rs_pgw_conn_broken(const struct rs_pgw_conn *c)
{
	return c->phase == PH_BROKEN;
}

int rs_pgw_conn_status(const struct rs_pgw_conn *c)
{
	return c->status;
}

const char *rs_pgw_conn_errmsg(const struct rs_pgw_conn *c)
{
	return c->errmsg;
}

const struct rs_pg_error *rs_pgw_conn_error(const struct rs_pgw_conn *c)
{
	return c->have_startup_err ? &c->startup_err : NULL;
}

const char *rs_pgw_conn_param(const struct rs_pgw_conn *c, const char *name)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (!strcmp(c->params[i].name, name))
			return c->params[i].value;
	return NULL;
}

size_t rs_pgw_conn_pending(const struct rs_pgw_conn *c)
{
	return c->npending - c->nsyncs;
}

char rs_pgw_conn_txstatus(const struct rs_pgw_conn *c)
{
	return c->txstatus;
}

void rs_pgw_conn_stats(const struct rs_pgw_conn *c, struct rs_pgw_stats *out)
{
	*out = c->stats;
}

int32_t rs_pgw_conn_backend_pid(const struct rs_pgw_conn *c)
{
	return c->pid;
}

int rs_pgw_cancel_request(const struct rs_pgw_conn *c, struct rs_buf *out)
{
	if (!c->keylen)
		return -ENOTCONN;
	return rs_pgw_put_cancel(out, c->pid, c->key, c->keylen);
}
