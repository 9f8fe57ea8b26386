/* loadgen_main.c - `harness loadgen`: flags -> rs_lg_run -> progress, summary table, result files. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loadgen.h"
#include "loadgen_agent.h"
#include "opts.h"
#include "results.h"

#define MAX_CPUS 256

int rs_lg_parse_paths(struct rs_lg_cfg *cfg, const char *list)
{
	cfg->npaths = 0;
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memrchr(p, ':', len);
		long weight = 1;
		size_t plen = len;
		/* "/path:3": the weight follows the last colon, if it is a number. */
		if (colon && colon[1] >= '0' && colon[1] <= '9') {
			char *wend;
			weight = strtol(colon + 1, &wend, 10);
			if (wend == p + len)
				plen = (size_t)(colon - p);
			else
				weight = 1;
		}
		if (!plen || p[0] != '/' || weight < 1 || weight > 1000000 || cfg->npaths == RS_LG_MAX_PATHS) {
			fprintf(stderr, "loadgen: bad path list '%s': expected /path[:weight][,/path[:weight]...] "
					"(at most %d paths, weights 1..1000000)\n", list, RS_LG_MAX_PATHS);
			return -EINVAL;
		}
		char *path = strndup(p, plen);
		if (!path)
			return -ENOMEM;
		cfg->paths[cfg->npaths++] = (struct rs_lg_path){ path, (int)weight };
		p = end ? end + 1 : NULL;
	}
	if (!cfg->npaths) {
		fprintf(stderr, "loadgen: empty path list\n");
		return -EINVAL;
	}
	return 0;
}

void rs_lg_free_paths(struct rs_lg_cfg *cfg)
{
	for (int i = 0; i < cfg->npaths; i++)
		free((char *)cfg->paths[i].path);
	cfg->npaths = 0;
}

/* A host name to its first IPv4 address, once, before the load starts. */
static int resolve(const char *url, const char *name, struct in_addr *a)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	int err = getaddrinfo(name, NULL, &hints, &res);

	if (err) {
		fprintf(stderr, "loadgen: --url=%s: cannot resolve '%s' to an IPv4 address: %s\n", url, name,
			gai_strerror(err));
		return -EINVAL;
	}
	*a = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

/* http://HOST[:PORT][/PATH]; HOST an IPv4 address or a name resolved to one. */
static int parse_url(const char *url, char *host, size_t hsize, int *port, const char **path)
{
	if (strncmp(url, "http://", 7)) {
		fprintf(stderr, "loadgen: --url=%s: expected http://HOST[:PORT]/PATH (https is not supported)\n", url);
		return -EINVAL;
	}
	const char *h = url + 7;
	size_t hlen = strcspn(h, ":/");
	const char *rest = h + hlen;
	*port = 80;
	if (*rest == ':') {
		char *end;
		long p = strtol(rest + 1, &end, 10);
		if (end == rest + 1 || p < 1 || p > 65535 || (*end && *end != '/')) {
			fprintf(stderr, "loadgen: --url=%s: bad port\n", url);
			return -EINVAL;
		}
		*port = (int)p;
		rest = end;
	}
	if (!hlen || hlen >= hsize) {
		fprintf(stderr, "loadgen: --url=%s: bad host\n", url);
		return -EINVAL;
	}
	char name[256];
	struct in_addr a;
	snprintf(name, sizeof(name), "%.*s", (int)hlen, h);
	if (inet_pton(AF_INET, name, &a) != 1 && resolve(url, name, &a))
		return -EINVAL;
	inet_ntop(AF_INET, &a, host, (socklen_t)hsize);
	*path = *rest ? rest : "/";
	return 0;
}

static volatile int stop_flag;

static void on_signal(int sig)
{
	stop_flag = 1;
}

static void on_second(void *arg, int second, uint64_t requests, uint64_t errors, uint64_t p99_us)
{
	fprintf(stderr, "loadgen: %4ds %10" PRIu64 " req/s  p99 %9.3f ms  %" PRIu64 " errors\n", second,
		requests, (double)p99_us / 1000.0, errors);
}

static void latency_row(const char *name, const struct rs_hist *h)
{
	printf("  %-10s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", name,
	       (double)rs_hist_percentile(h, 50) / 1000, (double)rs_hist_percentile(h, 90) / 1000,
	       (double)rs_hist_percentile(h, 99) / 1000, (double)rs_hist_percentile(h, 99.9) / 1000,
	       (double)rs_hist_max(h) / 1000, rs_hist_mean(h) / 1000, rs_hist_stddev(h) / 1000);
}

