/* export_series.c - `harness export --spectrum` and `--timeline`: the latency spectrum and the per-second series of each group, for gnuplot. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "hlog.h"
#include "run.h"

/* ---- latency.hgrm ---- */

struct hgrm {
	double *value_us, *pct;	/* pct as a fraction, ascending */
	int n, cap;
	double count;		/* TotalCount of the last row */
};

static void hgrm_free(struct hgrm *h)
{
	free(h->value_us);
	free(h->pct);
	*h = (struct hgrm){ 0 };
}

/* HdrHistogram's percentile output, values in milliseconds (results.c writes them so). 0 or -errno. */
static int hgrm_read(const char *dir, struct hgrm *h)
{
	char path[4200], line[512];
	double v, p, total;

	*h = (struct hgrm){ 0 };
	snprintf(path, sizeof(path), "%s/latency.hgrm", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* The header ("Value Percentile ...") and the "#[Mean = ...]" footer do not scan. */
		if (sscanf(line, "%lf %lf %lf", &v, &p, &total) != 3)
			continue;
		if (h->n == h->cap) {
			int cap = h->cap ? 2 * h->cap : 128;
			double *a = realloc(h->value_us, (size_t)cap * sizeof(double));
			double *b = a ? realloc(h->pct, (size_t)cap * sizeof(double)) : NULL;
			if (a)
				h->value_us = a;
			if (!b) {
				fclose(f);
				hgrm_free(h);
				return -ENOMEM;
			}
			h->pct = b;
			h->cap = cap;
		}
		h->value_us[h->n] = v * 1000;
		h->pct[h->n++] = p;
		h->count = total;
	}
	fclose(f);
	return h->n ? 0 : -ENODATA;
}

/* The latency below which a fraction p of requests fell: the first row at or past p. */
static double hgrm_at(const struct hgrm *h, double p)
{
	for (int i = 0; i < h->n; i++)
		if (h->pct[i] >= p - 1e-12)
			return h->value_us[i];
	return h->value_us[h->n - 1];
}

/*
 * The same percentiles for every run, ten per decade of x = 1/(1-p), so
 * that repetitions line up point by point; the grid stops where x passes
 * the request count of the shortest run (past it a percentile is the max).
 * latency_us is the percentile of the group's histograms merged (each run's
 * latency.hlog, or latency.hist) with its TotalCount, as HdrHistogram
 * merges repetitions; the band is the runs' own min and max. A group with a
 * run that has only latency.hgrm (written before the histogram files) falls
 * back to the median of the runs' percentiles, merged = 0.
 */
#define GRID_PER_DECADE 10
#define GRID_MAX 80

struct curve {
	struct hgrm g;		/* runs without a histogram file */
	struct rs_hist *h;	/* NULL: g */
};

/* Run dir's curve: its histogram file, else its latency.hgrm. 0 or -errno. */
static int curve_read(const char *dir, struct curve *c)
{
	c->g = (struct hgrm){ 0 };
	if (rs_hist_new(&c->h))
		return -ENOMEM;
	int err = rs_hlog_load_dir(dir, c->h);
	if (!err && rs_hist_count(c->h))
		return 0;
	rs_hist_free(c->h);
	c->h = NULL;
	return err == -ENOENT || !err ? hgrm_read(dir, &c->g) : err;
}

static double curve_at(const struct curve *c, double p)
{
	return c->h ? (double)rs_hist_percentile(c->h, 100 * p) : hgrm_at(&c->g, p);
}

static void spectrum_group(FILE *f, const struct rs_export_row *rows, int n, bool variant)
{
	struct curve *c = calloc((size_t)n, sizeof(*c));
	double *v = calloc((size_t)n, sizeof(double)), min_count = INFINITY;
	struct rs_hist *merged = NULL;
	int nc = 0;

	if (rs_hist_new(&merged))
		merged = NULL;
	for (int i = 0; c && i < n; i++) {
		int err = curve_read(rows[i].dir, &c[nc]);
		if (err) {
			fprintf(stderr, "ringside export: %s: no latency.hlog, latency.hist or latency.hgrm (%s): run left "
					"out of the spectrum\n", rows[i].dir, strerror(-err));
			continue;
		}
		double count = c[nc].h ? (double)rs_hist_count(c[nc].h) : c[nc].g.count;
		if (count < min_count)
			min_count = count;
		if (merged && c[nc].h)
			rs_hist_merge(merged, c[nc].h);
		else if (merged) {
			rs_hist_free(merged); /* a run without a histogram: the group's median instead */
			merged = NULL;
		}
		nc++;
	}
	for (int g = 0; v && nc && g <= GRID_MAX; g++) {
		double x = pow(10, (double)g / GRID_PER_DECADE), p = 1 - 1 / x;
		if (x > min_count)
			break;
		for (int i = 0; i < nc; i++)
			v[i] = curve_at(&c[i], p);
		double mid = rs_median(v, nc); /* sorts v: v[0] min, v[nc - 1] max */
		uint64_t at = merged ? rs_hist_percentile(merged, 100 * p) : 0;
		rs_export_put_key(f, &rows[0], variant);
		fprintf(f, "\t%d\t%.6g\t%.7g", nc, x, 100 * p);
		rs_export_put_num(f, merged ? (double)at : mid);
		rs_export_put_num(f, v[0]);
		rs_export_put_num(f, v[nc - 1]);
		rs_export_put_num(f, merged ? (double)rs_hist_count_at_most(merged, at) : NAN);
		fprintf(f, "\t%d\n", merged != NULL);
	}
	for (int i = 0; c && i < nc; i++) {
		hgrm_free(&c[i].g);
		rs_hist_free(c[i].h);
	}
	rs_hist_free(merged);
	free(c);
	free(v);
}

