/* test_http_fields.c - keep-alive rules, header lookup and query parameters of parsed requests. */
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

#include "http.h"

static struct rs_http_request req;

/* Parse text, which must be one complete request. */
static bool parse(const char *text)
{
	struct rs_http_parser p = { 0 };
	int r = rs_http_parse(&p, text, strlen(text), NULL, &req);

	CHECK(r == (int)strlen(text), "parse -> %d: %s", r, text);
	return r == (int)strlen(text);
}

static void check_keep_alive(void)
{
	static const struct {
		const char *connection; /* NULL: no Connection header */
		bool v11, v10;
	} cases[] = {
		{ NULL, true, false },
		{ "close", false, false },
		{ "Close", false, false },
		{ "keep-alive", true, true },
		{ "Keep-Alive", true, true },
		{ "upgrade", true, false },
		{ "closed", true, false },
		{ "foo, CLOSE", false, false },
		{ "keep-alive , te", true, true },
		{ " ,keep-alive,", true, true },
		{ "keep-alive, close", false, false },
		{ "", true, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int minor = 0; minor <= 1; minor++) {
			char text[256];
			bool want = minor ? cases[i].v11 : cases[i].v10;

			if (cases[i].connection)
				snprintf(text, sizeof(text),
					 "GET / HTTP/1.%d\r\nConnection: %s\r\n\r\n", minor,
					 cases[i].connection);
			else
				snprintf(text, sizeof(text), "GET / HTTP/1.%d\r\n\r\n", minor);
			if (parse(text))
				CHECK(req.keep_alive == want && req.minor_version == minor,
				      "HTTP/1.%d Connection: %s -> %d", minor,
				      cases[i].connection ? cases[i].connection : "(none)",
				      req.keep_alive);
		}
	}
}

static bool value_is(const struct rs_http_header *h, const char *want)
{
	return h && h->value_len == strlen(want) && memcmp(h->value, want, h->value_len) == 0;
}

static void check_headers(void)
{
	if (!parse("GET / HTTP/1.1\r\nHost: example\r\nX-Trim: \t a b \t\r\nEmpty:\r\n"
		   "x-dup: 1\r\nX-Dup: 2\r\n\r\n"))
		return;
	CHECK(req.num_headers == 5, "%zu headers", req.num_headers);
	CHECK(value_is(rs_http_header(&req, "host"), "example"), "host");
	CHECK(value_is(rs_http_header(&req, "HOST"), "example"), "HOST");
	CHECK(value_is(rs_http_header(&req, "x-trim"), "a b"), "OWS stripped, inner kept");
	CHECK(value_is(rs_http_header(&req, "empty"), ""), "empty value");
	CHECK(value_is(rs_http_header(&req, "X-DUP"), "1"), "first of duplicates");
	CHECK(rs_http_header(&req, "hos") == NULL, "prefix is not a match");
	CHECK(rs_http_header(&req, "hostx") == NULL, "longer name is not a match");
	CHECK(memcmp(req.headers[0].name, "Host", 4) == 0 && req.headers[0].name_len == 4,
	      "name as sent");
}

/* Expect name -> want (NULL: absent) in the query of target. */
static void check_param(const char *target, const char *name, const char *want)
{
	char text[256];
	const char *v;
	size_t len = 12345;

	snprintf(text, sizeof(text), "GET %s HTTP/1.1\r\n\r\n", target);
	if (!parse(text))
		return;
	v = rs_http_query_param(&req, name, &len);
	if (!want) {
		CHECK(v == NULL, "%s: %s should be absent", target, name);
		return;
	}
	CHECK(v && len == strlen(want) && memcmp(v, want, len) == 0, "%s: %s -> %.*s", target,
	      name, v ? (int)len : 6, v ? v : "(null)");
}

