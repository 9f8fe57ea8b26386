/* test_redis_wl.c - /redis-get and /cached-queries on one preset against a private redis-server this test starts and stops. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static const char *g_harness, *g_dir;
static char g_url[256];

static int harness(const char *args, char *out, size_t size)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "RINGSIDE_REDIS_DIR='%s' '%s' %s", g_dir, g_harness, args);
	FILE *p = popen(cmd, "r");
	REQUIRE(p, "popen %s", cmd);
	size_t n = out ? fread(out, 1, size - 1, p) : 0;
	if (out) {
		out[n] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	while (!out && fgetc(p) != EOF)
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* One raw command to Redis over its Unix socket; its reply into buf. */
static void redis_raw(const char *cmd, char *buf, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/redis.sock", g_dir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	REQUIRE(fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa)), "connect to redis.sock: %s", strerror(errno));
	send_all(fd, cmd, strlen(cmd));
	ssize_t n = recv(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void get(int port, const char *target, struct resp *r)
{
	char req[512];
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", target);
	REQUIRE(one_request(port, req, r) == 0, "no answer to %s", target);
}

static void case_get(int port)
{
	struct resp r;
	get(port, "/redis-get?key=key:7", &r);
	REQUIRE(r.status == 200 && !strcmp(r.body, "value-7"), "key:7: %d '%s'", r.status, r.body);
	get(port, "/redis-get?key=nokey", &r);
	REQUIRE(r.status == 404, "a missing key: %d", r.status);
	for (int i = 0; i < 50; i++) {
		int k;
		get(port, "/redis-get", &r);
		REQUIRE(r.status == 200 && sscanf(r.body, "value-%d", &k) == 1 && k >= 1 && k <= 10000,
		      "random key: %d '%s'", r.status, r.body);
	}
}

/* Count World objects in a body and check each is one of the rows. */
static int worlds(const char *body)
{
	int n = 0;
	const char *p = body;
	REQUIRE(*p == '[', "not an array: %.60s", body);
	while ((p = strstr(p, "{\"id\":"))) {
		int id, num;
		REQUIRE(sscanf(p, "{\"id\":%d,\"randomNumber\":%d}", &id, &num) == 2 && id >= 1 && id <= 10000 &&
			      num >= 1 && num <= 10000,
		      "bad World object: %.60s", p);
		n++;
		p++;
	}
	return n;
}

static void case_cached(int port)
{
	static const struct {
		const char *q;
		int n;
	} want[] = { { "count=1", 1 }, { "count=20", 20 }, { "count=500", 500 }, { "count=0", 1 },
		     { "count=abc", 1 }, { "count=501", 500 }, { "", 1 } };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char t[64];
		struct resp r;
		snprintf(t, sizeof(t), "/cached-queries?%s", want[i].q);
		get(port, t, &r);
		REQUIRE(r.status == 200, "%s: status %d '%.80s'", t, r.status, r.body);
		int n = worlds(r.body);
		REQUIRE(n == want[i].n, "%s: %d rows, want %d", t, n, want[i].n);
	}
}

static void case_error(int port)
{
	char buf[256];
	struct resp r;
	redis_raw("RPUSH alist x\r\n", buf, sizeof(buf));
	get(port, "/redis-get?key=alist", &r);
	REQUIRE(r.status == 500 && strstr(r.body, "WRONGTYPE"), "error reply: %d '%s'", r.status, r.body);
	get(port, "/redis-get?key=key:3", &r);
	REQUIRE(r.status == 200 && !strcmp(r.body, "value-3"), "after an error reply: %d '%s'", r.status, r.body);
}

/* Redis drops the server's connections: the next requests are served on new ones. */
static void case_killed(int port)
{
	char buf[256];
	struct resp r;
	for (int i = 0; i < 5; i++)
		get(port, "/redis-get?key=key:1", &r);
	redis_raw("CLIENT KILL TYPE normal\r\n", buf, sizeof(buf));
	REQUIRE(buf[0] == ':' && atoi(buf + 1) >= 1, "CLIENT KILL killed none: %s", buf);
	for (int i = 0; i < 20; i++) {
		get(port, "/redis-get?key=key:2", &r);
		REQUIRE(r.status == 200 && !strcmp(r.body, "value-2"), "request %d after the kill: %d '%s'", i, r.status, r.body);
	}
}

static atomic_bool g_stop;
static atomic_int g_ok_after, g_fail_after;
static atomic_bool g_restarted;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A client thread asking for its own key, so a reply handed to the wrong command shows. */
struct load_arg {
	int port, key;
};

static void *load(void *arg)
{
	const struct load_arg *a = arg;
	char req[128], want[32];
	snprintf(req, sizeof(req), "GET /redis-get?key=key:%d HTTP/1.1\r\nHost: t\r\n\r\n", a->key);
	snprintf(want, sizeof(want), "value-%d", a->key);
	while (!atomic_load(&g_stop)) {
		struct resp r;
		r.status = 0;
		r.body[0] = '\0';
		bool ok = one_request(a->port, req, &r) == 0 && r.status == 200 && !strcmp(r.body, want);
		if (!ok && atomic_load(&g_restarted))
			fprintf(stderr, "after the restart: %d %s\n", r.status, r.body);
		if (atomic_load(&g_restarted))
			atomic_fetch_add(ok ? &g_ok_after : &g_fail_after, 1);
		usleep(2000);
	}
	return NULL;
}

/* `harness redis restart` under load: after it, every request succeeds again. */
static void case_restart(int port)
{
	pthread_t t[4];
	struct load_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i] = (struct load_arg){ port, 9 };
		pthread_create(&t[i], NULL, load, &a[i]);
	}
	usleep(500000);
	char url[256];
	REQUIRE(harness("redis restart", url, sizeof(url)) == 0 && !strcmp(url, g_url), "restart: '%s'", url);
	double t0 = now_s();
	usleep(300000); /* reconnects land */
	atomic_store(&g_restarted, true);
	while (now_s() - t0 < 1.5)
		usleep(50000);
	atomic_store(&g_stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	REQUIRE(atomic_load(&g_ok_after) > 20 && atomic_load(&g_fail_after) == 0,
	      "after the restart: %d ok, %d failed", atomic_load(&g_ok_after), atomic_load(&g_fail_after));
}

