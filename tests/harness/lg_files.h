/* lg_files.h - read a run directory back (run.json, timeline.tsv, *.hgrm) for the tests' cross-checks. */
#ifndef RS_TEST_LG_FILES_H
#define RS_TEST_LG_FILES_H

#include <stdint.h>

struct lg_files {
	uint64_t summary_requests;	/* run.json summary.requests */
	uint64_t summary_timeouts;	/* run.json summary.errors.timeout */
	uint64_t timeline_requests;	/* sum of timeline.tsv's requests column */
	int timeline_rows, timeline_columns;
	uint64_t hgrm_total;		/* latency.hgrm: the last row's TotalCount */
	uint64_t hgrm_raw_total;	/* latency_raw.hgrm: the same */
};

/* 0, or -1 with a message on stderr when a file is missing or does not parse. */
int lg_files_read(const char *dir, struct lg_files *f);

#endif
