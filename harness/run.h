/* run.h - `harness run`, `sweep` and `export`: measured runs of a server, matrices of them, tables of their results. */
#ifndef RS_RUN_H
#define RS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One run: which server, which load. Filled from flags or by a sweep. */
struct rs_run_cfg {
	const char *engine;		/* preset name (app/registry.c) */
	const char *workload;		/* plaintext, json, db, queries, ... (rs_run_workload_path) */
	long queries, sleep_ms;		/* queries/updates ?queries=N, sleep ?ms=N */
	long cores, conns, duration, warmup, rate, pool, pipeline, threads, timeout_ms;
	const char *pg_mode;		/* exclusive or shared */
	const char *arrival;		/* --arrival: open loop's uniform (default) or poisson */
	const char *pg;			/* URL; NULL: $RINGSIDE_PG_URL or the private cluster */
	const char *server_flags;	/* more ringside-server flags, space-separated */
	const char *fault;		/* --fault=pg-restart@3 ... (run_fault.h); NULL: none */
	const char *recovery_threshold;	/* --recovery-threshold: share of the baseline that is "recovered"; NULL: 0.8 */
	bool quiet;			/* no progress lines */
	const char *file_size;		/* --workload=file: which size of build/files, e.g. "1k" */
	const char *file_cache;		/* hot, or cold: posix_fadvise DONTNEED before and during the run */
	const char *files_dir;		/* NULL: build/files */
	const char *redis;		/* --redis=URL; NULL: $RINGSIDE_REDIS_URL or the private redis-server */
	bool no_wait;			/* refuse, rather than wait, when another run measures */
	long loadgen_probe_s;		/* closed loop: seconds of twice the connections after the window; 0: no probe */
	/* Several machines (multihost.c, run_remote.c): ssh://[user@]host[:port], comma-separated for the load. */
	const char *loadgen_hosts;	/* --loadgen-hosts: the load split across these; NULL: here */
	const char *server_host;	/* --server-host: the server there; NULL: here */
	const char *server_addr;	/* --server-addr: where the load generators connect; NULL: the server host's name */
	const char *remote_harness;	/* --remote-harness: the harness there; NULL: this one's own path */
};

