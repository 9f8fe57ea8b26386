/* paper.c - `harness paper`: the figures, then the generated tables of paper/paper.md, then a PDF through pandoc. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opts.h"
#include "plot.h"
#include "rs_config.h"
#include "run.h"

/*
 * A table marker in paper.md:
 *
 *   <!-- table:throughput/throughput.tsv engine workload rps p99_us workload=select42 -->
 *   ...generated, replaced on every run...
 *   <!-- end -->
 *
 * The first word is a table under the results directory, then its columns
 * in order; a word with '=' keeps only the rows whose column has that
 * value. A column m with m_min and m_max beside it is shown as
 * "median (min–max)".
 */
#define MARK_OPEN "<!-- table:"
#define MARK_END "<!-- end -->"
#define MAX_COLS 256	/* export --group has about 55 columns, more with intervals */
#define MAX_WORDS 32

#define MAX_NOTES 4

struct tsv {
	char *notes[MAX_NOTES];	/* export's notes: what it left out */
	int nnotes;
	char **head;		/* header names */
	int ncols;
	char ***rows;		/* rows[i][c] */
	int nrows;
	char *buf;		/* the whole file, cut in place */
};

static void tsv_free(struct tsv *t)
{
	for (int i = 0; i < t->nrows; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->head);
	free(t->buf);
	*t = (struct tsv){ 0 };
}

/* Cut line (no newline) at tabs into at most MAX_COLS fields (malloc'd array). */
static char **cut(char *line, int *n)
{
	char **f = calloc(MAX_COLS, sizeof(char *)), *p = line;
	*n = 0;
	while (f && p && *n < MAX_COLS)
		f[(*n)++] = strsep(&p, "\t");
	return f;
}

static int tsv_read(const char *path, struct tsv *t)
{
	FILE *f = fopen(path, "r");
	size_t len = 0;
	char *save = NULL;
	int n;

	*t = (struct tsv){ 0 };
	if (!f)
		return -errno;
	if (getdelim(&t->buf, &len, '\0', f) < 0) {
		fclose(f);
		free(t->buf);
		t->buf = NULL;
		return -ENODATA;
	}
	fclose(f);
	char *line = strtok_r(t->buf, "\n", &save);
	if (!line)
		return -ENODATA;
	t->head = cut(line, &t->ncols);
	while ((line = strtok_r(NULL, "\n", &save))) {
		/* export's "# ringside export: left out ..." notes: said under the table, not rows. */
		if (line[0] == '#') {
			if (!strncmp(line, RS_EXPORT_NOTE_PREFIX, strlen(RS_EXPORT_NOTE_PREFIX)) && t->nnotes < MAX_NOTES)
				t->notes[t->nnotes++] = line + strlen(RS_EXPORT_NOTE_PREFIX);
			continue;
		}
		char ***rows = realloc(t->rows, (size_t)(t->nrows + 1) * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		t->rows = rows;
		t->rows[t->nrows] = cut(line, &n);
		/* Short rows get empty cells, never reads past the end. */
		for (int c = n; t->rows[t->nrows] && c < MAX_COLS; c++)
			t->rows[t->nrows][c] = "";
		t->nrows++;
	}
	return t->head ? 0 : -ENOMEM;
}

static int col(const struct tsv *t, const char *name)
{
	for (int c = 0; c < t->ncols; c++)
		if (!strcmp(t->head[c], name))
			return c;
	return -1;
}

static const char *label(const char *name)
{
	static const char *const map[][2] = {
		{ "rps", "req/s" }, { "rate", "offered req/s" }, { "p50_us", "p50 (µs)" }, { "p99_us", "p99 (µs)" },
		{ "p999_us", "p99.9 (µs)" }, { "cpu_us_per_request", "CPU µs/request" },
		{ "syscalls_per_request", "syscalls/request" }, { "threads_max", "threads (max)" },
		{ "cpu_us_server_user", "server user µs/request" }, { "cpu_us_server_sys", "server sys µs/request" },
		{ "cpu_us_postgres", "Postgres µs/request" }, { "cpu_us_loadgen", "load generator µs/request" },
		{ "pg_mode", "pool mode" }, { "latency_us", "latency (µs)" }, { "percentile", "percentile (%)" },
		{ "x", "1/(1-p)" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], name))
			return map[i][1];
	return name;
}

/* Three significant digits or whole numbers, whichever is longer; text as it is. */
static void fmt(const char *cell, char *out, size_t size)
{
	char *end;
	double v = strtod(cell, &end);

	if (!*cell || *end)
		snprintf(out, size, "%s", *cell ? cell : "–");
	else if (isnan(v))
		snprintf(out, size, "–");
	else if (fabs(v) >= 100 || v == floor(v))
		snprintf(out, size, "%.0f", v);
	else
		snprintf(out, size, "%.3g", v);
}

static bool row_kept(const struct tsv *t, char **row, char **filters, int nf)
{
	for (int i = 0; i < nf; i++) {
		char *eq = strchr(filters[i], '=');
		*eq = '\0';
		int c = col(t, filters[i]);
		bool ok = c >= 0 && !strcmp(row[c], eq + 1);
		*eq = '=';
		if (!ok)
			return false;
	}
	return true;
}

