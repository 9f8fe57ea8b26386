/* run.c - `harness run`: start ringside-server pinned, load it, sample it, stop it, write results/runs/<id>/. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "engine.h"
#include "preset.h"
#include "loadgen.h"
#include "opts.h"
#include "pgctl.h"
#include "redisctl.h"
#include "results.h"
#include "rs_config.h"
#include "run.h"
#include "run_int.h"
#include "runlock.h"
#include "stats_print.h"
#include "sampler.h"
#include "workloads.h"


static const char *files_dir(const struct run *r)
{
	return r->cfg->files_dir ? r->cfg->files_dir : rs_files_default_dir();
}

static volatile int g_stop;

/* The first signal ends the run cleanly; a second one means "now". */
static void on_signal(int sig)
{
	(void)sig;
	if (g_stop)
		_exit(130);
	g_stop = 1;
}

void rs_run_catch_signals(void)
{
	/* No SA_RESTART: the waits of the setup phase return EINTR. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool rs_run_interrupted(void)
{
	return g_stop != 0;
}

volatile int *rs_run_stop_flag(void)
{
	return &g_stop;
}

void rs_run_cfg_defaults(struct rs_run_cfg *cfg)
{
	*cfg = (struct rs_run_cfg){
		.engine = "uring",
		.workload = "plaintext",
		.arrival = "uniform",
		.queries = 20,
		.sleep_ms = 10,
		.cores = 1,
		.conns = 64,
		.duration = 10,
		.warmup = 2,
		.pool = 8,
		.pipeline = 1,
		.timeout_ms = 5000,
		.pg_mode = "exclusive",
		.file_size = "1k",
		.file_cache = "hot",
		.loadgen_probe_s = 2,
	};
}

/* ---- workloads: names to paths (the table is workloads/workloads.c's) ---- */

static const struct rs_workload *workload_find(const char *name)
{
	const struct rs_workload *w = rs_workload_named(name);

	if (w)
		return w;
	fprintf(stderr, "ringside: unknown workload '%s'; accepted:", name);
	for (size_t i = 0; i < rs_nworkloads; i++)
		if (rs_workloads[i].name)
			fprintf(stderr, " %s", rs_workloads[i].name);
	fprintf(stderr, "\n");
	return NULL;
}

int rs_run_workload_path(const struct rs_run_cfg *cfg, char *out, size_t size)
{
	const struct rs_workload *w = workload_find(cfg->workload);
	int n;

	if (!w)
		return -EINVAL;
	if (!w->param)
		n = snprintf(out, size, "%s", w->path);
	else
		n = snprintf(out, size, "%s?%s=%ld", w->path, w->param,
			     strcmp(w->param, "ms") ? cfg->queries : cfg->sleep_ms);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

const char *rs_run_workload_param(const char *name)
{
	const struct rs_workload *w = rs_workload_named(name);
	return w ? w->param : NULL;
}

bool rs_run_workload_needs_db(const char *name)
{
	const struct rs_workload *w = rs_workload_named(name);
	return w && w->db;
}

/* A preset that exists and can run here, or a message that says which do. */
const struct rs_preset *rs_run_preset(const char *name)
{
	char names[512];
	const char *why = NULL;

	const struct rs_preset *p = rs_preset_find(name);
	if (!p) {
		rs_preset_names(names, sizeof(names));
		fprintf(stderr, "ringside: unknown preset '%s'; presets: %s (see `harness engines`)\n", name, names);
		return NULL;
	}
	int err = p->engine->probe(&why);
	if (err) {
		fprintf(stderr, "ringside: engine %s cannot run here: %s (%s)\n", name, why ? why : "?",
			strerror(-err));
		return NULL;
	}
	return p;
}

/* ---- placement: reactors on the last CPUs, the load generator on the first ---- */

static void cpu_list(const int *cpus, int n, char *out, size_t size)
{
	size_t off = 0;
	out[0] = '\0';
	for (int i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(out + off, size - off, "%s%d", i ? "," : "", cpus[i]);
}

int rs_run_place(struct run *r)
{
	int all[CPU_SETSIZE], n = 0;

	if (sched_getaffinity(0, sizeof(r->affinity), &r->affinity))
		return -errno;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &r->affinity))
			all[n++] = c;
	r->machine_cpus = n;
	r->oversubscribed = r->cfg->cores >= n;
	if (r->oversubscribed) {
		/* Reactors on every CPU (the server takes reactor i to CPU i mod N). */
		memcpy(r->server_cpus, all, (size_t)n * sizeof(int));
		r->nserver = n;
		r->nlg = 0;
	} else {
		int c = (int)r->cfg->cores;
		memcpy(r->server_cpus, all + n - c, (size_t)c * sizeof(int));
		r->nserver = c;
		memcpy(r->lg_cpus, all, (size_t)(n - c) * sizeof(int));
		r->nlg = n - c;
	}
	cpu_list(r->server_cpus, r->nserver, r->server_list, sizeof(r->server_list));
	cpu_list(r->lg_cpus, r->nlg, r->lg_list, sizeof(r->lg_list));
	return 0;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pin the harness's main thread (and so the sampler and perf it starts) off the server's CPUs. */
static void pin_self(struct run *r, bool on)
{
	cpu_set_t set;

	if (r->oversubscribed || !r->nlg)
		return;
	if (!on) {
		sched_setaffinity(0, sizeof(r->affinity), &r->affinity);
		return;
	}
	CPU_ZERO(&set);
	for (int i = 0; i < r->nlg; i++)
		CPU_SET(r->lg_cpus[i], &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("ringside: pinning the harness");
}

/* ---- Postgres ---- */

/* The port of postgresql://user:pass@host:PORT/db, or 0. */
static int url_port(const char *url)
{
	const char *at = strrchr(url, '@'), *p = at ? at + 1 : strstr(url, "://");
	if (!p)
		return 0;
	const char *slash = strchr(p + (at ? 0 : 3), '/');
	const char *colon = strrchr(p, ':');
	if (!colon || (slash && colon > slash))
		return 0;
	return atoi(colon + 1);
}

pid_t rs_run_private_postmaster(const char *url)
{
	struct rs_pgctl_info info;

	if (!rs_pgctl_info(&info) && info.pid > 0 && url_port(url) == info.port)
		return info.pid;
	return 0;
}

/* Once per process (a sweep starts it at most once): the cluster this run
 * started outlives it, as `pg start` would; say so and how to stop it. */
static void left_running_notice(void)
{
	static bool said;
	struct rs_pgctl_info info;
	const char *prog = getenv("RINGSIDE_PROG");

	if (said || rs_pgctl_info(&info))
		return;
	said = true;
	fprintf(stderr, "ringside: private PostgreSQL left running on port %d: `%s pg stop` stops it\n", info.port,
		prog && *prog ? prog : "harness");
}

static int pg_setup(struct run *r)
{
	const char *url = r->cfg->pg ? r->cfg->pg : getenv("RINGSIDE_PG_URL");

	if (url && *url) {
		snprintf(r->pg_url, sizeof(r->pg_url), "%s", url);
	} else {
		struct rs_pgctl_info before;
		bool was_up = !rs_pgctl_info(&before);
		int err = rs_pgctl_ensure_started(r->pg_url, sizeof(r->pg_url));
		if (!err && !was_up)
			left_running_notice();
		if (err) {
			fprintf(stderr, "ringside: cannot start the private PostgreSQL (%s); use --pg=URL, or "
				"RINGSIDE_PG_DIR=DIR for a cluster of your own in DIR\n",
				strerror(-err));
			return err;
		}
	}
	/* Backends are counted from the postmaster's children: only ours is known. */
	r->postmaster = rs_run_private_postmaster(r->pg_url);
	if (!r->postmaster)
		snprintf(r->pg_why, sizeof(r->pg_why), "--pg is not the private cluster: backends not counted");
	return 0;
}

/* ---- one run ---- */

static void on_start(void *arg, double t0)
{
	rs_fault_window(arg, t0);
}

static void on_window(void *arg)
{
	struct run *r = arg;
	rs_run_valid_snap(&r->snap0, r->postmaster, r->redis_pid);
}

static void on_second(void *arg, int second, uint64_t requests, uint64_t errors, uint64_t p99_us)
{
	struct run *r = arg;
	char p99[32];

	if (r->cfg->quiet)
		return;
	rs_run_fmt_us((double)p99_us, p99, sizeof(p99));
	fprintf(stderr, "%s  %3d s  %10.0f req/s  p99 %-9s  errors %llu%s", r->tty ? "\r" : "", second,
		(double)requests, p99, (unsigned long long)errors, r->tty ? "   " : "\n");
	fflush(stderr);
	r->progress = true;
}

/* name as a numeric IPv4 address, resolved once (the load generator connects to numbers). */
static int resolve_ipv4(const char *name, char *out, size_t size)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	int err = getaddrinfo(name, NULL, &hints, &res);
	if (err) {
		fprintf(stderr, "ringside: --server-addr=%s: cannot resolve it to an IPv4 address: %s\n", name,
			gai_strerror(err));
		return -EINVAL;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, out, (socklen_t)size);
	freeaddrinfo(res);
	return 0;
}

static int measure(struct run *r)
{
	int err;
	struct rs_sampler_cfg scfg = {
		.pid = r->pid,
		.syscalls = true,
		.pg_postmaster = r->postmaster,
		.pg_db = "bench",
	};
	struct rs_lg_cfg *lg = &r->lg;

	snprintf(r->lg_addr, sizeof r->lg_addr, "127.0.0.1");
	if (r->rsrv && !r->mh && (err = resolve_ipv4(rs_mh_server_addr(r), r->lg_addr, sizeof r->lg_addr)))
		return err;
	*lg = (struct rs_lg_cfg){
		.host = r->lg_addr,
		.port = r->port,
		.paths = { { r->path, 1 } },
		.npaths = 1,
		.threads = (int)(r->cfg->threads ? r->cfg->threads : (r->nlg ? r->nlg : 1)),
		.conns = (int)r->cfg->conns,
		.pipeline = (int)r->cfg->pipeline,
		.rate = (double)r->cfg->rate,
		.arrival = !strcmp(r->cfg->arrival, "poisson") ? RS_LG_POISSON : RS_LG_UNIFORM,
		.duration_s = (int)r->cfg->duration,
		.warmup_s = (int)r->cfg->warmup,
		.timeout_ms = (int)r->cfg->timeout_ms,
		.cpus = r->nlg ? r->lg_cpus : NULL,
		.ncpus = r->nlg,
		.on_second = on_second,
		.on_start = on_start,
		.on_window = on_window,
		.arg = r,
		.stop = rs_run_stop_flag(),
	};
	if (r->nfile_paths) {
		for (int i = 0; i < r->nfile_paths; i++)
			lg->paths[i] = (struct rs_lg_path){ r->file_paths[i], 1 };
		lg->npaths = r->nfile_paths;
	}
	/* Held from warm-up to the end of measurement: one measuring run per machine. */
	r->lock_fd = rs_runlock_take(RS_SOURCE_ROOT "/results", r->cfg->no_wait);
	if (r->lock_fd < 0)
		return r->lock_fd;
	if (!r->cfg->quiet)
		fprintf(stderr, "ringside: %s %s: reactors on CPU %s, load generator on %s, Postgres on any CPU "
				"(unpinned): warming up %ld s, then measuring %ld s\n",
			r->cfg->engine, r->path, r->server_list, r->mh ? "its hosts (--loadgen-hosts)" : r->nlg ? r->lg_list : "any CPU (shared)", r->cfg->warmup,
			r->cfg->duration);
	pin_self(r, true);
	/* A server on another host is sampled there (run_remote.c). */
	err = r->rsrv ? 0 : rs_sampler_start(&scfg, &r->sampler);
	if (err) {
		fprintf(stderr, "ringside: cannot sample the server: %s\n", strerror(-err));
		goto out_unpin;
	}
	/* Started after the pinning: slowloris clients share the load generator's CPUs. */
	err = rs_fault_start(r);
	if (err) {
		fprintf(stderr, "ringside: cannot start the fault's thread: %s\n", strerror(-err));
		rs_sampler_stop(r->sampler);
		goto out_unpin;
	}
	if (!strcmp(r->cfg->file_cache, "cold") &&
	    (err = rs_files_cold_start(files_dir(r), r->cfg->file_size, &r->cold))) {
		fprintf(stderr, "ringside: --file-cache=cold: cannot start the dropper: %s\n", strerror(-err));
		rs_fault_stop(r);
		rs_sampler_stop(r->sampler);
		goto out_unpin;
	}
	if (r->nfile_paths)
		r->dev_err = rs_files_device_read_bytes(files_dir(r), &r->dev_read0);
	if (r->mh) {
		err = rs_mh_measure(r);	/* sets t_end and wall_end: the agreed window */
	} else {
		err = rs_lg_run(lg, &r->res);
		r->t_end = rs_sampler_now();
		r->wall_end = wall_now();
	}
	rs_run_valid_snap(&r->snap1, r->postmaster, r->redis_pid);
	if (r->nfile_paths && !r->dev_err)
		r->dev_err = rs_files_device_read_bytes(files_dir(r), &r->dev_read1);
	rs_files_cold_stop(r->cold);
	r->cold = NULL;
	rs_fault_stop(r);
	rs_sampler_stop(r->sampler);
	if (r->progress && r->tty)
		fputc('\n', stderr);
	if (err)
		fprintf(stderr, "ringside: load generator: %s\n", strerror(-err));
	else
		r->measured = true;
	if (r->measured)
		rs_run_valid_after(r);
out_unpin:
	rs_runlock_release(r->lock_fd);
	r->lock_fd = -1;
	pin_self(r, false);
	return err;
}

/* The Redis workloads: --redis=URL, $RINGSIDE_REDIS_URL or the private
 * redis-server (started), loaded with the keys and, for cached-queries, the World rows. */
static int redis_setup(struct run *r)
{
	const char *url = r->cfg->redis ? r->cfg->redis : getenv("RINGSIDE_REDIS_URL");
	if (url && *url)
		snprintf(r->redis_url, sizeof(r->redis_url), "%s", url);
	else if (rs_redisctl_start(r->redis_url, sizeof(r->redis_url)))
		return -EIO;
	else
		r->redis_pid = rs_redisctl_pid();
	return rs_redis_load(r->redis_url, r->db ? r->pg_url : NULL) ? -EIO : 0;
}

/* --workload=file: the paths over the size's files (the first also answers the ready check). */
static int files_setup(struct run *r)
{
	int n = rs_files_paths(files_dir(r), r->cfg->file_size, r->file_paths, RS_FILES_MAX_PATHS);
	if (n < 0)
		return n;
	r->nfile_paths = n;
	/* Cold: O_DIRECT where the filesystem has it, so that reads reach the device
	 * (dropping the page cache alone leaves most re-reads to it). */
	r->file_direct = !strcmp(r->cfg->file_cache, "cold") && rs_files_direct_ok(files_dir(r), r->cfg->file_size);
	snprintf(r->path, sizeof(r->path), "%s", r->file_paths[0]);
	return 0;
}

static int run_setup(struct run *r)
{
	int err;

	r->preset = rs_run_preset(r->cfg->engine);
	if (!r->preset)
		return -EINVAL;
	err = rs_run_workload_path(r->cfg, r->path, sizeof(r->path));
	if (err)
		return err;
	r->db = rs_run_workload_needs_db(r->cfg->workload);
	err = rs_run_place(r);
	if (err)
		return err;
	if (r->oversubscribed && !r->cfg->server_host)	/* a server host has CPUs of its own */
		fprintf(stderr, "ringside: warning: --cores=%ld on %d CPUs: oversubscribed; reactors share CPUs "
				"with each other, the load generator and Postgres (recorded in run.json)\n",
			r->cfg->cores, r->machine_cpus);
	err = rs_fault_parse(r->cfg->fault, r->cfg->duration, &r->fault);
	if (!err)
		err = rs_fault_threshold(r->cfg->recovery_threshold, &r->fault.threshold);
	if (err)
		return err;
	r->fault.offered = (double)r->cfg->rate;
	if (r->db && (err = pg_setup(r)))
		return err;
	/* The hosts are checked (reachable, same commit, clocks) before anything starts. */
	if (r->cfg->server_host && (err = rs_rsrv_setup(r)))
		return err;
	if (r->cfg->loadgen_hosts && (err = rs_mh_setup(r)))
		return err;
	if (!strcmp(r->cfg->workload, "file") && (err = files_setup(r)))
		return err;
	if ((!strcmp(r->cfg->workload, "redis-get") || !strcmp(r->cfg->workload, "cached-queries")) &&
	    (err = redis_setup(r)))
		return err;
	err = rs_fault_setup(r);
	if (err)
		return err;
	err = rs_mkdir_p(r->dir);
	if (err)
		fprintf(stderr, "ringside run: cannot make the run directory %s: %s; choose another with --out=DIR\n",
			r->dir, strerror(-err));
	return err;
}

static void outcome(const struct run *r, struct rs_run_outcome *out)
{
	*out = (struct rs_run_outcome){
		.rps = r->res.rps,
		.p99_us = (double)rs_hist_percentile(r->res.latency, 99),
		.requests = r->res.requests,
		.errors = rs_run_errors(&r->res),
		.partial = r->res.partial || rs_run_interrupted(),
		.valid = r->valid.ok,
	};
}

int rs_run_once(const struct rs_run_cfg *cfg, const char *dir, struct rs_run_outcome *out)
{
	struct run *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->cfg = cfg;
	r->dir = dir;
	r->tty = isatty(2);
	err = run_setup(r);
	if (err)
		goto out_free;
	err = r->rsrv ? rs_rsrv_start(r) : rs_run_server_start(r);
	if (err && !r->rsrv)
		goto out_free;
	if (!err && !r->rsrv)
		err = rs_run_server_ready(r);
	if (!err)
		err = measure(r);
	if (r->rsrv) {
		/* Its samples come back with the stop: without them there is nothing to write. */
		int serr = rs_rsrv_stop(r);
		if (serr && r->measured) {
			r->measured = false;
			err = serr;
		}
	} else {
		rs_run_server_stop(r);
	}
	if (r->measured) {
		err = rs_run_write(r);
		if (!err) {
			rs_run_print(r);
			outcome(r, out);
		}
	}
	if (err == -EINTR) {
		/* Nothing measured: leave no directory holding only a server.log. */
		char log[4200];
		snprintf(log, sizeof(log), "%s/server.log", dir);
		unlink(log);
		rmdir(dir);
		fprintf(stderr, "ringside: interrupted before anything was measured\n");
	}
out_free:
	rs_mh_free(r);
	rs_rsrv_free(r);
	rs_sampler_free(r->sampler);
	if (r->measured)
		rs_lg_result_free(&r->res);
	rs_run_server_free(r);
	free(r);
	return err;
}

int rs_run_opts(struct rs_run_cfg *cfg, struct rs_opt *o, bool single)
{
	int n = 0;
	if (single) {
		o[n++] = (struct rs_opt){ "engine", RS_OPT_STR, &cfg->engine, .help = "preset (see `harness engines`), default uring" };
		o[n++] = (struct rs_opt){ "workload", RS_OPT_STR, &cfg->workload,
					  .help = "plaintext (default) json db queries fortunes updates select42 sleep file redis-get cached-queries" };
		o[n++] = (struct rs_opt){ "cores", RS_OPT_INT, &cfg->cores, 1, 256, .help = "server reactors, default 1" };
		o[n++] = (struct rs_opt){ "conns", RS_OPT_INT, &cfg->conns, 1, 1000000, .help = "connections, default 64" };
		o[n++] = (struct rs_opt){ "rate", RS_OPT_INT, &cfg->rate, 0, 100000000,
					  .help = "open loop at this many req/s, default 0: closed loop" };
	}
	o[n++] = (struct rs_opt){ "arrival", RS_OPT_CHOICE, &cfg->arrival, .choices = "uniform,poisson",
				  .help = "--rate: uniform (evenly spaced, default) or poisson (exponential gaps for the total rate)" };
	o[n++] = (struct rs_opt){ "duration", RS_OPT_INT, &cfg->duration, 1, RS_LG_MAX_SECONDS, .help = "measured s, default 10" };
	o[n++] = (struct rs_opt){ "warmup", RS_OPT_INT, &cfg->warmup, 0, 600, .help = "s before measuring, default 2" };
	o[n++] = (struct rs_opt){ "queries", RS_OPT_INT, &cfg->queries, 1, 500, .help = "queries/updates: ?queries=N, cached-queries: ?count=N, default 20" };
	o[n++] = (struct rs_opt){ "sleep-ms", RS_OPT_INT, &cfg->sleep_ms, 0, 600000, .help = "sleep: ?ms=N, default 10" };
	o[n++] = (struct rs_opt){ "pool", RS_OPT_INT, &cfg->pool, 1, 1024, .help = "Postgres connections per reactor, default 8" };
	o[n++] = (struct rs_opt){ "pg-mode", RS_OPT_CHOICE, &cfg->pg_mode, .choices = "exclusive,shared",
				  .help = "one query per connection, or pipelined; default exclusive" };
	o[n++] = (struct rs_opt){ "pipeline", RS_OPT_INT, &cfg->pipeline, 1, 1024, .help = "HTTP requests in flight per connection, default 1" };
	o[n++] = (struct rs_opt){ "threads", RS_OPT_INT, &cfg->threads, 0, 1024,
				  .help = "load generator threads, default 0: one per load generator CPU" };
	o[n++] = (struct rs_opt){ "timeout-ms", RS_OPT_INT, &cfg->timeout_ms, 1, 600000, .help = "a request unanswered this long is an error, default 5000" };
	o[n++] = (struct rs_opt){ "pg", RS_OPT_STR, &cfg->pg, .help = "PostgreSQL URL (default: the private cluster)" };
	o[n++] = (struct rs_opt){ "server-flags", RS_OPT_STR, &cfg->server_flags, .help = "more ringside-server flags, quoted" };
	o[n++] = (struct rs_opt){ "fault", RS_OPT_STR, &cfg->fault,
				  .help = "pg-restart@T pg-terminate@T pg-down@T:D client-reset[@T[:D]] slowloris[@T[:D]]" };
	o[n++] = (struct rs_opt){ "recovery-threshold", RS_OPT_STR, &cfg->recovery_threshold,
				  .help = "--fault: recovered at this share of the pre-fault median, default 0.8" };
	o[n++] = (struct rs_opt){ "redis", RS_OPT_STR, &cfg->redis,
				  .help = "redis-get, cached-queries: Redis URL (default: the private redis-server)" };
	o[n++] = (struct rs_opt){ "file-size", RS_OPT_STR, &cfg->file_size,
				  .help = "file: which files of build/files (harness files make), default 1k" };
	o[n++] = (struct rs_opt){ "file-cache", RS_OPT_CHOICE, &cfg->file_cache, .choices = "hot,cold",
				  .help = "file: cold drops the files from the page cache before and during the run" };
	o[n++] = (struct rs_opt){ "files-dir", RS_OPT_STR, &cfg->files_dir, .help = "file: the directory, default build/files" };
	o[n++] = (struct rs_opt){ "loadgen-probe-s", RS_OPT_INT, &cfg->loadgen_probe_s, 0, 60,
				  .help = "closed loop: after the window, this many s with twice the connections (loadgen-bound "
					  "if req/s climbs over 5%), default 2; 0: no probe" };
	o[n++] = (struct rs_opt){ "loadgen-hosts", RS_OPT_STR, &cfg->loadgen_hosts,
				  .help = "ssh://[user@]host[:port][,...]: the load split across these hosts (README: Several machines)" };
	o[n++] = (struct rs_opt){ "server-host", RS_OPT_STR, &cfg->server_host, .help = "ssh://[user@]host[:port]: the server there" };
	o[n++] = (struct rs_opt){ "server-addr", RS_OPT_STR, &cfg->server_addr,
				  .help = "where the load generators connect, default the server host's name" };
	o[n++] = (struct rs_opt){ "remote-harness", RS_OPT_STR, &cfg->remote_harness,
				  .help = "the harness on the other hosts (harness deploy prints it), default this one's path" };
	o[n++] = (struct rs_opt){ "quiet", RS_OPT_BOOL, &cfg->quiet, .help = "no progress lines" };
	o[n++] = (struct rs_opt){ "no-wait", RS_OPT_BOOL, &cfg->no_wait,
				  .help = "refuse, rather than wait, while another run measures on this machine" };
	return n;
}

/* ---- `harness run` ---- */

/* --out, or a new results/runs/<id>: one run's directory, or with --repeat the parent of 1..N. */
static int base_dir(const char *out, const struct rs_run_cfg *cfg, char **dir)
{
	char label[256];

	if (out)
		return (*dir = strdup(out)) ? 0 : -ENOMEM;
	int n = snprintf(label, sizeof(label), "%s-%s-c%ld-n%ld", cfg->engine, cfg->workload, cfg->cores,
			 cfg->conns);
	if (cfg->rate && n > 0 && (size_t)n < sizeof(label))
		snprintf(label + n, sizeof(label) - (size_t)n, "-r%ld", cfg->rate);
	return rs_results_new_dir(rs_path_runs(), label, dir);
}

/* --repeat: the median, interval and CV table beside the runs, as sweep writes it. */
static void write_summary(const char *base, bool include_invalid)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/summary.tsv", base);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "ringside run: %s: %s\n", path, strerror(errno));
		return;
	}
	rs_export_table(base, f, true, RS_EXPORT_NOTE | (include_invalid ? RS_EXPORT_KEEP_INVALID : 0));
	if (!fclose(f))
		printf("table: %s\n", path);
}

