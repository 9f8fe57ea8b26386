/* test_multihost.c - `harness run` over the loopback sshd: two load generator hosts and a server host, merged exactly; a dead host fails fast by name; nothing left running. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hist.h"
#include "hist_file.h"
#include "hlog.h"
#include "pgctl.h"
#include "../run/runlib.h"
#include "fixture.h"

#define HOST "ssh://root@127.0.0.1"

static const char *g_harness;
static char g_out[1 << 17];

static void stop_fixture(void)
{
	fixture_do("stop");
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static json_t *get(json_t *o, const char *path)
{
	char key[128];
	for (const char *p = path; o && *p;) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof key, "%.*s", (int)n, p);
		o = json_object_get(o, key);
		p += n + (p[n] == '.');
	}
	return o;
}

static long long num(json_t *o, const char *path)
{
	json_t *v = get(o, path);
	REQUIRE(json_is_integer(v), "run.json has no integer %s", path);
	return json_integer_value(v);
}

static struct rs_hist *load(const char *dir, const char *name)
{
	char path[4500];
	struct rs_hist *h;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	REQUIRE(rs_hist_new(&h) == 0, "out of memory");
	int err = rs_hist_load_counts(path, h);
	REQUIRE(err == 0, "%s: %s", path, strerror(-err));
	return h;
}

/* Sum of column 2 (requests) of dir/timeline.tsv. */
static unsigned long long timeline_requests(const char *dir)
{
	char path[4400], line[1024];
	unsigned long long sum = 0, req;
	int sec;
	snprintf(path, sizeof path, "%s/timeline.tsv", dir);
	FILE *f = fopen(path, "r");
	REQUIRE(f, "no %s", path);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%d %llu", &sec, &req) == 2)
			sum += req;
	fclose(f);
	return sum;
}

/* latency.hlog: how many untagged (per-second) intervals, their total count, the Tag=run line's. */
struct hlog_sum {
	int seconds;
	unsigned long long second_count, run_count;
	double start_s;
};

static int hlog_add(void *arg, const struct rs_hlog_interval *iv)
{
	struct hlog_sum *t = arg;
	if (!iv->tag) {
		t->seconds++;
		t->second_count += rs_hist_count(iv->h);
	} else if (!strcmp(iv->tag, "run")) {
		t->run_count = rs_hist_count(iv->h);
	}
	return 0;
}

static struct hlog_sum hlog_of(const char *dir)
{
	char path[4500];
	struct hlog_sum t = { 0 };
	snprintf(path, sizeof path, "%s/latency.hlog", dir);
	REQUIRE(rs_hlog_read(path, hlog_add, &t) == 0, "%s does not read back", path);
	return t;
}

