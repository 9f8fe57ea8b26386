/* bench_parse.c - HTTP request parse cost: rs_http_parse + rs_http_check_host over a pipelined buffer, ns per request. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clock.h"
#include "http.h"
#include "stats.h"

#define PARSE_RUNS 5
#define PARSE_DEFAULT_ITERS 2000000ul
/* As many requests as one --pipeline=16 batch: the buffer stays in L1. */
#define PARSE_BATCH 16

/* The two request shapes: the load generator's own, and a browser's header set. */
static const struct {
	const char *name;
	const char *req;
} shapes[] = {
	{ "loadgen", "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n" },
	{ "browser", "GET /plaintext HTTP/1.1\r\nHost: server.example.com:8080\r\n"
		     "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
		     "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
		     "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
		     "Connection: keep-alive\r\nCache-Control: max-age=0\r\n\r\n" },
};

/* ns per request over iters requests, or a negative errno (a request the parser refused). */
static double parse_once(const char *buf, size_t len, unsigned long iters)
{
	struct rs_http_parser p = { 0 };
	struct rs_http_request req;
	unsigned long done = 0;
	uint64_t t0 = rs_now_ns();

	while (done < iters) {
		size_t off = 0;
		while (off < len) {
			int n = rs_http_parse(&p, buf + off, len - off, NULL, &req);
			if (n <= 0 || rs_http_check_host(&req))
				return n < 0 ? n : -EPROTO;
			off += (size_t)n;
			done++;
		}
	}
	return (double)(rs_now_ns() - t0) / (double)done;
}

int rs_bench_parse_main(int argc, char **argv)
{
	unsigned long iters = PARSE_DEFAULT_ITERS;
	char *end;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--iterations=", 13)) {
			errno = 0;
			iters = strtoul(argv[i] + 13, &end, 10);
			if (!errno && !*end && end != argv[i] + 13 && iters)
				continue;
		}
		FILE *f = strcmp(argv[i], "--help") ? stderr : stdout;
		fprintf(f, "usage: bench-parse [--iterations=N]\n"
			"  N requests parsed per run (default %lu), in pipelined batches of %d; each\n"
			"  request shape is run %d times, median and range shown\n",
			PARSE_DEFAULT_ITERS, PARSE_BATCH, PARSE_RUNS);
		return f == stdout ? 0 : 2;
	}
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		size_t one = strlen(shapes[s].req), len = one * PARSE_BATCH;
		char *buf = malloc(len);
		double ns[PARSE_RUNS];

		if (!buf) {
			fprintf(stderr, "bench-parse: %s\n", strerror(ENOMEM));
			return 1;
		}
		for (int b = 0; b < PARSE_BATCH; b++)
			memcpy(buf + (size_t)b * one, shapes[s].req, one);
		for (int r = 0; r < PARSE_RUNS; r++) {
			ns[r] = parse_once(buf, len, iters);
			if (ns[r] < 0) {
				fprintf(stderr, "bench-parse: the %s request was refused: %s\n", shapes[s].name,
					strerror((int)-ns[r]));
				free(buf);
				return 1;
			}
		}
		free(buf);
		double lo = ns[0], hi = ns[0];
		for (int r = 1; r < PARSE_RUNS; r++) {
			lo = ns[r] < lo ? ns[r] : lo;
			hi = ns[r] > hi ? ns[r] : hi;
		}
		printf("%s (%zu bytes): %.1f ns per request (median of %d x %lu; range %.1f-%.1f)\n", shapes[s].name,
		       one, rs_stats_median(ns, PARSE_RUNS), PARSE_RUNS, iters, lo, hi);
	}
	return 0;
}
