/* export.c - `harness export`: every run.json under a directory as one tab-separated table (per run, or per group: median, min, max) for gnuplot. */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "opts.h"
#include "rs_config.h"
#include "run.h"
#include "stats_print.h"
#include "why.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double rs_median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- scanning a tree ---- */

struct rows {
	struct rs_export_row *v;
	int n, cap, bad, partial, unknown;
	bool kept;			/* the invalid runs were kept (RS_EXPORT_KEEP_INVALID) */
	unsigned keep;
	bool variant;
	size_t rootlen;
	/* The invalid runs (left out or kept): how many, and their reasons by tag. */
	struct rs_why why;
};

static struct rows *g_rows; /* nftw has no user pointer */

/* The first directory under the root: collect.sh puts each variant (a server flag on or off) in its own. */
static void variant_of(const char *dir, size_t rootlen, char *out, size_t size)
{
	const char *rel = dir + rootlen;
	while (*rel == '/')
		rel++;
	size_t len = strcspn(rel, "/");
	snprintf(out, size, "%.*s", (int)len, len ? rel : "-");
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct rows *rs = g_rows;
	char dir[4096];

	(void)st;
	if (type != FTW_F || strcmp(path + ftw->base, "run.json"))
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", ftw->base > 0 ? ftw->base - 1 : 0, path);
	if (rs->n == rs->cap) {
		int cap = rs->cap ? 2 * rs->cap : 64;
		struct rs_export_row *v = realloc(rs->v, (size_t)cap * sizeof(*v));
		if (!v)
			return -1;
		rs->v = v;
		rs->cap = cap;
	}
	struct rs_export_row *row = &rs->v[rs->n];
	int err = rs_export_read(dir, row);
	if (!err && rs->variant)
		variant_of(dir, rs->rootlen, row->variant, sizeof(row->variant));
	if (err) {
		fprintf(stderr, "ringside export: %s/run.json does not parse: skipped\n", dir);
		rs->bad++;
	} else if (row->partial && !(rs->keep & RS_EXPORT_KEEP_PARTIAL)) {
		rs->partial++;
	} else if (row->valid == 0 && !(rs->keep & RS_EXPORT_KEEP_INVALID)) {
		rs_why_add(&rs->why, row->why);
	} else {
		if (row->valid == 0) {
			rs->kept = true;
			rs_why_add(&rs->why, row->why);
		}
		rs->unknown += row->valid < 0;
		rs->n++;
	}
	return 0;
}

/* What left-out runs were left out for, and which runs had no verdict, in one line to f. */
static void note(FILE *f, const char *prefix, const struct rows *rs)
{
	if (rs->why.n) {
		fputs(prefix, f);
		rs_why_print(f, &rs->why, rs->kept);
		fprintf(f, "%s\n", rs->kept ? " (--include-invalid)" : "; --include-invalid keeps them");
	}
	if (rs->unknown)
		fprintf(f, "%skept %d run%s from before the validity block: validity unknown\n", prefix, rs->unknown,
			rs->unknown > 1 ? "s" : "");
}

static int cmp_row(const void *a, const void *b)
{
	return rs_export_cmp(a, b);
}

/* ---- writing ---- */

/* gnuplot skips NaN; three decimals keep us/request and syscalls/request readable. */
void rs_export_put_num(FILE *f, double v)
{
	if (isnan(v))
		fputs("\tNaN", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "\t%.0f", v);
	else
		fprintf(f, "\t%.3f", v);
}

/* valid: true, false, or empty when the run has no verdict. */
static const char *valid_cell(int valid)
{
	return valid < 0 ? "" : valid ? "true" : "false";
}

static void write_runs(FILE *f, const struct rows *rs)
{
	rs_export_put_key_header(f, rs->variant);
	for (int k = 0; k < RS_EXPORT_NMETRICS; k++)
		fprintf(f, "\t%s", rs_export_metric_name(k));
	fputs("\tvalid\twhy\tcommit\tcreated\trun\n", f);
	for (int i = 0; i < rs->n; i++) {
		const struct rs_export_row *r = &rs->v[i];
		rs_export_put_key(f, r, rs->variant);
		for (int k = 0; k < RS_EXPORT_NMETRICS; k++)
			rs_export_put_num(f, rs_export_metric(r, k));
		fprintf(f, "\t%s\t%s\t%s\t%s\t%s\n", valid_cell(r->valid), r->why[0] ? r->why : "-",
			r->commit[0] ? r->commit : "-", r->created[0] ? r->created : "-", r->dir);
	}
}

