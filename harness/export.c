/* export.c - `harness export`: every run.json under a directory as one tab-separated table (per run, or grouped) for gnuplot. */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "opts.h"
#include "rs_config.h"
#include "run.h"

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

/* ---- one run.json ---- */

static double num_at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	if (b)
		v = json_object_get(v, b);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void str_at(json_t *o, const char *key, const char *sub, char *out, size_t size)
{
	json_t *v = json_object_get(o, key);
	if (json_is_object(v) && sub)
		v = json_object_get(v, sub);
	snprintf(out, size, "%s", json_is_string(v) ? json_string_value(v) : "-");
}

/* summary.errors: a number, or an object of counts (its "total", else their sum). */
static double errors_of(json_t *summary)
{
	json_t *e = json_object_get(summary, "errors"), *v;
	const char *key;
	double sum = 0;

	if (json_is_number(e))
		return json_number_value(e);
	if (!json_is_object(e))
		return NAN;
	if (json_is_number(json_object_get(e, "total")))
		return json_number_value(json_object_get(e, "total"));
	json_object_foreach(e, key, v)
		if (json_is_number(v))
			sum += json_number_value(v);
	return sum;
}

static long long_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

static void fill_row(json_t *run, struct rs_export_row *row)
{
	json_t *sum = json_object_get(run, "summary"), *lat = json_object_get(sum, "latency_us");

	str_at(run, "engine", "preset", row->engine, sizeof(row->engine));
	str_at(run, "workload", NULL, row->workload, sizeof(row->workload));
	str_at(run, "pg_mode", NULL, row->pg_mode, sizeof(row->pg_mode));
	row->cores = long_at(run, "cores");
	row->conns = long_at(run, "conns");
	row->rate = long_at(run, "rate");
	row->pool = long_at(run, "pool");
	row->rps = num_at(sum, "rps", NULL);
	row->p50 = num_at(lat, "p50", NULL);
	row->p99 = num_at(lat, "p99", NULL);
	row->p999 = num_at(lat, "p999", NULL);
	row->errors = errors_of(sum);
	row->cpu_us_per_request = num_at(run, "server", "cpu_us_per_request");
	row->syscalls_per_request = num_at(run, "server", "syscalls_per_request");
	row->threads_max = num_at(run, "server", "threads_max");
	row->fault_at_s = num_at(run, "fault", "at_s");
	row->fault_duration_s = num_at(run, "fault", "duration_s");
	row->fault_recovery_s = num_at(run, "fault", "recovery_s");
	row->partial = json_is_true(json_object_get(run, "partial")) ||
		       json_is_true(json_object_get(sum, "partial"));
}