/* The Markdown table for one marker's words; 0, or -errno (the reason is in the output too). */
static int write_table(FILE *out, const char *results, char **words, int nw)
{
	char path[PATH_MAX + 512], a[64], b[64], c[64];
	char *cols[MAX_WORDS], *filters[MAX_WORDS];
	int idx[MAX_WORDS][3], ncols = 0, nf = 0, shown = 0;
	struct tsv t;

	snprintf(path, sizeof(path), "%s/%s", results, words[0]);
	int err = tsv_read(path, &t);
	if (err) {
		fprintf(out, "*No data yet: %s (%s). Collect it with results/paper/%.*s/collect.sh, then run "
			     "`build/harness paper`.*\n", words[0], strerror(-err), (int)strcspn(words[0], "/"), words[0]);
		return err;
	}
	bool ci = col(&t, "rps_lo") >= 0;
	int noisy = col(&t, "noisy"), noisy_rows = 0;
	for (int i = 1; i < nw; i++) {
		if (strchr(words[i], '=')) {
			filters[nf++] = words[i];
			continue;
		}
		char mn[256], mx[256];
		/* The 95% interval where the table has one (export --group), else the range. */
		snprintf(mn, sizeof(mn), "%s_%s", words[i], ci ? "lo" : "min");
		snprintf(mx, sizeof(mx), "%s_%s", words[i], ci ? "hi" : "max");
		idx[ncols][0] = col(&t, words[i]);
		idx[ncols][1] = col(&t, mn);
		idx[ncols][2] = col(&t, mx);
		if (idx[ncols][0] < 0) {
			fprintf(out, "*Table error: %s has no column '%s'.*\n", words[0], words[i]);
			tsv_free(&t);
			return -EINVAL;
		}
		cols[ncols++] = words[i];
	}
	for (int i = 0; i < ncols; i++)
		fprintf(out, "| %s ", label(cols[i]));
	fputs("|\n", out);
	for (int i = 0; i < ncols; i++)
		fputs(idx[i][1] >= 0 ? "|---:" : "|---", out);
	fputs("|\n", out);
	for (int r = 0; r < t.nrows; r++) {
		char **row = t.rows[r];
		if (!row || !row_kept(&t, row, filters, nf))
			continue;
		for (int i = 0; i < ncols; i++) {
			fmt(row[idx[i][0]], a, sizeof(a));
			if (idx[i][1] >= 0 && idx[i][2] >= 0) {
				fmt(row[idx[i][1]], b, sizeof(b));
				fmt(row[idx[i][2]], c, sizeof(c));
				fprintf(out, ci ? "| %s [%s, %s]%s " : "| %s (%s–%s)%s ", a, b, c,
					i == ncols - 1 && noisy >= 0 && !strcmp(row[noisy], "noisy") ? " noisy" : "");
			} else {
				fprintf(out, "| %s ", a);
			}
		}
		fputs("|\n", out);
		noisy_rows += noisy >= 0 && !strcmp(row[noisy], "noisy");
		shown++;
	}
	fprintf(out, "\n*Generated by `harness paper` from results/paper/%s%s.*\n", words[0],
		col(&t, "runs") < 0 ? "" : ci ? ": median [95% bootstrap CI of the median] over the runs of each row"
					   : ": median (min–max) over the runs of each row");
	if (noisy_rows)
		fprintf(out, "\n*noisy: %d row%s whose throughput varies by more than 10%% (CV) across its runs.*\n",
			noisy_rows, noisy_rows > 1 ? "s" : "");
	for (int i = 0; i < t.nnotes; i++) {
		fprintf(out, "\n*%s: %s.*\n", words[0], t.notes[i]);
		printf("ringside paper: %s: %s\n", words[0], t.notes[i]);
	}
	if (shown == 0)
		fprintf(out, "\n*No row of %s matches.*\n", words[0]);
	tsv_free(&t);
	return shown ? 0 : -ENODATA;
}

/* Rewrite paper.md's generated tables into tmp. Counts tables and those without data. */
static int regenerate(const char *paper, const char *results, FILE *out, int *tables, int *empty)
{
	FILE *in = fopen(paper, "r");
	char *line = NULL;
	size_t cap = 0;
	bool skipping = false;

	if (!in)
		return -errno;
	while (getline(&line, &cap, in) > 0) {
		if (skipping) {
			if (!strncmp(line, MARK_END, strlen(MARK_END))) {
				fputs(line, out);
				skipping = false;
			}
			continue;
		}
		fputs(line, out);
		/* Only at the start of a line: prose may quote a marker. */
		char *open = strncmp(line, MARK_OPEN, strlen(MARK_OPEN)) ? NULL : line;
		char *close = open ? strstr(open, "-->") : NULL;
		if (!close)
			continue;
		char spec[1024], *words[MAX_WORDS], *save = NULL;
		int nw = 0;
		snprintf(spec, sizeof(spec), "%.*s", (int)(close - open - strlen(MARK_OPEN)), open + strlen(MARK_OPEN));
		for (char *w = strtok_r(spec, " \t", &save); w && nw < MAX_WORDS; w = strtok_r(NULL, " \t", &save))
			words[nw++] = w;
		if (nw < 2) {
			fprintf(stderr, "ringside paper: %s: a table marker needs a table and columns: %s", paper, line);
			continue;
		}
		fputc('\n', out);
		(*tables)++;
		if (write_table(out, results, words, nw))
			(*empty)++;
		fputc('\n', out);
		skipping = true;
	}
	free(line);
	fclose(in);
	if (skipping)
		fprintf(stderr, "ringside paper: %s: a table marker has no %s: the rest of the file was kept as is\n",
			paper, MARK_END);
	return skipping ? -EINVAL : 0;
}