/* What a run measured, for the repeat and sweep summaries. */
struct rs_run_outcome {
	double rps, p99_us;
	unsigned long long requests, errors;
	bool partial;
	bool valid;			/* run.json validity.ok */
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

#include "mkdir_p.h"

/* Median of v[0..n) (sorts v); NaN when n is 0. */
double rs_median(double *v, int n);

/*
 * One run.json as a row of the export table. The group key is every input
 * that changes the measurement (export_key.c); a string the run did not
 * record is "", a number -1. Missing measures are NaN.
 */
struct rs_export_row {
	char dir[4096];
	char variant[256];		/* with --variant: the first directory under the root; else "" */
	/* The group key. */
	char engine[64], workload[64], pg_mode[32], server_flags[512], fault[128], arrival[64];
	char file_size[32], file_cache[16];	/* file: which files, hot or cold page cache; else "" */
	long queries, sleep_ms;		/* the workload's parameter; -1 when it takes none */
	long cores, conns, pipeline, rate, threads, pool, duration, warmup;
	/* Measures (rs_export_metric). */
	double rps, p50, p99, p999, errors, cpu_us_per_request, syscalls_per_request, threads_max;
	double mean, p90, max;		/* latency, us */
	double err_connect, err_reset, err_timeout, err_non2xx, err_invalid; /* summary.errors by class */
	double cpu_server_user, cpu_server_sys, cpu_postgres, cpu_loadgen; /* run.json cpu_us_per_request */
	double fault_at_s, fault_duration_s, fault_recovery_s; /* run --fault: when it fired, how long, recovery */
	double steal, interference;	/* validity: the hypervisor's and other processes' shares of the run's CPUs */
	/* About the run, not part of the key. */
	int valid;			/* run.json validity.ok: 1 or 0; -1 when the run has no verdict */
	char why[128];			/* an invalid run's reasons by tag ("interference,dirty") */
	char commit[64], created[32];
	bool partial;
};

/* export_read.c: dir/run.json. 0, -ENOENT when there is none, -EINVAL when it does not parse. */
int rs_export_read(const char *dir, struct rs_export_row *row);

/* export_key.c: the group key. Order of rows (key, then directory); same key; its columns and header
 * (tab-separated, no newline; with variant, a first column "variant"). */
int rs_export_cmp(const struct rs_export_row *x, const struct rs_export_row *y);
bool rs_export_same_group(const struct rs_export_row *x, const struct rs_export_row *y);
void rs_export_put_key(FILE *f, const struct rs_export_row *r, bool variant);
void rs_export_put_key_header(FILE *f, bool variant);
/* The value of key column name (or "variant") of r as text, as export prints it. 0, or -EINVAL for no such key. */
int rs_export_key_value(const struct rs_export_row *r, const char *name, char *out, size_t size);
/* Rows from rows[0] on (sorted) that share its group: at least 1 when n > 0. */
int rs_export_group_len(const struct rs_export_row *rows, int n);

/* export_key.c: the measures, by index: column names and values (NaN when missing). */
#define RS_EXPORT_NMETRICS 22
const char *rs_export_metric_name(int k);
double rs_export_metric(const struct rs_export_row *r, int k);

/* A tab then a number ("NaN" when NaN). */
void rs_export_put_num(FILE *f, double v);

/* export.c: one measure over the runs of one group, NaNs left out (n 0: all NaN). */
struct rs_export_agg {
	int n;
	double median, min, max;
	double lo, hi, cv;	/* 95% bootstrap interval of the median, CV (stats.h); NaN when n is 0 */
	int noisy;		/* cv > 10% */
};
void rs_export_aggregate(const struct rs_export_row *rows, int nrows, int k, struct rs_export_agg *out);

/*
 * Every run.json under root (recursively) as a tab-separated table on f:
 * one row per run, or with group one per value of the group key with the
 * median, min and max of each measure. Interrupted runs are left out
 * unless keep has RS_EXPORT_KEEP_PARTIAL, invalid ones (validity.ok false)
 * unless RS_EXPORT_KEEP_INVALID; how many and why goes to stderr and, with
 * RS_EXPORT_NOTE, as a last "# ringside export: ..." line of the table (gnuplot
 * skips it; plot and paper repeat it). 0 or -errno.
 */
#define RS_EXPORT_KEEP_PARTIAL 1u
#define RS_EXPORT_KEEP_INVALID 2u
#define RS_EXPORT_NOTE 4u
#define RS_EXPORT_QUIET 8u	/* nothing on stderr about validity */
#define RS_EXPORT_NOTE_PREFIX "# ringside export: "
int rs_export_table(const char *root, FILE *f, bool group, unsigned keep);

/* export_format.c: a whole TSV table (header first) written to out as "csv" or "md". 0 or -1. */
int rs_export_convert(const char *tsv, const char *format, FILE *out);

/* The same with a leading "variant" column (part of the group key) when variant. */
int rs_export_table_v(const char *root, FILE *f, bool group, unsigned keep, bool variant);

/* Every run under root, read and sorted by group then directory (malloc'd). 0 or -errno. */
int rs_export_scan(const char *root, unsigned keep, bool variant, struct rs_export_row **rows, int *n);

/* export_series.c: the latency spectrum (the group's latency.hlog merged; latency.hgrm medians for older runs)
 * and the per-second timeline of each group. */
int rs_export_spectrum(const char *root, FILE *f, unsigned keep, bool variant);
int rs_export_timeline(const char *root, FILE *f, unsigned keep, bool variant);

int rs_run_main(int argc, char **argv);
int rs_sweep_main(int argc, char **argv);
int rs_export_main(int argc, char **argv);
/* deploy.c, server_agent.c: the several-machine commands. */
int rs_deploy_main(int argc, char **argv);
int rs_server_agent_main(int argc, char **argv);

#endif