/* Expect name -> want decoded (NULL: the error err) in the query of target. */
static void check_decoded(const char *target, const char *name, const char *want, int err)
{
	char text[256], v[8];
	size_t len = 0;

	snprintf(text, sizeof(text), "GET %s HTTP/1.1\r\n\r\n", target);
	if (!parse(text))
		return;
	int rc = rs_http_query_decoded(&req, name, v, sizeof(v), &len);
	if (!want) {
		CHECK(rc == err, "%s: %s decoded gave %d, want %d", target, name, rc, err);
		return;
	}
	CHECK(rc == 0 && len == strlen(want) && !strcmp(v, want), "%s: %s decoded -> %d '%s'", target, name, rc,
	      rc ? "" : v);
}

static void check_query(void)
{
	check_decoded("/queries?queries=%32%30", "queries", "20", 0);
	check_decoded("/q?ms=5%2a+x", "ms", "5* x", 0);
	check_decoded("/q?ms=%2A", "ms", "*", 0);
	check_decoded("/q?ms=20", "ms", "20", 0);
	check_decoded("/q?ms=%2", "ms", NULL, -EINVAL);
	check_decoded("/q?ms=%zz", "ms", NULL, -EINVAL);
	check_decoded("/q?ms=1234567", "ms", "1234567", 0);
	check_decoded("/q?ms=12345678", "ms", NULL, -E2BIG);
	check_decoded("/q?x=1", "ms", NULL, -ENOENT);

	if (parse("GET /queries?queries=20&x=1 HTTP/1.1\r\n\r\n")) {
		CHECK(req.path_len == 8 && memcmp(req.path, "/queries", 8) == 0, "path");
		CHECK(req.query_len == 14 && memcmp(req.query, "queries=20&x=1", 14) == 0,
		      "query");
	}
	check_param("/queries?queries=20&x=1", "queries", "20");
	check_param("/queries?queries=20&x=1", "x", "1");
	check_param("/queries?queries=20&x=1", "quer", NULL);
	check_param("/queries?queries=20&x=1", "queries=20", NULL);
	check_param("/queries?queries=20&x=1", "y", NULL);
	check_param("/queries?xx=1&x=2", "x", "2");
	check_param("/q?x=1&x=2", "x", "1");
	check_param("/q?queries=&a", "queries", "");
	check_param("/q?queries=&a", "a", "");
	check_param("/q?a=b=c", "a", "b=c");
	check_param("/q?&&a=1&", "a", "1");
	check_param("/q?", "a", NULL);
	check_param("/q", "a", NULL);
	check_param("/q?ms=5%20", "ms", "5%20");

	if (parse("GET /a?b?c HTTP/1.1\r\n\r\n")) {
		CHECK(req.path_len == 2 && req.query_len == 3 && memcmp(req.query, "b?c", 3) == 0,
		      "split on the first '?'");
		CHECK(req.target_len == 6 && memcmp(req.target, "/a?b?c", 6) == 0, "target");
	}
}

/* RFC 9112 §3.2's Host rules, and Expect, on parsed requests. */
static void check_host_expect(void)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", -400 },
		{ "GET / HTTP/1.0\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a:\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a:80:80\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: [v1.x]\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: %41.example_~!$&'()*+,;=\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: \r\n\r\n", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (parse(cases[i].text))
			CHECK(rs_http_check_host(&req) == cases[i].want, "host check of %s: %d, want %d", cases[i].text,
			      rs_http_check_host(&req), cases[i].want);
	if (parse("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n"))
		CHECK(req.expect_continue, "Expect: 100-Continue not seen");
	if (parse("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"))
		CHECK(!req.expect_continue, "a 1.0 client's Expect not ignored");
	/* The head waits for its body: the caller is told to send 100 Continue. */
	struct rs_http_parser p = { 0 };
	static const char head[] = "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
	CHECK(rs_http_parse(&p, head, strlen(head), NULL, &req) == 0 && p.want_continue, "want_continue not set");
}

int main(void)
{
	check_keep_alive();
	check_host_expect();
	check_headers();
	check_query();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
