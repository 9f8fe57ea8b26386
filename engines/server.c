/* server.c - ringside-server: flags -> engine -> one pinned reactor thread per core. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine.h"
#include "opts.h"
#include "pg.h"
#include "pool.h"
#include "rs_config.h"
#include "server.h"

#define MAX_REACTORS 256

struct reactor_slot {
	pthread_t thread;
	int index;
	struct rs_reactor_cfg cfg;
	struct rs_reactor *reactor;
	int err;
};

static const struct rs_engine_ops *g_ops;
static const struct rs_preset *g_preset;
static struct rs_pg_conninfo g_ci;
static struct rs_pg_pool_cfg g_pool_cfg; /* .ops NULL: no database */
static struct reactor_slot g_slots[MAX_REACTORS];
static int g_nslots;
static _Atomic(struct rs_reactor *) g_live[MAX_REACTORS];
static atomic_bool g_stop;
static pthread_barrier_t g_ready;
static atomic_int g_failed;

/* Async-signal-safe: atomics and the engines' stop (an eventfd write). */
static void stop_all(void)
{
	atomic_store(&g_stop, true);
	for (int i = 0; i < g_nslots; i++) {
		struct rs_reactor *r = atomic_load(&g_live[i]);
		if (r)
			g_ops->reactor_stop(r);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop_all();
}

static void pin_and_name(int index, int cpu)
{
	char name[16];
	snprintf(name, sizeof(name), "rs-reactor-%d", index);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	if (cpu < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "ringside: reactor %d: cannot pin to CPU %d: %s\n", index, cpu, strerror(errno));
}

static void *reactor_thread(void *arg)
{
	struct reactor_slot *s = arg;

	pin_and_name(s->index, s->cfg.cpu);
	s->err = g_ops->reactor_create(&s->cfg, &s->reactor);
	if (s->err) {
		fprintf(stderr, "ringside: reactor %d (%s): %s\n", s->index, g_ops->name, strerror(-s->err));
		atomic_fetch_add(&g_failed, 1);
	} else if (g_pool_cfg.ops) {
		struct rs_pg_pool *pool;
		s->err = rs_pg_pool_create(s->reactor, &g_pool_cfg, &pool);
		if (s->err) {
			fprintf(stderr, "ringside: reactor %d: pool: %s\n", s->index, strerror(-s->err));
			atomic_fetch_add(&g_failed, 1);
		} else {
			s->reactor->pg = pool;
		}
	}
	if (!s->err)
		atomic_store(&g_live[s->index], s->reactor);
	/* Everyone is set up (or failed) before anyone serves. */
	pthread_barrier_wait(&g_ready);
	if (s->err && !s->reactor)
		return NULL;
	if (atomic_load(&g_failed) || atomic_load(&g_stop))
		g_ops->reactor_stop(s->reactor);
	int err = g_ops->reactor_run(s->reactor);
	if (err) {
		fprintf(stderr, "ringside: reactor %d: loop failed: %s\n", s->index, strerror(-err));
		s->err = err;
	}
	atomic_store(&g_live[s->index], NULL);
	rs_pg_pool_destroy(s->reactor->pg);
	g_ops->reactor_destroy(s->reactor);
	s->reactor = NULL;
	return NULL;
}

/* "1,3,5-7" -> cpus[]; returns the count or -EINVAL. */
static int parse_cpu_list(const char *list, int *cpus, int max)
{
	int n = 0;
	const char *p = list;
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b;
		if (end == p || a < 0)
			return -EINVAL;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a)
				return -EINVAL;
		}
		for (long c = a; c <= b; c++) {
			if (n == max)
				return -EINVAL;
			cpus[n++] = (int)c;
		}
		if (*end == ',')
			end++;
		else if (*end)
			return -EINVAL;
		p = end;
	}
	return n;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Thousands of connections per reactor need more than the default 1024 fds. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int unknown_engine(const char *name)
{
	char names[256];
	rs_engine_names(names, sizeof(names));
	fprintf(stderr, "ringside: unknown engine '%s'; valid engines: %s\n", name, names);
	return 2;
}

struct serve_flags {
	const char *engine;
	long cores, port, max_conns, fiber_stack_kb, header_bytes, headers, body_bytes;
	long header_timeout_ms, idle_timeout_ms;
	const char *cpus;
	const char *uring_no;
	const char *pg, *pg_mode;
	long pool, rent_timeout_ms, pg_timeout_ms, pipeline_depth, workers;
	bool pg_nodelay;
};

