/* hlog.h - latency.hlog: HdrHistogram's interval log (V2 compressed histograms, zlib + base64), written and read. */
#ifndef RS_HLOG_H
#define RS_HLOG_H

#include <stddef.h>
#include <stdio.h>

struct rs_hist;

/*
 * Values are microseconds, in HdrHistogram's own bucket layout (lowest
 * discernible value 1, 3 significant digits, highest trackable 60 s): the
 * layout of struct rs_hist, so encoding is lossless for the counts.
 * Interval_Max is written in milliseconds. HdrHistogram's tools read the
 * file as it is (HistogramLogProcessor -outputValueUnitRatio 1000 prints ms).
 */
struct rs_hlog_interval {
	const char *tag;	/* NULL: an untagged line (a 1 s interval); "run": the whole run */
	double start_s;		/* from the log's BaseTime */
	double length_s;
	double max_ms;		/* read: the line's Interval_Max; ignored when writing (h's max is written) */
	const struct rs_hist *h;
};

/* The base64 text of h's compressed V2 encoding (malloc'd, NUL-terminated). 0 or -ENOMEM. */
int rs_hlog_encode(const struct rs_hist *h, char **b64);
/* Replace h by the histogram in base64 text s[0..len): 0, -EINVAL (not base64, not zlib, truncated),
 * -EPROTO (not a V2 histogram, or another bucket layout: lowest value other than 1, digits other than 3).
 * Values past 60 s (a wider layout) land in the last bucket and count as clamped. */
int rs_hlog_decode(const char *s, size_t len, struct rs_hist *h);

/* The log: a comment naming the unit, format version, StartTime and BaseTime (start_unix_s, seconds since
 * the epoch), the legend, then one line per interval. 0, -EIO or -ENOMEM. */
int rs_hlog_write(FILE *f, double start_unix_s, const struct rs_hlog_interval *iv, int n);
/* The same into DIR/NAME. 0 or -errno. */
int rs_hlog_save(const char *dir, const char *name, double start_unix_s, const struct rs_hlog_interval *iv, int n);

/*
 * Read the log at path: cb is called per interval line in order, iv->h valid
 * during the call. A non-zero return from cb stops reading and is returned.
 * Else 0, -errno (open), -EINVAL or -EPROTO (a line that does not parse or
 * decode: path:line and why on stderr).
 */
typedef int (*rs_hlog_cb)(void *arg, const struct rs_hlog_interval *iv);
int rs_hlog_read(const char *path, rs_hlog_cb cb, void *arg);

/* Merge into h the whole-run histogram of the log at path: its Tag=run line, or (a log without one) the sum of
 * its untagged lines. 0, -ENODATA (no such line), or as rs_hlog_read. */
int rs_hlog_merge_run(const char *path, struct rs_hist *h);

/* Merge into h a run directory's whole-run histogram: DIR/latency.hlog, else DIR/latency.hist (runs written
 * before latency.hlog). 0, -ENOENT (neither file), or as rs_hlog_merge_run / rs_hist_load_counts. */
int rs_hlog_load_dir(const char *dir, struct rs_hist *h);

#endif
