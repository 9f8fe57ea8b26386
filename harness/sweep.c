/* sweep.c - `harness sweep`: engines x workloads x cores x conns x rates, N repetitions each, resumable; medians with 95% intervals. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "paths.h"
#include "results.h"
#include "rs_config.h"
#include "run.h"
#include "run_int.h"
#include "stats_print.h"

#define MAX_LIST 64

struct list {
	char *item[MAX_LIST];
	long num[MAX_LIST];
	int n;
	char *buf;
};

struct sweep {
	struct rs_run_cfg base;
	const char *engines, *workloads, *cores, *conns, *rates, *out;
	long repeat, max_repeat;	/* --repeat=auto: repeat is max_repeat, auto_mode 1 */
	const char *repeat_s;
	int auto_mode;
	unsigned char *converged;	/* --repeat=auto, per cell */
	json_t *auto_cells;		/* --repeat=auto: what each cell took, for repeat.json */
	struct list le, lw, lcores, lconns, lrates;
	bool runnable[MAX_LIST];	/* per engine: its probe passed */
	char dir[4096];
	char params[2048];		/* the flags that must match to resume */
	int ran, skipped, failed, cells;
	bool include_invalid;		/* summaries keep INVALID runs */
	int invalid;			/* runs the summary left out as INVALID */
};

/* "a,b,c" -> items (and numbers when numeric). 0 or -EINVAL. */
static int split(const char *flag, const char *s, struct list *l, bool numeric, long min, long max)
{
	char *save = NULL, *end;

	l->buf = strdup(s);
	if (!l->buf)
		return -ENOMEM;
	for (char *t = strtok_r(l->buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (l->n == MAX_LIST) {
			fprintf(stderr, "ringside sweep: --%s: at most %d values\n", flag, MAX_LIST);
			return -EINVAL;
		}
		l->item[l->n] = t;
		if (numeric) {
			errno = 0;
			l->num[l->n] = strtol(t, &end, 10);
			if (*end || errno || l->num[l->n] < min || l->num[l->n] > max) {
				fprintf(stderr, "ringside sweep: --%s: '%s' is not an integer in %ld..%ld\n", flag, t,
					min, max);
				return -EINVAL;
			}
		}
		l->n++;
	}
	if (!l->n) {
		fprintf(stderr, "ringside sweep: --%s is empty\n", flag);
		return -EINVAL;
	}
	return 0;
}

static int check_engines(struct sweep *sw)
{
	char names[512];
	const char *why = NULL;
	int usable = 0;

	for (int i = 0; i < sw->le.n; i++) {
		const struct rs_preset *p = rs_preset_find(sw->le.item[i]);
		if (!p) {
			rs_preset_names(names, sizeof(names));
			fprintf(stderr, "ringside sweep: unknown preset '%s'; presets: %s\n", sw->le.item[i], names);
			return -EINVAL;
		}
		int err = p->engine->probe(&why);
		sw->runnable[i] = !err;
		usable += !err;
		if (err)
			fprintf(stderr, "ringside sweep: engine %s cannot run here (%s): its cells are skipped\n",
				p->name, why ? why : strerror(-err));
	}
	return usable ? 0 : -ENODEV;
}

static int check_workloads(const struct sweep *sw)
{
	struct rs_run_cfg c = sw->base;
	char path[256];

	for (int i = 0; i < sw->lw.n; i++) {
		c.workload = sw->lw.item[i];
		if (rs_run_workload_path(&c, path, sizeof(path)))
			return -EINVAL;
	}
	return 0;
}

static int parse_lists(struct sweep *sw)
{
	int err = split("engines", sw->engines, &sw->le, false, 0, 0);
	if (!err)
		err = split("workloads", sw->workloads, &sw->lw, false, 0, 0);
	if (!err)
		err = split("cores", sw->cores, &sw->lcores, true, 1, 256);
	if (!err)
		err = split("conns", sw->conns, &sw->lconns, true, 1, 1000000);
	if (!err)
		err = split("rates", sw->rates, &sw->lrates, true, 0, 100000000);
	if (!err)
		err = check_workloads(sw);
	if (!err)
		err = check_engines(sw);
	if (!err)
		sw->cells = sw->le.n * sw->lw.n * sw->lcores.n * sw->lconns.n * sw->lrates.n;
	return err;
}

/* ---- the sweep directory ---- */

/* What every cell shares: a resumed sweep must have been made with the same. */
static void make_params(struct sweep *sw)
{
	const struct rs_run_cfg *c = &sw->base;
	char *pg = c->pg ? rs_results_redact(c->pg) : NULL;

	snprintf(sw->params, sizeof(sw->params),
		 "duration=%ld warmup=%ld queries=%ld sleep-ms=%ld pool=%ld pg-mode=%s pipeline=%ld threads=%ld "
		 "timeout-ms=%ld pg=%s server-flags=%s%s%s",
		 c->duration, c->warmup, c->queries, c->sleep_ms, c->pool, c->pg_mode, c->pipeline, c->threads,
		 c->timeout_ms, pg ? pg : "private", c->server_flags ? c->server_flags : "",
		 /* Only when not the default: older sweeps resume. */
		 strcmp(c->arrival, "uniform") ? " arrival=" : "", strcmp(c->arrival, "uniform") ? c->arrival : "");
	free(pg);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Default: results/runs/sweep-<hash of the command>: the same command resumes. */
static int choose_dir(struct sweep *sw)
{
	if (sw->out) {
		snprintf(sw->dir, sizeof(sw->dir), "%s", sw->out);
	} else {
		uint64_t h = 0xcbf29ce484222325ull;
		const char *parts[] = { sw->engines, sw->workloads, sw->cores, sw->conns, sw->rates, sw->params };
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			h = fnv1a(fnv1a(h, parts[i]), "|");
		snprintf(sw->dir, sizeof(sw->dir), "%s/sweep-%08llx", rs_path_runs(),
			 (unsigned long long)(h & 0xffffffffu));
	}
	return rs_mkdir_p(sw->dir);
}

static json_t *list_json(const struct list *l, bool numeric)
{
	json_t *a = json_array();
	for (int i = 0; i < l->n; i++)
		json_array_append_new(a, numeric ? json_integer(l->num[i]) : json_string(l->item[i]));
	return a;
}

/* sweep.json: the matrix; refuses to resume a sweep made with other flags. */
static int write_manifest(struct sweep *sw)
{
	char path[4200];
	json_error_t jerr;

	snprintf(path, sizeof(path), "%s/sweep.json", sw->dir);
	json_t *old = json_load_file(path, 0, &jerr);
	const char *was = json_string_value(json_object_get(old, "params"));
	if (was && strcmp(was, sw->params)) {
		fprintf(stderr, "ringside sweep: %s was made with other flags:\n  %s\nnot:\n  %s\n"
				"use another --out to start a new sweep\n", sw->dir, was, sw->params);
		json_decref(old);
		return -EEXIST;
	}
	json_decref(old);
	json_t *m = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:s}", "engines", list_json(&sw->le, false),
			      "workloads", list_json(&sw->lw, false), "cores", list_json(&sw->lcores, true),
			      "conns", list_json(&sw->lconns, true), "rates", list_json(&sw->lrates, true), "repeat",
			      (json_int_t)sw->repeat, "params", sw->params);
	int err = m && !json_dump_file(m, path, JSON_INDENT(2)) ? 0 : -EIO;
	json_decref(m);
	return err;
}

