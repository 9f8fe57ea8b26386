/* compare.c - `harness compare A B`: per configuration and measure, the ratio B/A of medians (latency: of merged histograms) with a 95% bootstrap CI, a Mann-Whitney p-value and a verdict in words. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "compare.h"
#include "opts.h"
#include "rs_config.h"
#include "run.h"
#include "stats.h"
#include "why.h"

/* A difference is significant when the rank test says so at 5% and the ratio's interval excludes 1. */
#define ALPHA 0.05

/* The server's CPU per request, then where the rest of the request's CPU went (NaN where a run did
 * not measure it, e.g. Postgres on /plaintext: values() skips those). */
#define NMEASURES 7
static const char *const measure_names[NMEASURES] = { "throughput", "p50", "p99", "p99.9", "CPU per request",
						      "Postgres CPU per request", "load generator CPU per request" };

static double measure(const struct rs_export_row *r, int k)
{
	const double v[NMEASURES] = { r->rps, r->p50, r->p99, r->p999, r->cpu_us_per_request, r->cpu_postgres,
				      r->cpu_loadgen };
	return v[k];
}

/* One side: its rows, and the name its verdicts use. */
struct side {
	struct rs_export_row *v;
	int n;
	char label[256];
	unsigned across; /* ACROSS_* keys A and B differ in: same_config leaves them out */
};

/* Does row r pass every k=v of the comma-separated filters (NULL: all pass)? -EINVAL on an unknown key. */
static int row_matches(const struct rs_export_row *r, const char *filters)
{
	char buf[1024], *save = NULL;

	if (!filters || !*filters)
		return 1;
	snprintf(buf, sizeof(buf), "%s", filters);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		/* The keys compare documents; their values as the export's key table gives them. */
		static const char *const keys[] = { "engine", "workload", "pg_mode", "arrival", "variant", "cores", "conns",
						    "rate", "pool" };
		char *eq = strchr(kv, '='), have[512];
		bool known = false;
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known = known || !strcmp(kv, keys[i]);
		if (!known || rs_export_key_value(r, kv, have, sizeof(have)))
			return -EINVAL;
		if (strcmp(have, eq + 1))
			return 0;
	}
	return 1;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* Export's note, per side: an INVALID run is no evidence, so a reader must see that some were left out and why. */
static void note_invalid(const char *which, const char *spec, const char *where, const struct rs_why *v, bool kept)
{
	if (!v->n)
		return;
	fprintf(stderr, "ringside compare: %s (%s%s%s): ", which, spec, where ? " with " : "", where ? where : "");
	rs_why_print(stderr, v, kept);
	fprintf(stderr, "%s\n", kept ? "" : "; --include-invalid keeps them");
}

/* A side from a directory, or (spec with '=') the runs under root that match spec; --where on both.
 * The first directory under the scanned one is each run's variant (export --variant), which a
 * filter's variant= selects: collect.sh puts each variant of an ablation in its own. */
