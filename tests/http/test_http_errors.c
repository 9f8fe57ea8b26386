/* test_http_errors.c - each class of bad request gets its status, however its bytes arrive. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

#include "http.h"

/* A literal and its length, so cases may hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

struct error_case {
	const char *name;
	const char *text;
	size_t len;
	int want;
};

static const struct error_case cases[] = {
	/* malformed request line */
	{ "garbage", S("garbage\r\n\r\n"), -400 },
	{ "tls-hello", S("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), -400 },
	{ "leading-bare-cr", S("\rGET / HTTP/1.1\r\n\r\n"), -400 },
	{ "leading-crlf-garbage", S("\r\n\r\n\x16\x03\x01"), -400 },
	{ "missing-version", S("GET /\r\n\r\n"), -400 },
	{ "empty-version", S("GET / \r\n\r\n"), -400 },
	{ "trailing-space", S("GET / HTTP/1.1 \r\n\r\n"), -400 },
	{ "double-space", S("GET  / HTTP/1.1\r\n\r\n"), -400 },
	{ "bad-method-paren", S("GE(T / HTTP/1.1\r\n\r\n"), -400 },
	{ "bad-method-at", S("GET@ / HTTP/1.1\r\n\r\n"), -400 },
	{ "tab-separator", S("GET\t/ HTTP/1.1\r\n\r\n"), -400 },
	{ "absolute-form-no-authority", S("GET http:///a HTTP/1.1\r\n\r\n"), -400 },
	{ "absolute-form-other-scheme", S("GET ftp://h/ HTTP/1.1\r\n\r\n"), -400 },
	{ "expect-other", S("POST / HTTP/1.1\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx"), -417 },
	{ "asterisk-form", S("OPTIONS * HTTP/1.1\r\n\r\n"), -400 },
	{ "target-ctl", S("GET /a\x01z HTTP/1.1\r\n\r\n"), -400 },
	{ "target-del", S("GET /a\x7fz HTTP/1.1\r\n\r\n"), -400 },
	{ "target-nul", S("GET /a\0z HTTP/1.1\r\n\r\n"), -400 },
	{ "stray-cr", S("GET / HTTP/1.1\r\r\n\r\n"), -400 },
	/* versions */
	{ "http20", S("GET / HTTP/2.0\r\n\r\n"), -505 },
	{ "http12", S("GET / HTTP/1.2\r\n\r\n"), -505 },
	{ "http09", S("GET / HTTP/0.9\r\n\r\n"), -505 },
	{ "http-letters", S("GET / HTTP/1.x\r\n\r\n"), -400 },
	{ "http-no-dot", S("GET / HTTP/11\r\n\r\n"), -400 },
	{ "http-two-digits", S("GET / HTTP/1.10\r\n\r\n"), -400 },
	{ "http-lowercase", S("GET / http/1.1\r\n\r\n"), -400 },
	/* header syntax */
	{ "space-before-colon", S("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), -400 },
	{ "tab-before-colon", S("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"), -400 },
	{ "no-colon", S("GET / HTTP/1.1\r\nHost h\r\n\r\n"), -400 },
	{ "empty-name", S("GET / HTTP/1.1\r\n: h\r\n\r\n"), -400 },
	{ "bad-name-char", S("GET / HTTP/1.1\r\nX(y): h\r\n\r\n"), -400 },
	{ "obs-fold", S("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), -400 },
	{ "obs-fold-tab", S("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"), -400 },
	{ "fold-first-line", S("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), -400 },
	{ "value-ctl", S("GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n"), -400 },
	{ "value-del", S("GET / HTTP/1.1\r\nX: a\x7fz\r\n\r\n"), -400 },
	{ "value-nul", S("GET / HTTP/1.1\r\nX: a\0z\r\n\r\n"), -400 },
	{ "value-cr", S("GET / HTTP/1.1\r\nX: a\rz\r\n\r\n"), -400 },
	/* Content-Length and Transfer-Encoding */
	{ "cl-letters", S("POST / HTTP/1.1\r\nContent-Length: 1a\r\n\r\n"), -400 },
	{ "cl-empty", S("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"), -400 },
	{ "cl-negative", S("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), -400 },
	{ "cl-plus", S("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n"), -400 },
	{ "cl-list", S("POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx"), -400 },
	{ "cl-conflict", S("POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nxy"),
	  -400 },
	{ "cl-overflow",
	  S("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n"), -400 },
	{ "cl-too-big", S("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n"), -413 },
	{ "cl-huge", S("POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n"), -413 },
	{ "te-chunked", S("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), -501 },
	{ "te-identity", S("POST / HTTP/1.1\r\ntransfer-encoding: identity\r\n\r\n"), -501 },
	{ "te-and-cl",
	  S("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\nx"), -501 },
	/* valid, whether complete or not yet */
	{ "cl-duplicate-agree", S("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nxy"),
	  (int)sizeof("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nxy") - 1 },
	{ "cl-at-limit-waits", S("POST / HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n"), 0 },
	{ "incomplete-headers", S("GET / HTTP/1.1\r\nHost: h\r\n"), 0 },
	{ "incomplete-cr", S("GET / HTTP/1.1\r\nHost: h\r\n\r"), 0 },
	{ "incomplete-line", S("GET /abc"), 0 },
	{ "incomplete-body", S("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), 0 },
};

static char *copy(const char *s, size_t n)
{
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

static int parse_copy(struct rs_http_parser *p, const char *text, size_t n,
		      const struct rs_http_limits *lim)
{
	static struct rs_http_request req;
	char *b = copy(text, n);
	int r = rs_http_parse(p, b, n, lim, &req);

	free(b);
	return r;
}

/*
 * The whole text in one call gives want; dribbled a byte at a time, every
 * result is 0 until the first non-zero one, which is want, and stays want.
 */
static void run(const char *name, const char *text, size_t n, const struct rs_http_limits *lim,
		int want)
{
	struct rs_http_parser p = { 0 };
	int r = parse_copy(&p, text, n, lim);
	int first = 0;

	CHECK(r == want, "%s: whole -> %d, want %d", name, r, want);

	p = (struct rs_http_parser){ 0 };
	for (size_t k = 1; k <= n; k++) {
		r = parse_copy(&p, text, k, lim);
		if (!first && r) {
			first = r;
			CHECK(r == want, "%s: dribble gave %d at %zu, want %d", name, r, k, want);
		} else if (first) {
			CHECK(r == first, "%s: dribble changed %d -> %d at %zu", name, first, r, k);
		}
	}
	CHECK(first == want, "%s: dribble ended with %d, want %d", name, first, want);
}

/* "GET / HTTP/1.1\r\nX: aaa...": a header block of block bytes, terminated or not. */
static char *long_header(size_t block, bool terminated, size_t *len)
{
	static const char start[] = "GET / HTTP/1.1\r\nX: ";
	size_t pad = block - (sizeof(start) - 1) - 4;
	char *s = xmalloc(block);

	memcpy(s, start, sizeof(start) - 1);
	memset(s + sizeof(start) - 1, 'a', pad);
	*len = sizeof(start) - 1 + pad;
	if (terminated) {
		memcpy(s + *len, "\r\n\r\n", 4);
		*len += 4;
	}
	return s;
}

static void check_header_bytes(void)
{
	size_t max = rs_http_default_limits.max_header_bytes, n;
	char *s;

	s = long_header(max, true, &n);
	run("head-at-limit", s, n, NULL, (int)max);
	free(s);
	s = long_header(max + 1, true, &n);
	run("head-one-over", s, n, NULL, -431);
	free(s);
	s = long_header(max + 1000, true, &n);
	run("head-late-terminator", s, n, NULL, -431);
	free(s);
	s = long_header(max + 1000, false, &n);
	run("head-never-ends", s, n, NULL, -431);
	free(s);
}

/* "GET / HTTP/1.1\r\n" and count "Hnn: v" lines. */
static char *headers(int count, size_t *len)
{
	static const char start[] = "GET / HTTP/1.1\r\n";
	char *s = xmalloc(sizeof(start) + (size_t)count * 8 + 2);
	size_t off = sizeof(start) - 1;

	memcpy(s, start, off);
	for (int i = 0; i < count; i++) {
		char line[8] = { 'H', (char)('0' + i / 10 % 10), (char)('0' + i % 10), ':', ' ',
				 'v', '\r', '\n' };
		memcpy(s + off, line, sizeof(line));
		off += sizeof(line);
	}
	memcpy(s + off, "\r\n", 2);
	*len = off + 2;
	return s;
}

static void check_header_count(void)
{
	struct rs_http_limits two = { 8192, 2, 1024 };
	struct rs_http_limits over_cap = { 8192, 1000, 1024 };
	size_t n;
	char *s;

	s = headers(32, &n);
	run("32-headers", s, n, NULL, (int)n);
	free(s);
	s = headers(33, &n);
	run("33-headers", s, n, NULL, -431);
	free(s);
	s = headers(2, &n);
	run("2-of-2-headers", s, n, &two, (int)n);
	free(s);
	s = headers(3, &n);
	run("3-of-2-headers", s, n, &two, -431);
	free(s);
	s = headers(RS_HTTP_MAX_HEADERS_CAP + 1, &n);
	run("over-array-cap", s, n, &over_cap, -431);
	free(s);
}

static void check_body_limit(void)
{
	struct rs_http_limits ten = { 8192, 32, 10 };

	run("body-at-limit", S("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"), &ten,
	    (int)sizeof("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789") - 1);
	run("body-over-limit", S("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n0123456789x"), &ten,
	    -413);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(cases[i].name, cases[i].text, cases[i].len, NULL, cases[i].want);
	check_header_bytes();
	check_header_count();
	check_body_limit();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
