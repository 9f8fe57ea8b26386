/* test_db.c - the SQL workloads, pool and driver against the project's own PostgreSQL, per engine and pool mode. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "pgctl.h"

static const char *g_server, *g_engine, *g_mode;
static char g_url[600];
static char g_app[64];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t start(int port, const char *url, const char *extra1, const char *extra2)
{
	char pg[800], mode[64];
	snprintf(pg, sizeof(pg), "--pg=%s", url);
	snprintf(mode, sizeof(mode), "--pg-mode=%s", g_mode);
	const char *extra[] = { pg, mode, extra1, extra2, NULL };
	return server_start(g_server, g_engine, port, extra);
}

static void get(int port, const char *path, struct resp *r)
{
	char req[512];
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
	CHECK(one_request(port, req, r) == 0, "no answer to %s", path);
}

/* Backends of this test's server, told apart by application_name. */
static int backends(void)
{
	char sql[256], out[64];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'", g_app);
	CHECK(rs_pgctl_admin_query(sql, out, sizeof(out)) == 0, "admin query failed");
	return atoi(out);
}

static void wait_backends(int want)
{
	for (int i = 0; i < 200 && backends() != want; i++)
		usleep(50000);
	CHECK(backends() == want, "pg_stat_activity shows %d connections, want %d", backends(), want);
}