/* Median with its 95% bootstrap interval and CV across repetitions, never the best of them;
 * INVALID runs left out unless include_invalid. */
static void print_repeats(const struct rs_run_outcome *o, int runs, bool include_invalid)
{
	double *rps = calloc((size_t)runs, sizeof(double)), *p99 = calloc((size_t)runs, sizeof(double));
	int n = 0;

	if (!rps || !p99)
		goto out_free;
	for (int i = 0; i < runs; i++) {
		if (!o[i].valid && !include_invalid)
			continue;
		rps[n] = o[i].rps;
		p99[n++] = o[i].p99_us;
	}
	if (n < runs)
		printf("\nleft out %d INVALID run%s of %d (see each verdict above); --include-invalid keeps them\n",
		       runs - n, runs - n > 1 ? "s" : "", runs);
	if (!n)
		goto out_free;
	printf("\n%d runs, median [95%% CI]:", n);
	rs_stats_print("req/s", rps, n, false, NULL);
	rs_stats_print("p99", p99, n, true, NULL);
	printf("\n");
out_free:
	free(rps);
	free(p99);
}

/* --repeat=auto: has the median req/s of the runs so far converged? */
static int outcomes_converged(const struct rs_run_outcome *o, int n)
{
	double *rps = calloc((size_t)n, sizeof(double));
	int c = 0;

	if (rps) {
		for (int i = 0; i < n; i++)
			rps[i] = o[i].rps;
		c = rs_stats_converged(rps, n);
	}
	free(rps);
	return c;
}

