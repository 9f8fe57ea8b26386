/* test_pgwire_batch.c - one Sync per batch of executes (sync_per_batch), live against the server in RINGSIDE_PG_URL. */
#include <stdlib.h>
#include <unistd.h>

#include "pgw_sock.h"
#include "pgw_test.h"

static const uint32_t int4[] = { RS_PG_OID_INT4 };

static struct rs_pgw_conn *open_batched(const char *url, int *fd)
{
	struct rs_pg_conninfo ci;
	struct rs_pgw_conn_cfg cfg;
	struct rs_pgw_conn *c;

	REQUIRE(!rs_pg_conninfo_parse(url, &ci));
	pgw_conn_cfg_from(&ci, &cfg);
	cfg.sync_per_batch = true;
	*fd = pgw_sock_connect(&ci);
	REQUIRE(*fd >= 0, "connect %s: %s", ci.host, strerror(-*fd));
	REQUIRE(!rs_pgw_conn_new(&cfg, &c));
	REQUIRE_INT(pgw_sock_startup(*fd, c), 0);
	return c;
}

static void exec_int(struct rs_pgw_conn *c, const char *name, const char *sql, int v, intptr_t tag)
{
	char val[16];
	const char *vals[] = { val };
	struct rs_pgw_params p = { .n = 1, .types = int4, .values = vals };

	snprintf(val, sizeof(val), "%d", v);
	REQUIRE(!rs_pgw_conn_execute_sql(c, name, sql, &p, (void *)tag));
}

static struct rs_pg_result *simple(int fd, struct rs_pgw_conn *c, const char *sql)
{
	struct rs_pgw_done d;

	REQUIRE(!rs_pgw_conn_query(c, sql, NULL));
	REQUIRE(!pgw_sock_drain(fd, c));
	d = pgw_done(c);
	REQUIRE(d.status == 0 && d.res->ok, "%s: status %d %s", sql, d.status,
		d.res && d.res->err.message ? d.res->err.message : "");
	return d.res;
}

static int64_t int_of(struct rs_pgw_done d, intptr_t tag)
{
	int64_t v = -1;

	REQUIRE(d.user == (void *)tag, "completion %p, expected tag %d", d.user, (int)tag);
	REQUIRE(d.status == 0 && d.res->ok, "tag %d: status %d %s", (int)tag, d.status,
		d.res && d.res->err.message ? d.res->err.message : "");
	REQUIRE(!rs_pg_get_int(d.res, 0, 0, &v));
	rs_pg_result_free(d.res);
	return v;
}

static size_t count(const char *s, char ch)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == ch;
	return n;
}

/* Five executes queued together leave as one batch: five Executes, one Sync; answered in order. */
static void one_sync(int fd, struct rs_pgw_conn *c)
{
	char types[64];

	for (int i = 0; i < 5; i++)
		exec_int(c, "b_mul", "SELECT $1::int4 * 2", i, i);
	pgw_out_types(c, types, sizeof(types));
	REQUIRE_INT(count(types, 'E'), 5);
	REQUIRE_INT(count(types, 'S'), 1);
	REQUIRE(types[strlen(types) - 1] == 'S', "the Sync ends the batch: %s", types);
	REQUIRE_INT(rs_pgw_conn_pending(c), 5);
	REQUIRE(!pgw_sock_drain(fd, c));
	for (int i = 0; i < 5; i++)
		REQUIRE_INT(int_of(pgw_done(c), i), 2 * i);
}

/* The batch's failed execute is answered first, with its error. */
static void failed_first(struct rs_pgw_conn *c, void *user, const char *sqlstate)
{
	struct rs_pgw_done d = pgw_done(c);

	REQUIRE(d.user == user && d.status == 0 && !d.res->ok, "the failed one first");
	REQUIRE_STR(d.res->err.sqlstate, sqlstate);
	rs_pg_result_free(d.res);
}

/*
 * One execute of a batch fails: it is answered with its error; the inserts
 * before and after it (rolled back, skipped) go again and are committed
 * exactly once.
 */
