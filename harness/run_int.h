/* run_int.h - the state of one `harness run`, shared by run.c, run_server.c and run_write.c. */
#ifndef RS_RUN_INT_H
#define RS_RUN_INT_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "engine.h"
#include "loadgen.h"
#include "opts.h"
#include "run.h"
#include "run_fault.h"
#include "sampler.h"

#define RS_RUN_MAX_OPTS 32
#define RS_RUN_MAX_ARGS 96

struct run {
	const struct rs_run_cfg *cfg;
	const char *dir;
	const struct rs_preset *preset;
	char path[256];			/* the workload's request path */
	bool db, tty, progress, measured;

	/* Placement: the CPUs we may use, and who gets which. */
	cpu_set_t affinity;
	int machine_cpus;
	int server_cpus[CPU_SETSIZE], nserver;
	int lg_cpus[CPU_SETSIZE], nlg;	/* nlg 0: unpinned */
	char server_list[4096], lg_list[4096]; /* "1,2,3" */
	bool oversubscribed;

	char pg_url[1024];
	char pg_why[128];		/* why backends are not counted */
	pid_t postmaster;		/* 0: not ours, not sampled */

	/* The server process. */
	int port;
	char *argv[RS_RUN_MAX_ARGS];
	int argc;
	char *flags;			/* its command line, password redacted */
	pid_t pid, server_pid;		/* pid is 0 once reaped */
	int exit_status;		/* exit code, or 128 + signal */
	bool exited, killed;

	struct rs_sampler *sampler;
	struct rs_sampler_window win;	/* the measured window */
	struct rs_lg_cfg lg;
	struct rs_lg_result res;
	double t_end;			/* when rs_lg_run returned (CLOCK_MONOTONIC s) */
	struct rs_fault fault;		/* --fault */
};

/* run.c */
volatile int *rs_run_stop_flag(void);
bool rs_run_workload_needs_db(const char *name);
const struct rs_preset *rs_run_preset(const char *name);
/* The running private cluster's postmaster when url is that cluster, else 0. */
pid_t rs_run_private_postmaster(const char *url);
/* The flags every run takes (single: also engine, workload, cores, conns, rate). Returns how many. */
int rs_run_opts(struct rs_run_cfg *cfg, struct rs_opt *opts, bool single);

/* run_server.c: ringside-server as a child. Each returns 0 or a negative
 * errno after printing why (with the tail of the server's stderr). */
int rs_run_server_start(struct run *r);
int rs_run_server_ready(struct run *r);
void rs_run_server_stop(struct run *r);
void rs_run_server_free(struct run *r);

/* run_write.c: run.json, latency.hgrm, timeline.tsv; the summary table. */
int rs_run_write(struct run *r);
void rs_run_print(const struct run *r);
void rs_run_fmt_us(double us, char *out, size_t size);
unsigned long long rs_run_errors(const struct rs_lg_result *res);

#endif
