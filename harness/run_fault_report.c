/* run_fault_report.c - what a fault did to a run: errors before, during and after it, recovery time, fds and RSS. */
#include <math.h>
#include <stdio.h>

#include "run_int.h"

struct view {
	double at_s, dur_s;		/* into the measured window */
	double baseline;		/* median req/s of the whole seconds before the fault (open loop: at most
					 * the offered rate); NaN: none */
	double settled;			/* median req/s of the whole seconds after the fault ended, over baseline */
	int first;			/* the second the fault happened in */
	int rec;			/* the first whole second after it back at the threshold; -1: never */
	unsigned long long before, during, after; /* errors of the seconds before first, [first, rec), from rec */
	const struct rs_sample *pre, *post; /* the server just before the fault, and at the end of the window */
};

/* The last sample taken at or before t (the first one when none is). */
static const struct rs_sample *sample_at(const struct run *r, double t)
{
	const struct rs_sample *s;
	int n = rs_sampler_samples(r->sampler, &s), k = 0;

	if (n <= 0)
		return NULL;
	while (k + 1 < n && s[k + 1].t <= t)
		k++;
	return &s[k];
}

/*
 * Per-second data only, so recovery_s has a resolution of one second: it
 * is measured to the start of the first whole second after the fault whose
 * throughput is back, an upper bound.
 */
static void view(const struct run *r, struct view *v)
{
	const struct rs_fault *f = &r->fault;
	const struct rs_lg_second *sec = r->res.seconds;
	int n = r->res.nseconds, k = 0;
	double per[RS_LG_MAX_SECONDS];

	*v = (struct view){ .at_s = f->t_fault - f->t0, .dur_s = f->t_done - f->t_fault, .baseline = NAN,
			    .settled = NAN, .rec = -1 };
	v->first = (int)floor(v->at_s);
	if (v->first > n)
		v->first = n;
	/* The median, not the mean: one catch-up second (open loop) or one fast second (closed loop)
	 * would otherwise set a bar the healthy server never reaches again. */
	for (int s = 0; s < v->first; s++) {
		per[k++] = (double)sec[s].requests;
		v->before += sec[s].errors;
	}
	v->baseline = rs_median(per, k);
	if (f->offered > 0 && v->baseline > f->offered)
		v->baseline = f->offered;
	for (int s = (int)ceil(v->at_s); s < n && v->rec < 0 && v->baseline > 0; s++)
		if ((double)sec[s].requests >= f->threshold * v->baseline)
			v->rec = s;
	k = 0;
	for (int s = (int)ceil(v->at_s + v->dur_s); s < n; s++)
		per[k++] = (double)sec[s].requests;
	if (k > 0 && v->baseline > 0)
		v->settled = rs_median(per, k) / v->baseline;
	/* After: once recovered and the fault is over. A server that answers
	 * 503 at once while its database is away recovers within the second
	 * the database comes back; that second's errors are the fault's. */
	int end = (int)ceil(v->at_s + v->dur_s);
	for (int s = v->first; s < n; s++) {
		if (v->rec >= 0 && s >= v->rec && s >= end)
			v->after += sec[s].errors;
		else
			v->during += sec[s].errors;
	}
	v->pre = sample_at(r, f->t_fault);
	v->post = sample_at(r, f->t0 + r->res.elapsed_s);
}

static const char *kind_name(enum rs_fault_kind k)
{
	static const char *const names[] = {
		[RS_FAULT_NONE] = "none", [RS_FAULT_PG_RESTART] = "pg-restart",
		[RS_FAULT_PG_TERMINATE] = "pg-terminate", [RS_FAULT_PG_DOWN] = "pg-down",
		[RS_FAULT_CLIENT_RESET] = "client-reset", [RS_FAULT_SLOWLORIS] = "slowloris",
	};
	return names[k];
}

static json_t *num_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *slowloris_json(const struct rs_slowloris_stats *s)
{
	return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:i}", "clients", s->clients, "connects",
			 (json_int_t)s->connects, "connect_errors", (json_int_t)s->connect_errors, "bytes",
			 (json_int_t)s->bytes, "closed_by_server", (json_int_t)s->closed_by_server, "answered_408",
			 (json_int_t)s->answered_408, "answered_other", (json_int_t)s->answered_other, "interval_ms",
			 RS_FAULT_SLOWLORIS_MS);
}

