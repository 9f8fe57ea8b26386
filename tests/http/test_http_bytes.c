/* test_http_bytes.c - every byte value in a method, a header name, a header value and a Host, against RFC 9110/3986's sets. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../check.h"

#include "http.h"

static struct rs_http_request req;

/* rs_http_parse on text of len bytes (it may hold a NUL): its return. */
static int parse(const char *text, size_t len)
{
	struct rs_http_parser p = { 0 };

	return rs_http_parse(&p, text, len, NULL, &req);
}

static bool alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The sets as the RFCs list them, written apart from the parser's table. */
static bool tchar(int c)
{
	return alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool host_char(int c)
{
	return alnum(c) || (c && strchr("-._~!$&'()*+,;=%", c));
}

/* A value may hold HT, SP, visible ASCII and obs-text (0x80-0xff). */
static bool value_char(int c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

int main(void)
{
	char buf[256];
	int n;

	for (int c = 0; c < 256; c++) {
		/* in a method, between two letters */
		n = snprintf(buf, sizeof(buf), "G%cT / HTTP/1.1\r\nHost: h\r\n\r\n", c ? c : '@');
		buf[1] = (char)c;
		CHECK((parse(buf, (size_t)n) > 0) == tchar(c), "method byte 0x%02x", c);

		/* in a header name */
		if (c != ':' && c != '\n') {
			n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nX%cy: v\r\nHost: h\r\n\r\n", c ? c : '@');
			buf[17] = (char)c;
			CHECK((parse(buf, (size_t)n) > 0) == tchar(c), "name byte 0x%02x", c);
		}

		/* in a header value, at every offset of a value long enough for the word-at-a-time check */
		if (c != '\n' && c != '\r') {
			for (int at = 0; at < 20; at++) {
				char v[21];
				memset(v, 'a', 20);
				v[20] = 0;
				n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nX: %s\r\nHost: h\r\n\r\n", v);
				buf[19 + at] = (char)c;
				bool ok = value_char(c);
				CHECK((parse(buf, (size_t)n) > 0) == ok, "value byte 0x%02x at %d", c, at);
			}
		}

		/* in a Host: parsed, then refused by rs_http_check_host unless it is a reg-name byte */
		if (c > 0x20 && c != 0x7f && c != ':' && c != '[') {
			n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a%cb:80\r\n\r\n", c);
			int r = parse(buf, (size_t)n);
			CHECK(r == n, "host byte 0x%02x: parse -> %d", c, r);
			CHECK((rs_http_check_host(&req) == 0) == host_char(c), "host byte 0x%02x", c);
		}
	}

	/* Header names match whatever their case; a name of the same length that differs does not. */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\ncOnNeCtIoN: ClOsE\r\nhOsT: h\r\n\r\n");
	CHECK(parse(buf, (size_t)n) == n && !req.keep_alive, "mixed-case Connection: close");
	CHECK(rs_http_check_host(&req) == 0, "mixed-case Host");
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nConnectio-: close\r\nHost: h\r\n\r\n");
	CHECK(parse(buf, (size_t)n) == n && req.keep_alive, "a near-miss name is not Connection");
	return failures ? TEST_FAIL : TEST_PASS;
}
