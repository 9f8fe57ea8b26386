/* sampler.h - the server process once a second, from /proc and perf: threads, CPU, switches, RSS, fds, syscalls, Postgres backends and CPU. */
#ifndef RS_SAMPLER_H
#define RS_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Threads by what they are, from /proc/PID/task/TID/comm. */
enum rs_thread_kind {
	RS_THREAD_REACTOR,	/* rs-reactor-N: one per core */
	RS_THREAD_WORKER,	/* rs-worker-N: the threadpool engine's blocking workers */
	RS_THREAD_IOU_WRK,	/* iou-wrk-TID: io_uring's own kernel-side workers (punted work) */
	RS_THREAD_OTHER,
	RS_THREAD_NKINDS,
};

enum rs_thread_kind rs_thread_kind_of(const char *comm);
/* "reactor", "worker", "iou_wrk", "other": the keys of run.json's threads_by_kind. */
const char *rs_thread_kind_name(enum rs_thread_kind kind);

/*
 * One reading of a process. Counters are cumulative since the process
 * started; context switches are summed over its live threads (a thread
 * that has exited takes its switches with it: /proc has no per-process
 * total for them).
 */
struct rs_sample {
	double t;			/* CLOCK_MONOTONIC, seconds */
	int threads;
	int by_kind[RS_THREAD_NKINDS];
	double cpu_user_s, cpu_sys_s;	/* /proc/PID/stat utime, stime over CLK_TCK */
	uint64_t ctx_vol, ctx_invol;
	long rss_kb;			/* VmRSS */
	int fds;			/* entries of /proc/PID/fd */
	int pg_backends, pg_active;	/* -1: not sampled */
	double pg_cpu_s;		/* the Postgres cluster's CPU (rs_pg_cpu), kept cumulative across restarts; -1: not sampled */
};

/* Read pid now (Postgres fields -1). 0, -ESRCH when it is gone, or -errno. */
int rs_sample_read(pid_t pid, struct rs_sample *s);

/*
 * Backends of database db under the postmaster pm, from the process titles
 * of its children ("postgres: USER DB HOST(PORT) ACTIVITY"): *connected
 * counts them, *active those whose activity is not idle. With client > 0,
 * only those whose client end (HOST(PORT)) is a TCP socket of that process:
 * other servers and tests on the same database do not count. Read from
 * /proc rather than asked of pg_stat_activity, because that query would
 * itself be a backend of the database being measured, once a second.
 * Needs update_process_title (on by default on Linux). 0 or -errno.
 */
int rs_pg_backends(pid_t pm, const char *db, pid_t client, int *connected, int *active);

/*
 * CPU seconds (user + sys) of the cluster of postmaster pm since it started:
 * the postmaster, its live children (backends, background workers, ...) and
 * the children that ended (the postmaster's cutime/cstime). 0, -ESRCH when
 * the postmaster is gone, or -errno.
 */
int rs_pg_cpu(pid_t pm, double *cpu_s);

struct rs_sampler_cfg {
	pid_t pid;
	int interval_ms;	/* 0: 1000 */
	bool syscalls;		/* count raw_syscalls:sys_enter with `perf stat -p PID -I` */
	pid_t pg_postmaster;	/* 0: no Postgres to look at */
	const char *pg_db;	/* whose backends count; NULL: "bench" */
};

struct rs_sampler;

/*
 * Take a first sample, start perf (as a child of the calling thread, which
 * must outlive the sampler: perf gets SIGTERM when that thread exits) and
 * the sampling thread. Fills *out; 0 or a negative errno. A perf that is
 * missing or refuses is not an error: rs_sampler_syscalls_why says why.
 */
int rs_sampler_start(const struct rs_sampler_cfg *cfg, struct rs_sampler **out);

/*
 * Take a last sample now and stop: the thread ends, perf gets SIGINT and
 * its last partial interval is read. Call from the thread that started it.
 * Idempotent.
 */
void rs_sampler_stop(struct rs_sampler *s);
void rs_sampler_free(struct rs_sampler *s);

/* Postgres was restarted (a fault of `harness run`): count the backends of
 * this postmaster from now on. Any thread. */
void rs_sampler_set_pg_postmaster(struct rs_sampler *s, pid_t pm);

/* NULL when syscalls were counted; else why not (owned by s). */
const char *rs_sampler_syscalls_why(const struct rs_sampler *s);

/* Samples taken so far (stopped samplers only: the array may move while running). */
int rs_sampler_samples(const struct rs_sampler *s, const struct rs_sample **out);

/*
 * The process over [t0, t1] (CLOCK_MONOTONIC seconds). Cumulative counters
 * are interpolated linearly between the samples around t0 and t1, so a
 * window need not fall on sample times; maxima are over the samples inside
 * the window (the nearest one when none is).
 */
struct rs_sampler_window {
	double cpu_user_s, cpu_sys_s;
	double ctx_vol, ctx_invol;
	double syscalls;		/* -1: not counted */
	int threads_max;
	int by_kind_max[RS_THREAD_NKINDS];
	long rss_max_kb;
	int fds_max;
	int pg_backends_max, pg_active_max; /* -1: not sampled */
	double pg_cpu_s;		/* -1: not sampled at both ends of the window */
};

/* 0, or -ENODATA when there is no sample at all. Stopped samplers only. */
int rs_sampler_window(const struct rs_sampler *s, double t0, double t1, struct rs_sampler_window *w);

/* sampler_file.c: a stopped sampler's samples as text (times in this host's Unix seconds), and a stopped
 * sampler read back from it with shift added to every time (the reader's CLOCK_MONOTONIC minus the
 * writer's Unix time). 0, -EINVAL (not such a file), -ENOMEM, -EIO. */
#include <stdio.h>
int rs_sampler_save(const struct rs_sampler *s, FILE *f);
int rs_sampler_load(FILE *f, double shift, struct rs_sampler **out);

/* CLOCK_MONOTONIC in seconds: the clock of rs_sample.t and windows. */
double rs_sampler_now(void);

#endif
