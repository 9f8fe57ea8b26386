/* main.c - build/harness: the ringside command line (serve, engines, pg, bench-fiber, ...). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ab.h"
#include "bench.h"
#include "compare.h"
#include "engine.h"
#include "preset.h"
#include "files.h"
#include "redis.h"
#include "redisctl.h"
#include "loadgen.h"
#include "pg.h"
#include "pgctl.h"
#include "plot.h"
#include "rs_config.h"
#include "run.h"
#include "server.h"
#include "version.h"

/* Every preset: whether it can run here (its reactor's probe) and why not. */
static int cmd_engines(int argc, char **argv)
{
	const struct rs_preset *const *list = rs_preset_list();
	char bad[256];

	if (rs_presets_check(bad, sizeof(bad))) {
		fprintf(stderr, "ringside engines: %s\n", bad);
		return 2;
	}
	/* --names: the built presets, one a line (results/paper/lib.sh); --palette: every preset of
	 * the table, built or not, in colour order (harness plot). */
	if (argc == 2 && (!strcmp(argv[1], "--names") || !strcmp(argv[1], "--palette"))) {
		if (argv[1][2] == 'p')
			printf("%s\n", rs_preset_palette_order());
		else
			for (size_t i = 0; list[i]; i++)
				printf("%s\n", list[i]->name);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "ringside engines: unknown argument '%s'; accepted: --names, --palette\n", argv[1]);
		return 2;
	}
	printf("%-14s %-5s %-16s %-16s %-17s %s\n", "PRESET", "RUNS", "REACTOR", "DRIVER", "REDIS", "WHAT");
	for (size_t i = 0; list[i]; i++) {
		const char *why = NULL;
		int err = list[i]->engine->probe(&why);
		const struct rs_redis_ops *redis = rs_redis_driver_for(list[i]->driver);
		printf("%-14s %-5s %-16s %-16s %-17s %s%s%s\n", list[i]->name, err ? "no" : "yes", list[i]->engine->name,
		       list[i]->driver->name, redis ? redis->name : "-", list[i]->summary,
		       err ? " -- cannot run here: " : "", err ? why : "");
	}
	return 0;
}

/*
 * `serve` without --pg uses the project's own PostgreSQL (started if need
 * be); --no-pg serves without a database.
 */
static int cmd_serve(int argc, char **argv)
{
	static char url[512], flag[600];
	char *args[64];
	int n = 0;
	bool have_pg = getenv("RINGSIDE_PG_URL") != NULL, no_pg = false, help = false;

	if (argc > 60) {
		fprintf(stderr, "ringside serve: too many arguments\n");
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "--pg=", 5) || !strcmp(argv[i], "--pg"))
			have_pg = true;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			help = true;
		if (!strcmp(argv[i], "--no-pg")) {
			no_pg = true;
			continue;
		}
		args[n++] = argv[i];
	}
	if (help) {
		const char *prog = getenv("RINGSIDE_PROG");
		printf("usage: %s serve [--flag=value ...]   (in the foreground; ^C stops)\n"
		       "  --no-pg                  serve without a database (default: --pg, else the private cluster)\n",
		       prog && *prog ? prog : "harness");
	}
	if (!have_pg && !no_pg && !help) {
		int err = rs_pgctl_ensure_started(url, sizeof(url));
		if (err) {
			fprintf(stderr, "ringside: cannot start the private PostgreSQL (%s); "
					"use --pg=URL, --no-pg, or RINGSIDE_PG_DIR=DIR for a cluster of your own\n", strerror(-err));
			return 1;
		}
		snprintf(flag, sizeof(flag), "--pg=%s", url);
		args[n++] = flag;
	}
	args[n] = NULL;
	return rs_server_main(n, args);
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static int cmd_help(int argc, char **argv);
static const char *g_argv0 = "harness"; /* how we were run, for the usage lines */

static const struct command commands[] = {
	{ "serve", cmd_serve, "run a server in the foreground: --engine --cores --port [--cpus] [--pg=URL|--no-pg]" },
	{ "engines", cmd_engines, "list the presets built in and whether each can run here (--names: names only)" },
	{ "pg", rs_pgctl_main, "the private PostgreSQL: start|stop|restart|status|url|psql" },
	{ "redis", rs_redisctl_main, "the private redis-server: start|stop|restart|status|url" },
	{ "files", rs_files_main, "files /file serves: make [--sizes=1k,64k,1m] [--count=1000] [--dir=DIR] | dir" },
	{ "bench-fiber", rs_bench_fiber_main, "fiber switch cost against swapcontext" },
	{ "bench-parse", rs_bench_parse_main, "HTTP request parse cost, ns per request (pipelined batches of 16)" },
	{ "loadgen", rs_loadgen_main, "load an HTTP server: --url [--paths] --conns [--rate] [--out=DIR]" },
	{ "run", rs_run_main, "measure a server: --engine --workload --cores --conns --duration [--rate] [--repeat]" },
	{ "sweep", rs_sweep_main, "a matrix of runs: --engines --workloads --cores --conns [--rates] --repeat, resumable" },
	{ "export", rs_export_main, "run.json files as a tab-separated table: [--results=DIR] [--out=FILE] [--group]" },
	{ "compare", rs_compare_main, "B against A (run/sweep dirs or key=value filters): ratios with 95% CI, p, verdict [--where] [--format=md|tsv|json]" },
	{ "ab", rs_ab_main, "two git refs built under build-ab/, run A, B, A, B with the same flags, then compare: REF_A REF_B [run flags]" },
	{ "plot", rs_plot_main, "every figure (plots/*.gp) from results/paper into plots/out: [--results=DIR]" },
	{ "paper", rs_paper_main, "figures, then paper/paper.md's tables from results/paper, then a PDF (pandoc)" },
	{ "deploy", rs_deploy_main, "the committed tree to another host, built there: ssh://[user@]host[:port] [--dir=PATH]" },
	{ "server-agent", rs_server_agent_main, "(run --server-host runs it over ssh) the server started and sampled here" },
	{ "help", cmd_help, "this text" },
	{ NULL, NULL, NULL },
};

static int cmd_help(int argc, char **argv)
{
	/* Named as typed: the wrapper sets RINGSIDE_PROG; test and fuzz are the wrapper's own. */
	const char *prog = getenv("RINGSIDE_PROG");
	bool wrapper = prog && *prog;
	const char *self = g_argv0;
	printf("ringside %s - what does it cost an HTTP server to talk to PostgreSQL?\n\n"
	       "usage: %s COMMAND [--flag=value ...]\n", RS_VERSION, wrapper ? prog : self);
	if (wrapper)
		printf("       %s test [meson test args]\n"
		       "       %s fuzz [--seconds=N]   (libFuzzer targets of tests/fuzz, in build-fuzz/)\n", prog, prog);
	printf("       %s --version            (version, commit, build options)\n\ncommands:\n", wrapper ? prog : self);
	for (const struct command *c = commands; c->name; c++)
		printf("  %-12s %s\n", c->name, c->help);
	printf("\n`%s COMMAND --help` lists a command's flags. Exit codes: 0 done, 1 failed, 2 usage.\n",
	       wrapper ? prog : self);
	return 0;
}

int main(int argc, char **argv)
{
	g_argv0 = argv[0];
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc, argv);
	if (!strcmp(argv[1], "--version")) {
		rs_print_version("ringside");
		return 0;
	}
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "ringside: unknown command '%s'; commands:", argv[1]);
	for (const struct command *c = commands; c->name; c++)
		fprintf(stderr, " %s", c->name);
	fprintf(stderr, "\n");
	return 2;
}
