/* run_write.c - what a run leaves: run.json with the server's side, timeline.tsv's sampler columns, the summary table. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pg.h"
#include "results.h"
#include "run_int.h"

void rs_run_fmt_us(double us, char *out, size_t size)
{
	if (us < 1000)
		snprintf(out, size, "%.0f us", us);
	else if (us < 1e6)
		snprintf(out, size, "%.2f ms", us / 1e3);
	else
		snprintf(out, size, "%.2f s", us / 1e6);
}

unsigned long long rs_run_errors(const struct rs_lg_result *res)
{
	return (unsigned long long)(res->connect_errors + res->resets + res->timeouts + res->non2xx + res->invalid);
}

static json_t *int_list(const int *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

/* x per request, or null when nothing was measured. */
static json_t *per_request(double x, uint64_t requests)
{
	return x >= 0 && requests ? json_real(x / (double)requests) : json_null();
}

static json_t *engine_json(const struct run *r)
{
	return json_pack("{s:s, s:s, s:s}", "preset", r->preset->name, "reactor", r->preset->engine->name,
			 "driver", r->preset->driver->name);
}

static json_t *placement_json(const struct run *r)
{
	json_t *p = json_pack("{s:i, s:o, s:o, s:b, s:s, s:b}", "machine_cpus", r->machine_cpus, "server_cpus",
			 int_list(r->server_cpus, r->nserver), "loadgen_cpus", int_list(r->lg_cpus, r->nlg),
			 "loadgen_pinned", r->nlg > 0, "postgres", "unpinned", "oversubscribed", r->oversubscribed);
	/* Several machines: where each part ran (its own placement is in loadgen_hosts[]). */
	if (p && (r->mh || r->rsrv))
		json_object_set_new(p, "server", json_string(r->rsrv ? "server_host" : "here"));
	if (p && r->mh)
		json_object_set_new(p, "loadgen", json_string("loadgen_hosts"));
	return p;
}

static json_t *server_json(const struct run *r)
{
	const struct rs_sampler_window *w = &r->win;
	uint64_t n = r->res.requests;
	const char *why = rs_sampler_syscalls_why(r->sampler);
	json_t *kinds = json_object(), *s;

	for (int k = 0; k < RS_THREAD_NKINDS; k++)
		json_object_set_new(kinds, rs_thread_kind_name(k), json_integer(w->by_kind_max[k]));
	s = json_pack("{s:I, s:i, s:o, s:f, s:f, s:o, s:{s:I, s:I}, s:o, s:o, s:I, s:i, s:i, s:b}", "pid",
		      (json_int_t)r->server_pid, "threads_max", w->threads_max, "threads_by_kind", kinds,
		      "cpu_user_s", w->cpu_user_s, "cpu_sys_s", w->cpu_sys_s, "cpu_us_per_request",
		      per_request((w->cpu_user_s + w->cpu_sys_s) * 1e6, n), "ctx_switches", "voluntary",
		      (json_int_t)llround(w->ctx_vol), "involuntary", (json_int_t)llround(w->ctx_invol),
		      "ctx_switches_per_request", per_request(w->ctx_vol + w->ctx_invol, n), "syscalls_per_request",
		      per_request(w->syscalls, n), "rss_max_kb", (json_int_t)w->rss_max_kb, "fds_max", w->fds_max,
		      "exit_status", r->exit_status, "killed", r->killed);
	if (s && why)
		json_object_set_new(s, "syscalls_why", json_string(why));
	return s;
}

static json_t *postgres_json(const struct run *r)
{
	if (!r->db)
		return json_null();
	char *url = rs_results_redact(r->pg_url);
	json_t *o = json_pack("{s:s?, s:o, s:o}", "url", url, "backends_max",
			      r->postmaster ? json_integer(r->win.pg_backends_max) : json_null(),
			      "active_max", r->postmaster ? json_integer(r->win.pg_active_max) : json_null());
	free(url);
	if (o && !r->postmaster)
		json_object_set_new(o, "backends_why", json_string(r->pg_why));
	if (o)
		json_object_set_new(o, "settings", rs_run_pg_settings_json(r->pg_url));
	return o;
}

