/* results.c - a run's directory: run.json (jansson), latency.hgrm, latency_raw.hgrm, latency.hist, latency.hlog, timeline.tsv. */
#include <ctype.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "mkdir_p.h"
#include "paths.h"
#include "pg.h"
#include "hist_file.h"
#include "hlog.h"
#include "results.h"
#include "rs_config.h"
#if RS_HAVE_EV
#include <ev.h>
#endif

/* ---- the run directory ---- */

/* Labels become part of a path: keep [A-Za-z0-9._-], the rest turns into '-'. */
static void sanitize(char *dst, size_t size, const char *label)
{
	size_t n = 0;
	for (const char *s = label && *label ? label : "run"; *s && n + 1 < size; s++)
		dst[n++] = isalnum((unsigned char)*s) || *s == '.' || *s == '_' || *s == '-' ? *s : '-';
	dst[n] = '\0';
}

int rs_results_new_dir(const char *root, const char *label, char **out)
{
	char stamp[32], name[96];
	struct tm tm;
	time_t now = time(NULL);

	if (!root)
		root = rs_path_runs();
	int err = rs_mkdir_p(root);
	if (err)
		return err;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	sanitize(name, sizeof(name), label);
	/* Two runs in one second with one label: -2, -3, ... keeps them apart. */
	for (int i = 1; i < 1000; i++) {
		char *path;
		int n = i == 1 ? asprintf(&path, "%s/%s-%s", root, stamp, name)
			       : asprintf(&path, "%s/%s-%s-%d", root, stamp, name, i);
		if (n < 0)
			return -ENOMEM;
		if (!mkdir(path, 0755)) {
			*out = path;
			return 0;
		}
		err = -errno;
		free(path);
		if (err != -EEXIST)
			return err;
	}
	return -EEXIST;
}

/* ---- redaction ---- */

char *rs_results_redact(const char *url)
{
	return rs_pg_redact(url);
}

/* ---- run.json ---- */

/* First line of a shell command's output, or NULL. */
static char *command_line(const char *cmd)
{
	char buf[256];
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	char *line = fgets(buf, sizeof(buf), p);
	int status = pclose(p);
	if (!line || status != 0)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

/* The short commit, "-dirty" when tracked files differ from it. results/ is
 * left out: it is what runs write (a figure's collection rewrites its own
 * tables while it runs), not what they run. */
static json_t *commit_json(void)
{
	char *commit = command_line("git -C '" RS_SOURCE_ROOT "' rev-parse --short HEAD 2>/dev/null");
	if (!commit)
		return json_null();
	char *dirty = command_line("git -C '" RS_SOURCE_ROOT "' status --porcelain --untracked-files=no "
				   "-- . ':(exclude)results' 2>/dev/null | head -c 1; echo");
	json_t *j = json_sprintf("%s%s", commit, dirty && *dirty ? "-dirty" : "");
	free(commit);
	free(dirty);
	return j;
}

static json_t *cpu_model(void)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	json_t *j = NULL;
	while (f && !j && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!strncmp(line, "model name", 10) && colon) {
			colon += 1 + (colon[1] == ' ');
			colon[strcspn(colon, "\n")] = '\0';
			j = json_string(colon);
		}
	}
	if (f)
		fclose(f);
	return j ? j : json_null();
}

