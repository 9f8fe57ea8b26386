/* hist_int.h - the histogram's layout, shared by hist.c and the files that encode it losslessly. */
#ifndef RS_HIST_INT_H
#define RS_HIST_INT_H

#include <stddef.h>
#include <stdint.h>

#define SUB_BITS 11				/* log2(sub-bucket count) */
#define SUB_COUNT (1u << SUB_BITS)		/* 2048 */
#define HALF_BITS (SUB_BITS - 1)
#define HALF_COUNT (1u << HALF_BITS)		/* 1024 */
#define HIGHEST_US 60000000ull			/* 60 s */
#define BUCKETS 16				/* 2048 << 15 > 60e6: the smallest count that covers it */
#define COUNTS ((BUCKETS + 1) * HALF_COUNT)
#define TICKS_PER_HALF 5			/* percentile rows per halving of the remaining distance */

struct rs_hist {
	uint64_t total;
	uint64_t clamped;
	uint64_t min, max;
	uint64_t sum;		/* exact: the mean is sum / total */
	long double sumsq;	/* squares of values under 2^26 are exact in 64 bits of mantissa */
	size_t lo, hi;		/* non-empty counts lie in [lo, hi]; lo > hi when empty */
	uint64_t counts[COUNTS];
};

/* The counts index of value v (v <= HIGHEST_US), and the lowest value of counts[i] with the bucket's width. */
size_t rs_hist_index_of(uint64_t v);
uint64_t rs_hist_value_at(size_t i, uint64_t *width);
/*
 * Add n samples to counts[i] (i < COUNTS) when only the bucket is known, as
 * in a decoded HdrHistogram: the sums take the bucket's middle value, min its
 * lowest value and max its highest, so percentiles read as before.
 */
void rs_hist_add_bucket(struct rs_hist *h, size_t i, uint64_t n);

#endif
