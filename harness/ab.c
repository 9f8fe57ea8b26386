/* ab.c - `harness ab REF_A REF_B [run flags]`: build two git refs in worktrees under build-ab/, run them interleaved A, B, A, B, and compare. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ab.h"
#include "compare.h"
#include "paths.h"
#include "results.h"
#include "rs_config.h"
#include "run.h"
#include "stats.h"
#include "stats_print.h"

extern char **environ;

/* Run argv, stdout to ours (or to /dev/null when quiet); its exit code, 128 + signal, or -errno. */
static int spawn(char *const argv[], bool quiet)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -err;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The commit ref names, 40 hex digits into sha; 0 or -EINVAL (said). */
static int resolve(const char *ref, char sha[41])
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse --verify --quiet '%s^{commit}' 2>/dev/null", RS_SOURCE_ROOT, ref);
	FILE *p = strchr(ref, '\'') ? NULL : popen(cmd, "r");
	int ok = p && fscanf(p, "%40s", sha) == 1 && strlen(sha) == 40;
	if (p)
		pclose(p);
	if (!ok)
		fprintf(stderr, "ringside ab: '%s' is not a commit of %s (a branch, tag or hash)\n", ref, RS_SOURCE_ROOT);
	return ok ? 0 : -EINVAL;
}

/* build-ab/<sha12>: a detached worktree of sha, built (harness and ringside-server only). */
static int build_ref(const char *ref, const char *sha, char *dir, size_t size)
{
	char bdir[4200];
	struct stat st;

	snprintf(dir, size, "%s/build-ab/%.12s", RS_SOURCE_ROOT, sha);
	snprintf(bdir, sizeof(bdir), "%s/build", dir);
	if (stat(dir, &st)) {
		printf("ab: %s (%.12s): worktree %s\n", ref, sha, dir);
		char *wt[] = { "git", "-C", RS_SOURCE_ROOT, "worktree", "add", "--detach", dir, (char *)sha, NULL };
		if (spawn(wt, true)) {
			fprintf(stderr, "ringside ab: git worktree add %s %s failed\n", dir, sha);
			return -EIO;
		}
	}
	if (stat(bdir, &st)) {
		char *setup[] = { "meson", "setup", bdir, dir, NULL };
		if (spawn(setup, true)) {
			fprintf(stderr, "ringside ab: meson setup %s failed\n", bdir);
			return -EIO;
		}
	}
	printf("ab: building %s (%.12s)\n", ref, sha);
	fflush(stdout);
	char *ninja[] = { "ninja", "-C", bdir, "harness", "ringside-server", NULL };
	if (spawn(ninja, true)) {
		fprintf(stderr, "ringside ab: %s does not build (ninja -C %s)\n", ref, bdir);
		return -EIO;
	}
	return 0;
}

