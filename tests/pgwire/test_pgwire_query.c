/* test_pgwire_query.c - simple-protocol requests on recorded streams: rows, errors, notices, broken streams. */
#include "pgw_test.h"
#include "recorded.h"

static struct rs_pgw_conn *ready(void)
{
	return pgw_trust_conn(rec_trust_startup, sizeof(rec_trust_startup));
}

/* One query, one recorded reply, one result that must be ok or not. */
static struct rs_pg_result *run(const char *sql, const unsigned char *rec, size_t len, bool ok)
{
	struct rs_pgw_conn *c = ready();
	struct rs_pgw_done d;
	int tag;

	REQUIRE(!rs_pgw_conn_query(c, sql, &tag));
	REQUIRE_INT(rs_pgw_conn_pending(c), 1);
	REQUIRE(!pgw_feed(c, rec, len));
	REQUIRE_INT(rs_pgw_conn_pending(c), 0);
	d = pgw_done(c);
	REQUIRE(d.user == &tag && d.status == 0 && d.res);
	REQUIRE_INT(d.res->ok, ok);
	REQUIRE_INT(rs_pgw_conn_next_done(c, &d), -EAGAIN);
	REQUIRE(rs_pgw_conn_ready(c));
	rs_pgw_conn_free(c);
	return d.res;
}

static void rows(void)
{
	struct rs_pg_result *r = run("SELECT ...", rec_simple_rows, sizeof(rec_simple_rows), true);
	int64_t v;

	REQUIRE_INT(r->ncols, 3);
	REQUIRE_STR(r->cols[0].name, "a");
	REQUIRE_STR(r->cols[1].name, "b");
	REQUIRE_STR(r->cols[2].name, "c");
	REQUIRE_INT(r->cols[1].type_oid, RS_PG_OID_TEXT);
	REQUIRE_INT(rs_pg_nrows(r), 2);
	REQUIRE(!rs_pg_get_int(r, 0, 0, &v) && v == 1);
	REQUIRE(!rs_pg_get_int(r, 1, 2, &v) && v == 3);
	REQUIRE_STR(rs_pg_get_text(r, 0, 1, NULL), "hello");
	REQUIRE_STR(rs_pg_get_text(r, 1, 1, NULL), "world");
	REQUIRE(rs_pg_is_null(r, 0, 2));
	REQUIRE_STR(r->cmd_tag, "SELECT 2");
	REQUIRE_INT(r->rows_affected, 2);
	rs_pg_result_free(r);
}

/* Two queries pipelined: the first fails, the second still succeeds on the same conn. */
static void error_then_ok(void)
{
	struct rs_pgw_conn *c = ready();
	struct rs_pgw_done d1, d2;
	int64_t v;
	char types[8];

	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1/0", (void *)1));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 42 AS answer", (void *)2));
	pgw_out_types(c, types, sizeof(types));
	REQUIRE_STR(types, "QQ");
	REQUIRE(!pgw_feed(c, rec_error_then_ok, sizeof(rec_error_then_ok)));
	d1 = pgw_done(c);
	d2 = pgw_done(c);
	REQUIRE(d1.user == (void *)1 && d1.status == 0 && !d1.res->ok);
	REQUIRE_STR(d1.res->err.sqlstate, "22012");
	REQUIRE_STR(d1.res->err.severity, "ERROR");
	REQUIRE_STR(d1.res->err.message, "division by zero");
	REQUIRE(d2.user == (void *)2 && d2.status == 0 && d2.res->ok);
	REQUIRE(!rs_pg_get_int(d2.res, 0, 0, &v) && v == 42);
	REQUIRE(!rs_pgw_conn_broken(c));
	rs_pg_result_free(d1.res);
	rs_pg_result_free(d2.res);
	rs_pgw_conn_free(c);
}

