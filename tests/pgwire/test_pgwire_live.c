/* test_pgwire_live.c - the pgwire core over a blocking socket against the server in RINGSIDE_PG_URL. */

/*
 * RINGSIDE_PG_URL: a role that logs in without a password (trust) or with
 * one in the URL / PGPASSWORD. RINGSIDE_PG_URL_MD5 and RINGSIDE_PG_URL_SCRAM
 * (roles bench_md5, bench_scram), when set, add the md5 and SCRAM logins and
 * the wrong-password check. Exit 77 (skip) without RINGSIDE_PG_URL.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgw_sock.h"
#include "pgw_test.h"

struct live {
	int fd;
	struct rs_pgw_conn *c;
};

/* Connect and log in; returns 0 or the startup's errno (the conn is kept for inspection). */
static int live_open(const char *url, const char *password_override, struct live *l)
{
	struct rs_pg_conninfo ci;
	struct rs_pgw_conn_cfg cfg;

	REQUIRE(!rs_pg_conninfo_parse(url, &ci));
	if (password_override)
		snprintf(ci.password, sizeof(ci.password), "%s", password_override);
	pgw_conn_cfg_from(&ci, &cfg);
	l->fd = pgw_sock_connect(&ci);
	if (l->fd < 0) {
		fprintf(stderr, "connect %s: %s\n", ci.host, strerror(-l->fd));
		exit(1);
	}
	REQUIRE(!rs_pgw_conn_new(&cfg, &l->c));
	return pgw_sock_startup(l->fd, l->c);
}

static void live_close(struct live *l)
{
	rs_pgw_conn_terminate(l->c);
	pgw_sock_step(l->fd, l->c, 0); /* sends Terminate; nothing to read */
	rs_pgw_conn_free(l->c);
	close(l->fd);
}

/* Run everything queued; the oldest completion must be there. */
static struct rs_pgw_done live_wait(struct live *l)
{
	REQUIRE(!pgw_sock_drain(l->fd, l->c));
	return pgw_done(l->c);
}

static struct rs_pg_result *live_query(struct live *l, const char *sql)
{
	struct rs_pgw_done d;

	REQUIRE(!rs_pgw_conn_query(l->c, sql, NULL));
	d = live_wait(l);
	REQUIRE_INT(d.status, 0);
	return d.res;
}

static void login(const char *what, const char *url)
{
	struct live l;
	struct rs_pg_result *r;
	int64_t v;
	int err;

	if (!url) {
		printf("  %s login: skipped (variable unset)\n", what);
		return;
	}
	err = live_open(url, NULL, &l);
	if (err)
		fprintf(stderr, "%s login: %s\n", what, rs_pgw_conn_errmsg(l.c));
	REQUIRE_INT(err, 0);
	REQUIRE(rs_pgw_conn_param(l.c, "server_version"));
	printf("  %s login: ok (server %s)\n", what, rs_pgw_conn_param(l.c, "server_version"));
	r = live_query(&l, "SELECT 42");
	REQUIRE(r->ok && !rs_pg_get_int(r, 0, 0, &v) && v == 42);
	rs_pg_result_free(r);
	live_close(&l);
}

static void wrong_password(const char *url)
{
	const struct rs_pg_error *e;
	struct live l;

	if (!url)
		return;
	REQUIRE_INT(live_open(url, "definitely-wrong", &l), -EACCES);
	e = rs_pgw_conn_error(l.c);
	REQUIRE(e);
	REQUIRE_STR(e->sqlstate, "28P01");
	rs_pgw_conn_free(l.c);
	close(l.fd);
	printf("  wrong password: 28P01 ok\n");
}

/* A login that must fail for want of the right password. */
static void refused(const char *url, const char *why)
{
	struct live l;

	int err = live_open(url, NULL, &l);
	if (err != -EACCES)
		fprintf(stderr, "%s: login gave %d, want -EACCES\n", why, err);
	REQUIRE_INT(err, -EACCES);
	rs_pgw_conn_free(l.c);
	close(l.fd);
	printf("  %s: refused ok\n", why);
}

