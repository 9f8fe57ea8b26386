/* plot.c - `harness plot`: every plots/NAME.gp through gnuplot into plots/out/ (PNG and SVG), saying which figures lacked data. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "opts.h"
#include "engine.h"
#include "preset.h"
#include "plot.h"
#include "rs_config.h"
#include "run.h"

/* gnuplot on PATH, or NULL. */
static const char *find_gnuplot(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("PATH");
	char *dirs = strdup(env && *env ? env : "/usr/bin:/bin"), *save = NULL;

	for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/gnuplot", d);
		if (!access(path, X_OK)) {
			free(dirs);
			return path;
		}
	}
	free(dirs);
	return NULL;
}

/* A table with a header and at least one row. */
/* A header and at least one row ('#' lines are comments; export's notes of what it left out are said). */
static bool has_rows(const char *path, const char *name)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int lines = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(RS_EXPORT_NOTE_PREFIX);
		if (!strncmp(line, RS_EXPORT_NOTE_PREFIX, n))
			printf("  %-20s %s", name, line + n);
		else if (line[0] != '#' && line[0] != '\n')
			lines++;
	}
	fclose(f);
	return lines >= 2;
}

/*
 * The tables a script reads, from its "# data: a/x.tsv b/y.tsv" lines
 * (paths under the results directory). The first one missing or empty
 * goes into missing; returns how many the script names.
 */
static int script_data(const char *script, const char *name, const char *results, char *missing, size_t size)
{
	char line[1024], path[PATH_MAX + 1100];
	int n = 0;

	missing[0] = '\0';
	FILE *f = fopen(script, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "# data:", 7))
			continue;
		char *save = NULL;
		for (char *t = strtok_r(line + 7, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
			n++;
			snprintf(path, sizeof(path), "%s/%s", results, t);
			if (!missing[0] && !has_rows(path, name))
				snprintf(missing, size, "%s", path);
		}
	}
	fclose(f);
	return n;
}

