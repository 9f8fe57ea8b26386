/* stats.h - medians with bootstrap intervals, CV, ratios of medians and the Mann-Whitney rank test over repetitions. */
#ifndef RS_STATS_H
#define RS_STATS_H

#include <stdint.h>

/* Every bootstrap is seeded, so the same runs always print the same interval.
 * The default seed; a caller passes it unless it wants independent draws. */
#define RS_STATS_SEED 0x72696e6773696465ull /* "ringside" */
/* Bootstrap resamples per interval: 2000 puts the 2.5% and 97.5% quantiles
 * within about ±1% of where infinitely many would. */
#define RS_STATS_RESAMPLES 2000
/* A configuration whose coefficient of variation exceeds this is "noisy". */
#define RS_STATS_NOISY_CV 0.10

/* One measure over n repetitions. lo/hi: the 95% percentile-bootstrap
 * interval of the median (equal to the median when n == 1); cv: sample
 * standard deviation over mean (NaN when n < 2). NaNs in the input are left
 * out; n counts the rest. */
struct rs_stats_summary {
	int n;
	double median, lo, hi, cv;
	int noisy; /* cv > RS_STATS_NOISY_CV */
};

/* The median of v[0..n) without reordering v; NaN when n == 0. */
double rs_stats_median(const double *v, int n);
/* Sample standard deviation over mean; NaN when n < 2 or the mean is 0. */
double rs_stats_cv(const double *v, int n);
/* Median, 95% bootstrap interval, CV of v[0..n) (NaNs left out). 0 or -ENOMEM. */
int rs_stats_summarize(const double *v, int n, uint64_t seed, struct rs_stats_summary *s);

/* The 2.5% and 97.5% quantiles of b[0..nb) (nb >= 1, sorted in place), interpolated: a bootstrap's interval. */
void rs_stats_central95(double *b, int nb, double *lo, double *hi);

/* median(b) / median(a) with its 95% bootstrap interval (a and b resampled
 * independently). 0, -EINVAL (an empty side or a zero median of a), -ENOMEM. */
int rs_stats_ratio(const double *a, int na, const double *b, int nb, uint64_t seed,
		   double *ratio, double *lo, double *hi);

/* Two-sided Mann-Whitney U test p-value of a against b: exact when both sides
 * have at most 12 values and no ties, else the normal approximation with the
 * tie correction and a continuity correction. u (may be NULL): U of a.
 * NaN when a side is empty. */
double rs_stats_mann_whitney(const double *a, int na, const double *b, int nb, double *u);

/* --repeat=auto stops when the 95% CI of the median throughput lies within ±3% of it. */
#define RS_STATS_AUTO_HALFWIDTH 0.03
/* At least this many runs before a CI counts (with 2 it is just their range). */
#define RS_STATS_AUTO_MIN 3
/* 1 when v has at least RS_STATS_AUTO_MIN values whose median's 95% interval is within
 * ±RS_STATS_AUTO_HALFWIDTH of the median, else 0. */
int rs_stats_converged(const double *v, int n);

/* The generator behind the bootstrap (splitmix64): exposed for tests and the
 * Poisson arrival schedule. *state advances. */
uint64_t rs_stats_rand(uint64_t *state);
/* Uniform in [0, 1). */
double rs_stats_uniform(uint64_t *state);

#endif
