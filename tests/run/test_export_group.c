/* test_export_group.c - live runs differing only in --pipeline or --server-flags are different groups of `export --group`; repetitions are one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "preset.h"
#include "runlib.h"
#include "tsvlib.h"

static const char *g_harness, *g_engine, *g_root;
static struct tsv g_table;

static void run(const char *sub, const char *pipeline, const char *server_flags)
{
	char out[1 << 15], dir[4200], engine[96], flags[256];

	snprintf(dir, sizeof(dir), "--out=%s/%s", g_root, sub);
	snprintf(engine, sizeof(engine), "--engine=%s", g_engine);
	snprintf(flags, sizeof(flags), "--server-flags=%s", server_flags);
	const char *args[] = { g_harness, "run", engine, "--workload=plaintext", "--conns=4", "--duration=1",
			       "--warmup=0", "--loadgen-probe-s=0", pipeline, "--quiet", dir, *server_flags ? flags : NULL, NULL };
	int rc = run_capture(args, out, sizeof(out));
	REQUIRE(rc == 0, "harness run %s exited %d", sub, rc);
}

/* A /file run over files of this size; its cache mode is hot. */
static void run_file(const char *sub, const char *size)
{
	char out[1 << 15], dir[4200], engine[96], fsize[64], fdir[4200];

	snprintf(dir, sizeof(dir), "--out=%s/%s", g_root, sub);
	snprintf(engine, sizeof(engine), "--engine=%s", g_engine);
	snprintf(fsize, sizeof(fsize), "--file-size=%s", size);
	snprintf(fdir, sizeof(fdir), "--files-dir=%s/files", g_root);
	const char *args[] = { g_harness, "run", engine, "--workload=file", fsize, fdir, "--conns=4",
			       "--duration=1", "--warmup=0", "--quiet", dir, NULL };
	int rc = run_capture(args, out, sizeof(out));
	REQUIRE(rc == 0, "harness run %s exited %d", sub, rc);
}

static void export(const char *flag)
{
	char results[4200], outf[4200], out[8192];

	snprintf(results, sizeof(results), "--results=%s", g_root);
	snprintf(outf, sizeof(outf), "--out=%s/table.tsv", g_root);
	/* The grouping is the subject here, not the verdicts (a busy machine, a dirty tree). */
	const char *args[] = { g_harness, "export", results, outf, "--include-invalid", flag, NULL };
	int rc = run_capture(args, out, sizeof(out));
	REQUIRE(rc == 0, "export %s exited %d", flag, rc);
	snprintf(outf, sizeof(outf), "%s/table.tsv", g_root);
	tsv_free(&g_table);
	tsv_load(&g_table, outf);
}