static void print_summary(const struct rs_lg_cfg *cfg, const struct rs_lg_result *res)
{
	printf("requests     %" PRIu64 " in %.2f s: %.1f req/s%s\n", res->requests, res->elapsed_s, res->rps,
	       res->partial ? " (partial: stopped early)" : "");
	if (res->target_rate > 0)
		printf("rate         target %.0f req/s, achieved %.1f (%.2f%%)%s\n", res->target_rate, res->rps,
		       100.0 * res->rps / res->target_rate,
		       res->rate_unsustained ? " -- NOT sustained" : ", sustained");
	printf("errors       connect %" PRIu64 ", reset %" PRIu64 ", timeout %" PRIu64 ", non-2xx %" PRIu64
	       ", invalid body %" PRIu64 "\n", res->connect_errors, res->resets, res->timeouts, res->non2xx,
	       res->invalid);
	printf("latency (ms) %9s %9s %9s %9s %9s %9s %9s\n", "p50", "p90", "p99", "p99.9", "max", "mean",
	       "stddev");
	latency_row(cfg->rate > 0 ? "corrected" : "latency", res->latency);
	if (cfg->rate > 0)
		latency_row("raw", res->latency_raw);
	if (rs_hist_clamped(res->latency))
		printf("note         %" PRIu64 " latencies above 60 s were clamped to 60 s\n",
		       rs_hist_clamped(res->latency));
}

static int save(const char *dir, const char *url, const struct rs_lg_cfg *cfg, const struct rs_lg_result *res)
{
	struct stat st;
	if (stat(dir, &st) && mkdir(dir, 0755)) {
		fprintf(stderr, "loadgen: mkdir %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	json_t *run = rs_results_base(cfg, res);
	char *safe = rs_results_redact(url);
	if (!run || !safe) {
		free(safe);
		json_decref(run);
		return -ENOMEM;
	}
	json_object_set_new(run, "command", json_string("loadgen"));
	json_object_set_new(run, "url", json_string(safe));
	int err = rs_results_write(dir, run, res, NULL, NULL);
	if (err)
		fprintf(stderr, "loadgen: writing %s: %s\n", dir, strerror(-err));
	else
		fprintf(stderr, "loadgen: wrote %s/{run.json,latency.hgrm,latency_raw.hgrm,latency.hist,latency_raw.hist,latency.hlog,timeline.tsv}\n", dir);
	free(safe);
	json_decref(run);
	return err;
}

struct flags {
	const char *url, *paths, *cpus, *out, *start_at, *arrival;
	bool stop_on_eof;
	long threads, conns, pipeline, rate, duration, warmup, timeout_ms, seed;
};

static int run_loadgen(const struct flags *f, struct rs_lg_cfg *cfg)
{
	struct rs_lg_result res;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };

	/* First Ctrl-C: stop and report what was measured; the second one kills. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "loadgen: %s loop, %d thread(s), %d connection(s), pipeline %d, %ds + %ds warm-up\n",
		cfg->rate > 0 ? "open" : "closed", cfg->threads, cfg->conns, cfg->pipeline, cfg->duration_s,
		cfg->warmup_s);
	int err = 0;
	if (f->start_at) {
		char *end;
		double at = strtod(f->start_at, &end);
		if (*end || end == f->start_at || at <= 0) {
			fprintf(stderr, "loadgen: --start-at=%s: expected Unix seconds, e.g. 1796000000.250\n", f->start_at);
			return 2;
		}
		err = rs_lg_agent_wait_start(at, cfg->warmup_s, cfg->stop);
	}
	if (!err)
		err = rs_lg_run(cfg, &res);
	if (err) {
		if (err != -ETIME)	/* a missed start said so itself */
			fprintf(stderr, "loadgen: %s\n", strerror(-err));
		return 1;
	}
	print_summary(cfg, &res);
	if (f->out)
		err = save(f->out, f->url, cfg, &res);
	rs_lg_result_free(&res);
	return err ? 1 : 0;
}

