/* test_db.c - the SQL workloads, pool and driver against the project's own PostgreSQL, per engine and pool mode. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "pgctl.h"

static const char *g_server, *g_engine, *g_mode;
static const char *g_flag; /* one more server flag (e.g. --uring-with=link), or NULL */
static char g_url[600];
static char g_app[64];
static pid_t g_pid; /* the case's server */

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
	/* NULL ends the list: put only the flags given. */
	const char *flags[] = { g_flag, extra1, extra2 };
	const char *extra[2 + 3 + 1] = { pg, mode }, **e = extra + 2;
	for (size_t i = 0; i < 3; i++)
		if (flags[i])
			*e++ = flags[i];
	*e = NULL;
	return server_start(g_server, g_engine, port, extra);
}

static void get(int port, const char *path, struct resp *r)
{
	char req[512];
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
	REQUIRE(one_request(port, req, r) == 0, "no answer to %s", path);
}

/* Backends of this test's server, told apart by application_name. */
static int backends(void)
{
	char sql[256], out[64];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'", g_app);
	REQUIRE(rs_pgctl_admin_query(sql, out, sizeof(out)) == 0, "admin query failed");
	return atoi(out);
}

static void wait_backends(int want)
{
	for (int i = 0; i < 200 && backends() != want; i++)
		usleep(50000);
	REQUIRE(backends() == want, "pg_stat_activity shows %d connections, want %d", backends(), want);
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
	REQUIRE(r.status == 200 && !strcmp(r.body, "db=42"), "/select42: %d '%s'", r.status, r.body);
	get(port, "/db", &r);
	int id, num;
	REQUIRE(r.status == 200 && sscanf(r.body, "{\"id\":%d,\"randomNumber\":%d}", &id, &num) == 2 &&
		      id >= 1 && id <= 10000 && num >= 1 && num <= 10000, "/db: %d '%s'", r.status, r.body);
	static const struct { const char *q; int n; } clamp[] = {
		{ "/queries", 1 }, { "/queries?queries=", 1 }, { "/queries?queries=abc", 1 },
		{ "/queries?queries=0", 1 }, { "/queries?queries=-3", 1 }, { "/queries?queries=20", 20 },
		{ "/queries?queries=501", 500 }, { "/queries?queries=99999999999", 500 },
		{ "/queries?queries=%32%30", 20 }, { "/queries?queries=%3", 1 },
	};
	for (size_t i = 0; i < sizeof(clamp) / sizeof(clamp[0]); i++) {
		get(port, clamp[i].q, &r);
		REQUIRE(r.status == 200 && r.body[0] == '[' && count_char(r.body, '{') == clamp[i].n,
		      "%s: status %d, %d rows, want %d", clamp[i].q, r.status, count_char(r.body, '{'), clamp[i].n);
	}
	get(port, "/fortunes", &r);
	char ct[128];
	REQUIRE(r.status == 200 && resp_header(&r, "Content-Type", ct, sizeof(ct)) &&
		      !strcmp(ct, "text/html; charset=utf-8"), "/fortunes: %d %s", r.status, ct);
	REQUIRE(count_char(r.body, '\n') == 0 && strstr(r.body, "<td>0</td><td>Additional fortune added at request time.</td>") &&
		      strstr(r.body, "&lt;script&gt;alert(&quot;This should not be displayed") &&
		      strstr(r.body, "フレームワークのベンチマーク"), "/fortunes body wrong: %s", r.body);
	/* 12 rows from the table plus the one added at request time, sorted: the
	 * escaped <script> one sorts first, the Japanese one last. */
	int rows = 0;
	for (const char *p = r.body; (p = strstr(p, "<tr><td>")); p++)
		rows++;
	REQUIRE(rows == 13, "/fortunes has %d rows, want 13", rows);
	const char *first = strstr(r.body, "<td>11</td>"), *last = strstr(r.body, "<td>12</td>");
	REQUIRE(first && last && first < strstr(r.body, "<td>0</td>") && strstr(r.body, "<td>0</td>") < last,
	      "fortunes not sorted by message");
	/* /updates writes back what it answers. */
	get(port, "/updates?queries=5", &r);
	REQUIRE(r.status == 200 && count_char(r.body, '{') == 5, "/updates: %d '%s'", r.status, r.body);
	REQUIRE(sscanf(r.body, "[{\"id\":%d,\"randomNumber\":%d}", &id, &num) == 2, "/updates body");
	snprintf(sql, sizeof(sql), "SELECT randomnumber FROM world WHERE id = %d", id);
	REQUIRE(rs_pgctl_admin_query(sql, out, sizeof(out)) == 0, "admin query");
	/* Another test may update the same row meanwhile: only a mismatch with
	 * a number that was never written here would be a failure; 1/10000. */
	REQUIRE(atoi(out) >= 1 && atoi(out) <= 10000, "world row %d holds %s", id, out);
	/* Bad input. */
	get(port, "/sleep?ms=abc", &r);
	REQUIRE(r.status == 400, "/sleep?ms=abc: %d", r.status);
	get(port, "/sleep?ms=10001", &r);
	REQUIRE(r.status == 400, "/sleep?ms=10001: %d", r.status);
	get(port, "/sleep?ms=10", &r);
	REQUIRE(r.status == 200 && !strcmp(r.body, "slept=10"), "/sleep?ms=10: %d '%s'", r.status, r.body);
}