static json_t *host_json(void)
{
	struct utsname u;
	json_t *h = json_object();
	if (!uname(&u)) {
		json_object_set_new(h, "kernel", json_string(u.release));
		json_object_set_new(h, "kernel_version", json_string(u.version));
		json_object_set_new(h, "machine", json_string(u.machine));
	}
	json_object_set_new(h, "cpu_model", cpu_model());
	json_object_set_new(h, "nproc", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	return h;
}

static json_t *versions_json(void)
{
	json_t *v = json_object();
#if defined(__clang__)
	json_object_set_new(v, "compiler", json_string("clang " __clang_version__));
#elif defined(__GNUC__)
	json_object_set_new(v, "compiler", json_string("gcc " __VERSION__));
#else
	json_object_set_new(v, "compiler", json_string(__VERSION__));
#endif
	json_object_set_new(v, "glibc", json_string(gnu_get_libc_version()));
	json_object_set_new(v, "jansson", json_string(JANSSON_VERSION));
#ifdef RS_LIBURING_VERSION
	json_object_set_new(v, "liburing", json_string(RS_LIBURING_VERSION));
#endif
#ifdef RS_LIBPQ_VERSION
	json_object_set_new(v, "libpq", json_string(RS_LIBPQ_VERSION));
#endif
#if RS_HAVE_EV
	json_object_set_new(v, "libev", json_sprintf("%d.%d", EV_VERSION_MAJOR, EV_VERSION_MINOR));
#endif
	return v;
}

static json_t *loadgen_json(const struct rs_lg_cfg *cfg)
{
	json_t *paths = json_array(), *cpus = json_array();
	for (int i = 0; i < cfg->npaths; i++)
		json_array_append_new(paths, json_pack("{s:s, s:i}", "path", cfg->paths[i].path, "weight",
						       cfg->paths[i].weight));
	for (int i = 0; cfg->cpus && i < cfg->ncpus; i++)
		json_array_append_new(cpus, json_integer(cfg->cpus[i]));
	/* No rate here: run.json has it once, at the top (rs_results_base). */
	return json_pack("{s:s, s:i, s:o, s:i, s:i, s:i, s:s, s:s, s:i, s:i, s:i, s:o}",
			 "host", cfg->host, "port", cfg->port, "paths", paths, "threads", cfg->threads,
			 "conns", cfg->conns, "pipeline", cfg->pipeline,
			 "loop", cfg->rate > 0 ? "open" : "closed", "arrival", rs_lg_arrival_name(cfg->arrival), "duration_s", cfg->duration_s,
			 "warmup_s", cfg->warmup_s, "timeout_ms", cfg->timeout_ms, "cpus", cpus);
}

static json_t *latency_json(const struct rs_hist *h)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f}",
			 "count", (json_int_t)rs_hist_count(h), "min", (json_int_t)rs_hist_min(h),
			 "p50", (json_int_t)rs_hist_percentile(h, 50.0),
			 "p90", (json_int_t)rs_hist_percentile(h, 90.0),
			 "p99", (json_int_t)rs_hist_percentile(h, 99.0),
			 "p999", (json_int_t)rs_hist_percentile(h, 99.9),
			 "p9999", (json_int_t)rs_hist_percentile(h, 99.99), "max", (json_int_t)rs_hist_max(h),
			 "mean", rs_hist_mean(h), "stddev", rs_hist_stddev(h));
}

static json_t *summary_json(const struct rs_lg_result *res)
{
	uint64_t errors = res->connect_errors + res->resets + res->timeouts + res->non2xx + res->invalid;
	json_t *errs = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "total", (json_int_t)errors, "connect",
				 (json_int_t)res->connect_errors, "reset", (json_int_t)res->resets, "timeout",
				 (json_int_t)res->timeouts, "non2xx", (json_int_t)res->non2xx, "invalid",
				 (json_int_t)res->invalid);
	if (res->first_bad_status)
		json_object_set_new(errs, "first_bad", json_pack("{s:i, s:s}", "status", res->first_bad_status,
								  "body", res->first_bad_body));
	/* The offered rate is the top-level "rate", the achieved one "rps": only whether the schedule held. */
	return json_pack("{s:I, s:f, s:f, s:o, s:o, s:o, s:b, s:b, s:I}", "requests",
			 (json_int_t)res->requests, "rps", res->rps, "elapsed_s", res->elapsed_s, "errors",
			 errs, "latency_us", latency_json(res->latency), "latency_raw_us",
			 latency_json(res->latency_raw), "sustained", !res->rate_unsustained, "partial", res->partial,
			 "clamped", (json_int_t)rs_hist_clamped(res->latency));
}

