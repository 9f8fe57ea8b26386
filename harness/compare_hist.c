/* compare_hist.c - compare's latency from merged histograms: each side's runs' latency.hlog merged, the ratio's CI by resampling runs. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "compare.h"
#include "hist.h"
#include "hlog.h"
#include "stats.h"

/*
 * Percentiles of repetitions are not averaged: a side's latency is the
 * percentile of all its requests, its runs' histograms added up. The
 * interval resamples runs (not requests: requests of one run are not
 * independent), merges each resample and takes the same percentile.
 */
static const double pcts[RS_COMPARE_NPCT] = { 50, 99, 99.9 };

/* Each run's histogram as a snapshot (merging one costs its non-empty buckets only). */
static int load(const char *const *dirs, int n, struct rs_hist *scratch, struct rs_hist_snap **snap)
{
	for (int i = 0; i < n; i++) {
		rs_hist_reset(scratch);
		int err = rs_hlog_load_dir(dirs[i], scratch);
		if (!err && !rs_hist_count(scratch))
			err = -ENODATA;
		if (!err)
			err = rs_hist_snap_new(scratch, &snap[i]);
		if (err)
			return err;
	}
	return 0;
}

/* The percentiles of the runs pick[0..n) of snap merged. */
static void merged_pcts(struct rs_hist_snap *const *snap, const int *pick, int n, struct rs_hist *scratch,
			double out[RS_COMPARE_NPCT])
{
	rs_hist_reset(scratch);
	for (int i = 0; i < n; i++)
		rs_hist_merge_snap(scratch, snap[pick ? pick[i] : i]);
	for (int k = 0; k < RS_COMPARE_NPCT; k++)
		out[k] = (double)rs_hist_percentile(scratch, pcts[k]);
}

static void draw(int *pick, int n, uint64_t *rng)
{
	for (int i = 0; i < n; i++)
		pick[i] = (int)(rs_stats_rand(rng) % (uint64_t)n);
}

int rs_compare_merged(const char *const *a, int na, const char *const *b, int nb, struct rs_compare_merged *m)
{
	struct rs_hist_snap **sa = calloc((size_t)na, sizeof(*sa)), **sb = calloc((size_t)nb, sizeof(*sb));
	int *pa = calloc((size_t)na, sizeof(int)), *pb = calloc((size_t)nb, sizeof(int));
	double *boot = calloc((size_t)RS_COMPARE_NPCT * RS_STATS_RESAMPLES, sizeof(double));
	struct rs_hist *scratch = NULL;
	int err = sa && sb && pa && pb && boot && !rs_hist_new(&scratch) ? 0 : -ENOMEM;

	if (!err && (na < 1 || nb < 1))
		err = -EINVAL;
	if (!err)
		err = load(a, na, scratch, sa);
	if (!err)
		err = load(b, nb, scratch, sb);
	if (!err) {
		merged_pcts(sa, NULL, na, scratch, m->a);
		merged_pcts(sb, NULL, nb, scratch, m->b);
		uint64_t rng = RS_STATS_SEED;
		for (int r = 0; r < RS_STATS_RESAMPLES; r++) {
			double xa[RS_COMPARE_NPCT], xb[RS_COMPARE_NPCT];
			draw(pa, na, &rng);
			draw(pb, nb, &rng);
			merged_pcts(sa, pa, na, scratch, xa);
			merged_pcts(sb, pb, nb, scratch, xb);
			for (int k = 0; k < RS_COMPARE_NPCT; k++)
				boot[k * RS_STATS_RESAMPLES + r] = xa[k] > 0 ? xb[k] / xa[k] : NAN;
		}
		for (int k = 0; k < RS_COMPARE_NPCT; k++) {
			m->ratio[k] = m->a[k] > 0 ? m->b[k] / m->a[k] : NAN;
			/* Latencies are at least 1 us when a run has requests: NaNs cannot occur; kept out anyway. */
			double *v = boot + k * RS_STATS_RESAMPLES;
			int nv = 0;
			for (int r = 0; r < RS_STATS_RESAMPLES; r++)
				if (!isnan(v[r]))
					v[nv++] = v[r];
			if (nv)
				rs_stats_central95(v, nv, &m->lo[k], &m->hi[k]);
			else
				m->lo[k] = m->hi[k] = NAN;
		}
	}
	for (int i = 0; sa && i < na; i++)
		rs_hist_snap_free(sa[i]);
	for (int i = 0; sb && i < nb; i++)
		rs_hist_snap_free(sb[i]);
	free(sa);
	free(sb);
	free(pa);
	free(pb);
	free(boot);
	rs_hist_free(scratch);
	return err;
}