static int count_char(const char *s, char c)
{
	int n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

static void case_workloads(int port)
{
	struct resp r;
	char sql[256], out[64];

	get(port, "/select42", &r);
	CHECK(r.status == 200 && !strcmp(r.body, "db=42"), "/select42: %d '%s'", r.status, r.body);
	get(port, "/db", &r);
	int id, num;
	CHECK(r.status == 200 && sscanf(r.body, "{\"id\":%d,\"randomNumber\":%d}", &id, &num) == 2 &&
		      id >= 1 && id <= 10000 && num >= 1 && num <= 10000, "/db: %d '%s'", r.status, r.body);
	static const struct { const char *q; int n; } clamp[] = {
		{ "/queries", 1 }, { "/queries?queries=", 1 }, { "/queries?queries=abc", 1 },
		{ "/queries?queries=0", 1 }, { "/queries?queries=-3", 1 }, { "/queries?queries=20", 20 },
		{ "/queries?queries=501", 500 }, { "/queries?queries=99999999999", 500 },
	};
	for (size_t i = 0; i < sizeof(clamp) / sizeof(clamp[0]); i++) {
		get(port, clamp[i].q, &r);
		CHECK(r.status == 200 && r.body[0] == '[' && count_char(r.body, '{') == clamp[i].n,
		      "%s: status %d, %d rows, want %d", clamp[i].q, r.status, count_char(r.body, '{'), clamp[i].n);
	}
	get(port, "/fortunes", &r);
	char ct[128];
	CHECK(r.status == 200 && resp_header(&r, "Content-Type", ct, sizeof(ct)) &&
		      !strcmp(ct, "text/html; charset=utf-8"), "/fortunes: %d %s", r.status, ct);
	CHECK(count_char(r.body, '\n') == 0 && strstr(r.body, "<td>0</td><td>Additional fortune added at request time.</td>") &&
		      strstr(r.body, "&lt;script&gt;alert(&quot;This should not be displayed") &&
		      strstr(r.body, "フレームワークのベンチマーク"), "/fortunes body wrong: %s", r.body);
	/* 12 rows from the table plus the one added at request time, sorted: the
	 * escaped <script> one sorts first, the Japanese one last. */
	int rows = 0;
	for (const char *p = r.body; (p = strstr(p, "<tr><td>")); p++)
		rows++;
	CHECK(rows == 13, "/fortunes has %d rows, want 13", rows);
	const char *first = strstr(r.body, "<td>11</td>"), *last = strstr(r.body, "<td>12</td>");
	CHECK(first && last && first < strstr(r.body, "<td>0</td>") && strstr(r.body, "<td>0</td>") < last,
	      "fortunes not sorted by message");
	/* /updates writes back what it answers. */
	get(port, "/updates?queries=5", &r);
	CHECK(r.status == 200 && count_char(r.body, '{') == 5, "/updates: %d '%s'", r.status, r.body);
	CHECK(sscanf(r.body, "[{\"id\":%d,\"randomNumber\":%d}", &id, &num) == 2, "/updates body");
	snprintf(sql, sizeof(sql), "SELECT randomnumber FROM world WHERE id = %d", id);
	CHECK(rs_pgctl_admin_query(sql, out, sizeof(out)) == 0, "admin query");
	/* Another test may update the same row meanwhile: only a mismatch with
	 * a number that was never written here would be a failure; 1/10000. */
	CHECK(atoi(out) >= 1 && atoi(out) <= 10000, "world row %d holds %s", id, out);
	/* Bad input. */
	get(port, "/sleep?ms=abc", &r);
	CHECK(r.status == 400, "/sleep?ms=abc: %d", r.status);
	get(port, "/sleep?ms=10001", &r);
	CHECK(r.status == 400, "/sleep?ms=10001: %d", r.status);
	get(port, "/sleep?ms=10", &r);
	CHECK(r.status == 200, "/sleep?ms=10: %d", r.status);
}

/* /error answers 500 with the SQLSTATE, and the connection is still good. */
static void case_error(int port)
{
	struct resp r;
	for (int i = 0; i < 5; i++) {
		get(port, "/error", &r);
		CHECK(r.status == 500 && strstr(r.body, "22012"), "/error: %d '%s'", r.status, r.body);
		get(port, "/select42", &r);
		CHECK(r.status == 200 && !strcmp(r.body, "db=42"), "after /error: %d '%s'", r.status, r.body);
	}
	wait_backends(1); /* --pool=1: the one connection survived every error */
}

struct sleeper {
	int port;
	int ms;
	int status;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct resp r;
	char path[64];
	snprintf(path, sizeof(path), "/sleep?ms=%d", s->ms);
	get(s->port, path, &r);
	s->status = r.status;
	return NULL;
}

/* Pool 2, eight concurrent 200 ms sleeps: four rounds, about 800 ms. */
static void case_queueing(int port)
{
	pthread_t t[8];
	struct sleeper s[8];
	wait_backends(2);
	double t0 = now_s();
	for (int i = 0; i < 8; i++) {
		s[i] = (struct sleeper){ .port = port, .ms = 200 };
		pthread_create(&t[i], NULL, sleeper_main, &s[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		CHECK(s[i].status == 200, "sleep %d answered %d", i, s[i].status);
	}
	double took = now_s() - t0;
	printf("8 x 200 ms sleeps over pool 2 took %.0f ms\n", took * 1000);
	if (!strcmp(g_mode, "exclusive"))
		CHECK(took >= 0.78, "8 sleeps on 2 connections finished in %.0f ms: not queued", took * 1000);
	else /* shared: pipelined on the 2 connections, still serialised per backend */
		CHECK(took >= 0.78, "8 sleeps pipelined on 2 backends finished in %.0f ms", took * 1000);
}

/* A rent that waits longer than --rent-timeout-ms is answered 503. */
static void case_rent_timeout(int port)
{
	pthread_t t;
	struct sleeper s = { .port = port, .ms = 1000 };
	struct resp r;
	wait_backends(1);
	pthread_create(&t, NULL, sleeper_main, &s);
	usleep(50000);
	get(port, "/select42", &r);
	pthread_join(t, NULL);
	if (!strcmp(g_mode, "exclusive"))
		CHECK(r.status == 503 && strstr(r.body, "timed out"), "queued rent: %d '%s'", r.status, r.body);
	else /* shared mode does not wait for a connection: it pipelines */
		CHECK(r.status == 200, "pipelined query: %d '%s'", r.status, r.body);
	CHECK(s.status == 200, "the sleep itself: %d", s.status);
}

/* --pg-timeout-ms: a long query is cancelled (57014), the connection stays. */
static void case_timeout(int port)
{
	struct resp r;
	wait_backends(1);
	double t0 = now_s();
	get(port, "/sleep?ms=5000", &r);
	double took = now_s() - t0;
	CHECK(r.status == 500 && strstr(r.body, "57014"), "overlong query: %d '%s'", r.status, r.body);
	CHECK(took < 4.0, "cancel took %.1f s", took);
	get(port, "/select42", &r);
	CHECK(r.status == 200, "after the cancel: %d", r.status);
	wait_backends(1);
}

/* pg_terminate_backend on the pool: requests keep working, the pool refills. */
static void case_terminate(int port)
{
	char sql[256];
	struct resp r;
	wait_backends(6); /* --cores=2 --pool=3 */
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'",
		 g_app);
	CHECK(rs_pgctl_admin_sql(sql) == 0, "terminate");
	int ok = 0;
	for (int i = 0; i < 50; i++) {
		get(port, "/select42", &r);
		ok += r.status == 200;
		if (r.status != 200)
			fprintf(stderr, "after terminate: %d %s", r.status, r.body);
	}
	CHECK(ok >= 45, "only %d of 50 requests after pg_terminate_backend succeeded", ok);
	wait_backends(6);
	get(port, "/db", &r);
	CHECK(r.status == 200, "after refill: %d", r.status);
}

static void check_auth(const char *user, const char *password, bool expect_ok)
{
	char url[600], *at;
	struct resp r;
	CHECK(rs_pgctl_url(user, url, sizeof(url)) == 0, "url for %s", user);
	if (password) { /* swap the password */
		char *colon = strchr(url + strlen("postgresql://"), ':');
		at = strchr(url, '@');
		char rest[600];
		snprintf(rest, sizeof(rest), "%s", at);
		snprintf(colon + 1, sizeof(url) - (size_t)(colon + 1 - url), "%s%s", password, rest);
	}
	int port = free_port();
	pid_t pid = start(port, url, "--pool=1", "--rent-timeout-ms=1500");
	get(port, "/select42", &r);
	if (expect_ok)
		CHECK(r.status == 200 && !strcmp(r.body, "db=42"), "login as %s: %d '%s'", user, r.status, r.body);
	else
		CHECK(r.status == 503, "wrong password for %s answered %d", user, r.status);
	CHECK(server_stop(pid) == 0, "server exit");
}

static void case_auth(void)
{
	check_auth("bench", NULL, true);
	check_auth("bench_md5", NULL, true);
	check_auth("bench_scram", NULL, true);
	check_auth("bench_md5", "wrong", false);
	check_auth("bench_scram", "wrong", false);
}

struct load {
	int port;
	atomic_bool stop;	/* volatile is not enough: ThreadSanitizer calls that a data race, rightly */
	int ok, failed;
};

static void *load_main(void *arg)
{
	struct load *l = arg;
	while (!l->stop) {
		struct resp r;
		char req[] = "GET /db HTTP/1.1\r\n\r\n";
		if (one_request(l->port, req, &r) == 0 && r.status == 200)
			l->ok++;
		else
			l->failed++;
		usleep(2000);
	}
	return NULL;
}

/* Restart Postgres under load: the server heals by itself. Own cluster. */
static void case_restart(int port)
{
	pthread_t t;
	struct load l = { .port = port };
	struct resp r;
	wait_backends(4);
	pthread_create(&t, NULL, load_main, &l);
	usleep(300000);
	CHECK(rs_pgctl_restart() == 0, "pg restart");
	int after = 0;
	for (int i = 0; i < 100 && after < 20; i++) {
		get(port, "/db", &r);
		after = r.status == 200 ? after + 1 : 0;
		usleep(50000);
	}
	l.stop = true;
	pthread_join(t, NULL);
	printf("during the restart: %d ok, %d failed\n", l.ok, l.failed);
	CHECK(after >= 20, "server did not heal after the Postgres restart");
	wait_backends(4);
}

static bool port_open(int port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * --pg-mode=shared needs a driver that pipelines (libpq-blocking does not):
 * the server refuses it at start-up, exit 2 before it listens. Start one
 * and see which happens first.
 */
static bool shared_mode_refused(void)
{
	char eng[64], prt[32];
	int port = free_port();
	snprintf(eng, sizeof(eng), "--engine=%s", g_engine);
	snprintf(prt, sizeof(prt), "--port=%d", port);
	/* A URL nobody answers: no backend of ours shows up in the counts. */
	char *const argv[] = { (char *)g_server, eng, prt, "--pg=postgresql://probe@127.0.0.1:1/probe",
			       "--pg-mode=shared", "--pool=1", NULL };
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDERR_FILENO);
		execv(g_server, argv);
		_exit(127);
	}
	int status;
	for (int i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 2;
		if (port_open(port))
			break;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return false;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		die("usage: %s SERVER ENGINE MODE CASE", argv[0]);
	g_server = argv[1];
	g_engine = argv[2];
	g_mode = argv[3];
	const char *c = argv[4];
	snprintf(g_app, sizeof(g_app), "rs-test-%d", (int)getpid());
	char base[512];
	int err = rs_pgctl_ensure_started(base, sizeof(base));
	CHECK(!err, "cannot start the private PostgreSQL: %s", strerror(-err));
	snprintf(g_url, sizeof(g_url), "%s?application_name=%s", base, g_app);
	if (!strcmp(c, "shared-refused")) {
		CHECK(shared_mode_refused(), "%s: --pg-mode=shared was not refused at start-up", g_engine);
		return 0;
	}

	if (!strcmp(c, "auth")) {
		case_auth();
		return 0;
	}
	static const struct {
		const char *name;
		void (*fn)(int port);
		const char *a, *b;
	} cases[] = {
		{ "workloads", case_workloads, "--pool=4", NULL },
		{ "error", case_error, "--pool=1", NULL },
		{ "queueing", case_queueing, "--pool=2", NULL },
		{ "rent-timeout", case_rent_timeout, "--pool=1", "--rent-timeout-ms=300" },
		{ "terminate", case_terminate, "--pool=3", "--cores=2" },
		{ "timeout", case_timeout, "--pool=1", "--pg-timeout-ms=300" },
		{ "restart", case_restart, "--pool=4", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(c, cases[i].name))
			continue;
		int port = free_port();
		pid_t pid = start(port, g_url, cases[i].a, cases[i].b);
		cases[i].fn(port);
		CHECK(server_stop(pid) == 0, "server did not exit 0");
		wait_backends(0);
		return 0;
	}
	die("unknown case %s", c);
}
