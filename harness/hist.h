/* hist.h - log-linear latency histogram (HdrHistogram-style): 3 significant digits, 1 us to 60 s. */
#ifndef RS_HIST_H
#define RS_HIST_H

#include <stdint.h>
#include <stdio.h>

/*
 * Values are microseconds. Buckets are log-linear: each power-of-two range
 * is split into enough linear sub-buckets that any recorded value is
 * reported within 0.1% (3 significant digits). Values above the maximum
 * are clamped to it and counted in `clamped`. One histogram per load
 * generator thread, merged at the end: no sharing, no atomics.
 */
struct rs_hist;

/* 0 or -ENOMEM. Range is fixed: 1 us .. 60 s. */
int rs_hist_new(struct rs_hist **out);
void rs_hist_free(struct rs_hist *h);
void rs_hist_reset(struct rs_hist *h);

void rs_hist_record(struct rs_hist *h, uint64_t us);
/* Record value, plus the values a stalled sender would have seen every
 * interval_us (HdrHistogram's "expected interval" correction). */
void rs_hist_record_corrected(struct rs_hist *h, uint64_t us, uint64_t interval_us);
/* dst += src. */
void rs_hist_merge(struct rs_hist *dst, const struct rs_hist *src);

uint64_t rs_hist_count(const struct rs_hist *h);
uint64_t rs_hist_min(const struct rs_hist *h);
uint64_t rs_hist_max(const struct rs_hist *h);
double rs_hist_mean(const struct rs_hist *h);
double rs_hist_stddev(const struct rs_hist *h);
uint64_t rs_hist_clamped(const struct rs_hist *h);
/* The value at percentile p (0..100]: the smallest recorded-bucket value v such
 * that at least p% of samples are <= v (equivalent within 0.1%). 0 when empty. */
uint64_t rs_hist_percentile(const struct rs_hist *h, double p);

/* Samples in the buckets up to and including v's: an .hgrm row's TotalCount for value v. */
uint64_t rs_hist_count_at_most(const struct rs_hist *h, uint64_t v);

/* Write an HdrHistogram percentile distribution (Value, Percentile,
 * TotalCount, 1/(1-Percentile)), with the Mean/StdDeviation/Max/Total
 * count/Buckets footer; values in unit_scale (1000.0 -> milliseconds). */
int rs_hist_write_hgrm(const struct rs_hist *h, FILE *f, double unit_scale);

/*
 * A compact, immutable copy of a histogram's non-empty buckets (and its
 * count, min, max, sums): how a load generator thread hands one second's
 * latencies to the main thread without sharing a live histogram.
 * rs_hist_snap_new: 0 or -ENOMEM. Merging a snapshot equals merging the
 * histogram it was taken from.
 */
struct rs_hist_snap;
int rs_hist_snap_new(const struct rs_hist *h, struct rs_hist_snap **out);
void rs_hist_snap_free(struct rs_hist_snap *s);
void rs_hist_merge_snap(struct rs_hist *dst, const struct rs_hist_snap *s);

#endif