/* The merged run against its hosts: counts summed, percentiles those of the merged histograms. */
static void check_merge(const char *dir)
{
	char path[4400], hdir[4400];
	json_error_t jerr;
	snprintf(path, sizeof path, "%s/run.json", dir);
	json_t *run = json_load_file(path, 0, &jerr);
	REQUIRE(run, "%s: %s", path, jerr.text);
	json_t *hosts = get(run, "loadgen_hosts");
	REQUIRE(json_array_size(hosts) == 2, "run.json lists %zu load generator hosts, not 2", json_array_size(hosts));
	REQUIRE(json_is_string(get(run, "server_host.host")), "run.json has no server_host");

	long long requests = 0, errors = 0;
	unsigned long long tl = 0, hlog_seconds = 0;
	struct rs_hist *merged;
	REQUIRE(rs_hist_new(&merged) == 0, "out of memory");
	for (size_t i = 0; i < 2; i++) {
		json_t *h = json_array_get(hosts, i);
		REQUIRE(!strcmp(json_string_value(get(h, "host")), HOST), "host %zu is not %s", i, HOST);
		json_t *unc = get(h, "clock_uncertainty_us");
		REQUIRE(json_is_number(unc) && json_number_value(unc) <= 10000, "host %zu: no offset within 10 ms", i);
		REQUIRE(json_is_object(get(h, "placement")), "host %zu: no placement", i);
		requests += num(h, "summary.requests");
		errors += num(h, "summary.errors.total");
		snprintf(hdir, sizeof hdir, "%s/%s", dir, json_string_value(get(h, "dir")));
		struct rs_hist *one = load(hdir, "latency.hist");
		REQUIRE((long long)rs_hist_count(one) == num(h, "summary.latency_us.count"), "host %zu: its latency.hist "
		      "does not hold its count", i);
		rs_hist_merge(merged, one);
		rs_hist_free(one);
		tl += timeline_requests(hdir);
		struct hlog_sum hl = hlog_of(hdir);
		hlog_seconds += hl.second_count;
	}
	long long total = num(run, "summary.requests");
	fprintf(stderr, "merged %lld requests; hosts %lld + %lld\n", total,
		num(json_array_get(hosts, 0), "summary.requests"), num(json_array_get(hosts, 1), "summary.requests"));
	REQUIRE(total > 0, "nothing was measured");
	REQUIRE(total == requests, "merged requests %lld, the hosts' sum %lld", total, requests);
	REQUIRE(num(run, "summary.errors.total") == errors, "merged errors are not the hosts' sum");
	REQUIRE(timeline_requests(dir) == tl, "the merged timeline's requests are not the hosts' per-second sums");
	/* latency.hlog: one interval per second, each the merge of the hosts' seconds, adding up to Tag=run. */
	struct hlog_sum hl = hlog_of(dir);
	fprintf(stderr, "merged latency.hlog: %d seconds, %llu samples in them (hosts' seconds: %llu), Tag=run %llu\n",
		hl.seconds, hl.second_count, hlog_seconds, hl.run_count);
	REQUIRE(hl.seconds > 0, "the merged latency.hlog has no per-second intervals");
	REQUIRE(hl.second_count == hlog_seconds, "the merged seconds hold %llu samples, the hosts' seconds %llu",
	      hl.second_count, hlog_seconds);
	REQUIRE(hl.run_count == (unsigned long long)total, "latency.hlog's Tag=run holds %llu, the run %lld", hl.run_count, total);

	/* Percentiles of the concatenated samples: the histogram merged here, independently of the harness. */
	static const struct { const char *key; double p; } pct[] = {
		{ "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p999", 99.9 }, { "p9999", 99.99 } };
	char key[64];
	for (size_t k = 0; k < sizeof pct / sizeof pct[0]; k++) {
		snprintf(key, sizeof key, "summary.latency_us.%s", pct[k].key);
		REQUIRE((unsigned long long)num(run, key) == (unsigned long long)rs_hist_percentile(merged, pct[k].p),
		      "%s is %lld, the merged histogram's %llu", key, num(run, key),
		      (unsigned long long)rs_hist_percentile(merged, pct[k].p));
	}
	REQUIRE((unsigned long long)num(run, "summary.latency_us.max") == rs_hist_max(merged), "max differs");
	REQUIRE((unsigned long long)num(run, "summary.latency_us.count") == rs_hist_count(merged), "count differs");
	struct rs_hist *top = load(dir, "latency.hist");
	REQUIRE(rs_hist_count(top) == rs_hist_count(merged) && rs_hist_percentile(top, 99) == rs_hist_percentile(merged, 99),
	      "the run's latency.hist is not the merge of the hosts'");
	rs_hist_free(top);
	rs_hist_free(merged);

	/* The server's side came back from its host. */
	REQUIRE(num(run, "server.threads_max") >= 1, "no threads sampled on the server host");
	REQUIRE(num(run, "server.exit_status") == 0, "the server did not exit cleanly on SIGTERM");
	snprintf(path, sizeof path, "%s/server.log", dir);
	REQUIRE(access(path, R_OK) == 0, "no server.log copied back");
	snprintf(path, sizeof path, "%s/samples.txt", dir);
	REQUIRE(access(path, R_OK) == 0, "no samples copied back");
	json_decref(run);
}

static void run_workload(const char *dir, const char *workload)
{
	char out_flag[4300], wl[64];
	snprintf(out_flag, sizeof out_flag, "--out=%s", dir);
	snprintf(wl, sizeof wl, "--workload=%s", workload);
	remove_tree(dir);
	const char *args[] = { g_harness, "run", wl, "--cores=1", "--conns=8", "--threads=1", "--duration=2",
			       "--warmup=1", "--loadgen-hosts=" HOST "," HOST, "--server-host=" HOST, out_flag, NULL };
	int rc = run_capture(args, g_out, sizeof g_out);
	REQUIRE(rc == 0, "harness run --workload=%s over the loopback sshd exited %d", workload, rc);
	check_merge(dir);
}

/* No process of this build's harness or server, and no session under the sshd, is left. */
static void check_nothing_left(const char *sshd_pid)
{
	char cmd[9000], self[4200];
	snprintf(self, sizeof self, "%s", g_harness);
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(cmd, sizeof cmd, "pgrep -af '^(%s/harness (loadgen|server-agent)|%s/ringside-server)' >&2 || "
		 "pgrep -a -P %s >&2", self, self, sshd_pid);
	for (int i = 0; i < 50; i++) {
		if (system(cmd) != 0)
			return;
		usleep(100000);
	}
	die("processes were left running after the runs (listed above)");
}

