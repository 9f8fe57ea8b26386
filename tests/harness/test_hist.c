/* test_hist.c - the histogram against exact statistics of random samples; merge, correction, .hgrm format. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

#include "hist.h"

#define N 200000

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double uniform01(void)
{
	return (double)(next_rand() >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static struct rs_hist *new_hist(void)
{
	struct rs_hist *h;
	if (rs_hist_new(&h)) {
		fprintf(stderr, "FAIL: rs_hist_new\n");
		exit(1);
	}
	return h;
}

/* Fill v[] with one of three shapes: uniform over the range, log-uniform, small integers. */
static void samples(uint64_t *v, int kind)
{
	for (int i = 0; i < N; i++) {
		switch (kind) {
		case 0:
			v[i] = 1 + (uint64_t)(uniform01() * 59999999.0);
			break;
		case 1:
			v[i] = (uint64_t)exp(uniform01() * log(60e6));
			break;
		default:
			v[i] = next_rand() % 3000;
			break;
		}
	}
}

static void check_percentiles(const char *what, const struct rs_hist *h, uint64_t *sorted)
{
	static const double ps[] = { 0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 99.999, 100 };
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		size_t rank = (size_t)ceil(ps[i] / 100.0 * N);
		uint64_t exact = sorted[rank ? rank - 1 : 0];
		uint64_t got = rs_hist_percentile(h, ps[i]);
		double rel = exact ? fabs((double)got - (double)exact) / (double)exact : (double)got;
		CHECK(rel <= 0.001, "%s: p%g = %" PRIu64 ", exact %" PRIu64 " (%.4f%% off)", what, ps[i], got, exact,
		      100 * rel);
	}
}

static void check_stats(const char *what, const struct rs_hist *h, const uint64_t *sorted)
{
	double sum = 0, sq = 0;
	for (int i = 0; i < N; i++)
		sum += (double)sorted[i];
	double mean = sum / N;
	for (int i = 0; i < N; i++)
		sq += ((double)sorted[i] - mean) * ((double)sorted[i] - mean);
	double sd = sqrt(sq / N);

	CHECK(rs_hist_count(h) == N, "%s: count %" PRIu64, what, rs_hist_count(h));
	CHECK(rs_hist_min(h) == sorted[0], "%s: min %" PRIu64 " != %" PRIu64, what, rs_hist_min(h), sorted[0]);
	CHECK(rs_hist_max(h) == sorted[N - 1], "%s: max %" PRIu64 " != %" PRIu64, what, rs_hist_max(h),
	      sorted[N - 1]);
	CHECK(fabs(rs_hist_mean(h) - mean) <= 1e-9 * mean, "%s: mean %f != %f", what, rs_hist_mean(h), mean);
	CHECK(fabs(rs_hist_stddev(h) - sd) <= 1e-6 * sd, "%s: stddev %f != %f", what, rs_hist_stddev(h), sd);
}

static void test_accuracy(void)
{
	uint64_t *v = malloc(N * sizeof(*v));
	static const char *const names[] = { "uniform", "log-uniform", "small" };
	for (int kind = 0; kind < 3; kind++) {
		struct rs_hist *h = new_hist();
		samples(v, kind);
		for (int i = 0; i < N; i++)
			rs_hist_record(h, v[i]);
		qsort(v, N, sizeof(*v), cmp_u64);
		check_percentiles(names[kind], h, v);
		check_stats(names[kind], h, v);
		rs_hist_free(h);
	}
	free(v);
}

static char *hgrm_text(const struct rs_hist *h, double scale)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(rs_hist_write_hgrm(h, f, scale) == 0, "write_hgrm failed");
	fclose(f);
	return buf;
}

/* Merging four parts equals recording everything into one: same answers, same file. */
static void test_merge(void)
{
	struct rs_hist *all = new_hist(), *sum = new_hist(), *sum_snap = new_hist(), *part[4];
	for (int i = 0; i < 4; i++)
		part[i] = new_hist();
	for (int i = 0; i < N; i++) {
		uint64_t v = (uint64_t)exp(uniform01() * log(1e6));
		rs_hist_record(all, v);
		rs_hist_record(part[next_rand() % 4], v);
	}
	for (int i = 0; i < 4; i++) {
		struct rs_hist_snap *s;
		rs_hist_merge(sum, part[i]);
		CHECK(rs_hist_snap_new(part[i], &s) == 0, "snap_new");
		rs_hist_merge_snap(sum_snap, s);
		rs_hist_snap_free(s);
	}
	for (int k = 0; k <= 1000; k++) {
		double p = k / 10.0;
		CHECK(rs_hist_percentile(all, p) == rs_hist_percentile(sum, p), "merge: p%g differs", p);
		CHECK(rs_hist_percentile(all, p) == rs_hist_percentile(sum_snap, p), "snapshot merge: p%g differs", p);
	}
	char *a = hgrm_text(all, 1000), *b = hgrm_text(sum, 1000), *c = hgrm_text(sum_snap, 1000);
	CHECK(!strcmp(a, b), "merged .hgrm differs from the single histogram's");
	CHECK(!strcmp(a, c), "snapshot-merged .hgrm differs from the single histogram's");
	free(a);
	free(b);
	free(c);
	/* Reset really empties: the touched range is cleared. */
	rs_hist_reset(sum);
	CHECK(rs_hist_count(sum) == 0 && rs_hist_percentile(sum, 50) == 0 && rs_hist_max(sum) == 0, "reset");
	rs_hist_record(sum, 7);
	CHECK(rs_hist_percentile(sum, 100) == 7 && rs_hist_percentile(sum, 1) == 7, "after reset");
	rs_hist_free(all);
	rs_hist_free(sum);
	rs_hist_free(sum_snap);
	for (int i = 0; i < 4; i++)
		rs_hist_free(part[i]);
}