/* ---- cells ---- */

/* Cell i of the matrix (mixed radix, engines outermost). Returns the engine's index. */
static int cell_cfg(const struct sweep *sw, int i, struct rs_run_cfg *c)
{
	*c = sw->base;
	c->rate = sw->lrates.num[i % sw->lrates.n];
	i /= sw->lrates.n;
	c->conns = sw->lconns.num[i % sw->lconns.n];
	i /= sw->lconns.n;
	c->cores = sw->lcores.num[i % sw->lcores.n];
	i /= sw->lcores.n;
	c->workload = sw->lw.item[i % sw->lw.n];
	i /= sw->lw.n;
	c->engine = sw->le.item[i];
	return i;
}

static void cell_dir(const struct sweep *sw, const struct rs_run_cfg *c, int rep, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s-%s-c%ld-n%ld", sw->dir, c->engine, c->workload, c->cores, c->conns);
	if (c->rate && n > 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, "-r%ld", c->rate);
	if (rep > 0 && n > 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, "/%d", rep);
}

/* A cell repetition is done when its run.json exists and is not partial. */
static bool rep_done(const char *dir)
{
	struct rs_export_row row;
	return !rs_export_read(dir, &row) && !row.partial;
}

static void run_cell(struct sweep *sw, int i, int rep)
{
	struct rs_run_cfg c;
	struct rs_run_outcome o;
	char dir[4400];

	if (!sw->runnable[cell_cfg(sw, i, &c)])
		return;
	cell_dir(sw, &c, rep, dir, sizeof(dir));
	if (rep_done(dir)) {
		sw->skipped++;
		return;
	}
	printf("\n[cell %d/%d, repetition %d/%ld] %s %s cores=%ld conns=%ld%s\n", i + 1, sw->cells, rep,
	       sw->repeat, c.engine, c.workload, c.cores, c.conns, c.rate ? " (open loop)" : "");
	fflush(stdout);
	int err = rs_mkdir_p(dir);
	if (!err)
		err = rs_run_once(&c, dir, &o);
	if (err && err != -EINTR)
		sw->failed++;
	else if (!err)
		sw->ran++;
}

