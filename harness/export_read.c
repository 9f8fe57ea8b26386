/* export_read.c - one run.json as a row of `harness export`: the inputs that make its group key, its measures, its verdict. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"

/* o.a.b; NULL when any step is missing. */
static json_t *at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	return b ? json_object_get(v, b) : v;
}

static double num_at(json_t *o, const char *a, const char *b)
{
	json_t *v = at(o, a, b);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* An integer input; dflt when the run did not record it (or recorded null). */
static long long_at(json_t *o, const char *a, const char *b, long dflt)
{
	json_t *v = at(o, a, b);
	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

static void str_at(json_t *o, const char *a, const char *b, char *out, size_t size)
{
	json_t *v = at(o, a, b);
	snprintf(out, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* summary.errors: a number, or an object of counts (its "total", else their sum). */
static double errors_of(json_t *summary)
{
	json_t *e = json_object_get(summary, "errors"), *v;
	const char *key;
	double sum = 0;

	if (json_is_number(e))
		return json_number_value(e);
	if (!json_is_object(e))
		return NAN;
	if (json_is_number(json_object_get(e, "total")))
		return json_number_value(json_object_get(e, "total"));
	json_object_foreach(e, key, v)
		if (json_is_number(v))
			sum += json_number_value(v);
	return sum;
}

/*
 * The workload's parameter: run.json's key (null: the workload takes none),
 * or, in runs from before it was recorded, NAME=N in the request path.
 */
static long param_of(json_t *run, const char *key, const char *name)
{
	json_t *v = json_object_get(run, key);
	char pat[32];

	if (v)
		return json_is_integer(v) ? (long)json_integer_value(v) : -1;
	const char *path = json_string_value(json_object_get(run, "path")), *q = path ? strchr(path, '?') : NULL;
	int n = snprintf(pat, sizeof(pat), "%s=", name);
	for (const char *p = q; p; p = strchr(p + 1, '&'))
		if (!strncmp(p + 1, pat, (size_t)n))
			return strtol(p + 1 + n, NULL, 10);
	return -1;
}

/* "arrival", when the run records one: a name, or an object with a "kind". */
static void arrival_of(json_t *run, char *out, size_t size)
{
	json_t *v = json_object_get(run, "arrival");
	if (json_is_object(v))
		v = json_object_get(v, "kind");
	snprintf(out, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static void fill_key(json_t *run, struct rs_export_row *row)
{
	str_at(run, "engine", "preset", row->engine, sizeof(row->engine));
	str_at(run, "workload", NULL, row->workload, sizeof(row->workload));
	str_at(run, "pg_mode", NULL, row->pg_mode, sizeof(row->pg_mode));
	str_at(run, "server_flags", NULL, row->server_flags, sizeof(row->server_flags));
	str_at(run, "fault", "spec", row->fault, sizeof(row->fault));
	arrival_of(run, row->arrival, sizeof(row->arrival));
	row->queries = param_of(run, "queries", "queries");
	if (row->queries < 0 && !strcmp(row->workload, "cached-queries"))
		row->queries = param_of(run, "count", "count");
	/* The cache mode is recorded on every run but means something only for /file. */
	str_at(run, "file_size", NULL, row->file_size, sizeof(row->file_size));
	if (row->file_size[0])
		str_at(run, "file_cache", NULL, row->file_cache, sizeof(row->file_cache));
	row->sleep_ms = param_of(run, "sleep_ms", "ms");
	row->cores = long_at(run, "cores", NULL, -1);
	row->conns = long_at(run, "conns", NULL, -1);
	row->pipeline = long_at(run, "pipeline", NULL, long_at(run, "loadgen", "pipeline", -1));
	row->rate = long_at(run, "rate", NULL, -1);
	row->threads = long_at(run, "loadgen", "threads", -1);
	row->pool = long_at(run, "pool", NULL, -1);
	row->duration = long_at(run, "loadgen", "duration_s", -1);
	row->warmup = long_at(run, "loadgen", "warmup_s", -1);
}

/* The reasons' tags (what precedes each one's ':'), comma-separated. */
static void why_of(json_t *reasons, char *out, size_t size)
{
	size_t i, off = 0;
	json_t *v;

	out[0] = 0;
	json_array_foreach(reasons, i, v) {
		const char *s = json_string_value(v);
		if (s && off < size)
			off += (size_t)snprintf(out + off, size - off, "%s%.*s", off ? "," : "", (int)strcspn(s, ":"), s);
	}
}

static void fill_row(json_t *run, struct rs_export_row *row)
{
	json_t *sum = json_object_get(run, "summary"), *lat = json_object_get(sum, "latency_us");
	json_t *ok = at(run, "validity", "ok");

	fill_key(run, row);
	row->rps = num_at(sum, "rps", NULL);
	row->p50 = num_at(lat, "p50", NULL);
	row->p99 = num_at(lat, "p99", NULL);
	row->p999 = num_at(lat, "p999", NULL);
	row->errors = errors_of(sum);
	row->mean = num_at(lat, "mean", NULL);
	row->p90 = num_at(lat, "p90", NULL);
	row->max = num_at(lat, "max", NULL);
	json_t *e = json_object_get(sum, "errors");
	row->err_connect = num_at(e, "connect", NULL);
	row->err_reset = num_at(e, "reset", NULL);
	row->err_timeout = num_at(e, "timeout", NULL);
	row->err_non2xx = num_at(e, "non2xx", NULL);
	row->err_invalid = num_at(e, "invalid", NULL);
	row->cpu_us_per_request = num_at(run, "server", "cpu_us_per_request");
	row->syscalls_per_request = num_at(run, "server", "syscalls_per_request");
	row->threads_max = num_at(run, "server", "threads_max");
	row->cpu_server_user = num_at(run, "cpu_us_per_request", "server_user");
	row->cpu_server_sys = num_at(run, "cpu_us_per_request", "server_sys");
	row->cpu_postgres = num_at(run, "cpu_us_per_request", "postgres");
	row->cpu_loadgen = num_at(run, "cpu_us_per_request", "loadgen");
	row->fault_at_s = num_at(run, "fault", "at_s");
	row->fault_duration_s = num_at(run, "fault", "duration_s");
	row->fault_recovery_s = num_at(run, "fault", "recovery_s");
	row->steal = num_at(run, "validity", "steal");
	row->interference = num_at(run, "validity", "interference");
	row->valid = json_is_boolean(ok) ? json_is_true(ok) : -1;
	why_of(at(run, "validity", "reasons"), row->why, sizeof(row->why));
	str_at(run, "commit", NULL, row->commit, sizeof(row->commit));
	str_at(run, "created", NULL, row->created, sizeof(row->created));
	row->partial = json_is_true(json_object_get(run, "partial")) ||
		       json_is_true(json_object_get(sum, "partial"));
}

int rs_export_read(const char *dir, struct rs_export_row *row)
{
	char path[4200];
	json_error_t jerr;

	memset(row, 0, sizeof(*row));
	snprintf(row->dir, sizeof(row->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/run.json", dir);
	if (access(path, F_OK))
		return -errno;
	json_t *run = json_load_file(path, 0, &jerr);
	if (!run)
		return -EINVAL;
	if (!json_is_object(run)) {
		json_decref(run);
		return -EINVAL;
	}
	fill_row(run, row);
	json_decref(run);
	return 0;
}
