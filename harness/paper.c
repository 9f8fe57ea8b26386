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

#include "compare.h"
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
 * "median (min–max)". A table marker counts only at the start of a line.
 *
 * Inline markers, anywhere in a line and several to a line, each closed on
 * its own line, put a number of `harness compare` in the prose:
 *
 *   uring: <!-- compare:throughput/runs engine=epoll engine=uring rps workload=select42 -->1.36x [1.25, 1.49]<!-- end -->
 *   <!-- median:throughput/runs engine=uring rps workload=select42 -->59.4k [57.1k, 60.6k]<!-- end --> req/s
 *
 * compare: DIR A B MEASURE [WHERE]: B/A as `harness compare A B --results=DIR
 * --where=WHERE` finds it (rs_compare_rows_v) over the runs under DIR of the
 * results directory (--results), "1.36x [1.25, 1.49]" with its 95% interval
 * when compare calls it significant, else "no measurable difference (0.95x
 * [0.87, 1.02])". A side is a filter (engine=uring,variant=no-link), or
 * without '=' a run or sweep directory under DIR. MEASURE: rps, cpu (the server's
 * CPU per request), cpu_pg and cpu_loadgen (Postgres' and the load generator's),
 * p50, p99, p99.9. median: DIR SIDE MEASURE [WHERE]: the side's
 * median over its runs (latency too: the runs' percentiles, not merged) with
 * the 95% bootstrap interval of that median, three significant digits, k and
 * M. INVALID runs are left out. The marker must select exactly one configuration
 * (workload, cores, conns, rate...): else it is named on stderr with its
 * file:line, its old text kept, and paper exits 1 after regenerating the rest.
 * Prose that quotes a marker is not one: a marker inside a code span (after an
 * odd number of backticks on its line) or a fenced code block (``` or ~~~) is
 * left alone.
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

/* ---- inline markers ---- */

static const char *const inline_open[2] = { "<!-- compare:", "<!-- median:" };

/* What the inline markers came to: regenerated, and those that kept their old text. */
struct inline_count {
	int ratios, medians, failed;
};

/* compare's measure for a marker's short key; NULL for none. */
static const char *measure_of(const char *key)
{
	static const char *const map[][2] = {
		{ "rps", "throughput" }, { "cpu", "CPU per request" }, { "p50", "p50" }, { "p99", "p99" }, { "p99.9", "p99.9" },
		{ "cpu_pg", "Postgres CPU per request" }, { "cpu_loadgen", "load generator CPU per request" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], key))
			return map[i][1];
	return NULL;
}

/* Three significant digits, with k or M past a thousand or a million: 59.4k, 1.99k, 26.7. */
static void fmt_si(double v, char *out, size_t size)
{
	int e = fabs(v) >= 999.5e3 ? 2 : fabs(v) >= 999.5 ? 1 : 0; /* 999.6 is 1.00k, not 1.00e+03 */
	int len = snprintf(out, size, "%#.3g", v / (e == 2 ? 1e6 : e ? 1e3 : 1));
	if (len > 0 && (size_t)len < size && out[len - 1] == '.') /* "100." */
		out[--len] = '\0';
	snprintf(out + len, size - (size_t)len, "%s", e == 2 ? "M" : e ? "k" : "");
}

/* One inline marker's words into its text; 0, or -errno after saying why on stderr, after what (file:line: marker). */
static int inline_text(bool median, char *spec, const char *results, const char *what, char *out, size_t size)
{
	char *w[8], *save = NULL, root[PATH_MAX], side[2][PATH_MAX + 256];
	int nw = 0, need = median ? 3 : 4, hits = 0, hit = 0;

	for (char *t = strtok_r(spec, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		w[nw < 8 ? nw++ : 7] = t;
	const char *measure = nw >= need && nw <= need + 1 ? measure_of(w[need - 1]) : NULL;
	if (!measure) {
		fprintf(stderr, "ringside paper: %s: needs DIR %s MEASURE [where], MEASURE one of rps, cpu, cpu_pg, "
				"cpu_loadgen, p50, p99, p99.9: old text kept\n", what, median ? "SIDE" : "A B");
		return -EINVAL;
	}
	snprintf(root, sizeof(root), "%s/%s", results, w[0]);
	/* A side without '=' is a run or sweep directory under DIR, not under the current directory. */
	for (int s = 0; s < need - 2; s++)
		if (strchr(w[1 + s], '='))
			snprintf(side[s], sizeof(side[s]), "%s", w[1 + s]);
		else
			snprintf(side[s], sizeof(side[s]), "%s/%s", root, w[1 + s]);
	struct rs_compare_side_spec a = { side[0], NULL }, b = { side[1], NULL };
	struct rs_compare_row *rows = NULL;
	const char *where = nw > need ? w[need] : NULL;
	/* median: the side against itself, for its runs' median and interval (a_runs). */
	int n = 0, err = rs_compare_rows_v(&a, median ? &a : &b, root, where, true, &rows, &n);
	for (int i = 0; !err && i < n; i++)
		if (!strcmp(rows[i].measure, measure))
			hits++, hit = i;
	if (hits != 1 || (!median && !isfinite(rows[hit].ratio))) {
		fprintf(stderr, "ringside paper: %s: %s: old text kept\n", what,
			hits > 1 ? "matches several configurations (narrow it with a last word such as workload=... or conns=...)"
			: hits ? "has no ratio (A's median is 0)" : "matches no configuration");
		for (int i = 0; hits > 1 && i < n; i++)
			if (!strcmp(rows[i].measure, measure))
				fprintf(stderr, "  /%s cores=%ld conns=%ld rate=%ld\n", rows[i].workload, rows[i].cores,
					rows[i].conns, rows[i].rate);
		free(rows);
		return err ? err : -ENOENT;
	}
	const struct rs_compare_row *r = &rows[hit];
	char x[3][32];
	if (median) {
		fmt_si(r->a_runs.median, x[0], sizeof(x[0]));
		fmt_si(r->a_runs.lo, x[1], sizeof(x[1]));
		fmt_si(r->a_runs.hi, x[2], sizeof(x[2]));
		snprintf(out, size, "%s [%s, %s]", x[0], x[1], x[2]);
	} else {
		/* Two decimals; three significant digits for a ratio under 0.1, where two decimals say little. */
		snprintf(x[0], sizeof(x[0]), r->ratio < 0.1 ? "%.3gx [%.3g, %.3g]" : "%.2fx [%.2f, %.2f]", r->ratio, r->lo,
			 r->hi);
		snprintf(out, size, r->significant ? "%s" : "no measurable difference (%s)", x[0]);
	}
	free(rows);
	return 0;
}

/* line to out with its inline markers' texts regenerated; lineno names it in what goes wrong. */
static void put_inline(FILE *out, const char *line, const char *results, const char *paper, int lineno,
		       struct inline_count *c)
{
	int ticks = 0; /* backticks so far: odd inside a code span */

	for (const char *p = line; *p;) {
		int k = -1;
		for (int i = 0; i < 2 && !(ticks % 2); i++)
			if (!strncmp(p, inline_open[i], strlen(inline_open[i])))
				k = i;
		if (k < 0) {
			ticks += *p == '`';
			fputc(*p++, out);
			continue;
		}
		const char *spec = p + strlen(inline_open[k]), *close = strstr(spec, "-->");
		const char *end = close ? strstr(close, MARK_END) : NULL;
		char what[1536], words[1024], text[256];
		if (!end) {
			fprintf(stderr, "ringside paper: %s:%d: %.60s... has no %s on its line: kept as it is\n", paper,
				lineno, p, MARK_END);
			c->failed++;
			fputs(p, out);
			return;
		}
		close += strlen("-->");
		snprintf(what, sizeof(what), "%s:%d: %.*s", paper, lineno, (int)(close - p), p);
		snprintf(words, sizeof(words), "%.*s", (int)(close - 3 - spec), spec);
		fwrite(p, 1, (size_t)(close - p), out);
		if (inline_text(k == 1, words, results, what, text, sizeof(text))) {
			c->failed++;
			fwrite(close, 1, (size_t)(end - close), out);
		} else {
			fputs(text, out);
			++*(k ? &c->medians : &c->ratios);
		}
		fputs(MARK_END, out);
		p = end + strlen(MARK_END);
	}
}

