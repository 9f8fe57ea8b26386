/* test_loadgen.c - the load generator against a real ringside-server: open-loop rate, closed loop, pipelining, files. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "hlog.h"
#include "lg_files.h"
#include "loadgen.h"
#include "results.h"

static struct rs_lg_cfg cfg_for(int port, const char *paths)
{
	struct rs_lg_cfg cfg = { .host = "127.0.0.1", .port = port, .threads = 1, .conns = 8, .pipeline = 1,
				 .duration_s = 2, .warmup_s = 0, .timeout_ms = 5000 };
	REQUIRE(rs_lg_parse_paths(&cfg, paths) == 0, "paths %s", paths);
	return cfg;
}

static void run(const struct rs_lg_cfg *cfg, struct rs_lg_result *res)
{
	int err = rs_lg_run(cfg, res);
	REQUIRE(!err, "rs_lg_run: %s", strerror(-err));
	fprintf(stderr, "requests %" PRIu64 " (%.1f/s), connect %" PRIu64 ", reset %" PRIu64 ", timeout %" PRIu64
			", non2xx %" PRIu64 ", invalid %" PRIu64 ", p99 %" PRIu64 " us, raw p99 %" PRIu64 " us\n",
		res->requests, res->rps, res->connect_errors, res->resets, res->timeouts, res->non2xx, res->invalid,
		rs_hist_percentile(res->latency, 99), rs_hist_percentile(res->latency_raw, 99));
}

static uint64_t errors(const struct rs_lg_result *r)
{
	return r->connect_errors + r->resets + r->timeouts + r->non2xx + r->invalid;
}

/* 2000 req/s for 3 s over 8 connections: 6000 requests, give or take 2%. */
static void case_open(int port)
{
	struct rs_lg_cfg cfg = cfg_for(port, "/plaintext");
	struct rs_lg_result res;

	cfg.rate = 2000;
	cfg.duration_s = 3;
	run(&cfg, &res);
	REQUIRE(res.requests >= 5880 && res.requests <= 6120, "open loop: %" PRIu64 " requests, expected 6000 +- 2%%",
	      res.requests);
	REQUIRE(errors(&res) == 0, "errors: %" PRIu64, errors(&res));
	REQUIRE(!res.rate_unsustained, "rate marked unsustained at %.1f/s", res.rps);
	REQUIRE(res.nseconds == 3, "seconds %d", res.nseconds);
	for (int s = 0; s < res.nseconds; s++)
		REQUIRE(res.seconds[s].requests >= 1900 && res.seconds[s].requests <= 2100, "second %d: %" PRIu64, s + 1,
		      res.seconds[s].requests);
	rs_lg_result_free(&res);
	rs_lg_free_paths(&cfg);
}

/* Closed loop over weighted paths, two threads: no errors, every body validated. */
static void case_closed(int port)
{
	struct rs_lg_cfg cfg = cfg_for(port, "/plaintext:3,/json:1");
	struct rs_lg_result res;

	cfg.threads = 2;
	cfg.conns = 16;
	cfg.warmup_s = 1;
	run(&cfg, &res);
	REQUIRE(res.requests > 1000 && errors(&res) == 0, "closed loop: %" PRIu64 " requests, %" PRIu64 " errors",
	      res.requests, errors(&res));
	REQUIRE(rs_hist_count(res.latency) == res.requests, "latency count %" PRIu64, rs_hist_count(res.latency));
	REQUIRE(rs_hist_percentile(res.latency, 50) == rs_hist_percentile(res.latency_raw, 50),
	      "closed loop: corrected differs from raw");
	rs_lg_result_free(&res);
	rs_lg_free_paths(&cfg);

	/* A path the server does not serve: its 404s are non-2xx errors, never requests. */
	cfg = cfg_for(port, "/nothing-here");
	run(&cfg, &res);
	REQUIRE(res.requests == 0 && res.non2xx > 0 && res.non2xx == errors(&res), "404s counted as non-2xx");
	rs_lg_result_free(&res);
	rs_lg_free_paths(&cfg);
}

