/* stats.c - medians with bootstrap intervals, CV, ratios of medians and the Mann-Whitney rank test. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

uint64_t rs_stats_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double rs_stats_uniform(uint64_t *state)
{
	return (double)(rs_stats_rand(state) >> 11) * 0x1.0p-53;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorted copy of the non-NaN values; *n becomes their count. NULL on ENOMEM. */
static double *sorted_copy(const double *v, int *n)
{
	double *c = malloc(sizeof(double) * (size_t)(*n > 0 ? *n : 1));
	int m = 0;

	if (!c)
		return NULL;
	for (int i = 0; i < *n; i++)
		if (!isnan(v[i]))
			c[m++] = v[i];
	qsort(c, (size_t)m, sizeof(*c), cmp_double);
	*n = m;
	return c;
}

static double median_sorted(const double *v, int n)
{
	if (n <= 0)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double rs_stats_median(const double *v, int n)
{
	double *c = sorted_copy(v, &n), m;

	if (!c)
		return NAN;
	m = median_sorted(c, n);
	free(c);
	return m;
}

double rs_stats_cv(const double *v, int n)
{
	double sum = 0, ss = 0, mean;
	int m = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(v[i])) {
			sum += v[i];
			m++;
		}
	if (m < 2 || sum == 0)
		return NAN;
	mean = sum / m;
	for (int i = 0; i < n; i++)
		if (!isnan(v[i]))
			ss += (v[i] - mean) * (v[i] - mean);
	return sqrt(ss / (m - 1)) / fabs(mean);
}

/* The median of n values drawn with replacement from v (scratch: n doubles). */
static double resample_median(const double *v, int n, double *scratch, uint64_t *rng)
{
	for (int i = 0; i < n; i++)
		scratch[i] = v[rs_stats_rand(rng) % (uint64_t)n];
	qsort(scratch, (size_t)n, sizeof(*scratch), cmp_double);
	return median_sorted(scratch, n);
}

/* The 2.5% and 97.5% quantiles of b[0..nb) (sorted here), interpolated. */
void rs_stats_central95(double *b, int nb, double *lo, double *hi)
{
	qsort(b, (size_t)nb, sizeof(*b), cmp_double);
	double pl = 0.025 * (nb - 1), ph = 0.975 * (nb - 1);
	int il = (int)pl, ih = (int)ph;
	*lo = b[il] + (pl - il) * (b[il + 1 < nb ? il + 1 : il] - b[il]);
	*hi = b[ih] + (ph - ih) * (b[ih + 1 < nb ? ih + 1 : ih] - b[ih]);
}

int rs_stats_summarize(const double *v, int n, uint64_t seed, struct rs_stats_summary *s)
{
	double *c = sorted_copy(v, &n), *scratch = NULL, *boot = NULL;
	uint64_t rng = seed;
	int err = 0;

	if (!c)
		return -ENOMEM;
	s->n = n;
	s->median = s->lo = s->hi = median_sorted(c, n);
	s->cv = rs_stats_cv(c, n);
	s->noisy = !isnan(s->cv) && s->cv > RS_STATS_NOISY_CV;
	if (n >= 2) {
		scratch = malloc(sizeof(double) * (size_t)n);
		boot = malloc(sizeof(double) * RS_STATS_RESAMPLES);
		if (!scratch || !boot) {
			err = -ENOMEM;
			goto out;
		}
		for (int i = 0; i < RS_STATS_RESAMPLES; i++)
			boot[i] = resample_median(c, n, scratch, &rng);
		rs_stats_central95(boot, RS_STATS_RESAMPLES, &s->lo, &s->hi);
	}
out:
	free(c);
	free(scratch);
	free(boot);
	return err;
}

