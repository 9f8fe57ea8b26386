/* test_results.c - run directories, password redaction, and result files that parse back. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "hist.h"
#include "hist_file.h"
#include "hlog.h"
#include "results.h"
#include "lg_files.h"

static void redacts(const char *in, const char *want)
{
	char *got = rs_results_redact(in);
	CHECK(got && !strcmp(got, want), "redact '%s': got '%s', want '%s'", in, got ? got : "(null)", want);
	free(got);
}

static void test_redact(void)
{
	redacts("postgresql://bench:bench@127.0.0.1:5432/bench", "postgresql://bench:***@127.0.0.1:5432/bench");
	redacts("postgres://u:p%40ss@h/db?sslmode=disable", "postgres://u:***@h/db?sslmode=disable");
	redacts("postgresql://u:@h/db", "postgresql://u:***@h/db");
	redacts("postgresql://bench@127.0.0.1/bench", "postgresql://bench@127.0.0.1/bench");
	redacts("postgresql://127.0.0.1/bench?user=u&password=pw&x=1",
		"postgresql://127.0.0.1/bench?user=u&password=***&x=1");
	redacts("postgresql://a:b@h/db?password=c", "postgresql://a:***@h/db?password=***");
	redacts("host=127.0.0.1 password=secret user=bench", "host=127.0.0.1 password=*** user=bench");
	redacts("host=h password = 'se cr\\'et' dbname=b", "host=h password = *** dbname=b");
	redacts("password=", "password=***");
	redacts("host=h mypassword=x", "host=h mypassword=x");
	redacts("http://127.0.0.1:8080/db", "http://127.0.0.1:8080/db");
	redacts("http://h/x@y", "http://h/x@y");
	CHECK(rs_results_redact(NULL) == NULL, "NULL in, NULL out");
}

static bool name_ok(const char *name, const char *label)
{
	/* yyyymmdd-hhmmss-label */
	for (int i = 0; i < 15; i++)
		if (i == 8 ? name[i] != '-' : (name[i] < '0' || name[i] > '9'))
			return false;
	return name[15] == '-' && !strncmp(name + 16, label, strlen(label));
}

static void test_new_dir(const char *root)
{
	char *a = NULL, *b = NULL, *c = NULL;
	struct stat st;

	CHECK(rs_results_new_dir(root, "uring-db", &a) == 0, "new_dir a");
	CHECK(rs_results_new_dir(root, "uring-db", &b) == 0, "new_dir b");
	CHECK(rs_results_new_dir(root, "a/b c", &c) == 0, "new_dir c");
	if (!a || !b || !c)
		return;
	CHECK(strcmp(a, b) != 0, "two runs, one directory: %s", a);
	CHECK(!stat(a, &st) && S_ISDIR(st.st_mode) && !stat(b, &st) && S_ISDIR(st.st_mode), "not created");
	CHECK(!strncmp(a, root, strlen(root)) && name_ok(a + strlen(root) + 1, "uring-db"), "name %s", a);
	CHECK(name_ok(c + strlen(root) + 1, "a-b-c"), "label not sanitised: %s", c);
	free(a);
	free(b);
	free(c);
}

/* A made-up result: 3 seconds, known latencies. */
static void fake_result(struct rs_lg_result *res)
{
	memset(res, 0, sizeof(*res));
	rs_hist_new(&res->latency);
	rs_hist_new(&res->latency_raw);
	res->nseconds = 3;
	res->seconds = calloc(3, sizeof(*res->seconds));
	for (int s = 0; s < 3; s++) {
		res->seconds[s].requests = 100 * (uint64_t)(s + 1);
		res->seconds[s].p50_us = 1000;
		res->seconds[s].p99_us = 2000;
		struct rs_hist *sec;
		rs_hist_new(&sec);
		for (int i = 0; i < 100 * (s + 1); i++) {
			rs_hist_record(res->latency, 1000 + (uint64_t)i);
			rs_hist_record(res->latency_raw, 900 + (uint64_t)i);
			rs_hist_record(sec, 1000 + (uint64_t)i);
		}
		rs_hist_snap_new(sec, &res->seconds[s].hist);
		rs_hist_free(sec);
	}
	res->t0_unix_s = 1764640000.25;
	res->requests = 600;
	res->elapsed_s = 3.0;
	res->rps = 200;
	res->timeouts = 2;
	res->target_rate = 200;
}

struct hlog_seen {
	int untagged;
	uint64_t untagged_count, run_count, raw_count;
};

static int hlog_line(void *arg, const struct rs_hlog_interval *iv)
{
	struct hlog_seen *s = arg;
	if (!iv->tag) {
		CHECK(iv->start_s == s->untagged && iv->length_s == 1, "line %d: start %g length %g", s->untagged,
		      iv->start_s, iv->length_s);
		s->untagged++;
		s->untagged_count += rs_hist_count(iv->h);
	} else if (!strcmp(iv->tag, "run")) {
		s->run_count += rs_hist_count(iv->h);
	} else if (!strcmp(iv->tag, "raw")) {
		s->raw_count += rs_hist_count(iv->h);
	}
	return 0;
}

