/* clock.h - the one monotonic clock every layer reads (rs_clock_ms in engine.h is its coarse, per-request cousin). */
#ifndef RS_CLOCK_H
#define RS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds: a vDSO read, no syscall. */
static inline uint64_t rs_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline double rs_now_s(void)
{
	return (double)rs_now_ns() / 1e9;
}

#endif
