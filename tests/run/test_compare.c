/* test_compare.c - `harness compare` on synthetic run sets: a known 1.3x throughput (and 0.6x Postgres CPU) difference is found, identical sets show none. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runlib.h"

/* A run.json with throughput rps (the latencies scale inversely) and Postgres' CPU per request pg_us
 * (the load generator's a constant 5 µs) in root/sub. */
static void write_run(const char *root, const char *sub, const char *engine, double rps, double pg_us)
{
	char dir[4200], path[4300];
	snprintf(dir, sizeof(dir), "%s/%s", root, sub);
	REQUIRE(!mkdir(dir, 0755) || errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	FILE *f = fopen(path, "w");
	REQUIRE(f, "%s: %s", path, strerror(errno));
	fprintf(f,
		"{\"engine\": {\"preset\": \"%s\"}, \"workload\": \"select42\", \"cores\": 1, \"conns\": 64, \"rate\": 0,\n"
		" \"pool\": 8, \"pg_mode\": \"exclusive\", \"partial\": false,\n"
		" \"summary\": {\"requests\": 1000, \"rps\": %.1f, \"errors\": {\"total\": 0},\n"
		"   \"latency_us\": {\"p50\": %.0f, \"p99\": %.0f, \"p999\": %.0f}},\n"
		" \"server\": {\"cpu_us_per_request\": %.3f},\n"
		" \"cpu_us_per_request\": {\"server\": %.3f, \"postgres\": %.3f, \"loadgen\": 5}}\n",
		engine, rps, 64e6 / rps, 3 * 64e6 / rps, 5 * 64e6 / rps, 1e6 / rps, 1e6 / rps, pg_us);
	fclose(f);
}

/* Deterministic spread of ±3%: 10 values around mean. */
static double spread(int i, double mean)
{
	static const double z[10] = { -1.5, -1, -0.6, -0.3, 0, 0.1, 0.4, 0.7, 1.1, 1.6 };
	return mean * (1 + 0.02 * z[(i * 7) % 10]);
}

int main(int argc, char **argv)
{
	char root[4200], a[4300], b[4300], a2[4300], results[4400], out[1 << 16];

	REQUIRE(argc == 3, "usage: test_compare HARNESS DIR");
	snprintf(root, sizeof(root), "%s", argv[2]);
	remove_tree(root);
	REQUIRE(!mkdir(root, 0755), "mkdir %s: %s", root, strerror(errno));
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	snprintf(a2, sizeof(a2), "%s/a2", root);
	mkdir(a, 0755);
	mkdir(b, 0755);
	mkdir(a2, 0755);
	for (int i = 0; i < 10; i++) {
		char sub[32];
		snprintf(sub, sizeof(sub), "%d", i + 1);
		write_run(a, sub, "epoll", spread(i, 20000), spread(i, 10));
		write_run(b, sub, "uring", 1.3 * spread(i + 3, 20000), 0.6 * spread(i + 3, 10));
		write_run(a2, sub, "epoll", spread(i, 20000), spread(i, 10));
	}

	/* Directories: the 1.3x throughput, and the latencies' 1/1.3, found. */
	const char *args[] = { argv[1], "compare", a, b, NULL, NULL };
	REQUIRE(run_capture(args, out, sizeof(out)) == 0, "compare a b failed");
	REQUIRE(strstr(out, "uring is 1.30x [1.2") && strstr(out, "epoll on /select42 throughput"),
	      "no 'uring is 1.30x [...] epoll on /select42 throughput'");
	REQUIRE(strstr(out, "uring is 0.77x"), "p99 at 1/1.3 not found");
	/* Where the rest of the CPU went: Postgres' 0.6x found, the load generator's equal. */
	REQUIRE(strstr(out, "uring is 0.60x [0.5") && strstr(out, "epoll on /select42 Postgres CPU per request"),
	      "no 'uring is 0.60x [...] epoll on /select42 Postgres CPU per request'");
	REQUIRE(strstr(out, "no significant difference (p=1) on /select42 load generator CPU per request"),
	      "equal load generator CPU: a difference found, or no row");

	/* Filters over --results, as TSV: ratio's interval holds 1.3 and excludes 1, p small. */
	snprintf(results, sizeof(results), "--results=%s", root);
	const char *fargs[] = { argv[1], "compare", "engine=epoll", "engine=uring", results, "--where=workload=select42",
				"--format=tsv", NULL };
	REQUIRE(run_capture(fargs, out, sizeof(out)) == 0, "compare with filters failed");
	char *line = strstr(out, "epoll\turing\tselect42\t1\t64\t0\tthroughput\t");
	REQUIRE(line, "no throughput row in the TSV");
	double ma, mb, r, lo, hi, p;
	int na, nb, sig;
	REQUIRE(sscanf(line, "epoll\turing\tselect42\t1\t64\t0\tthroughput\t%d\t%lf\t%d\t%lf\t%lf\t%lf\t%lf\t%lf\t%d", &na, &ma,
		     &nb, &mb, &r, &lo, &hi, &p, &sig) == 9,
	      "throughput row unreadable");
	REQUIRE(na == 20 && nb == 10, "filter engine=epoll took %d runs (a and a2: 20), uring %d", na, nb);
	REQUIRE(lo < 1.3 && 1.3 < hi && lo > 1 && p < 0.001 && sig, "ratio %g [%g, %g] p=%g", r, lo, hi, p);

	/* Identical sets: no difference. */
	const char *iargs[] = { argv[1], "compare", a, a2, "--format=md", NULL };
	REQUIRE(run_capture(iargs, out, sizeof(out)) == 0, "compare a a2 failed");
	REQUIRE(strstr(out, "| select42 | throughput |") && strstr(out, "no significant difference (p=1) on /select42 throughput"),
	      "identical sets: a difference found");
	REQUIRE(!strstr(out, "x ["), "identical sets: a verdict with a ratio");

	/* JSON parses as an array with the verdict. */
	const char *jargs[] = { argv[1], "compare", a, b, "--format=json", NULL };
	REQUIRE(run_capture(jargs, out, sizeof(out)) == 0 && out[0] == '[' && strstr(out, "\"significant\": true"), "json");

	/* Bad input: what is wrong and what is accepted. */
	const char *bargs[] = { argv[1], "compare", a, "colour=blue", results, NULL };
	REQUIRE(run_capture(bargs, out, sizeof(out)) == 2 && strstr(out, "keys engine, workload"), "bad filter accepted");
	const char *nargs[] = { argv[1], "compare", a, "/nonexistent-ringside", NULL };
	REQUIRE(run_capture(nargs, out, sizeof(out)) == 2 && strstr(out, "neither a directory"), "missing side accepted");
	printf("ok\n");
	return 0;
}
