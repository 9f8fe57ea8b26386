/* test_http_response.c - response bytes, reason phrases and the cached Date header. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../check.h"

#include "http.h"

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (memcmp(s, list[i], 3) == 0)
			return true;
	}
	return false;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT", exactly n == 29 bytes. */
static bool date_well_formed(const char *d, size_t n)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	return n == 29 && in_list(d, days, 7) && memcmp(d + 3, ", ", 2) == 0 &&
	       digits(d + 5, 2) && d[7] == ' ' && in_list(d + 8, months, 12) && d[11] == ' ' &&
	       digits(d + 12, 4) && d[16] == ' ' && digits(d + 17, 2) && d[19] == ':' &&
	       digits(d + 20, 2) && d[22] == ':' && digits(d + 23, 2) &&
	       memcmp(d + 25, " GMT", 4) == 0;
}

/*
 * The response in b must be exactly head + "Date: <d>\r\n" + tail for some
 * well-formed date d, right after the Server line.
 */
static void check_response(const struct rs_buf *b, const char *head, const char *tail,
			   const void *body, size_t body_len)
{
	const char *s = rs_buf_head(b);
	size_t hl = strlen(head), tl = strlen(tail);
	size_t want = hl + 6 + 29 + 2 + tl + body_len;

	CHECK(b->len == want, "length %zu, want %zu", b->len, want);
	if (b->len != want)
		return;
	CHECK(memcmp(s, head, hl) == 0, "head: %.*s", (int)hl, s);
	CHECK(memcmp(s + hl, "Date: ", 6) == 0, "no Date after: %s", head);
	CHECK(date_well_formed(s + hl + 6, 29), "bad date %.29s", s + hl + 6);
	CHECK(memcmp(s + hl + 35, "\r\n", 2) == 0, "Date line not ended");
	CHECK(memcmp(s + hl + 37, tail, tl) == 0, "tail: %.*s", (int)tl, s + hl + 37);
	CHECK(body_len == 0 || memcmp(s + hl + 37 + tl, body, body_len) == 0, "body differs");
}

static void check_plaintext(void)
{
	struct rs_buf b = { 0 };

	CHECK(rs_http_respond(&b, 200, "text/plain", "Hello, World!", 13, true) == 0, "respond");
	check_response(&b, "HTTP/1.1 200 OK\r\nServer: ringside\r\n",
		       "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\n", "Hello, World!", 13);
	rs_buf_clear(&b);

	CHECK(rs_http_respond(&b, 200, "application/json", "{}", 2, false) == 0, "respond");
	check_response(&b, "HTTP/1.1 200 OK\r\nServer: ringside\r\n",
		       "Content-Type: application/json\r\nContent-Length: 2\r\n"
		       "Connection: close\r\n\r\n", "{}", 2);
	rs_buf_clear(&b);

	/* 204 carries neither content nor a Content-Length (RFC 9110 §8.6),
	 * even when the caller passed a body. */
	CHECK(rs_http_respond(&b, 204, NULL, "body", 4, true) == 0, "respond 204");
	check_response(&b, "HTTP/1.1 204 No Content\r\nServer: ringside\r\n", "\r\n", NULL, 0);
	rs_buf_clear(&b);
	CHECK(rs_http_respond(&b, 304, NULL, "body", 4, true) == 0, "respond 304");
	check_response(&b, "HTTP/1.1 304 Not Modified\r\nServer: ringside\r\n", "Content-Length: 0\r\n\r\n",
		       NULL, 0);
	rs_buf_free(&b);
}

static void check_errors(void)
{
	struct rs_buf b = { 0 };

	CHECK(rs_http_respond_error(&b, 404, true) == 0, "respond_error");
	check_response(&b, "HTTP/1.1 404 Not Found\r\nServer: ringside\r\n",
		       "Content-Type: text/plain\r\nContent-Length: 9\r\n\r\n", "Not Found", 9);
	rs_buf_clear(&b);

	CHECK(rs_http_respond_error(&b, 431, false) == 0, "respond_error");
	check_response(&b, "HTTP/1.1 431 Request Header Fields Too Large\r\nServer: ringside\r\n",
		       "Content-Type: text/plain\r\nContent-Length: 31\r\nConnection: close\r\n\r\n",
		       "Request Header Fields Too Large", 31);
	rs_buf_clear(&b);

	CHECK(rs_http_respond(&b, 99, "text/plain", "", 0, true) == -EINVAL, "status 99");
	CHECK(rs_http_respond(&b, 1000, "text/plain", "", 0, true) == -EINVAL, "status 1000");
	CHECK(b.len == 0, "nothing appended on error");
	rs_buf_free(&b);
}