int rs_export_spectrum(const char *root, FILE *f, unsigned keep, bool variant)
{
	struct rs_export_row *rows = NULL;
	int n = 0, err = rs_export_scan(root, keep, variant, &rows, &n);

	if (err)
		return err;
	rs_export_put_key_header(f, variant);
	fputs("\truns\tx\tpercentile\tlatency_us\tlatency_us_min\tlatency_us_max\ttotal_count\tmerged\n", f);
	for (int i = 0, j; i < n; i = j) {
		j = i + rs_export_group_len(&rows[i], n - i);
		spectrum_group(f, rows + i, j - i, variant);
	}
	free(rows);
	return 0;
}

/* ---- timeline.tsv ---- */

/* The columns written, whichever a run's timeline.tsv has (older runs lack the thread kinds: NaN). */
static const char *const tl_cols[] = {
	"second", "requests", "errors", "p50_us", "p99_us", "threads", "cpu_pct", "syscalls", "rss_kb",
	"threads_reactor", "threads_worker", "threads_iou_wrk", "threads_other",
};
#define NTL (sizeof(tl_cols) / sizeof(tl_cols[0]))
#define TL_MAX_FIELDS 64

static int split_tabs(char *line, char **field)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (p && n < TL_MAX_FIELDS)
		field[n++] = strsep(&p, "\t");
	return n;
}

static void timeline_run(FILE *f, const struct rs_export_row *row, bool variant)
{
	char path[4200], line[4096], *field[TL_MAX_FIELDS];
	int where[NTL];

	snprintf(path, sizeof(path), "%s/timeline.tsv", row->dir);
	FILE *in = fopen(path, "r");
	if (!in || !fgets(line, sizeof(line), in)) {
		fprintf(stderr, "ringside export: %s: %s: left out of the timeline\n", path,
			in ? "empty" : strerror(errno));
		if (in)
			fclose(in);
		return;
	}
	int nh = split_tabs(line, field);
	for (size_t c = 0; c < NTL; c++) {
		where[c] = -1;
		for (int k = 0; k < nh; k++)
			if (!strcmp(field[k], tl_cols[c]))
				where[c] = k;
	}
	while (fgets(line, sizeof(line), in)) {
		int nf = split_tabs(line, field);
		if (nf < 2)
			continue;
		rs_export_put_key(f, row, variant);
		for (size_t c = 0; c < NTL; c++)
			fprintf(f, "\t%s", where[c] >= 0 && where[c] < nf && *field[where[c]] ? field[where[c]] : "NaN");
		rs_export_put_num(f, row->fault_at_s);
		rs_export_put_num(f, row->fault_duration_s);
		rs_export_put_num(f, row->fault_recovery_s);
		fprintf(f, "\t%s\n", row->dir);
	}
	fclose(in);
}

static int cmp_rps(const void *a, const void *b)
{
	const struct rs_export_row *x = *(const struct rs_export_row *const *)a;
	const struct rs_export_row *y = *(const struct rs_export_row *const *)b;
	return x->rps < y->rps ? -1 : x->rps > y->rps;
}

int rs_export_timeline(const char *root, FILE *f, unsigned keep, bool variant)
{
	struct rs_export_row *rows = NULL;
	int n = 0, err = rs_export_scan(root, keep, variant, &rows, &n);
	const struct rs_export_row **by_rps = calloc((size_t)n + 1, sizeof(*by_rps));

	if (err || !by_rps) {
		free(rows);
		free(by_rps);
		return err ? err : -ENOMEM;
	}
	rs_export_put_key_header(f, variant);
	for (size_t c = 0; c < NTL; c++)
		fprintf(f, "\t%s", tl_cols[c]);
	/* The run's --fault, if any (run.json fault.at_s, .duration_s, .recovery_s): NaN without one. */
	fputs("\tfault_at_s\tfault_duration_s\tfault_recovery_s\trun\n", f);
	for (int i = 0, j; i < n; i = j) {
		j = i + rs_export_group_len(&rows[i], n - i);
		for (int k = i; k < j; k++)
			by_rps[k - i] = &rows[k];
		/* One run per group, the median one (the lower of two): a typical run, not the best. */
		qsort(by_rps, (size_t)(j - i), sizeof(*by_rps), cmp_rps);
		timeline_run(f, by_rps[(j - i - 1) / 2], variant);
	}
	free(by_rps);
	free(rows);
	return 0;
}
