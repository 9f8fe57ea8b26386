/* tsvlib.c - a tab-separated table with a header, loaded whole, its cells found by column name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runlib.h"
#include "tsvlib.h"

/* Cut line at tabs into cells; returns how many. */
static int cut(char *line, char **cells)
{
	int n = 0;
	for (char *p = line; p && n < TSV_MAX_COLS;)
		cells[n++] = strsep(&p, "\t");
	return n;
}

void tsv_load(struct tsv *t, const char *path)
{
	size_t len = 0;
	char *save = NULL, *line;

	memset(t, 0, sizeof(*t));
	FILE *f = fopen(path, "r");
	REQUIRE(f, "%s: %s", path, strerror(errno));
	REQUIRE(getdelim(&t->buf, &len, '\0', f) > 0, "%s is empty", path);
	fclose(f);
	line = strtok_r(t->buf, "\n", &save);
	REQUIRE(line, "%s has no header", path);
	t->ncols = cut(line, t->head);
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (line[0] == '#') /* export's note of what it left out */
			continue;
		REQUIRE(t->nrows < TSV_MAX_ROWS, "%s: more than %d rows", path, TSV_MAX_ROWS);
		int n = cut(line, t->cell[t->nrows]);
		REQUIRE(n == t->ncols, "%s row %d has %d cells, the header %d", path, t->nrows + 1, n, t->ncols);
		t->nrows++;
	}
}

int tsv_col(const struct tsv *t, const char *name)
{
	for (int c = 0; c < t->ncols; c++)
		if (!strcmp(t->head[c], name))
			return c;
	die("the table has no column %s", name);
}

const char *tsv_get(const struct tsv *t, int i, const char *name)
{
	REQUIRE(i >= 0 && i < t->nrows, "row %d of %d", i, t->nrows);
	return t->cell[i][tsv_col(t, name)];
}

void tsv_free(struct tsv *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