/* Notices between DataRows (recorded), plus a NotificationResponse spliced in after row 2. */
static void notices_mid_result(void)
{
	struct rs_pgw_conn *c = ready();
	size_t cut = pgw_msg_off(rec_notice_rows, sizeof(rec_notice_rows), 5);
	size_t a = pgw_msg_off(rec_notify, sizeof(rec_notify), 1);
	size_t b = pgw_msg_off(rec_notify, sizeof(rec_notify), 2);
	struct rs_pgw_stats st;
	struct rs_pgw_done d;
	struct rs_buf s = { 0 };
	int64_t v;

	REQUIRE(!rs_buf_append(&s, rec_notice_rows, cut));
	REQUIRE(!rs_buf_append(&s, rec_notify + a, b - a));
	REQUIRE(!rs_buf_append(&s, rec_notice_rows + cut, sizeof(rec_notice_rows) - cut));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT pgw_note(g) ...", NULL));
	REQUIRE(!pgw_feed(c, s.data, s.len));
	d = pgw_done(c);
	REQUIRE(d.status == 0 && d.res->ok);
	REQUIRE_INT(rs_pg_nrows(d.res), 3);
	REQUIRE(!rs_pg_get_int(d.res, 2, 0, &v) && v == 3);
	rs_pgw_conn_stats(c, &st);
	REQUIRE_INT(st.notices, 3);
	REQUIRE_INT(st.notifications, 1);
	REQUIRE_INT(st.requests, 1);
	rs_pg_result_free(d.res);
	rs_buf_free(&s);
	rs_pgw_conn_free(c);
}

static void notify(void)
{
	struct rs_pg_result *r = run("NOTIFY pgw_chan, 'hello'", rec_notify, sizeof(rec_notify), true);

	REQUIRE_STR(r->cmd_tag, "NOTIFY");
	REQUIRE_INT(r->rows_affected, -1);
	rs_pg_result_free(r);
}

static void empty(void)
{
	struct rs_pg_result *r = run("", rec_empty, sizeof(rec_empty), true);

	REQUIRE_INT(r->ncols, 0);
	REQUIRE_INT(r->nrows, 0);
	REQUIRE_STR(r->cmd_tag, "");
	rs_pg_result_free(r);
}

static void multi(void)
{
	struct rs_pg_result *r = run("SELECT 1 AS one; SELECT 'x' AS two, 2 AS three",
				     rec_multi, sizeof(rec_multi), true);
	int64_t v;

	REQUIRE_INT(r->ncols, 2);
	REQUIRE_STR(r->cols[0].name, "two");
	REQUIRE_STR(r->cols[1].name, "three");
	REQUIRE_INT(r->nrows, 1);
	REQUIRE_STR(rs_pg_get_text(r, 0, 0, NULL), "x");
	REQUIRE(!rs_pg_get_int(r, 0, 1, &v) && v == 2);
	rs_pg_result_free(r);

	r = run("SELECT 1; SELECT 1/0; SELECT 3", rec_multi_error, sizeof(rec_multi_error), false);
	REQUIRE_STR(r->err.sqlstate, "22012");
	REQUIRE_INT(r->nrows, 0);
	rs_pg_result_free(r);
}

static void tags(void)
{
	struct rs_pg_result *r = run("UPDATE", rec_update, sizeof(rec_update), true);

	REQUIRE_STR(r->cmd_tag, "UPDATE 5");
	REQUIRE_INT(r->rows_affected, 5);
	rs_pg_result_free(r);
	r = run("INSERT", rec_insert, sizeof(rec_insert), true);
	REQUIRE_STR(r->cmd_tag, "INSERT 0 1");
	REQUIRE_INT(r->rows_affected, 1);
	rs_pg_result_free(r);
}

static void text_types(void)
{
	struct rs_pg_result *r = run("types", rec_types_text, sizeof(rec_types_text), true);
	struct rs_buf b = { 0 };
	double f;
	int64_t v;
	bool t;

	REQUIRE(!rs_pg_get_bool(r, 0, 0, &t) && t);
	REQUIRE(!rs_pg_get_float8(r, 0, 1, &f) && f == 1.5);
	REQUIRE(!rs_pg_get_bytea(r, 0, 2, &b) && b.len == 2 && !memcmp(b.data, "\0\xff", 2));
	REQUIRE(!rs_pg_get_int(r, 0, 3, &v) && v == 123456789012LL);
	REQUIRE(!rs_pg_get_int(r, 0, 4, &v) && v == -2);
	REQUIRE_STR(rs_pg_get_text(r, 0, 5, NULL), "abc");
	REQUIRE_INT(rs_pg_get_int(r, 0, 6, &v), -ENODATA);
	REQUIRE_INT(rs_pg_get_int(r, 0, 5, &v), -EINVAL);
	rs_buf_free(&b);
	rs_pg_result_free(r);
}