/* Throughput of cell i's finished repetitions 1..upto into rps; returns how many. */
static int cell_rps(const struct sweep *sw, int i, int upto, double *rps)
{
	struct rs_run_cfg c;
	struct rs_export_row row;
	char dir[4400];
	int n = 0;

	cell_cfg(sw, i, &c);
	for (int rep = 1; rep <= upto && rep <= 1000; rep++) {
		cell_dir(sw, &c, rep, dir, sizeof(dir));
		if (!rs_export_read(dir, &row) && !row.partial)
			rps[n++] = row.rps;
	}
	return n;
}

/* --repeat=auto after a round: mark the cells whose median req/s has converged; 1 when all have. */
static int update_converged(struct sweep *sw, int rep)
{
	double rps[1000];
	struct rs_run_cfg c;
	int all = 1;

	for (int i = 0; i < sw->cells; i++) {
		if (!sw->runnable[cell_cfg(sw, i, &c)])
			continue;
		if (!sw->converged[i])
			sw->converged[i] = (unsigned char)rs_stats_converged(rps, cell_rps(sw, i, rep, rps));
		all &= sw->converged[i];
	}
	return all;
}

/* ---- the summary ---- */

static void summarize_cell(struct sweep *sw, int i)
{
	struct rs_run_cfg c;
	struct rs_export_row row;
	double rps[1000], p99[1000], cpu[1000];
	char dir[4400];
	int n = 0, ncpu = 0, left = 0;

	cell_cfg(sw, i, &c);
	for (int rep = 1; rep <= sw->repeat && rep <= 1000; rep++) {
		cell_dir(sw, &c, rep, dir, sizeof(dir));
		if (rs_export_read(dir, &row) || row.partial)
			continue;
		if (!row.valid && !sw->include_invalid) {
			sw->invalid++;
			left++;
			continue;
		}
		rps[n] = row.rps;
		p99[n++] = row.p99;
		if (!isnan(row.cpu_us_per_request))
			cpu[ncpu++] = row.cpu_us_per_request;
	}
	printf("%-12s %-10s %5ld %6ld %8ld %4d/%-4ld", c.engine, c.workload, c.cores, c.conns, c.rate, n,
	       sw->repeat);
	if (n) {
		rs_stats_print("req/s", rps, n, false, NULL);
		rs_stats_print("p99", p99, n, true, NULL);
	}
	if (ncpu)
		printf("  cpu %.2f us/req", rs_median(cpu, ncpu));
	if (left)
		printf("  (%d INVALID left out)", left);
	if (sw->auto_mode) {
		printf("  %s", sw->converged[i] ? "converged" : "not converged");
		json_array_append_new(sw->auto_cells,
				      json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:b}", "engine", c.engine, "workload",
						c.workload, "cores", (json_int_t)c.cores, "conns", (json_int_t)c.conns,
						"rate", (json_int_t)c.rate, "runs", n + left, "converged", sw->converged[i]));
	}
	printf("\n");
}

static void summarize(struct sweep *sw)
{
	char path[4200];

	printf("\nmedians over repetitions [95%% bootstrap CI], cv; noisy: cv > 10%%; never the best of them\n");
	printf("%-12s %-10s %5s %6s %8s %9s\n", "engine", "workload", "cores", "conns", "rate", "runs");
	for (int i = 0; i < sw->cells; i++)
		summarize_cell(sw, i);
	snprintf(path, sizeof(path), "%s/summary.tsv", sw->dir);
	FILE *f = fopen(path, "w");
	if (f) {
		rs_export_table(sw->dir, f, true, RS_EXPORT_NOTE | (sw->include_invalid ? RS_EXPORT_KEEP_INVALID : 0));
		fclose(f);
	}
	if (sw->invalid)
		printf("\nthe medians leave out %d INVALID run%s (their verdicts are in each run.json and the run's "
		       "summary); --include-invalid keeps them\n", sw->invalid, sw->invalid > 1 ? "s" : "");
	printf("\nsweep %s: ran %d, skipped %d (already done), failed %d; table: %s\n", sw->dir, sw->ran,
	       sw->skipped, sw->failed, path);
}