json_t *rs_fault_json(const struct run *r)
{
	const struct rs_fault *f = &r->fault;
	struct view v;

	if (f->kind == RS_FAULT_NONE)
		return json_null();
	json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:b}", "kind", kind_name(f->kind), "spec", f->spec, "asked_at_s",
			      f->at, "asked_duration_s", f->dur, "fired", f->fired);
	if (!o || !f->fired)
		return o;
	view(r, &v);
	json_t *more = json_pack("{s:f, s:f, s:o, s:f, s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "at_s",
				 v.at_s, "duration_s", v.dur_s, "baseline_rps", num_or_null(v.baseline),
				 "recovery_threshold", f->threshold, "settled_ratio", num_or_null(v.settled), "recovery_s",
				 v.rec < 0 ? json_null() : json_real(fmax(0, v.rec - v.at_s)), "errors_before",
				 (json_int_t)v.before, "errors_during", (json_int_t)v.during, "errors_after",
				 (json_int_t)v.after, "fds_before", v.pre ? json_integer(v.pre->fds) : json_null(),
				 "fds_after", v.post ? json_integer(v.post->fds) : json_null(), "rss_kb_before",
				 v.pre ? json_integer(v.pre->rss_kb) : json_null(), "rss_kb_after",
				 v.post ? json_integer(v.post->rss_kb) : json_null());
	if (!more || json_object_update(o, more)) {
		json_decref(more);
		json_decref(o);
		return NULL;
	}
	json_decref(more);
	if (f->err || f->note[0])
		json_object_set_new(o, "error", json_string(f->note));
	if (f->kind == RS_FAULT_PG_TERMINATE)
		json_object_set_new(o, "backends_terminated", json_integer(f->terminated));
	if (f->kind == RS_FAULT_CLIENT_RESET) {
		json_object_set_new(o, "client_resets", json_integer((json_int_t)r->res.client_resets));
		json_object_set_new(o, "reset_every", json_integer(RS_FAULT_RESET_EVERY));
	}
	if (f->kind == RS_FAULT_SLOWLORIS)
		json_object_set_new(o, "slowloris", slowloris_json(&f->slow));
	return o;
}

void rs_fault_print(const struct run *r)
{
	const struct rs_fault *f = &r->fault;
	struct view v;

	if (f->kind == RS_FAULT_NONE)
		return;
	printf("  %-12s", "fault");
	if (!f->fired) {
		printf("%s: not injected (the run ended first)\n", f->spec);
		return;
	}
	view(r, &v);
	printf("%s at %.2f s, took %.2f s: %llu errors during (%llu before, %llu after); ", kind_name(f->kind), v.at_s,
	       v.dur_s, v.during, v.before, v.after);
	if (v.rec >= 0)
		printf("recovered in %.2f s", fmax(0, v.rec - v.at_s));
	else
		printf("NOT RECOVERED (below %.0f%% of %.0f req/s until the end)", f->threshold * 100, v.baseline);
	if (isfinite(v.settled))
		printf(", settled at %.2fx", v.settled);
	if (v.pre && v.post)
		printf("; fds %d -> %d, RSS %.1f -> %.1f MB", v.pre->fds, v.post->fds, (double)v.pre->rss_kb / 1024,
		       (double)v.post->rss_kb / 1024);
	printf("\n");
	if (f->note[0])
		printf("  %-12s%s\n", "", f->note);
	if (f->kind == RS_FAULT_PG_TERMINATE)
		printf("  %-12s%d backends of the server terminated\n", "", f->terminated);
	if (f->kind == RS_FAULT_CLIENT_RESET)
		printf("  %-12s%llu requests abandoned with an RST by the load generator (not errors)\n", "",
		       (unsigned long long)r->res.client_resets);
	if (f->kind == RS_FAULT_SLOWLORIS)
		printf("  %-12s%d slow clients: %llu connects, %llu bytes, %llu ended by the server (%llu with 408)\n",
		       "", f->slow.clients, (unsigned long long)f->slow.connects, (unsigned long long)f->slow.bytes,
		       (unsigned long long)f->slow.closed_by_server, (unsigned long long)f->slow.answered_408);
}
