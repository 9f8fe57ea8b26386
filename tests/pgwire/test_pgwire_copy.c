/* test_pgwire_copy.c - COPY TO STDOUT drained, COPY FROM STDIN refused with CopyFail, on recorded streams. */
#include "pgw_test.h"
#include "recorded.h"

static struct rs_pgw_conn *ready(void)
{
	return pgw_trust_conn(rec_trust_startup, sizeof(rec_trust_startup));
}

static void copy_out(void)
{
	struct rs_pgw_conn *c = ready();
	struct rs_pgw_done d;

	REQUIRE(!rs_pgw_conn_query(c, "COPY (SELECT ...) TO STDOUT", NULL));
	REQUIRE(!pgw_feed(c, rec_copy_out, sizeof(rec_copy_out)));
	d = pgw_done(c);
	REQUIRE(d.status == 0 && d.res->ok);
	REQUIRE_STR(d.res->cmd_tag, "COPY 3");
	REQUIRE_INT(d.res->rows_affected, 3);
	REQUIRE_INT(d.res->nrows, 0);
	rs_pg_result_free(d.res);
	REQUIRE(rs_pgw_conn_ready(c));
	rs_pgw_conn_free(c);
}

static void copy_in(void)
{
	struct rs_pgw_conn *c = ready();
	size_t first = pgw_msg_off(rec_copy_in, sizeof(rec_copy_in), 1);
	struct rs_pgw_done d;
	struct rs_pgw_msg m;
	struct rs_buf *out;

	REQUIRE(!rs_pgw_conn_query(c, "COPY pgw_t FROM STDIN", NULL));
	pgw_drop_out(c);
	REQUIRE(!pgw_feed(c, rec_copy_in, first));
	/* CopyInResponse answered with CopyFail; no Sync in the simple protocol. */
	out = rs_pgw_out(c);
	REQUIRE_INT(rs_pgw_msg_next(rs_buf_head(out), out->len, &m), (int)out->len);
	REQUIRE_INT(m.type, 'f');
	REQUIRE(strstr(m.body, "not supported"));
	REQUIRE(!pgw_feed(c, rec_copy_in + first, sizeof(rec_copy_in) - first));
	d = pgw_done(c);
	REQUIRE(d.status == 0 && !d.res->ok);
	REQUIRE_STR(d.res->err.sqlstate, "57014");
	REQUIRE(strstr(d.res->err.message, "ringside"));
	rs_pg_result_free(d.res);
	REQUIRE(rs_pgw_conn_ready(c) && !rs_pgw_conn_broken(c));
	rs_pgw_conn_free(c);
}

/* Requests pipelined behind COPY FROM STDIN would be eaten by the server: the conn gives up. */
static void copy_in_pipelined(void)
{
	struct rs_pgw_conn *c = ready();
	size_t first = pgw_msg_off(rec_copy_in, sizeof(rec_copy_in), 1);

	REQUIRE(!rs_pgw_conn_query(c, "COPY pgw_t FROM STDIN", NULL));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	REQUIRE_INT(pgw_feed(c, rec_copy_in, first), -EPROTO);
	REQUIRE(strstr(rs_pgw_conn_errmsg(c), "COPY FROM STDIN"));
	rs_pgw_conn_free(c);
}

static void copy_violations(void)
{
	struct rs_pgw_conn *c = ready();
	size_t cdata = pgw_msg_off(rec_copy_out, sizeof(rec_copy_out), 1);

	/* CopyData with no CopyOutResponse before it. */
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	REQUIRE_INT(pgw_feed(c, rec_copy_out + cdata, sizeof(rec_copy_out) - cdata), -EPROTO);
	rs_pgw_conn_free(c);

	/* CopyBothResponse: replication only, never asked for. */
	c = ready();
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	REQUIRE_INT(pgw_feed(c, "W\0\0\0\x07\0\0\0", 8), -EPROTO);
	rs_pgw_conn_free(c);
}

static void all(void)
{
	copy_out();
	copy_in();
	copy_in_pipelined();
	copy_violations();
}

int main(void)
{
	pgw_run_all(all, sizeof(rec_copy_in) + 10);
	printf("ok\n");
	return 0;
}
