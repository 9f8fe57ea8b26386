/* test_resp.c - the load generator's response parser: the same answers however the bytes are split. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

#include "http_resp.h"

#define MAX_RESP 8

struct parsed {
	int n;			/* responses */
	int status[MAX_RESP];
	int close[MAX_RESP];
	char body[MAX_RESP][64];
	int err;		/* the error that ended parsing, 0 if none */
};

/*
 * Feed stream as the load generator does: bytes arrive in chunks (cut at
 * the given points), the unparsed rest stays at the front of one buffer.
 */
static void feed(const char *stream, size_t len, const size_t *cuts, int ncuts, struct parsed *out)
{
	char *buf = malloc(len + 1);
	size_t have = 0, start = 0;
	struct rs_resp r;

	memset(out, 0, sizeof(*out));
	rs_resp_init(&r);
	for (int c = 0; c <= ncuts && !out->err; c++) {
		size_t upto = c < ncuts ? cuts[c] : len;
		memcpy(buf + have, stream + have, upto - have);
		have = upto;
		for (;;) {
			ssize_t n = rs_resp_parse(&r, buf + start, have - start);
			if (n < 0)
				out->err = (int)n;
			if (n <= 0)
				break;
			if (out->n < MAX_RESP) {
				out->status[out->n] = r.status;
				out->close[out->n] = r.close;
				snprintf(out->body[out->n], sizeof(out->body[0]), "%.*s", (int)r.body_len,
					 buf + start + r.head_len);
			}
			out->n++;
			start += (size_t)n;
			rs_resp_init(&r);
		}
	}
	free(buf);
}

static bool same(const struct parsed *a, const struct parsed *b)
{
	if (a->n != b->n || a->err != b->err)
		return false;
	for (int i = 0; i < a->n && i < MAX_RESP; i++)
		if (a->status[i] != b->status[i] || a->close[i] != b->close[i] || strcmp(a->body[i], b->body[i]))
			return false;
	return true;
}

/* Every split into two pieces, and one byte at a time, parse as the whole does. */
static void check_splits(const char *name, const char *stream, const struct parsed *want)
{
	size_t len = strlen(stream);
	struct parsed whole, got;

	feed(stream, len, NULL, 0, &whole);
	CHECK(same(&whole, want), "%s: whole stream: %d responses, err %d", name, whole.n, whole.err);
	for (size_t k = 0; k <= len; k++) {
		feed(stream, len, &k, 1, &got);
		CHECK(same(&got, want), "%s: split at %zu: %d responses, err %d", name, k, got.n, got.err);
	}
	size_t *cuts = malloc(len * sizeof(*cuts));
	for (size_t k = 0; k < len; k++)
		cuts[k] = k;
	feed(stream, len, cuts, (int)len, &got);
	CHECK(same(&got, want), "%s: byte at a time: %d responses, err %d", name, got.n, got.err);
	free(cuts);
}

static void test_pipelined(void)
{
	const char *stream =
		"HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!"
		"HTTP/1.1 204 No Content\r\nDate: now\r\n\r\n"
		"HTTP/1.0 404 Not Found\r\ncontent-length:  3 \r\n\r\nnah"
		"HTTP/1.1 200 OK\nContent-Length: 5\nConnection: keep-alive, Close\n\ndb=42"
		"HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n";
	struct parsed want = { .n = 5, .status = { 200, 204, 404, 200, 500 }, .close = { 0, 0, 0, 1, 0 },
			       .body = { "Hello, World!", "", "nah", "db=42", "" } };
	check_splits("pipelined", stream, &want);
}

static void test_errors(void)
{
	static const struct {
		const char *name, *stream;
		int ok;		/* responses before the bad one */
		int err;
	} cases[] = {
		{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n0\r\n\r\n", 0, -ENOTSUP },
		{ "bad status", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", 0, -EPROTO },
		{ "not http", "SSH-2.0-OpenSSH_9.2\r\n", 0, -EPROTO },
		{ "no length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n", 1, -EPROTO },
		{ "two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 0, -EPROTO },
		{ "bad length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nabc", 0, -EPROTO },
		{ "continue", "HTTP/1.1 100 Continue\r\n\r\n", 0, -EPROTO },
		{ "no colon", "HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok", 0, -EPROTO },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed want = { .n = cases[i].ok, .err = cases[i].err };
		if (cases[i].ok) {
			want.status[0] = 200;
			strcpy(want.body[0], "ok");
		}
		check_splits(cases[i].name, cases[i].stream, &want);
	}
}

static void test_huge_head(void)
{
	size_t len = RS_RESP_MAX_HEAD + 4096;
	char *s = malloc(len + 1);
	struct parsed got;

	strcpy(s, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(s + strlen(s), 'a', len - strlen(s));
	s[len] = '\0';
	feed(s, len, NULL, 0, &got);
	CHECK(got.err == -EMSGSIZE, "a head over the limit: err %d", got.err);
	size_t cut = RS_RESP_MAX_HEAD / 2;
	feed(s, len, &cut, 1, &got);
	CHECK(got.err == -EMSGSIZE, "a head over the limit, in two pieces: err %d", got.err);
	free(s);
}

int main(void)
{
	test_pipelined();
	test_errors();
	test_huge_head();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