/* The workload's parameter when it takes this one (queries or ms), else null: not an input of the run. */
static json_t *param_json(const struct rs_run_cfg *c, const char *param, long value)
{
	const char *p = rs_run_workload_param(c->workload);
	return p && !strcmp(p, param) ? json_integer(value) : json_null();
}

/* "queries": the workload's count, ?queries=N or cached-queries' ?count=N (both --queries). */
static json_t *queries_json(const struct rs_run_cfg *c)
{
	const char *p = rs_run_workload_param(c->workload);
	return p && (!strcmp(p, "queries") || !strcmp(p, "count")) ? json_integer(c->queries) : json_null();
}

/* Our own keys next to rs_results_base's (which has the load generator's threads, duration and warm-up). */
static int add_run_fields(const struct run *r, json_t *run)
{
	const struct rs_run_cfg *c = r->cfg;
	/* "rate" is rs_results_base's (the load generator's, which is c->rate). */
	json_t *mine = json_pack("{s:o, s:s, s:s, s:i, s:i, s:i, s:s, s:i, s:s, s:o, s:o, s:o, s:b}", "engine",
				 engine_json(r), "workload", c->workload, "path", r->path, "cores", (int)c->cores,
				 "conns", (int)c->conns, "pool", (int)c->pool, "pg_mode",
				 c->pg_mode, "pipeline", (int)c->pipeline, "flags", r->flags ? r->flags : "",
				 "placement", placement_json(r), "server", server_json(r), "postgres",
				 postgres_json(r), "partial", r->res.partial || rs_run_interrupted());
	if (!mine)
		return -ENOMEM;
	json_object_set_new(mine, "fault", rs_fault_json(r));
	/* Unix seconds; one measuring run per machine (runlock.c), so windows never overlap. */
	json_object_set_new(mine, "measured_window",
			    json_pack("{s:f, s:f}", "start", r->wall_end - r->res.elapsed_s, "end", r->wall_end));
	json_object_set_new(mine, "queries", queries_json(c));
	json_object_set_new(mine, "sleep_ms", param_json(c, "ms", c->sleep_ms));
	json_object_set_new(mine, "server_flags", json_string(c->server_flags ? c->server_flags : ""));
	json_object_set_new(mine, "cpu_us_per_request", rs_run_cpu_json(r));
	json_object_set_new(mine, "file_cache", json_string(c->file_cache));
	json_object_set_new(mine, "redis", json_null());
	if (r->redis_url[0]) {
		char *url = rs_results_redact(r->redis_url);
		json_object_set_new(mine, "redis", json_pack("{s:s?, s:o}", "url", url, "settings",
							      rs_run_redis_settings_json(r->redis_url)));
		free(url);
	}
	if (r->nfile_paths) {
		json_object_set_new(mine, "file_size", json_string(c->file_size));
		/* How cold was made cold, and whether the reads reached the device. */
		json_object_set_new(mine, "file_cache_method",
				    json_string(strcmp(c->file_cache, "cold") ? "page-cache"
						: r->file_direct	  ? "o_direct"
									  : "fadvise-dontneed"));
		json_object_set_new(mine, "file_device_read_bytes",
				    r->dev_err ? json_null() : json_integer((json_int_t)(r->dev_read1 - r->dev_read0)));
	}
	/* docs/run-json.md describes this version; bump it when a field changes meaning or goes. */
	json_object_set_new(mine, "schema_version", json_integer(RS_RUN_SCHEMA_VERSION));
	json_object_set_new(mine, "kernel_settings", rs_run_kernel_json());
	if (r->mh)
		json_object_set_new(mine, "loadgen_hosts", rs_mh_json(r));
	if (r->rsrv)
		json_object_set_new(mine, "server_host", rs_rsrv_json(r));
	/* Open loop's arrival process (closed loop: null). */
	json_object_set_new(mine, "arrival", c->rate ? json_string(c->arrival) : json_null());
	int err = json_object_update(run, mine) ? -ENOMEM : 0;
	json_decref(mine);
	return err;
}

