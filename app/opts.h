/* opts.h - one small table-driven --flag=value parser for every ringside command. */
#ifndef RS_OPTS_H
#define RS_OPTS_H

#include <stdbool.h>

enum rs_opt_kind {
	RS_OPT_INT,    /* long, checked against [min, max] */
	RS_OPT_STR,    /* const char *, points into argv */
	RS_OPT_BOOL,   /* bool: --name, --name=on|off|yes|no|true|false|1|0 */
	RS_OPT_CHOICE, /* const char *, one of choices (comma-separated) */
};

struct rs_opt {
	const char *name; /* without the leading "--" */
	enum rs_opt_kind kind;
	void *dst;
	long min, max;       /* RS_OPT_INT */
	const char *choices; /* RS_OPT_CHOICE, e.g. "exclusive,shared" */
	const char *help;
};

/*
 * Parse argv[first..argc) against opts (terminated by an entry with a NULL
 * name). Arguments that are not flags are left in place and counted: the
 * positional ones are moved to the front of argv[first..] and their count
 * is stored in *npos (may be NULL: then positionals are an error).
 * On a bad flag, prints what is wrong and what is accepted to stderr, prefixed
 * with cmd, and returns -EINVAL. "--help" returns 1 after printing usage.
 */
int rs_opts_parse(const char *cmd, const struct rs_opt *opts, int argc, char **argv, int first,
		  int *npos);

/* Print "  --name=VALUE  help" lines for opts to stderr/stdout. */
void rs_opts_usage(const struct rs_opt *opts, bool to_stdout);

/* "1,3,5-7" -> cpus[] (the --cpus flags of server and load generator): the count, or -EINVAL
 * for an empty, malformed or descending list, more than max CPUs or one past CPU_SETSIZE. */
int rs_parse_cpu_list(const char *list, int *cpus, int max);

#endif
