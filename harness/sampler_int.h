/* sampler_int.h - the sampler's private state and the helpers its files share (sampler*.c). */
#ifndef RS_SAMPLER_INT_H
#define RS_SAMPLER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sampler.h"

struct perf_point {
	double stamp;	/* perf's own clock: seconds since it started counting */
	double cum;	/* syscalls since then */
};

struct rs_sampler {
	struct rs_sampler_cfg cfg;
	atomic_int pg_pm;		/* cfg.pg_postmaster, or its successor after a restart */
	pid_t pg_last_pm;		/* whose CPU pg_last is */
	double pg_last, pg_base;	/* its CPU at the last reading (-1: none yet); its predecessors' */
	char db[64];
	double interval_s;
	pthread_t thread;
	bool thread_started, stopped, gone;
	int wake[2];			/* main -> thread: stop */

	struct rs_sample *samples;
	int nsamples, cap;

	pid_t perf_pid;
	int perf_fd;
	char line[512];			/* perf output not yet ended by a newline */
	size_t line_len;
	double perf_offset;		/* CLOCK_MONOTONIC of perf's time 0 */
	double perf_cum;
	struct perf_point *pts;
	int npts, pts_cap;
	bool perf_unsupported;
	char perf_err[256];		/* what perf printed that was not data */
	char why[320];
};

/* sampler_proc.c: small /proc readers. */
/* Whole small /proc file, NUL-terminated. Bytes read or -errno. */
ssize_t samp_read_small(const char *path, char *buf, size_t size);
/* The value after "key" at the start of a line of a /proc status file. */
const char *samp_status_field(const char *text, const char *key);
/* Fields of /proc/PID/stat, in seconds. */
struct samp_stat {
	pid_t ppid;
	double utime, stime;	/* its own threads, live and exited */
	double cutime, cstime;	/* its children that exited and were waited for */
};
/* 0, -ESRCH when the process is gone, or -errno. */
int samp_read_stat(const char *pid, struct samp_stat *st);

/* sampler_perf.c: `perf stat -I` counting the server's syscalls. */
int samp_perf_start(struct rs_sampler *s);
/* Read what perf wrote; false at EOF (perf exited). */
bool samp_perf_read(struct rs_sampler *s);
/* SIGINT makes perf print the interval in progress; read until it exits, then say why when nothing came. */
void samp_perf_stop(struct rs_sampler *s);

#endif
