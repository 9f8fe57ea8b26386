/* hist.c - log-linear latency histogram: 2048 linear sub-buckets per power of two, 1 us to 60 s. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "hist_int.h"

/*
 * The layout is HdrHistogram's with 3 significant digits and a unit of
 * 1 us: 2048 sub-buckets (the power of two above 2 * 10^3) cover 0..2047
 * exactly; every further power of two reuses the upper half (1024
 * sub-buckets) at twice the width of the previous one. The relative width
 * of any bucket is then at most 1/1024, under 0.1%. The constants and the
 * struct are in hist_int.h.
 */

/* Counts index of value v (v <= HIGHEST_US). */
size_t rs_hist_index_of(uint64_t v)
{
	unsigned pow2ceil = 64 - (unsigned)__builtin_clzll(v | (SUB_COUNT - 1));
	unsigned bucket = pow2ceil - SUB_BITS;
	uint64_t sub = v >> bucket;

	return ((size_t)(bucket + 1) << HALF_BITS) + (size_t)(sub - HALF_COUNT);
}

/* The lowest value that lands in counts[i], and the width of that bucket. */
uint64_t rs_hist_value_at(size_t i, uint64_t *width)
{
	int bucket = (int)(i >> HALF_BITS) - 1;
	uint64_t sub = (i & (HALF_COUNT - 1)) + HALF_COUNT;

	if (bucket < 0) {
		sub -= HALF_COUNT;
		bucket = 0;
	}
	*width = 1ull << bucket;
	return sub << bucket;
}

static uint64_t highest_equivalent(size_t i)
{
	uint64_t width;
	uint64_t low = rs_hist_value_at(i, &width);
	return low + width - 1;
}

int rs_hist_new(struct rs_hist **out)
{
	struct rs_hist *h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	memset(h->counts, 0, sizeof(h->counts));
	h->lo = COUNTS;
	h->hi = 0;
	rs_hist_reset(h);
	*out = h;
	return 0;
}

void rs_hist_free(struct rs_hist *h)
{
	free(h);
}

/* Only the touched range is cleared: per-second histograms are reset often. */
void rs_hist_reset(struct rs_hist *h)
{
	if (h->lo <= h->hi)
		memset(&h->counts[h->lo], 0, (h->hi - h->lo + 1) * sizeof(h->counts[0]));
	h->total = h->clamped = h->sum = h->max = 0;
	h->min = UINT64_MAX;
	h->sumsq = 0;
	h->lo = COUNTS;
	h->hi = 0;
}

/* n samples into counts[i], each counted in the sums as value v, the extremes widened to lo and hi. */
static void add_n(struct rs_hist *h, size_t i, uint64_t n, uint64_t v, uint64_t lo, uint64_t hi)
{
	h->counts[i] += n;
	if (i < h->lo)
		h->lo = i;
	if (i > h->hi)
		h->hi = i;
	h->total += n;
	h->sum += v * n;
	h->sumsq += (long double)v * v * n;
	if (lo < h->min)
		h->min = lo;
	if (hi > h->max)
		h->max = hi;
}

static void record_n(struct rs_hist *h, uint64_t us, uint64_t n)
{
	if (us > HIGHEST_US) {
		us = HIGHEST_US;
		h->clamped += n;
	}
	add_n(h, rs_hist_index_of(us), n, us, us, us);
}

void rs_hist_add_bucket(struct rs_hist *h, size_t i, uint64_t n)
{
	uint64_t width, low = rs_hist_value_at(i, &width);

	if (n)
		add_n(h, i, n, low + width / 2, low, low + width - 1);
}

void rs_hist_record(struct rs_hist *h, uint64_t us)
{
	record_n(h, us, 1);
}

/*
 * A sender that stalled for `us` would, had it kept its schedule, have seen
 * requests waiting us - interval, us - 2 * interval, ... down to interval.
 */
void rs_hist_record_corrected(struct rs_hist *h, uint64_t us, uint64_t interval_us)
{
	record_n(h, us, 1);
	if (!interval_us || us <= interval_us)
		return;
	for (uint64_t missing = us - interval_us; missing >= interval_us; missing -= interval_us)
		record_n(h, missing, 1);
}

