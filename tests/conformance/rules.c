/* rules.c - conformance cases for HTTP/1.1's MUSTs and SHOULDs: Expect: 100-continue, Host, absolute-form, 1.0 keep-alive, leading empty lines. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"

/* Read from fd until the bytes hold a blank line (a whole response head) or
 * 10 s pass; NUL-terminated in buf. */
static void read_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	while (len + 1 < cap && !strstr(buf, "\r\n\r\n")) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10000) != 1)
			break;
		ssize_t n = recv(fd, buf + len, 1, 0); /* one byte: leave what follows the head */
		if (n <= 0)
			break;
		buf[++len] = 0;
	}
}

static void expect_status(int port, const char *req, int want, const char *what)
{
	struct resp r;
	REQUIRE(one_request(port, req, &r) == 0, "%s: no response", what);
	REQUIRE(r.status == want, "%s: status %d, want %d", what, r.status, want);
}

/*
 * Expect: 100-continue gets "100 Continue" once the head is in, before
 * the body is sent; then the final answer. A request that is refused
 * anyway (body over the limit) gets its final status instead.
 */
static void case_expect_continue(int port)
{
	static const char head[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
	char buf[4096], pending[16384];
	size_t len = 0;
	struct resp r;

	int fd = tcp_connect(port);
	send_all(fd, head, strlen(head));
	read_head(fd, buf, sizeof(buf));
	REQUIRE(!strncmp(buf, "HTTP/1.1 100 ", 13), "Expect: 100-continue answered '%.60s' before the body", buf);
	send_all(fd, "hello", 5);
	REQUIRE(read_response(fd, pending, &len, sizeof(pending), &r) == 0 && r.status == 200,
	      "after 100 Continue and the body: status %d", r.status);
	/* Once per request: the next one with a body in the same send gets no 100. */
	static const char whole[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab";
	send_all(fd, whole, strlen(whole));
	REQUIRE(read_response(fd, pending, &len, sizeof(pending), &r) == 0 && r.status == 200,
	      "a whole request with Expect: status %d", r.status);
	close(fd);

	fd = tcp_connect(port);
	static const char big[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 999999999\r\n\r\n";
	send_all(fd, big, strlen(big));
	read_head(fd, buf, sizeof(buf));
	REQUIRE(!strncmp(buf, "HTTP/1.1 413 ", 13), "an oversized body with Expect got '%.60s', want 413", buf);
	close(fd);
	expect_status(port, "GET /plaintext HTTP/1.1\r\nHost: t\r\nExpect: something-else\r\n\r\n", 417,
		      "an unknown expectation");
}

/* RFC 9112 §3.2: no Host in 1.1, two Hosts, a bad Host value: 400. */
static void case_host(int port)
{
	static const struct { const char *req; int want; } cases[] = {
		{ "GET /plaintext HTTP/1.1\r\n\r\n", 400 },
		{ "GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400 },
		{ "GET /plaintext HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
		{ "GET /plaintext HTTP/1.1\r\nHost: a/b\r\n\r\n", 400 },
		{ "GET /plaintext HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400 },
		{ "GET /plaintext HTTP/1.1\r\nHost: [::1\r\n\r\n", 400 },
		{ "GET /plaintext HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", 200 },
		{ "GET /plaintext HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 200 },
		{ "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200 },
		{ "GET /plaintext HTTP/1.1\r\nhOsT: x\r\n\r\n", 200 },
		{ "GET /plaintext HTTP/1.1\r\nHost:\r\n\r\n", 200 },
		{ "GET /plaintext HTTP/1.0\r\n\r\n", 200 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_status(port, cases[i].req, cases[i].want, cases[i].req);
}

/* Absolute-form targets are served as their path and query. */
static void case_absolute_form(int port)
{
	char req[256];
	struct resp r;
	snprintf(req, sizeof(req), "GET http://127.0.0.1:%d/plaintext HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", port, port);
	REQUIRE(one_request(port, req, &r) == 0 && r.status == 200 && !strcmp(r.body, "Hello, World!"),
	      "absolute-form GET: %d '%.40s'", r.status, r.body);
	expect_status(port, "GET HTTP://h/json?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", 200, "absolute-form with a query");
	expect_status(port, "GET http://h/nope HTTP/1.1\r\nHost: h\r\n\r\n", 404, "absolute-form of a missing path");
	expect_status(port, "GET ftp://h/plaintext HTTP/1.1\r\nHost: h\r\n\r\n", 400, "another scheme");
}

/* HTTP/1.0 with Connection: keep-alive is kept open and told so. */
static void case_http10_keepalive(int port)
{
	static const char ka[] = "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	char buf[16384], val[64];
	size_t len = 0;
	struct resp r;
	int fd = tcp_connect(port);
	for (int i = 0; i < 3; i++) {
		send_all(fd, ka, strlen(ka));
		REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0 && r.status == 200, "1.0 keep-alive request %d", i);
		REQUIRE(resp_header(&r, "Connection", val, sizeof(val)) && !strcasecmp(val, "keep-alive"),
		      "a kept 1.0 connection was not told Connection: keep-alive (got '%s')", val);
	}
	close(fd);
	/* Without keep-alive a 1.0 connection is closed: the keepalive case checks that. */
}

/* Empty lines before a request line, and after a body, are ignored. */
static void case_leading_crlf(int port)
{
	static const char two[] = "\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab\r\n"
				  "GET /json HTTP/1.1\r\nHost: t\r\n\r\n";
	char buf[16384];
	size_t len = 0;
	struct resp r;
	int fd = tcp_connect(port);
	send_all(fd, two, strlen(two));
	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0 && r.status == 200, "after leading CRLFs: %d", r.status);
	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0 && r.status == 200 && strstr(r.body, "Hello"),
	      "the request after a body and a CRLF: %d", r.status);
	/* One byte at a time too. */
	send_all(fd, "\r", 1);
	usleep(20000);
	send_all(fd, "\n", 1);
	usleep(20000);
	send_all(fd, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 36);
	REQUIRE(read_response(fd, buf, &len, sizeof(buf), &r) == 0 && r.status == 200, "dribbled CRLF: %d", r.status);
	close(fd);
	expect_status(port, "\rGET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", 400, "a bare CR before the request line");
}

bool rules_case(const char *server, const char *engine, const char *name, const char *const *extra)
{
	static const struct {
		const char *name;
		void (*fn)(int port);
	} cases[] = {
		{ "expect-continue", case_expect_continue }, { "host", case_host },
		{ "absolute-form", case_absolute_form },     { "http10-keepalive", case_http10_keepalive },
		{ "leading-crlf", case_leading_crlf },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(name, cases[i].name))
			continue;
		int port = free_port();
		pid_t pid = server_start(server, engine, port, extra);
		cases[i].fn(port);
		int rc = server_stop(pid);
		REQUIRE(rc == 0, "server exit status %d after the case", rc);
		return true;
	}
	return false;
}
