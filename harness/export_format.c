/* export_format.c - export's TSV as CSV (RFC 4180 quoting) or a Markdown table, for tools other than gnuplot. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

static void csv_field(FILE *out, const char *s, size_t n)
{
	bool quote = memchr(s, ',', n) || memchr(s, '"', n);

	if (quote)
		fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	if (quote)
		fputc('"', out);
}

static void md_field(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '|')
			fputc('\\', out);
		fputc(s[i], out);
	}
}

int rs_export_convert(const char *tsv, const char *format, FILE *out)
{
	bool md = !strcmp(format, "md");
	int row = 0;

	for (const char *line = tsv; *line; row++) {
		size_t len = strcspn(line, "\n"), cols = 0;
		if (md)
			fputs("| ", out);
		for (const char *f = line; f <= line + len; cols++) {
			size_t n = strcspn(f, "\t\n");
			if (f + n > line + len)
				n = (size_t)(line + len - f);
			if (cols)
				fputs(md ? " | " : ",", out);
			(md ? md_field : csv_field)(out, f, n);
			f += n + 1;
		}
		fputs(md ? " |\n" : "\n", out);
		if (md && row == 0) {
			for (size_t c = 0; c < cols; c++)
				fputs(c ? "---|" : "|---|", out);
			fputc('\n', out);
		}
		line += len + (line[len] == '\n');
	}
	return ferror(out) ? -1 : 0;
}