json_t *rs_results_base(const struct rs_lg_cfg *cfg, const struct rs_lg_result *res)
{
	char created[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *run = json_object();
	if (!run)
		return NULL;
	json_object_set_new(run, "tool", json_string("ringside"));
	json_object_set_new(run, "version", json_string(RS_VERSION));
	json_object_set_new(run, "created", json_string(created));
	json_object_set_new(run, "commit", commit_json());
	json_object_set_new(run, "host", host_json());
	json_object_set_new(run, "versions", versions_json());
	if (cfg) {
		json_t *lg = loadgen_json(cfg);
		/* Its own CPU: a load generator that saturates its CPUs measures itself, not the server. */
		if (lg && res && res->latency) {
			json_object_set_new(lg, "cpu_user_s", res->cpu_user_s >= 0 ? json_real(res->cpu_user_s) : json_null());
			json_object_set_new(lg, "cpu_sys_s", res->cpu_sys_s >= 0 ? json_real(res->cpu_sys_s) : json_null());
		}
		json_object_set_new(run, "loadgen", lg);
		/* The offered rate, req/s (0: closed loop): the one place run.json holds it. */
		json_object_set_new(run, "rate", json_integer((json_int_t)llround(cfg->rate)));
	}
	if (res && res->latency)
		json_object_set_new(run, "summary", summary_json(res));
	return run;
}

/* ---- the files ---- */

static int write_json(const char *dir, json_t *run)
{
	char *path;
	if (asprintf(&path, "%s/run.json", dir) < 0)
		return -ENOMEM;
	FILE *f = fopen(path, "w");
	int err = f ? 0 : -errno;
	free(path);
	if (err)
		return err;
	if (json_dumpf(run, f, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) || fputc('\n', f) == EOF)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int write_hgrm(const char *dir, const char *name, const struct rs_hist *h)
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	FILE *f = fopen(path, "w");
	int err = f ? 0 : -errno;
	free(path);
	if (err)
		return err;
	/* Milliseconds, as wrk2 and HdrHistogram's plotter expect. */
	err = rs_hist_write_hgrm(h, f, 1000.0);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int write_timeline(const char *dir, const struct rs_lg_result *res, const char *const *extra_header,
			  const char *const *extra_rows)
{
	char *path;
	if (asprintf(&path, "%s/timeline.tsv", dir) < 0)
		return -ENOMEM;
	FILE *f = fopen(path, "w");
	int err = f ? 0 : -errno;
	free(path);
	if (err)
		return err;
	fputs("second\trequests\terrors\tp50_us\tp99_us", f);
	for (int i = 0; extra_header && extra_header[i]; i++)
		fprintf(f, "\t%s", extra_header[i]);
	fputc('\n', f);
	for (int s = 0; s < res->nseconds; s++) {
		const struct rs_lg_second *r = &res->seconds[s];
		fprintf(f, "%d\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64, s + 1, r->requests, r->errors,
			r->p50_us, r->p99_us);
		if (extra_rows && extra_rows[s])
			fprintf(f, "\t%s", extra_rows[s]);
		fputc('\n', f);
	}
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/*
 * latency.hlog: an interval line per measured second (each second's own
 * corrected latencies), then Tag=run (the whole run's corrected latency) and
 * Tag=raw (from actual send times). Untagged lines add up to Tag=run.
 */
static int write_hlog(const char *dir, const struct rs_lg_result *res)
{
	int n = 0, err = 0;
	struct rs_hlog_interval *iv = calloc((size_t)res->nseconds + 2, sizeof(*iv));
	struct rs_hist **sec = calloc((size_t)res->nseconds + 1, sizeof(*sec));

	if (!iv || !sec)
		err = -ENOMEM;
	for (int s = 0; !err && s < res->nseconds; s++) {
		if (!res->seconds[s].hist)
			continue; /* out of memory when that second was taken: left out, as in timeline.tsv's 0s */
		err = rs_hist_new(&sec[n]);
		if (err)
			break;
		rs_hist_merge_snap(sec[n], res->seconds[s].hist);
		iv[n] = (struct rs_hlog_interval){ .start_s = s, .length_s = 1, .h = sec[n] };
		n++;
	}
	int nsec = n;
	if (!err) {
		iv[n++] = (struct rs_hlog_interval){ .tag = "run", .length_s = res->elapsed_s, .h = res->latency };
		if (res->latency_raw)
			iv[n++] = (struct rs_hlog_interval){ .tag = "raw", .length_s = res->elapsed_s, .h = res->latency_raw };
		err = rs_hlog_save(dir, "latency.hlog", res->t0_unix_s, iv, n);
	}
	for (int i = 0; sec && i < nsec; i++)
		rs_hist_free(sec[i]);
	free(sec);
	free(iv);
	return err;
}

int rs_results_write(const char *dir, json_t *run, const struct rs_lg_result *res,
		     const char *const *extra_header, const char *const *extra_rows)
{
	int err = run ? write_json(dir, run) : 0;
	if (!err && res && res->latency)
		err = write_hgrm(dir, "latency.hgrm", res->latency);
	if (!err && res && res->latency_raw)
		err = write_hgrm(dir, "latency_raw.hgrm", res->latency_raw);
	/* The lossless counts, for merging several hosts' runs. */
	if (!err && res && res->latency)
		err = rs_hist_save_counts(dir, "latency.hist", res->latency);
	if (!err && res && res->latency_raw)
		err = rs_hist_save_counts(dir, "latency_raw.hist", res->latency_raw);
	/* The same, in HdrHistogram's own interval log, per second too. */
	if (!err && res && res->latency)
		err = write_hlog(dir, res);
	if (!err && res)
		err = write_timeline(dir, res, extra_header, extra_rows);
	return err;
}