/* 16 requests per write on each connection, answered in order. */
static void case_pipeline(int port)
{
	struct rs_lg_cfg cfg = cfg_for(port, "/plaintext:1,/json:1");
	struct rs_lg_result res;

	cfg.conns = 4;
	cfg.pipeline = 16;
	run(&cfg, &res);
	REQUIRE(res.requests > 1000 && errors(&res) == 0, "pipeline 16: %" PRIu64 " requests, %" PRIu64 " errors",
	      res.requests, errors(&res));
	rs_lg_result_free(&res);

	/* Pipelined and open loop: the schedule still holds. */
	cfg.rate = 4000;
	run(&cfg, &res);
	REQUIRE(res.requests >= 7840 && res.requests <= 8160 && errors(&res) == 0, "pipelined open loop: %" PRIu64,
	      res.requests);
	rs_lg_result_free(&res);
	rs_lg_free_paths(&cfg);
}

struct hlog_sums {
	int seconds;
	uint64_t per_second, run;
};

static int hlog_sum(void *arg, const struct rs_hlog_interval *iv)
{
	struct hlog_sums *s = arg;
	if (!iv->tag) {
		s->seconds++;
		s->per_second += rs_hist_count(iv->h);
	} else if (!strcmp(iv->tag, "run")) {
		s->run += rs_hist_count(iv->h);
	}
	return 0;
}

/* run.json, latency.hgrm, latency.hlog and timeline.tsv of a real run agree with each other. */
static void case_results(int port)
{
	struct rs_lg_cfg cfg = cfg_for(port, "/plaintext");
	struct rs_lg_result res;
	char root[] = "/tmp/rs-lg-results-XXXXXX", *dir = NULL;

	cfg.rate = 1000;
	cfg.warmup_s = 1;
	run(&cfg, &res);
	REQUIRE(mkdtemp(root) && rs_results_new_dir(root, "loadgen-test", &dir) == 0, "run directory");
	json_t *run_json = rs_results_base(&cfg, &res);
	REQUIRE(run_json && rs_results_write(dir, run_json, &res, NULL, NULL) == 0, "write");
	struct lg_files f;
	REQUIRE(lg_files_read(dir, &f) == 0, "files do not parse");
	REQUIRE(f.summary_requests == res.requests && f.timeline_requests == f.summary_requests,
	      "summary.requests %" PRIu64 " != timeline sum %" PRIu64, f.summary_requests, f.timeline_requests);
	REQUIRE(f.hgrm_total == f.summary_requests && f.hgrm_raw_total == f.summary_requests,
	      "hgrm TotalCount %" PRIu64 " / %" PRIu64 " != %" PRIu64, f.hgrm_total, f.hgrm_raw_total,
	      f.summary_requests);
	REQUIRE(f.timeline_rows == 2, "timeline rows %d", f.timeline_rows);
	/* latency.hlog: a line per second, adding up to the Tag=run line and to the summary. */
	char path[4200];
	struct hlog_sums hs = { 0 };
	snprintf(path, sizeof(path), "%s/latency.hlog", dir);
	REQUIRE(rs_hlog_read(path, hlog_sum, &hs) == 0, "latency.hlog does not read");
	REQUIRE(hs.seconds == 2 && hs.per_second == res.requests && hs.run == res.requests,
	      "latency.hlog: %d seconds of %" PRIu64 ", Tag=run %" PRIu64 ", summary %" PRIu64, hs.seconds,
	      hs.per_second, hs.run, res.requests);
	REQUIRE(fabs(res.t0_unix_s - (double)time(NULL)) < 60, "StartTime %.3f is not about now", res.t0_unix_s);
	json_decref(run_json);
	rs_lg_result_free(&res);
	rs_lg_free_paths(&cfg);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", root);
	free(dir); /* LeakSanitizer counts a test's leaks as failures too */
}

int main(int argc, char **argv)
{
	REQUIRE(argc == 3, "usage: test_loadgen SERVER CASE");
	int port = free_port();
	static const char *const extra[] = { "--cores=1", NULL };
	pid_t pid = server_start(argv[1], "uring", port, extra);
	const char *c = argv[2];

	if (!strcmp(c, "open"))
		case_open(port);
	else if (!strcmp(c, "closed"))
		case_closed(port);
	else if (!strcmp(c, "pipeline"))
		case_pipeline(port);
	else if (!strcmp(c, "results"))
		case_results(port);
	else
		die("unknown case %s", c);
	server_stop(pid);
	printf("ok\n");
	return 0;
}
