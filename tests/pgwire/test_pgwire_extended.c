/* test_pgwire_extended.c - Parse/Bind/Execute on recorded streams: binary results, auto-prepare, re-prepare retry. */
#include "pgw_test.h"
#include "recorded.h"

#define TYPES_SQL "SELECT true AS b, 1.5::float8 AS f, '\\x00ff'::bytea AS by, " \
	"123456789012::int8 AS i8, (-2)::int2 AS i2, 'abc'::varchar AS v, NULL::int4 AS n"

static const uint32_t int4[] = { RS_PG_OID_INT4 };

static struct rs_pgw_conn *ready(void)
{
	return pgw_trust_conn(rec_trust_startup, sizeof(rec_trust_startup));
}

static struct rs_pg_result *reply(struct rs_pgw_conn *c, const unsigned char *rec, size_t len)
{
	struct rs_pgw_done d;

	REQUIRE(!pgw_feed(c, rec, len));
	d = pgw_done(c);
	REQUIRE(d.status == 0 && d.res);
	REQUIRE_INT(rs_pgw_conn_next_done(c, &d), -EAGAIN);
	return d.res;
}

static void expect_out(struct rs_pgw_conn *c, const char *types)
{
	char got[32];

	pgw_out_types(c, got, sizeof(got));
	REQUIRE_STR(got, types);
	pgw_drop_out(c);
}

static void prepare_execute_binary(void)
{
	struct rs_pgw_conn *c = ready();
	const char *seven[] = { "7" };
	struct rs_pgw_params p = { .n = 1, .values = seven, .result_format = RS_PG_FMT_BINARY };
	struct rs_pg_result *r;
	int64_t v;

	REQUIRE(!rs_pgw_conn_prepare(c, "s1", "SELECT $1::int4 * g AS n FROM generate_series(1, 3) g",
				   1, int4, NULL));
	expect_out(c, "CPDS");
	r = reply(c, rec_prepare, sizeof(rec_prepare));
	REQUIRE(r->ok && r->nrows == 0 && r->ncols == 1);
	REQUIRE_STR(r->cols[0].name, "n");
	REQUIRE_INT(r->cols[0].type_oid, RS_PG_OID_INT4);
	rs_pg_result_free(r);

	REQUIRE(!rs_pgw_conn_execute(c, "s1", &p, NULL));
	expect_out(c, "BDES");
	r = reply(c, rec_execute_bin, sizeof(rec_execute_bin));
	REQUIRE(r->ok && r->nrows == 3);
	REQUIRE_INT(r->cols[0].format, RS_PG_FMT_BINARY);
	for (size_t i = 0; i < 3; i++) {
		REQUIRE(!rs_pg_get_int(r, i, 0, &v));
		REQUIRE_INT(v, 7 * (int64_t)(i + 1));
	}
	REQUIRE_STR(r->cmd_tag, "SELECT 3");
	rs_pg_result_free(r);
	rs_pgw_conn_free(c);
}

/*
 * execute_sql parses once; after DEALLOCATE ALL the next execute (sent
 * without Parse) fails with 26000 and the conn re-sends Close + Parse +
 * Bind... by itself: one completion, with the right rows.
 */
static void auto_prepare_and_retry(void)
{
	struct rs_pgw_conn *c = ready();
	const char *five[] = { "5" }, *six[] = { "6" };
	struct rs_pgw_params p = { .n = 1, .types = int4, .values = five };
	struct rs_pgw_stats st;
	struct rs_pgw_done d;
	struct rs_pg_result *r;
	size_t mid = pgw_msg_off(rec_auto_retry, sizeof(rec_auto_retry), 2);
	int64_t v;

	REQUIRE(!rs_pgw_conn_execute_sql(c, "s2", "SELECT $1::int4 AS v", &p, NULL));
	expect_out(c, "CPBDES");
	r = reply(c, rec_auto_first, sizeof(rec_auto_first));
	REQUIRE(r->ok && !rs_pg_get_int(r, 0, 0, &v) && v == 5);
	rs_pg_result_free(r);

	REQUIRE(!rs_pgw_conn_query(c, "DEALLOCATE ALL", NULL));
	expect_out(c, "Q");
	rs_pg_result_free(reply(c, rec_deallocate, sizeof(rec_deallocate)));

	p.values = six;
	REQUIRE_INT(rs_pgw_conn_execute_sql(c, "s2", "SELECT 2", &p, NULL), -EINVAL);
	REQUIRE(!rs_pgw_conn_execute_sql(c, "s2", "SELECT $1::int4 AS v", &p, (void *)9));
	expect_out(c, "BDES");
	/* Error + ReadyForQuery: no completion yet, the retry is queued instead. */
	REQUIRE(!pgw_feed(c, rec_auto_retry, mid));
	REQUIRE_INT(rs_pgw_conn_next_done(c, &d), -EAGAIN);
	REQUIRE_INT(rs_pgw_conn_pending(c), 1);
	expect_out(c, "CPBDES");
	REQUIRE(!pgw_feed(c, rec_auto_retry + mid, sizeof(rec_auto_retry) - mid));
	d = pgw_done(c);
	REQUIRE(d.user == (void *)9 && d.status == 0 && d.res->ok);
	REQUIRE(!rs_pg_get_int(d.res, 0, 0, &v) && v == 6);
	rs_pg_result_free(d.res);
	rs_pgw_conn_stats(c, &st);
	REQUIRE_INT(st.retries, 1);

	/* Now confirmed again: no Parse. */
	REQUIRE(!rs_pgw_conn_execute_sql(c, "s2", "SELECT $1::int4 AS v", &p, NULL));
	expect_out(c, "BDES");
	rs_pgw_conn_free(c);
}