static bool fresh(const char *out, const char *name, const char *ext, time_t since)
{
	char path[PATH_MAX + 300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.%s", out, name, ext);
	return !stat(path, &st) && st.st_size > 0 && st.st_mtime >= since;
}

/* gnuplot -e "results='R'; out='O'" script; 0 when it exited 0 and wrote NAME.png, .svg and .pdf. */
static int run_gnuplot(const char *gnuplot, const char *script, const char *name, const char *results,
		       const char *out)
{
	char vars[2 * PATH_MAX + 1024];
	time_t t0 = time(NULL);
	int status;

	/* engine_order: every preset of the table in its order, so a preset has one colour in every figure. */
	snprintf(vars, sizeof(vars), "results='%s'; out='%s'; figure='%s'; engine_order='%s'", results, out, name,
		 rs_preset_palette_order());
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execl(gnuplot, "gnuplot", "-e", vars, script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "ringside plot: %s: gnuplot failed (%s %d)\n", name,
			WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -EIO;
	}
	if (!fresh(out, name, "png", t0 - 1) || !fresh(out, name, "svg", t0 - 1) || !fresh(out, name, "pdf", t0 - 1)) {
		fprintf(stderr, "ringside plot: %s: gnuplot exited 0 but did not write %s/%s.png, .svg and .pdf\n", name,
			out, name);
		return -EIO;
	}
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_script(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 3 && !strcmp(d->d_name + n - 3, ".gp");
}

/* Absolute, so that gnuplot reads the same paths whatever its directory; no quote (gnuplot's string syntax). */
static int absolute(const char *flag, const char *in, char *out, bool create)
{
	if (strchr(in, '\'')) {
		fprintf(stderr, "ringside plot: --%s: a path with a single quote cannot be passed to gnuplot\n", flag);
		return -EINVAL;
	}
	if (create && rs_mkdir_p(in)) {
		fprintf(stderr, "ringside plot: --%s=%s: %s\n", flag, in, strerror(errno));
		return -errno;
	}
	if (!realpath(in, out)) {
		fprintf(stderr, "ringside plot: --%s=%s: %s\n", flag, in, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * --results holds no figure's table: if it holds runs (a sweep, results/runs), draw what they
 * allow, the throughput figure from their `export --group` table; else say which layout is
 * expected. 0 when a figure was drawn, 1 otherwise.
 */
static int plot_from_runs(const char *gnuplot, const char *results, const char *out, const char *plots, unsigned keep)
{
	char tables[PATH_MAX + 64], path[PATH_MAX + 128], script[PATH_MAX + 64];
	struct rs_export_row *rows = NULL;
	int n = 0;

	if (rs_export_scan(results, keep | RS_EXPORT_QUIET, false, &rows, &n) || n == 0) {
		free(rows);
		fprintf(stderr, "ringside plot: %s has no figure's table and no run.json: --results takes a directory "
				"with one folder per figure (<figure>/<figure>.tsv, as results/paper/<figure>/collect.sh "
				"writes) or a directory of runs (a sweep)\n", results);
		return 1;
	}
	free(rows);
	snprintf(tables, sizeof(tables), "%s/from-runs", out);
	snprintf(path, sizeof(path), "%s/throughput", tables);
	FILE *f = rs_mkdir_p(path) ? NULL : (strcat(path, "/throughput.tsv"), fopen(path, "w"));
	if (!f) {
		fprintf(stderr, "ringside plot: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int err = rs_export_table(results, f, true, keep | RS_EXPORT_NOTE);
	if (fclose(f) || err)
		return 1;
	snprintf(script, sizeof(script), "%s/throughput.gp", plots);
	printf("ringside plot: %s holds %d run%s, not figure tables: the throughput figure from their "
	       "`export --group` table (%s)\n", results, n, n == 1 ? "" : "s", path);
	if (run_gnuplot(gnuplot, script, "throughput", tables, out))
		return 1;
	printf("  %-20s %s/throughput.png, .svg, .pdf\n", "throughput", out);
	return 0;
}

int rs_plot_all(const char *results_in, const char *out_in, const char *plots_in, unsigned keep)
{
	char results[PATH_MAX], out[PATH_MAX], plots[PATH_MAX], script[PATH_MAX + 300], missing[PATH_MAX + 1100];
	struct dirent **list = NULL;
	int n, done = 0, lacked = 0, failed = 0;

	const char *gnuplot = find_gnuplot();
	if (!gnuplot) {
		fprintf(stderr, "ringside plot: gnuplot is not installed: apt-get install gnuplot-nox "
				"(./ringside installs packages.txt)\n");
		return 1;
	}
	/* A quote is a usage error (2); a directory that is not there is a failure (1), as in export. */
	int err = absolute("results", results_in, results, false);
	if (!err)
		err = absolute("out", out_in, out, true);
	if (!err)
		err = absolute("plots", plots_in, plots, false);
	if (err)
		return err == -EINVAL ? 2 : 1;
	n = scandir(plots, &list, is_script, by_name);
	if (n <= 0) {
		fprintf(stderr, "ringside plot: no *.gp scripts in %s\n", plots);
		free(list);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)strlen(list[i]->d_name) - 3, list[i]->d_name);
		snprintf(script, sizeof(script), "%s/%s", plots, list[i]->d_name);
		if (!script_data(script, name, results, missing, sizeof(missing))) {
			fprintf(stderr, "ringside plot: %s names no '# data:' table: skipped\n", script);
			failed++;
		} else if (missing[0]) {
			printf("  %-20s no data: %s is missing or empty\n", name, missing);
			lacked++;
		} else if (run_gnuplot(gnuplot, script, name, results, out)) {
			failed++;
		} else {
			printf("  %-20s %s/%s.png, .svg, .pdf\n", name, out, name);
			done++;
		}
		free(list[i]);
	}
	free(list);
	if (!done && !failed && lacked)
		return plot_from_runs(gnuplot, results, out, plots, keep);
	printf("ringside plot: %d figure%s from %s", done, done == 1 ? "" : "s", results);
	if (lacked)
		printf("; %d lacked data (collect it with results/paper/<figure>/collect.sh)", lacked);
	if (failed)
		printf("; %d FAILED", failed);
	printf("\n");
	return failed ? 1 : 0;
}

int rs_plot_main(int argc, char **argv)
{
	char results_def[PATH_MAX], plots_def[PATH_MAX];
	snprintf(results_def, sizeof(results_def), "%s/paper", rs_path_results());
	bool include_invalid = false;
	const char *results = results_def, *out = rs_path_in_build() ? RS_SOURCE_ROOT "/plots/out" : "plots/out",
		   *plots = rs_path_in_data("plots", plots_def, sizeof(plots_def));
	const struct rs_opt opts[] = {
		{ "results", RS_OPT_STR, &results, .help = "the exported tables, one folder per figure (default results/paper)" },
		{ "out", RS_OPT_STR, &out, .help = "where the PNG and SVG files go (default plots/out)" },
		{ "plots", RS_OPT_STR, &plots, .help = "the gnuplot scripts (default plots)" },
		{ "include-invalid", RS_OPT_BOOL, &include_invalid,
		  .help = "drawing from runs: keep INVALID ones (a figure's table keeps what its export kept)" },
		{ NULL },
	};
	int err = rs_opts_parse("ringside plot", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	return rs_plot_all(results, out, plots, include_invalid ? RS_EXPORT_KEEP_INVALID : 0);
}