static int load_side(const struct rs_compare_side_spec *sp, const char *which, const char *root, const char *where,
		     bool valid_only, struct side *s)
{
	const char *spec = sp->spec, *label = sp->label;
	bool dir = is_dir(spec);
	struct rs_export_row *rows;
	struct rs_why bad = { 0 };
	int n, m = 0;

	if (!dir && !strchr(spec, '=')) {
		fprintf(stderr, "ringside compare: %s is neither a directory of runs nor a filter such as engine=uring\n",
			spec);
		return -EINVAL;
	}
	int err = rs_export_scan(dir ? spec : root, RS_EXPORT_KEEP_INVALID | RS_EXPORT_QUIET, true, &rows, &n);
	if (err)
		return err;
	for (int i = 0; i < n; i++) {
		int a = dir ? 1 : row_matches(&rows[i], spec), b = row_matches(&rows[i], where);
		if (a < 0 || b < 0) {
			fprintf(stderr, "ringside compare: a filter is key=value[,key=value...] with keys engine, workload, "
					"cores, conns, rate, pg_mode, arrival, pool, variant: not '%s'\n", a < 0 ? spec : where);
			free(rows);
			return -EINVAL;
		}
		if (a && b && rows[i].valid == 0)
			rs_why_add(&bad, rows[i].why);
		if (a && b && (rows[i].valid != 0 || !valid_only))
			rows[m++] = rows[i];
	}
	note_invalid(which, spec, where, &bad, !valid_only);
	s->v = rows;
	s->n = m;
	if (label) {
		snprintf(s->label, sizeof(s->label), "%s", label);
	} else {
		/* One engine on the side: its name; else the directory or the filter. */
		bool one = m > 0;
		for (int i = 1; i < m; i++)
			one &= !strcmp(rows[i].engine, rows[0].engine);
		const char *base = strrchr(spec, '/');
		snprintf(s->label, sizeof(s->label), "%s", one ? rows[0].engine : base && base[1] ? base + 1 : spec);
	}
	if (!m)
		fprintf(stderr, "ringside compare: no finished%s run in %s%s%s\n", valid_only ? " valid" : "", spec,
			where ? " with " : "", where ? where : "");
	return m ? 0 : -ENOENT;
}

/* Both sides' filters name a pg_mode (exclusive against shared), an arrival (uniform against poisson)
 * or a pool size: it is what A and B differ in, so same_config leaves it out; else it is part of the
 * configuration (an engine against another over a folder with both modes must not mix them). */
enum { ACROSS_PG_MODE = 1u << 0, ACROSS_ARRIVAL = 1u << 1, ACROSS_POOL = 1u << 2 };

static unsigned across_keys(const struct rs_compare_side_spec *sa, const struct rs_compare_side_spec *sb)
{
	static const struct {
		const char *key;
		unsigned bit;
	} keys[] = { { "pg_mode=", ACROSS_PG_MODE }, { "arrival=", ACROSS_ARRIVAL }, { "pool=", ACROSS_POOL } };
	unsigned m = 0;
	for (size_t i = 0; sa->spec && sb->spec && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strstr(sa->spec, keys[i].key) && strstr(sb->spec, keys[i].key))
			m |= keys[i].bit;
	return m;
}

/* The configuration two runs must share to be compared: the export group key
 * without the engine and the server's flags, so that A and B may differ in
 * either (an engine against another, or an ablation's --uring-no= against the default). */
static bool same_config(const struct rs_export_row *x, const struct rs_export_row *y, unsigned across)
{
	static struct rs_export_row t; /* large: not on the stack */

	t = *y;
	memcpy(t.engine, x->engine, sizeof(t.engine));
	memcpy(t.variant, x->variant, sizeof(t.variant));
	memcpy(t.server_flags, x->server_flags, sizeof(t.server_flags));
	if (across & ACROSS_PG_MODE)
		memcpy(t.pg_mode, x->pg_mode, sizeof(t.pg_mode));
	if (across & ACROSS_ARRIVAL)
		memcpy(t.arrival, x->arrival, sizeof(t.arrival));
	if (across & ACROSS_POOL)
		t.pool = x->pool;
	return rs_export_same_group(x, &t);
}

/* Measure k of the rows of s in config c into v; returns how many (NaNs left out). */
static int values(const struct side *s, const struct rs_export_row *c, int k, double *v)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		if (same_config(&s->v[i], c, s->across) && !isnan(measure(&s->v[i], k)))
			v[n++] = measure(&s->v[i], k);
	return n;
}

/* The directories of the runs of s in config c into d; how many. */
static int dirs(const struct side *s, const struct rs_export_row *c, const char **d)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		if (same_config(&s->v[i], c, s->across))
			d[n++] = s->v[i].dir;
	return n;
}

/* Is run i of s the first of its configuration (the one rows are made for)? */
static bool first_of_config(const struct side *s, int i)
{
	for (int j = 0; j < i; j++)
		if (same_config(&s->v[j], &s->v[i], s->across))
			return false;
	return true;
}

