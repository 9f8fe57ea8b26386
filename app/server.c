/* server.c - ringside-server, the composition root: flags -> preset -> one pinned reactor per core, with its pools and the workloads. */
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
#include "listener.h"
#include "opts.h"
#include "placement.h"
#include "pg.h"
#include "pool.h"
#include "preset.h"
#include "redis.h"
#include "rs_config.h"
#include "server.h"
#include "wl_file.h"
#include "workloads.h"

#define MAX_REACTORS 256

struct reactor_slot {
	pthread_t thread;
	int index;
	struct rs_reactor_cfg cfg;
	struct rs_reactor *reactor;
	struct rs_wl_reactor app; /* the reactor's pools: its opaque app data (rs_reactor.app) */
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

/* stop_all calls in progress: a reactor leaving waits for them before it is destroyed, since a
 * signal taken on another thread may have loaded its pointer just before it left. */
static atomic_int g_in_stop;

/* Async-signal-safe: atomics and the engines' stop (an eventfd write). */
static void stop_all(void)
{
	atomic_fetch_add(&g_in_stop, 1);
	atomic_store(&g_stop, true);
	for (int i = 0; i < g_nslots; i++) {
		struct rs_reactor *r = atomic_load(&g_live[i]);
		if (r)
			g_ops->reactor_stop(r);
	}
	atomic_fetch_sub(&g_in_stop, 1);
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

/* What the Postgres pool went through, in the server's log: a run's
 * replaced connections and cancels are there to read beside its errors. */
static void report_pool(int index, const struct rs_pg_pool *pg)
{
	struct rs_pool_stats st;
	if (!pg)
		return;
	rs_pg_pool_stats(pg, &st);
	fprintf(stderr,
		"ringside: reactor %d: postgres pool: %llu connects, %llu failed, %llu discarded, %llu rent timeouts, %llu cancels\n",
		index, (unsigned long long)st.connects, (unsigned long long)st.failures,
		(unsigned long long)st.discarded, (unsigned long long)st.timeouts, (unsigned long long)st.cancels);
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
			s->app.pg = pool;
		}
	}
	if (!s->err && s->reactor && (s->err = rs_redis_pool_create(s->reactor, &s->app.redis))) {
		fprintf(stderr, "ringside: reactor %d: Redis pool: %s\n", s->index, strerror(-s->err));
		atomic_fetch_add(&g_failed, 1);
	}
	if (s->reactor)
		s->reactor->app = &s->app;
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
	while (atomic_load(&g_in_stop)) /* a handler on this thread has finished before we get here */
		sched_yield();
	report_pool(s->index, s->app.pg);
	rs_pg_pool_destroy(s->app.pg);
	rs_redis_pool_destroy(s->app.redis);
	s->app = (struct rs_wl_reactor){ 0 };
	g_ops->reactor_destroy(s->reactor);
	s->reactor = NULL;
	return NULL;
}

#if defined(__SANITIZE_THREAD__)
/*
 * ThreadSanitizer runs a process's signal handlers late, at its next interception point, and
 * was seen to lose SIGTERM for good: 10 s after it, with nothing pending in the kernel, the
 * reactor sat in epoll_wait and g_stop was still false (CI's TSan stage, 1 run in ~8 beside
 * other tests). Under TSan only, a thread takes SIGINT and SIGTERM synchronously with sigwait;
 * every other thread blocks them. Plain and ASan builds keep the handler, and their thread
 * counts (a 1-core server is one thread).
 */
static sigset_t g_stop_sigs;

static void *signal_thread(void *arg)
{
	int sig;
	(void)arg;
	while (!sigwait(&g_stop_sigs, &sig))
		stop_all();
	return NULL;
}

static void install_signals(void)
{
	pthread_t t;
	sigemptyset(&g_stop_sigs);
	sigaddset(&g_stop_sigs, SIGINT);
	sigaddset(&g_stop_sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &g_stop_sigs, NULL);
	if (pthread_create(&t, NULL, signal_thread, NULL) || pthread_detach(t)) {
		fprintf(stderr, "ringside: cannot start the signal thread\n");
		exit(1);
	}
	signal(SIGPIPE, SIG_IGN);
}
#else
static void on_signal(int sig)
{
	(void)sig;
	stop_all();
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
#endif

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
	rs_preset_names(names, sizeof(names));
	fprintf(stderr, "ringside: unknown preset '%s'; presets: %s (see `harness engines`)\n", name, names);
	return 2;
}