/* --repeat=auto: per cell, how many runs it took and whether it converged, in <sweep>/repeat.json. */
static void write_auto(struct sweep *sw)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/repeat.json", sw->dir);
	json_t *j = json_pack("{s:s, s:I, s:f, s:O}", "repeat", "auto", "max_repeat", (json_int_t)sw->repeat,
			      "target_halfwidth", RS_STATS_AUTO_HALFWIDTH, "cells", sw->auto_cells);
	if (!j || json_dump_file(j, path, JSON_INDENT(2)))
		fprintf(stderr, "ringside sweep: cannot write %s\n", path);
	else
		printf("--repeat=auto: runs per cell and convergence in %s\n", path);
	json_decref(j);
}

static void free_lists(struct sweep *sw)
{
	free(sw->le.buf);
	free(sw->lw.buf);
	free(sw->lcores.buf);
	free(sw->lconns.buf);
	free(sw->lrates.buf);
}

static int sweep_run(struct sweep *sw)
{
	int err = parse_lists(sw);
	if (err)
		return err == -ENODEV ? 1 : 2;
	make_params(sw);
	err = choose_dir(sw);
	if (!err)
		err = write_manifest(sw);
	if (err) {
		if (err != -EEXIST)
			fprintf(stderr, "ringside sweep: %s: %s\n", sw->dir, strerror(-err));
		return 1;
	}
	printf("sweep %s: %d cells x %ld repetitions (re-run the same command to resume)\n", sw->dir, sw->cells,
	       sw->repeat);
	rs_run_catch_signals();
	if (sw->auto_mode && (!(sw->converged = calloc((size_t)sw->cells, 1)) || !(sw->auto_cells = json_array())))
		return 1;
	/* Repetition-major: a drift of the machine spreads over every cell. --repeat=auto: a cell whose
	 * median has converged sits out the later rounds; the sweep ends when every cell has. */
	for (int rep = 1; rep <= sw->repeat && !rs_run_interrupted(); rep++) {
		for (int i = 0; i < sw->cells && !rs_run_interrupted(); i++)
			if (!sw->auto_mode || !sw->converged[i])
				run_cell(sw, i, rep);
		if (sw->auto_mode && rep >= RS_STATS_AUTO_MIN && update_converged(sw, rep))
			break;
	}
	summarize(sw);
	if (sw->auto_mode)
		write_auto(sw);
	if (rs_run_interrupted())
		return 130;
	return sw->failed ? 1 : 0;
}

int rs_sweep_main(int argc, char **argv)
{
	struct sweep sw = { .engines = "uring", .workloads = "plaintext", .cores = "1", .conns = "64",
			    .rates = "0", .repeat_s = "3", .max_repeat = 10 };
	struct rs_opt opts[RS_RUN_MAX_OPTS];
	int n = 0;

	rs_run_cfg_defaults(&sw.base);
	opts[n++] = (struct rs_opt){ "engines", RS_OPT_STR, &sw.engines, .help = "presets, comma-separated" };
	opts[n++] = (struct rs_opt){ "workloads", RS_OPT_STR, &sw.workloads, .help = "workloads, comma-separated" };
	opts[n++] = (struct rs_opt){ "cores", RS_OPT_STR, &sw.cores, .help = "reactor counts, e.g. 1,2" };
	opts[n++] = (struct rs_opt){ "conns", RS_OPT_STR, &sw.conns, .help = "connection counts, e.g. 16,64,256" };
	opts[n++] = (struct rs_opt){ "rates", RS_OPT_STR, &sw.rates, .help = "open-loop req/s, 0 = closed loop" };
	opts[n++] = (struct rs_opt){ "repeat", RS_OPT_STR, &sw.repeat_s,
				     .help = "repetitions per cell (default 3); auto: until each cell's 95% CI of the median req/s is within ±3%" };
	opts[n++] = (struct rs_opt){ "max-repeat", RS_OPT_INT, &sw.max_repeat, RS_STATS_AUTO_MIN, 1000,
				     .help = "--repeat=auto: at most this many rounds (default 10)" };
	opts[n++] = (struct rs_opt){ "out", RS_OPT_STR, &sw.out,
				     .help = "sweep directory (default results/runs/sweep-<hash of the flags>)" };
	opts[n++] = (struct rs_opt){ "include-invalid", RS_OPT_BOOL, &sw.include_invalid,
				     .help = "the summaries keep runs whose verdict is INVALID" };
	n += rs_run_opts(&sw.base, opts + n, false);
	opts[n] = (struct rs_opt){ NULL };
	int err = rs_opts_parse("ringside sweep", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	if (rs_repeat_parse("ringside sweep", sw.repeat_s, sw.max_repeat, &sw.repeat, &sw.auto_mode))
		return 2;
	int rc = sweep_run(&sw);
	free_lists(&sw);
	free(sw.converged);
	json_decref(sw.auto_cells);
	return rc;
}
