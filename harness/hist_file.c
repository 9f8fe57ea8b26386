/* hist_file.c - latency.hist: a histogram's raw bucket counts as text, lossless, so hosts' runs merge exactly. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "hist_file.h"
#include "hist_int.h"

/*
 * latency.hgrm rounds values to percentile rows, so two hosts' .hgrm files
 * cannot be merged; this file keeps every non-empty bucket, its index in the
 * layout named on the first line (a reader refuses another layout), and the
 * exact sums, so reading it back and merging equals merging the histograms.
 */
#define MAGIC "ringside-hist 1"

int rs_hist_write_counts(const struct rs_hist *h, FILE *f)
{
	fprintf(f, "%s sub_bits %d buckets %d\n", MAGIC, SUB_BITS, BUCKETS);
	fprintf(f, "total %" PRIu64 " clamped %" PRIu64 " min %" PRIu64 " max %" PRIu64
		" sum %" PRIu64 " sumsq %.21Lg\n", h->total, h->clamped, h->total ? h->min : 0,
		h->max, h->sum, h->sumsq);
	for (size_t i = h->lo; h->total && i <= h->hi; i++)
		if (h->counts[i])
			fprintf(f, "%zu %" PRIu64 "\n", i, h->counts[i]);
	return ferror(f) ? -EIO : 0;
}

int rs_hist_read_counts(struct rs_hist *h, FILE *f)
{
	int sub_bits, buckets;
	uint64_t total, clamped, min, max, sum, seen = 0;
	long double sumsq;

	rs_hist_reset(h);
	if (fscanf(f, MAGIC " sub_bits %d buckets %d", &sub_bits, &buckets) != 2)
		return -EINVAL;
	if (sub_bits != SUB_BITS || buckets != BUCKETS)
		return -EPROTO;	/* another layout: counts would land in the wrong buckets */
	if (fscanf(f, " total %" SCNu64 " clamped %" SCNu64 " min %" SCNu64 " max %" SCNu64
		   " sum %" SCNu64 " sumsq %Lg", &total, &clamped, &min, &max, &sum, &sumsq) != 6)
		return -EINVAL;
	size_t i;
	uint64_t n;
	int got;
	while ((got = fscanf(f, " %zu %" SCNu64, &i, &n)) == 2) {
		if (i >= COUNTS || !n)
			return -EINVAL;
		h->counts[i] += n;
		if (i < h->lo)
			h->lo = i;
		if (i > h->hi)
			h->hi = i;
		seen += n;
	}
	if (got != EOF || !feof(f) || seen != total)
		return -EINVAL;	/* trailing junk, or counts that do not add up to the total */
	h->total = total;
	h->clamped = clamped;
	h->min = total ? min : UINT64_MAX;
	h->max = max;
	h->sum = sum;
	h->sumsq = sumsq;
	return 0;
}

int rs_hist_save_counts(const char *dir, const char *name, const struct rs_hist *h)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	int err = rs_hist_write_counts(h, f);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int rs_hist_load_counts(const char *path, struct rs_hist *h)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int err = rs_hist_read_counts(h, f);
	fclose(f);
	return err;
}