/* /error answers 500 with the SQLSTATE, and the connection is still good. */
static void case_error(int port)
{
	struct resp r;
	for (int i = 0; i < 5; i++) {
		get(port, "/error", &r);
		REQUIRE(r.status == 500 && strstr(r.body, "22012"), "/error: %d '%s'", r.status, r.body);
		get(port, "/select42", &r);
		REQUIRE(r.status == 200 && !strcmp(r.body, "db=42"), "after /error: %d '%s'", r.status, r.body);
	}
	wait_backends(1); /* --pool=1: the one connection survived every error */
}

/* Eight clients at once on one pool connection, each alternating /error and /select42:
 * failing and good queries share the connection (in shared mode its pipeline, with
 * --pg-sync=batch its batches); every answer is its own. */
struct mixer {
	int port, first, bad;
};

static void *mixer_main(void *arg)
{
	struct mixer *m = arg;
	struct resp r;
	for (int i = 0; i < 40 && !m->bad; i++) {
		bool err = (i + m->first) % 2;
		get(m->port, err ? "/error" : "/select42", &r);
		if (err ? r.status != 500 || !strstr(r.body, "22012") : r.status != 200 || strcmp(r.body, "db=42")) {
			fprintf(stderr, "%s answered %d '%s'\n", err ? "/error" : "/select42", r.status, r.body);
			m->bad = 1;
		}
	}
	return NULL;
}