int rs_export_read(const char *dir, struct rs_export_row *row)
{
	char path[4200];
	json_error_t jerr;

	memset(row, 0, sizeof(*row));
	snprintf(row->dir, sizeof(row->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/run.json", dir);
	if (access(path, F_OK))
		return -errno;
	json_t *run = json_load_file(path, 0, &jerr);
	if (!run)
		return -EINVAL;
	if (!json_is_object(run)) {
		json_decref(run);
		return -EINVAL;
	}
	fill_row(run, row);
	json_decref(run);
	return 0;
}

/* ---- scanning a tree ---- */

struct rows {
	struct rs_export_row *v;
	int n, cap, bad, partial;
	bool keep_partial, variant;
	size_t rootlen;
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
	} else if (row->partial && !rs->keep_partial) {
		rs->partial++;
	} else {
		rs->n++;
	}
	return 0;
}

/* By the group key, then by directory (time order for results/runs/<UTC time>-...). */
static int cmp_row(const void *a, const void *b)
{
	const struct rs_export_row *x = a, *y = b;
	int c = strcmp(x->variant, y->variant);
	if (!c)
		c = strcmp(x->engine, y->engine);
	if (!c)
		c = strcmp(x->workload, y->workload);
	if (!c)
		c = (x->cores > y->cores) - (x->cores < y->cores);
	if (!c)
		c = (x->conns > y->conns) - (x->conns < y->conns);
	if (!c)
		c = (x->rate > y->rate) - (x->rate < y->rate);
	if (!c)
		c = strcmp(x->pg_mode, y->pg_mode);
	if (!c)
		c = (x->pool > y->pool) - (x->pool < y->pool);
	return c ? c : strcmp(x->dir, y->dir);
}

bool rs_export_same_group(const struct rs_export_row *x, const struct rs_export_row *y)
{
	return !strcmp(x->variant, y->variant) && !strcmp(x->engine, y->engine) && !strcmp(x->workload, y->workload) && x->cores == y->cores &&
	       x->conns == y->conns && x->rate == y->rate && !strcmp(x->pg_mode, y->pg_mode) && x->pool == y->pool;
}

/* ---- writing ---- */

#define NMETRICS 8
static const char *const metric_names[NMETRICS] = {
	"rps", "p50_us", "p99_us", "p999_us", "errors", "cpu_us_per_request", "syscalls_per_request", "threads_max",
};

static void metrics(const struct rs_export_row *r, double m[NMETRICS])
{
	m[0] = r->rps;
	m[1] = r->p50;
	m[2] = r->p99;
	m[3] = r->p999;
	m[4] = r->errors;
	m[5] = r->cpu_us_per_request;
	m[6] = r->syscalls_per_request;
	m[7] = r->threads_max;
}

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

void rs_export_put_key(FILE *f, const struct rs_export_row *r, bool variant)
{
	if (variant)
		fprintf(f, "%s\t", r->variant);
	fprintf(f, "%s\t%s\t%ld\t%ld\t%ld\t%s\t%ld", r->engine, r->workload, r->cores, r->conns, r->rate,
		r->pg_mode, r->pool);
}

void rs_export_put_key_header(FILE *f, bool variant)
{
	fprintf(f, "%sengine\tworkload\tcores\tconns\trate\tpg_mode\tpool", variant ? "variant\t" : "");
}

static void write_runs(FILE *f, const struct rows *rs)
{
	rs_export_put_key_header(f, rs->variant);
	for (int k = 0; k < NMETRICS; k++)
		fprintf(f, "\t%s", metric_names[k]);
	fputs("\trun\n", f);
	for (int i = 0; i < rs->n; i++) {
		double m[NMETRICS];
		metrics(&rs->v[i], m);
		rs_export_put_key(f, &rs->v[i], rs->variant);
		for (int k = 0; k < NMETRICS; k++)
			rs_export_put_num(f, m[k]);
		fprintf(f, "\t%s\n", rs->v[i].dir);
	}
}

/* Median, min, max of metric k over rows [from, to), NaNs left out. */
static void group_stats(const struct rows *rs, int from, int to, int k, double *out)
{
	double *v = calloc((size_t)(to - from), sizeof(double));
	int n = 0;

	for (int i = from; v && i < to; i++) {
		double m[NMETRICS];
		metrics(&rs->v[i], m);
		if (!isnan(m[k]))
			v[n++] = m[k];
	}
	out[0] = rs_median(v, n);
	out[1] = n ? v[0] : NAN;
	out[2] = n ? v[n - 1] : NAN;
	free(v);
}

static void write_groups(FILE *f, const struct rows *rs)
{
	rs_export_put_key_header(f, rs->variant);
	fputs("\truns", f);
	for (int k = 0; k < NMETRICS; k++)
		fprintf(f, "\t%s\t%s_min\t%s_max", metric_names[k], metric_names[k], metric_names[k]);
	fputc('\n', f);
	for (int i = 0, j; i < rs->n; i = j) {
		for (j = i + 1; j < rs->n && rs_export_same_group(&rs->v[i], &rs->v[j]); j++)
			;
		rs_export_put_key(f, &rs->v[i], rs->variant);
		fprintf(f, "\t%d", j - i);
		for (int k = 0; k < NMETRICS; k++) {
			double s[3];
			group_stats(rs, i, j, k, s);
			rs_export_put_num(f, s[0]);
			rs_export_put_num(f, s[1]);
			rs_export_put_num(f, s[2]);
		}
		fputc('\n', f);
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
	qsort(rs->v, (size_t)rs->n, sizeof(*rs->v), cmp_row);
	if (rs->partial)
		fprintf(stderr, "ringside export: left out %d partial (interrupted) run%s; --partial keeps them\n",
			rs->partial, rs->partial > 1 ? "s" : "");
	return 0;
}

int rs_export_scan(const char *root, bool partial, bool variant, struct rs_export_row **out, int *n)
{
	struct rows rs = { .keep_partial = partial, .variant = variant };
	int err = scan(root, &rs);

	if (err) {
		free(rs.v);
		return err;
	}
	*out = rs.v;
	*n = rs.n;
	return 0;
}

int rs_export_table(const char *root, FILE *f, bool group, bool partial)
{
	return rs_export_table_v(root, f, group, partial, false);
}

int rs_export_table_v(const char *root, FILE *f, bool group, bool partial, bool variant)
{
	struct rows rs = { .keep_partial = partial, .variant = variant };
	int err = scan(root, &rs);

	if (!err && group)
		write_groups(f, &rs);
	else if (!err)
		write_runs(f, &rs);
	free(rs.v);
	return err;
}

int rs_export_main(int argc, char **argv)
{
	const char *root = RS_SOURCE_ROOT "/results/runs", *out = NULL;
	bool group = false, partial = false, variant = false, spectrum = false, timeline = false;
	const struct rs_opt opts[] = {
		{ "results", RS_OPT_STR, &root, .help = "where to look for run.json, recursively (default results/runs)" },
		{ "out", RS_OPT_STR, &out, .help = "file to write (default: standard output)" },
		{ "group", RS_OPT_BOOL, &group,
		  .help = "one row per (engine workload cores conns rate pg_mode pool): median, min, max" },
		{ "partial", RS_OPT_BOOL, &partial, .help = "keep interrupted runs" },
		{ "variant", RS_OPT_BOOL, &variant,
		  .help = "a first column 'variant': the directory under --results each run lies in (part of the group)" },
		{ "spectrum", RS_OPT_BOOL, &spectrum,
		  .help = "per group, latency at percentiles p from latency.hgrm: x = 1/(1-p), median, min, max" },
		{ "timeline", RS_OPT_BOOL, &timeline,
		  .help = "per group, the timeline.tsv of its median run (by req/s), one row per second" },
		{ NULL },
	};
	int err = rs_opts_parse("ringside export", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	if (group + spectrum + timeline > 1) {
		fprintf(stderr, "ringside export: --group, --spectrum and --timeline are different tables: pick one\n");
		return 2;
	}
	FILE *f = out ? fopen(out, "w") : stdout;
	if (!f) {
		fprintf(stderr, "ringside export: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (spectrum)
		err = rs_export_spectrum(root, f, partial, variant);
	else if (timeline)
		err = rs_export_timeline(root, f, partial, variant);
	else
		err = rs_export_table_v(root, f, group, partial, variant);
	if (out && fclose(f))
		err = -errno;
	return err ? 1 : 0;
}
