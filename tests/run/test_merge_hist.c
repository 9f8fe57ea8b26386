/* test_merge_hist.c - compare and export --spectrum merge the runs' latency.hlog histograms: the percentile of all requests, not a median of the runs' percentiles. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/hist.h"
#include "harness/hlog.h"
#include "runlib.h"

/* Run root/side/sub: run.json as compare's test writes it, and a latency.hlog of 1000 requests of us each. */
static void write_run(const char *root, const char *side, int sub, const char *engine, uint64_t us)
{
	char dir[4200], path[4300];
	struct rs_hist *h;
	snprintf(dir, sizeof(dir), "%s/%s", root, side);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/%s/%d", root, side, sub);
	REQUIRE(!mkdir(dir, 0755), "mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	FILE *f = fopen(path, "w");
	REQUIRE(f, "%s: %s", path, strerror(errno));
	/* The run's own percentiles: every request took us, so p50 = p99 = p99.9 = us. */
	fprintf(f,
		"{\"engine\": {\"preset\": \"%s\"}, \"workload\": \"select42\", \"cores\": 1, \"conns\": 64, \"rate\": 0,\n"
		" \"pool\": 8, \"pg_mode\": \"exclusive\", \"partial\": false,\n"
		" \"summary\": {\"requests\": 1000, \"rps\": 20000, \"errors\": {\"total\": 0},\n"
		"   \"latency_us\": {\"p50\": %llu, \"p99\": %llu, \"p999\": %llu}},\n"
		" \"server\": {\"cpu_us_per_request\": 50}}\n",
		engine, (unsigned long long)us, (unsigned long long)us, (unsigned long long)us);
	fclose(f);
	REQUIRE(!rs_hist_new(&h), "rs_hist_new");
	for (int i = 0; i < 1000; i++)
		rs_hist_record(h, us);
	const struct rs_hlog_interval iv = { .tag = "run", .length_s = 1, .h = h };
	REQUIRE(!rs_hlog_save(dir, "latency.hlog", 1764640000, &iv, 1), "latency.hlog in %s", dir);
	rs_hist_free(h);
}

/* Column name's index in the tab-separated header line. */
static int column(const char *header, const char *name)
{
	int i = 0;
	for (const char *p = header; p; p = strchr(p, '\t'), p = p ? p + 1 : NULL, i++)
		if (!strncmp(p, name, strlen(name)) && (p[strlen(name)] == '\t' || p[strlen(name)] == '\n'))
			return i;
	die("no column %s in: %s", name, header);
}

/* Field i of line as a number. */
static double field(const char *line, int i)
{
	while (i-- && line)
		line = strchr(line, '\t') ? strchr(line, '\t') + 1 : NULL;
	REQUIRE(line, "short line");
	return strtod(line, NULL);
}

int main(int argc, char **argv)
{
	static char out[1 << 18];
	char root[4200], a[4300], b[4300], results[4400], spectrum[4400];

	REQUIRE(argc == 3, "usage: test_merge_hist HARNESS DIR");
	snprintf(root, sizeof(root), "%s", argv[2]);
	remove_tree(root);
	REQUIRE(!mkdir(root, 0755), "mkdir %s: %s", root, strerror(errno));
	/* A: two runs at 100 us, one at 10 ms; B: the same at twice the latency. Merged, p99 is the slow
	 * run's (a third of the requests); the median of the runs' p99 would be the fast runs'. */
	write_run(root, "a", 1, "epoll", 100);
	write_run(root, "a", 2, "epoll", 100);
	write_run(root, "a", 3, "epoll", 10000);
	write_run(root, "b", 1, "uring", 200);
	write_run(root, "b", 2, "uring", 200);
	write_run(root, "b", 3, "uring", 20000);
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);

	const char *args[] = { argv[1], "compare", a, b, "--format=tsv", NULL };
	REQUIRE(run_capture(args, out, sizeof(out)) == 0, "compare a b failed");
	char *p99 = strstr(out, "epoll\turing\tselect42\t1\t64\t0\tp99\t");
	REQUIRE(p99, "no p99 row");
	int hdr = column(out, "merged");
	REQUIRE(field(p99, column(out, "a_median")) == 10000 && field(p99, column(out, "b_median")) == 20000,
	      "p99 not from the merged histograms: A %g, B %g (a median of runs would say 100, 200)",
	      field(p99, column(out, "a_median")), field(p99, column(out, "b_median")));
	REQUIRE(field(p99, column(out, "ratio")) == 2 && field(p99, hdr) == 1, "p99 ratio %g merged %g",
	      field(p99, column(out, "ratio")), field(p99, hdr));
	char *p50 = strstr(out, "\tp50\t");
	REQUIRE(p50 && strstr(out, "epoll\turing\tselect42\t1\t64\t0\tp50\t"), "no p50 row");
	p50 = strstr(out, "epoll\turing\tselect42\t1\t64\t0\tp50\t");
	REQUIRE(field(p50, column(out, "a_median")) == 100, "merged p50 of A %g, not 100", field(p50, column(out, "a_median")));
	char *thr = strstr(out, "epoll\turing\tselect42\t1\t64\t0\tthroughput\t");
	REQUIRE(thr && field(thr, hdr) == 0, "throughput is a median of runs, not merged");

	/* The readable table says what merged means. */
	const char *targs[] = { argv[1], "compare", a, b, NULL };
	REQUIRE(run_capture(targs, out, sizeof(out)) == 0 && strstr(out, "10000 (3, merged)") &&
		      strstr(out, "merged: the percentile of all the runs' requests"),
	      "text table does not mark merged latency");

	/* export --spectrum over A: the merged histogram's percentiles and counts. */
	snprintf(results, sizeof(results), "--results=%s", a);
	snprintf(spectrum, sizeof(spectrum), "%s/spectrum.tsv", root);
	const char *eargs[] = { argv[1], "export", "--spectrum", results, NULL };
	REQUIRE(run_capture(eargs, out, sizeof(out)) == 0, "export --spectrum failed");
	char *body = strstr(out, "engine\t");
	REQUIRE(body, "no header in: %s", out);
	int cx = column(body, "x"), cl = column(body, "latency_us"), ct = column(body, "total_count"),
	    cm = column(body, "merged"), clo = column(body, "latency_us_min"), chi = column(body, "latency_us_max");
	int rows = 0;
	for (char *line = strchr(body, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		double x = field(line + 1, cx), v = field(line + 1, cl), n = field(line + 1, ct);
		REQUIRE(field(line + 1, cm) == 1, "spectrum row not merged");
		/* Two thirds of the requests at 100 us: to p = 2/3 (x = 3) 100 us and 2000 requests, then 10 ms. */
		if (x < 2.99) {
			REQUIRE(v == 100 && n == 2000, "x %g: %g us, %g requests (want 100, 2000)", x, v, n);
			REQUIRE(field(line + 1, clo) == 100 && field(line + 1, chi) == 10000, "x %g: the runs' band", x);
		} else if (x > 3.01) {
			REQUIRE(v == 10000 && n == 3000, "x %g: %g us, %g requests (want 10000, 3000)", x, v, n);
		}
		rows++;
	}
	REQUIRE(rows >= 20, "%d spectrum rows", rows);
	remove_tree(root);
	printf("ok\n");
	return 0;
}
