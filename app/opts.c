/* opts.c - one small table-driven --flag=value parser for every ringside command. */
/* In app/, not engines/: an argument echoed in an error goes through the drivers' rs_pg_redact
 * (a mistyped --pg=URL must not print its password), and only the command lines parse flags: the
 * server (app/server.c) and the harness above it. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opts.h"
#include "pg.h"

void rs_opts_usage(const struct rs_opt *opts, bool to_stdout)
{
	FILE *f = to_stdout ? stdout : stderr;
	for (const struct rs_opt *o = opts; o->name; o++) {
		char lhs[64];
		const char *val = o->kind == RS_OPT_INT ? "=N" : o->kind == RS_OPT_BOOL ? "[=on|off]" : "=VALUE";
		snprintf(lhs, sizeof(lhs), "--%s%s", o->name, val);
		fprintf(f, "  %-24s %s", lhs, o->help ? o->help : "");
		if (o->kind == RS_OPT_CHOICE)
			fprintf(f, " (%s)", o->choices);
		if (o->kind == RS_OPT_INT)
			fprintf(f, " [%ld..%ld]", o->min, o->max);
		fputc('\n', f);
	}
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = choices; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, v, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static int opt_set(const char *cmd, const struct rs_opt *o, const char *val)
{
	switch (o->kind) {
	case RS_OPT_BOOL:
		if (!val || !strcasecmp(val, "on") || !strcasecmp(val, "yes") || !strcasecmp(val, "true") ||
		    !strcmp(val, "1")) {
			*(bool *)o->dst = true;
			return 0;
		}
		if (!strcasecmp(val, "off") || !strcasecmp(val, "no") || !strcasecmp(val, "false") ||
		    !strcmp(val, "0")) {
			*(bool *)o->dst = false;
			return 0;
		}
		fprintf(stderr, "%s: --%s=%s: expected on or off\n", cmd, o->name, val);
		return -EINVAL;
	case RS_OPT_INT: {
		char *end = NULL;
		errno = 0;
		long v = val ? strtol(val, &end, 10) : 0;
		if (!val || !*val || *end || errno || v < o->min || v > o->max) {
			fprintf(stderr, "%s: --%s=%s: expected an integer in %ld..%ld\n", cmd, o->name,
				val ? val : "", o->min, o->max);
			return -EINVAL;
		}
		*(long *)o->dst = v;
		return 0;
	}
	case RS_OPT_CHOICE:
		if (!val || !choice_ok(o->choices, val)) {
			fprintf(stderr, "%s: --%s=%s: accepted values: %s\n", cmd, o->name, val ? val : "",
				o->choices);
			return -EINVAL;
		}
		*(const char **)o->dst = val;
		return 0;
	case RS_OPT_STR:
		if (!val) {
			fprintf(stderr, "%s: --%s needs a value (--%s=VALUE)\n", cmd, o->name, o->name);
			return -EINVAL;
		}
		*(const char **)o->dst = val;
		return 0;
	}
	return -EINVAL;
}

/* Arguments echoed in errors go through this: a mistyped --pg=URL must not
 * print its password. */
static void say_arg(const char *cmd, const char *what, const char *arg)
{
	char *shown = rs_pg_redact(arg);
	fprintf(stderr, "%s: %s '%s'", cmd, what, shown ? shown : "?");
	free(shown);
}

/* Edit distance between a[0..la) and b, capped: enough to tell a typo from another flag. */
static size_t distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* A mistyped flag gets the nearest one (two edits at most); anything else the whole list. */
static int unknown_flag(const char *cmd, const struct rs_opt *opts, const char *arg, size_t len)
{
	const struct rs_opt *near = NULL;
	size_t best = 3;

	for (const struct rs_opt *o = opts; o->name; o++) {
		size_t d = distance(arg + 2, len, o->name);
		if (d < best && d < strlen(o->name)) {
			best = d;
			near = o;
		}
	}
	say_arg(cmd, "unknown option", arg);
	if (near) {
		fprintf(stderr, "; did you mean --%s? (--help lists every option)\n", near->name);
		return -EINVAL;
	}
	fprintf(stderr, "; accepted options:\n");
	rs_opts_usage(opts, false);
	return -EINVAL;
}

int rs_opts_parse(const char *cmd, const struct rs_opt *opts, int argc, char **argv, int first, int *npos)
{
	int pos = 0;
	for (int i = first; i < argc; i++) {
		char *arg = argv[i];
		if (strncmp(arg, "--", 2) != 0) {
			if (!npos) {
				say_arg(cmd, "unexpected argument", arg);
				fputc('\n', stderr);
				return -EINVAL;
			}
			argv[first + pos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			rs_opts_usage(opts, true);
			return 1;
		}
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct rs_opt *o = opts;
		while (o->name && !(strlen(o->name) == len && !strncmp(o->name, name, len)))
			o++;
		if (!o->name)
			return unknown_flag(cmd, opts, arg, len);
		const char *val = eq ? eq + 1 : NULL;
		/* "--flag value" for non-bool flags. */
		if (!val && o->kind != RS_OPT_BOOL && i + 1 < argc)
			val = argv[++i];
		int err = opt_set(cmd, o, val);
		if (err)
			return err;
	}
	if (npos)
		*npos = pos;
	return 0;
}

int rs_parse_cpu_list(const char *list, int *cpus, int max)
{
	int n = 0;
	for (const char *p = list; p && *p;) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p || a < 0)
			return -EINVAL;
		if (*end == '-') {
			const char *q = end + 1;
			b = strtol(q, &end, 10);
			if (end == q || b < a)
				return -EINVAL;
		}
		if (*end && *end != ',')
			return -EINVAL;
		for (long c = a; c <= b; c++) {
			if (n == max || c >= CPU_SETSIZE)
				return -EINVAL;
			cpus[n++] = (int)c;
		}
		p = *end ? end + 1 : end;
	}
	return n ? n : -EINVAL;
}