/* The database side: parse and resolve the URL once, here, not in reactors. */
static int setup_pg(const struct serve_flags *f)
{
	const char *url = f->pg ? f->pg : getenv("RINGSIDE_PG_URL");
	if (!url || !*url) {
		fprintf(stderr, "ringside: no --pg=URL: the SQL workloads will answer 503\n");
		return 0;
	}
	int err = rs_pg_conninfo_parse(url, &g_ci);
	if (!err)
		err = rs_pg_conninfo_resolve(&g_ci);
	if (err) {
		fprintf(stderr, "ringside: --pg: cannot use this URL: %s\n", strerror(-err));
		return err;
	}
	g_ci.tcp_nodelay = f->pg_nodelay;
	g_pool_cfg = (struct rs_pg_pool_cfg){
		.ops = g_preset->driver,
		.ci = &g_ci,
		.size = (int)f->pool,
		.shared = !strcmp(f->pg_mode, "shared"),
		.rent_timeout_ms = (int)f->rent_timeout_ms,
		.query_timeout_ms = (int)f->pg_timeout_ms,
		.pipeline_depth = (int)f->pipeline_depth,
	};
	if (g_pool_cfg.shared && !(g_preset->driver->caps & RS_PG_CAP_PIPELINE)) {
		fprintf(stderr,
			"ringside: --pg-mode=shared: engine %s uses driver %s, which cannot pipeline; "
			"use --pg-mode=exclusive\n",
			g_preset->name, g_preset->driver->name);
		return -EINVAL;
	}
	return 0;
}

static int serve(const struct serve_flags *f)
{
	const char *why = NULL;
	int cpus[MAX_REACTORS];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int ncpus = 0;

	g_preset = rs_preset_find(f->engine);
	if (!g_preset)
		return unknown_engine(f->engine);
	g_ops = g_preset->engine;
	int err = g_ops->probe(&why);
	if (err) {
		fprintf(stderr, "ringside: engine %s cannot run here: %s (%s)\n", g_ops->name, why, strerror(-err));
		return 1;
	}
	if (f->cpus) {
		ncpus = parse_cpu_list(f->cpus, cpus, MAX_REACTORS);
		if (ncpus <= 0) {
			fprintf(stderr, "ringside: --cpus=%s: expected a list like 1,3,5-7\n", f->cpus);
			return 2;
		}
	}
	if (setup_pg(f))
		return 2;
	if (f->cores > ncpu)
		fprintf(stderr, "ringside: warning: --cores=%ld but this machine has %ld CPUs: oversubscribed, "
				"reactors share CPUs\n", f->cores, ncpu);

	g_nslots = (int)f->cores;
	for (int i = 0; i < g_nslots; i++) {
		struct reactor_slot *s = &g_slots[i];
		s->index = i;
		s->cfg = (struct rs_reactor_cfg){
			.index = i,
			.cpu = ncpus ? cpus[i % ncpus] : (int)(i % ncpu),
			.port = (uint16_t)f->port,
			.max_conns = (unsigned)f->max_conns,
			.fiber_stack = (size_t)f->fiber_stack_kb * 1024,
			.http = {
				.max_header_bytes = (size_t)f->header_bytes,
				.max_headers = (size_t)f->headers,
				.max_body_bytes = (size_t)f->body_bytes,
			},
			.header_timeout_ms = (int)f->header_timeout_ms,
			.idle_timeout_ms = (int)f->idle_timeout_ms,
			.engine_opts = f->uring_no,
			.workers = (int)f->workers,
		};
	}
	raise_fd_limit();
	install_signals();
	pthread_barrier_init(&g_ready, NULL, (unsigned)g_nslots);
	/* Reactor 0 runs on the main thread: a 1-core server is one thread. */
	for (int i = 1; i < g_nslots; i++) {
		if (pthread_create(&g_slots[i].thread, NULL, reactor_thread, &g_slots[i])) {
			fprintf(stderr, "ringside: cannot start reactor thread %d\n", i);
			exit(1);
		}
	}
	fprintf(stderr, "ringside: engine %s, %d reactor%s, port %ld\n", g_ops->name, g_nslots,
		g_nslots > 1 ? "s" : "", f->port);
	reactor_thread(&g_slots[0]);
	int rc = 0;
	for (int i = 1; i < g_nslots; i++)
		pthread_join(g_slots[i].thread, NULL);
	for (int i = 0; i < g_nslots; i++)
		if (g_slots[i].err)
			rc = 1;
	pthread_barrier_destroy(&g_ready);
	fprintf(stderr, "ringside: stopped%s\n", rc ? " with errors" : "");
	return rc;
}