static void case_error_mixed(int port)
{
	pthread_t t[8];
	struct mixer m[8];
	wait_backends(1);
	for (int i = 0; i < 8; i++) {
		m[i] = (struct mixer){ .port = port, .first = i % 2 };
		pthread_create(&t[i], NULL, mixer_main, &m[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		REQUIRE(!m[i].bad, "client %d got a wrong answer (above)", i);
	}
	wait_backends(1); /* the one connection survived every error */
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
		REQUIRE(s[i].status == 200, "sleep %d answered %d", i, s[i].status);
	}
	double took = now_s() - t0;
	printf("8 x 200 ms sleeps over pool 2 took %.0f ms\n", took * 1000);
	if (!strcmp(g_mode, "exclusive"))
		REQUIRE(took >= 0.78, "8 sleeps on 2 connections finished in %.0f ms: not queued", took * 1000);
	else /* shared: pipelined on the 2 connections, still serialised per backend */
		REQUIRE(took >= 0.78, "8 sleeps pipelined on 2 backends finished in %.0f ms", took * 1000);
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
		REQUIRE(r.status == 503 && strstr(r.body, "timed out"), "queued rent: %d '%s'", r.status, r.body);
	else /* shared mode does not wait for a connection: it pipelines */
		REQUIRE(r.status == 200, "pipelined query: %d '%s'", r.status, r.body);
	REQUIRE(s.status == 200, "the sleep itself: %d", s.status);
}

/* /sleep?ms=ms on a pool of one is cancelled (500, 57014) well before its
 * end, and the same connection serves the next request. */
static void expect_cancelled(int port, int ms)
{
	struct resp r;
	char path[64];
	snprintf(path, sizeof(path), "/sleep?ms=%d", ms);
	double t0 = now_s();
	get(port, path, &r);
	double took = now_s() - t0;
	REQUIRE(r.status == 500 && strstr(r.body, "57014"), "%s over the timeout: %d '%s'", path, r.status, r.body);
	REQUIRE(took < ms / 1000.0 - 0.1, "the cancel took %.1f s: the statement ran to its end", took);
	get(port, "/select42", &r);
	REQUIRE(r.status == 200, "after the cancel: %d '%s'", r.status, r.body);
	wait_backends(1);
}

/* --pg-timeout-ms: a long query is cancelled (57014), the connection stays. */
static void case_timeout(int port)
{
	wait_backends(1);
	expect_cancelled(port, 5000);
}

struct prober {
	int port;
	const char *path;
	int n, not_ok;
	int status;
	char body[256];
};

static void *prober_main(void *arg)
{
	struct prober *p = arg;
	for (int i = 0; i < p->n; i++) {
		struct resp r;
		get(p->port, p->path, &r);
		if (r.status != 200 && !p->not_ok++) {
			p->status = r.status;
			snprintf(p->body, sizeof(p->body), "%.200s", r.body);
		}
	}
	return NULL;
}

/*
 * --pg-timeout-ms=150 times each statement from its own send (or from when
 * it reached the head of a shared connection's queue), not from the rent:
 * 12 concurrent 20 ms sleeps on one connection (240 ms of queue) and
 * requests of 500 queries or 1000 statements (/updates) are never cancelled; a 3 s sleep is, with 57014, and
 * the same connection serves the next request.
 */
static void case_stmt_timeout(int port)
{
	pthread_t t[16];
	struct prober p[16];
	wait_backends(1);
	for (int i = 0; i < 16; i++) {
		p[i] = (struct prober){ .port = port, .n = 3,
			.path = i % 4 ? "/sleep?ms=20" : i % 8 ? "/queries?queries=500" : "/updates?queries=500" };
		pthread_create(&t[i], NULL, prober_main, &p[i]);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		REQUIRE(!p[i].not_ok, "%s: %d of %d answers were not 200 (first: %d '%s')", p[i].path, p[i].not_ok, p[i].n,
		      p[i].status, p[i].body);
	}
	expect_cancelled(port, 3000);
}

/* Our backends running pg_sleep now. */
static int sleeping(void)
{
	char sql[300], out[64];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s' "
		 "AND state = 'active' AND query LIKE '%%pg_sleep%%'", g_app);
	REQUIRE(rs_pgctl_admin_query(sql, out, sizeof(out)) == 0, "admin query failed");
	return atoi(out);
}

/*
 * Three clients ask for 10 s sleeps on a pool of one and go away while the
 * first runs (the first closes, the others reset): the running statement
 * is cancelled and the queued ones are not left to run, within 8 s (not
 * 30); the one connection then serves the next request.
 */
static void case_reset_cancel(int port)
{
	static const char req[] = "GET /sleep?ms=10000 HTTP/1.1\r\nHost: t\r\n\r\n";
	int fds[3];
	wait_backends(1);
	for (int i = 0; i < 3; i++) {
		fds[i] = tcp_connect(port);
		send_all(fds[i], req, strlen(req));
	}
	for (int i = 0; i < 200 && !sleeping(); i++)
		usleep(50000);
	REQUIRE(sleeping() == 1, "the first sleep never started");
	double t0 = now_s();
	for (int i = 0; i < 3; i++) { /* linger 0: close sends a reset */
		struct linger l = { .l_onoff = 1, .l_linger = 0 };
		if (i)
			setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fds[i]);
	}
	/* Each may start before its client's reset is seen; none may run on. */
	int quiet = 0;
	while (now_s() - t0 < 8 && quiet < 10) {
		quiet = sleeping() ? 0 : quiet + 1;
		usleep(50000);
	}
	printf("reset clients' statements gone after %.2f s\n", now_s() - t0);
	REQUIRE(quiet >= 10, "a reset client's statement still runs %.1f s after the reset", now_s() - t0);
	struct resp r;
	get(port, "/select42", &r);
	REQUIRE(r.status == 200, "after the resets: %d '%s'", r.status, r.body);
	wait_backends(1);
}

