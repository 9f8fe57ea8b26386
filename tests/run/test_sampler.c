/* test_sampler.c - the process sampler on its own process: threads by kind, CPU, switches, RSS, fds, syscalls. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"
#include "sampler.h"

static atomic_bool g_quit;
static atomic_int g_named;


/* A thread with a given comm; the reactor one also burns CPU in syscalls. */
static void *named_thread(void *arg)
{
	const char *name = arg;
	prctl(PR_SET_NAME, name, 0, 0, 0);
	atomic_fetch_add(&g_named, 1);
	bool busy = !strncmp(name, "rs-reactor", 10);
	while (!atomic_load(&g_quit)) {
		if (busy)
			syscall(SYS_getppid);
		else
			usleep(10000);
	}
	return NULL;
}

static void check_kinds(const struct rs_sample *s, int other)
{
	int want[RS_THREAD_NKINDS] = { 1, 2, 1, other };
	for (int k = 0; k < RS_THREAD_NKINDS; k++)
		REQUIRE(s->by_kind[k] == want[k], "%s threads: %d, want %d", rs_thread_kind_name(k), s->by_kind[k],
		      want[k]);
	REQUIRE(s->threads == 4 + other, "threads %d, want %d", s->threads, 4 + other);
}

static void check_window(struct rs_sampler *s, double t0, double t1)
{
	struct rs_sampler_window w;
	REQUIRE(rs_sampler_window(s, t0, t1, &w) == 0, "no window");
	double cpu = w.cpu_user_s + w.cpu_sys_s;
	/* Not how much (the machine may be busy): that the busy thread shows. */
	REQUIRE(cpu > 0, "no CPU time in %.2f s of a busy loop", t1 - t0);
	REQUIRE(w.threads_max == 7, "threads_max %d, want 7 (with the sampler's own)", w.threads_max);
	REQUIRE(w.by_kind_max[RS_THREAD_WORKER] == 2, "workers max %d", w.by_kind_max[RS_THREAD_WORKER]);
	REQUIRE(w.rss_max_kb > 0 && w.fds_max >= 3, "rss %ld kB, fds %d", w.rss_max_kb, w.fds_max);
	REQUIRE(w.ctx_vol + w.ctx_invol > 0, "no context switches at all");
	REQUIRE(w.pg_backends_max == -1, "no Postgres was asked for, got %d", w.pg_backends_max);
	const char *why = rs_sampler_syscalls_why(s);
	if (why) {
		printf("syscalls not counted: %s\n", why);
		REQUIRE(w.syscalls == -1, "syscalls %.0f but also a reason", w.syscalls);
	} else {
		REQUIRE(w.syscalls > 100, "only %.0f syscalls from a loop of getppid", w.syscalls);
	}
	/* On sample times the interpolation is exact. */
	const struct rs_sample *all;
	int n = rs_sampler_samples(s, &all);
	REQUIRE(rs_sampler_window(s, all[0].t, all[n - 1].t, &w) == 0, "no window");
	REQUIRE(fabs(w.cpu_user_s - (all[n - 1].cpu_user_s - all[0].cpu_user_s)) < 1e-9 &&
		      fabs(w.ctx_vol - (double)(all[n - 1].ctx_vol - all[0].ctx_vol)) < 1e-6,
	      "a window on sample times is not their difference");
	printf("window %.2f s: cpu %.2f s, switches %.0f+%.0f, syscalls %.0f, rss %ld kB, fds %d\n", t1 - t0,
	       cpu, w.ctx_vol, w.ctx_invol, w.syscalls, w.rss_max_kb, w.fds_max);
}

/* /proc's utime + stime is the kernel's CPU clock of the process, in ticks. */
static void check_cpu_clock(void)
{
	struct rs_sample x;
	struct timespec ts;

	REQUIRE(rs_sample_read(getpid(), &x) == 0, "rs_sample_read on self");
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	double clock = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, proc = x.cpu_user_s + x.cpu_sys_s;
	REQUIRE(fabs(clock - proc) < 0.05, "/proc says %.3f s of CPU, the CPU clock %.3f s", proc, clock);
}

int main(void)
{
	static const char *const names[] = { "rs-reactor-0", "rs-worker-0", "rs-worker-1", "iou-wrk-4242",
					     "helper" };
	pthread_t th[5];
	struct rs_sample one;
	struct rs_sampler *s;

	REQUIRE(rs_thread_kind_of("rs-reactor-12") == RS_THREAD_REACTOR, "reactor kind");
	REQUIRE(rs_thread_kind_of("iou-sqp-1") == RS_THREAD_OTHER, "iou-sqp is not a worker");
	for (int i = 0; i < 5; i++)
		REQUIRE(pthread_create(&th[i], NULL, named_thread, (void *)names[i]) == 0, "pthread_create");
	while (atomic_load(&g_named) < 5)
		usleep(1000);
	REQUIRE(rs_sample_read(getpid(), &one) == 0, "rs_sample_read on self");
	check_kinds(&one, 2);
	check_cpu_clock();

	struct rs_sampler_cfg cfg = { .pid = getpid(), .interval_ms = 250, .syscalls = true };
	REQUIRE(rs_sampler_start(&cfg, &s) == 0, "rs_sampler_start");
	double t0 = rs_sampler_now();
	usleep(1500000);
	double t1 = rs_sampler_now();
	rs_sampler_stop(s);
	const struct rs_sample *all;
	int n = rs_sampler_samples(s, &all);
	/* The first and last are taken by start and stop; the thread takes the rest. */
	REQUIRE(n >= 3, "%d samples in 1.5 s at 4 per second", n);
	/* Samples taken by the sampler thread see it too (the first and last are taken without it). */
	check_kinds(&all[1], 3);
	check_kinds(&all[n - 1], 2);
	check_window(s, t0, t1);
	rs_sampler_free(s);

	atomic_store(&g_quit, true);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	REQUIRE(rs_sample_read(999999999, &one) == -ESRCH, "a missing process is -ESRCH");
	printf("ok\n");
	return 0;
}