int rs_loadgen_main(int argc, char **argv)
{
	struct flags f = { .url = "http://127.0.0.1:8080/plaintext", .arrival = "uniform", .threads = 1, .conns = 64, .pipeline = 1,
			   .duration = 10, .warmup = 2, .timeout_ms = 5000 };
	const struct rs_opt opts[] = {
		{ "url", RS_OPT_STR, &f.url, .help = "http://HOST:PORT/PATH (IPv4, or a name resolved once at start)" },
		{ "paths", RS_OPT_STR, &f.paths, .help = "weighted paths instead of the URL's: /db:3,/fortunes:1" },
		{ "threads", RS_OPT_INT, &f.threads, 0, 256, .help = "load threads, each with its own epoll (0: one per CPU)" },
		{ "conns", RS_OPT_INT, &f.conns, 1, 100000, .help = "connections in all" },
		{ "pipeline", RS_OPT_INT, &f.pipeline, 1, 1024, .help = "requests in flight per connection" },
		{ "rate", RS_OPT_INT, &f.rate, 0, 100000000, .help = "open loop at this many req/s; 0: closed loop" },
		{ "arrival", RS_OPT_CHOICE, &f.arrival, .choices = "uniform,poisson",
		  .help = "--rate: evenly spaced (default), or exponential gaps" },
		{ "seed", RS_OPT_INT, &f.seed, 0, 2147483647,
		  .help = "poisson: the gaps' seed (0: the default); hosts of one run take different ones" },
		{ "duration", RS_OPT_INT, &f.duration, 1, RS_LG_MAX_SECONDS, .help = "measured seconds" },
		{ "warmup", RS_OPT_INT, &f.warmup, 0, 3600, .help = "seconds of load before measuring" },
		{ "timeout-ms", RS_OPT_INT, &f.timeout_ms, 0, 3600000, .help = "unanswered this long: timeout (0: never)" },
		{ "cpus", RS_OPT_STR, &f.cpus, .help = "pin load threads to these CPUs, e.g. 0 or 0,2-3" },
		{ "out", RS_OPT_STR, &f.out, .help = "write run.json, latency.hgrm, latency.hlog, timeline.tsv into this directory" },
		{ "start-at", RS_OPT_STR, &f.start_at,
		  .help = "start measuring at this Unix time (warm-up before it): the agreed instant of several hosts" },
		{ "stop-on-eof", RS_OPT_BOOL, &f.stop_on_eof,
		  .help = "stop when stdin ends (run over ssh: the load ends with its session)" },
		{ NULL },
	};
	struct rs_lg_cfg cfg = { 0 };
	int cpus[MAX_CPUS];
	char host[64];
	const char *url_path;

	int err = rs_opts_parse("loadgen", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	if (parse_url(f.url, host, sizeof(host), &cfg.port, &url_path) ||
	    rs_lg_parse_paths(&cfg, f.paths ? f.paths : url_path))
		return 2;
	if (f.cpus && (cfg.ncpus = rs_parse_cpu_list(f.cpus, cpus, MAX_CPUS)) < 0) {
		fprintf(stderr, "loadgen: --cpus=%s: expected a list like 0 or 0,2-3\n", f.cpus);
		rs_lg_free_paths(&cfg);
		return 2;
	}
	cfg.host = host;
	cfg.cpus = f.cpus ? cpus : NULL;
	cfg.threads = f.threads ? (int)f.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	cfg.conns = (int)f.conns;
	cfg.pipeline = (int)f.pipeline;
	cfg.rate = (double)f.rate;
	cfg.arrival = strcmp(f.arrival, "poisson") ? RS_LG_UNIFORM : RS_LG_POISSON;
	cfg.seed = (uint64_t)f.seed;
	cfg.duration_s = (int)f.duration;
	cfg.warmup_s = (int)f.warmup;
	cfg.timeout_ms = (int)f.timeout_ms;
	cfg.on_second = on_second;
	cfg.stop = &stop_flag;
	/* With --out, each second's histogram too: a run over several hosts merges them (multihost.c). */
	cfg.on_second_hist = f.out ? rs_lg_agent_second_hist : NULL;
	cfg.arg = (void *)f.out;
	if (f.stop_on_eof && rs_lg_agent_watch_stdin(&stop_flag)) {
		rs_lg_free_paths(&cfg);
		return 1;
	}
	err = run_loadgen(&f, &cfg);
	rs_lg_free_paths(&cfg);
	return err;
}