/* A new zeroed row at (*rows)[n] for measure k in the configuration of run i of a; NULL when out of memory. */
static struct rs_compare_row *add_row(struct rs_compare_row **rows, int n, const struct side *a, int i, int k)
{
	struct rs_compare_row *grown = realloc(*rows, sizeof(**rows) * (size_t)(n + 1));
	if (!grown)
		return NULL;
	*rows = grown;
	struct rs_compare_row *r = &grown[n];
	memset(r, 0, sizeof(*r));
	snprintf(r->a, sizeof(r->a), "%s", a->label);
	snprintf(r->workload, sizeof(r->workload), "%s", a->v[i].workload);
	r->cores = a->v[i].cores;
	r->conns = a->v[i].conns;
	r->rate = a->v[i].rate;
	r->measure = measure_names[k];
	return r;
}

static void verdict(const struct rs_compare_row *r, char *out, size_t size)
{
	if (r->significant)
		snprintf(out, size, "%s is %.2fx [%.2f, %.2f] %s on /%s %s", r->b, r->ratio, r->lo, r->hi, r->a,
			 r->workload, r->measure);
	else
		snprintf(out, size, "no significant difference (p=%.2g) on /%s %s", r->p, r->workload, r->measure);
}

int rs_compare_rows(const struct rs_compare_side_spec *sa, const struct rs_compare_side_spec *sb,
		    const char *root, const char *where, struct rs_compare_row **out, int *nout)
{
	return rs_compare_rows_v(sa, sb, root, where, false, out, nout);
}

int rs_compare_rows_v(const struct rs_compare_side_spec *sa, const struct rs_compare_side_spec *sb,
		      const char *root, const char *where, bool valid_only, struct rs_compare_row **out, int *nout)
{
	struct side a = { 0 }, b = { 0 };
	int err = load_side(sa, "A", root, where, valid_only, &a);
	if (!err)
		err = load_side(sb, "B", root, where, valid_only, &b);
	a.across = b.across = across_keys(sa, sb);
	struct rs_compare_row *rows = NULL;
	int n = 0;
	double *va = calloc((size_t)a.n + 1, sizeof(double)), *vb = calloc((size_t)b.n + 1, sizeof(double));
	const char **da = calloc((size_t)a.n + 1, sizeof(char *)), **db = calloc((size_t)b.n + 1, sizeof(char *));
	if (!err && (!va || !vb || !da || !db))
		err = -ENOMEM;
	for (int i = 0; !err && i < a.n; i++) {
		if (!first_of_config(&a, i))
			continue;
		/* Latency from the histograms merged when every run of the configuration has one. */
		struct rs_compare_merged mg;
		int nda = dirs(&a, &a.v[i], da), ndb = dirs(&b, &a.v[i], db);
		bool merged = ndb && !rs_compare_merged(da, nda, db, ndb, &mg);
		for (int k = 0; k < NMEASURES && !err; k++) {
			int na = values(&a, &a.v[i], k, va), nb = values(&b, &a.v[i], k, vb);
			if (!na || !nb)
				continue;
			struct rs_compare_row *r = add_row(&rows, n, &a, i, k);
			if (!r) {
				err = -ENOMEM;
				break;
			}
			snprintf(r->b, sizeof(r->b), "%s", b.label);
			r->na = na;
			r->nb = nb;
			r->med_a = rs_stats_median(va, na);
			r->med_b = rs_stats_median(vb, nb);
			err = rs_stats_summarize(va, na, RS_STATS_SEED, &r->a_runs);
			if (rs_stats_ratio(va, na, vb, nb, RS_STATS_SEED, &r->ratio, &r->lo, &r->hi))
				r->ratio = r->lo = r->hi = NAN;
			if (merged && k >= 1 && k <= RS_COMPARE_NPCT) {
				r->merged = true;
				r->na = nda;
				r->nb = ndb;
				r->med_a = mg.a[k - 1];
				r->med_b = mg.b[k - 1];
				r->ratio = mg.ratio[k - 1];
				r->lo = mg.lo[k - 1];
				r->hi = mg.hi[k - 1];
			}
			/* The rank test stays over the runs' own values: runs are the independent samples. */
			r->p = rs_stats_mann_whitney(va, na, vb, nb, NULL);
			r->significant = r->p < ALPHA && (r->lo > 1 || r->hi < 1);
			verdict(r, r->verdict, sizeof(r->verdict));
			n++;
		}
	}
	if (!err && !n && a.n && b.n) {
		fprintf(stderr, "ringside compare: %s and %s share no configuration (the export group key but for "
				"the engine, the server flags, and a pg_mode, arrival or pool both name): nothing to compare\n", sa->spec, sb->spec);
		err = -ENOENT;
	}
	free(va);
	free(vb);
	free(da);
	free(db);
	free(a.v);
	free(b.v);
	if (err) {
		free(rows);
		return err;
	}
	*out = rows;
	*nout = n;
	return 0;
}

