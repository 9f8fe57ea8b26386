/* pgw_record.c - regenerates recorded.h: drives the core against a real server, dumps its replies. */

/*
 * Not a test: a tool. Run against a throwaway PostgreSQL 15 cluster with
 * roles bench (trust, owns database bench), bench_md5 / md5pass (md5),
 * bench_scram / scrampass (scram-sha-256), bench_pw / plainpass (password):
 *
 *   pgw_record 127.0.0.1 54329 > tests/pgwire/recorded.h
 *
 * Each array is every byte the server sent during one step; the unit tests
 * replay them after making the same calls on a fresh conn. gen_scram.py
 * reads the SCRAM exchange back out of recorded.h.
 */
#include <stdlib.h>

#include "pgw_sock.h"

#define SCRAM_NONCE "pgwtestnonce0123456789AB"

static struct rs_buf tap;
static int fd = -1;
static struct rs_pgw_conn *conn;

static void die(const char *what, int err)
{
	fprintf(stderr, "pgw_record: %s: %s (%s)\n", what, strerror(-err),
		conn ? rs_pgw_conn_errmsg(conn) : "");
	exit(1);
}

static void emit(const char *name)
{
	printf("static const unsigned char %s[] = {", name);
	for (size_t i = 0; i < tap.len; i++)
		printf("%s0x%02x,", i % 16 ? " " : "\n\t", (unsigned char)tap.data[i]);
	printf("\n};\n\n");
	rs_buf_clear(&tap);
}

static void collect(void)
{
	struct rs_pgw_done d;

	while (!rs_pgw_conn_next_done(conn, &d))
		rs_pg_result_free(d.res);
}

static void drain(const char *name)
{
	int err = pgw_sock_drain(fd, conn);

	if (err)
		die("drain", err);
	collect();
	if (name)
		emit(name);
	else
		rs_buf_clear(&tap);
}

static void open_conn(const char *host, const char *port, const char *user, const char *pw,
		      const char *nonce, const char *name, bool expect_fail)
{
	struct rs_pgw_conn_cfg cfg = { .user = user, .password = pw, .database = "bench",
				       .scram_nonce = nonce };
	struct rs_pg_conninfo ci;
	char url[256];
	int err;

	snprintf(url, sizeof(url), "host=%s port=%s user=%s dbname=bench", host, port, user);
	if (rs_pg_conninfo_parse(url, &ci))
		die("conninfo", -EINVAL);
	fd = pgw_sock_connect(&ci);
	if (fd < 0)
		die("connect", fd);
	err = rs_pgw_conn_new(&cfg, &conn);
	if (err)
		die("conn_new", err);
	err = pgw_sock_startup(fd, conn);
	if (!err == expect_fail)
		die(expect_fail ? "startup should have failed" : "startup", err ? err : -EINVAL);
	emit(name);
}

static void close_conn(void)
{
	rs_pgw_conn_free(conn);
	conn = NULL;
	close(fd);
}

static void q(const char *sql, const char *name)
{
	int err = rs_pgw_conn_query(conn, sql, NULL);

	if (err)
		die(sql, err);
	drain(name);
}

static void record_extended(void)
{
	static const uint32_t int4[] = { 23 };
	const char *seven[] = { "7" }, *five[] = { "5" }, *six[] = { "6" };
	struct rs_pgw_params p = { .n = 1, .values = seven, .result_format = RS_PG_FMT_BINARY };
	int err;

	err = rs_pgw_conn_prepare(conn, "s1", "SELECT $1::int4 * g AS n FROM generate_series(1, 3) g",
				  1, int4, NULL);
	if (err)
		die("prepare", err);
	drain("rec_prepare");
	if ((err = rs_pgw_conn_execute(conn, "s1", &p, NULL)))
		die("execute", err);
	drain("rec_execute_bin");

	p = (struct rs_pgw_params){ .n = 1, .types = int4, .values = five };
	if ((err = rs_pgw_conn_execute_sql(conn, "s2", "SELECT $1::int4 AS v", &p, NULL)))
		die("execute_sql", err);
	drain("rec_auto_first");
	q("DEALLOCATE ALL", "rec_deallocate");
	p.values = six;
	if ((err = rs_pgw_conn_execute_sql(conn, "s2", "SELECT $1::int4 AS v", &p, NULL)))
		die("execute_sql", err);
	drain("rec_auto_retry");
}

#define TYPES_SQL "SELECT true AS b, 1.5::float8 AS f, '\\x00ff'::bytea AS by, " \
	"123456789012::int8 AS i8, (-2)::int2 AS i2, 'abc'::varchar AS v, NULL::int4 AS n"

static void record_trust(const char *host, const char *port)
{
	struct rs_pgw_params p = { .result_format = RS_PG_FMT_BINARY };
	int err;

	open_conn(host, port, "bench", NULL, NULL, "rec_trust_startup", false);
	q("SELECT 1 AS a, 'hello'::text AS b, NULL::int4 AS c UNION ALL SELECT 2, 'world', 3",
	  "rec_simple_rows");
	record_extended();

	/* Pipelined: both queries are sent before any reply is read. */
	rs_pgw_conn_query(conn, "SELECT 1/0", NULL);
	rs_pgw_conn_query(conn, "SELECT 42 AS answer", NULL);
	drain("rec_error_then_ok");

	q("CREATE OR REPLACE FUNCTION pg_temp.pgw_note(i int) RETURNS int LANGUAGE plpgsql AS "
	  "$$ BEGIN RAISE NOTICE 'row %', i; RETURN i; END $$", NULL);
	q("SELECT pg_temp.pgw_note(g) AS g FROM generate_series(1, 3) g", "rec_notice_rows");
	q("LISTEN pgw_chan", NULL);
	q("NOTIFY pgw_chan, 'hello'", "rec_notify");
	q("", "rec_empty");
	q("SELECT 1 AS one; SELECT 'x' AS two, 2 AS three", "rec_multi");
	q("SELECT 1; SELECT 1/0; SELECT 3", "rec_multi_error");
	q("COPY (SELECT g FROM generate_series(1, 3) g) TO STDOUT", "rec_copy_out");
	q("CREATE TEMP TABLE pgw_t (a int)", NULL);
	q("COPY pgw_t FROM STDIN", "rec_copy_in");
	q("CREATE TEMP TABLE pgw_u AS SELECT g FROM generate_series(1, 5) g", NULL);
	q("UPDATE pgw_u SET g = g + 1", "rec_update");
	q("INSERT INTO pgw_u VALUES (1)", "rec_insert");
	q(TYPES_SQL, "rec_types_text");
	if ((err = rs_pgw_conn_execute_sql(conn, "", TYPES_SQL, &p, NULL)))
		die("execute_sql", err);
	drain("rec_types_bin");
	close_conn();
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	const char *port = argc > 2 ? argv[2] : "54329";
	pgw_sock_tap = &tap;
	printf("/* recorded.h - server replies recorded from PostgreSQL %s by pgw_record.c; do not edit. */\n\n",
	       "15");
	record_trust(host, port);
	open_conn(host, port, "bench_md5", "md5pass", NULL, "rec_md5_startup", false);
	close_conn();
	open_conn(host, port, "bench_md5", "wrongpass", NULL, "rec_md5_wrong", true);
	close_conn();
	open_conn(host, port, "bench_pw", "plainpass", NULL, "rec_pw_startup", false);
	close_conn();
	open_conn(host, port, "bench_scram", "scrampass", SCRAM_NONCE, "rec_scram_startup", false);
	close_conn();
	rs_buf_free(&tap);
	return 0;
}
