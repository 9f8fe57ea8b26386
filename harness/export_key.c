/* export_key.c - the export's group key (every input that changes a measurement, one table of columns) and its measures. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

/*
 * Two runs are one experiment only when every one of these is equal: the
 * preset, the workload and its parameter, the server's size and flags, the
 * load (connections, pipelining, rate, its threads, arrivals), Postgres's
 * pool and mode, how long it was measured after how long a warm-up, and
 * the fault injected. The table is the order of the columns and of the sort.
 */
struct key_col {
	const char *name;
	bool text;		/* a char array; else a long (-1: not recorded) */
	size_t off;
};

#define TEXT(name, field) { name, true, offsetof(struct rs_export_row, field) }
#define NUM(name, field) { name, false, offsetof(struct rs_export_row, field) }

static const struct key_col key_cols[] = {
	TEXT("engine", engine),
	TEXT("workload", workload),
	NUM("queries", queries),
	NUM("sleep_ms", sleep_ms),
	TEXT("file_size", file_size),
	TEXT("file_cache", file_cache),
	NUM("cores", cores),
	NUM("conns", conns),
	NUM("pipeline", pipeline),
	NUM("rate", rate),
	NUM("threads", threads),
	NUM("pool", pool),
	TEXT("pg_mode", pg_mode),
	TEXT("server_flags", server_flags),
	NUM("duration", duration),
	NUM("warmup", warmup),
	TEXT("fault", fault),
	TEXT("arrival", arrival),
};

#define NKEY (sizeof(key_cols) / sizeof(key_cols[0]))

static const char *text_of(const struct rs_export_row *r, const struct key_col *k)
{
	return (const char *)r + k->off;
}

static long num_of(const struct rs_export_row *r, const struct key_col *k)
{
	return *(const long *)(const void *)((const char *)r + k->off);
}

/* The group key only: variant first. */
static int cmp_key(const struct rs_export_row *x, const struct rs_export_row *y)
{
	int c = strcmp(x->variant, y->variant);

	for (size_t i = 0; !c && i < NKEY; i++) {
		const struct key_col *k = &key_cols[i];
		if (k->text) {
			c = strcmp(text_of(x, k), text_of(y, k));
		} else {
			long a = num_of(x, k), b = num_of(y, k);
			c = (a > b) - (a < b);
		}
	}
	return c;
}

/* By the group key, then by directory (time order for results/runs/<UTC time>-...). */
int rs_export_cmp(const struct rs_export_row *x, const struct rs_export_row *y)
{
	int c = cmp_key(x, y);
	return c ? c : strcmp(x->dir, y->dir);
}

bool rs_export_same_group(const struct rs_export_row *x, const struct rs_export_row *y)
{
	return !cmp_key(x, y);
}

int rs_export_group_len(const struct rs_export_row *rows, int n)
{
	int j = n > 0;
	while (j < n && rs_export_same_group(&rows[0], &rows[j]))
		j++;
	return j;
}

int rs_export_key_value(const struct rs_export_row *r, const char *name, char *out, size_t size)
{
	if (!strcmp(name, "variant")) {
		snprintf(out, size, "%s", r->variant);
		return 0;
	}
	for (size_t i = 0; i < NKEY; i++) {
		const struct key_col *k = &key_cols[i];
		if (strcmp(k->name, name))
			continue;
		if (k->text)
			snprintf(out, size, "%s", text_of(r, k));
		else
			snprintf(out, size, "%ld", num_of(r, k));
		return 0;
	}
	return -EINVAL;
}

/* "-" for what the run did not record: a key cell is never empty, so columns never shift. */
void rs_export_put_key(FILE *f, const struct rs_export_row *r, bool variant)
{
	if (variant)
		fprintf(f, "%s\t", r->variant);
	for (size_t i = 0; i < NKEY; i++) {
		const struct key_col *k = &key_cols[i];
		const char *sep = i ? "\t" : "";
		if (k->text)
			fprintf(f, "%s%s", sep, *text_of(r, k) ? text_of(r, k) : "-");
		else if (num_of(r, k) < 0)
			fprintf(f, "%s-", sep);
		else
			fprintf(f, "%s%ld", sep, num_of(r, k));
	}
}

void rs_export_put_key_header(FILE *f, bool variant)
{
	if (variant)
		fputs("variant\t", f);
	for (size_t i = 0; i < NKEY; i++)
		fprintf(f, "%s%s", i ? "\t" : "", key_cols[i].name);
}

/* ---- the measures ---- */

static const struct {
	const char *name;
	size_t off;
} metrics[RS_EXPORT_NMETRICS] = {
	{ "rps", offsetof(struct rs_export_row, rps) },
	{ "p50_us", offsetof(struct rs_export_row, p50) },
	{ "p99_us", offsetof(struct rs_export_row, p99) },
	{ "p999_us", offsetof(struct rs_export_row, p999) },
	{ "errors", offsetof(struct rs_export_row, errors) },
	/* The server's CPU (user + sys) per request, as before the split below existed. */
	{ "cpu_us_per_request", offsetof(struct rs_export_row, cpu_us_per_request) },
	{ "syscalls_per_request", offsetof(struct rs_export_row, syscalls_per_request) },
	{ "threads_max", offsetof(struct rs_export_row, threads_max) },
	{ "cpu_us_server_user", offsetof(struct rs_export_row, cpu_server_user) },
	{ "cpu_us_server_sys", offsetof(struct rs_export_row, cpu_server_sys) },
	{ "cpu_us_postgres", offsetof(struct rs_export_row, cpu_postgres) },
	{ "cpu_us_loadgen", offsetof(struct rs_export_row, cpu_loadgen) },
	/* Read by name: new measures go at the end. */
	{ "mean_us", offsetof(struct rs_export_row, mean) },
	{ "p90_us", offsetof(struct rs_export_row, p90) },
	{ "max_us", offsetof(struct rs_export_row, max) },
	{ "errors_connect", offsetof(struct rs_export_row, err_connect) },
	{ "errors_reset", offsetof(struct rs_export_row, err_reset) },
	{ "errors_timeout", offsetof(struct rs_export_row, err_timeout) },
	{ "errors_non2xx", offsetof(struct rs_export_row, err_non2xx) },
	{ "errors_invalid", offsetof(struct rs_export_row, err_invalid) },
	/* The validity guards' readings (fractions of the run's CPUs): the threats section reads them. */
	{ "steal", offsetof(struct rs_export_row, steal) },
	{ "interference", offsetof(struct rs_export_row, interference) },
};

const char *rs_export_metric_name(int k)
{
	return k >= 0 && k < RS_EXPORT_NMETRICS ? metrics[k].name : "?";
}

double rs_export_metric(const struct rs_export_row *r, int k)
{
	if (k < 0 || k >= RS_EXPORT_NMETRICS)
		return NAN;
	return *(const double *)(const void *)((const char *)r + metrics[k].off);
}
