/* test_export.c - `harness export` over written run.json files: the right cells per run and per group, read by column name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runlib.h"
#include "tsvlib.h"

static const char *g_root;

static void write_run(const char *sub, const char *engine, int conns, double rps, int p99, const char *partial,
		      const char *validity)
{
	char dir[4200], path[4300];
	snprintf(dir, sizeof(dir), "%s/%s", g_root, sub);
	/* Nested directories too: export looks recursively. */
	for (char *p = dir + strlen(g_root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0755);
			*p = '/';
		}
	}
	REQUIRE(!mkdir(dir, 0755) || errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	FILE *f = fopen(path, "w");
	REQUIRE(f, "%s: %s", path, strerror(errno));
	fprintf(f,
		"{\"engine\": {\"preset\": \"%s\", \"reactor\": \"r\", \"driver\": \"d\"},\n"
		" \"workload\": \"select42\", \"cores\": 1, \"conns\": %d, \"rate\": 0, \"pool\": 8,\n"
		" \"pg_mode\": \"exclusive\", \"partial\": %s,\n"
		" \"summary\": {\"requests\": 1000, \"rps\": %g, \"errors\": {\"total\": 2, \"connect\": 2},\n"
		"   \"latency_us\": {\"p50\": 100, \"p90\": 150, \"p99\": %d, \"p999\": 900, \"max\": 1000,\n"
		"   \"mean\": 120.5}},\n"
		" \"server\": {\"threads_max\": 1, \"cpu_us_per_request\": 12.5, \"syscalls_per_request\": null},\n"
		" \"cpu_us_per_request\": {\"server\": 12.5, \"server_user\": 2.5, \"server_sys\": 10,\n"
		"   \"postgres\": 20.25, \"loadgen\": null},\n"
		" \"commit\": \"abc1234\", \"created\": \"2026-12-01T10:00:00Z\"%s}\n",
		engine, conns, partial, rps, p99, validity);
	fclose(f);
}

static struct tsv g_table;

static void do_export(const char *flag)
{
	char results[4200], outf[4200], out[8192];
	snprintf(results, sizeof(results), "--results=%s", g_root);
	snprintf(outf, sizeof(outf), "--out=%s/table.tsv", g_root);
	const char *args[] = { getenv("HARNESS"), "export", results, outf, "--include-invalid", flag, NULL };
	int rc = run_capture(args, out, sizeof(out));
	REQUIRE(rc == 0, "export exited %d", rc);
	snprintf(outf, sizeof(outf), "%s/table.tsv", g_root);
	tsv_free(&g_table);
	tsv_load(&g_table, outf);
}

/* Row i's cell of column col is want. */
static void expect(int i, const char *col, const char *want)
{
	const char *got = tsv_get(&g_table, i, col);
	REQUIRE(!strcmp(got, want), "row %d, %s: '%s', want '%s'", i + 1, col, got, want);
}

int main(int argc, char **argv)
{
	char dir[4200];

	REQUIRE(argc == 3, "usage: test_export HARNESS DIR");
	setenv("HARNESS", argv[1], 1);
	g_root = argv[2];
	remove_tree(g_root);
	REQUIRE(!mkdir(g_root, 0755), "mkdir %s: %s", g_root, strerror(errno));
	write_run("a", "uring", 64, 300, 700, "false", ", \"validity\": {\"ok\": true}");
	write_run("b/nested", "uring", 64, 100, 500, "false", ", \"validity\": {\"ok\": false}");
	write_run("c", "epoll", 16, 250.5, 800, "false", "");
	write_run("d", "uring", 64, 1e9, 1, "true", ""); /* interrupted: left out */

	do_export("--group=off");
	REQUIRE(g_table.nrows == 3, "%d rows, want 3 (the partial run left out)", g_table.nrows);
	/* Sorted by the key, then by directory. */
	static const char *const engine[] = { "epoll", "uring", "uring" }, *const rps[] = { "250.500", "300", "100" },
				 *const valid[] = { "", "true", "false" }, *const sub[] = { "c", "a", "b/nested" };
	for (int i = 0; i < 3; i++) {
		expect(i, "engine", engine[i]);
		expect(i, "workload", "select42");
		expect(i, "rps", rps[i]);
		expect(i, "cpu_us_per_request", "12.500");
		expect(i, "cpu_us_server_user", "2.500");
		expect(i, "cpu_us_server_sys", "10");
		expect(i, "cpu_us_postgres", "20.250");
		expect(i, "cpu_us_loadgen", "NaN");
		expect(i, "syscalls_per_request", "NaN");
		expect(i, "errors", "2");
		/* mean, p90, max and the errors by class; a class run.json lacks reads NaN. */
		expect(i, "mean_us", "120.500");
		expect(i, "p90_us", "150");
		expect(i, "max_us", "1000");
		expect(i, "errors_connect", "2");
		expect(i, "errors_timeout", "NaN");
		/* Inputs the fixture does not record read "-", never an empty or shifted cell. */
		expect(i, "queries", "-");
		expect(i, "pipeline", "-");
		expect(i, "fault", "-");
		expect(i, "valid", valid[i]);
		expect(i, "commit", "abc1234");
		expect(i, "created", "2026-12-01T10:00:00Z");
		snprintf(dir, sizeof(dir), "%s/%s", g_root, sub[i]);
		expect(i, "run", dir);
	}

	do_export("--group");
	REQUIRE(g_table.nrows == 2, "%d groups, want 2", g_table.nrows);
	expect(0, "engine", "epoll");
	expect(0, "runs", "1");
	expect(0, "rps", "250.500");
	expect(0, "rps_min", "250.500");
	expect(0, "rps_max", "250.500");
	/* Two runs: the median is their mean, with both ends kept. */
	expect(1, "engine", "uring");
	expect(1, "conns", "64");
	expect(1, "runs", "2");
	expect(1, "rps", "200");
	expect(1, "rps_min", "100");
	expect(1, "rps_max", "300");
	expect(1, "p99_us", "600");
	expect(1, "p99_us_min", "500");
	expect(1, "p99_us_max", "700");
	expect(1, "syscalls_per_request", "NaN");
	expect(1, "syscalls_per_request_max", "NaN");
	expect(1, "threads_max_min", "1");
	expect(1, "cpu_us_postgres", "20.250");
	/* After every median/min/max: each metric's 95% interval and CV, then the noisy mark. One run: the
	 * interval is the value, no CV, not noisy. Two runs 100 and 300: the bootstrap medians are 100, 200
	 * or 300, so the interval is [100, 300]; the CV (141/200) marks the row noisy. */
	expect(0, "rps_lo", "250.500");
	expect(0, "rps_hi", "250.500");
	expect(0, "rps_cv", "NaN");
	expect(0, "noisy", "-");
	expect(1, "rps_lo", "100");
	expect(1, "rps_hi", "300");
	expect(1, "rps_cv", "0.707");
	expect(1, "p99_us_lo", "500");
	expect(1, "p99_us_hi", "700");
	expect(1, "p99_us_cv", "0.236");
	expect(1, "p50_us_cv", "0");
	expect(1, "noisy", "noisy");
	tsv_free(&g_table);
	printf("ok\n");
	return 0;
}