/* Clients Redis has now, this query's own connection included. */
static int redis_clients(void)
{
	char buf[4096];
	redis_raw("INFO clients\r\n", buf, sizeof(buf));
	const char *p = strstr(buf, "connected_clients:");
	REQUIRE(p, "INFO clients: no connected_clients in '%.80s'", buf);
	return atoi(p + strlen("connected_clients:"));
}

/* The pool's connections, warmed up before any request and never more under
 * concurrent load (the shared pool, not a connection per request). */
static void pool_under_load(int port, int want)
{
	int n = 0;
	for (int i = 0; i < 200 && (n = redis_clients()) != want + 1; i++)
		usleep(50000);
	REQUIRE(n == want + 1, "Redis has %d clients before any request, want %d pool connections + this one", n, want);
	pthread_t t[8];
	struct load_arg a[8];
	atomic_store(&g_restarted, true); /* count every request */
	for (int i = 0; i < 8; i++) {
		a[i] = (struct load_arg){ port, 100 + i };
		pthread_create(&t[i], NULL, load, &a[i]);
	}
	usleep(300000);
	int during = redis_clients();
	usleep(300000);
	atomic_store(&g_stop, true);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	REQUIRE(during == want + 1, "Redis had %d clients under 8 concurrent clients, want %d + 1", during, want);
	REQUIRE(atomic_load(&g_ok_after) > 20 && atomic_load(&g_fail_after) == 0, "under load: %d ok, %d failed",
	      atomic_load(&g_ok_after), atomic_load(&g_fail_after));
}

/* --redis-pool=3: three connections, one command each at a time. */
static void case_pool(int port)
{
	pool_under_load(port, 3);
}

/* --redis-pool=1 --redis-mode=shared: eight clients' commands pipelined on one connection. */
static void case_pool_shared(int port)
{
	pool_under_load(port, 1);
}

/* A driver that cannot pipeline refuses --redis-mode=shared at start, saying so. */
static int shared_refused(const char *server, const char *engine)
{
	char cmd[1200], out[2048];
	snprintf(cmd, sizeof(cmd), "'%s' --engine=%s --port=%d --redis=%s --redis-mode=shared 2>&1", server, engine,
		 free_port(), g_url);
	FILE *p = popen(cmd, "r");
	REQUIRE(p, "popen %s", cmd);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) != 0, "%s: --redis-mode=shared was not refused", engine);
	REQUIRE(strstr(out, "--redis-mode=shared") && strstr(out, "cannot pipeline"), "%s: refusal says: %s", engine, out);
	return 0;
}

/* A failed CHECK exits: the redis-server this test started must not outlive it. */
static void stop_redis(void)
{
	harness("redis stop", NULL, 0);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(int port);
		bool pg;
	} cases[] = {
		{ "get", case_get, false },       { "cached", case_cached, true },   { "error", case_error, false },
		{ "killed", case_killed, false }, { "restart", case_restart, false }, { "pool", case_pool, false },
		{ "pool-shared", case_pool_shared, false }, { "shared-refused", NULL, false },
	};
	if (argc < 6)
		die("usage: %s HARNESS SERVER ENGINE CASE DIR", argv[0]);
	g_harness = argv[1];
	g_dir = argv[5];
	if (system("command -v redis-server >/dev/null")) {
		printf("skip: no redis-server (Debian package redis-server)\n");
		return 77;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[4], cases[i].name))
			continue;
		char rmcmd[600];
		snprintf(rmcmd, sizeof(rmcmd), "rm -rf '%s'", g_dir);
		REQUIRE(system(rmcmd) == 0, "rm %s", g_dir);
		atexit(stop_redis);
		REQUIRE(harness("redis start", g_url, sizeof(g_url)) == 0, "harness redis start failed");
		if (harness(cases[i].pg ? "redis load" : "redis load --no-pg", NULL, 0)) {
			die("harness redis load failed%s", cases[i].pg ? " (is the private Postgres startable?)" : "");
		}
		char flag[300];
		snprintf(flag, sizeof(flag), "--redis=%s", g_url);
		if (!cases[i].fn) {
			int rc = shared_refused(argv[2], argv[3]);
			stop_redis();
			REQUIRE(system(rmcmd) == 0, "rm %s", g_dir);
			return rc;
		}
		const char *pool = !strcmp(argv[4], "pool") ? "--redis-pool=3" : NULL;
		bool shared = !strcmp(argv[4], "pool-shared");
		const char *extra[] = { flag, "--cores=1", shared ? "--redis-pool=1" : pool, shared ? "--redis-mode=shared" : NULL,
					NULL };
		int port = free_port();
		pid_t pid = server_start(argv[2], argv[3], port, extra);
		cases[i].fn(port);
		int rc = server_stop(pid);
		stop_redis();
		REQUIRE(system(rmcmd) == 0, "rm %s", g_dir);
		REQUIRE(rc == 0, "server exit status %d after the case", rc);
		return 0;
	}
	die("unknown case %s", argv[4]);
}
