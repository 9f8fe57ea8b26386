/* test_hist_file.c - latency.hist round-trips exactly: merging hosts' files equals the concatenated samples' histogram. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "harness/hist.h"
#include "harness/hist_file.h"


/* Write h to a temporary file and read it back into out. */
static int round_trip(const struct rs_hist *h, struct rs_hist *out)
{
	FILE *f = tmpfile();
	if (!f || rs_hist_write_counts(h, f))
		return -EIO;
	rewind(f);
	int err = rs_hist_read_counts(out, f);
	fclose(f);
	return err;
}

static int read_text(const char *text, struct rs_hist *out)
{
	FILE *f = tmpfile();
	fputs(text, f);
	rewind(f);
	int err = rs_hist_read_counts(out, f);
	fclose(f);
	return err;
}

static void same(const struct rs_hist *a, const struct rs_hist *b, const char *what)
{
	CHECK(rs_hist_count(a) == rs_hist_count(b), "%s: count %llu vs %llu", what,
	      (unsigned long long)rs_hist_count(a), (unsigned long long)rs_hist_count(b));
	CHECK(rs_hist_min(a) == rs_hist_min(b) && rs_hist_max(a) == rs_hist_max(b), "%s: min/max differ", what);
	CHECK(rs_hist_clamped(a) == rs_hist_clamped(b), "%s: clamped differs", what);
	CHECK(rs_hist_mean(a) == rs_hist_mean(b), "%s: mean %f vs %f", what, rs_hist_mean(a), rs_hist_mean(b));
	CHECK(fabs(rs_hist_stddev(a) - rs_hist_stddev(b)) < 1e-9 * (1 + rs_hist_stddev(a)), "%s: stddev differs", what);
	for (double p = 1; p <= 100; p += 0.5)
		CHECK(rs_hist_percentile(a, p) == rs_hist_percentile(b, p), "%s: p%g %llu vs %llu", what, p,
		      (unsigned long long)rs_hist_percentile(a, p), (unsigned long long)rs_hist_percentile(b, p));
	const double tail[] = { 99.9, 99.99, 99.999 };
	for (int i = 0; i < 3; i++)
		CHECK(rs_hist_percentile(a, tail[i]) == rs_hist_percentile(b, tail[i]), "%s: p%g differs", what, tail[i]);
}

int main(void)
{
	struct rs_hist *host[2], *all, *back[2], *merged;
	if (rs_hist_new(&host[0]) || rs_hist_new(&host[1]) || rs_hist_new(&all) || rs_hist_new(&back[0]) ||
	    rs_hist_new(&back[1]) || rs_hist_new(&merged))
		return 1;

	/* Two "hosts" with different distributions (one with a slow tail and a clamped value). */
	srand(12);
	for (int i = 0; i < 200000; i++) {
		int k = i % 3 == 0;
		uint64_t v = k ? 50 + (uint64_t)rand() % 200000 : 1 + (uint64_t)rand() % 3000;
		if (i == 77)
			v = 90000000;	/* past 60 s: clamped */
		rs_hist_record(host[k], v);
		rs_hist_record(all, v);
	}

	for (int k = 0; k < 2; k++) {
		CHECK(round_trip(host[k], back[k]) == 0, "host %d does not read back", k);
		same(host[k], back[k], "round trip");
		rs_hist_merge(merged, back[k]);
	}
	same(merged, all, "merged files vs concatenated samples");
	CHECK(rs_hist_count(merged) == rs_hist_count(host[0]) + rs_hist_count(host[1]), "merged count is not the sum");

	/* An empty histogram round-trips as empty. */
	rs_hist_reset(host[0]);
	CHECK(round_trip(host[0], back[0]) == 0 && rs_hist_count(back[0]) == 0 &&
	      rs_hist_percentile(back[0], 50) == 0, "an empty histogram does not round-trip");

	/* Bad files are refused, never half-read. */
	const char *head = "ringside-hist 1 sub_bits 11 buckets 16\n";
	char buf[512];
	CHECK(read_text("not a histogram\n", back[0]) == -EINVAL, "junk accepted");
	CHECK(read_text("ringside-hist 1 sub_bits 12 buckets 16\ntotal 0 clamped 0 min 0 max 0 sum 0 sumsq 0\n",
			back[0]) == -EPROTO, "another layout accepted");
	snprintf(buf, sizeof buf, "%stotal 3 clamped 0 min 5 max 5 sum 15 sumsq 75\n5 2\n", head);
	CHECK(read_text(buf, back[0]) == -EINVAL, "counts short of the total accepted");
	snprintf(buf, sizeof buf, "%stotal 1 clamped 0 min 5 max 5 sum 5 sumsq 25\n999999 1\n", head);
	CHECK(read_text(buf, back[0]) == -EINVAL, "an index past the layout accepted");
	snprintf(buf, sizeof buf, "%stotal 1 clamped 0 min 5 max 5 sum 5 sumsq 25\n5 1\nx\n", head);
	CHECK(read_text(buf, back[0]) == -EINVAL, "trailing junk accepted");
	snprintf(buf, sizeof buf, "%stotal 1 clamped 0 min 5 max 5 sum 5 sumsq 25\n5 1\n", head);
	CHECK(read_text(buf, back[0]) == 0 && rs_hist_percentile(back[0], 50) == 5, "a valid file refused");

	for (int i = 0; i < 2; i++) {
		rs_hist_free(host[i]);
		rs_hist_free(back[i]);
	}
	rs_hist_free(all);
	rs_hist_free(merged);
	if (!failures)
		printf("latency.hist: round trips exact; two hosts' files merge to the concatenated histogram\n");
	return failures != 0;
}
