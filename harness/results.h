/* results.h - results/runs/<id>/: run.json (jansson), latency.hgrm, timeline.tsv. */
#ifndef RS_RESULTS_H
#define RS_RESULTS_H

#include <jansson.h>

#include "loadgen.h"

/*
 * A new run directory under root (results/runs by default): <root>/<UTC
 * time>-<label>, created; the path is malloc'd into *out. 0 or -errno.
 */
int rs_results_new_dir(const char *root, const char *label, char **out);

/*
 * The part of run.json every run has: tool, host (kernel, CPU model, CPUs),
 * commit, tool versions, the offered rate (once: "rate"), the load generator's
 * config and the summary {requests, rps, errors{...}, latency_us{p50 p90 p99
 * p999 max mean}, latency_raw_us{...}, sustained, partial}.
 * Callers add their own objects (engine, server, placement, fault...).
 * Never holds a password: URLs pass through rs_results_redact first.
 */
json_t *rs_results_base(const struct rs_lg_cfg *cfg, const struct rs_lg_result *res);

/* Write dir/run.json, dir/latency.hgrm (corrected; latency_raw.hgrm too), latency.hist and
 * latency_raw.hist (lossless counts), latency.hlog (HdrHistogram interval log: per second, whole run) and
 * dir/timeline.tsv (second, requests, errors, p50_us, p99_us [+ extra
 * columns the caller appended to each row via extra_timeline, may be NULL]). */
int rs_results_write(const char *dir, json_t *run, const struct rs_lg_result *res,
		     const char *const *extra_header, const char *const *extra_rows);

/* Copy of url with any password replaced by "***" (malloc'd). */
char *rs_results_redact(const char *url);

#endif