/* timeline.tsv: the sampler's view of each measured second. */
static char **timeline_rows(const struct run *r, double t0)
{
	char **rows = calloc((size_t)r->res.nseconds + 1, sizeof(char *));
	struct rs_sampler_window w;

	for (int i = 0; rows && i < r->res.nseconds; i++) {
		rs_sampler_window(r->sampler, t0 + i, t0 + i + 1, &w);
		char sys[32] = "NaN";
		if (w.syscalls >= 0)
			snprintf(sys, sizeof(sys), "%.0f", w.syscalls);
		/* Threads by kind too: the threads-over-time figure splits them (rs_thread_kind order). */
		if (asprintf(&rows[i], "%d\t%.1f\t%s\t%ld\t%d\t%d\t%d\t%d", w.threads_max,
			     100 * (w.cpu_user_s + w.cpu_sys_s), sys, w.rss_max_kb, w.by_kind_max[RS_THREAD_REACTOR],
			     w.by_kind_max[RS_THREAD_WORKER], w.by_kind_max[RS_THREAD_IOU_WRK],
			     w.by_kind_max[RS_THREAD_OTHER]) < 0)
			rows[i] = NULL;
	}
	return rows;
}

static void free_rows(char **rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		free(rows[i]);
	free(rows);
}

int rs_run_write(struct run *r)
{
	static const char *const header[] = { "threads", "cpu_pct", "syscalls", "rss_kb", "threads_reactor",
					      "threads_worker", "threads_iou_wrk", "threads_other", NULL };
	double t0 = r->t_end - r->res.elapsed_s;
	int err;

	/* The loadgen's window ended just before it returned: anchor it there. */
	rs_sampler_window(r->sampler, t0, r->t_end, &r->win);
	json_t *run = rs_results_base(&r->lg, &r->res);
	if (!run)
		return -ENOMEM;
	err = add_run_fields(r, run);
	const char *commit = json_string_value(json_object_get(run, "commit"));
	size_t clen = commit ? strlen(commit) : 0;
	json_object_set_new(run, "validity", rs_run_validity_json(r, clen > 6 && !strcmp(commit + clen - 6, "-dirty")));
	char **rows = timeline_rows(r, t0);
	if (!err && !rows)
		err = -ENOMEM;
	if (!err)
		err = rs_results_write(r->dir, run, &r->res, header, (const char *const *)rows);
	if (err)
		fprintf(stderr, "ringside: cannot write the results into %s: %s\n", r->dir, strerror(-err));
	free_rows(rows, r->res.nseconds);
	json_decref(run);
	return err;
}

/* ---- the summary table ---- */

static void print_latency(const struct rs_lg_result *res)
{
	static const double pct[] = { 50, 99, 99.9 };
	static const char *const name[] = { "p50", "p99", "p99.9" };
	char v[32];

	printf("  %-12s", "latency");
	for (int i = 0; i < 3; i++) {
		rs_run_fmt_us((double)rs_hist_percentile(res->latency, pct[i]), v, sizeof(v));
		printf("%s %-10s ", name[i], v);
	}
	rs_run_fmt_us((double)rs_hist_max(res->latency), v, sizeof(v));
	if (res->target_rate <= 0) {
		printf("max %s\n", v);
		return;
	}
	/* Open loop: the figures above count from each request's intended send time; the
	 * uncorrected ones (from the actual send) show how much a stall hides. */
	printf("max %s  (from intended send times)\n  %-12s", v, "uncorrected");
	for (int i = 0; i < 3; i++) {
		rs_run_fmt_us((double)rs_hist_percentile(res->latency_raw, pct[i]), v, sizeof(v));
		printf("%s %-10s ", name[i], v);
	}
	rs_run_fmt_us((double)rs_hist_max(res->latency_raw), v, sizeof(v));
	printf("max %s  (from actual send times)\n", v);
}

