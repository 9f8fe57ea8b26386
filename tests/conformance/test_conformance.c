/* test_conformance.c - drives a real ringside server over real sockets; registered once per engine and case. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"

static const char GET_PLAIN[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
static const char GET_JSON[] = "GET /json HTTP/1.1\r\nHost: t\r\n\r\n";

static void expect_plaintext(const struct resp *r)
{
	char v[128];
	REQUIRE(r->status == 200, "/plaintext status %d", r->status);
	REQUIRE(r->body_len == 13 && !memcmp(r->body, "Hello, World!", 13), "/plaintext body '%s'", r->body);
	REQUIRE(resp_header(r, "Content-Type", v, sizeof(v)) && !strncmp(v, "text/plain", 10), "content type");
	REQUIRE(resp_header(r, "Server", v, sizeof(v)), "no Server header");
	REQUIRE(resp_header(r, "Date", v, sizeof(v)) && strlen(v) == 29 && !strcmp(v + 25, " GMT"),
	      "bad Date header '%s'", v);
}

static void expect_json(const struct resp *r)
{
	char v[128];
	REQUIRE(r->status == 200, "/json status %d", r->status);
	REQUIRE(!strcmp(r->body, "{\"message\":\"Hello, World!\"}"), "/json body '%s'", r->body);
	REQUIRE(resp_header(r, "Content-Type", v, sizeof(v)) && !strcmp(v, "application/json"), "json type '%s'", v);
}

/* The server answers, and keeps serving, after whatever a case did to it. */
static void expect_alive(int port)
{
	struct resp r;
	REQUIRE(one_request(port, GET_PLAIN, &r) == 0, "server stopped answering");
	expect_plaintext(&r);
}

static void case_basic(int port)
{
	struct resp r;
	REQUIRE(one_request(port, GET_PLAIN, &r) == 0, "no response to /plaintext");
	expect_plaintext(&r);
	REQUIRE(one_request(port, GET_JSON, &r) == 0, "no response to /json");
	expect_json(&r);
	REQUIRE(one_request(port, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", &r) == 0 && r.status == 404, "unknown path: %d", r.status);
	REQUIRE(one_request(port, "POST /plaintext HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", &r) == 0 &&
		      r.status == 405, "POST /plaintext: %d", r.status);
}

static void case_keepalive(int port)
{
	char buf[16384];
	size_t len = 0;
	struct resp r;
	int fd = tcp_connect(port);

	for (int i = 0; i < 200; i++) {
		send_all(fd, i % 2 ? GET_JSON : GET_PLAIN, strlen(i % 2 ? GET_JSON : GET_PLAIN));
		REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0, "keep-alive request %d got no answer", i);
		i % 2 ? expect_json(&r) : expect_plaintext(&r);
		REQUIRE(!r.conn_close, "server asked to close a keep-alive connection");
	}
	/* A 404 keeps the connection too. */
	send_all(fd, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n", 34);
	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0 && r.status == 404, "404 on keep-alive");
	send_all(fd, GET_PLAIN, strlen(GET_PLAIN));
	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0, "after 404");
	expect_plaintext(&r);
	/* Connection: close is honoured: answered, then closed. */
	send_all(fd, "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 55);
	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0 && r.conn_close, "Connection: close answer");
	REQUIRE(peer_closed(fd, 5000), "server kept a Connection: close connection open");
	close(fd);
	/* HTTP/1.0 defaults to close. */
	fd = tcp_connect(port);
	len = 0;
	send_all(fd, "GET /plaintext HTTP/1.0\r\n\r\n", 27);
	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0 && r.conn_close, "HTTP/1.0 answer");
	REQUIRE(peer_closed(fd, 5000), "server kept an HTTP/1.0 connection open");
	close(fd);
}

static void case_pipeline(int port)
{
	char req[4096] = "", buf[65536];
	size_t len = 0;
	struct resp r;
	int fd = tcp_connect(port);

	for (int i = 0; i < 16; i++)
		strcat(req, i % 3 == 2 ? GET_JSON : GET_PLAIN);
	send_all(fd, req, strlen(req)); /* all 16 in one write */
	for (int i = 0; i < 16; i++) {
		REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0, "pipelined response %d missing", i);
		i % 3 == 2 ? expect_json(&r) : expect_plaintext(&r); /* in order */
	}
	REQUIRE(len == 0, "extra bytes after 16 responses");
	close(fd);
}

static void case_dribble(int port)
{
	char buf[4096];
	size_t len = 0;
	struct resp r;
	const char req[] = "GET /json?x=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: dribble\r\n\r\n";
	int fd = tcp_connect(port);

	for (size_t i = 0; i < sizeof(req) - 1; i++) {
		send_all(fd, req + i, 1);
		usleep(i % 8 ? 0 : 2000); /* some bytes travel alone, some coalesce */
	}
	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0, "no answer to a dribbled request");
	expect_json(&r);
	close(fd);
}

