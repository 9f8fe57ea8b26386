/* sampler_file.c - a stopped sampler's samples as text and back: a server sampled on another host, read here. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sampler_int.h"

/*
 * Times are written as Unix seconds of the sampling host (its CLOCK_MONOTONIC
 * moved by its realtime-minus-monotonic now), so that the reader, knowing that
 * host's clock offset, can move them onto its own CLOCK_MONOTONIC.
 */
#define MAGIC "ringside-samples 1"

static double mono_to_wall(void)
{
	struct timespec m, w;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &w);
	return (double)(w.tv_sec - m.tv_sec) + (double)(w.tv_nsec - m.tv_nsec) / 1e9;
}

int rs_sampler_save(const struct rs_sampler *s, FILE *f)
{
	double shift = mono_to_wall();
	fprintf(f, "%s\nwhy %s\nperf_offset %.6f\n", MAGIC, s->why, s->perf_offset + shift);
	for (int i = 0; i < s->nsamples; i++) {
		const struct rs_sample *x = &s->samples[i];
		fprintf(f, "s %.6f %d %d %d %d %d %.6f %.6f %" PRIu64 " %" PRIu64 " %ld %d %d %d %.6f\n", x->t + shift,
			x->threads, x->by_kind[0], x->by_kind[1], x->by_kind[2], x->by_kind[3], x->cpu_user_s,
			x->cpu_sys_s, x->ctx_vol, x->ctx_invol, x->rss_kb, x->fds, x->pg_backends, x->pg_active,
			x->pg_cpu_s);
	}
	for (int i = 0; i < s->npts; i++)
		fprintf(f, "p %.6f %.3f\n", s->pts[i].stamp, s->pts[i].cum);
	return ferror(f) ? -EIO : 0;
}

/* Room for one more of n elements of size in *array (capacity *cap): 0 or -ENOMEM. */
static int grow(void **array, int *cap, int n, size_t size)
{
	if (n < *cap)
		return 0;
	int more = *cap ? 2 * *cap : 64;
	void *p = realloc(*array, (size_t)more * size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = more;
	return 0;
}

int rs_sampler_load(FILE *f, double shift, struct rs_sampler **out)
{
	struct rs_sampler *s = calloc(1, sizeof(*s));
	char line[1024];
	int err = -EINVAL;

	if (!s)
		return -ENOMEM;
	s->stopped = true;
	s->perf_fd = -1;
	s->wake[0] = s->wake[1] = -1;
	if (!fgets(line, sizeof line, f) || strncmp(line, MAGIC, strlen(MAGIC)))
		goto bad;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "why ", 4)) {
			snprintf(s->why, sizeof s->why, "%.*s", (int)sizeof s->why - 1, line + 4);
		} else if (!strncmp(line, "perf_offset ", 12)) {
			s->perf_offset = strtod(line + 12, NULL) + shift;
		} else if (line[0] == 's') {
			struct rs_sample x;
			if (sscanf(line, "s %lf %d %d %d %d %d %lf %lf %" SCNu64 " %" SCNu64 " %ld %d %d %d %lf", &x.t,
				   &x.threads, &x.by_kind[0], &x.by_kind[1], &x.by_kind[2], &x.by_kind[3],
				   &x.cpu_user_s, &x.cpu_sys_s, &x.ctx_vol, &x.ctx_invol, &x.rss_kb, &x.fds,
				   &x.pg_backends, &x.pg_active, &x.pg_cpu_s) != 15)
				goto bad;
			x.t += shift;
			if (grow((void **)&s->samples, &s->cap, s->nsamples, sizeof x))
				goto nomem;
			s->samples[s->nsamples++] = x;
		} else if (line[0] == 'p') {
			struct perf_point pt;
			if (sscanf(line, "p %lf %lf", &pt.stamp, &pt.cum) != 2)
				goto bad;
			if (grow((void **)&s->pts, &s->pts_cap, s->npts, sizeof pt))
				goto nomem;
			s->pts[s->npts++] = pt;
		} else if (line[0]) {
			goto bad;
		}
	}
	if (!s->nsamples)
		goto bad;
	*out = s;
	return 0;
nomem:
	err = -ENOMEM;
bad:
	rs_sampler_free(s);
	return err;
}