static void print_server(const struct run *r)
{
	const struct rs_sampler_window *w = &r->win;
	const char *why = rs_sampler_syscalls_why(r->sampler);
	double n = (double)r->res.requests;

	printf("  %-12s", "server CPU");
	if (n > 0)
		printf("%.2f us/request  ", (w->cpu_user_s + w->cpu_sys_s) * 1e6 / n);
	printf("(user %.2f s, sys %.2f s)\n", w->cpu_user_s, w->cpu_sys_s);
	if (why)
		printf("  %-12snot counted: %s\n", "syscalls", why);
	else if (n > 0)
		printf("  %-12s%.2f per request (%.0f/s)\n", "syscalls", w->syscalls / n,
		       w->syscalls / r->res.elapsed_s);
	printf("  %-12s%d max (reactor %d, worker %d, iou-wrk %d, other %d)   RSS %.1f MB   fds %d\n", "threads",
	       w->threads_max, w->by_kind_max[RS_THREAD_REACTOR], w->by_kind_max[RS_THREAD_WORKER],
	       w->by_kind_max[RS_THREAD_IOU_WRK], w->by_kind_max[RS_THREAD_OTHER], (double)w->rss_max_kb / 1024,
	       w->fds_max);
	printf("  %-12s%.0f voluntary + %.0f involuntary context switches; exit status %d%s\n", "", w->ctx_vol,
	       w->ctx_invol, r->exit_status, r->killed ? " (killed)" : "");
}

void rs_run_print(const struct run *r)
{
	const struct rs_run_cfg *c = r->cfg;
	const struct rs_lg_result *res = &r->res;

	printf("\n%s / %s (%s): %ld core%s, %ld connections, ", c->engine, c->workload, r->path, c->cores,
	       c->cores > 1 ? "s" : "", c->conns);
	if (c->rate)
		printf("open loop at %ld req/s, ", c->rate);
	else
		printf("closed loop, ");
	printf("%.1f s measured after %ld s warm-up%s%s\n", res->elapsed_s, c->warmup,
	       r->oversubscribed ? ", OVERSUBSCRIBED" : "", res->partial ? ", PARTIAL (interrupted)" : "");
	printf("  %-12s%.0f req/s   (%llu requests, %llu errors", "throughput", res->rps,
	       (unsigned long long)res->requests, rs_run_errors(res));
	if (rs_run_errors(res))
		printf(": %llu connect, %llu reset, %llu timeout, %llu non-2xx, %llu invalid",
		       (unsigned long long)res->connect_errors, (unsigned long long)res->resets,
		       (unsigned long long)res->timeouts, (unsigned long long)res->non2xx,
		       (unsigned long long)res->invalid);
	printf(")%s\n", res->rate_unsustained ? "  RATE NOT SUSTAINED" : "");
	if (res->first_bad_status)
		printf("  %-12sstatus %d: %s\n", "first bad", res->first_bad_status, res->first_bad_body);
	if (r->nfile_paths) {
		printf("  %-12s%s page cache%s", "files", c->file_cache,
		       strcmp(c->file_cache, "cold") ? "" : r->file_direct ? " (O_DIRECT reads)" : " (fadvise DONTNEED only)");
		if (!r->dev_err)
			printf(", %.1f MB read from the device", (double)(r->dev_read1 - r->dev_read0) / 1e6);
		printf("\n");
	}
	print_latency(res);
	print_server(r);
	rs_run_cpu_print(r);
	if (r->db && r->postmaster)
		printf("  %-12s%d backends of database bench, %d active at most (sampled once a second)\n",
		       "postgres", r->win.pg_backends_max, r->win.pg_active_max);
	rs_fault_print(r);
	rs_run_validity_print(r);
	printf("  %-12s%s\n", "results", r->dir);
	fflush(stdout);
}
