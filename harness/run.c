/* run.c - `harness run`: start ringside-server pinned, load it, sample it, stop it, write results/runs/<id>/. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "loadgen.h"
#include "opts.h"
#include "pgctl.h"
#include "results.h"
#include "rs_config.h"
#include "run.h"
#include "run_int.h"
#include "sampler.h"

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

int rs_mkdir_p(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

void rs_run_cfg_defaults(struct rs_run_cfg *cfg)
{
	*cfg = (struct rs_run_cfg){
		.engine = "uring",
		.workload = "plaintext",
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
	};
}

/* ---- workloads: names to paths ---- */

struct workload {
	const char *name, *path;
	const char *param;	/* query parameter taking --queries or --sleep-ms */
	bool db;
};

static const struct workload workloads[] = {
	{ "plaintext", "/plaintext", NULL, false },
	{ "json", "/json", NULL, false },
	{ "db", "/db", NULL, true },
	{ "queries", "/queries", "queries", true },
	{ "fortunes", "/fortunes", NULL, true },
	{ "updates", "/updates", "queries", true },
	{ "select42", "/select42", NULL, true },
	{ "sleep", "/sleep", "ms", true },
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static const struct workload *workload_find(const char *name)
{
	for (size_t i = 0; i < NWORKLOADS; i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	fprintf(stderr, "ringside: unknown workload '%s'; accepted:", name);
	for (size_t i = 0; i < NWORKLOADS; i++)
		fprintf(stderr, " %s", workloads[i].name);
	fprintf(stderr, "\n");
	return NULL;
}

int rs_run_workload_path(const struct rs_run_cfg *cfg, char *out, size_t size)
{
	const struct workload *w = workload_find(cfg->workload);
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

bool rs_run_workload_needs_db(const char *name)
{
	for (size_t i = 0; i < NWORKLOADS; i++)
		if (!strcmp(workloads[i].name, name))
			return workloads[i].db;
	return false;
}

/* A preset that exists and can run here, or a message that says which do. */
const struct rs_preset *rs_run_preset(const char *name)
{
	char names[512];
	const char *why = NULL;

	const struct rs_preset *p = rs_preset_find(name);
	if (!p) {
		rs_engine_names(names, sizeof(names));
		fprintf(stderr, "ringside: unknown engine '%s'; presets: %s (see `harness engines`)\n", name, names);
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

static int place(struct run *r)
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

/* Pin the harness's main thread (and so the sampler and perf it starts) off the server's CPUs. */
static void pin_self(struct run *r, bool on)
{
	cpu_set_t set;

	if (r->oversubscribed)
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

static int pg_setup(struct run *r)
{
	const char *url = r->cfg->pg ? r->cfg->pg : getenv("RINGSIDE_PG_URL");

	if (url && *url) {
		snprintf(r->pg_url, sizeof(r->pg_url), "%s", url);
	} else {
		int err = rs_pgctl_ensure_started(r->pg_url, sizeof(r->pg_url));
		if (err) {
			fprintf(stderr, "ringside: cannot start the private PostgreSQL (%s); use --pg=URL\n",
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

static int measure(struct run *r)
{
	struct rs_sampler_cfg scfg = {
		.pid = r->pid,
		.syscalls = true,
		.pg_postmaster = r->postmaster,
		.pg_db = "bench",
	};
	struct rs_lg_cfg *lg = &r->lg;

	*lg = (struct rs_lg_cfg){
		.host = "127.0.0.1",
		.port = r->port,
		.paths = { { r->path, 1 } },
		.npaths = 1,
		.threads = (int)(r->cfg->threads ? r->cfg->threads : (r->nlg ? r->nlg : 1)),
		.conns = (int)r->cfg->conns,
		.pipeline = (int)r->cfg->pipeline,
		.rate = (double)r->cfg->rate,
		.duration_s = (int)r->cfg->duration,
		.warmup_s = (int)r->cfg->warmup,
		.timeout_ms = (int)r->cfg->timeout_ms,
		.cpus = r->nlg ? r->lg_cpus : NULL,
		.ncpus = r->nlg,
		.on_second = on_second,
		.on_start = on_start,
		.arg = r,
		.stop = rs_run_stop_flag(),
	};
	if (!r->cfg->quiet)
		fprintf(stderr, "ringside: %s %s on CPU %s, load on %s: warming up %ld s, then measuring %ld s\n",
			r->cfg->engine, r->path, r->server_list, r->nlg ? r->lg_list : "any CPU", r->cfg->warmup,
			r->cfg->duration);
	pin_self(r, true);
	int err = rs_sampler_start(&scfg, &r->sampler);
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
	err = rs_lg_run(lg, &r->res);
	r->t_end = rs_sampler_now();
	rs_fault_stop(r);
	rs_sampler_stop(r->sampler);
	if (r->progress && r->tty)
		fputc('\n', stderr);
	if (err)
		fprintf(stderr, "ringside: load generator: %s\n", strerror(-err));
	else
		r->measured = true;
out_unpin:
	pin_self(r, false);
	return err;
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
	err = place(r);
	if (err)
		return err;
	if (r->oversubscribed)
		fprintf(stderr, "ringside: warning: --cores=%ld on %d CPUs: oversubscribed; reactors share CPUs "
				"with each other, the load generator and Postgres (recorded in run.json)\n",
			r->cfg->cores, r->machine_cpus);
	err = rs_fault_parse(r->cfg->fault, r->cfg->duration, &r->fault);
	if (err)
		return err;
	if (r->db && (err = pg_setup(r)))
		return err;
	err = rs_fault_setup(r);
	if (err)
		return err;
	return rs_mkdir_p(r->dir);
}

static void outcome(const struct run *r, struct rs_run_outcome *out)
{
	*out = (struct rs_run_outcome){
		.rps = r->res.rps,
		.p99_us = (double)rs_hist_percentile(r->res.latency, 99),
		.requests = r->res.requests,
		.errors = rs_run_errors(&r->res),
		.partial = r->res.partial || rs_run_interrupted(),
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
	err = rs_run_server_start(r);
	if (err)
		goto out_free;
	err = rs_run_server_ready(r);
	if (!err)
		err = measure(r);
	rs_run_server_stop(r);
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
					  .help = "plaintext (default) json db queries fortunes updates select42 sleep" };
		o[n++] = (struct rs_opt){ "cores", RS_OPT_INT, &cfg->cores, 1, 256, .help = "server reactors, default 1" };
		o[n++] = (struct rs_opt){ "conns", RS_OPT_INT, &cfg->conns, 1, 1000000, .help = "connections, default 64" };
		o[n++] = (struct rs_opt){ "rate", RS_OPT_INT, &cfg->rate, 0, 100000000,
					  .help = "open loop at this many req/s (0: closed loop)" };
	}
	o[n++] = (struct rs_opt){ "duration", RS_OPT_INT, &cfg->duration, 1, RS_LG_MAX_SECONDS, .help = "measured s, default 10" };
	o[n++] = (struct rs_opt){ "warmup", RS_OPT_INT, &cfg->warmup, 0, 600, .help = "s before measuring, default 2" };
	o[n++] = (struct rs_opt){ "queries", RS_OPT_INT, &cfg->queries, 1, 500, .help = "queries/updates: ?queries=N, default 20" };
	o[n++] = (struct rs_opt){ "sleep-ms", RS_OPT_INT, &cfg->sleep_ms, 0, 600000, .help = "sleep: ?ms=N, default 10" };
	o[n++] = (struct rs_opt){ "pool", RS_OPT_INT, &cfg->pool, 1, 1024, .help = "Postgres connections per reactor, default 8" };
	o[n++] = (struct rs_opt){ "pg-mode", RS_OPT_CHOICE, &cfg->pg_mode, .choices = "exclusive,shared",
				  .help = "one query per connection, or pipelined" };
	o[n++] = (struct rs_opt){ "pipeline", RS_OPT_INT, &cfg->pipeline, 1, 1024, .help = "HTTP requests in flight per connection" };
	o[n++] = (struct rs_opt){ "threads", RS_OPT_INT, &cfg->threads, 0, 1024,
				  .help = "load generator threads (0: one per load generator CPU)" };
	o[n++] = (struct rs_opt){ "timeout-ms", RS_OPT_INT, &cfg->timeout_ms, 1, 600000, .help = "a request unanswered this long is an error, default 5000" };
	o[n++] = (struct rs_opt){ "pg", RS_OPT_STR, &cfg->pg, .help = "PostgreSQL URL (default: the private cluster)" };
	o[n++] = (struct rs_opt){ "server-flags", RS_OPT_STR, &cfg->server_flags, .help = "more ringside-server flags, quoted" };
	o[n++] = (struct rs_opt){ "fault", RS_OPT_STR, &cfg->fault,
				  .help = "pg-restart@T pg-terminate@T pg-down@T:D client-reset[@T[:D]] slowloris[@T[:D]]" };
	o[n++] = (struct rs_opt){ "quiet", RS_OPT_BOOL, &cfg->quiet, .help = "no progress lines" };
	return n;
}

/* ---- `harness run` ---- */

static int run_dir(const char *out, int rep, int repeat, const struct rs_run_cfg *cfg, char **dir)
{
	char label[256];

	if (out && repeat == 1)
		return (*dir = strdup(out)) ? 0 : -ENOMEM;
	if (out)
		return asprintf(dir, "%s/%d", out, rep) < 0 ? -ENOMEM : 0;
	int n = snprintf(label, sizeof(label), "%s-%s-c%ld-n%ld", cfg->engine, cfg->workload, cfg->cores,
			 cfg->conns);
	if (cfg->rate && n > 0 && (size_t)n < sizeof(label))
		snprintf(label + n, sizeof(label) - (size_t)n, "-r%ld", cfg->rate);
	return rs_results_new_dir(RS_SOURCE_ROOT "/results/runs", label, dir);
}

/* Median and range across repetitions, never the best of them. */
static void print_repeats(const struct rs_run_outcome *o, int n)
{
	double *rps = calloc((size_t)n, sizeof(double)), *p99 = calloc((size_t)n, sizeof(double));
	char a[32], b[32], c[32];

	if (!rps || !p99)
		goto out_free;
	for (int i = 0; i < n; i++) {
		rps[i] = o[i].rps;
		p99[i] = o[i].p99_us;
	}
	/* rs_median sorts: [0] is the minimum, [n - 1] the maximum. */
	double med_rps = rs_median(rps, n), med_p99 = rs_median(p99, n);
	rs_run_fmt_us(med_p99, a, sizeof(a));
	rs_run_fmt_us(p99[0], b, sizeof(b));
	rs_run_fmt_us(p99[n - 1], c, sizeof(c));
	printf("\n%d runs: %.0f req/s median (min %.0f, max %.0f); p99 %s median (min %s, max %s)\n", n, med_rps,
	       rps[0], rps[n - 1], a, b, c);
out_free:
	free(rps);
	free(p99);
}

int rs_run_main(int argc, char **argv)
{
	struct rs_run_cfg cfg;
	const char *out = NULL;
	long repeat = 1;
	int rc = 0, done = 0;

	rs_run_cfg_defaults(&cfg);
	struct rs_opt opts[RS_RUN_MAX_OPTS];
	int n = rs_run_opts(&cfg, opts, true);
	opts[n++] = (struct rs_opt){ "out", RS_OPT_STR, &out, .help = "the run's directory (default results/runs/<id>)" };
	opts[n++] = (struct rs_opt){ "repeat", RS_OPT_INT, &repeat, 1, 1000, .help = "runs, each its own directory" };
	opts[n] = (struct rs_opt){ NULL };
	int err = rs_opts_parse("ringside run", opts, argc, argv, 1, NULL);
	if (err > 0)
		rs_fault_help();
	if (err)
		return err > 0 ? 0 : 2;
	/* Before any directory is made: a typo leaves nothing behind. */
	char path[256];
	if (rs_run_workload_path(&cfg, path, sizeof(path)) || !rs_run_preset(cfg.engine) || rs_fault_check(&cfg))
		return 2;
	struct rs_run_outcome *o = calloc((size_t)repeat, sizeof(*o));
	if (!o)
		return 1;
	rs_run_catch_signals();
	for (int i = 1; i <= repeat && !rs_run_interrupted(); i++) {
		char *dir = NULL;
		err = run_dir(out, i, (int)repeat, &cfg, &dir);
		if (err) {
			fprintf(stderr, "ringside run: cannot make the run directory: %s\n", strerror(-err));
			rc = 1;
			break;
		}
		if (repeat > 1)
			printf("%srun %d of %ld\n", i > 1 ? "\n" : "", i, repeat);
		err = rs_run_once(&cfg, dir, &o[done]);
		free(dir);
		if (err) {
			rc = 1;
			break;
		}
		done++;
	}
	if (done > 1)
		print_repeats(o, done);
	free(o);
	return rs_run_interrupted() ? 130 : rc;
}
