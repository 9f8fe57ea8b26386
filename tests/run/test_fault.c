/* test_fault.c - `harness run --fault=KIND` on one preset: the server lives through it and run.json's fault object holds together. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine.h"
#include "preset.h"
#include "pgctl.h"
#include "runlib.h"

/* The server may hold a few more descriptors after a fault (a pool connection being replaced), not one per fault. */
#define FD_SLACK 4

static json_t *get(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	REQUIRE(v, "run.json's fault has no %s", key);
	return v;
}

static double num(json_t *o, const char *key)
{
	json_t *v = get(o, key);
	REQUIRE(json_is_number(v), "fault.%s is not a number", key);
	return json_number_value(v);
}

static void stop_cluster(void)
{
	rs_pgctl_stop();
}

/* What every fault must show: it happened inside the window, throughput came back, nothing leaked. */
static void check_common(json_t *f, const char *kind, double duration)
{
	REQUIRE(!strcmp(json_string_value(get(f, "kind")), kind), "fault.kind");
	REQUIRE(json_is_true(get(f, "fired")), "the fault was not injected");
	REQUIRE(!json_object_get(f, "error"), "the injection failed: %s", json_string_value(get(f, "error")));
	double at = num(f, "at_s");
	REQUIRE(at >= num(f, "asked_at_s") && at < duration, "at_s %.3f (asked %.0f)", at, num(f, "asked_at_s"));
	REQUIRE(num(f, "duration_s") >= 0, "duration_s");
	REQUIRE(num(f, "baseline_rps") > 0, "no throughput before the fault");
	/* Open loop at 400 req/s: the baseline is the median pre-fault second, never above what was offered. */
	REQUIRE(num(f, "baseline_rps") <= 400, "baseline %.0f req/s above the offered 400", num(f, "baseline_rps"));
	REQUIRE(json_is_number(get(f, "recovery_s")), "throughput never came back to %.0f%% of %.0f req/s",
	      num(f, "recovery_threshold") * 100, num(f, "baseline_rps"));
	/* Where it settled needs a whole second after the fault ended (a late wake-up on a loaded machine
	 * can push the end into the last second: then null is the honest answer). */
	if (ceil(at + num(f, "duration_s")) < duration)
		REQUIRE(num(f, "settled_ratio") > 0, "settled_ratio %.2f", num(f, "settled_ratio"));
	else
		REQUIRE(json_is_null(get(f, "settled_ratio")), "settled_ratio without a second after the fault");
	REQUIRE(num(f, "recovery_s") >= 0 && num(f, "recovery_s") + at <= duration, "recovery_s %.2f",
	      num(f, "recovery_s"));
	double before = num(f, "fds_before"), after = num(f, "fds_after");
	REQUIRE(before > 0 && after > 0, "fds");
	REQUIRE(after <= before + FD_SLACK, "the server holds %.0f fds after the fault, %.0f before", after, before);
	REQUIRE(num(f, "rss_kb_before") > 0 && num(f, "rss_kb_after") > 0, "rss");
}

