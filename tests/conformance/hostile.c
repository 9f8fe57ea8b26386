/* hostile.c - conformance cases for hostile and unusual clients: a pipelining client that never reads, a stalled reader, HEAD and 405, a used port, the default listen address. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static const char GET_PLAIN[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server's resident set in KiB, from /proc. */
static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	REQUIRE(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	REQUIRE(kib > 0, "no VmRSS in %s", path);
	return kib;
}

static void expect_served(int port)
{
	struct resp r;
	REQUIRE(one_request(port, GET_PLAIN, &r) == 0 && r.status == 200,
	      "another client was not served while one never read (status %d)", r.status);
}

/* Bytes of pipelined requests pushed before giving up, and how much the
 * server's RSS may grow meanwhile: without a bound the server takes it all. */
#define PUSH_MAX (256u << 20)
#if defined(__SANITIZE_ADDRESS__)
/* ASan's quarantine and shadow pages grow the server by 8-20 MiB for the same traffic; an unbounded
 * server still takes all of PUSH_MAX (256 MiB), which the pushed check catches. */
#define RSS_SLACK_KIB (32 * 1024)
#else
#define RSS_SLACK_KIB 6144
#endif

/*
 * A client pipelines requests as fast as it can and never reads a
 * response: the server must stop receiving from it (its buffers bounded),
 * so the client's sends block, the server's RSS stays flat and other
 * clients are still served.
 */
/* Pipeline requests on fd, never reading, until the server takes no byte
 * for stall_ms or limit bytes went out (or the server closed); the bytes sent. */
static size_t push_until_blocked(int fd, int stall_ms, size_t limit)
{
	static char chunk[64 * 1024];
	size_t reqlen = strlen(GET_PLAIN), pushed = 0;

	for (size_t i = 0; i + reqlen <= sizeof(chunk); i += reqlen)
		memcpy(chunk + i, GET_PLAIN, reqlen);
	size_t chunk_len = sizeof(chunk) / reqlen * reqlen;
	while (pushed < limit) {
		ssize_t n = send(fd, chunk, chunk_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			pushed += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			break;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, stall_ms) == 0)
			break;
	}
	return pushed;
}

/*
 * A client pipelines requests as fast as it can and never reads a
 * response: the server must stop receiving from it (its buffers bounded),
 * so the client's sends block, the server's RSS stays flat and other
 * clients are still served.
 */
static void case_backlog(int port, pid_t pid)
{
	expect_served(port);
	long before = rss_kib(pid);
	int fd = tcp_connect(port);
	size_t pushed = push_until_blocked(fd, 1000, PUSH_MAX);
	long after = rss_kib(pid);
	printf("backlog: pushed %zu KiB; server RSS %ld KiB before, %ld KiB after\n", pushed >> 10, before, after);
	REQUIRE(pushed < PUSH_MAX, "the server took %u MiB from a client that never reads", PUSH_MAX >> 20);
	REQUIRE(after - before <= RSS_SLACK_KIB, "server RSS grew %ld KiB (from %ld) under a never-reading client",
	      after - before, before);
	expect_served(port);
	close(fd);
}

#define SEND_TIMEOUT_MS 300

/*
 * A client that stops reading while the server has answers to send is
 * closed once a send has made no progress for --send-timeout-ms (the
 * server's close resets us: it had our unread requests), while others
 * are served meanwhile.
 */
static void case_send_timeout(int port, pid_t pid)
{
	(void)pid;
	int fd = tcp_connect(port);
	push_until_blocked(fd, 50, PUSH_MAX);
	long t0 = now_ms();
	expect_served(port);
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	int n = poll(&p, 1, 5000);
	long waited = now_ms() - t0;
	REQUIRE(n == 1 && (p.revents & (POLLERR | POLLHUP | POLLRDHUP)),
	      "a stalled reader still held its connection %ld ms after its sends blocked (send timeout %d ms)",
	      waited, SEND_TIMEOUT_MS);
	printf("send-timeout: closed %ld ms after the client's sends blocked\n", waited);
	expect_served(port);
	close(fd);
}

/* Send req on a fresh connection, read until the peer has sent want bytes
 * ending in tail or 3 s pass; the bytes, NUL-terminated, in buf. */
static size_t exchange(int port, const char *req, char *buf, size_t cap, const char *tail)
{
	int fd = tcp_connect(port);
	size_t len = 0, tl = strlen(tail);
	REQUIRE(send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req), "send failed");
	while (len + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 3000) != 1)
			break;
		ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
		if (len >= tl && !memcmp(buf + len - tl, tail, tl))
			break;
	}
	buf[len] = 0;
	close(fd);
	return len;
}

