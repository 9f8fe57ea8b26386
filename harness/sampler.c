/* sampler.c - the server process once a second, from /proc and perf: the sampling thread, its start and stop. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sampler_int.h"

/* ---- the samples ---- */

static int push_sample(struct rs_sampler *s, const struct rs_sample *x)
{
	if (s->nsamples == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		struct rs_sample *p = realloc(s->samples, (size_t)cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->samples = p;
		s->cap = cap;
	}
	s->samples[s->nsamples++] = *x;
	return 0;
}

/* The cluster's CPU, one cumulative count across restarts: a new postmaster
 * starts from where the last reading of the old one left off. -1 until the
 * first reading of pm. */
static double pg_cpu(struct rs_sampler *s, pid_t pm)
{
	double raw;

	if (pm != s->pg_last_pm) {
		if (s->pg_last >= 0)
			s->pg_base += s->pg_last;
		s->pg_last_pm = pm;
		s->pg_last = -1;
	}
	/* Never backwards: a child between its exit and its reaping is briefly in neither count. */
	if (!rs_pg_cpu(pm, &raw) && raw > s->pg_last)
		s->pg_last = raw;
	return s->pg_last < 0 ? -1 : s->pg_base + s->pg_last;
}

static void take_sample(struct rs_sampler *s)
{
	struct rs_sample x;

	if (s->gone)
		return;
	int err = rs_sample_read(s->cfg.pid, &x);
	if (err) {
		/* The server exited (or crashed): what was sampled stays. */
		s->gone = true;
		return;
	}
	pid_t pm = atomic_load(&s->pg_pm);
	if (pm > 0) {
		rs_pg_backends(pm, s->db, s->cfg.pid, &x.pg_backends, &x.pg_active);
		x.pg_cpu_s = pg_cpu(s, pm);
	}
	push_sample(s, &x);
}

/* ---- the thread ---- */

static void *sampler_thread(void *arg)
{
	struct rs_sampler *s = arg;
	double next = rs_sampler_now() + s->interval_s;

	for (;;) {
		double now = rs_sampler_now();
		if (now >= next) {
			take_sample(s);
			next += s->interval_s;
			if (next <= now)
				next = now + s->interval_s;
			continue;
		}
		struct pollfd pf[2] = { { s->wake[0], POLLIN, 0 }, { s->perf_fd, POLLIN, 0 } };
		int n = poll(pf, s->perf_fd >= 0 ? 2 : 1, (int)ceil((next - now) * 1000));
		if (n <= 0)
			continue;
		if (pf[0].revents)
			break;
		if (pf[1].revents)
			samp_perf_read(s);
	}
	return NULL;
}

int rs_sampler_start(const struct rs_sampler_cfg *cfg, struct rs_sampler **out)
{
	struct rs_sampler *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	atomic_init(&s->pg_pm, cfg->pg_postmaster);
	s->interval_s = (cfg->interval_ms > 0 ? cfg->interval_ms : 1000) / 1000.0;
	snprintf(s->db, sizeof(s->db), "%s", cfg->pg_db ? cfg->pg_db : "bench");
	s->perf_fd = -1;
	s->pg_last = -1;
	s->wake[0] = s->wake[1] = -1;
	if (pipe2(s->wake, O_CLOEXEC)) {
		err = -errno;
		goto out_free;
	}
	take_sample(s);
	if (!s->nsamples) {
		err = -ESRCH;
		goto out_free;
	}
	if (!cfg->syscalls)
		snprintf(s->why, sizeof(s->why), "not requested");
	else if ((err = samp_perf_start(s)))
		snprintf(s->why, sizeof(s->why), "cannot start perf: %s", strerror(-err));
	err = -pthread_create(&s->thread, NULL, sampler_thread, s);
	if (err)
		goto out_free;
	s->thread_started = true;
	*out = s;
	return 0;
out_free:
	s->stopped = true;
	rs_sampler_free(s);
	return err;
}

void rs_sampler_stop(struct rs_sampler *s)
{
	if (!s || s->stopped)
		return;
	s->stopped = true;
	if (s->thread_started) {
		char c = 1;
		if (write(s->wake[1], &c, 1) < 0)
			perror("sampler: wake");
		pthread_join(s->thread, NULL);
		s->thread_started = false;
	}
	take_sample(s);
	samp_perf_stop(s);
}

void rs_sampler_free(struct rs_sampler *s)
{
	if (!s)
		return;
	rs_sampler_stop(s);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	if (s->perf_pid > 0) {
		kill(s->perf_pid, SIGKILL);
		waitpid(s->perf_pid, NULL, 0);
	}
	if (s->perf_fd >= 0)
		close(s->perf_fd);
	free(s->samples);
	free(s->pts);
	free(s);
}

const char *rs_sampler_syscalls_why(const struct rs_sampler *s)
{
	return s->why[0] ? s->why : NULL;
}

int rs_sampler_samples(const struct rs_sampler *s, const struct rs_sample **out)
{
	*out = s->samples;
	return s->nsamples;
}

void rs_sampler_set_pg_postmaster(struct rs_sampler *s, pid_t pm)
{
	atomic_store(&s->pg_pm, pm);
}
