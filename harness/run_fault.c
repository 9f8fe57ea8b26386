/* run_fault.c - `harness run --fault=...`: parse, inject at the right second of the measured window, judge the recovery. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "pgctl.h"
#include "run_int.h"

/* Throughput is back once a second reaches this share of the baseline (--recovery-threshold). */
#define RECOVERED_DEFAULT 0.8

static const struct kind {
	const char *name;
	enum rs_fault_kind kind;
	bool pg, at, dur;	/* against Postgres; @T required; :D required (else optional) */
} kinds[] = {
	{ "pg-restart", RS_FAULT_PG_RESTART, true, true, false },
	{ "pg-terminate", RS_FAULT_PG_TERMINATE, true, true, false },
	{ "pg-down", RS_FAULT_PG_DOWN, true, true, true },
	{ "client-reset", RS_FAULT_CLIENT_RESET, false, false, false },
	{ "slowloris", RS_FAULT_SLOWLORIS, false, false, false },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct kind *kind_of(enum rs_fault_kind k)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].kind == k)
			return &kinds[i];
	return NULL;
}

static int bad_spec(const char *spec, const char *why)
{
	fprintf(stderr, "ringside: --fault=%s: %s; accepted: pg-restart@T, pg-terminate@T, pg-down@T:D, "
			"client-reset[@T[:D]], slowloris[@T[:D]] (T, D: seconds into the measured window)\n",
		spec, why);
	return -EINVAL;
}

static bool number(const char *s, const char *end, double *v)
{
	char *e;
	if (s == end)
		return false;
	*v = strtod(s, &e);
	return e == end && isfinite(*v) && *v >= 0;
}

int rs_fault_threshold(const char *s, double *x)
{
	char *e;

	*x = RECOVERED_DEFAULT;
	if (!s)
		return 0;
	*x = strtod(s, &e);
	if (e == s || *e || !isfinite(*x) || *x <= 0 || *x > 1) {
		fprintf(stderr, "ringside: --recovery-threshold=%s: a share of the baseline above 0 and at most 1, "
				"e.g. 0.8 (the default)\n", s);
		return -EINVAL;
	}
	return 0;
}

int rs_fault_parse(const char *spec, long duration, struct rs_fault *f)
{
	const struct kind *k = NULL;
	const char *at = spec ? strchr(spec, '@') : NULL;
	size_t n = spec ? (at ? (size_t)(at - spec) : strlen(spec)) : 0;

	memset(f, 0, sizeof(*f));
	if (!spec || !*spec)
		return 0;
	for (size_t i = 0; i < NKINDS; i++)
		if (strlen(kinds[i].name) == n && !strncmp(kinds[i].name, spec, n))
			k = &kinds[i];
	if (!k)
		return bad_spec(spec, "unknown fault");
	f->kind = k->kind;
	f->spec = spec;
	if (at) {
		const char *colon = strchr(at, ':'), *end = at + strlen(at);
		if (!number(at + 1, colon ? colon : end, &f->at) || (colon && !number(colon + 1, end, &f->dur)))
			return bad_spec(spec, "T and D are seconds, e.g. pg-down@3:2");
		if (colon && !k->dur && k->pg)
			return bad_spec(spec, "this fault takes no duration");
		if (colon && f->dur <= 0)
			return bad_spec(spec, "D must be above 0");
	} else if (k->at) {
		return bad_spec(spec, "when? add @T");
	}
	if (k->dur && !f->dur)
		return bad_spec(spec, "for how long? add :D");
	if (!k->pg) {
		/* By default the middle third: before it the baseline, after it the recovery. */
		if (!at)
			f->at = (double)duration / 3;
		if (!f->dur)
			f->dur = (double)duration / 3;
	}
	/* A whole second before the fault is the baseline; the recovery needs time after it. */
	if (f->at < 1 || f->at + f->dur >= (double)duration)
		return bad_spec(spec, duration < 3 ? "needs --duration=3 or more" :
				      "T must be at least 1 and the fault must end before --duration");
	return 0;
}

bool rs_fault_needs_pg(const struct rs_fault *f)
{
	const struct kind *k = kind_of(f->kind);
	return k && k->pg;
}