/* The group whose pipeline and server_flags are these: its row, or -1. */
static int group(const char *pipeline, const char *server_flags)
{
	for (int i = 0; i < g_table.nrows; i++)
		if (!strcmp(tsv_get(&g_table, i, "pipeline"), pipeline) &&
		    !strcmp(tsv_get(&g_table, i, "server_flags"), server_flags))
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	static const char *const key[] = { "engine", "workload", "queries", "sleep_ms", "cores", "conns",
					   "pipeline", "rate", "threads", "pool", "pg_mode", "server_flags",
					   "duration", "warmup", "fault", "arrival" };
	const char *why = NULL;

	REQUIRE(argc == 4, "usage: test_export_group HARNESS PRESET DIR");
	g_harness = argv[1];
	g_engine = argv[2];
	g_root = argv[3];
	const struct rs_preset *p = rs_preset_find(g_engine);
	REQUIRE(p, "preset %s is not in this build", g_engine);
	int err = p->engine->probe(&why);
	if (err)
		skip("engine %s cannot run here: %s", g_engine, why ? why : strerror(-err));
	remove_tree(g_root);
	REQUIRE(!mkdir(g_root, 0755), "mkdir %s: %s", g_root, strerror(errno));
	run("p1-a", "--pipeline=1", "");
	run("p1-b", "--pipeline=1", "");
	run("p16", "--pipeline=16", "");
	/* The server's default, spelt out: still another experiment as far as the key knows. */
	run("p1-flag", "--pipeline=1", "--idle-timeout-ms=60000");

	export("--group=off");
	REQUIRE(g_table.nrows == 4, "%d runs exported, want 4", g_table.nrows);
	for (int i = 0; i < 4; i++) {
		/* Every input is a column; those plaintext takes have a value. */
		for (size_t k = 0; k < sizeof(key) / sizeof(key[0]); k++)
			tsv_get(&g_table, i, key[k]);
		REQUIRE(!strcmp(tsv_get(&g_table, i, "duration"), "1") && !strcmp(tsv_get(&g_table, i, "warmup"), "0"),
		      "duration and warm-up of run %d", i + 1);
		REQUIRE(strcmp(tsv_get(&g_table, i, "threads"), "-") && strcmp(tsv_get(&g_table, i, "commit"), "-") &&
			      strcmp(tsv_get(&g_table, i, "created"), "-"),
		      "threads, commit, created of run %d", i + 1);
		REQUIRE(!strcmp(tsv_get(&g_table, i, "queries"), "-"), "plaintext takes no ?queries");
		const char *v = tsv_get(&g_table, i, "valid");
		REQUIRE(!*v || !strcmp(v, "true") || !strcmp(v, "false"), "valid is '%s'", v);
	}

	export("--group");
	REQUIRE(g_table.nrows == 3, "%d groups, want 3 (pipeline 1, pipeline 16, pipeline 1 with a server flag)",
	      g_table.nrows);
	int one = group("1", "-"), sixteen = group("16", "-"), flagged = group("1", "--idle-timeout-ms=60000");
	REQUIRE(one >= 0 && sixteen >= 0 && flagged >= 0, "the groups are not pipeline 1, 16 and 1 with the flag");
	REQUIRE(!strcmp(tsv_get(&g_table, one, "runs"), "2"), "pipeline 1: %s runs, want 2 (the repetitions)",
	      tsv_get(&g_table, one, "runs"));
	REQUIRE(!strcmp(tsv_get(&g_table, sixteen, "runs"), "1") && !strcmp(tsv_get(&g_table, flagged, "runs"), "1"),
	      "pipeline 16 and the flagged run are one run each");

	/* /file at two sizes: two experiments, and the size and cache mode are columns. */
	char results[4200], files[4200], out[8192];
	snprintf(files, sizeof(files), "--dir=%s/files", g_root);
	const char *make[] = { g_harness, "files", "make", "--sizes=1k,64k", "--count=4", files, NULL };
	REQUIRE(run_capture(make, out, sizeof(out)) == 0, "harness files make failed: %s", out);
	snprintf(results, sizeof(results), "%s/file", g_root);
	REQUIRE(!mkdir(results, 0755), "mkdir %s: %s", results, strerror(errno));
	run_file("file/1k", "1k");
	run_file("file/64k", "64k");
	const char *saved = g_root;
	g_root = results;
	export("--group");
	g_root = saved;
	REQUIRE(g_table.nrows == 2, "%d groups of /file runs at 1k and 64k, want 2", g_table.nrows);
	for (int i = 0; i < 2; i++)
		REQUIRE(!strcmp(tsv_get(&g_table, i, "file_cache"), "hot"), "file_cache of group %d is '%s', want hot", i,
		      tsv_get(&g_table, i, "file_cache"));
	REQUIRE(strcmp(tsv_get(&g_table, 0, "file_size"), tsv_get(&g_table, 1, "file_size")),
	      "both groups have file_size %s", tsv_get(&g_table, 0, "file_size"));
	tsv_free(&g_table);
	printf("ok\n");
	return 0;
}