/*
 * The password of a password-less URL comes from PGPASSWORD, else from the
 * password file (PGPASSFILE), as with libpq; PGPASSWORD wins over the file,
 * and a file others can read is ignored.
 */
static void password_sources(const char *url)
{
	struct rs_pg_conninfo ci;
	char bare[512], file[] = "/tmp/rs-pgpass-XXXXXX";

	if (!url)
		return;
	REQUIRE(!rs_pg_conninfo_parse(url, &ci));
	REQUIRE(ci.password[0] && !strchr(ci.password, ':') && !strchr(ci.password, '\\'));
	snprintf(bare, sizeof(bare), "postgresql://%s@%s:%u/%s", ci.user, ci.host, (unsigned)ci.port, ci.dbname);
	setenv("PGPASSFILE", "/nonexistent/pgpass", 1);
	setenv("PGPASSWORD", ci.password, 1);
	login("password from PGPASSWORD", bare);
	unsetenv("PGPASSWORD");
	refused(bare, "no password anywhere");

	int fd = mkstemp(file);
	REQUIRE(fd >= 0);
	dprintf(fd, "# hostname:port:database:username:password\n"
		    "%s:%u:%s:%s:wrong-port\n"
		    "%s:*:%s:someone_else:wrong-user\n"
		    "%s:%u:*:%s:%s\n"
		    "*:*:*:*:too-late\n",
		ci.host, (unsigned)ci.port + 1, ci.dbname, ci.user, ci.host, ci.dbname, ci.host,
		(unsigned)ci.port, ci.user, ci.password);
	setenv("PGPASSFILE", file, 1);
	login("password from the password file", bare);
	setenv("PGPASSWORD", "definitely-wrong", 1);
	refused(bare, "PGPASSWORD before the password file");
	unsetenv("PGPASSWORD");
	REQUIRE(!fchmod(fd, 0644));
	refused(bare, "password file readable by others");
	close(fd);
	unlink(file);
	unsetenv("PGPASSFILE");
}

static void error_then_ok(struct live *l)
{
	struct rs_pg_result *r = live_query(l, "SELECT 1/0");
	int64_t v;

	REQUIRE(!r->ok);
	REQUIRE_STR(r->err.sqlstate, "22012");
	rs_pg_result_free(r);
	r = live_query(l, "SELECT 7");
	REQUIRE(r->ok && !rs_pg_get_int(r, 0, 0, &v) && v == 7);
	rs_pg_result_free(r);
}

static void big_result(struct live *l)
{
	struct rs_pg_result *r = live_query(l, "SELECT repeat('x', 1000) FROM generate_series(1, 5000)");
	size_t len, room;
	char *p;

	REQUIRE(r->ok);
	REQUIRE_INT(rs_pg_nrows(r), 5000);
	REQUIRE(rs_pg_get_text(r, 4999, 0, &len) && len == 1000);
	rs_pg_result_free(r);
	r = live_query(l, "SELECT repeat('y', 3000000)");
	REQUIRE(r->ok && rs_pg_get_text(r, 0, 0, &len) && len == 3000000);
	rs_pg_result_free(r);
	/* The 3 MB message's buffer was given back. */
	REQUIRE(!rs_pgw_recv_space(l->c, &p, &room));
	REQUIRE(room <= 16 * 1024);
}

/* Ten requests queued before any byte is read; answers come back in order. */
static void pipelined(struct live *l)
{
	static const uint32_t int4[] = { RS_PG_OID_INT4 };
	char sql[64], val[16];
	const char *vals[] = { val };
	struct rs_pgw_params p = { .n = 1, .types = int4, .values = vals,
				   .result_format = RS_PG_FMT_BINARY };
	struct rs_pgw_done d;
	int64_t v;

	for (intptr_t i = 0; i < 10; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", (int)i);
		snprintf(val, sizeof(val), "%d", (int)i);
		if (i % 2)
			REQUIRE(!rs_pgw_conn_query(l->c, sql, (void *)i));
		else
			REQUIRE(!rs_pgw_conn_execute_sql(l->c, "live_pipe", "SELECT $1::int4 * 1",
						       &p, (void *)i));
	}
	REQUIRE_INT(rs_pgw_conn_pending(l->c), 10);
	REQUIRE(!pgw_sock_drain(l->fd, l->c));
	for (intptr_t i = 0; i < 10; i++) {
		d = pgw_done(l->c);
		REQUIRE(d.user == (void *)i && d.status == 0 && d.res->ok);
		REQUIRE(!rs_pg_get_int(d.res, 0, 0, &v) && v == i);
		rs_pg_result_free(d.res);
	}
}

