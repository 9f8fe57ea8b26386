/* test_pg_cpu.c - rs_pg_cpu counts a process tree as a postmaster's: itself, its live children and those it has reaped. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runlib.h"
#include "sampler.h"

static double cpu_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burn s seconds of CPU in this process. */
static void burn(double s)
{
	double end = cpu_clock(CLOCK_PROCESS_CPUTIME_ID) + s;
	volatile unsigned long x = 0;
	while (cpu_clock(CLOCK_PROCESS_CPUTIME_ID) < end)
		x++;
}

/* A child that burns s seconds, then (p not NULL) says so on done and waits
 * for the end of pipe p; NULL: exits at once. */
static pid_t child(double s, const int *p, const int *done)
{
	char c = 1;
	pid_t pid = fork();
	REQUIRE(pid >= 0, "fork");
	if (pid)
		return pid;
	burn(s);
	if (p) {
		close(p[1]);
		if (write(done[1], &c, 1) != 1 || read(p[0], &c, 1) < 0)
			_exit(1);
	}
	_exit(0);
}

static double tree_cpu(void)
{
	double cpu = -1;
	int err = rs_pg_cpu(getpid(), &cpu);
	REQUIRE(err == 0, "rs_pg_cpu on self: %d", err);
	return cpu;
}

int main(void)
{
	int p[2], done[2];
	double before, live, reaped;
	char c;

	REQUIRE(!pipe(p) && !pipe(done), "pipe");
	before = tree_cpu();
	/* One child that ends and is waited for, one that stays alive. */
	pid_t gone = child(0.3, NULL, NULL);
	REQUIRE(waitpid(gone, NULL, 0) == gone, "waitpid");
	pid_t alive = child(0.3, p, done);
	/* The live one has burnt its share (its CPU is then in its own /proc stat):
	 * it says so, however long a loaded machine took to run it. */
	REQUIRE(read(done[0], &c, 1) == 1, "the live child did not finish burning");
	live = tree_cpu();
	/* Ticks of 10 ms: each 0.3 s child shows at least 0.25 s. */
	REQUIRE(live - before >= 0.5, "tree CPU grew %.3f s with two children of 0.3 s each", live - before);
	close(p[1]);
	REQUIRE(waitpid(alive, NULL, 0) == alive, "waitpid");
	reaped = tree_cpu();
	REQUIRE(reaped >= live - 0.02, "tree CPU fell from %.3f to %.3f s when the live child was reaped", live,
	      reaped);

	double x;
	REQUIRE(rs_pg_cpu(999999999, &x) == -ESRCH, "a missing postmaster is -ESRCH");
	printf("ok: %.2f s before, %.2f with the children, %.2f after reaping\n", before, live, reaped);
	return 0;
}