/* The value of header name in the response head at resp, "" when absent. */
static void head_value(const char *resp, const char *name, char *val, size_t size)
{
	const char *end = strstr(resp, "\r\n\r\n");
	size_t nl = strlen(name);
	val[0] = 0;
	for (const char *p = strstr(resp, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n"))
		if (!strncasecmp(p + 2, name, nl) && p[2 + nl] == ':') {
			const char *v = p + 3 + nl, *e = strstr(v, "\r\n");
			while (*v == ' ')
				v++;
			snprintf(val, size, "%.*s", (int)(e - v), v);
			return;
		}
}

/*
 * HEAD on every GET route answers as GET would, headers and
 * Content-Length included, without the body: the next response on the
 * connection starts right after the head. Other methods get 405 with
 * Allow; a HEAD of a missing path gets a bodiless 404.
 */
static void case_head(int port, pid_t pid)
{
	static const char *const paths[] = { "/plaintext", "/json", "/nope" };
	char buf[16384], req[512], a[64], b[64];
	(void)pid;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", paths[i]);
		struct resp get;
		REQUIRE(one_request(port, req, &get) == 0, "GET %s: no response", paths[i]);
		snprintf(req, sizeof(req), "HEAD %s HTTP/1.1\r\nHost: t\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n",
			 paths[i]);
		exchange(port, req, buf, sizeof(buf), "Hello, World!");
		char *second = strstr(buf, "\r\n\r\n");
		REQUIRE(second, "HEAD %s: no complete head in %.200s", paths[i], buf);
		second += 4;
		REQUIRE(!strncmp(second, "HTTP/1.1 200", 12),
		      "HEAD %s: the next response does not follow the head (a body was sent?): %.80s", paths[i], second);
		int st = atoi(buf + 9);
		REQUIRE(st == get.status, "HEAD %s: status %d, GET gave %d", paths[i], st, get.status);
		head_value(buf, "Content-Length", a, sizeof(a));
		resp_header(&get, "Content-Length", b, sizeof(b));
		REQUIRE(a[0] && !strcmp(a, b), "HEAD %s: Content-Length '%s', GET's is '%s'", paths[i], a, b);
		head_value(buf, "Content-Type", a, sizeof(a));
		resp_header(&get, "Content-Type", b, sizeof(b));
		REQUIRE(!strcmp(a, b), "HEAD %s: Content-Type '%s', GET's is '%s'", paths[i], a, b);
	}
	struct resp r;
	REQUIRE(one_request(port, "POST /plaintext HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r) == 0,
	      "POST: no response");
	REQUIRE(r.status == 405, "POST /plaintext: status %d, want 405", r.status);
	REQUIRE(resp_header(&r, "Allow", a, sizeof(a)) && strstr(a, "GET") && strstr(a, "HEAD"),
	      "405 without an Allow naming GET and HEAD ('%s')", a);
}

/*
 * A second server on a port the first listens on exits non-zero at once,
 * naming the port (SO_REUSEPORT would otherwise let it start and split
 * the clients between the two); the first keeps serving.
 */
static void case_port_used(int port, pid_t pid, const char *server, const char *engine)
{
	char eng[64], prt[32], msg[4096] = "";
	int pfd[2];
	(void)pid;

	snprintf(eng, sizeof(eng), "--engine=%s", engine);
	snprintf(prt, sizeof(prt), "--port=%d", port);
	REQUIRE(pipe(pfd) == 0, "pipe");
	pid_t second = fork();
	REQUIRE(second >= 0, "fork");
	if (second == 0) {
		dup2(pfd[1], 2);
		execl(server, server, eng, prt, "--cores=1", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	size_t len = 0;
	ssize_t n;
	while (len + 1 < sizeof(msg) && (n = read(pfd[0], msg + len, sizeof(msg) - 1 - len)) > 0)
		len += (size_t)n;
	msg[len] = 0;
	close(pfd[0]);
	int status;
	REQUIRE(waitpid(second, &status, 0) == second, "waitpid");
	REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	      "a second server on used port %d did not exit non-zero (status %d): %s", port, status, msg);
	REQUIRE(strstr(msg, prt + 7), "the second server's error does not name port %d: %s", port, msg);
	printf("port-used: %s", msg);
	expect_served(port);
}

/* By default the listener is on 127.0.0.1, not every interface: the
 * kernel's socket table says where it listens. */
static void case_listen_default(int port, pid_t pid)
{
	char line[512];
	int found = 0;
	(void)pid;

	FILE *f = fopen("/proc/net/tcp", "r");
	REQUIRE(f, "cannot read /proc/net/tcp");
	while (fgets(line, sizeof(line), f)) {
		unsigned addr, lport, state;
		if (sscanf(line, " %*d: %x:%x %*x:%*x %x", &addr, &lport, &state) != 3 || lport != (unsigned)port ||
		    state != 0x0A)
			continue;
		REQUIRE(addr == 0x0100007f, "a listener on port %d is bound to %08x, not 127.0.0.1", port, addr);
		found++;
	}
	fclose(f);
	REQUIRE(found == 1, "%d listeners on port %d in /proc/net/tcp, want 1 (one reactor)", found, port);
	expect_served(port);
}

bool hostile_case(const char *server, const char *engine, const char *name, const char *const *extra)
{
	static const struct {
		const char *name;
		void (*fn)(int port, pid_t pid);
		const char *flag;
		void (*fn2)(int port, pid_t pid, const char *server, const char *engine);
	} cases[] = {
		{ "backlog", case_backlog, NULL, NULL },
		{ "head", case_head, NULL, NULL },
		{ "send-timeout", case_send_timeout, "--send-timeout-ms=300", NULL },
		{ "port-used", NULL, NULL, case_port_used },
		{ "listen-default", case_listen_default, NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(name, cases[i].name))
			continue;
		int port = free_port();
		const char *argv[32] = { "--cores=1", cases[i].flag };
		int n = cases[i].flag ? 2 : 1;
		for (; extra && *extra && n < 30; extra++)
			argv[n++] = *extra;
		argv[n] = NULL;
		pid_t pid = server_start(server, engine, port, argv);
		if (cases[i].fn)
			cases[i].fn(port, pid);
		else
			cases[i].fn2(port, pid, server, engine);
		int rc = server_stop(pid);
		REQUIRE(rc == 0, "server exit status %d after the case", rc);
		return true;
	}
	return false;
}
