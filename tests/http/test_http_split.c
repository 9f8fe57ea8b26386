/* test_http_split.c - a request parses to the same result however its bytes are split. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

#include "http.h"

struct split_case {
	const char *name;
	const char *text;
	const char *method;
	const char *path;
	const char *query;
	int minor;
	bool keep_alive;
	const char *body;
	size_t num_headers;
};

/* 32 headers: exactly the default limit. Filled in by main. */
static char many_headers[4096];

static const struct split_case cases[] = {
	{ "get-query", "GET /queries?queries=20&x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n",
	  "GET", "/queries", "queries=20&x=1", 1, true, "", 2 },
	{ "post-body",
	  "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world",
	  "POST", "/submit", "", 1, true, "hello world", 3 },
	{ "post-crlf-in-body", "POST /b HTTP/1.1\r\nContent-Length: 8\r\n\r\n\r\n\r\nab\r\n",
	  "POST", "/b", "", 1, true, "\r\n\r\nab\r\n", 1 },
	{ "post-empty-body", "POST /e HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
	  "POST", "/e", "", 1, true, "", 1 },
	{ "http10", "GET /json HTTP/1.0\r\nHost: a\r\n\r\n",
	  "GET", "/json", "", 0, false, "", 1 },
	{ "http10-keepalive", "GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	  "GET", "/json", "", 0, true, "", 1 },
	{ "no-headers", "GET / HTTP/1.1\r\n\r\n", "GET", "/", "", 1, true, "", 0 },
	{ "bare-lf", "GET /lf?a HTTP/1.1\nHost: a\nX:  padded \t\n\n",
	  "GET", "/lf", "a", 1, true, "", 2 },
	{ "lf-crlf", "GET /m HTTP/1.1\r\nHost: a\n\r\n", "GET", "/m", "", 1, true, "", 1 },
	{ "crlf-lf", "GET /m HTTP/1.1\r\nHost: a\r\n\n", "GET", "/m", "", 1, true, "", 1 },
	{ "close", "DELETE /x? HTTP/1.1\r\nConnection: close\r\n\r\n",
	  "DELETE", "/x", "", 1, false, "", 1 },
	{ "leading-empty-lines", "\r\n\nGET /p HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/p", "", 1, true, "", 1 },
	{ "absolute-form", "GET http://a:80/q?x=1 HTTP/1.1\r\nHost: b\r\n\r\n", "GET", "/q", "x=1", 1, true, "", 1 },
	{ "absolute-form-https", "GET HTTPS://[::1]:8/r HTTP/1.1\r\nHost: b\r\n\r\n", "GET", "/r", "", 1, true, "", 1 },
	{ "many-headers", many_headers, "GET", "/many", "", 1, true, "", 32 },
};

/* An exact-size heap copy, so a read past len trips the address sanitizer. */

static char *copy(const char *s, size_t n)
{
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

static bool view_is(const char *v, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(v, want, n) == 0;
}

/* Same fields at the same offsets: a and b were parsed from different copies. */
static bool same_request(const struct rs_http_request *a, const char *abuf,
			 const struct rs_http_request *b, const char *bbuf)
{
#define SAME(f) ((a->f - abuf) == (b->f - bbuf) && a->f##_len == b->f##_len)
	if (!SAME(method) || !SAME(target) || !SAME(path) || !SAME(query))
		return false;
	if (a->minor_version != b->minor_version || a->keep_alive != b->keep_alive)
		return false;
	if (a->content_length != b->content_length || a->body - abuf != b->body - bbuf)
		return false;
	if (a->num_headers != b->num_headers)
		return false;
	for (size_t i = 0; i < a->num_headers; i++) {
		if (!SAME(headers[i].name) || !SAME(headers[i].value))
			return false;
	}
	return true;
#undef SAME
}

static void check_fields(const struct split_case *c, const struct rs_http_request *r)
{
	CHECK(view_is(r->method, r->method_len, c->method), "%s: method", c->name);
	CHECK(view_is(r->path, r->path_len, c->path), "%s: path", c->name);
	CHECK(view_is(r->query, r->query_len, c->query), "%s: query", c->name);
	CHECK(r->minor_version == c->minor, "%s: minor %d", c->name, r->minor_version);
	CHECK(r->keep_alive == c->keep_alive, "%s: keep_alive", c->name);
	CHECK(r->content_length == strlen(c->body), "%s: content_length %zu", c->name,
	      r->content_length);
	CHECK(view_is(r->body, r->content_length, c->body), "%s: body", c->name);
	CHECK(r->num_headers == c->num_headers, "%s: %zu headers", c->name, r->num_headers);
}

/* Every strict prefix is incomplete for a parser that has seen nothing before. */
static void check_prefixes(const struct split_case *c, size_t n)
{
	static struct rs_http_request req;

	for (size_t k = 0; k < n; k++) {
		struct rs_http_parser p = { 0 };
		char *b = copy(c->text, k);
		int r = rs_http_parse(&p, b, k, NULL, &req);
		CHECK(r == 0, "%s: prefix %zu -> %d", c->name, k, r);
		free(b);
	}
}

/* One byte at a time into the same parser, each time a fresh exact-size copy. */
static void check_dribble(const struct split_case *c, size_t n,
			  const struct rs_http_request *ref, const char *refbuf)
{
	static struct rs_http_request req;
	struct rs_http_parser p = { 0 };

	for (size_t k = 1; k <= n; k++) {
		char *b = copy(c->text, k);
		int r = rs_http_parse(&p, b, k, NULL, &req);
		if (k < n) {
			CHECK(r == 0, "%s: dribble %zu -> %d", c->name, k, r);
		} else {
			CHECK(r == (int)n, "%s: dribble end -> %d", c->name, r);
			CHECK(r != (int)n || same_request(ref, refbuf, &req, b),
			      "%s: dribble fields differ", c->name);
		}
		free(b);
	}
}

/* Split in two at every point: first part incomplete, then the whole request. */
static void check_two_parts(const struct split_case *c, size_t n,
			    const struct rs_http_request *ref, const char *refbuf)
{
	static struct rs_http_request req;

	for (size_t k = 1; k < n; k++) {
		struct rs_http_parser p = { 0 };
		char *b1 = copy(c->text, k);
		int r = rs_http_parse(&p, b1, k, NULL, &req);
		CHECK(r == 0, "%s: first part %zu -> %d", c->name, k, r);
		free(b1);

		char *b2 = copy(c->text, n);
		r = rs_http_parse(&p, b2, n, NULL, &req);
		CHECK(r == (int)n, "%s: split at %zu -> %d", c->name, k, r);
		CHECK(r != (int)n || same_request(ref, refbuf, &req, b2),
		      "%s: split at %zu: fields differ", c->name, k);
		free(b2);
	}
}

static void run_case(const struct split_case *c)
{
	static struct rs_http_request ref;
	struct rs_http_parser p = { 0 };
	size_t n = strlen(c->text);
	char *refbuf = copy(c->text, n);
	int r = rs_http_parse(&p, refbuf, n, NULL, &ref);

	CHECK(r == (int)n, "%s: whole -> %d, want %zu", c->name, r, n);
	if (r == (int)n) {
		check_fields(c, &ref);
		check_prefixes(c, n);
		check_dribble(c, n, &ref, refbuf);
		check_two_parts(c, n, &ref, refbuf);
	}
	free(refbuf);
}

static void build_many_headers(void)
{
	size_t off = (size_t)snprintf(many_headers, sizeof(many_headers), "GET /many HTTP/1.1\r\n");

	for (int i = 0; i < 32; i++)
		off += (size_t)snprintf(many_headers + off, sizeof(many_headers) - off,
					"X-Header-%02d: value %d\r\n", i, i);
	snprintf(many_headers + off, sizeof(many_headers) - off, "\r\n");
}

int main(void)
{
	build_many_headers();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
