/* test_hlog.c - latency.hlog: encode then decode gives the same counts and percentiles; a log reads back line by line; bad input is refused. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "harness/hist.h"
#include "harness/hist_int.h"
#include "harness/hlog.h"
#include "harness/stats.h"

/* Encode h, decode it into back: every bucket count, total, clamped-free percentiles and max equal. */
static void round_trip(const struct rs_hist *h, const char *what)
{
	struct rs_hist *back;
	char *b64;
	REQUIRE(!rs_hist_new(&back));
	REQUIRE(!rs_hlog_encode(h, &b64));
	CHECK(!strncmp(b64, "HISTF", 5), "%s: base64 does not start with the V2 compressed cookie: %.16s", what, b64);
	int err = rs_hlog_decode(b64, strlen(b64), back);
	CHECK(!err, "%s: decode: %s", what, strerror(-err));
	CHECK(rs_hist_count(back) == rs_hist_count(h), "%s: count %llu vs %llu", what,
	      (unsigned long long)rs_hist_count(back), (unsigned long long)rs_hist_count(h));
	int diff = 0;
	for (size_t i = 0; i < COUNTS; i++)
		diff += back->counts[i] != h->counts[i];
	CHECK(!diff, "%s: %d buckets differ", what, diff);
	/* Percentiles below the max read the same; the max itself comes back at its bucket's top (no Interval_Max here). */
	for (double p = 0.5; p < 100; p += 0.5)
		CHECK(rs_hist_percentile(back, p) == rs_hist_percentile(h, p) ||
			      rs_hist_index_of(rs_hist_percentile(back, p)) == rs_hist_index_of(rs_hist_max(h)),
		      "%s: p%g %llu vs %llu", what, p, (unsigned long long)rs_hist_percentile(back, p),
		      (unsigned long long)rs_hist_percentile(h, p));
	free(b64);
	rs_hist_free(back);
}

struct lines {
	int n;
	uint64_t counts[8];
	double start[8], max_ms[8];
	char tag[8][16];
	struct rs_hist *run;
};

static int on_line(void *arg, const struct rs_hlog_interval *iv)
{
	struct lines *l = arg;
	if (l->n == 8)
		return -E2BIG;
	l->counts[l->n] = rs_hist_count(iv->h);
	l->start[l->n] = iv->start_s;
	l->max_ms[l->n] = iv->max_ms;
	snprintf(l->tag[l->n], sizeof(l->tag[0]), "%s", iv->tag ? iv->tag : "");
	if (iv->tag && !strcmp(iv->tag, "run")) {
		/* With Interval_Max, the read histogram is the written one, max included. */
		for (double p = 1; p <= 100; p += 1)
			CHECK(rs_hist_percentile(iv->h, p) == rs_hist_percentile(l->run, p), "Tag=run p%g differs", p);
		CHECK(rs_hist_max(iv->h) == rs_hist_max(l->run), "Tag=run max %llu vs %llu",
		      (unsigned long long)rs_hist_max(iv->h), (unsigned long long)rs_hist_max(l->run));
	}
	l->n++;
	return 0;
}

static int decode_text(const char *s)
{
	struct rs_hist *h;
	REQUIRE(!rs_hist_new(&h));
	int err = rs_hlog_decode(s, strlen(s), h);
	CHECK(!err || rs_hist_count(h) == 0, "a failed decode left %llu counts", (unsigned long long)rs_hist_count(h));
	rs_hist_free(h);
	return err;
}

static void write_log(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	REQUIRE(f && fputs(text, f) >= 0 && !fclose(f));
}