/* --repeat=auto: how many runs it took and whether it converged, in base/repeat.json. */
static void write_auto(const char *base, int runs, int max_repeat, int converged)
{
	char path[4200];

	printf("\n--repeat=auto: %d run%s, %s\n", runs, runs == 1 ? "" : "s",
	       converged ? "converged (95% CI of the median req/s within ±3%)" : "did not converge within --max-repeat");
	snprintf(path, sizeof(path), "%s/repeat.json", base);
	json_t *j = json_pack("{s:s, s:i, s:i, s:b, s:f}", "repeat", "auto", "runs", runs, "max_repeat", max_repeat,
			      "converged", converged, "target_halfwidth", RS_STATS_AUTO_HALFWIDTH);
	if (!j || json_dump_file(j, path, JSON_INDENT(2)))
		fprintf(stderr, "ringside run: cannot write %s\n", path);
	json_decref(j);
}

int rs_run_main(int argc, char **argv)
{
	struct rs_run_cfg cfg;
	const char *out = NULL;
	const char *repeat_s = "1";
	long repeat = 1, max_repeat = 10;
	int rc = 0, done = 0, auto_mode = 0, converged = 0;
	bool include_invalid = false;

	rs_run_cfg_defaults(&cfg);
	struct rs_opt opts[RS_RUN_MAX_OPTS];
	int n = rs_run_opts(&cfg, opts, true);
	opts[n++] = (struct rs_opt){ "out", RS_OPT_STR, &out, .help = "the run's directory (default results/runs/<id>)" };
	opts[n++] = (struct rs_opt){ "repeat", RS_OPT_STR, &repeat_s,
				     .help = "runs, each its own directory; auto: until the 95% CI of the median req/s is within ±3%" };
	opts[n++] = (struct rs_opt){ "max-repeat", RS_OPT_INT, &max_repeat, RS_STATS_AUTO_MIN, 1000,
				     .help = "--repeat=auto: at most this many runs (default 10)" };
	opts[n++] = (struct rs_opt){ "include-invalid", RS_OPT_BOOL, &include_invalid,
				     .help = "--repeat: the summaries keep runs whose verdict is INVALID" };
	opts[n] = (struct rs_opt){ NULL };
	int err = rs_opts_parse("ringside run", opts, argc, argv, 1, NULL);
	if (err > 0)
		rs_fault_help();
	if (err)
		return err > 0 ? 0 : 2;
	if (rs_repeat_parse("ringside run", repeat_s, max_repeat, &repeat, &auto_mode))
		return 2;
	/* Before any directory is made: a typo leaves nothing behind. */
	char path[256];
	if (rs_run_workload_path(&cfg, path, sizeof(path)) || !rs_run_preset(cfg.engine) || rs_fault_check(&cfg))
		return 2;
	struct rs_run_outcome *o = calloc((size_t)repeat, sizeof(*o));
	if (!o)
		return 1;
	rs_run_catch_signals();
	char *base = NULL;
	err = base_dir(out, &cfg, &base);
	if (err) {
		fprintf(stderr, "ringside run: cannot make the run directory under %s: %s; choose another with --out=DIR\n",
			out ? out : rs_path_runs(), strerror(-err));
		free(o);
		return 1;
	}
	for (int i = 1; i <= repeat && !rs_run_interrupted(); i++) {
		char *dir = NULL;
		if (repeat == 1 ? !(dir = strdup(base)) : asprintf(&dir, "%s/%d", base, i) < 0) {
			rc = 1;
			break;
		}
		if (repeat > 1)
			printf("%srun %d of %s%ld\n", i > 1 ? "\n" : "", i, auto_mode ? "at most " : "", repeat);
		err = rs_run_once(&cfg, dir, &o[done]);
		free(dir);
		if (err) {
			rc = 1;
			break;
		}
		done++;
		if (auto_mode && (converged = outcomes_converged(o, done)))
			break;
	}
	if (auto_mode)
		write_auto(base, done, (int)repeat, converged);
	if (done > 1) {
		print_repeats(o, done, include_invalid);
		write_summary(base, include_invalid);
	}
	free(base);
	free(o);
	return rs_run_interrupted() ? 130 : rc;
}