int rs_ab_main(int argc, char **argv)
{
	if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		fprintf(stderr, "usage: harness ab REF_A REF_B [run flags, --repeat=N|auto, --max-repeat=N]\n"
				"  builds each git ref under build-ab/, runs them A, B, A, B, ... and prints compare\n");
		return 2;
	}
	char sha[2][41], dir[2][4096];
	long repeat = 3, max_repeat = 10;
	int auto_mode = 0;
	const char *refs[2] = { argv[1], argv[2] };
	char **flags = calloc((size_t)argc + 4, sizeof(char *));
	int nf = 0;

	if (!flags)
		return 1;
	char probe[4200];
	snprintf(probe, sizeof(probe), "%s/.git", RS_SOURCE_ROOT);
	if (access(probe, F_OK)) {
		fprintf(stderr, "ringside ab: %s is not a git checkout: ab builds git refs\n", RS_SOURCE_ROOT);
		free(flags);
		return 2;
	}
	/* --repeat and --max-repeat are ab's; every other flag goes to each run. A run told
	 * which Postgres to use (--pg, --no-pg) keeps it; otherwise both share ours (below). */
	const char *repeat_s = "3";
	const char *pg_dir = getenv("RINGSIDE_PG_DIR");
	bool own_pg = !pg_dir || !*pg_dir;
	for (int i = 3; i < argc; i++) {
		if (!strncmp(argv[i], "--repeat=", 9))
			repeat_s = argv[i] + 9;
		else if (!strncmp(argv[i], "--max-repeat=", 13))
			max_repeat = atol(argv[i] + 13);
		else if (!strncmp(argv[i], "--out=", 6)) {
			fprintf(stderr, "ringside ab: --out is ab's own (results/runs/ab-...)\n");
			free(flags);
			return 2;
		} else {
			if (!strncmp(argv[i], "--pg=", 5) || !strcmp(argv[i], "--no-pg"))
				own_pg = false;
			flags[nf++] = argv[i];
		}
	}
	if (max_repeat < RS_STATS_AUTO_MIN || max_repeat > 1000) {
		fprintf(stderr, "ringside ab: --max-repeat: %d..1000\n", RS_STATS_AUTO_MIN);
		free(flags);
		return 2;
	}
	int err = rs_repeat_parse("ringside ab", repeat_s, max_repeat, &repeat, &auto_mode);
	for (int s = 0; !err && s < 2; s++)
		err = resolve(refs[s], sha[s]);
	if (err) {
		free(flags);
		return 2;
	}
	for (int s = 0; !err && s < 2; s++)
		err = build_ref(refs[s], sha[s], dir[s], sizeof(dir[s]));
	char label[128], *base = NULL;
	snprintf(label, sizeof(label), "ab-%.12s-%.12s", sha[0], sha[1]);
	if (!err)
		err = rs_results_new_dir(RS_SOURCE_ROOT "/results/runs", label, &base);
	char side[2][4300];
	for (int s = 0; !err && s < 2; s++) {
		snprintf(side[s], sizeof(side[s]), "%s/%c", base, "AB"[s]);
		err = rs_mkdir_p(side[s]);
	}
	/* Both sides on one Postgres, this harness's private cluster: each ref's harness would
	 * otherwise start its own under build-ab/<sha>/build/pg, a second difference between A
	 * and B (another cluster's state), and leave both running. --pg, --no-pg and
	 * RINGSIDE_PG_DIR still choose. */
	if (own_pg)
		setenv("RINGSIDE_PG_DIR", rs_path_pg(), 1);
	rs_run_catch_signals();
	double *rps[2] = { calloc((size_t)repeat, sizeof(double)), calloc((size_t)repeat, sizeof(double)) };
	int done = 0, converged = 0;
	for (int i = 1; !err && i <= repeat && !rs_run_interrupted(); i++) {
		for (int s = 0; !err && s < 2; s++) {
			char exe[4200], out[8800];
			struct rs_export_row row;
			snprintf(exe, sizeof(exe), "%s/build/harness", dir[s]);
			snprintf(out, sizeof(out), "--out=%s/%d", side[s], i);
			char **args = calloc((size_t)nf + 4, sizeof(char *));
			if (!args) {
				err = -ENOMEM;
				break;
			}
			args[0] = exe;
			args[1] = "run";
			memcpy(args + 2, flags, sizeof(char *) * (size_t)nf);
			args[2 + nf] = out;
			printf("\nab: round %d, %s (%s)\n", i, "AB"[s] == 'A' ? "A" : "B", refs[s]);
			fflush(stdout);
			int rc = spawn(args, false);
			free(args);
			if (rc) {
				fprintf(stderr, "ringside ab: %s's run failed (exit %d)\n", refs[s], rc);
				err = -EIO;
				break;
			}
			snprintf(out, sizeof(out), "%s/%d", side[s], i);
			rps[s][i - 1] = rs_export_read(out, &row) ? 0 : row.rps;
		}
		if (!err)
			done = i;
		if (!err && auto_mode && (converged = rs_stats_converged(rps[0], done) && rs_stats_converged(rps[1], done)))
			break;
	}
	free(rps[0]);
	free(rps[1]);
	free(flags);
	if (err) {
		free(base);
		return 1;
	}
	if (auto_mode)
		printf("\nab --repeat=auto: %d rounds, %s\n", done, converged ? "both converged" : "not both converged");
	printf("\nab: %s\n", base);
	struct rs_compare_side_spec a = { side[0], refs[0] }, b = { side[1], refs[1] };
	struct rs_compare_row *rows;
	int n;
	err = rs_compare_rows(&a, &b, NULL, NULL, &rows, &n);
	if (!err) {
		rs_compare_print(stdout, rows, n, "text");
		free(rows);
	}
	free(base);
	return err ? 1 : 0;
}
