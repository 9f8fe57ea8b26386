/* loadgen_agent.c - `harness loadgen` as one host of a several-machine run: the agreed start, stop on stdin EOF, each second's histogram. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hist_file.h"
#include "loadgen_agent.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int rs_lg_agent_wait_start(double start_at, int warmup_s, volatile int *stop)
{
	/* The load starts warmup_s before the agreed instant, so measuring starts at it. */
	double go = start_at - warmup_s, late = wall() - go;
	if (late > 0.5) {
		fprintf(stderr, "loadgen: missed the agreed start by %.1f s (--start-at=%.3f): the run's "
				"setup took longer than its margin\n", late, start_at);
		return -ETIME;
	}
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		double left = go - wall();
		if (left <= 0)
			return 0;
		if (left > 0.1)
			left = 0.1;	/* short naps: a stop (stdin's EOF) is seen at once */
		struct timespec ts = { (time_t)left, (long)((left - floor(left)) * 1e9) };
		nanosleep(&ts, NULL);
	}
	return -EINTR;
}

/* Blocks on stdin; at EOF (the ssh session that started us ended), the load stops. */
static void *watch_stdin(void *arg)
{
	volatile int *stop = arg;
	char buf[256];
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
	return NULL;
}

int rs_lg_agent_watch_stdin(volatile int *stop)
{
	pthread_t t;
	int err = -pthread_create(&t, NULL, watch_stdin, (void *)stop);
	if (!err)
		pthread_detach(t);
	return err;
}

void rs_lg_agent_second_hist(void *arg, int second, const struct rs_hist *h)
{
	const char *dir = arg;
	char sub[4096], name[32];
	if (!dir || snprintf(sub, sizeof sub, "%s/seconds", dir) >= (int)sizeof sub)
		return;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return;
	if (mkdir(sub, 0755) && errno != EEXIST)
		return;
	snprintf(name, sizeof name, "%d.hist", second);
	int err = rs_hist_save_counts(sub, name, h);
	if (err)
		fprintf(stderr, "loadgen: %s/%s: %s\n", sub, name, strerror(-err));
}