int rs_stats_ratio(const double *a, int na, const double *b, int nb, uint64_t seed,
		   double *ratio, double *lo, double *hi)
{
	double *ca = sorted_copy(a, &na), *cb = sorted_copy(b, &nb), *scratch = NULL, *boot = NULL;
	uint64_t rng = seed;
	int err = 0;

	if (!ca || !cb) {
		err = -ENOMEM;
		goto out;
	}
	double ma = median_sorted(ca, na);
	if (na == 0 || nb == 0 || ma == 0) {
		err = -EINVAL;
		goto out;
	}
	*ratio = *lo = *hi = median_sorted(cb, nb) / ma;
	scratch = malloc(sizeof(double) * (size_t)(na > nb ? na : nb));
	boot = malloc(sizeof(double) * RS_STATS_RESAMPLES);
	if (!scratch || !boot) {
		err = -ENOMEM;
		goto out;
	}
	if (na < 2 && nb < 2)
		goto out;
	int m = 0;
	for (int i = 0; i < RS_STATS_RESAMPLES; i++) {
		double da = resample_median(ca, na, scratch, &rng);
		double db = resample_median(cb, nb, scratch, &rng);
		if (da != 0)
			boot[m++] = db / da;
	}
	if (m > 1)
		rs_stats_central95(boot, m, lo, hi);
out:
	free(ca);
	free(cb);
	free(scratch);
	free(boot);
	return err;
}

/* P(U <= u) under H0 with no ties, by the recursion on the largest value's side:
 * f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u), counted in doubles. */
static double exact_cdf(int n1, int n2, double u)
{
	int umax = n1 * n2;
	/* f[i][j][k] for i <= n1, j <= n2, k <= umax: small (n <= 12). */
	size_t w = (size_t)umax + 1;
	double *f = calloc((size_t)(n1 + 1) * (size_t)(n2 + 1) * w, sizeof(double));
	double below = 0, all = 0;

	if (!f)
		return NAN;
#define F(i, j, k) f[((size_t)(i) * (size_t)(n2 + 1) + (size_t)(j)) * w + (size_t)(k)]
	for (int i = 0; i <= n1; i++)
		for (int j = 0; j <= n2; j++)
			for (int k = 0; k <= umax; k++) {
				if (i == 0 || j == 0) {
					F(i, j, k) = k == 0;
					continue;
				}
				F(i, j, k) = (k >= j ? F(i - 1, j, k - j) : 0) + F(i, j - 1, k);
			}
	for (int k = 0; k <= umax; k++) {
		all += F(n1, n2, k);
		if (k <= u)
			below += F(n1, n2, k);
	}
#undef F
	free(f);
	return below / all;
}

struct ranked {
	double v;
	int side;
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

double rs_stats_mann_whitney(const double *a, int na, const double *b, int nb, double *u_out)
{
	int n = na + nb, ties = 0;
	struct ranked *r = malloc(sizeof(*r) * (size_t)(n > 0 ? n : 1));
	double r1 = 0, tie_sum = 0, p;

	if (!r || na == 0 || nb == 0) {
		free(r);
		return NAN;
	}
	for (int i = 0; i < na; i++)
		r[i] = (struct ranked){ a[i], 0 };
	for (int i = 0; i < nb; i++)
		r[na + i] = (struct ranked){ b[i], 1 };
	qsort(r, (size_t)n, sizeof(*r), cmp_ranked);
	for (int i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		double t = j - i, rank = (i + 1 + j) / 2.0; /* mid-rank of positions i+1..j */
		if (t > 1) {
			ties = 1;
			tie_sum += t * t * t - t;
		}
		for (int k = i; k < j; k++)
			if (r[k].side == 0)
				r1 += rank;
	}
	free(r);
	double u = r1 - na * (na + 1) / 2.0, mean = na * (double)nb / 2;
	if (u_out)
		*u_out = u;
	if (!ties && na <= 12 && nb <= 12) {
		/* Two-sided: twice the smaller tail (U's distribution is symmetric). */
		double lo = u <= mean ? u : na * (double)nb - u;
		p = 2 * exact_cdf(na, nb, lo);
		return p > 1 ? 1 : p;
	}
	double var = na * (double)nb / 12 * ((n + 1) - tie_sum / ((double)n * (n - 1)));
	if (var <= 0)
		return 1; /* every value equal: nothing tells the sides apart */
	double z = (fabs(u - mean) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	p = erfc(z / sqrt(2));
	return p > 1 ? 1 : p;
}

int rs_stats_converged(const double *v, int n)
{
	struct rs_stats_summary s;

	if (rs_stats_summarize(v, n, RS_STATS_SEED, &s) || s.n < RS_STATS_AUTO_MIN || !(s.median > 0))
		return 0;
	return s.hi <= s.median * (1 + RS_STATS_AUTO_HALFWIDTH) && s.lo >= s.median * (1 - RS_STATS_AUTO_HALFWIDTH);
}