void rs_hist_merge(struct rs_hist *dst, const struct rs_hist *src)
{
	if (!src->total)
		return;
	for (size_t i = src->lo; i <= src->hi; i++)
		dst->counts[i] += src->counts[i];
	if (src->lo < dst->lo)
		dst->lo = src->lo;
	if (src->hi > dst->hi)
		dst->hi = src->hi;
	dst->total += src->total;
	dst->clamped += src->clamped;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t rs_hist_count(const struct rs_hist *h)
{
	return h->total;
}

uint64_t rs_hist_min(const struct rs_hist *h)
{
	return h->total ? h->min : 0;
}

uint64_t rs_hist_max(const struct rs_hist *h)
{
	return h->max;
}

double rs_hist_mean(const struct rs_hist *h)
{
	return h->total ? (double)h->sum / (double)h->total : 0.0;
}

double rs_hist_stddev(const struct rs_hist *h)
{
	if (!h->total)
		return 0.0;
	long double mean = (long double)h->sum / h->total;
	long double var = h->sumsq / h->total - mean * mean;
	return var > 0 ? sqrt((double)var) : 0.0;
}

uint64_t rs_hist_clamped(const struct rs_hist *h)
{
	return h->clamped;
}

/* A bucket's reported value: its highest equivalent, never beyond the exact extremes. */
static uint64_t reported(const struct rs_hist *h, size_t i)
{
	uint64_t v = highest_equivalent(i);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

uint64_t rs_hist_percentile(const struct rs_hist *h, double p)
{
	if (!h->total)
		return 0;
	if (p > 100.0)
		p = 100.0;
	/* The rank of the sample at p, 1-based; at least the first sample. */
	uint64_t want = (uint64_t)ceil(p / 100.0 * (double)h->total);
	if (want < 1)
		want = 1;
	uint64_t seen = 0;
	for (size_t i = h->lo; i <= h->hi; i++) {
		seen += h->counts[i];
		if (seen >= want)
			return reported(h, i);
	}
	return h->max;
}

uint64_t rs_hist_count_at_most(const struct rs_hist *h, uint64_t v)
{
	size_t last = rs_hist_index_of(v < HIGHEST_US ? v : HIGHEST_US);
	uint64_t n = 0;
	for (size_t i = h->lo; i <= h->hi && i <= last; i++)
		n += h->counts[i];
	return n;
}

/* The next percentile row: the step halves each time the remaining distance to 100% does. */
static double next_level(double level)
{
	double halvings = floor(log2(100.0 / (100.0 - level)));
	double ticks = TICKS_PER_HALF * pow(2.0, halvings + 1);
	return level + 100.0 / ticks;
}

static int write_row(FILE *f, double value, double level, uint64_t cum)
{
	double p = level / 100.0;
	if (level >= 100.0)
		return fprintf(f, "%12.3f %2.12f %10" PRIu64 " %14s\n", value, p, cum, "inf");
	return fprintf(f, "%12.3f %2.12f %10" PRIu64 " %14.2f\n", value, p, cum, 1.0 / (1.0 - p));
}

/*
 * Rows as HdrHistogram's percentile iterator emits them: walk the non-empty
 * buckets; while the cumulative share reaches the next reporting level,
 * print the bucket and advance the level. The bucket that completes the
 * count prints once, then one final row at 100%.
 */
static int write_rows(const struct rs_hist *h, FILE *f, double unit_scale)
{
	double level = 0.0;
	uint64_t cum = 0;
	size_t last = h->lo;

	for (size_t i = h->lo; i <= h->hi && cum < h->total; i++) {
		if (!h->counts[i])
			continue;
		cum += h->counts[i];
		last = i;
		while (100.0 * (double)cum / (double)h->total >= level) {
			if (write_row(f, (double)reported(h, i) / unit_scale, level, cum) < 0)
				return -EIO;
			level = next_level(level);
			if (cum >= h->total)
				break;
		}
	}
	if (write_row(f, (double)reported(h, last) / unit_scale, 100.0, cum) < 0)
		return -EIO;
	return 0;
}

int rs_hist_write_hgrm(const struct rs_hist *h, FILE *f, double unit_scale)
{
	if (unit_scale <= 0)
		unit_scale = 1.0;
	fprintf(f, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
	if (h->total) {
		int err = write_rows(h, f, unit_scale);
		if (err)
			return err;
	}
	fprintf(f, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", rs_hist_mean(h) / unit_scale,
		rs_hist_stddev(h) / unit_scale);
	fprintf(f, "#[Max     = %12.3f, Total count    = %12" PRIu64 "]\n", (double)h->max / unit_scale,
		h->total);
	fprintf(f, "#[Buckets = %12d, SubBuckets     = %12u]\n", BUCKETS, SUB_COUNT);
	return ferror(f) ? -EIO : 0;
}

struct snap_bucket {
	uint32_t index;
	uint64_t count;
};

struct rs_hist_snap {
	uint64_t total, clamped, min, max, sum;
	long double sumsq;
	size_t n;
	struct snap_bucket b[];
};

int rs_hist_snap_new(const struct rs_hist *h, struct rs_hist_snap **out)
{
	size_t n = 0;
	for (size_t i = h->lo; i <= h->hi; i++)
		n += h->counts[i] != 0;
	struct rs_hist_snap *s = malloc(sizeof(*s) + n * sizeof(s->b[0]));
	if (!s)
		return -ENOMEM;
	s->total = h->total;
	s->clamped = h->clamped;
	s->min = h->min;
	s->max = h->max;
	s->sum = h->sum;
	s->sumsq = h->sumsq;
	s->n = 0;
	for (size_t i = h->lo; i <= h->hi; i++)
		if (h->counts[i])
			s->b[s->n++] = (struct snap_bucket){ (uint32_t)i, h->counts[i] };
	*out = s;
	return 0;
}

void rs_hist_snap_free(struct rs_hist_snap *s)
{
	free(s);
}

void rs_hist_merge_snap(struct rs_hist *dst, const struct rs_hist_snap *s)
{
	if (!s->total)
		return;
	for (size_t k = 0; k < s->n; k++) {
		size_t i = s->b[k].index;
		dst->counts[i] += s->b[k].count;
		if (i < dst->lo)
			dst->lo = i;
		if (i > dst->hi)
			dst->hi = i;
	}
	dst->total += s->total;
	dst->clamped += s->clamped;
	dst->sum += s->sum;
	dst->sumsq += s->sumsq;
	if (s->min < dst->min)
		dst->min = s->min;
	if (s->max > dst->max)
		dst->max = s->max;
}
