/* test_fiber_guard.c - a fiber overflowing its stack dies on the guard page (SIGSEGV), not silently. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check.h"

#include "fiber.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#endif

/* Far deeper than any stack: only the guard page can stop it. */
static volatile unsigned long depth_limit = 1ul << 40;

/* Frames well under a page, so the recursion cannot step over the guard. */
static __attribute__((noinline)) unsigned long recurse(unsigned long n)
{
	volatile unsigned char buf[200];
	unsigned long i, sum;

	if (n >= depth_limit)
		return 0;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(n + i);
	sum = recurse(n + 1);
	for (i = 0; i < sizeof(buf); i++)
		sum += buf[i];
	return sum;
}

static void overflow_fn(void *arg)
{
	*(unsigned long *)arg = recurse(0);
}

static void child(void)
{
	struct rlimit no_core = { 0, 0 };
	struct rs_fiber_pool *pool;
	struct rs_fiber *f;
	unsigned long sink = 0;

	setrlimit(RLIMIT_CORE, &no_core);	/* an expected crash needs no dump */
	if (rs_fiber_pool_create(16 * 1024, &pool))
		_exit(2);
	if (rs_fiber_create(pool, overflow_fn, &sink, &f))
		_exit(2);
	rs_fiber_resume(f);
	_exit(3);	/* survived the overflow: the guard did not work */
}

int main(void)
{
	int status;
	pid_t pid;

#ifdef UNDER_ASAN
	return 77;	/* ASan catches the overflow itself, with its own report */
#endif
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		child();
	REQUIRE(waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status))
		fprintf(stderr, "child exited with %d\n", WEXITSTATUS(status));
	REQUIRE(WIFSIGNALED(status));
	REQUIRE(WTERMSIG(status) == SIGSEGV);
	return 0;
}