int main(void)
{
	struct rs_hist *h[3], *run;
	uint64_t rng = 7;
	for (int i = 0; i < 3; i++)
		REQUIRE(!rs_hist_new(&h[i]));
	REQUIRE(!rs_hist_new(&run));

	round_trip(h[0], "empty");
	rs_hist_record(h[0], 1);
	round_trip(h[0], "one value of 1 us");
	/* Every range: exact sub-buckets, wide ones near 60 s, a clamped value, counts past 2^32. */
	for (int i = 0; i < 200000; i++)
		rs_hist_record(h[1], (uint64_t)(rs_stats_uniform(&rng) * rs_stats_uniform(&rng) * 7e7));
	round_trip(h[1], "uniform products to 70 s");
	rs_hist_merge(h[2], h[1]);
	h[2]->counts[100] += 5000000000ull;
	h[2]->total += 5000000000ull;
	round_trip(h[2], "a count past 2^32");

	/* A log: two 1 s lines and Tag=run. */
	char dir[] = "/tmp/rs-hlog-test-XXXXXX", path[64];
	REQUIRE(mkdtemp(dir));
	rs_hist_merge(run, h[0]);
	rs_hist_merge(run, h[1]);
	const struct rs_hlog_interval iv[3] = {
		{ .start_s = 0, .length_s = 1, .h = h[0] },
		{ .start_s = 1, .length_s = 1, .h = h[1] },
		{ .tag = "run", .start_s = 0, .length_s = 2, .h = run },
	};
	REQUIRE(!rs_hlog_save(dir, "latency.hlog", 1764640000.5, iv, 3));
	snprintf(path, sizeof(path), "%s/latency.hlog", dir);
	struct lines l = { .run = run };
	CHECK(!rs_hlog_read(path, on_line, &l), "read");
	CHECK(l.n == 3 && l.counts[0] == 1 && l.counts[1] == 200000 && l.counts[2] == 200001, "lines %d: %llu %llu %llu",
	      l.n, (unsigned long long)l.counts[0], (unsigned long long)l.counts[1], (unsigned long long)l.counts[2]);
	CHECK(l.start[1] == 1 && !strcmp(l.tag[2], "run") && !l.tag[0][0], "timestamps or tags");
	CHECK(l.max_ms[1] == (double)rs_hist_max(h[1]) / 1000, "Interval_Max %g ms for a max of %llu us", l.max_ms[1],
	      (unsigned long long)rs_hist_max(h[1]));

	/* Merging the whole run: the Tag=run line; without one, the untagged lines' sum. */
	struct rs_hist *m;
	REQUIRE(!rs_hist_new(&m));
	CHECK(!rs_hlog_merge_run(path, m) && rs_hist_count(m) == 200001, "merge_run with Tag=run");
	REQUIRE(!rs_hlog_save(dir, "latency.hlog", 1764640000.5, iv, 2));
	rs_hist_reset(m);
	CHECK(!rs_hlog_merge_run(path, m) && rs_hist_count(m) == 200001 &&
	      rs_hist_percentile(m, 99.9) == rs_hist_percentile(run, 99.9), "merge_run of untagged lines");
	REQUIRE(!rs_hlog_save(dir, "latency.hlog", 1764640000.5, iv, 0));
	CHECK(rs_hlog_merge_run(path, m) == -ENODATA, "a log of no interval merges as -ENODATA");

	/* Bad input: not base64, base64 of no histogram, a line without its fields, a missing file. */
	CHECK(decode_text("not base64!") == -EINVAL, "garbage");
	CHECK(decode_text("AAAAAAAAAAAA") == -EPROTO, "zeros are not a V2 cookie");
	CHECK(decode_text("HISTFAAAAAAA") == -EINVAL, "a cookie with nothing after it");
	write_log(path, "#[BaseTime: 0.000 (seconds since epoch)]\n0.000,1.000,HISTFAAAAAAA\n");
	fprintf(stderr, "(an error line about %s:2 is expected next)\n", path);
	CHECK(rs_hlog_read(path, on_line, &l) == -EINVAL, "a line of three fields");
	CHECK(rs_hlog_read("/nonexistent/latency.hlog", on_line, &l) == -ENOENT, "a missing file");

	unlink(path);
	rmdir(dir);
	for (int i = 0; i < 3; i++)
		rs_hist_free(h[i]);
	rs_hist_free(run);
	rs_hist_free(m);
	return failures ? TEST_FAIL : TEST_PASS;
}