static void failure_resends(int fd, struct rs_pgw_conn *c)
{
	struct rs_pgw_stats before, after;
	struct rs_pg_result *r;
	int64_t n, sum;

	rs_pg_result_free(simple(fd, c, "CREATE TEMP TABLE b_t (a int)"));
	rs_pgw_conn_stats(c, &before);
	exec_int(c, "b_ins", "INSERT INTO b_t VALUES ($1) RETURNING a", 1, 1);
	exec_int(c, "b_div", "SELECT 10 / $1::int4", 0, 2);
	exec_int(c, "b_ins", "INSERT INTO b_t VALUES ($1) RETURNING a", 2, 3);
	exec_int(c, "b_mul", "SELECT $1::int4 * 2", 21, 4);
	REQUIRE(!pgw_sock_drain(fd, c));
	failed_first(c, (void *)2, "22012");
	REQUIRE_INT(int_of(pgw_done(c), 1), 1);
	REQUIRE_INT(int_of(pgw_done(c), 3), 2);
	REQUIRE_INT(int_of(pgw_done(c), 4), 42);
	rs_pgw_conn_stats(c, &after);
	REQUIRE_INT(after.retries, before.retries + 3);
	r = simple(fd, c, "SELECT count(*), sum(a) FROM b_t");
	REQUIRE(!rs_pg_get_int(r, 0, 0, &n) && !rs_pg_get_int(r, 0, 1, &sum));
	REQUIRE(n == 2 && sum == 3, "rows %lld sum %lld: each insert once", (long long)n, (long long)sum);
	rs_pg_result_free(r);
	REQUIRE_INT(rs_pgw_conn_txstatus(c), 'I');
}

/* A simple query of several statements queued behind executes ends their batch first: its
 * own Sync is not theirs. */
static void query_ends_batch(int fd, struct rs_pgw_conn *c)
{
	char types[64];

	exec_int(c, "b_mul", "SELECT $1::int4 * 2", 1, 1);
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 6; SELECT 7", (void *)2));
	exec_int(c, "b_mul", "SELECT $1::int4 * 2", 3, 3);
	pgw_out_types(c, types, sizeof(types));
	REQUIRE_STR(types, "BDESQBDES");
	REQUIRE(!pgw_sock_drain(fd, c));
	REQUIRE_INT(int_of(pgw_done(c), 1), 2);
	REQUIRE_INT(int_of(pgw_done(c), 2), 7);
	REQUIRE_INT(int_of(pgw_done(c), 3), 6);
}

/* One-statement simple queries join the batch as unnamed Parse..Execute; the failing one gets
 * its error, the others (each re-sent with its own Parse) their rows. */
static void queries_batch(int fd, struct rs_pgw_conn *c)
{
	char types[64];

	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1", (void *)1));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 1 / 0", (void *)2));
	REQUIRE(!rs_pgw_conn_query(c, "SELECT 3", (void *)3));
	pgw_out_types(c, types, sizeof(types));
	REQUIRE_STR(types, "PBDEPBDEPBDES");
	REQUIRE(!pgw_sock_drain(fd, c));
	failed_first(c, (void *)2, "22012");
	REQUIRE_INT(int_of(pgw_done(c), 1), 1);
	REQUIRE_INT(int_of(pgw_done(c), 3), 3);
}

/* The server forgot the statements (DEALLOCATE ALL): the batch's first execute fails with
 * 26000 and re-prepares itself, the others go again behind it; a statement first used in
 * a failed batch, its Parse skipped, is parsed again. */
static void reprepare_in_batch(int fd, struct rs_pgw_conn *c)
{
	rs_pg_result_free(simple(fd, c, "DEALLOCATE ALL"));
	exec_int(c, "b_mul", "SELECT $1::int4 * 2", 5, 1);
	exec_int(c, "b_mul", "SELECT $1::int4 * 2", 6, 2);
	exec_int(c, "b_new", "SELECT $1::int4 + 100", 7, 3);
	REQUIRE(!pgw_sock_drain(fd, c));
	int64_t got[4] = { 0 };
	for (int i = 0; i < 3; i++) {
		struct rs_pgw_done d = pgw_done(c);
		intptr_t tag = (intptr_t)d.user;
		REQUIRE(tag >= 1 && tag <= 3 && !got[tag], "completion %d", (int)tag);
		got[tag] = int_of(d, tag);
	}
	REQUIRE(got[1] == 10 && got[2] == 12 && got[3] == 107, "%lld %lld %lld", (long long)got[1],
		(long long)got[2], (long long)got[3]);
}

int main(void)
{
	const char *url = getenv("RINGSIDE_PG_URL");
	int fd;

	if (!url || !*url) {
		printf("skip: RINGSIDE_PG_URL is not set\n");
		return 77;
	}
	struct rs_pgw_conn *c = open_batched(url, &fd);
	one_sync(fd, c);
	failure_resends(fd, c);
	query_ends_batch(fd, c);
	queries_batch(fd, c);
	reprepare_in_batch(fd, c);
	one_sync(fd, c);
	REQUIRE(!rs_pgw_conn_broken(c));
	rs_pgw_conn_terminate(c);
	pgw_sock_step(fd, c, 0);
	rs_pgw_conn_free(c);
	close(fd);
	printf("ok\n");
	return 0;
}