struct serve_flags {
	const char *engine;
	long cores, port, max_conns, fiber_stack_kb, header_bytes, headers, body_bytes;
	long header_timeout_ms, idle_timeout_ms, send_timeout_ms;
	const char *cpus;
	const char *listen;
	const char *uring_no, *uring_with;
	const char *files_dir;
	const char *redis;
	const char *pg, *pg_mode, *pg_sync, *redis_mode;
	long pool, redis_pool, rent_timeout_ms, pg_timeout_ms, pipeline_depth, workers;
	bool pg_nodelay, file_direct;
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
	g_ci.sync_per_batch = !strcmp(f->pg_sync, "batch");
	if (g_ci.sync_per_batch && !(g_preset->driver->caps & RS_PG_CAP_SYNC_BATCH)) {
		fprintf(stderr, "ringside: --pg-sync=batch: engine %s uses driver %s, which syncs every query; "
				"use --pg-sync=query or a pgwire preset\n", g_preset->name, g_preset->driver->name);
		return -EINVAL;
	}
	/* A batch's answers are held to its end, so the pool cannot time a statement from when it
	 * reached the head: it would cancel a batch member after the batch's sum, and a cancel fails
	 * the batch, whose other members go again (seen: /updates starved by a re-cancelled batch). */
	if (g_ci.sync_per_batch && f->pg_timeout_ms) {
		fprintf(stderr, "ringside: --pg-sync=batch cannot keep --pg-timeout-ms: a batch's answers "
				"arrive together at its end; use one or the other\n");
		return -EINVAL;
	}
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

/* --redis (or $RINGSIDE_REDIS_URL): the preset's family driver at that address. */
static int setup_redis(const struct serve_flags *f)
{
	const char *url = f->redis ? f->redis : getenv("RINGSIDE_REDIS_URL");
	struct rs_redis_addr a;
	if (!url || !*url)
		return 0;
	const struct rs_redis_ops *ops = rs_redis_driver_for(g_preset->driver);
	if (!ops) {
		fprintf(stderr, "ringside: --redis: preset %s (driver %s) has no Redis driver in this build "
				"(hiredis needs libhiredis-dev)\n", g_preset->name, g_preset->driver->name);
		return -EINVAL;
	}
	if (rs_redis_url_parse(url, &a))
		return -EINVAL;
	struct rs_redis_pool_cfg pc = {
		.size = (int)f->redis_pool,
		.shared = !strcmp(f->redis_mode, "shared"),
		.pipeline_depth = (int)f->pipeline_depth,
		.rent_timeout_ms = (int)f->rent_timeout_ms,
	};
	if (pc.shared && !ops->pipeline) {
		fprintf(stderr,
			"ringside: --redis-mode=shared: engine %s uses Redis driver %s, which cannot pipeline; "
			"use --redis-mode=exclusive\n",
			g_preset->name, ops->name);
		return -EINVAL;
	}
	rs_redis_setup(ops, &a, &pc);
	return 0;
}

/* "a,b" and "c" -> "a,b,+c,": switched off, then switched on. */
static int engine_opts_join(const char *no, const char *with, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "%s%s", no ? no : "", no && *no ? "," : "");
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s", with ? with : "");
	char *save = NULL;
	for (char *t = strtok_r(tmp, ",", &save); t && n < size; t = strtok_r(NULL, ",", &save))
		n += (size_t)snprintf(out + n, size - n, "+%s,", t);
	return n < size ? 0 : -ENAMETOOLONG;
}