/* ---- a TCP forwarder to the private Postgres, to make it reachable on cue ---- */

static bool write_all(int fd, const char *p, ssize_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, (size_t)n, MSG_NOSIGNAL);
		if (k <= 0)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* Copy both ways between fds[0] and fds[1] until either side closes. */
static void *pump_main(void *arg)
{
	int *fds = arg;
	char buf[16384];
	struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };
	bool open = true;
	while (open && poll(p, 2, -1) > 0)
		for (int i = 0; i < 2 && open; i++) {
			if (!p[i].revents)
				continue;
			ssize_t n = recv(p[i].fd, buf, sizeof(buf), 0);
			open = n > 0 && write_all(p[1 - i].fd, buf, n);
		}
	close(fds[0]);
	close(fds[1]);
	free(fds);
	return NULL;
}

struct forwarder {
	int lfd, to_port;
};

static void *forwarder_main(void *arg)
{
	struct forwarder *f = arg;
	int c;
	while ((c = accept(f->lfd, NULL, NULL)) >= 0) {
		int *fds = malloc(2 * sizeof(int));
		REQUIRE(fds, "out of memory");
		fds[0] = c;
		fds[1] = tcp_connect(f->to_port);
		pthread_t t;
		pthread_create(&t, NULL, pump_main, fds);
		pthread_detach(t);
	}
	return NULL;
}

static void forward(struct forwarder *f, int from_port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)from_port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	REQUIRE(f->lfd >= 0 && !bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) && !listen(f->lfd, 64),
	      "forwarder on port %d: %s", from_port, strerror(errno));
	pthread_t t;
	pthread_create(&t, NULL, forwarder_main, f);
	pthread_detach(t);
}

/*
 * The database is unreachable (nothing listens where --pg points): once a
 * connect has failed, every request gets 503 with the cause at once, not
 * after --rent-timeout-ms=20000. When it becomes reachable (a forwarder to
 * the private Postgres starts listening there), requests are served again.
 */
static void case_unreachable(void)
{
	char url[600], *host = strstr(g_url, "@127.0.0.1:");
	REQUIRE(host, "the private cluster's URL is not on 127.0.0.1: %s", g_url);
	int pg_port = atoi(host + 11), fwd_port = free_port();
	const char *rest = strchr(host + 11, '/');
	snprintf(url, sizeof(url), "%.*s@127.0.0.1:%d%s", (int)(host - g_url), g_url, fwd_port, rest ? rest : "");
	int port = free_port();
	pid_t pid = start(port, url, "--pool=2", "--rent-timeout-ms=20000");
	struct resp r;
	/* The first connects are under way when the server starts accepting. */
	bool down = false;
	for (int i = 0; i < 100 && !down; i++) {
		get(port, "/select42", &r);
		down = r.status == 503 && strstr(r.body, "database unreachable: ");
		if (!down)
			usleep(100000);
	}
	REQUIRE(down, "no 'database unreachable' 503 while nothing listens: %d '%s'", r.status, r.body);
	for (int i = 0; i < 5; i++) {
		double t0 = now_s();
		get(port, "/db", &r);
		double took = now_s() - t0;
		REQUIRE(r.status == 503 && strstr(r.body, "database unreachable: ") && strstr(r.body, "refused"),
		      "database unreachable: %d '%s'", r.status, r.body);
		REQUIRE(took < 3, "the 503 took %.1f s: it waited for a connection", took);
		if (!i)
			printf("while unreachable: %.0f ms: %s", took * 1000, r.body);
	}
	struct forwarder f = { .to_port = pg_port };
	forward(&f, fwd_port);
	bool back = false;
	for (int i = 0; i < 300 && !back; i++) {
		get(port, "/select42", &r);
		back = r.status == 200;
		if (!back)
			usleep(100000);
	}
	REQUIRE(back, "not served again 30 s after the database became reachable: %d '%s'", r.status, r.body);
	wait_backends(2);
	REQUIRE(server_stop(pid) == 0, "server did not exit 0");
	wait_backends(0);
}