static void test_corrected(void)
{
	struct rs_hist *h = new_hist();
	rs_hist_record_corrected(h, 1000, 100);	/* 1000, 900, ..., 100 */
	CHECK(rs_hist_count(h) == 10, "corrected 1000/100: count %" PRIu64, rs_hist_count(h));
	CHECK(rs_hist_min(h) == 100, "corrected 1000/100: min %" PRIu64, rs_hist_min(h));
	rs_hist_reset(h);
	rs_hist_record_corrected(h, 1050, 100);	/* 1050, 950, ..., 150 */
	CHECK(rs_hist_count(h) == 10 && rs_hist_min(h) == 150, "corrected 1050/100: %" PRIu64,
	      rs_hist_count(h));
	rs_hist_reset(h);
	rs_hist_record_corrected(h, 50, 100);
	rs_hist_record_corrected(h, 100, 100);
	rs_hist_record_corrected(h, 5000, 0);
	CHECK(rs_hist_count(h) == 3, "no correction at or under the interval, or without one: %" PRIu64,
	      rs_hist_count(h));
	rs_hist_reset(h);
	rs_hist_record_corrected(h, 1000000, 1000);
	CHECK(rs_hist_count(h) == 1000, "corrected 1 s / 1 ms: %" PRIu64, rs_hist_count(h));
	CHECK(fabs(rs_hist_mean(h) - 500500.0) < 1e-6, "corrected mean %f", rs_hist_mean(h));
	rs_hist_free(h);
}

static void test_clamp_and_empty(void)
{
	struct rs_hist *h = new_hist();
	CHECK(rs_hist_percentile(h, 99) == 0 && rs_hist_count(h) == 0 && rs_hist_min(h) == 0, "empty");
	char *text = hgrm_text(h, 1000);
	CHECK(strstr(text, "Total count    =            0]") != NULL, "empty .hgrm footer:\n%s", text);
	free(text);
	rs_hist_record(h, 61000000);
	rs_hist_record(h, 0);
	CHECK(rs_hist_clamped(h) == 1, "clamped %" PRIu64, rs_hist_clamped(h));
	CHECK(rs_hist_max(h) == 60000000, "max after clamp %" PRIu64, rs_hist_max(h));
	CHECK(rs_hist_percentile(h, 100) == 60000000, "p100 after clamp");
	CHECK(rs_hist_percentile(h, 50) == 0, "p50 of {0, 60 s}");
	rs_hist_free(h);
}

/* Parse the .hgrm as a plotting script would; rows must be monotonic and end at the total. */
static void test_hgrm_parses(void)
{
	struct rs_hist *h = new_hist();
	for (int i = 0; i < N; i++)
		rs_hist_record(h, 50 + (uint64_t)exp(uniform01() * log(2e5)));
	char *text = hgrm_text(h, 1000);
	const char *header = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
	CHECK(!strncmp(text, header, strlen(header)), "header:\n%.80s", text);

	double value, pct, last_value = -1, last_pct = -1;
	unsigned long long total, last_total = 0, footer_total = 0;
	char inv[32];
	int rows = 0;
	double max_ms = 0;
	for (char *line = strtok(text + strlen(header), "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#') {
			sscanf(line, "#[Max     = %lf, Total count    = %llu]", &max_ms, &footer_total);
			continue;
		}
		CHECK(sscanf(line, "%lf %lf %llu %31s", &value, &pct, &total, inv) == 4, "row: %s", line);
		CHECK(value >= last_value && pct >= last_pct && total >= last_total, "not monotonic: %s", line);
		last_value = value;
		last_pct = pct;
		last_total = total;
		rows++;
	}
	CHECK(rows > 50, "only %d rows", rows);
	CHECK(last_pct == 1.0 && !strcmp(inv, "inf"), "last row at %f, %s", last_pct, inv);
	CHECK(last_total == rs_hist_count(h), "last TotalCount %llu != %" PRIu64, last_total, rs_hist_count(h));
	CHECK(footer_total == rs_hist_count(h), "footer total %llu", footer_total);
	CHECK(fabs(max_ms - (double)rs_hist_max(h) / 1000) < 0.001, "footer max %f", max_ms);
	CHECK(fabs(last_value - (double)rs_hist_max(h) / 1000) < 0.001, "last row value %f", last_value);
	free(text);
	rs_hist_free(h);
}

int main(void)
{
	test_accuracy();
	test_merge();
	test_corrected();
	test_clamp_and_empty();
	test_hgrm_parses();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
