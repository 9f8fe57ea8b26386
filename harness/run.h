/* run.h - `harness run`, `sweep` and `export`: measured runs of a server, matrices of them, tables of their results. */
#ifndef RS_RUN_H
#define RS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One run: which server, which load. Filled from flags or by a sweep. */
struct rs_run_cfg {
	const char *engine;		/* preset name (engines/registry.c) */
	const char *workload;		/* plaintext, json, db, queries, ... (rs_run_workload_path) */
	long queries, sleep_ms;		/* queries/updates ?queries=N, sleep ?ms=N */
	long cores, conns, duration, warmup, rate, pool, pipeline, threads, timeout_ms;
	const char *pg_mode;		/* exclusive or shared */
	const char *pg;			/* URL; NULL: $RINGSIDE_PG_URL or the private cluster */
	const char *server_flags;	/* more ringside-server flags, space-separated */
	const char *fault;		/* --fault=pg-restart@3 ... (run_fault.h); NULL: none */
	bool quiet;			/* no progress lines */
};

/* What a run measured, for the repeat and sweep summaries. */
struct rs_run_outcome {
	double rps, p99_us;
	unsigned long long requests, errors;
	bool partial;
};

void rs_run_cfg_defaults(struct rs_run_cfg *cfg);

/*
 * Start the server, load it, sample it, stop it, and write run.json,
 * latency.hgrm, timeline.tsv and server.log into dir (created when
 * missing). Returns 0 (also when interrupted: the results are then marked
 * partial), -EINTR when interrupted before anything was measured, or
 * another negative errno after printing why.
 */
int rs_run_once(const struct rs_run_cfg *cfg, const char *dir, struct rs_run_outcome *out);

/* The request path of a workload, e.g. "/queries?queries=20". 0, or
 * -EINVAL after listing the accepted names on stderr. */
int rs_run_workload_path(const struct rs_run_cfg *cfg, char *out, size_t size);

/* SIGINT/SIGTERM stop the current run cleanly (a second one exits at once). */
void rs_run_catch_signals(void);
bool rs_run_interrupted(void);

/* mkdir -p. 0 or -errno. */
int rs_mkdir_p(const char *path);

/* Median of v[0..n) (sorts v); NaN when n is 0. */
double rs_median(double *v, int n);

/* One run.json as a row of the export table; missing numbers are NaN. */
struct rs_export_row {
	char dir[4096];
	char engine[64], workload[64], pg_mode[32];
	char variant[256];		/* with --variant: the first directory under the root; else "" */
	long cores, conns, rate, pool;
	double rps, p50, p99, p999, errors, cpu_us_per_request, syscalls_per_request, threads_max;
	double fault_at_s, fault_duration_s, fault_recovery_s; /* run --fault: when it fired, how long, recovery */
	bool partial;
};

/* Read dir/run.json. 0, -ENOENT when there is none, -EINVAL when it does not parse. */
int rs_export_read(const char *dir, struct rs_export_row *row);

/*
 * Every run.json under root (recursively) as a tab-separated table on f:
 * one row per run, or with group one per (engine, workload, cores, conns,
 * rate, pg_mode, pool) with the median, min and max of each measure.
 * Interrupted runs are left out unless partial. 0 or -errno.
 */
int rs_export_table(const char *root, FILE *f, bool group, bool partial);

/* The same with a leading "variant" column (part of the group key) when variant. */
int rs_export_table_v(const char *root, FILE *f, bool group, bool partial, bool variant);

/* Every run under root, read and sorted by group then directory (malloc'd). 0 or -errno. */
int rs_export_scan(const char *root, bool partial, bool variant, struct rs_export_row **rows, int *n);
bool rs_export_same_group(const struct rs_export_row *x, const struct rs_export_row *y);
/* The group key's columns (tab-separated, no newline), its header, and a tab then a number ("NaN" when NaN). */
void rs_export_put_key(FILE *f, const struct rs_export_row *r, bool variant);
void rs_export_put_key_header(FILE *f, bool variant);
void rs_export_put_num(FILE *f, double v);

/* export_series.c: the latency spectrum (latency.hgrm) and the per-second timeline of each group. */
int rs_export_spectrum(const char *root, FILE *f, bool partial, bool variant);
int rs_export_timeline(const char *root, FILE *f, bool partial, bool variant);

int rs_run_main(int argc, char **argv);
int rs_sweep_main(int argc, char **argv);
int rs_export_main(int argc, char **argv);

#endif