void rs_export_aggregate(const struct rs_export_row *rows, int nrows, int k, struct rs_export_agg *out)
{
	double *v = calloc((size_t)nrows + 1, sizeof(double));
	int n = 0;

	for (int i = 0; v && i < nrows; i++) {
		double x = rs_export_metric(&rows[i], k);
		if (!isnan(x))
			v[n++] = x;
	}
	struct rs_stats_summary s = { .lo = NAN, .hi = NAN, .cv = NAN };
	if (n)
		rs_stats_summarize(v, n, RS_STATS_SEED, &s);
	/* rs_median sorts: v[0] is then the minimum, v[n - 1] the maximum. */
	*out = (struct rs_export_agg){ n, rs_median(v, n), n ? v[0] : NAN, n ? v[n - 1] : NAN, s.lo, s.hi, s.cv, s.noisy };
	free(v);
}

/* Per metric: median, min, max; then (so that those keep their places) every metric's 95%
 * bootstrap interval and CV, and "noisy" when the throughput's CV exceeds 10% (else "-"). */
/* Per metric: median, min, max; then (so that those keep their places) every metric's 95%
 * bootstrap interval and CV, and "noisy" when the throughput's CV exceeds 10% (else "-"). */
static void write_groups(FILE *f, const struct rows *rs)
{
	rs_export_put_key_header(f, rs->variant);
	fputs("\truns", f);
	for (int k = 0; k < RS_EXPORT_NMETRICS; k++) {
		const char *m = rs_export_metric_name(k);
		fprintf(f, "\t%s\t%s_min\t%s_max", m, m, m);
	}
	for (int k = 0; k < RS_EXPORT_NMETRICS; k++)
		rs_stats_put_header(f, rs_export_metric_name(k));
	fputs("\tnoisy\n", f);
	for (int i = 0, len; i < rs->n; i += len) {
		struct rs_export_agg a[RS_EXPORT_NMETRICS];
		len = rs_export_group_len(&rs->v[i], rs->n - i);
		rs_export_put_key(f, &rs->v[i], rs->variant);
		fprintf(f, "\t%d", len);
		for (int k = 0; k < RS_EXPORT_NMETRICS; k++) {
			rs_export_aggregate(&rs->v[i], len, k, &a[k]);
			rs_export_put_num(f, a[k].median);
			rs_export_put_num(f, a[k].min);
			rs_export_put_num(f, a[k].max);
		}
		for (int k = 0; k < RS_EXPORT_NMETRICS; k++) {
			rs_export_put_num(f, a[k].lo);
			rs_export_put_num(f, a[k].hi);
			rs_export_put_num(f, a[k].cv);
		}
		fprintf(f, "\t%s\n", a[0].noisy ? "noisy" : "-");
	}
}

static int scan(const char *root, struct rows *rs)
{
	rs->rootlen = strlen(root);
	g_rows = rs;
	int err = nftw(root, visit, 32, FTW_PHYS) ? -errno : 0;
	g_rows = NULL;
	if (err) {
		fprintf(stderr, "ringside export: %s: %s\n", root, strerror(-err));
		return err;
	}
	if (rs->n > 0) /* qsort(NULL, 0, ...) is undefined behaviour (UBSan aborts on it) */
		qsort(rs->v, (size_t)rs->n, sizeof(*rs->v), cmp_row);
	if (rs->partial)
		fprintf(stderr, "ringside export: left out %d partial (interrupted) run%s; --partial keeps them\n",
			rs->partial, rs->partial > 1 ? "s" : "");
	if (!(rs->keep & RS_EXPORT_QUIET))
		note(stderr, "ringside export: ", rs);
	return 0;
}