/* One table line: Markdown cells, or padded columns. */
static void put_line(FILE *f, bool md, const char *const cells[7])
{
	static const int width[7] = { 10, 30, 18, 18, 22, 8, 0 };
	for (int i = 0; i < 7; i++) {
		if (md)
			fprintf(f, "| %s ", cells[i]);
		else
			fprintf(f, "%-*s%s", width[i], cells[i], i < 6 ? " " : "");
	}
	fputs(md ? "|\n" : "\n", f);
}

static void put_text(FILE *f, const struct rs_compare_row *r, int n, bool md)
{
	static const char *const head[7] = { "workload", "measure", "A median (n)", "B median (n)", "B/A [95% CI]", "p",
					     "verdict" };
	char a[64], b[64], ratio[64], p[32];

	if (n && !md)
		fprintf(f, "A = %s, B = %s: B/A of the medians over runs, 95%% bootstrap CI, Mann-Whitney p\n", r[0].a,
			r[0].b);
	put_line(f, md, head);
	if (md)
		fputs("|---|---|---:|---:|---:|---:|---|\n", f);
	for (int i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "%.6g (%d%s)", r[i].med_a, r[i].na, r[i].merged ? ", merged" : "");
		snprintf(b, sizeof(b), "%.6g (%d%s)", r[i].med_b, r[i].nb, r[i].merged ? ", merged" : "");
		snprintf(ratio, sizeof(ratio), "%.2f [%.2f, %.2f]", r[i].ratio, r[i].lo, r[i].hi);
		snprintf(p, sizeof(p), "%.2g", r[i].p);
		const char *const cells[7] = { r[i].workload, r[i].measure, a, b, ratio, p, r[i].verdict };
		put_line(f, md, cells);
	}
	bool any = false;
	for (int i = 0; i < n; i++)
		any |= r[i].merged;
	if (md)
		fprintf(f, "\n*Generated by `harness compare`: A = %s, B = %s; B/A of medians, 95%% bootstrap CI, "
			   "two-sided Mann-Whitney p.%s*\n", n ? r[0].a : "", n ? r[0].b : "",
			any ? " Latency rows marked merged: percentiles of the runs' histograms merged (latency.hlog), "
			      "CI from resampling runs." : "");
	else if (any)
		fputs("merged: the percentile of all the runs' requests (their latency.hlog histograms added up), "
		      "not a median of runs; CI from resampling runs\n", f);
}

