/* test_run.c - a short `harness run` of one preset (select42, 2 s): the fields of run.json and timeline.tsv hold together. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine.h"
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
	CHECK(o, "run.json has no %s", path);
	return o;
}

static double num(json_t *run, const char *path)
{
	json_t *v = get(run, path);
	CHECK(json_is_number(v), "%s is not a number", path);
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
	CHECK(f, "%s: %s", path, strerror(errno));
	CHECK(fgets(line, sizeof(line), f), "empty timeline");
	CHECK(!strcmp(line, "second\trequests\terrors\tp50_us\tp99_us\tthreads\tcpu_pct\tsyscalls\trss_kb"
			    "\tthreads_reactor\tthreads_worker\tthreads_iou_wrk\tthreads_other\n"),
	      "timeline header: %s", line);
	while (fgets(line, sizeof(line), f)) {
		int second, threads, reactors;
		unsigned long long req;
		double cpu;
		CHECK(sscanf(line, "%d\t%llu\t%*u\t%*u\t%*u\t%d\t%lf\t%*s\t%*d\t%d", &second, &req, &threads, &cpu,
			     &reactors) == 5,
		      "timeline row: %s", line);
		CHECK(second == ++rows && threads >= 1 && cpu >= 0, "timeline row %d: %s", rows, line);
		/* One reactor thread per core (the test runs --cores=1). */
		CHECK(reactors == 1 && reactors <= threads, "timeline row %d: reactor threads: %s", rows, line);
		sum += req;
	}
	fclose(f);
	CHECK(rows == 2, "%d timeline rows for --duration=2", rows);
	return sum;
}

static void check_no_password(void)
{
	char path[4200], buf[1 << 16];

	snprintf(path, sizeof(path), "%s/run.json", g_dir);
	FILE *f = fopen(path, "r");
	CHECK(f, "%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The private cluster's role bench has the password bench. */
	CHECK(!strstr(buf, ":bench@"), "run.json holds the Postgres password");
	CHECK(strstr(buf, ":***@"), "run.json shows no redacted URL");
}

static void check_run(json_t *run, const char *preset)
{
	json_t *placement = get(run, "placement");

	CHECK(!strcmp(json_string_value(get(run, "engine.preset")), preset), "engine.preset");
	CHECK(!strcmp(json_string_value(get(run, "workload")), "select42"), "workload");
	CHECK(json_is_false(get(run, "partial")), "a whole run is not partial");
	double requests = num(run, "summary.requests");
	CHECK(requests > 0, "no requests");
	CHECK(num(run, "summary.errors.total") == 0, "%.0f errors", num(run, "summary.errors.total"));
	CHECK((unsigned long long)requests == timeline_requests(), "summary.requests %.0f != timeline sum %llu",
	      requests, timeline_requests());
	CHECK(num(run, "server.threads_max") >= num(run, "cores"), "threads_max %.0f < cores",
	      num(run, "server.threads_max"));
	CHECK(num(run, "server.threads_by_kind.reactor") == num(run, "cores"), "reactor threads");
	CHECK(num(run, "server.cpu_us_per_request") > 0, "cpu_us_per_request");
	CHECK(num(run, "server.rss_max_kb") > 0 && num(run, "server.fds_max") > 0, "rss, fds");
	CHECK(num(run, "server.exit_status") == 0, "the server's exit status");
	json_t *sys = get(run, "server.syscalls_per_request");
	CHECK(json_is_null(sys) ? json_is_string(get(run, "server.syscalls_why")) : json_number_value(sys) > 0,
	      "syscalls_per_request is neither a number nor null with a reason");
	CHECK(json_array_size(get(placement, "server_cpus")) >= 1, "placement.server_cpus");
	CHECK(json_is_boolean(get(placement, "oversubscribed")), "placement.oversubscribed");
	CHECK(!strcmp(json_string_value(get(placement, "postgres")), "unpinned"), "placement.postgres");
	/* Only this server's backends count, not those of tests running alongside. */
	CHECK(num(run, "postgres.backends_max") >= 1 && num(run, "postgres.backends_max") <= num(run, "pool"),
	      "%.0f Postgres backends with --pool=%.0f", num(run, "postgres.backends_max"), num(run, "pool"));
	check_no_password();
}

int main(int argc, char **argv)
{
	char url[512], out[1 << 16], dir_flag[4200], path[4200];
	const char *why = NULL;
	json_error_t jerr;

	CHECK(argc == 4, "usage: test_run HARNESS PRESET DIR");
	const char *harness = argv[1], *preset = argv[2];
	g_dir = argv[3];
	const struct rs_preset *p = rs_preset_find(preset);
	CHECK(p, "preset %s is not in this build", preset);
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
	CHECK(rc == 0, "harness run exited %d", rc);
	CHECK(strstr(out, "req/s") && strstr(out, "p99"), "no summary table");
	snprintf(path, sizeof(path), "%s/run.json", g_dir);
	json_t *run = json_load_file(path, 0, &jerr);
	CHECK(run, "%s: %s", path, jerr.text);
	check_run(run, preset);
	json_decref(run);
	printf("ok\n");
	return 0;
}