static int serve(const struct serve_flags *f)
{
	const char *why = NULL;
	int cpus[MAX_REACTORS];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int ncpus = 0;

	char bad[256];
	if (rs_presets_check(bad, sizeof(bad))) {
		fprintf(stderr, "ringside: %s\n", bad);
		return 2;
	}
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
		ncpus = rs_parse_cpu_list(f->cpus, cpus, MAX_REACTORS);
		if (ncpus <= 0) {
			fprintf(stderr, "ringside: --cpus=%s: expected a list like 1,3,5-7\n", f->cpus);
			return 2;
		}
	}
	if (rs_listener_set_addr(f->listen)) {
		fprintf(stderr, "ringside: --listen=%s: expected an IPv4 address such as 127.0.0.1 or 0.0.0.0\n",
			f->listen);
		return 2;
	}
	char who[128];
	err = rs_listener_check_free((uint16_t)f->port, who, sizeof(who));
	if (err) {
		fprintf(stderr, "ringside: cannot listen on %s:%ld: %s%s%s\n", f->listen, f->port, strerror(-err),
			who[0] ? "; held by " : "", who);
		return 1;
	}
	if (setup_pg(f))
		return 2;
	if (f->files_dir && rs_wl_files_dir(f->files_dir, f->file_direct))
		return 2;
	if (setup_redis(f))
		return 2;
	int cpu_of[MAX_REACTORS];
	if (ncpus) {
		for (long i = 0; i < f->cores; i++)
			cpu_of[i] = cpus[i % ncpus];
	} else if (rs_place_reactors(f->cores, cpu_of) < 0) {
		for (long i = 0; i < f->cores; i++)
			cpu_of[i] = (int)(i % ncpu);
	}
	if (f->cores > ncpu)
		fprintf(stderr, "ringside: warning: --cores=%ld but this machine has %ld CPUs: oversubscribed, "
				"reactors share CPUs\n", f->cores, ncpu);
	rs_place_report(cpu_of, f->cores);

	/* The engine reads one list: --uring-no's names, then --uring-with's, each marked '+'. */
	char engine_opts[512] = "";
	if (engine_opts_join(f->uring_no, f->uring_with, engine_opts, sizeof(engine_opts)))
		return fprintf(stderr, "ringside: --uring-no/--uring-with: too long\n"), 2;
	g_nslots = (int)f->cores;
	for (int i = 0; i < g_nslots; i++) {
		struct reactor_slot *s = &g_slots[i];
		s->index = i;
		s->cfg = (struct rs_reactor_cfg){
			.index = i,
			.cpu = cpu_of[i],
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
			.send_timeout_ms = (int)f->send_timeout_ms,
			.engine_opts = engine_opts,
			.workers = (int)f->workers,
			.handler = rs_workload_handle,
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
		.listen = "127.0.0.1",
		.max_conns = 4096,
		.fiber_stack_kb = RS_FIBER_STACK_KB,
		.header_bytes = (long)rs_http_default_limits.max_header_bytes,
		.headers = (long)rs_http_default_limits.max_headers,
		.body_bytes = (long)rs_http_default_limits.max_body_bytes,
		.header_timeout_ms = 10000,
		.idle_timeout_ms = 60000,
		.send_timeout_ms = 10000,
		.pg_mode = "exclusive",
		.pg_sync = "query",
		.redis_mode = "exclusive",
		.pool = 8,
		.redis_pool = 8,
		.rent_timeout_ms = 5000,
		.pg_nodelay = true,
		.pipeline_depth = 32,
		.workers = 8,
	};
	const struct rs_opt opts[] = {
		{ "engine", RS_OPT_STR, &f.engine, .help = "preset: a reactor and a driver (see `harness engines`), default uring" },
		{ "cores", RS_OPT_INT, &f.cores, 1, MAX_REACTORS, .help = "reactor threads, one per core, default 1" },
		{ "cpus", RS_OPT_STR, &f.cpus, .help = "CPUs to pin reactors to, e.g. 1,3 or 2-5" },
		{ "port", RS_OPT_INT, &f.port, 1, 65535, .help = "TCP port, default 8080" },
		{ "listen", RS_OPT_STR, &f.listen, .help = "IPv4 address to listen on (0.0.0.0: every interface), default 127.0.0.1" },
		{ "max-conns", RS_OPT_INT, &f.max_conns, 1, 1 << 20, .help = "connections per reactor; more get 503" },
		{ "fiber-stack", RS_OPT_INT, &f.fiber_stack_kb, 16, 8192, .help = "fiber stack KiB" },
		{ "max-header-bytes", RS_OPT_INT, &f.header_bytes, 256, 1 << 20, .help = "request head limit (431)" },
		{ "max-headers", RS_OPT_INT, &f.headers, 1, RS_HTTP_MAX_HEADERS_CAP, .help = "header count limit (431)" },
		{ "max-body-bytes", RS_OPT_INT, &f.body_bytes, 0, 1L << 30, .help = "request body limit (413)" },
		{ "header-timeout-ms", RS_OPT_INT, &f.header_timeout_ms, 0, 3600000,
		  .help = "a request must arrive whole this soon after its first byte (408); 0 = never" },
		{ "idle-timeout-ms", RS_OPT_INT, &f.idle_timeout_ms, 0, 86400000,
		  .help = "close keep-alive connections idle this long; 0 = never" },
		{ "send-timeout-ms", RS_OPT_INT, &f.send_timeout_ms, 0, 3600000,
		  .help = "close a connection whose send makes no progress this long; 0 = never" },
		{ "uring-no", RS_OPT_STR, &f.uring_no, .help = "uring: switch off multishot,bufring,defer,fileops,asyncflush,fixedfiles,clientfixed" },
		{ "uring-with", RS_OPT_STR, &f.uring_with, .help = "uring: switch on what is off by default: link (a query's send linked to its answer's recv), minwait (the loop waits for 4 completions, at most 10 us once one is there; kernel 6.12+)" },
		{ "redis", RS_OPT_STR, &f.redis, .help = "Redis URL, redis://IP:PORT or unix:///PATH (default: $RINGSIDE_REDIS_URL)" },
		{ "files-dir", RS_OPT_STR, &f.files_dir, .help = "directory /file serves (e.g. build/files)" },
		{ "file-direct", RS_OPT_BOOL, &f.file_direct,
		  .help = "/file reads with O_DIRECT: past the page cache, to the device (harness --file-cache=cold)" },
		{ "workers", RS_OPT_INT, &f.workers, 1, 1024, .help = "threadpool: worker threads (rs-worker-N)" },
		{ "pg", RS_OPT_STR, &f.pg, .help = "PostgreSQL URL (default: $RINGSIDE_PG_URL)" },
		{ "pool", RS_OPT_INT, &f.pool, 1, 1024, .help = "Postgres connections per reactor" },
		{ "redis-pool", RS_OPT_INT, &f.redis_pool, 1, 1024, .help = "Redis connections per reactor (the same pool as Postgres's)" },
		{ "redis-mode", RS_OPT_CHOICE, &f.redis_mode, .choices = "exclusive,shared",
		  .help = "one command per Redis connection, or pipelined (resp driver only)" },
		{ "pg-mode", RS_OPT_CHOICE, &f.pg_mode, .choices = "exclusive,shared",
		  .help = "one query per connection, or pipelined" },
		{ "pg-nodelay", RS_OPT_BOOL, &f.pg_nodelay, .help = "TCP_NODELAY on Postgres sockets" },
		{ "pg-sync", RS_OPT_CHOICE, &f.pg_sync, .choices = "query,batch",
		  .help = "a Sync (and Postgres' flush) per query, or one per batch of pipelined executes (pgwire)" },
		{ "rent-timeout-ms", RS_OPT_INT, &f.rent_timeout_ms, 1, 600000,
		  .help = "wait for a pool connection before 503" },
		{ "pg-pipeline-depth", RS_OPT_INT, &f.pipeline_depth, 1, 4096,
		  .help = "shared mode: queries on one connection before using the next" },
		{ "pg-timeout-ms", RS_OPT_INT, &f.pg_timeout_ms, 0, 3600000,
		  .help = "cancel a statement running longer, timed from its send (CancelRequest); 0 = never" },
		{ NULL },
	};
	int err = rs_opts_parse("ringside serve", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	return serve(&f);
}
