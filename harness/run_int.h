/* run_int.h - the state of one `harness run`, shared by run.c, run_server.c and run_write.c. */
#ifndef RS_RUN_INT_H
#define RS_RUN_INT_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "engine.h"
#include "preset.h"
#include "files.h"
#include "loadgen.h"
#include "opts.h"
#include "run.h"
#include "run_fault.h"
#include "sampler.h"

#define RS_RUN_MAX_OPTS 40
#define RS_RUN_MAX_ARGS 96

/* Per-CPU /proc/stat and the harness's own CPU at one moment: the validity guards' two readings. */
#define RS_VALID_MAX_CPUS 1024
struct rs_cpu_snap {
	bool ok;
	double self_cpu_s;		/* the harness and every process under it (not Postgres), user + sys */
	/* Per CPU, in USER_HZ ticks: user+nice+system, irq+softirq, steal, and every column. */
	unsigned long long busy[RS_VALID_MAX_CPUS], irq[RS_VALID_MAX_CPUS], steal[RS_VALID_MAX_CPUS],
		total[RS_VALID_MAX_CPUS];
};

#define RS_VALID_MAX_REASONS 8
struct rs_validity {
	bool ok;
	char reasons[RS_VALID_MAX_REASONS][320];
	int nreasons;
};

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
	double wall_end;		/* the same moment, Unix time (s) */
	int lock_fd;			/* the measuring lock (runlock.h); -1: not held */
	struct rs_fault fault;		/* --fault */
	char file_paths[RS_FILES_MAX_PATHS][96]; /* --workload=file: the loadgen's paths */
	int nfile_paths;
	char redis_url[256];		/* the Redis workloads: where, passed as --redis */
	pid_t redis_pid;		/* the private redis-server it uses (daemonized: not under the harness), else 0 */
	struct rs_files_cold *cold;	/* --file-cache=cold */
	bool file_direct;		/* cold, and the filesystem takes O_DIRECT: the server reads with it */
	int dev_err;			/* file: reading the device's counters failed (0: read) */
	unsigned long long dev_read0, dev_read1; /* bytes the files' device had read, at the window's ends */

	/* Validity guards (run_valid.c): readings at the measured window's ends, listeners, the probe. */
	struct rs_cpu_snap snap0, snap1;
	int listeners;			/* processes listening on the port at the window's end; -1: unknown */
	char listener_who[512];
	double probe_rps;		/* the loadgen probe's req/s; -1: not probed */
	char probe_why[128];		/* why not probed */
	struct rs_validity valid;
	char lg_addr[64];		/* the load generator's target, numeric IPv4 */
	bool listen_any;		/* the load comes from other hosts: the server listens on 0.0.0.0 */
	struct rs_mh *mh;		/* --loadgen-hosts (multihost.c); NULL: the load generator runs here */
	struct rs_rsrv *rsrv;		/* --server-host (run_remote.c); NULL: the server runs here */
};

/* run.c */
volatile int *rs_run_stop_flag(void);
bool rs_run_workload_needs_db(const char *name);
/* The query parameter a workload takes: "queries" (--queries), "ms" (--sleep-ms) or NULL. */
const char *rs_run_workload_param(const char *name);
const struct rs_preset *rs_run_preset(const char *name);
/* run.json's layout version (docs/run-json.md). */
#define RS_RUN_SCHEMA_VERSION 2

/* run_env.c: the Postgres and Redis servers' versions and settings (or {"why"}), the kernel's knobs. */
#include <jansson.h>
json_t *rs_run_pg_settings_json(const char *url);
json_t *rs_run_redis_settings_json(const char *url);
json_t *rs_run_kernel_json(void);

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

/* run.c: reactors on the last --cores CPUs of our affinity, the load generator on the others. */
int rs_run_place(struct run *r);

/* multihost.c: --loadgen-hosts. setup: parse, check each host (reachable, same commit, clock offset
 * within 10 ms), before the server starts; measure: the hosts' loads from one agreed instant, their
 * directories copied back, merged into r->res (and r->t_end, r->wall_end); json: run.json's
 * loadgen_hosts. Each 0 or a negative errno after saying which host and why. */
struct rs_remote;
int rs_mh_setup(struct run *r);
int rs_mh_measure(struct run *r);
json_t *rs_mh_json(const struct run *r);
void rs_mh_free(struct run *r);
/* One host, before anything runs there: reachable, its harness at our commit, its clock offset (us)
 * with an uncertainty under 10 ms; *setup_s (may be NULL) how long `--version` took over ssh.
 * 0 or a negative errno after naming the host and the cause. */
int rs_mh_check_host(const struct rs_remote *h, const char *harness, double *offset_us, double *unc_us, double *setup_s);
/* --remote-harness, or this harness's own path. */
const char *rs_mh_remote_harness(const struct run *r);
/* Where the load generators connect: --server-addr, the server host's name, or this host's. */
const char *rs_mh_server_addr(const struct run *r);

/* run_remote.c: --server-host: the same steps as run_server.c, on that host through `harness server-agent`;
 * stop also copies server.log and the samples back and leaves r->sampler holding them on our clock. */
int rs_rsrv_setup(struct run *r);
int rs_rsrv_start(struct run *r);
int rs_rsrv_stop(struct run *r);
void rs_rsrv_free(struct run *r);
json_t *rs_rsrv_json(const struct run *r);

/* run_cpu.c: run.json's cpu_us_per_request {server, server_user, server_sys, postgres, loadgen}, and its summary line. */
json_t *rs_run_cpu_json(const struct run *r);
void rs_run_cpu_print(const struct run *r);

/* run_valid.c: the validity guards. snap at the window's ends; probe (and the listener count) after
 * it while the server still runs; json computes the verdict (into r->valid) and the block; print the line. */
/* redis: the private redis-server the run started (0 none): its CPU is the run's, not interference. */
void rs_run_valid_snap(struct rs_cpu_snap *s, pid_t postmaster, pid_t redis);
void rs_run_valid_after(struct run *r);
json_t *rs_run_validity_json(struct run *r, bool dirty);
void rs_run_validity_print(const struct run *r);

#endif
