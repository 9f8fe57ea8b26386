/* test_sweep.c - `harness sweep` resumes: a second run of a finished 1-cell sweep does no work. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "preset.h"
#include "runlib.h"

static struct timespec mtime_of(const char *path)
{
	struct stat st;
	REQUIRE(!stat(path, &st), "%s: %s", path, strerror(errno));
	return st.st_mtim;
}

int main(int argc, char **argv)
{
	char out[1 << 16], outf[4200], path[4300], engines[64];
	const char *why = NULL, *engine = NULL;

	REQUIRE(argc == 3, "usage: test_sweep HARNESS DIR");
	/* Any engine that runs here will do; plaintext needs no database. */
	for (const struct rs_preset *const *p = rs_preset_list(); *p && !engine; p++)
		if (!(*p)->engine->probe(&why))
			engine = (*p)->name;
	if (!engine)
		skip("no engine can run here (last: %s)", why ? why : "none built");
	remove_tree(argv[2]);
	snprintf(outf, sizeof(outf), "--out=%s", argv[2]);
	snprintf(engines, sizeof(engines), "--engines=%s", engine);
	const char *args[] = { argv[1], "sweep", engines, "--workloads=plaintext", "--conns=8", "--cores=1",
			       "--repeat=1", "--duration=1", "--warmup=0", "--quiet", outf,
			       /* the medians are the subject here, not the verdicts (a busy machine, a dirty tree) */
			       "--include-invalid", "--loadgen-probe-s=0", NULL };

	REQUIRE(run_capture(args, out, sizeof(out)) == 0, "first sweep failed");
	REQUIRE(strstr(out, "ran 1, skipped 0 (already done), failed 0"), "the first sweep did not run its cell");
	snprintf(path, sizeof(path), "%s/%s-plaintext-c1-n8/1/run.json", argv[2], engine);
	struct timespec before = mtime_of(path);

	REQUIRE(run_capture(args, out, sizeof(out)) == 0, "second sweep failed");
	REQUIRE(strstr(out, "ran 0, skipped 1 (already done), failed 0"), "the second sweep ran again");
	struct timespec after = mtime_of(path);
	REQUIRE(before.tv_sec == after.tv_sec && before.tv_nsec == after.tv_nsec, "run.json was rewritten");
	REQUIRE(strstr(out, "req/s"), "no medians printed");
	REQUIRE(strstr(out, "[95% bootstrap CI]") && strstr(out, "req/s"), "the medians' intervals are not explained");
	snprintf(path, sizeof(path), "%s/summary.tsv", argv[2]);
	mtime_of(path);
	FILE *f = fopen(path, "r");
	char head[4096] = "";
	REQUIRE(f && fgets(head, sizeof(head), f), "summary.tsv unreadable");
	fclose(f);
	REQUIRE(strstr(head, "\trps_lo\trps_hi\trps_cv\t") && strstr(head, "\tnoisy\n"), "summary.tsv has no intervals: %s",
	      head);

	/* Other flags in the same directory would mix unlike runs: refused. */
	args[8] = "--warmup=1";
	REQUIRE(run_capture(args, out, sizeof(out)) == 1, "a sweep with other flags resumed");
	REQUIRE(strstr(out, "was made with other flags"), "no reason given");
	printf("ok\n");
	return 0;
}