/* pg_terminate_backend on the pool: requests keep working, the pool refills. */
static void case_terminate(int port)
{
	char sql[256];
	struct resp r;
	wait_backends(6); /* --cores=2 --pool=3 */
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'",
		 g_app);
	REQUIRE(rs_pgctl_admin_sql(sql) == 0, "terminate");
	int ok = 0;
	for (int i = 0; i < 50; i++) {
		get(port, "/select42", &r);
		ok += r.status == 200;
		if (r.status != 200)
			fprintf(stderr, "after terminate: %d %s", r.status, r.body);
	}
	REQUIRE(ok >= 45, "only %d of 50 requests after pg_terminate_backend succeeded", ok);
	wait_backends(6);
	get(port, "/db", &r);
	REQUIRE(r.status == 200, "after refill: %d", r.status);
}

/* pg_terminate_backend while nobody uses the pool: the pool notices by itself
 * (not at the next request) and every request afterwards succeeds. */
static void case_terminate_idle(int port)
{
	char sql[256];
	struct resp r;
	wait_backends(6); /* --cores=2 --pool=3 */
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'",
		 g_app);
	char since[64], out[64];
	REQUIRE(rs_pgctl_admin_query("SELECT now()", since, sizeof(since)) == 0, "now()");
	REQUIRE(rs_pgctl_admin_sql(sql) == 0, "terminate");
	/* Six backends started after the terminate: all replaced, none by a request. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s' AND backend_start > '%s'",
		 g_app, since);
	int fresh = 0;
	for (int i = 0; i < 200 && fresh != 6; i++) {
		REQUIRE(rs_pgctl_admin_query(sql, out, sizeof(out)) == 0, "admin query failed");
		fresh = atoi(out);
		if (fresh != 6)
			usleep(50000);
	}
	REQUIRE(fresh == 6, "%d of 6 pool connections replaced while idle", fresh);
	wait_backends(6);
	for (int i = 0; i < 20; i++) {
		get(port, "/select42", &r);
		REQUIRE(r.status == 200, "request %d after the idle pool was terminated: %d %s", i, r.status, r.body);
	}
}

static void check_auth(const char *user, const char *password, bool expect_ok)
{
	char url[600], *at;
	struct resp r;
	REQUIRE(rs_pgctl_url(user, url, sizeof(url)) == 0, "url for %s", user);
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
		REQUIRE(r.status == 200 && !strcmp(r.body, "db=42"), "login as %s: %d '%s'", user, r.status, r.body);
	else
		REQUIRE(r.status == 503, "wrong password for %s answered %d", user, r.status);
	REQUIRE(server_stop(pid) == 0, "server exit");
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
		char req[] = "GET /db HTTP/1.1\r\nHost: t\r\n\r\n";
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
	REQUIRE(rs_pgctl_restart() == 0, "pg restart");
	int after = 0;
	for (int i = 0; i < 100 && after < 20; i++) {
		get(port, "/db", &r);
		after = r.status == 200 ? after + 1 : 0;
		usleep(50000);
	}
	l.stop = true;
	pthread_join(t, NULL);
	printf("during the restart: %d ok, %d failed\n", l.ok, l.failed);
	REQUIRE(after >= 20, "server did not heal after the Postgres restart");
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
	REQUIRE(pid >= 0, "fork");
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

/* Sockets in the server's io_uring file table (its fdinfo lists each registered file), -1 if it has no ring. */
static int ring_sockets(pid_t pid)
{
	char path[128], line[512];
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		bool ring = false;
		int n = 0;
		while (fgets(line, sizeof(line), f)) {
			ring |= !strncmp(line, "UserFiles:", 10);
			n += ring && strstr(line, "socket:") != NULL;
		}
		fclose(f);
		if (ring)
			return n;
	}
	return -1;
}

