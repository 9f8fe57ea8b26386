/* test_run.c - a short `harness run` of one preset (select42, 2 s): the fields of run.json and timeline.tsv hold together. */
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

static const char *g_dir;

static json_t *get(json_t *o, const char *path)
{
	char key[64];
	const char *p = path;

	while (o && *p) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		o = json_object_get(o, key);
		p += n + (p[n] == '.');
	}
	REQUIRE(o, "run.json has no %s", path);
	return o;
}

static double num(json_t *run, const char *path)
{
	json_t *v = get(run, path);
	REQUIRE(json_is_number(v), "%s is not a number", path);
	return json_number_value(v);
}

/* Sum of the "requests" column, and the sampler's columns are there. */
static unsigned long long timeline_requests(void)
{
	char path[4200], line[1024];
	unsigned long long sum = 0;
	int rows = 0;

	snprintf(path, sizeof(path), "%s/timeline.tsv", g_dir);
	FILE *f = fopen(path, "r");
	REQUIRE(f, "%s: %s", path, strerror(errno));
	REQUIRE(fgets(line, sizeof(line), f), "empty timeline");
	REQUIRE(!strcmp(line, "second\trequests\terrors\tp50_us\tp99_us\tthreads\tcpu_pct\tsyscalls\trss_kb"
			    "\tthreads_reactor\tthreads_worker\tthreads_iou_wrk\tthreads_other\n"),
	      "timeline header: %s", line);
	while (fgets(line, sizeof(line), f)) {
		int second, threads, reactors;
		unsigned long long req;
		double cpu;
		REQUIRE(sscanf(line, "%d\t%llu\t%*u\t%*u\t%*u\t%d\t%lf\t%*s\t%*d\t%d", &second, &req, &threads, &cpu,
			     &reactors) == 5,
		      "timeline row: %s", line);
		REQUIRE(second == ++rows && threads >= 1 && cpu >= 0, "timeline row %d: %s", rows, line);
		/* One reactor thread per core (the test runs --cores=1). */
		REQUIRE(reactors == 1 && reactors <= threads, "timeline row %d: reactor threads: %s", rows, line);
		sum += req;
	}
	fclose(f);
	REQUIRE(rows == 2, "%d timeline rows for --duration=2", rows);
	return sum;
}