/* Expect the stream to break the conn with -EPROTO and fail both pending requests. */
static void broken_by(const void *bytes, size_t len, int want)
{
	struct rs_pgw_conn *c = ready();
	struct rs_pgw_done d;

	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", (void *)1));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 2", (void *)2));
	REQUIRE_INT(pgw_feed(c, bytes, len), want);
	REQUIRE(rs_pgw_conn_broken(c));
	REQUIRE_INT(rs_pgw_conn_status(c), want);
	d = pgw_done(c);
	REQUIRE(d.user == (void *)1 && d.status == want && !d.res);
	d = pgw_done(c);
	REQUIRE(d.user == (void *)2 && d.status == want && !d.res);
	REQUIRE_INT(rs_pgw_conn_next_done(c, &d), -EAGAIN);
	REQUIRE_INT(rs_pgw_conn_query(c, "SELECT 3", NULL), -EPIPE);
	rs_pgw_conn_free(c);
}

static void violations(void)
{
	struct rs_buf s = { 0 };
	size_t first = pgw_msg_off(rec_simple_rows, sizeof(rec_simple_rows), 1);

	/* An unknown message type, mid-result. */
	REQUIRE(!rs_buf_append(&s, rec_simple_rows, first));
	pgw_put_msg(&s, 'Y', "abc", 3);
	broken_by(s.data, s.len, -EPROTO);
	rs_buf_clear(&s);
	/* A DataRow before any RowDescription. */
	REQUIRE(!rs_buf_append(&s, rec_simple_rows + first, sizeof(rec_simple_rows) - first));
	broken_by(s.data, s.len, -EPROTO);
	rs_buf_clear(&s);
	/* A DataRow with the wrong column count. */
	REQUIRE(!rs_buf_append(&s, rec_multi, sizeof(rec_multi)));
	s.data[pgw_msg_off(rec_multi, sizeof(rec_multi), 1) + 6] = 2;
	broken_by(s.data, s.len, -EPROTO);
	rs_buf_clear(&s);
	/* A length field under 4. */
	broken_by("C\0\0\0\x02", 5, -EPROTO);
	/* FunctionCallResponse: we never call functions. */
	pgw_put_msg(&s, 'V', "\0\0\0\0", 4);
	broken_by(s.data, s.len, -EPROTO);
	rs_buf_free(&s);
}

/* FATAL mid-request: that request gets the error, the rest -ECONNRESET. */
static void fatal(void)
{
	static const char body[] = "SFATAL\0VFATAL\0C57P01\0Mterminating connection due to "
				   "administrator command\0";
	struct rs_pgw_conn *c = ready();
	struct rs_pgw_done d;
	struct rs_buf s = { 0 };

	pgw_put_msg(&s, 'E', body, sizeof(body));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT pg_sleep(10)", (void *)1));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 2", (void *)2));
	REQUIRE_INT(pgw_feed(c, s.data, s.len), -ECONNRESET);
	d = pgw_done(c);
	REQUIRE(d.user == (void *)1 && d.status == 0 && !d.res->ok);
	REQUIRE_STR(d.res->err.sqlstate, "57P01");
	REQUIRE_STR(d.res->err.severity, "FATAL");
	rs_pg_result_free(d.res);
	d = pgw_done(c);
	REQUIRE(d.user == (void *)2 && d.status == -ECONNRESET);
	rs_pgw_conn_free(c);
	rs_buf_free(&s);
}