static void case_concurrent(int port)
{
	enum { N = 1000 };
	static int fds[N];
	char buf[4096];
	struct resp r;

	for (int i = 0; i < N; i++)
		fds[i] = tcp_connect(port);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++)
			send_all(fds[i], GET_PLAIN, strlen(GET_PLAIN));
		for (int i = 0; i < N; i++) {
			size_t len = 0;
			REQUIRE(read_response(fds[i], buf, &len, sizeof(buf), &r) == 0, "conn %d of %d: no answer", i, N);
			expect_plaintext(&r);
		}
	}
	for (int i = 0; i < N; i++)
		close(fds[i]);
	expect_alive(port);
}

static void reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void case_vanish(int port)
{
	for (int i = 0; i < 100; i++) {
		int fd = tcp_connect(port);
		switch (i % 4) {
		case 0: /* half a request, then gone */
			send_all(fd, "GET /plaintext HT", 17);
			close(fd);
			break;
		case 1: /* half a request, then reset */
			send_all(fd, "GET /plain", 10);
			reset_close(fd);
			break;
		case 2: /* a whole pipeline, never read */
			for (int k = 0; k < 8; k++)
				send_all(fd, GET_PLAIN, strlen(GET_PLAIN));
			reset_close(fd);
			break;
		default: /* connect and leave */
			close(fd);
		}
	}
	expect_alive(port);
}

static void expect_error(int port, const char *req, size_t len, int status)
{
	char buf[16384];
	size_t got = 0;
	struct resp r;
	int fd = tcp_connect(port);

	send_all(fd, req, len);
	REQUIRE(read_response(fd, buf, &got, sizeof(buf), &r) == 0, "no answer to bad input (want %d)", status);
	REQUIRE(r.status == status, "bad input answered %d, want %d", r.status, status);
	REQUIRE(peer_closed(fd, 5000), "connection left open after a %d", status);
	close(fd);
}

static void case_garbage(int port)
{
	static const char bin[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n";
	char big[20000];

	expect_error(port, "HELLO\r\n\r\n", 9, 400);
	expect_error(port, bin, sizeof(bin) - 1, 400);
	expect_error(port, "GET /plaintext HTTP/2.0\r\n\r\n", 27, 505);
	expect_error(port, "GET /plaintext HTTP/1.1\r\nBad Header: x\r\n\r\n", 42, 400);
	/* 431: a header block larger than the limit, terminated or not. */
	int n = snprintf(big, sizeof(big), "GET /plaintext HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', 12000);
	memcpy(big + n + 12000, "\r\n\r\n", 4);
	expect_error(port, big, (size_t)n + 12004, 431);
	expect_error(port, big, (size_t)n + 12000, 431);
	/* Too many headers. */
	n = snprintf(big, sizeof(big), "GET /plaintext HTTP/1.1\r\n");
	for (int i = 0; i < 100; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "X-H%d: v\r\n", i);
	n += snprintf(big + n, sizeof(big) - (size_t)n, "\r\n");
	expect_error(port, big, (size_t)n, 431);
	/* A good request after bad ones in the same pipeline is not answered,
	 * but the server keeps serving everyone else. */
	expect_alive(port);
}

static void case_shutdown(const char *server, const char *engine, const char *const *flags)
{
	int port = free_port();
	pid_t pid = server_start(server, engine, port, flags);
	int idle = tcp_connect(port);
	expect_alive(port);
	int rc = server_stop(pid);
	REQUIRE(rc == 0, "server did not exit 0 on SIGTERM (got %d)", rc);
	REQUIRE(peer_closed(idle, 2000), "idle keep-alive connection survived shutdown");
	close(idle);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(int port);
	} cases[] = {
		{ "basic", case_basic },       { "keepalive", case_keepalive }, { "pipeline", case_pipeline },
		{ "dribble", case_dribble },   { "concurrent", case_concurrent }, { "vanish", case_vanish },
		{ "garbage", case_garbage },
	};

	if (argc < 4)
		die("usage: %s SERVER ENGINE CASE [server flags...]", argv[0]);
	raise_fd_limit();
	if (!strcmp(argv[3], "shutdown")) {
		case_shutdown(argv[1], argv[2], (const char *const *)argv + 4);
		return 0;
	}
	if (limits_case(argv[1], argv[2], argv[3], (const char *const *)argv + 4))
		return 0;
	if (hostile_case(argv[1], argv[2], argv[3], (const char *const *)argv + 4))
		return 0;
	if (rules_case(argv[1], argv[2], argv[3], (const char *const *)argv + 4))
		return 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[3], cases[i].name))
			continue;
		int port = free_port();
		pid_t pid = server_start(argv[1], argv[2], port, (const char *const *)argv + 4);
		cases[i].fn(port);
		int rc = server_stop(pid);
		REQUIRE(rc == 0, "server exit status %d after the case", rc);
		return 0;
	}
	die("unknown case %s", argv[3]);
}