static void check_kind(json_t *run, json_t *f, const char *kind, long conns)
{
	double errors = num(f, "errors_before") + num(f, "errors_during") + num(f, "errors_after");
	json_t *total = json_object_get(json_object_get(json_object_get(run, "summary"), "errors"), "total");

	REQUIRE(json_is_number(total) && json_number_value(total) == errors,
	      "errors before + during + after (%.0f) != summary.errors.total", errors);
	if (!strncmp(kind, "pg-", 3)) {
		/* Errors only while the database is unavailable. */
		REQUIRE(num(f, "errors_before") == 0 && num(f, "errors_after") == 0,
		      "errors outside the fault: %.0f before, %.0f after", num(f, "errors_before"),
		      num(f, "errors_after"));
	} else {
		/* The load generator's own resets and the slow clients are no error of the server's. */
		REQUIRE(errors == 0, "%.0f errors", errors);
	}
	if (!strcmp(kind, "pg-terminate"))
		REQUIRE(num(f, "backends_terminated") >= 1, "no backend of the server was terminated");
	if (!strcmp(kind, "pg-down"))
		REQUIRE(num(f, "duration_s") >= num(f, "asked_duration_s"), "Postgres was down %.2f s, asked %.0f",
		      num(f, "duration_s"), num(f, "asked_duration_s"));
	if (!strcmp(kind, "client-reset"))
		REQUIRE(num(f, "client_resets") > 0, "no request was abandoned");
	if (!strcmp(kind, "slowloris")) {
		json_t *s = get(f, "slowloris");
		REQUIRE(num(s, "clients") == conns && num(s, "connects") >= conns && num(s, "bytes") > 0,
		      "slowloris: %.0f clients, %.0f connects, %.0f bytes", num(s, "clients"), num(s, "connects"),
		      num(s, "bytes"));
	}
}

int main(int argc, char **argv)
{
	char url[512], out[1 << 16], dir_flag[4200], engine[64], fault[64], path[4200];
	const char *why = NULL;
	const long duration = 6, conns = 8;
	json_error_t jerr;

	REQUIRE(argc == 5, "usage: test_fault HARNESS PRESET FAULT DIR");
	const char *harness = argv[1], *preset = argv[2], *spec = argv[3], *dir = argv[4];
	const struct rs_preset *p = rs_preset_find(preset);
	REQUIRE(p, "preset %s is not in this build", preset);
	int err = p->engine->probe(&why);
	if (err)
		skip("engine %s cannot run here: %s", preset, why ? why : strerror(-err));
	/* The cluster of RINGSIDE_PG_DIR, one per pg fault test: restarting it disturbs no other test. */
	unsetenv("RINGSIDE_PG_URL");
	err = rs_pgctl_ensure_started(url, sizeof(url));
	if (err)
		skip("no private PostgreSQL: %s", strerror(-err));
	char kind[32];
	snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(spec, "@"), spec);
	if (!strncmp(kind, "pg-", 3))
		atexit(stop_cluster);

	remove_tree(dir);
	snprintf(dir_flag, sizeof(dir_flag), "--out=%s", dir);
	snprintf(engine, sizeof(engine), "--engine=%s", preset);
	snprintf(fault, sizeof(fault), "--fault=%s", spec);
	char dur[32], nconns[32];
	snprintf(dur, sizeof(dur), "--duration=%ld", duration);
	snprintf(nconns, sizeof(nconns), "--conns=%ld", conns);
	/* Open loop at a low rate: each second's throughput is the schedule's, whatever else this machine runs.
	 * The client timeout outlasts a slow restart (3 s under ASan with other tests beside it) plus the
	 * pool's reconnect backoff (up to 2 s): a request queued during the fault must be answered, and a
	 * timeout would be counted when it fires, after the fault window. */
	const char *args[] = { harness, "run", engine, "--workload=db", "--cores=1", nconns, "--rate=400", dur,
			       "--warmup=1", "--timeout-ms=10000", fault, dir_flag, "--quiet", NULL };
	int rc = run_capture(args, out, sizeof(out));
	REQUIRE(rc == 0, "harness run exited %d", rc);
	REQUIRE(strstr(out, "  fault "), "no fault line in the summary");
	snprintf(path, sizeof(path), "%s/run.json", dir);
	json_t *run = json_load_file(path, 0, &jerr);
	REQUIRE(run, "%s: %s", path, jerr.text);
	REQUIRE(json_integer_value(json_object_get(json_object_get(run, "server"), "exit_status")) == 0,
	      "the server did not exit cleanly");
	json_t *f = json_object_get(run, "fault");
	REQUIRE(json_is_object(f), "run.json has no fault object");
	check_common(f, kind, (double)duration);
	check_kind(run, f, kind, conns);
	json_decref(run);
	printf("ok\n");
	return 0;
}