static void check_no_password(void)
{
	char path[4200], buf[1 << 16];

	snprintf(path, sizeof(path), "%s/run.json", g_dir);
	FILE *f = fopen(path, "r");
	REQUIRE(f, "%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The private cluster's role bench has the password bench. */
	REQUIRE(!strstr(buf, ":bench@"), "run.json holds the Postgres password");
	REQUIRE(strstr(buf, ":***@"), "run.json shows no redacted URL");
}

static void check_run(json_t *run, const char *preset)
{
	json_t *placement = get(run, "placement");

	REQUIRE(!strcmp(json_string_value(get(run, "engine.preset")), preset), "engine.preset");
	REQUIRE(!strcmp(json_string_value(get(run, "workload")), "select42"), "workload");
	REQUIRE(json_is_false(get(run, "partial")), "a whole run is not partial");
	double requests = num(run, "summary.requests");
	REQUIRE(requests > 0, "no requests");
	REQUIRE(num(run, "summary.errors.total") == 0, "%.0f errors", num(run, "summary.errors.total"));
	REQUIRE((unsigned long long)requests == timeline_requests(), "summary.requests %.0f != timeline sum %llu",
	      requests, timeline_requests());
	REQUIRE(num(run, "server.threads_max") >= num(run, "cores"), "threads_max %.0f < cores",
	      num(run, "server.threads_max"));
	REQUIRE(num(run, "server.threads_by_kind.reactor") == num(run, "cores"), "reactor threads");
	REQUIRE(num(run, "server.cpu_us_per_request") > 0, "cpu_us_per_request");
	/* Where the time went: the server's user and sys add up to its total; the private cluster's
	 * backends answered every request, and the load generator sent them. */
	double server = num(run, "cpu_us_per_request.server"), user = num(run, "cpu_us_per_request.server_user"),
	       ssys = num(run, "cpu_us_per_request.server_sys");
	REQUIRE(fabs(server - num(run, "server.cpu_us_per_request")) < 1e-6 * server, "two server CPU figures");
	REQUIRE(user >= 0 && ssys >= 0 && fabs(user + ssys - server) < 1e-6 * server, "user %g + sys %g != %g", user,
	      ssys, server);
	REQUIRE(num(run, "cpu_us_per_request.postgres") > 0, "cpu_us_per_request.postgres %g on select42",
	      num(run, "cpu_us_per_request.postgres"));
	REQUIRE(num(run, "cpu_us_per_request.loadgen") > 0, "cpu_us_per_request.loadgen");
	REQUIRE(num(run, "loadgen.cpu_user_s") + num(run, "loadgen.cpu_sys_s") > 0, "loadgen CPU seconds");
	REQUIRE(num(run, "loadgen.duration_s") == 2 && num(run, "loadgen.warmup_s") == 1, "duration and warm-up");
	REQUIRE(json_is_null(get(run, "queries")) && json_is_null(get(run, "sleep_ms")), "select42 takes no parameter");
	REQUIRE(json_is_string(get(run, "server_flags")), "server_flags");
	REQUIRE(num(run, "server.rss_max_kb") > 0 && num(run, "server.fds_max") > 0, "rss, fds");
	REQUIRE(num(run, "server.exit_status") == 0, "the server's exit status");
	json_t *sys = get(run, "server.syscalls_per_request");
	REQUIRE(json_is_null(sys) ? json_is_string(get(run, "server.syscalls_why")) : json_number_value(sys) > 0,
	      "syscalls_per_request is neither a number nor null with a reason");
	REQUIRE(json_array_size(get(placement, "server_cpus")) >= 1, "placement.server_cpus");
	REQUIRE(json_is_boolean(get(placement, "oversubscribed")), "placement.oversubscribed");
	REQUIRE(!strcmp(json_string_value(get(placement, "postgres")), "unpinned"), "placement.postgres");
	/* Only this server's backends count, not those of tests running alongside. */
	REQUIRE(num(run, "postgres.backends_max") >= 1 && num(run, "postgres.backends_max") <= num(run, "pool"),
	      "%.0f Postgres backends with --pool=%.0f", num(run, "postgres.backends_max"), num(run, "pool"));
	/* docs/run-json.md: the layout's version, the server's version and settings, the kernel's knobs. */
	REQUIRE(num(run, "schema_version") == 2, "schema_version");
	/* One representation of each value: the offered rate once, at the top. */
	REQUIRE(json_is_integer(get(run, "rate")) && num(run, "rate") == 0, "rate");
	REQUIRE(!json_object_get(get(run, "loadgen"), "rate") && !json_object_get(get(run, "summary"), "rate"),
	      "the rate is repeated in loadgen or summary");
	REQUIRE(json_is_true(get(run, "summary.sustained")), "summary.sustained");
	REQUIRE(json_is_null(get(run, "redis")), "redis is not null on a run without Redis");
	const char *ver = json_string_value(get(run, "postgres.settings.server_version"));
	REQUIRE(ver && ver[0] >= '1' && ver[0] <= '9', "postgres.settings.server_version: %s", ver ? ver : "missing");
	REQUIRE(json_is_string(get(run, "postgres.settings.shared_buffers")), "postgres.settings.shared_buffers");
	REQUIRE(json_is_object(get(run, "kernel_settings")), "kernel_settings");
	check_no_password();
}

int main(int argc, char **argv)
{
	char url[512], out[1 << 16], dir_flag[4200], path[4200];
	const char *why = NULL;
	json_error_t jerr;

	REQUIRE(argc == 4, "usage: test_run HARNESS PRESET DIR");
	const char *harness = argv[1], *preset = argv[2];
	g_dir = argv[3];
	const struct rs_preset *p = rs_preset_find(preset);
	REQUIRE(p, "preset %s is not in this build", preset);
	int err = p->engine->probe(&why);
	if (err)
		skip("engine %s cannot run here: %s", preset, why ? why : strerror(-err));
	err = rs_pgctl_ensure_started(url, sizeof(url));
	if (err)
		skip("no private PostgreSQL: %s", strerror(-err));

	remove_tree(g_dir);
	snprintf(dir_flag, sizeof(dir_flag), "--out=%s", g_dir);
	char engine[64];
	snprintf(engine, sizeof(engine), "--engine=%s", preset);
	const char *args[] = { harness, "run", engine, "--workload=select42", "--cores=1", "--conns=16",
			       "--duration=2", "--warmup=1", dir_flag, NULL };
	int rc = run_capture(args, out, sizeof(out));
	REQUIRE(rc == 0, "harness run exited %d", rc);
	REQUIRE(strstr(out, "req/s") && strstr(out, "p99"), "no summary table");
	REQUIRE(strstr(out, "CPU/request") && strstr(out, "Postgres") && strstr(out, "load generator"),
	      "the summary has no CPU per request line");
	snprintf(path, sizeof(path), "%s/run.json", g_dir);
	json_t *run = json_load_file(path, 0, &jerr);
	REQUIRE(run, "%s: %s", path, jerr.text);
	check_run(run, preset);
	json_decref(run);
	printf("ok\n");
	return 0;
}