int rs_fault_setup(struct run *r)
{
	struct rs_fault *f = &r->fault;
	const char *name = kind_of(f->kind) ? kind_of(f->kind)->name : "";

	if (!rs_fault_needs_pg(f))
		return 0;
	if (!r->db) {
		fprintf(stderr, "ringside: --fault=%s needs a workload that uses Postgres, not %s\n", name,
			r->cfg->workload);
		return -EINVAL;
	}
	if (!r->postmaster) {
		fprintf(stderr, "ringside: --fault=%s stops or signals Postgres: only the harness's own cluster "
				"(`harness pg`), not the one of --pg=URL or RINGSIDE_PG_URL\n", name);
		return -EINVAL;
	}
	if (f->kind != RS_FAULT_PG_TERMINATE)
		return 0;
	/* Tell the server's backends from everyone else's (tests, psql) by their application_name. */
	size_t len = strlen(r->pg_url);
	int n = snprintf(r->pg_url + len, sizeof(r->pg_url) - len, "%sapplication_name=ringside-fault-%d",
			 strchr(r->pg_url, '?') ? "&" : "?", (int)getpid());
	return n < 0 || (size_t)n >= sizeof(r->pg_url) - len ? -ENAMETOOLONG : 0;
}

void rs_fault_help(void)
{
	printf("\n--fault=KIND injects one fault into the measured window (T, D: seconds into it, T >= 1):\n"
	       "  pg-restart@T    restart the private Postgres (stop fast, start)\n"
	       "  pg-terminate@T  pg_terminate_backend() on the server's backends\n"
	       "  pg-down@T:D     stop Postgres for D seconds, then start it\n"
	       "  client-reset    the load generator abandons every %dth request of a connection with an RST,\n"
	       "                  after half of it or all of it (counted apart, not as errors)\n"
	       "  slowloris       --conns more clients send one header byte every %d ms and never finish\n"
	       "client-reset and slowloris take @T:D too, default the middle third of the window. The pg faults\n"
	       "need a workload that uses Postgres and the harness's own cluster (not --pg=URL elsewhere).\n"
	       "run.json's \"fault\" says when, errors before/during/after, baseline_rps (the median of the whole\n"
	       "seconds before the fault; open loop: never above the offered rate), recovery_s (to the first whole\n"
	       "second after it back at --recovery-threshold, default %.1f, of the baseline; null: never),\n"
	       "settled_ratio (the median second after the fault over the baseline), and the server's fds and RSS.\n",
	       RS_FAULT_RESET_EVERY, RS_FAULT_SLOWLORIS_MS, RECOVERED_DEFAULT);
}

/* Before any directory is made: a bad --fault, or a pg fault on a cluster that is not ours. */
int rs_fault_check(const struct rs_run_cfg *cfg)
{
	struct rs_fault f;
	const char *url = cfg->pg ? cfg->pg : getenv("RINGSIDE_PG_URL");

	double x;

	if (rs_fault_parse(cfg->fault, cfg->duration, &f) || rs_fault_threshold(cfg->recovery_threshold, &x))
		return -EINVAL;
	if (!rs_fault_needs_pg(&f))
		return 0;
	if (!rs_run_workload_needs_db(cfg->workload)) {
		fprintf(stderr, "ringside: --fault=%s needs a workload that uses Postgres, not %s\n", cfg->fault,
			cfg->workload);
		return -EINVAL;
	}
	if (url && *url && !rs_run_private_postmaster(url)) {
		fprintf(stderr, "ringside: --fault=%s stops or signals Postgres: only the harness's own running "
				"cluster (`harness pg`), not %s\n", cfg->fault, cfg->pg ? "--pg=URL" : "RINGSIDE_PG_URL");
		return -EINVAL;
	}
	return 0;
}

/* ---- the injecting thread ---- */

/* Sleep until t (CLOCK_MONOTONIC s); false when told to quit first. */
static bool wait_until(struct rs_fault *f, double t)
{
	struct timespec ts = { .tv_sec = (time_t)t, .tv_nsec = (long)((t - floor(t)) * 1e9) };

	pthread_mutex_lock(&f->mu);
	while (!f->quit && rs_now_s() < t)
		pthread_cond_timedwait(&f->cv, &f->mu, &ts);
	bool go = !f->quit;
	pthread_mutex_unlock(&f->mu);
	return go;
}

static void failed(struct rs_fault *f, int err, const char *what)
{
	f->err = err;
	snprintf(f->note, sizeof(f->note), "%s: %s", what, strerror(-err));
	fprintf(stderr, "ringside: fault %s: %s\n", f->spec, f->note);
}