/* Content-Length digits at every width, and a body bigger than any initial buffer. */
static void check_lengths(void)
{
	static const size_t lens[] = { 1, 9, 10, 99, 100, 999, 1000, 65535, 65536, 1234567 };
	char *body = xmalloc(1234567);

	memset(body, 'x', 1234567);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct rs_buf b = { 0 };
		char tail[128];

		snprintf(tail, sizeof(tail), "Content-Type: a/b\r\nContent-Length: %zu\r\n\r\n",
			 lens[i]);
		CHECK(rs_http_respond(&b, 200, "a/b", body, lens[i], true) == 0, "respond");
		check_response(&b, "HTTP/1.1 200 OK\r\nServer: ringside\r\n", tail, body, lens[i]);
		rs_buf_free(&b);
	}
	free(body);
}

/* Responses append: pipelined answers go out in one write. */
static void check_append(void)
{
	struct rs_buf b = { 0 };
	size_t one;

	CHECK(rs_buf_puts(&b, "prefix") == 0, "puts");
	CHECK(rs_http_respond(&b, 200, "text/plain", "a", 1, true) == 0, "respond");
	one = b.len - 6;
	CHECK(rs_http_respond(&b, 200, "text/plain", "a", 1, true) == 0, "respond");
	CHECK(b.len == 6 + 2 * one, "second response appended");
	CHECK(memcmp(rs_buf_head(&b), "prefixHTTP/1.1 200 OK\r\n", 23) == 0, "prefix kept");
	CHECK(memcmp(rs_buf_head(&b) + 6 + one, "HTTP/1.1 200 OK\r\n", 17) == 0, "second");
	rs_buf_free(&b);
}

static void check_reasons(void)
{
	static const struct {
		int status;
		const char *reason;
	} want[] = {
		{ 200, "OK" },
		{ 204, "No Content" },
		{ 400, "Bad Request" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 408, "Request Timeout" },
		{ 413, "Content Too Large" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 501, "Not Implemented" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(strcmp(rs_http_reason(want[i].status), want[i].reason) == 0, "%d: %s",
		      want[i].status, rs_http_reason(want[i].status));
	CHECK(rs_http_reason(799) != NULL && rs_http_reason(799)[0], "unknown status");
}

static void fixdate(time_t t, char out[64])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	/* The C locale (never changed here) gives the English names IMF-fixdate wants. */
	strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void *date_in_thread(void *arg)
{
	const char **out = arg;

	*out = rs_http_date();
	CHECK(date_well_formed(*out, strlen(*out)), "thread date %s", *out);
	return NULL;
}

static void check_date(void)
{
	time_t t1 = time(NULL);
	const char *d1 = rs_http_date();
	char first[32];
	const char *d2, *other = NULL;
	time_t t2;
	pthread_t th;
	bool match = false;

	snprintf(first, sizeof(first), "%s", d1);
	d2 = rs_http_date();
	t2 = time(NULL);
	CHECK(date_well_formed(d1, strlen(d1)), "date %s", d1);
	CHECK(d1 == d2, "the same per-thread buffer each call");

	/* It is the current time, give or take the second that may tick meanwhile. */
	for (time_t t = t1 - 1; t <= t2 + 1; t++) {
		char want[64];
		fixdate(t, want);
		match |= strcmp(first, want) == 0;
	}
	CHECK(match, "date %s is not now", first);

	CHECK(pthread_create(&th, NULL, date_in_thread, &other) == 0, "pthread_create");
	pthread_join(th, NULL);
	CHECK(other && other != d1, "each thread has its own copy");
}

int main(void)
{
	check_plaintext();
	check_errors();
	check_lengths();
	check_append();
	check_reasons();
	check_date();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