static bool on_path(const char *prog)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* pandoc paper.md -o OUT/paper.pdf, images found next to paper.md. */
static int make_pdf(const char *paper, const char *out)
{
	char dir[PATH_MAX], pdf[PATH_MAX + 16];
	int status;

	if (!on_path("pandoc")) {
		printf("ringside paper: pandoc is not installed: PDF skipped (apt-get install pandoc "
		       "texlive-latex-recommended)\n");
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", paper);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	snprintf(pdf, sizeof(pdf), "%s/paper.pdf", out);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execlp("pandoc", "pandoc", paper, "--resource-path", dir, "-o", pdf, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "ringside paper: pandoc failed (a PDF needs a LaTeX engine too: "
				"apt-get install texlive-latex-recommended)\n");
		return -EIO;
	}
	printf("ringside paper: %s\n", pdf);
	return 0;
}

/* Copy out/NAME.svg into figures/ for every figure drawn, so paper.md shows them on a clone
 * (plots/out is not committed). 0, or -errno after naming the file. */
static int copy_figures(const char *out, const char *figures)
{
	struct dirent **names;
	char src[PATH_MAX], dst[PATH_MAX];
	int n = scandir(out, &names, NULL, alphasort), err = rs_mkdir_p(figures);

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (!err && len > 4 && !strcmp(names[i]->d_name + len - 4, ".svg")) {
			snprintf(src, sizeof(src), "%s/%s", out, names[i]->d_name);
			snprintf(dst, sizeof(dst), "%s/%s", figures, names[i]->d_name);
			FILE *in = fopen(src, "r"), *to = in ? fopen(dst, "w") : NULL;
			char buf[65536];
			size_t got;
			while (to && (got = fread(buf, 1, sizeof(buf), in)) > 0)
				if (fwrite(buf, 1, got, to) != got)
					break;
			if (!in || !to || ferror(in) || fclose(to)) {
				err = -(errno ? errno : EIO);
				fprintf(stderr, "ringside paper: copying %s to %s: %s\n", src, dst, strerror(-err));
			}
			if (in)
				fclose(in);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int rs_paper_main(int argc, char **argv)
{
	const char *results = RS_SOURCE_ROOT "/results/paper", *out = RS_SOURCE_ROOT "/plots/out",
		   *paper = RS_SOURCE_ROOT "/paper/paper.md", *figures = RS_SOURCE_ROOT "/paper/figures";
	bool no_plots = false, no_pdf = false;
	const struct rs_opt opts[] = {
		{ "results", RS_OPT_STR, &results, .help = "the exported tables, one folder per figure (default results/paper)" },
		{ "out", RS_OPT_STR, &out, .help = "figures and paper.pdf (default plots/out)" },
		{ "figures", RS_OPT_STR, &figures, .help = "where the SVG figures paper.md embeds are copied (default paper/figures, committed)" },
		{ "paper", RS_OPT_STR, &paper, .help = "the Markdown whose tables are regenerated (default paper/paper.md)" },
		{ "no-plots", RS_OPT_BOOL, &no_plots, .help = "only the tables (and the PDF)" },
		{ "no-pdf", RS_OPT_BOOL, &no_pdf, .help = "no pandoc" },
		{ NULL },
	};
	char tmp[PATH_MAX + 8];
	int tables = 0, empty = 0, rc = 0;

	int err = rs_opts_parse("ringside paper", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	if (!no_plots) {
		rc = rs_plot_all(results, out, RS_SOURCE_ROOT "/plots", 0);
		if (copy_figures(out, figures))
			rc = 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", paper);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "ringside paper: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	err = regenerate(paper, results, f, &tables, &empty);
	if (fclose(f) && !err)
		err = -errno;
	if (err || rename(tmp, paper)) {
		fprintf(stderr, "ringside paper: %s: %s; left unchanged\n", paper, strerror(err ? -err : errno));
		unlink(tmp);
		return 1;
	}
	printf("ringside paper: %s: %d table%s regenerated", paper, tables, tables == 1 ? "" : "s");
	if (empty)
		printf(", %d without data", empty);
	printf("\n");
	if (!no_pdf && make_pdf(paper, out))
		rc = 1;
	return rc;
}