/* uring: the pool's Postgres sockets are registered in the ring's file table
 * (no reference taken on the process's file table per op), or not with
 * --uring-no=clientfixed; the answers are the same either way. */
static void case_registered(int port)
{
	bool off = g_flag && strstr(g_flag, "clientfixed");
	struct resp r;
	for (int i = 0; i < 8; i++) {
		get(port, "/select42", &r);
		REQUIRE(r.status == 200, "/select42 answered %d", r.status);
	}
	wait_backends(4);
	/* Our HTTP connections have closed: their direct descriptors leave the table. */
	int n = -1;
	for (int i = 0; i < 100 && (n = ring_sockets(g_pid)) != (off ? 0 : 4); i++)
		usleep(20000);
	REQUIRE(n == (off ? 0 : 4), "%d sockets in the ring's file table with the pool's 4 connections open, want %d%s", n,
		off ? 0 : 4, off ? " (--uring-no=clientfixed)" : "");
}

/* The restart case's cluster is shared by every preset's restart test of one
 * pool mode: one restarting it while another waits for its backends failed
 * the other's admin query. Held until exit: the cluster is ours alone. */
static void own_restart_cluster(void)
{
	const char *dir = getenv("RINGSIDE_PG_DIR");
	if (!dir || !*dir)
		return;
	char path[600];
	snprintf(path, sizeof(path), "%s.restart-lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	REQUIRE(fd >= 0, "cannot open %s: %s", path, strerror(errno));
	REQUIRE(flock(fd, LOCK_EX) == 0, "cannot lock %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc < 5)
		die("usage: %s SERVER ENGINE MODE CASE [SERVER-FLAG]", argv[0]);
	g_flag = argc > 5 ? argv[5] : NULL;
	g_server = argv[1];
	g_engine = argv[2];
	g_mode = argv[3];
	const char *c = argv[4];
	snprintf(g_app, sizeof(g_app), "rs-test-%d", (int)getpid());
	if (!strcmp(c, "restart"))
		own_restart_cluster();
	char base[512];
	int err = rs_pgctl_ensure_started(base, sizeof(base));
	REQUIRE(!err, "cannot start the private PostgreSQL: %s", strerror(-err));
	snprintf(g_url, sizeof(g_url), "%s?application_name=%s", base, g_app);
	if (!strcmp(c, "shared-refused")) {
		REQUIRE(shared_mode_refused(), "%s: --pg-mode=shared was not refused at start-up", g_engine);
		return 0;
	}

	if (!strcmp(c, "auth")) {
		case_auth();
		return 0;
	}
	if (!strcmp(c, "unreachable")) {
		case_unreachable();
		return 0;
	}
	static const struct {
		const char *name;
		void (*fn)(int port);
		const char *a, *b;
	} cases[] = {
		{ "workloads", case_workloads, "--pool=4", NULL },
		{ "error", case_error, "--pool=1", NULL },
		{ "error-mixed", case_error_mixed, "--pool=1", NULL },
		{ "queueing", case_queueing, "--pool=2", NULL },
		{ "rent-timeout", case_rent_timeout, "--pool=1", "--rent-timeout-ms=300" },
		{ "terminate", case_terminate, "--pool=3", "--cores=2" },
		{ "terminate-idle", case_terminate_idle, "--pool=3", "--cores=2" },
		{ "timeout", case_timeout, "--pool=1", "--pg-timeout-ms=300" },
		{ "restart", case_restart, "--pool=4", NULL },
		{ "stmt-timeout", case_stmt_timeout, "--pool=1", "--pg-timeout-ms=150" },
		{ "reset-cancel", case_reset_cancel, "--pool=1", NULL },
		{ "registered", case_registered, "--pool=4", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(c, cases[i].name))
			continue;
		int port = free_port();
		pid_t pid = start(port, g_url, cases[i].a, cases[i].b);
		g_pid = pid;
		cases[i].fn(port);
		REQUIRE(server_stop(pid) == 0, "server did not exit 0");
		wait_backends(0);
		return 0;
	}
	die("unknown case %s", c);
}
