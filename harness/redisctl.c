/* redisctl.c - the private redis-server: config, start, PING, stop, for runs and the test suite. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "opts.h"
#include "pgctl.h"
#include "port.h"
#include "redisctl.h"
#include "rs_config.h"
#include "run.h"

#define WAIT_MS 5000

static void rc_path(char *buf, size_t size, const char *file)
{
	const char *dir = getenv("RINGSIDE_REDIS_DIR");
	if (!dir || !*dir)
		dir = RS_BUILD_ROOT "/redis";
	snprintf(buf, size, "%s%s%s", dir, file ? "/" : "", file ? file : "");
}

static long read_long(const char *file)
{
	char path[4200], buf[32] = "";
	rc_path(path, sizeof(path), file);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long v = fgets(buf, sizeof(buf), f) ? strtol(buf, NULL, 10) : -1;
	fclose(f);
	return v;
}

/* PING over the Unix socket within ms: true when +PONG comes back. */
static bool ping(int ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[4200], buf[64];
	rc_path(path, sizeof(path), "redis.sock");
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = false;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && write(fd, "PING\r\n", 6) == 6 && poll(&p, 1, ms) == 1) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		ok = n >= 5 && !memcmp(buf, "+PONG", 5);
	}
	close(fd);
	return ok;
}

static pid_t running_pid(void)
{
	long pid = read_long("redis.pid");
	return pid > 0 && !kill((pid_t)pid, 0) ? (pid_t)pid : 0;
}

pid_t rs_redisctl_pid(void)
{
	return running_pid();
}

int rs_redisctl_url(char *url, size_t size)
{
	long port = read_long("port");
	if (!running_pid() || port <= 0 || !ping(1000))
		return -ESRCH;
	snprintf(url, size, "redis://127.0.0.1:%ld", port);
	return 0;
}

static int write_conf(int port)
{
	char path[4200], dir[4096];
	rc_path(dir, sizeof(dir), NULL);
	rc_path(path, sizeof(path), "redis.conf");
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	/* Loopback and the socket only; an RDB written at shutdown, so a restart keeps the loaded keys. */
	fprintf(f, "bind 127.0.0.1\nport %d\nunixsocket %s/redis.sock\nunixsocketperm 700\ndir %s\n"
		   "pidfile %s/redis.pid\nlogfile %s/redis.log\ndaemonize yes\nsave 3600 1\nappendonly no\n"
		   "protected-mode yes\n", port, dir, dir, dir, dir);
	if (fclose(f))
		return -errno;
	rc_path(path, sizeof(path), "port");
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", port);
	return fclose(f) ? -errno : 0;
}

static void log_tail(void)
{
	char path[4200], line[512];
	rc_path(path, sizeof(path), "redis.log");
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char last[5][512] = { "" };
	int n = 0;
	while (fgets(line, sizeof(line), f))
		snprintf(last[n++ % 5], sizeof(last[0]), "%s", line);
	fclose(f);
	for (int i = n > 5 ? n - 5 : 0; i < n; i++)
		fprintf(stderr, "  %s", last[i % 5]);
}

/* True when redis-server's log says it could not listen: the port was taken between
 * the check and its bind, and a new one is worth a try. */
static bool log_says_port_taken(void)
{
	char path[4200], line[512];
	bool taken = false;
	rc_path(path, sizeof(path), "redis.log");
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	while (!taken && fgets(line, sizeof(line), f))
		taken = strstr(line, "Failed listening on port") != NULL;
	fclose(f);
	return taken;
}

/* One redis-server on port: 0 once it answers PING, -EADDRINUSE when it could not
 * listen, another negative errno when it failed otherwise (said). */
static int start_on(int port, char *url, size_t size)
{
	char dir[4096], conf[4200], log[4200];
	rc_path(dir, sizeof(dir), NULL);
	int err = write_conf(port);
	if (err) {
		fprintf(stderr, "ringside: redis: cannot prepare %s: %s\n", dir, strerror(-err));
		return err;
	}
	/* A fresh log per start: the port check below reads only this start's lines. */
	rc_path(log, sizeof(log), "redis.log");
	unlink(log);
	rc_path(conf, sizeof(conf), "redis.conf");
	pid_t pid = fork();
	if (pid == 0) {
		execlp("redis-server", "redis-server", conf, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "ringside: redis: redis-server %s failed (%s); install the Debian package "
				"redis-server\n", conf, WIFEXITED(st) && WEXITSTATUS(st) == 127 ? "not found" : "exit");
		log_tail();
		return -ENOENT;
	}
	for (int waited = 0; waited < WAIT_MS; waited += 50) {
		if (!rs_redisctl_url(url, size))
			return 0;
		if (log_says_port_taken())
			return -EADDRINUSE;
		usleep(50000);
	}
	fprintf(stderr, "ringside: redis: redis-server did not answer PING within %d s; its log:\n", WAIT_MS / 1000);
	log_tail();
	return -ETIMEDOUT;
}