static void test_write(const char *root)
{
	struct rs_lg_cfg cfg = { .host = "127.0.0.1", .port = 8080, .npaths = 2, .threads = 1, .conns = 8,
				 .pipeline = 1, .rate = 200, .duration_s = 3, .warmup_s = 1, .timeout_ms = 5000 };
	struct rs_lg_result res;
	char *dir = NULL;
	static const char *const header[] = { "cpu_pct", "threads", NULL };
	static const char *const rows[] = { "12.5\t3", "13.0\t3", "11.0\t4" };

	cfg.paths[0] = (struct rs_lg_path){ "/db", 3 };
	cfg.paths[1] = (struct rs_lg_path){ "/fortunes", 1 };
	fake_result(&res);
	CHECK(rs_results_new_dir(root, "write", &dir) == 0, "new_dir");
	json_t *run = rs_results_base(&cfg, &res);
	CHECK(run && json_is_string(json_object_get(json_object_get(run, "host"), "kernel")), "host.kernel");
	CHECK(json_is_string(json_object_get(json_object_get(run, "versions"), "compiler")), "versions.compiler");
	CHECK(json_integer_value(json_object_get(json_object_get(run, "loadgen"), "conns")) == 8, "loadgen.conns");
	/* The offered rate once, at the top: not again under loadgen or summary (run.json schema 2). */
	CHECK(json_integer_value(json_object_get(run, "rate")) == 200, "rate");
	CHECK(!json_object_get(json_object_get(run, "loadgen"), "rate") &&
	      !json_object_get(json_object_get(run, "summary"), "rate"), "the rate is written more than once");
	CHECK(json_is_boolean(json_object_get(json_object_get(run, "summary"), "sustained")), "summary.sustained");
	CHECK(rs_results_write(dir, run, &res, header, rows) == 0, "write");

	struct lg_files f;
	CHECK(lg_files_read(dir, &f) == 0, "read back");
	CHECK(f.summary_requests == 600 && f.timeline_requests == 600, "requests %" PRIu64 " / %" PRIu64,
	      f.summary_requests, f.timeline_requests);
	CHECK(f.hgrm_total == 600 && f.hgrm_raw_total == 600, ".hgrm totals %" PRIu64 " / %" PRIu64, f.hgrm_total,
	      f.hgrm_raw_total);
	/* latency.hist reads back to the very histogram written (what several hosts' runs merge from). */
	struct rs_hist *back;
	char path[4096];
	CHECK(rs_hist_new(&back) == 0, "rs_hist_new");
	snprintf(path, sizeof path, "%s/latency.hist", dir);
	CHECK(rs_hist_load_counts(path, back) == 0 && rs_hist_count(back) == 600 &&
	      rs_hist_percentile(back, 99) == rs_hist_percentile(res.latency, 99), "latency.hist does not read back");
	snprintf(path, sizeof path, "%s/latency_raw.hist", dir);
	CHECK(rs_hist_load_counts(path, back) == 0 && rs_hist_count(back) == 600, "latency_raw.hist does not read back");
	/* latency.hlog: three 1 s lines (100, 200, 300 requests), then Tag=run and Tag=raw, all 600. */
	struct hlog_seen seen = { 0 };
	snprintf(path, sizeof path, "%s/latency.hlog", dir);
	CHECK(rs_hlog_read(path, hlog_line, &seen) == 0, "latency.hlog does not read");
	CHECK(seen.untagged == 3 && seen.untagged_count == 600 && seen.run_count == 600 && seen.raw_count == 600,
	      "latency.hlog: %d untagged lines of %" PRIu64 ", run %" PRIu64 ", raw %" PRIu64, seen.untagged,
	      seen.untagged_count, seen.run_count, seen.raw_count);
	rs_hist_reset(back);
	CHECK(rs_hlog_merge_run(path, back) == 0 && rs_hist_count(back) == 600 &&
	      rs_hist_percentile(back, 99) == rs_hist_percentile(res.latency, 99) &&
	      rs_hist_max(back) == rs_hist_max(res.latency), "latency.hlog's Tag=run is not the run's histogram");
	FILE *hl = fopen(path, "r");
	char head[512] = "";
	while (hl && fgets(head, sizeof head, hl) && strncmp(head, "#[StartTime:", 12))
		;
	static const char start[] = "#[StartTime: 1764640000.250 (seconds since epoch)";
	CHECK(strstr(head, start) == head, "StartTime line: %s", head);
	if (hl)
		fclose(hl);
	rs_hist_free(back);
	CHECK(f.timeline_rows == 3 && f.timeline_columns == 7, "timeline %d rows, %d columns", f.timeline_rows,
	      f.timeline_columns);
	CHECK(f.summary_timeouts == 2, "summary.errors.timeout %" PRIu64, f.summary_timeouts);
	json_decref(run);
	rs_lg_result_free(&res);
	free(dir);
}

int main(void)
{
	char root[] = "/tmp/rs-results-test-XXXXXX";
	CHECK(mkdtemp(root) != NULL, "mkdtemp");
	char sub[sizeof(root) + 16];
	snprintf(sub, sizeof(sub), "%s/runs/deeper", root);
	test_redact();
	test_new_dir(sub);
	test_write(sub);
	char cmd[sizeof(root) + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", root);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