int rs_server_main(int argc, char **argv)
{
	struct serve_flags f = {
		.engine = "uring",
		.cores = 1,
		.port = 8080,
		.max_conns = 4096,
		.fiber_stack_kb = RS_FIBER_STACK_KB,
		.header_bytes = (long)rs_http_default_limits.max_header_bytes,
		.headers = (long)rs_http_default_limits.max_headers,
		.body_bytes = (long)rs_http_default_limits.max_body_bytes,
		.header_timeout_ms = 10000,
		.idle_timeout_ms = 60000,
		.pg_mode = "exclusive",
		.pool = 8,
		.rent_timeout_ms = 5000,
		.pg_nodelay = true,
		.pipeline_depth = 32,
		.workers = 8,
	};
	const struct rs_opt opts[] = {
		{ "engine", RS_OPT_STR, &f.engine, .help = "engine preset (see `harness engines`)" },
		{ "cores", RS_OPT_INT, &f.cores, 1, MAX_REACTORS, .help = "reactor threads, one per core" },
		{ "cpus", RS_OPT_STR, &f.cpus, .help = "CPUs to pin reactors to, e.g. 1,3 or 2-5" },
		{ "port", RS_OPT_INT, &f.port, 1, 65535, .help = "TCP port" },
		{ "max-conns", RS_OPT_INT, &f.max_conns, 1, 1 << 20, .help = "connections per reactor; more get 503" },
		{ "fiber-stack", RS_OPT_INT, &f.fiber_stack_kb, 16, 8192, .help = "fiber stack KiB" },
		{ "max-header-bytes", RS_OPT_INT, &f.header_bytes, 256, 1 << 20, .help = "request head limit (431)" },
		{ "max-headers", RS_OPT_INT, &f.headers, 1, RS_HTTP_MAX_HEADERS_CAP, .help = "header count limit (431)" },
		{ "max-body-bytes", RS_OPT_INT, &f.body_bytes, 0, 1L << 30, .help = "request body limit (413)" },
		{ "header-timeout-ms", RS_OPT_INT, &f.header_timeout_ms, 0, 3600000,
		  .help = "a request must arrive whole this soon after its first byte (408); 0 = never" },
		{ "idle-timeout-ms", RS_OPT_INT, &f.idle_timeout_ms, 0, 86400000,
		  .help = "close keep-alive connections idle this long; 0 = never" },
		{ "uring-no", RS_OPT_STR, &f.uring_no, .help = "uring: switch off multishot,bufring,defer" },
		{ "workers", RS_OPT_INT, &f.workers, 1, 1024, .help = "threadpool: worker threads (rs-worker-N)" },
		{ "pg", RS_OPT_STR, &f.pg, .help = "PostgreSQL URL (default: $RINGSIDE_PG_URL)" },
		{ "pool", RS_OPT_INT, &f.pool, 1, 1024, .help = "Postgres connections per reactor" },
		{ "pg-mode", RS_OPT_CHOICE, &f.pg_mode, .choices = "exclusive,shared",
		  .help = "one query per connection, or pipelined" },
		{ "pg-nodelay", RS_OPT_BOOL, &f.pg_nodelay, .help = "TCP_NODELAY on Postgres sockets" },
		{ "rent-timeout-ms", RS_OPT_INT, &f.rent_timeout_ms, 1, 600000,
		  .help = "wait for a pool connection before 503" },
		{ "pg-pipeline-depth", RS_OPT_INT, &f.pipeline_depth, 1, 4096,
		  .help = "shared mode: queries on one connection before using the next" },
		{ "pg-timeout-ms", RS_OPT_INT, &f.pg_timeout_ms, 0, 3600000,
		  .help = "cancel queries running longer (CancelRequest); 0 = never" },
		{ NULL },
	};
	int err = rs_opts_parse("ringside serve", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	return serve(&f);
}