/* Rewrite paper.md's generated tables and inline markers into tmp. Counts tables, those without data, inline markers. */
static int regenerate(const char *paper, const char *results, FILE *out, int *tables, int *empty,
		      struct inline_count *c)
{
	FILE *in = fopen(paper, "r");
	char *line = NULL;
	size_t cap = 0;
	bool skipping = false, fenced = false;
	int lineno = 0;

	if (!in)
		return -errno;
	while (getline(&line, &cap, in) > 0) {
		lineno++;
		if (skipping) {
			if (!strncmp(line, MARK_END, strlen(MARK_END))) {
				fputs(line, out);
				skipping = false;
			}
			continue;
		}
		bool fence = !strncmp(line, "```", 3) || !strncmp(line, "~~~", 3);
		fenced ^= fence;
		if (fenced || fence)
			fputs(line, out);
		else
			put_inline(out, line, results, paper, lineno, c);
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

/*
 * pandoc paper.md -o paper.pdf beside it (committed, so a clone has the PDF), run in paper.md's
 * folder so that its figures/ paths resolve. The PDF engine is WeasyPrint when installed (HTML and
 * CSS; paper.css beside paper.md styles it), else pandoc's default, LaTeX. WeasyPrint 57 fails on
 * gnuplot's SVG fills, so the PDF embeds the PNG that gnuplot drew of each figure (out/NAME.png).
 */
static int make_pdf(const char *paper, const char *out)
{
	char dir[PATH_MAX], pdf[PATH_MAX + 16];
	int status;

	if (!on_path("pandoc")) {
		printf("ringside paper: pandoc is not installed: PDF skipped (apt-get install pandoc weasyprint, "
		       "packages-optional.txt)\n");
		return 0;
	}
	if (!realpath(paper, dir))
		return -errno;
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	const char *name = slash + 1;
	snprintf(pdf, sizeof(pdf), "%s/paper.pdf", dir);
	bool weasy = on_path("weasyprint");
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (chdir(dir))
			_exit(126);
		if (weasy)
			execl("/bin/sh", "sh", "-c", "sed 's#](figures/\\([^)]*\\)\\.svg)#]('\"$1\"'/\\1.png)#' \"$2\" | "
			      "pandoc -f markdown --standalone --pdf-engine=weasyprint --css=paper.css -o \"$3\"",
			      "sh", out, name, pdf, (char *)NULL);
		else
			execlp("pandoc", "pandoc", name, "-o", pdf, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "ringside paper: pandoc failed (%s)\n", weasy ? "with WeasyPrint" :
			"without weasyprint pandoc needs LaTeX and rsvg-convert: apt-get install weasyprint");
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
		{ "out", RS_OPT_STR, &out, .help = "the figures as drawn (default plots/out); paper.pdf goes beside the paper" },
		{ "figures", RS_OPT_STR, &figures, .help = "where the SVG figures paper.md embeds are copied (default paper/figures, committed)" },
		{ "paper", RS_OPT_STR, &paper, .help = "the Markdown whose tables and inline ratios are regenerated (default paper/paper.md)" },
		{ "no-plots", RS_OPT_BOOL, &no_plots, .help = "only the tables (and the PDF)" },
		{ "no-pdf", RS_OPT_BOOL, &no_pdf, .help = "no pandoc" },
		{ NULL },
	};
	char tmp[PATH_MAX + 8];
	int tables = 0, empty = 0, rc = 0;
	struct inline_count c = { 0 };

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
	err = regenerate(paper, results, f, &tables, &empty, &c);
	if (fclose(f) && !err)
		err = -errno;
	if (err || rename(tmp, paper)) {
		fprintf(stderr, "ringside paper: %s: %s; left unchanged\n", paper, strerror(err ? -err : errno));
		unlink(tmp);
		return 1;
	}
	printf("ringside paper: %s: %d table%s", paper, tables, tables == 1 ? "" : "s");
	if (c.ratios && c.medians)
		printf(", %d ratio%s and %d median%s", c.ratios, c.ratios == 1 ? "" : "s", c.medians, c.medians == 1 ? "" : "s");
	else if (c.ratios || c.medians)
		printf(" and %d %s%s", c.ratios + c.medians, c.ratios ? "ratio" : "median", c.ratios + c.medians == 1 ? "" : "s");
	printf(" regenerated");
	if (empty)
		printf(", %d without data", empty);
	printf("\n");
	if (c.failed) {
		fprintf(stderr, "ringside paper: %d inline marker%s (named above) kept %s old text\n", c.failed,
			c.failed == 1 ? "" : "s", c.failed == 1 ? "its" : "their");
		rc = 1;
	}
	if (!no_pdf && make_pdf(paper, out))
		rc = 1;
	return rc;
}