int main(int argc, char **argv)
{
	char url[512], dir[4300], ssh[4300], pidfile[4400], sshd_pid[32] = "";
	if (argc != 4) die("usage: test_multihost FIXTURE.sh DIR HARNESS");
	fixture_init(argv[1], argv[2]);
	g_harness = argv[3];
	setenv("RINGSIDE_MEASURE_LOCK", "off", 1);

	int rc = fixture_do("start");
	if (rc == 77) skip("the sshd fixture cannot start here (its reason is above)");
	REQUIRE(rc == 0, "fixture start failed (%d)", rc);
	atexit(stop_fixture);
	snprintf(pidfile, sizeof pidfile, "%s/sshd.pid", fixture_dir);
	FILE *f = fopen(pidfile, "r");
	REQUIRE(f && fgets(sshd_pid, sizeof sshd_pid, f), "no %s", pidfile);
	fclose(f);
	sshd_pid[strcspn(sshd_pid, "\n")] = '\0';
	int err = rs_pgctl_ensure_started(url, sizeof url);
	if (err) skip("no private PostgreSQL: %s", strerror(-err));

	/* A dead host: refused at once, named, before anything is measured. The fixture's wrapper
	 * forces its own port, so plain ssh here. */
	setenv("RINGSIDE_SSH", "ssh -F none -o ConnectTimeout=5 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null", 1);
	snprintf(dir, sizeof dir, "%s/dead", fixture_dir);
	remove_tree(dir);
	char out_flag[4400];
	snprintf(out_flag, sizeof out_flag, "--out=%s", dir);
	const char *dead[] = { g_harness, "run", "--duration=2", "--loadgen-hosts=ssh://root@127.0.0.1:1", out_flag, NULL };
	double t = mono();
	rc = run_capture(dead, g_out, sizeof g_out);
	REQUIRE(rc != 0, "a run with a dead load generator host succeeded");
	REQUIRE(mono() - t < 30, "a dead host took %.0f s to fail", mono() - t);
	REQUIRE(strstr(g_out, "ssh://root@127.0.0.1:1") && strstr(g_out, "unreachable"),
	      "the failure does not name the dead host and the cause");
	snprintf(pidfile, sizeof pidfile, "%s/run.json", dir);
	REQUIRE(access(pidfile, F_OK) != 0, "a run with a dead host wrote run.json");

	snprintf(ssh, sizeof ssh, "%s/ssh", fixture_dir);
	setenv("RINGSIDE_SSH", ssh, 1);
	/* A harness there at another commit, and one that is not there: refused, host named. */
	char fake[4400], fake_flag[4500];
	snprintf(fake, sizeof fake, "%s/old-harness", fixture_dir);
	f = fopen(fake, "w");
	REQUIRE(f, "cannot write %s", fake);
	fprintf(f, "#!/bin/sh\necho 'ringside 0.0'\necho 'commit: 0123456789ab'\n");
	fclose(f);
	chmod(fake, 0755);
	const char *stale_flags[] = { fake_flag, "--remote-harness=/nonexistent/harness" };
	const char *stale_says[] = { "at commit 0123456789ab", "--version` failed" };
	snprintf(fake_flag, sizeof fake_flag, "--remote-harness=%s", fake);
	for (int i = 0; i < 2; i++) {
		const char *stale[] = { g_harness, "run", "--duration=2", "--loadgen-hosts=" HOST, stale_flags[i], out_flag, NULL };
		rc = run_capture(stale, g_out, sizeof g_out);
		REQUIRE(rc != 0, "a run with %s succeeded", stale_flags[i]);
		REQUIRE(strstr(g_out, HOST) && strstr(g_out, stale_says[i]), "%s: the failure does not name the host and '%s'",
		      stale_flags[i], stale_says[i]);
		REQUIRE(access(pidfile, F_OK) != 0, "a run with %s wrote run.json", stale_flags[i]);
	}
	snprintf(dir, sizeof dir, "%s/plaintext", fixture_dir);
	run_workload(dir, "plaintext");
	snprintf(dir, sizeof dir, "%s/select42", fixture_dir);
	run_workload(dir, "select42");
	check_nothing_left(sshd_pid);
	printf("multihost: two load generator hosts and a server host over ssh, merged counts and percentiles exact, "
	       "a dead host named, nothing left running\n");
	return 0;
}
