/* hist_file.h - latency.hist: a histogram's raw bucket counts, written and read back losslessly. */
#ifndef RS_HIST_FILE_H
#define RS_HIST_FILE_H

#include <stdio.h>

struct rs_hist;

/* Write h as latency.hist text. 0 or -EIO. */
int rs_hist_write_counts(const struct rs_hist *h, FILE *f);
/* Replace h by the histogram in f: 0, -EINVAL (malformed, or counts that do
 * not add up to the total), -EPROTO (another bucket layout). */
int rs_hist_read_counts(struct rs_hist *h, FILE *f);
/* The same as files: DIR/NAME written (0 or -errno), PATH read (as above, or -errno). */
int rs_hist_save_counts(const char *dir, const char *name, const struct rs_hist *h);
int rs_hist_load_counts(const char *path, struct rs_hist *h);

#endif