static void put_tsv(FILE *f, const struct rs_compare_row *r, int n)
{
	fputs("a\tb\tworkload\tcores\tconns\trate\tmeasure\ta_n\ta_median\tb_n\tb_median\tratio\tratio_lo\tratio_hi\tp\t"
	      "significant\tverdict\tmerged\n", f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s\t%s\t%s\t%ld\t%ld\t%ld\t%s\t%d", r[i].a, r[i].b, r[i].workload, r[i].cores, r[i].conns,
			r[i].rate, r[i].measure, r[i].na);
		rs_export_put_num(f, r[i].med_a);
		fprintf(f, "\t%d", r[i].nb);
		rs_export_put_num(f, r[i].med_b);
		rs_export_put_num(f, r[i].ratio);
		rs_export_put_num(f, r[i].lo);
		rs_export_put_num(f, r[i].hi);
		fprintf(f, "\t%.4g\t%d\t%s\t%d\n", r[i].p, r[i].significant, r[i].verdict, r[i].merged);
	}
}

static int put_json(FILE *f, const struct rs_compare_row *r, int n)
{
	json_t *arr = json_array();
	for (int i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:i, s:f, s:i, s:f, s:f, s:f, "
						     "s:f, s:f, s:b, s:s, s:b}",
						     "a", r[i].a, "b", r[i].b, "workload", r[i].workload, "cores",
						     (json_int_t)r[i].cores, "conns", (json_int_t)r[i].conns, "rate",
						     (json_int_t)r[i].rate, "measure", r[i].measure, "a_n", r[i].na,
						     "a_median", r[i].med_a, "b_n", r[i].nb, "b_median", r[i].med_b,
						     "ratio", r[i].ratio, "ratio_lo", r[i].lo, "ratio_hi", r[i].hi, "p",
						     r[i].p, "significant", r[i].significant, "verdict", r[i].verdict,
						     "merged", r[i].merged));
	int err = arr && !json_dumpf(arr, f, JSON_INDENT(2)) ? 0 : -EIO;
	fputc('\n', f);
	json_decref(arr);
	return err;
}

int rs_compare_print(FILE *f, const struct rs_compare_row *rows, int n, const char *format)
{
	if (!strcmp(format, "md"))
		put_text(f, rows, n, true);
	else if (!strcmp(format, "tsv"))
		put_tsv(f, rows, n);
	else if (!strcmp(format, "json"))
		return put_json(f, rows, n);
	else
		put_text(f, rows, n, false);
	return 0;
}

int rs_compare_main(int argc, char **argv)
{
	const char *root = RS_SOURCE_ROOT "/results/runs", *where = NULL, *format = "text";
	const char *label_a = NULL, *label_b = NULL;
	bool include_invalid = false;
	int npos = 0;
	const struct rs_opt opts[] = {
		{ "results", RS_OPT_STR, &root, .help = "where filter sides look for runs (default results/runs)" },
		{ "where", RS_OPT_STR, &where, .help = "key=value[,key=value...]: only these runs, on both sides" },
		{ "format", RS_OPT_CHOICE, &format, .choices = "text,md,tsv,json", .help = "text (default), md, tsv, json" },
		{ "label-a", RS_OPT_STR, &label_a, .help = "A's name in verdicts (default: its engine, else its path)" },
		{ "label-b", RS_OPT_STR, &label_b, .help = "B's name in verdicts" },
		{ "include-invalid", RS_OPT_BOOL, &include_invalid,
		  .help = "keep runs whose validity verdict is INVALID (run.json validity.ok false), as export does" },
		{ NULL },
	};
	int err = rs_opts_parse("ringside compare", opts, argc, argv, 1, &npos);
	if (err)
		return err > 0 ? 0 : 2;
	if (npos != 2) {
		fprintf(stderr, "usage: harness compare A B [--where=k=v,...] [--format=text|md|tsv|json] [--include-invalid]\n"
				"  A, B: a run or sweep directory, or a filter such as engine=uring over --results\n");
		return 2;
	}
	struct rs_compare_side_spec sa = { argv[1], label_a }, sb = { argv[2], label_b };
	struct rs_compare_row *rows;
	int n;
	err = rs_compare_rows_v(&sa, &sb, root, where, !include_invalid, &rows, &n);
	if (err)
		return err == -EINVAL ? 2 : 1;
	err = rs_compare_print(stdout, rows, n, format);
	free(rows);
	return err ? 1 : 0;
}
