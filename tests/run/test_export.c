/* test_export.c - `harness export` over fake run directories: the right TSV rows, per run and grouped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runlib.h"

static const char *g_root;

static void write_run(const char *sub, const char *engine, int conns, double rps, int p99, const char *partial)
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
	CHECK(!mkdir(dir, 0755) || errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	FILE *f = fopen(path, "w");
	CHECK(f, "%s: %s", path, strerror(errno));
	fprintf(f,
		"{\"engine\": {\"preset\": \"%s\", \"reactor\": \"r\", \"driver\": \"d\"},\n"
		" \"workload\": \"select42\", \"cores\": 1, \"conns\": %d, \"rate\": 0, \"pool\": 8,\n"
		" \"pg_mode\": \"exclusive\", \"partial\": %s,\n"
		" \"summary\": {\"requests\": 1000, \"rps\": %g, \"errors\": {\"total\": 2, \"connect\": 2},\n"
		"   \"latency_us\": {\"p50\": 100, \"p90\": 150, \"p99\": %d, \"p999\": 900, \"max\": 1000}},\n"
		" \"server\": {\"threads_max\": 1, \"cpu_us_per_request\": 12.5, \"syscalls_per_request\": null}}\n",
		engine, conns, partial, rps, p99);
	fclose(f);
}

static void do_export(const char *flag, char *table, size_t size)
{
	char results[4200], outf[4200], out[8192];
	snprintf(results, sizeof(results), "--results=%s", g_root);
	snprintf(outf, sizeof(outf), "--out=%s/table.tsv", g_root);
	const char *args[] = { getenv("HARNESS"), "export", results, outf, flag, NULL };
	int rc = run_capture(args, out, sizeof(out));
	CHECK(rc == 0, "export exited %d", rc);
	snprintf(outf, sizeof(outf), "%s/table.tsv", g_root);
	FILE *f = fopen(outf, "r");
	CHECK(f, "%s: %s", outf, strerror(errno));
	size_t n = fread(table, 1, size - 1, f);
	table[n] = '\0';
	fclose(f);
	fprintf(stderr, "%s", table);
}

int main(int argc, char **argv)
{
	char table[8192], want[8192];

	CHECK(argc == 3, "usage: test_export HARNESS DIR");
	setenv("HARNESS", argv[1], 1);
	g_root = argv[2];
	remove_tree(g_root);
	CHECK(!mkdir(g_root, 0755), "mkdir %s: %s", g_root, strerror(errno));
	write_run("a", "uring", 64, 300, 700, "false");
	write_run("b/nested", "uring", 64, 100, 500, "false");
	write_run("c", "epoll", 16, 250.5, 800, "false");
	write_run("d", "uring", 64, 1e9, 1, "true"); /* interrupted: left out */

	do_export("--group=off", table, sizeof(table));
	const char *head = "engine\tworkload\tcores\tconns\trate\tpg_mode\tpool\trps\tp50_us\tp99_us\tp999_us\terrors\t"
			   "cpu_us_per_request\tsyscalls_per_request\tthreads_max\trun\n";
	snprintf(want, sizeof(want),
		 "%s"
		 "epoll\tselect42\t1\t16\t0\texclusive\t8\t250.500\t100\t800\t900\t2\t12.500\tNaN\t1\t%s/c\n"
		 "uring\tselect42\t1\t64\t0\texclusive\t8\t300\t100\t700\t900\t2\t12.500\tNaN\t1\t%s/a\n"
		 "uring\tselect42\t1\t64\t0\texclusive\t8\t100\t100\t500\t900\t2\t12.500\tNaN\t1\t%s/b/nested\n",
		 head, g_root, g_root, g_root);
	CHECK(!strcmp(table, want), "per-run table differs; want:\n%s", want);

	do_export("--group", table, sizeof(table));
	const char *ghead = "engine\tworkload\tcores\tconns\trate\tpg_mode\tpool\truns\trps\trps_min\trps_max\t";
	CHECK(!strncmp(table, ghead, strlen(ghead)), "group header");
	CHECK(strstr(table, "\nepoll\tselect42\t1\t16\t0\texclusive\t8\t1\t250.500\t250.500\t250.500\t"), "epoll group");
	/* Two runs: the median is their mean, with both ends kept. */
	CHECK(strstr(table, "\nuring\tselect42\t1\t64\t0\texclusive\t8\t2\t200\t100\t300\t100\t100\t100\t600\t500\t700\t"),
	      "uring group: median 200 req/s (100..300), p99 600 (500..700)");
	CHECK(strstr(table, "\tNaN\tNaN\tNaN\t1\t1\t1\n"), "syscalls all null -> NaN; threads 1");
	printf("ok\n");
	return 0;
}