int rs_redisctl_start(char *url, size_t size)
{
	char dir[4096];
	if (!rs_redisctl_url(url, size))
		return 0;
	rc_path(dir, sizeof(dir), NULL);
	int err = rs_mkdir_p(dir);
	if (err) {
		fprintf(stderr, "ringside: redis: cannot create %s: %s\n", dir, strerror(-err));
		return err;
	}
	/* The recorded port when it is still free, so URLs stay put across restarts. */
	long old = read_long("port");
	int port = old > 0 && old < 65536 && rs_port_bindable((int)old) == 1 ? (int)old : 0;
	for (int attempt = 0; attempt < 4; attempt++) {
		if (!port)
			port = rs_port_free();
		if (port < 0) {
			fprintf(stderr, "ringside: redis: no free port on 127.0.0.1: %s\n", strerror(-port));
			return port;
		}
		err = start_on(port, url, size);
		if (err != -EADDRINUSE)
			return err;
		fprintf(stderr, "ringside: redis: port %d was taken before redis-server bound it; trying another\n", port);
		port = 0;
	}
	fprintf(stderr, "ringside: redis: four ports in a row were taken before redis-server bound them; its log:\n");
	log_tail();
	return -EADDRINUSE;
}

int rs_redisctl_stop(void)
{
	pid_t pid = running_pid();
	if (!pid)
		return 0;
	kill(pid, SIGTERM);
	for (int waited = 0; waited < WAIT_MS; waited += 50) {
		if (kill(pid, 0))
			return 0;
		usleep(50000);
	}
	fprintf(stderr, "ringside: redis: pid %d ignored SIGTERM for %d s; killing it\n", (int)pid, WAIT_MS / 1000);
	kill(pid, SIGKILL);
	return 0;
}

/* `redis load [--redis=URL] [--pg=URL|--no-pg]`: the private ones by default. */
static int redis_load_cmd(int argc, char **argv)
{
	const char *redis = NULL, *pg = NULL;
	bool no_pg = false;
	char rurl[256], purl[1024];
	const struct rs_opt opts[] = {
		{ "redis", RS_OPT_STR, &redis, .help = "Redis URL (default: the private redis-server, started)" },
		{ "pg", RS_OPT_STR, &pg, .help = "PostgreSQL URL for the World rows (default: the private cluster)" },
		{ "no-pg", RS_OPT_BOOL, &no_pg, .help = "only the 10,000 keys of /redis-get" },
		{ NULL },
	};
	int err = rs_opts_parse("harness redis load", opts, argc, argv, 2, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	if (!redis && rs_redisctl_start(rurl, sizeof(rurl)))
		return 1;
	if (!pg && !no_pg && !(pg = getenv("RINGSIDE_PG_URL"))) {
		if (rs_pgctl_ensure_started(purl, sizeof(purl)))
			return 1;
		pg = purl;
	}
	return rs_redis_load(redis ? redis : rurl, no_pg ? NULL : pg) ? 1 : 0;
}

int rs_redisctl_main(int argc, char **argv)
{
	char url[256];
	const char *cmd = argc >= 2 ? argv[1] : "";
	if (!strcmp(cmd, "start") || !strcmp(cmd, "restart")) {
		if (!strcmp(cmd, "restart"))
			rs_redisctl_stop();
		if (rs_redisctl_start(url, sizeof(url)))
			return 1;
		printf("%s\n", url);
		return 0;
	}
	if (!strcmp(cmd, "load"))
		return redis_load_cmd(argc, argv);
	if (!strcmp(cmd, "stop"))
		return rs_redisctl_stop() ? 1 : 0;
	if (!strcmp(cmd, "status") || !strcmp(cmd, "url")) {
		char dir[4096];
		rc_path(dir, sizeof(dir), NULL);
		if (rs_redisctl_url(url, sizeof(url))) {
			fprintf(stderr, "ringside: redis: not running (directory %s); `harness redis start`\n", dir);
			return 3;
		}
		if (!strcmp(cmd, "url"))
			printf("%s\n", url);
		else
			printf("running: %s, unix socket %s/redis.sock, pid %d\n", url, dir, (int)running_pid());
		return 0;
	}
	fprintf(stderr, "usage: harness redis start|stop|restart|status|url|load\n"
			"  the private redis-server under $RINGSIDE_REDIS_DIR or build/redis (127.0.0.1 and a Unix socket)\n");
	return !strcmp(cmd, "--help") ? 0 : 2;
}