/* A restarted postmaster has a new pid; its port must not have moved, or the server cannot come back. */
static void pg_follow(struct run *r, int port)
{
	struct rs_pgctl_info info;

	if (rs_pgctl_info(&info) || info.pid <= 0)
		return;
	rs_sampler_set_pg_postmaster(r->sampler, info.pid);
	if (info.port != port) {
		snprintf(r->fault.note, sizeof(r->fault.note), "Postgres came back on port %d, not %d", info.port,
			 port);
		fprintf(stderr, "ringside: fault %s: %s: the server cannot reconnect\n", r->fault.spec, r->fault.note);
	}
}

static void pg_terminate(struct run *r)
{
	struct rs_fault *f = &r->fault;
	char sql[256], out[64];
	const char *app = strstr(r->pg_url, "application_name=") + strlen("application_name=");

	snprintf(sql, sizeof(sql),
		 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '%.*s'",
		 (int)strcspn(app, "&"), app);
	int err = rs_pgctl_admin_query(sql, out, sizeof(out));
	if (err)
		failed(f, err, "pg_terminate_backend");
	else
		f->terminated = atoi(out);
}

static void inject(struct run *r)
{
	struct rs_fault *f = &r->fault;
	struct rs_pgctl_info info;
	char url[1024];
	int err, port = rs_pgctl_info(&info) ? 0 : info.port;

	switch (f->kind) {
	case RS_FAULT_PG_RESTART:
		err = rs_pgctl_restart();
		if (err)
			failed(f, err, "restarting Postgres");
		pg_follow(r, port);
		break;
	case RS_FAULT_PG_TERMINATE:
		pg_terminate(r);
		break;
	case RS_FAULT_PG_DOWN:
		err = rs_pgctl_stop();
		if (err)
			failed(f, err, "stopping Postgres");
		/* Back up even when the load has ended early: the cluster outlives the run. */
		wait_until(f, f->t_fault + f->dur);
		err = rs_pgctl_ensure_started(url, sizeof(url));
		if (err)
			failed(f, err, "starting Postgres again");
		pg_follow(r, port);
		break;
	case RS_FAULT_CLIENT_RESET:
		/* The load generator does it (rs_lg_cfg.reset_every); this only keeps the time. */
		wait_until(f, f->t0 + f->at + f->dur);
		break;
	case RS_FAULT_SLOWLORIS:
		err = rs_slowloris_run(r->port, r->path, (int)r->cfg->conns, RS_FAULT_SLOWLORIS_MS,
				       f->t0 + f->at + f->dur, &f->quit, &f->slow);
		if (err)
			failed(f, err, "slowloris clients");
		break;
	case RS_FAULT_NONE:
		break;
	}
}

static void *fault_main(void *arg)
{
	struct run *r = arg;
	struct rs_fault *f = &r->fault;

	pthread_mutex_lock(&f->mu);
	while (!f->t0 && !f->quit)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
	if (!f->t0 || !wait_until(f, f->t0 + f->at))
		return NULL;
	/* Starved of CPU past the window (nice 19 on a busy machine): too late to mean anything. */
	if (rs_now_s() >= f->t0 + (double)r->cfg->duration)
		return NULL;
	/* Not the load generator's CPUs: a postmaster started from here would inherit them. */
	if (rs_fault_needs_pg(f))
		sched_setaffinity(0, sizeof(r->affinity), &r->affinity);
	f->fired = true;
	f->t_fault = rs_now_s();
	inject(r);
	f->t_done = rs_now_s();
	return NULL;
}

int rs_fault_start(struct run *r)
{
	struct rs_fault *f = &r->fault;
	pthread_condattr_t ca;

	if (f->kind == RS_FAULT_NONE)
		return 0;
	if (f->kind == RS_FAULT_CLIENT_RESET) {
		r->lg.reset_every = RS_FAULT_RESET_EVERY;
		r->lg.reset_from_s = f->at;
		r->lg.reset_until_s = f->at + f->dur;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&f->mu, NULL);
	int err = -pthread_create(&f->thread, NULL, fault_main, r);
	if (err) {
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		return err;
	}
	f->started = true;
	return 0;
}

void rs_fault_window(struct run *r, double t0)
{
	struct rs_fault *f = &r->fault;

	if (!f->started)
		return;
	pthread_mutex_lock(&f->mu);
	f->t0 = t0;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

void rs_fault_stop(struct run *r)
{
	struct rs_fault *f = &r->fault;

	if (!f->started)
		return;
	pthread_mutex_lock(&f->mu);
	__atomic_store_n(&f->quit, 1, __ATOMIC_RELAXED); /* read unlocked by the slowloris loop */
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	f->started = false;
}
