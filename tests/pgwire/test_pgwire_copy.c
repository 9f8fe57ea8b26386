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

	CHECK(!rs_pgw_conn_query(c, "COPY (SELECT ...) TO STDOUT", NULL));
	CHECK(!pgw_feed(c, rec_copy_out, sizeof(rec_copy_out)));
	d = pgw_done(c);
	CHECK(d.status == 0 && d.res->ok);
	CHECK_STR(d.res->cmd_tag, "COPY 3");
	CHECK_INT(d.res->rows_affected, 3);
	CHECK_INT(d.res->nrows, 0);
	rs_pg_result_free(d.res);
	CHECK(rs_pgw_conn_ready(c));
	rs_pgw_conn_free(c);
}

static void copy_in(void)
{
	struct rs_pgw_conn *c = ready();
	size_t first = pgw_msg_off(rec_copy_in, sizeof(rec_copy_in), 1);
	struct rs_pgw_done d;
	struct rs_pgw_msg m;
	struct rs_buf *out;

	CHECK(!rs_pgw_conn_query(c, "COPY pgw_t FROM STDIN", NULL));
	pgw_drop_out(c);
	CHECK(!pgw_feed(c, rec_copy_in, first));
	/* CopyInResponse answered with CopyFail; no Sync in the simple protocol. */
	out = rs_pgw_out(c);
	CHECK_INT(rs_pgw_msg_next(rs_buf_head(out), out->len, &m), (int)out->len);
	CHECK_INT(m.type, 'f');
	CHECK(strstr(m.body, "not supported"));
	CHECK(!pgw_feed(c, rec_copy_in + first, sizeof(rec_copy_in) - first));
	d = pgw_done(c);
	CHECK(d.status == 0 && !d.res->ok);
	CHECK_STR(d.res->err.sqlstate, "57014");
	CHECK(strstr(d.res->err.message, "ringside"));
	rs_pg_result_free(d.res);
	CHECK(rs_pgw_conn_ready(c) && !rs_pgw_conn_broken(c));
	rs_pgw_conn_free(c);
}

/* Requests pipelined behind COPY FROM STDIN would be eaten by the server: the conn gives up. */
static void copy_in_pipelined(void)
{
	struct rs_pgw_conn *c = ready();
	size_t first = pgw_msg_off(rec_copy_in, sizeof(rec_copy_in), 1);

	CHECK(!rs_pgw_conn_query(c, "COPY pgw_t FROM STDIN", NULL));
	CHECK(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	CHECK_INT(pgw_feed(c, rec_copy_in, first), -EPROTO);
	CHECK(strstr(rs_pgw_conn_errmsg(c), "COPY FROM STDIN"));
	rs_pgw_conn_free(c);
}

static void copy_violations(void)
{
	struct rs_pgw_conn *c = ready();
	size_t cdata = pgw_msg_off(rec_copy_out, sizeof(rec_copy_out), 1);

	/* CopyData with no CopyOutResponse before it. */
	CHECK(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	CHECK_INT(pgw_feed(c, rec_copy_out + cdata, sizeof(rec_copy_out) - cdata), -EPROTO);
	rs_pgw_conn_free(c);

	/* CopyBothResponse: replication only, never asked for. */
	c = ready();
	CHECK(!rs_pgw_conn_query(c, "SELECT 1", NULL));
	CHECK_INT(pgw_feed(c, "W\0\0\0\x07\0\0\0", 8), -EPROTO);
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