/* The same error twice in a row is reported, not retried forever. */
static void retry_only_once(void)
{
	struct rs_pgw_conn *c = ready();
	const char *six[] = { "6" };
	struct rs_pgw_params p = { .n = 1, .types = int4, .values = six };
	size_t mid = pgw_msg_off(rec_auto_retry, sizeof(rec_auto_retry), 2);
	struct rs_pgw_done d;

	REQUIRE(!rs_pgw_conn_execute_sql(c, "s2", "SELECT $1::int4 AS v", &p, NULL));
	rs_pg_result_free(reply(c, rec_auto_first, sizeof(rec_auto_first)));
	REQUIRE(!rs_pgw_conn_execute(c, "s2", &p, NULL));
	REQUIRE(!pgw_feed(c, rec_auto_retry, mid));
	REQUIRE_INT(rs_pgw_conn_next_done(c, &d), -EAGAIN);
	/* The retried request meets 26000 again (as if the server lost it twice). */
	REQUIRE(!pgw_feed(c, rec_auto_retry, mid));
	d = pgw_done(c);
	REQUIRE(d.status == 0 && !d.res->ok);
	REQUIRE_STR(d.res->err.sqlstate, "26000");
	rs_pg_result_free(d.res);
	REQUIRE(!rs_pgw_conn_broken(c));
	rs_pgw_conn_free(c);
}

static void binary_types(void)
{
	struct rs_pgw_conn *c = ready();
	struct rs_pgw_params p = { .result_format = RS_PG_FMT_BINARY };
	struct rs_pg_result *r;
	struct rs_buf b = { 0 };
	double f;
	int64_t v;
	bool t;

	REQUIRE(!rs_pgw_conn_execute_sql(c, "", TYPES_SQL, &p, NULL));
	expect_out(c, "PBDES");
	r = reply(c, rec_types_bin, sizeof(rec_types_bin));
	REQUIRE(r->ok && r->nrows == 1 && r->ncols == 7);
	REQUIRE(!rs_pg_get_bool(r, 0, 0, &t) && t);
	REQUIRE(!rs_pg_get_float8(r, 0, 1, &f) && f == 1.5);
	REQUIRE(!rs_pg_get_bytea(r, 0, 2, &b) && b.len == 2 && !memcmp(b.data, "\0\xff", 2));
	REQUIRE(!rs_pg_get_int(r, 0, 3, &v) && v == 123456789012LL);
	REQUIRE(!rs_pg_get_int(r, 0, 4, &v) && v == -2);
	REQUIRE_STR(rs_pg_get_text(r, 0, 5, NULL), "abc");
	REQUIRE(rs_pg_is_null(r, 0, 6));
	rs_buf_free(&b);
	rs_pg_result_free(r);
	/* The unnamed statement is parsed every time. */
	REQUIRE(!rs_pgw_conn_execute_sql(c, "", TYPES_SQL, &p, NULL));
	expect_out(c, "PBDES");
	rs_pgw_conn_free(c);
}

static void misuse(void)
{
	struct rs_pgw_conn *c = ready();
	struct rs_pgw_params p = { 0 };
	char name[80];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	REQUIRE_INT(rs_pgw_conn_execute(c, name, &p, NULL), -ENAMETOOLONG);
	REQUIRE_INT(rs_pgw_conn_execute(c, "", &p, NULL), -EINVAL);
	REQUIRE_INT(rs_pgw_conn_prepare(c, name, "SELECT 1", 0, NULL, NULL), -ENAMETOOLONG);
	REQUIRE_INT(rs_pgw_out(c)->len, 0);
	REQUIRE_INT(rs_pgw_conn_pending(c), 0);
	/* ParseComplete for a request that sent no Parse breaks the conn. */
	REQUIRE(!rs_pgw_conn_execute(c, "unknown", &p, NULL));
	REQUIRE_INT(pgw_feed(c, "1\0\0\0\x04", 5), -EPROTO);
	rs_pgw_conn_free(c);
}

static void all(void)
{
	prepare_execute_binary();
	auto_prepare_and_retry();
	retry_only_once();
	binary_types();
	misuse();
}

int main(void)
{
	pgw_run_all(all, sizeof(rec_types_bin) + 10);
	printf("ok\n");
	return 0;
}