static void reprepare(struct live *l)
{
	const char *vals[] = { "11" };
	struct rs_pgw_params p = { .n = 1, .values = vals };
	struct rs_pgw_stats before, after;
	struct rs_pgw_done d;
	int64_t v;

	rs_pgw_conn_stats(l->c, &before);
	rs_pg_result_free(live_query(l, "DEALLOCATE ALL"));
	REQUIRE(!rs_pgw_conn_execute_sql(l->c, "live_pipe", "SELECT $1::int4 * 1", &p, NULL));
	d = live_wait(l);
	REQUIRE(d.status == 0 && d.res->ok && !rs_pg_get_int(d.res, 0, 0, &v) && v == 11);
	rs_pg_result_free(d.res);
	rs_pgw_conn_stats(l->c, &after);
	REQUIRE_INT(after.retries, before.retries + 1);
}

static void copy_in_refused(struct live *l)
{
	struct rs_pg_result *r;

	rs_pg_result_free(live_query(l, "CREATE TEMP TABLE live_t (a int)"));
	r = live_query(l, "COPY live_t FROM STDIN");
	REQUIRE(!r->ok);
	REQUIRE_STR(r->err.sqlstate, "57014");
	rs_pg_result_free(r);
	r = live_query(l, "SELECT 1");
	REQUIRE(r->ok);
	rs_pg_result_free(r);
}

/* CancelRequest on a second connection interrupts pg_sleep with 57014. */
static void cancel(struct live *l, const char *url)
{
	struct rs_pg_conninfo ci;
	struct rs_buf b = { 0 };
	struct rs_pgw_done d;
	char sink[16];
	int fd;

	REQUIRE(!rs_pgw_conn_query(l->c, "SELECT pg_sleep(20)", NULL));
	REQUIRE_INT(pgw_sock_step(l->fd, l->c, 300), -ETIMEDOUT); /* sent, still sleeping */
	REQUIRE(!rs_pg_conninfo_parse(url, &ci));
	fd = pgw_sock_connect(&ci);
	REQUIRE(fd >= 0);
	REQUIRE(!rs_pgw_cancel_request(l->c, &b));
	REQUIRE(send(fd, b.data, b.len, 0) == (ssize_t)b.len);
	REQUIRE(recv(fd, sink, sizeof(sink), 0) == 0); /* the server just closes */
	close(fd);
	rs_buf_free(&b);
	d = live_wait(l);
	REQUIRE(d.status == 0 && !d.res->ok);
	REQUIRE_STR(d.res->err.sqlstate, "57014");
	rs_pg_result_free(d.res);
}

int main(void)
{
	const char *url = getenv("RINGSIDE_PG_URL");
	struct live l;

	if (!url || !*url) {
		printf("RINGSIDE_PG_URL is not set: skipping the live pgwire test\n");
		return 77;
	}
	login("trust", url);
	login("md5", getenv("RINGSIDE_PG_URL_MD5"));
	login("scram", getenv("RINGSIDE_PG_URL_SCRAM"));
	wrong_password(getenv("RINGSIDE_PG_URL_MD5"));
	wrong_password(getenv("RINGSIDE_PG_URL_SCRAM"));
	password_sources(getenv("RINGSIDE_PG_URL_MD5"));
	password_sources(getenv("RINGSIDE_PG_URL_SCRAM"));

	REQUIRE_INT(live_open(url, NULL, &l), 0);
	error_then_ok(&l);
	big_result(&l);
	pipelined(&l);
	reprepare(&l);
	copy_in_refused(&l);
	cancel(&l, url);
	REQUIRE(!rs_pgw_conn_broken(l.c));
	live_close(&l);
	printf("ok\n");
	return 0;
}
