/* sampler_window.c - the sampled process over a time window: counters interpolated between samples, maxima inside it. */
#include <errno.h>
#include <math.h>

#include "sampler_int.h"

struct cum {
	double user, sys, vol, invol, pg;	/* pg -1: not sampled */
};

static struct cum cum_of(const struct rs_sample *x)
{
	return (struct cum){ x->cpu_user_s, x->cpu_sys_s, (double)x->ctx_vol, (double)x->ctx_invol, x->pg_cpu_s };
}

static double lerp(double a, double b, double f)
{
	return a + (b - a) * f;
}

/* Between two readings of which either may be missing (-1). */
static double lerp_known(double a, double b, double f)
{
	return a < 0 || b < 0 ? -1 : lerp(a, b, f);
}

/* Cumulative counters at time t, linear between the samples around it. */
static struct cum cum_at(const struct rs_sampler *s, double t)
{
	int i = 0;
	while (i < s->nsamples && s->samples[i].t < t)
		i++;
	if (i == 0)
		return cum_of(&s->samples[0]);
	if (i == s->nsamples)
		return cum_of(&s->samples[i - 1]);
	const struct rs_sample *a = &s->samples[i - 1], *b = &s->samples[i];
	double f = b->t > a->t ? (t - a->t) / (b->t - a->t) : 1;
	return (struct cum){ lerp(a->cpu_user_s, b->cpu_user_s, f), lerp(a->cpu_sys_s, b->cpu_sys_s, f),
			     lerp((double)a->ctx_vol, (double)b->ctx_vol, f),
			     lerp((double)a->ctx_invol, (double)b->ctx_invol, f), lerp_known(a->pg_cpu_s, b->pg_cpu_s, f) };
}

/* Syscalls perf counted from its start to time t. */
static double syscalls_at(const struct rs_sampler *s, double t)
{
	double stamp = t - s->perf_offset, prev_stamp = 0, prev = 0;

	if (stamp <= 0)
		return 0;
	for (int i = 0; i < s->npts; i++) {
		const struct perf_point *p = &s->pts[i];
		if (p->stamp >= stamp) {
			double f = p->stamp > prev_stamp ? (stamp - prev_stamp) / (p->stamp - prev_stamp) : 1;
			return lerp(prev, p->cum, f);
		}
		prev_stamp = p->stamp;
		prev = p->cum;
	}
	return prev;
}

static void window_max(struct rs_sampler_window *w, const struct rs_sample *x)
{
	if (x->threads > w->threads_max)
		w->threads_max = x->threads;
	for (int k = 0; k < RS_THREAD_NKINDS; k++)
		if (x->by_kind[k] > w->by_kind_max[k])
			w->by_kind_max[k] = x->by_kind[k];
	if (x->rss_kb > w->rss_max_kb)
		w->rss_max_kb = x->rss_kb;
	if (x->fds > w->fds_max)
		w->fds_max = x->fds;
	if (x->pg_backends > w->pg_backends_max)
		w->pg_backends_max = x->pg_backends;
	if (x->pg_active > w->pg_active_max)
		w->pg_active_max = x->pg_active;
}

int rs_sampler_window(const struct rs_sampler *s, double t0, double t1, struct rs_sampler_window *w)
{
	int inside = 0, nearest = 0;

	*w = (struct rs_sampler_window){ .syscalls = -1, .pg_backends_max = -1, .pg_active_max = -1, .pg_cpu_s = -1 };
	if (!s->nsamples)
		return -ENODATA;
	struct cum a = cum_at(s, t0), b = cum_at(s, t1);
	w->cpu_user_s = b.user - a.user;
	w->cpu_sys_s = b.sys - a.sys;
	w->ctx_vol = b.vol - a.vol;
	w->ctx_invol = b.invol - a.invol;
	if (a.pg >= 0 && b.pg >= 0)
		w->pg_cpu_s = b.pg - a.pg;
	if (s->npts)
		w->syscalls = syscalls_at(s, t1) - syscalls_at(s, t0);
	for (int i = 0; i < s->nsamples; i++) {
		const struct rs_sample *x = &s->samples[i];
		double mid = (t0 + t1) / 2;
		if (fabs(x->t - mid) < fabs(s->samples[nearest].t - mid))
			nearest = i;
		if (x->t >= t0 && x->t <= t1) {
			window_max(w, x);
			inside++;
		}
	}
	if (!inside)
		window_max(w, &s->samples[nearest]);
	return 0;
}
