/* test_arrival.c - the open-loop schedule's gaps: Poisson passes a Kolmogorov-Smirnov test against the exponential of the total rate, uniform fails it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "loadgen.h"

#define CONNS 50
#define RATE 20000.0
#define SPAN_NS 1000000000ull /* one second of schedule: about RATE arrivals */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Every connection's intended send times in [0, SPAN_NS), merged: the gaps between them, in s. */
static int schedule_gaps(enum rs_lg_arrival a, double **gaps)
{
	struct rs_lg_cfg cfg = { .conns = CONNS, .rate = RATE, .arrival = a, .seed = 42 };
	size_t cap = (size_t)(RATE * 2), n = 0;
	uint64_t *t = malloc(cap * sizeof(*t));

	for (int c = 0; c < CONNS; c++) {
		uint64_t rng = rs_lg_arrival_seed(&cfg, c);
		uint64_t first = rs_lg_first_due(&cfg, c, 0, &rng), due = first;
		for (uint64_t k = 1; due < SPAN_NS && n < cap; k++) {
			t[n++] = due;
			due = rs_lg_next_due(&cfg, first, k, due, &rng);
		}
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	*gaps = malloc(n * sizeof(double));
	for (size_t i = 1; i < n; i++)
		(*gaps)[i - 1] = (double)(t[i] - t[i - 1]) / 1e9;
	free(t);
	return (int)n - 1;
}

/* sqrt(n) times the largest distance between the gaps' empirical CDF and 1 - exp(-RATE x). */
static double ks_statistic(double *g, int n)
{
	double d = 0;
	qsort(g, (size_t)n, sizeof(*g), cmp_double);
	for (int i = 0; i < n; i++) {
		double f = 1 - exp(-RATE * g[i]);
		double lo = fabs(f - (double)i / n), hi = fabs((double)(i + 1) / n - f);
		d = fmax(d, fmax(lo, hi));
	}
	return d * sqrt(n);
}

int main(void)
{
	double *g;
	int failed = 0;
	/* 1.63: the Kolmogorov distribution's 99% point. */
	int n = schedule_gaps(RS_LG_POISSON, &g);
	double kp = ks_statistic(g, n), mean = 0;
	for (int i = 0; i < n; i++)
		mean += g[i] / n;
	printf("poisson: %d gaps, mean %.2f us (want %.2f), KS sqrt(n)D = %.3f\n", n, mean * 1e6, 1e6 / RATE, kp);
	if (kp >= 1.63 || n < RATE * 0.95 || n > RATE * 1.05) {
		fprintf(stderr, "FAIL: Poisson gaps are not exponential at the total rate\n");
		failed = 1;
	}
	free(g);
	n = schedule_gaps(RS_LG_UNIFORM, &g);
	double ku = ks_statistic(g, n);
	printf("uniform: %d gaps, KS sqrt(n)D = %.3f\n", n, ku);
	if (ku < 1.63) {
		fprintf(stderr, "FAIL: uniform gaps pass as exponential\n");
		failed = 1;
	}
	free(g);
	return failed;
}
