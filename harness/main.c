/* main.c - build/harness: the ringside command line (serve, engines, pg, bench-fiber, ...). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine.h"
#include "loadgen.h"
#include "pg.h"
#include "pgctl.h"
#include "plot.h"
#include "rs_config.h"
#include "run.h"
#include "server.h"

/* Every preset: whether it can run here (its reactor's probe) and why not. */
static int cmd_engines(int argc, char **argv)
{
	const struct rs_preset *const *list = rs_preset_list();
	printf("%-14s %-5s %-16s %-16s %s\n", "ENGINE", "RUNS", "REACTOR", "DRIVER", "WHAT");
	for (size_t i = 0; list[i]; i++) {
		const char *why = NULL;
		int err = list[i]->engine->probe(&why);
		printf("%-14s %-5s %-16s %-16s %s%s%s\n", list[i]->name, err ? "no" : "yes", list[i]->engine->name,
		       list[i]->driver->name, list[i]->summary, err ? " -- cannot run here: " : "", err ? why : "");
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
	if (!have_pg && !no_pg && !help) {
		int err = rs_pgctl_ensure_started(url, sizeof(url));
		if (err) {
			fprintf(stderr, "ringside: cannot start the private PostgreSQL (%s); "
					"use --pg=URL or --no-pg\n", strerror(-err));
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

static const struct command commands[] = {
	{ "serve", cmd_serve, "run a server in the foreground: --engine --cores --port [--cpus] [--pg=URL|--no-pg]" },
	{ "engines", cmd_engines, "list the engines built in and whether each can run here" },
	{ "pg", rs_pgctl_main, "the private PostgreSQL: start|stop|restart|status|url|psql" },
	{ "bench-fiber", rs_bench_fiber_main, "fiber switch cost against swapcontext" },
	{ "loadgen", rs_loadgen_main, "load an HTTP server: --url [--paths] --conns [--rate] [--out=DIR]" },
	{ "run", rs_run_main, "measure a server: --engine --workload --cores --conns --duration [--rate] [--repeat]" },
	{ "sweep", rs_sweep_main, "a matrix of runs: --engines --workloads --cores --conns [--rates] --repeat, resumable" },
	{ "export", rs_export_main, "run.json files as a tab-separated table: [--results=DIR] [--out=FILE] [--group]" },
	{ "plot", rs_plot_main, "every figure (plots/*.gp) from results/paper into plots/out: [--results=DIR]" },
	{ "paper", rs_paper_main, "figures, then paper/paper.md's tables from results/paper, then a PDF (pandoc)" },
	{ "help", cmd_help, "this text" },
	{ NULL, NULL, NULL },
};

static int cmd_help(int argc, char **argv)
{
	printf("ringside %s - what does it cost an HTTP server to talk to PostgreSQL?\n\n"
	       "usage: ./ringside COMMAND [--flag=value ...]\n"
	       "       ./ringside test [meson test args]\n"
	       "       ./ringside fuzz [--seconds=N]   (libFuzzer targets of tests/fuzz, in build-fuzz/)\n\n"
	       "commands:\n", RS_VERSION);
	for (const struct command *c = commands; c->name; c++)
		printf("  %-12s %s\n", c->name, c->help);
	printf("\n`./ringside COMMAND --help` lists a command's flags.\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc, argv);
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "ringside: unknown command '%s'; commands:", argv[1]);
	for (const struct command *c = commands; c->name; c++)
		fprintf(stderr, " %s", c->name);
	fprintf(stderr, "\n");
	return 2;
}
