/* lg_files.c - read a run directory back (run.json, timeline.tsv, *.hgrm) for the tests' cross-checks. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg_files.h"

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "cannot open %s\n", path);
	return f;
}

static int read_json(const char *dir, struct lg_files *out)
{
	char path[4096];
	json_error_t jerr;
	snprintf(path, sizeof(path), "%s/run.json", dir);
	json_t *run = json_load_file(path, 0, &jerr);
	if (!run) {
		fprintf(stderr, "%s: %s (line %d)\n", path, jerr.text, jerr.line);
		return -1;
	}
	json_t *summary = json_object_get(run, "summary");
	json_t *req = json_object_get(summary, "requests");
	json_t *to = json_object_get(json_object_get(summary, "errors"), "timeout");
	int err = json_is_integer(req) && json_is_integer(to) ? 0 : -1;
	if (err)
		fprintf(stderr, "%s: no summary.requests or summary.errors.timeout\n", path);
	out->summary_requests = (uint64_t)json_integer_value(req);
	out->summary_timeouts = (uint64_t)json_integer_value(to);
	json_decref(run);
	return err;
}

static int read_timeline(const char *dir, struct lg_files *out)
{
	char line[4096];
	FILE *f = open_in(dir, "timeline.tsv");
	if (!f)
		return -1;
	int err = fgets(line, sizeof(line), f) && !strncmp(line, "second\trequests\terrors\tp50_us\tp99_us", 36)
			  ? 0 : -1;
	if (err)
		fprintf(stderr, "%s/timeline.tsv: bad header\n", dir);
	out->timeline_columns = 1;
	for (char *p = line; *p; p++)
		out->timeline_columns += *p == '\t';
	while (!err && fgets(line, sizeof(line), f)) {
		int second;
		uint64_t req;
		if (sscanf(line, "%d\t%" SCNu64, &second, &req) != 2 || second != out->timeline_rows + 1) {
			fprintf(stderr, "%s/timeline.tsv: bad row: %s", dir, line);
			err = -1;
		}
		out->timeline_requests += req;
		out->timeline_rows++;
	}
	fclose(f);
	return err;
}

static int hgrm_total(const char *dir, const char *name, uint64_t *total)
{
	char line[512];
	FILE *f = open_in(dir, name);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		double v, p;
		uint64_t t;
		if (sscanf(line, "%lf %lf %" SCNu64, &v, &p, &t) == 3) {
			*total = t;
		}
	}
	fclose(f);
	return 0;
}

int lg_files_read(const char *dir, struct lg_files *f)
{
	memset(f, 0, sizeof(*f));
	if (read_json(dir, f) || read_timeline(dir, f) || hgrm_total(dir, "latency.hgrm", &f->hgrm_total) ||
	    hgrm_total(dir, "latency_raw.hgrm", &f->hgrm_raw_total))
		return -1;
	return 0;
}
