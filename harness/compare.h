/* compare.h - `harness compare A B`: ratios of medians with intervals, rank-test p-values, verdicts. */
#ifndef RS_COMPARE_H
#define RS_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "stats.h"

/* A side: a run or sweep directory, or key=value[,...] over the results root; label may be NULL. */
struct rs_compare_side_spec {
	const char *spec, *label;
};

/* One configuration and measure: B/A of the medians, its 95% bootstrap CI, the two-sided
 * Mann-Whitney p, significant (p < 0.05 and the CI excludes 1) and the verdict in words. */
struct rs_compare_row {
	char a[256], b[256], workload[64];
	long cores, conns, rate;
	const char *measure;
	int na, nb;
	double med_a, med_b, ratio, lo, hi, p;
	bool significant;
	bool merged;	/* a latency measure from the runs' histograms merged (latency.hlog), not the median of runs */
	struct rs_stats_summary a_runs;	/* A's runs' values: their median with its 95% bootstrap interval (merged or not) */
	char verdict[640];
};

/*
 * p50, p99 and p99.9 of each side's runs merged (each run's latency.hlog, or
 * latency.hist): the percentiles of all requests, not a median of the runs'
 * percentiles; ratio b/a, its 95% interval from resampling runs. 0, -ENOENT
 * or -ENODATA (a run without a histogram file), -EINVAL, -ENOMEM.
 */
#define RS_COMPARE_NPCT 3
struct rs_compare_merged {
	double a[RS_COMPARE_NPCT], b[RS_COMPARE_NPCT], ratio[RS_COMPARE_NPCT], lo[RS_COMPARE_NPCT], hi[RS_COMPARE_NPCT];
};
int rs_compare_merged(const char *const *a, int na, const char *const *b, int nb, struct rs_compare_merged *m);

/* Every shared configuration of A and B, each measure. 0, -EINVAL (bad side or filter, said on
 * stderr), -ENOENT (no runs, or nothing shared, said), -ENOMEM. *out is malloc'd. Every run
 * counts, INVALID ones too (`ab` compares the runs it just made). */
int rs_compare_rows(const struct rs_compare_side_spec *a, const struct rs_compare_side_spec *b,
		    const char *root, const char *where, struct rs_compare_row **out, int *n);
/* The same; valid_only leaves out INVALID runs (run.json validity.ok false; a run without a
 * validity block counts as valid), saying on stderr per side how many and why. */
int rs_compare_rows_v(const struct rs_compare_side_spec *a, const struct rs_compare_side_spec *b,
		      const char *root, const char *where, bool valid_only, struct rs_compare_row **out, int *n);
/* format: text, md, tsv or json. */
int rs_compare_print(FILE *f, const struct rs_compare_row *rows, int n, const char *format);

int rs_compare_main(int argc, char **argv);

#endif
