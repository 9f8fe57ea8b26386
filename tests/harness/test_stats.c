/* test_stats.c - the statistics module: bootstrap coverage, a known 1.3x difference found, none on identical sets. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../check.h"

#include "stats.h"

/* Normal(mu, sd) by Box-Muller. */
static double gauss(uint64_t *rng, double mu, double sd)
{
	double u1 = rs_stats_uniform(rng), u2 = rs_stats_uniform(rng);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return mu + sd * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void test_basics(void)
{
	double v[] = { 5, 1, 4, NAN, 2, 3 };
	CHECK(rs_stats_median(v, 6) == 3, "median of 1..5 with a NaN: %g", rs_stats_median(v, 6));
	CHECK(v[0] == 5 && v[1] == 1, "rs_stats_median reordered its input");
	double e[] = { 1, 2, 3, 4 };
	CHECK(rs_stats_median(e, 4) == 2.5, "median of 1..4: %g", rs_stats_median(e, 4));
	/* sd of 1..4 is sqrt(5/3), mean 2.5 */
	CHECK(fabs(rs_stats_cv(e, 4) - sqrt(5.0 / 3) / 2.5) < 1e-12, "cv of 1..4: %g", rs_stats_cv(e, 4));
	struct rs_stats_summary s;
	CHECK(rs_stats_summarize(e, 1, RS_STATS_SEED, &s) == 0 && s.n == 1 && s.lo == 1 && s.hi == 1 && isnan(s.cv),
	      "one value: interval is the value itself, cv NaN");
	struct rs_stats_summary s2;
	rs_stats_summarize(e, 4, RS_STATS_SEED, &s);
	rs_stats_summarize(e, 4, RS_STATS_SEED, &s2);
	CHECK(s.lo == s2.lo && s.hi == s2.hi, "same seed, same interval");
	CHECK(s.lo <= s.median && s.median <= s.hi && s.lo >= 1 && s.hi <= 4, "interval [%g, %g] around %g", s.lo, s.hi,
	      s.median);
	CHECK(s.noisy, "cv %.2f > 0.10 is noisy", s.cv);
}

/* Over many synthetic sample sets, the 95% interval holds the true median about 95% of the time. */
static void test_coverage(void)
{
	uint64_t rng = 12345;
	int trials = 400, covered = 0;
	for (int t = 0; t < trials; t++) {
		double v[15];
		for (int i = 0; i < 15; i++)
			v[i] = gauss(&rng, 1000, 50);
		struct rs_stats_summary s;
		CHECK(rs_stats_summarize(v, 15, RS_STATS_SEED + (uint64_t)t, &s) == 0, "summarize");
		covered += s.lo <= 1000 && 1000 <= s.hi;
	}
	double rate = (double)covered / trials;
	printf("bootstrap coverage: %.3f over %d trials (nominal 0.95)\n", rate, trials);
	CHECK(rate >= 0.90 && rate <= 0.99, "coverage %.3f is not about 0.95", rate);
}

static void test_compare(void)
{
	uint64_t rng = 777;
	double a[10], b[10];
	for (int i = 0; i < 10; i++) {
		a[i] = gauss(&rng, 20000, 600);
		b[i] = 1.3 * gauss(&rng, 20000, 600);
	}
	double r, lo, hi, u;
	CHECK(rs_stats_ratio(a, 10, b, 10, RS_STATS_SEED, &r, &lo, &hi) == 0, "ratio");
	double p = rs_stats_mann_whitney(a, 10, b, 10, &u);
	printf("1.3x: ratio %.3f [%.3f, %.3f], p=%.2g\n", r, lo, hi, p);
	CHECK(lo <= 1.3 && 1.3 <= hi, "the interval [%.3f, %.3f] misses 1.3", lo, hi);
	CHECK(lo > 1, "the interval [%.3f, %.3f] does not exclude 1", lo, hi);
	CHECK(p < 0.01, "p=%g for a 1.3x difference", p);

	CHECK(rs_stats_ratio(a, 10, a, 10, RS_STATS_SEED, &r, &lo, &hi) == 0, "ratio");
	p = rs_stats_mann_whitney(a, 10, a, 10, NULL);
	printf("identical: ratio %.3f [%.3f, %.3f], p=%.2g\n", r, lo, hi, p);
	CHECK(r == 1 && lo <= 1 && 1 <= hi, "identical sets: ratio %g [%g, %g]", r, lo, hi);
	CHECK(p > 0.5, "identical sets: p=%g", p);

	/* Exact small-sample p: 3 vs 3 fully separated is 2/20 = 0.1 two-sided. */
	double x[] = { 1, 2, 3 }, y[] = { 4, 5, 6 };
	p = rs_stats_mann_whitney(x, 3, y, 3, &u);
	CHECK(fabs(p - 0.1) < 1e-12 && u == 0, "3 vs 3 separated: p=%g U=%g (want 0.1, 0)", p, u);
	/* Large, with ties: normal approximation. */
	double big_a[40], big_b[40];
	for (int i = 0; i < 40; i++) {
		big_a[i] = i % 5;
		big_b[i] = i % 5 + 1;
	}
	p = rs_stats_mann_whitney(big_a, 40, big_b, 40, NULL);
	CHECK(p < 0.05 && p > 0, "shifted tied sets: p=%g", p);
	CHECK(rs_stats_ratio(a, 0, b, 10, RS_STATS_SEED, &r, &lo, &hi) < 0, "an empty side is an error");
}

int main(void)
{
	test_basics();
	test_coverage();
	test_compare();
	return failures ? TEST_FAIL : TEST_PASS;
}