int rs_export_scan(const char *root, unsigned keep, bool variant, struct rs_export_row **out, int *n)
{
	struct rows rs = { .keep = keep, .variant = variant };
	int err = scan(root, &rs);

	if (err) {
		free(rs.v);
		return err;
	}
	*out = rs.v;
	*n = rs.n;
	return 0;
}

int rs_export_table(const char *root, FILE *f, bool group, unsigned keep)
{
	return rs_export_table_v(root, f, group, keep, false);
}

int rs_export_table_v(const char *root, FILE *f, bool group, unsigned keep, bool variant)
{
	struct rows rs = { .keep = keep, .variant = variant };
	int err = scan(root, &rs);

	if (!err && group)
		write_groups(f, &rs);
	else if (!err)
		write_runs(f, &rs);
	if (!err && (keep & RS_EXPORT_NOTE))
		note(f, RS_EXPORT_NOTE_PREFIX, &rs);
	free(rs.v);
	return err;
}

int rs_export_main(int argc, char **argv)
{
	const char *root = rs_path_runs(), *out = NULL, *format = "tsv";
	bool group = false, partial = false, include_invalid = false, variant = false, spectrum = false, timeline = false;
	const struct rs_opt opts[] = {
		{ "results", RS_OPT_STR, &root, .help = "where to look for run.json, recursively (default results/runs)" },
		{ "out", RS_OPT_STR, &out, .help = "file to write (default: standard output)" },
		{ "group", RS_OPT_BOOL, &group,
		  .help = "one row per experiment (every input that changes the measurement): median, min, max" },
		{ "partial", RS_OPT_BOOL, &partial, .help = "keep interrupted runs" },
		{ "include-invalid", RS_OPT_BOOL, &include_invalid,
		  .help = "keep runs whose validity verdict is INVALID (run.json validity.ok false)" },
		{ "variant", RS_OPT_BOOL, &variant,
		  .help = "a first column 'variant': the directory under --results each run lies in (part of the group)" },
		{ "spectrum", RS_OPT_BOOL, &spectrum,
		  .help = "per group, latency at percentiles p of the runs' histograms merged (latency.hlog): x = 1/(1-p), "
			  "value, total count, the runs' min and max" },
		{ "timeline", RS_OPT_BOOL, &timeline,
		  .help = "per group, the timeline.tsv of its median run (by req/s), one row per second" },
		{ "format", RS_OPT_CHOICE, &format, .choices = "tsv,csv,md",
		  .help = "tsv (default, for gnuplot), csv (R, pandas) or md (a Markdown table)" },
		{ NULL },
	};
	int err = rs_opts_parse("ringside export", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	if (group + spectrum + timeline > 1) {
		fprintf(stderr, "ringside export: --group, --spectrum and --timeline are different tables: pick one\n");
		return 2;
	}
	FILE *dest = out ? fopen(out, "w") : stdout, *f = dest;
	if (!f) {
		fprintf(stderr, "ringside export: %s: %s\n", out, strerror(errno));
		return 1;
	}
	/* csv and md: the TSV is made whole first, then converted. */
	char *tsv = NULL;
	size_t tsv_len = 0;
	if (strcmp(format, "tsv") && !(f = open_memstream(&tsv, &tsv_len))) {
		if (out)
			fclose(dest);
		return 1;
	}
	unsigned keep = (partial ? RS_EXPORT_KEEP_PARTIAL : 0) | (include_invalid ? RS_EXPORT_KEEP_INVALID : 0);
	if (spectrum)
		err = rs_export_spectrum(root, f, keep, variant);
	else if (timeline)
		err = rs_export_timeline(root, f, keep, variant);
	else /* The note as a comment line in a TSV file, where gnuplot, plot and paper read it (csv and md
	      * have no comments; a table on standard output goes to a pipe, and stderr has said it). */
		err = rs_export_table_v(root, f, group, keep | (out && !strcmp(format, "tsv") ? RS_EXPORT_NOTE : 0),
					variant);
	if (f != dest) {
		fclose(f);
		if (!err && rs_export_convert(tsv, format, dest))
			err = -EIO;
		free(tsv);
	}
	if (out && fclose(dest))
		err = -errno;
	return err ? 1 : 0;
}