static void eof_and_abort(void)
{
	struct rs_pgw_conn *c = ready();
	struct rs_pgw_done d;

	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	REQUIRE(!pgw_feed(c, rec_simple_rows, 40));
	REQUIRE_INT(rs_pgw_received(c, 0), -ECONNRESET);
	d = pgw_done(c);
	REQUIRE_INT(d.status, -ECONNRESET);
	rs_pgw_conn_free(c);

	c = ready();
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	rs_pgw_conn_abort(c, -ETIMEDOUT);
	d = pgw_done(c);
	REQUIRE_INT(d.status, -ETIMEDOUT);
	REQUIRE(rs_pgw_conn_broken(c));
	/* Freed with a request pending and a completion uncollected: nothing leaks (ASan). */
	rs_pgw_conn_free(c);
	c = ready();
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 2", NULL));
	REQUIRE(!pgw_feed(c, rec_simple_rows, sizeof(rec_simple_rows)));
	rs_pgw_conn_free(c);
}

static void all(void)
{
	rows();
	error_then_ok();
	notices_mid_result();
	notify();
	empty();
	multi();
	tags();
	text_types();
	violations();
	fatal();
	eof_and_abort();
}

/*
 * A 300 KB value: the input buffer grows to hold the whole message, then
 * shrinks back to 16 KiB, and recv_space offers room for the rest of it.
 */
static void big_value(void)
{
	static const char desc[] = "\0\x01v\0\0\0\0\0\0\0\0\0\0\x19\xff\xff\xff\xff\xff\xff\0";
	const size_t n = 300 * 1024;
	struct rs_pgw_conn *c = ready();
	struct rs_buf s = { 0 };
	struct rs_pgw_done d;
	char *val = malloc(n + 6), *p;
	size_t room, len;

	REQUIRE(val);
	memcpy(val, "\0\x01", 2);
	val[2] = (char)(n >> 24);
	val[3] = (char)(n >> 16);
	val[4] = (char)(n >> 8);
	val[5] = (char)n;
	memset(val + 6, 'x', n);
	pgw_put_msg(&s, 'T', desc, sizeof(desc)); /* the last NUL ends the format code */
	pgw_put_msg(&s, 'D', val, n + 6);
	pgw_put_msg(&s, 'C', "SELECT 1", 9);
	pgw_put_msg(&s, 'Z', "I", 1);
	REQUIRE(!rs_pgw_conn_query(c, "SELECT repeat('x', 307200)", NULL));
	REQUIRE(!rs_pgw_feed(c, s.data, 100));
	REQUIRE(!rs_pgw_recv_space(c, &p, &room));
	REQUIRE(room >= n + 11 - 100 - 29);
	REQUIRE(!rs_pgw_feed(c, s.data + 100, s.len - 100));
	d = pgw_done(c);
	REQUIRE(d.status == 0 && d.res->ok);
	REQUIRE(rs_pg_get_text(d.res, 0, 0, &len) && len == n);
	REQUIRE(!rs_pgw_recv_space(c, &p, &room));
	REQUIRE(room <= 16 * 1024);
	rs_pg_result_free(d.res);
	rs_pgw_conn_free(c);
	rs_buf_free(&s);
	free(val);
}

/*
 * A header claiming a 512 MB message: the room offered grows with the bytes
 * that actually arrive, not with the claim (tests/fuzz found five bytes
 * allocating half a gigabyte).
 */
static void huge_claim(void)
{
	static const char head[] = "D\x20\0\0\0\0\x01";
	struct rs_pgw_conn *c = ready();
	char *p;
	size_t room;

	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	REQUIRE(!rs_pgw_feed(c, head, sizeof(head) - 1));
	REQUIRE(!rs_pgw_recv_space(c, &p, &room));
	REQUIRE(room >= 1024 * 1024 && room <= 4 * 1024 * 1024);
	REQUIRE(!rs_pgw_conn_broken(c));
	rs_pgw_conn_free(c);
}

int main(void)
{
	pgw_run_all(all, sizeof(rec_notice_rows) + 50);
	big_value();
	huge_claim();
	printf("ok\n");
	return 0;
}
