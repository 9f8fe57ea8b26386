/* tsvlib.h - the export tests read tables by column name, as gnuplot and the paper do, never by position. */
#ifndef RS_TEST_TSVLIB_H
#define RS_TEST_TSVLIB_H

#define TSV_MAX_COLS 256
#define TSV_MAX_ROWS 256

struct tsv {
	char *buf;
	char *head[TSV_MAX_COLS];
	int ncols;
	char *cell[TSV_MAX_ROWS][TSV_MAX_COLS];
	int nrows;
};

/* Read path (fails the test when it cannot); every row must have the header's width. */
void tsv_load(struct tsv *t, const char *path);
/* Column name's index; fails the test when the header has no such column. */
int tsv_col(const struct tsv *t, const char *name);
/* Row i's cell of column name. */
const char *tsv_get(const struct tsv *t, int i, const char *name);
void tsv_free(struct tsv *t);

#endif
