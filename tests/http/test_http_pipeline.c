/* test_http_pipeline.c - requests sent back to back parse one after another, in order. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

#include "http.h"

#define NREQ 16

static char stream[NREQ * 128];
static size_t stream_len;
static size_t req_len[NREQ];

static bool path_is(const struct rs_http_request *r, const char *want)
{
	return r->path_len == strlen(want) && memcmp(r->path, want, r->path_len) == 0;
}

/* Request i: path /p<i>; every third one a POST with a body that looks like a request. */
static void build_stream(void)
{
	for (int i = 0; i < NREQ; i++) {
		char *w = stream + stream_len;
		size_t room = sizeof(stream) - stream_len;
		int n;

		if (i % 3 == 1)
			n = snprintf(w, room, "POST /p%d HTTP/1.1\r\nContent-Length: 18\r\n\r\n"
					      "GET /no HTTP/1.1\r\n", i);
		else if (i % 3 == 2)
			n = snprintf(w, room, "GET /p%d?i=%d HTTP/1.1\nHost: h\n\n", i, i);
		else
			n = snprintf(w, room, "GET /p%d HTTP/1.1\r\nHost: h\r\n\r\n", i);
		req_len[i] = (size_t)n;
		stream_len += (size_t)n;
	}
}

/* The whole stream in one buffer: each parse consumes exactly one request. */
static void check_one_buffer(void)
{
	static struct rs_http_request req;
	char *buf = xmalloc(stream_len);
	size_t off = 0;

	memcpy(buf, stream, stream_len);
	for (int i = 0; i < NREQ; i++) {
		struct rs_http_parser p = { 0 };
		char want[16];
		int r = rs_http_parse(&p, buf + off, stream_len - off, NULL, &req);

		snprintf(want, sizeof(want), "/p%d", i);
		CHECK(r == (int)req_len[i], "request %d consumed %d, want %zu", i, r, req_len[i]);
		if (r <= 0)
			break;
		CHECK(path_is(&req, want), "request %d: wrong path %.*s", i,
		      (int)req.path_len, req.path);
		if (i % 3 == 1)
			CHECK(req.content_length == 18 && memcmp(req.body, "GET /no", 7) == 0,
			      "request %d: body", i);
		off += (size_t)r;
	}
	CHECK(off == stream_len, "consumed %zu of %zu", off, stream_len);
	free(buf);
}

/*
 * The stream arriving chunk bytes at a time into an engine-like buffer: parse
 * what is there, consume complete requests, reset the parser after each.
 */
static void check_chunked_arrival(size_t chunk)
{
	static struct rs_http_request req;
	struct rs_http_parser p = { 0 };
	size_t have = 0, off = 0;
	int next = 0;

	while (have < stream_len) {
		have += chunk;
		if (have > stream_len)
			have = stream_len;
		for (;;) {
			/* A fresh exact-size copy of the unconsumed bytes each time. */
			char *b = xmalloc(have - off);
			memcpy(b, stream + off, have - off);
			int r = rs_http_parse(&p, b, have - off, NULL, &req);
			char want[16];

			snprintf(want, sizeof(want), "/p%d", next);
			CHECK(r >= 0, "chunk %zu: error %d at request %d", chunk, r, next);
			if (r > 0) {
				CHECK(r == (int)req_len[next] && path_is(&req, want),
				      "chunk %zu: request %d: consumed %d, path %.*s", chunk, next,
				      r, (int)req.path_len, req.path);
				off += (size_t)r;
				next++;
				p = (struct rs_http_parser){ 0 };
			}
			free(b);
			if (r <= 0 || off == have)
				break;
		}
		if (failures)
			return;
	}
	CHECK(next == NREQ && off == stream_len, "chunk %zu: %d requests, %zu bytes", chunk,
	      next, off);
}

int main(void)
{
	build_stream();
	check_one_buffer();
	for (size_t chunk = 1; chunk <= 64 && !failures; chunk++)
		check_chunked_arrival(chunk);
	check_chunked_arrival(stream_len);
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
