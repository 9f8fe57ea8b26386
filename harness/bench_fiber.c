/* bench_fiber.c - switch cost: rs_fiber resume/yield vs ucontext swapcontext. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "clock.h"
#include "bench.h"
#include "fiber.h"

#define BENCH_RUNS 5
#define BENCH_DEFAULT_ITERS 10000000ul
/* swapcontext makes a sigprocmask system call per switch: a tenth of the
 * round trips gives as stable a median in a fraction of the time. */
#define BENCH_UC_DIVISOR 10
#define BENCH_UC_MIN_ITERS 1000ul
#define BENCH_UC_STACK (64 * 1024)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- rs_fiber ---- */

static void fiber_loop(void *arg)
{
	const bool *stop = arg;

	while (!*stop)
		rs_fiber_yield();
}

/* ns per switch over iters round trips, or a negative errno. */
static double bench_fiber_once(struct rs_fiber_pool *pool, unsigned long iters)
{
	struct rs_fiber *f;
	bool stop = false;
	unsigned long i;
	double t0, t1;
	int ret;

	ret = rs_fiber_create(pool, fiber_loop, &stop, &f);
	if (ret)
		return ret;
	rs_fiber_resume(f);	/* first entry is not a steady-state switch */
	t0 = (double)rs_now_ns();
	for (i = 0; i < iters; i++)
		rs_fiber_resume(f);
	t1 = (double)rs_now_ns();
	stop = true;
	while (rs_fiber_resume(f))
		;
	return (t1 - t0) / (2.0 * iters);
}

/* ---- ucontext ---- */

static ucontext_t uc_main, uc_fiber;
static bool uc_stop;

static void uc_loop(void)
{
	while (!uc_stop)
		swapcontext(&uc_fiber, &uc_main);
}

static double bench_uc_once(unsigned long iters)
{
	void *stack = malloc(BENCH_UC_STACK);
	unsigned long i;
	double t0, t1;

	if (!stack)
		return -ENOMEM;
	if (getcontext(&uc_fiber) < 0)
		goto out_errno;
	uc_fiber.uc_stack.ss_sp = stack;
	uc_fiber.uc_stack.ss_size = BENCH_UC_STACK;
	uc_fiber.uc_link = &uc_main;
	makecontext(&uc_fiber, uc_loop, 0);
	uc_stop = false;
	swapcontext(&uc_main, &uc_fiber);
	t0 = (double)rs_now_ns();
	for (i = 0; i < iters; i++)
		swapcontext(&uc_main, &uc_fiber);
	t1 = (double)rs_now_ns();
	uc_stop = true;
	swapcontext(&uc_main, &uc_fiber);	/* uc_loop returns to uc_main */
	free(stack);
	return (t1 - t0) / (2.0 * iters);

out_errno:
	free(stack);
	return -errno;
}

/* ---- driver ---- */

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [--iterations=N]\n"
		"  N fiber resume+yield round trips per run (default %lu);\n"
		"  swapcontext does N/%d; each is run %d times, median shown\n",
		prog, BENCH_DEFAULT_ITERS, BENCH_UC_DIVISOR, BENCH_RUNS);
}

/* 0, 1 after --help (usage on stdout), -EINVAL after a bad argument. */
static int parse_args(int argc, char **argv, unsigned long *iters)
{
	const char *prefix = "--iterations=";
	size_t plen = strlen(prefix);
	char *end;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, argv[0]);
			return 1;
		}
		if (strncmp(argv[i], prefix, plen) != 0)
			goto out_usage;
		errno = 0;
		*iters = strtoul(argv[i] + plen, &end, 10);
		if (errno || *end || end == argv[i] + plen || *iters == 0)
			goto out_usage;
	}
	return 0;

out_usage:
	usage(stderr, argc > 0 ? argv[0] : "bench-fiber");
	return -EINVAL;
}

int rs_bench_fiber_main(int argc, char **argv)
{
	unsigned long iters = BENCH_DEFAULT_ITERS, uc_iters;
	double fib[BENCH_RUNS], uc[BENCH_RUNS], fib_med, uc_med;
	struct rs_fiber_pool *pool;
	int run, ret;

	ret = parse_args(argc, argv, &iters);
	if (ret)
		return ret > 0 ? 0 : 2; /* --help: 0 */
	uc_iters = iters / BENCH_UC_DIVISOR;
	if (uc_iters < BENCH_UC_MIN_ITERS)
		uc_iters = BENCH_UC_MIN_ITERS;
	ret = rs_fiber_pool_create(0, &pool);
	if (ret)
		goto out_err;
	for (run = 0; run < BENCH_RUNS; run++) {
		fib[run] = bench_fiber_once(pool, iters);
		uc[run] = bench_uc_once(uc_iters);
		if (fib[run] < 0 || uc[run] < 0) {
			ret = fib[run] < 0 ? (int)fib[run] : (int)uc[run];
			goto out_pool;
		}
	}
	rs_fiber_pool_destroy(pool);

	fib_med = median(fib, BENCH_RUNS);
	uc_med = median(uc, BENCH_RUNS);
	printf("fiber switch: %.1f ns (median of %d x %lu round trips)\n",
	       fib_med, BENCH_RUNS, iters);
	printf("swapcontext:  %.1f ns (median of %d x %lu round trips)\n",
	       uc_med, BENCH_RUNS, uc_iters);
	printf("ratio: %.1fx\n", uc_med / fib_med);
	return 0;

out_pool:
	rs_fiber_pool_destroy(pool);
out_err:
	fprintf(stderr, "bench-fiber: %s\n", strerror(-ret));
	return 1;
}
