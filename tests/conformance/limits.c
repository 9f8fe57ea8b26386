/* limits.c - conformance cases for the server's limits: header-read timeout (408), idle timeout, --max-conns (503). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static const char GET_PLAIN[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";

/* Small limits keep the cases short; the sweep period is a quarter of them. */
#define SHORT_MS 300
#define LONG_MS "10000"

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One request on an open keep-alive connection; its status, or -1 when the
 * connection failed instead (closed, reset, refused before the send). */
static int request_on(int fd)
{
	char buf[4096];
	size_t len = 0;
	struct resp r;

	if (send(fd, GET_PLAIN, strlen(GET_PLAIN), MSG_NOSIGNAL) != (ssize_t)strlen(GET_PLAIN))
		return -1;
	if (read_response(fd, buf, &len, sizeof(buf), &r))
		return -1;
	REQUIRE(!r.conn_close || r.status != 200, "a keep-alive request was answered with Connection: close");
	return r.status;
}

static void expect_alive(int port)
{
	int fd = tcp_connect(port);
	int st = request_on(fd);
	REQUIRE(st == 200, "another client was not served meanwhile (status %d)", st);
	close(fd);
}

/* Read the one response the server sends unasked, then its close. */
static void expect_answer_and_close(int fd, int status, const char *what)
{
	char buf[4096];
	size_t len = 0;
	struct resp r;

	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0, "%s: no %d before the close", what, status);
	REQUIRE(r.status == status, "%s: answered %d, want %d", what, r.status, status);
	REQUIRE(r.conn_close, "%s: %d without Connection: close", what, status);
	REQUIRE(peer_closed(fd, 5000), "%s: connection left open after the %d", what, status);
}

/* The server closes fd without sending a byte, within timeout_ms. */
static void expect_silent_close(int fd, int timeout_ms, const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c[256];

	REQUIRE(poll(&p, 1, timeout_ms) == 1, "%s: still open after %d ms", what, timeout_ms);
	ssize_t n = recv(fd, c, sizeof(c), MSG_DONTWAIT);
	REQUIRE(n == 0 || (n < 0 && errno == ECONNRESET), "%s: got %zd bytes (%.20s) instead of a silent close", what,
	      n, n > 0 ? c : "");
}

static pid_t start(const char *server, const char *engine, int port, const char *a, const char *b,
		   const char *const *extra)
{
	const char *argv[32] = { a, b };
	int n = 2;
	for (; extra && *extra && n < 30; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	return server_start(server, engine, port, argv);
}

/*
 * Slowloris: a client that started a request and dribbles header bytes
 * gets 408 and is closed once the header timeout passes, however busy it
 * looks, while other clients are served; so does one that says nothing.
 * A keep-alive connection idle between requests is not held to it.
 */
static void case_slow_headers(int port)
{
	char hdr[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Slow: ";
	long t0 = now_ms();
	int fd = tcp_connect(port);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	send_all(fd, hdr, strlen(hdr));
	for (int i = 0; i < 100 && poll(&p, 1, 50) == 0; i++) {
		(void)!send(fd, "a", 1, MSG_NOSIGNAL);
		if (i == 1)
			expect_alive(port);
	}
	expect_answer_and_close(fd, 408, "dribbled header block");
	long took = now_ms() - t0;
	REQUIRE(took >= SHORT_MS - 20, "408 after %ld ms, before the %d ms limit", took, SHORT_MS);
	close(fd);

	fd = tcp_connect(port);
	expect_answer_and_close(fd, 408, "connection that sends nothing");
	close(fd);

	fd = tcp_connect(port);
	REQUIRE(request_on(fd) == 200, "first request on a keep-alive connection");
	usleep(2 * SHORT_MS * 1000);
	REQUIRE(request_on(fd) == 200, "keep-alive connection idle past the header timeout was not served");
	close(fd);
	expect_alive(port);
}

/*
 * An idle keep-alive connection is closed without a word after the idle
 * timeout; one busy with requests, or in the middle of one, is not.
 */
static void case_idle(int port)
{
	int idle = tcp_connect(port), busy = tcp_connect(port), half = tcp_connect(port);

	REQUIRE(request_on(idle) == 200, "first request");
	send_all(half, "GET /plaintext HTTP/1.1\r\n", 25);
	long t0 = now_ms();
	for (int i = 0; now_ms() - t0 < 4 * SHORT_MS; i++) {
		REQUIRE(request_on(busy) == 200, "request %d on a busy connection", i);
		usleep(SHORT_MS / 3 * 1000);
	}
	expect_silent_close(idle, 5000, "idle keep-alive connection");
	close(idle);
	/* The half request is under the (long) header timeout, not the idle one. */
	char buf[4096];
	size_t len = 0;
	struct resp r;
	send_all(half, "Host: t\r\n\r\n", 11);
	REQUIRE(read_response(half, buf, &len, sizeof(buf), &r) == 0 && r.status == 200,
	      "a request in progress was cut by the idle timeout");
	close(half);
	close(busy);
	expect_alive(port);
}

/* Open a connection and get one request answered, retrying while the server
 * is still releasing an earlier connection's slot. */
static int connect_served(int port)
{
	for (int i = 0; i < 50; i++) {
		int fd = tcp_connect(port);
		int st = request_on(fd);
		if (st == 200)
			return fd;
		REQUIRE(st == 503 || st < 0, "connection answered %d, want 200 or 503", st);
		close(fd);
		usleep(100000);
	}
	die("no connection slot came free within 5 s");
}

/* --max-conns=4: the fifth connection gets 503 and is closed; the four keep
 * being served; one closes and a new connection gets its slot. */
static void case_max_conns(int port)
{
	int fds[4];

	for (int i = 0; i < 4; i++)
		fds[i] = connect_served(port);
	for (int round = 0; round < 3; round++) {
		int extra = tcp_connect(port);
		expect_answer_and_close(extra, 503, "connection over --max-conns");
		close(extra);
	}
	for (int i = 0; i < 4; i++)
		REQUIRE(request_on(fds[i]) == 200, "connection %d not served while the table is full", i);
	close(fds[0]);
	fds[0] = connect_served(port);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}

bool limits_case(const char *server, const char *engine, const char *name, const char *const *extra)
{
	static const struct {
		const char *name;
		void (*fn)(int port);
		const char *a, *b;
	} cases[] = {
		{ "slow-headers", case_slow_headers, "--header-timeout-ms=300", "--idle-timeout-ms=" LONG_MS },
		{ "idle", case_idle, "--idle-timeout-ms=300", "--header-timeout-ms=" LONG_MS },
		{ "max-conns", case_max_conns, "--max-conns=4", "--cores=1" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(name, cases[i].name))
			continue;
		int port = free_port();
		pid_t pid = start(server, engine, port, cases[i].a, cases[i].b, extra);
		cases[i].fn(port);
		int rc = server_stop(pid);
		REQUIRE(rc == 0, "server exit status %d after the case", rc);
		return true;
	}
	return false;
}
