/* fuzz.h - shared bits of the fuzz targets: the libFuzzer entry point, REQUIRE that aborts, exact-size copies, split points. */
#ifndef RS_FUZZ_H
#define RS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each target defines this; libFuzzer (fuzz build) or replay.c (every other build) calls it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * REQUIRE (tests/check.h) is the property check; in a fuzz target a failed one
 * aborts, which libFuzzer reports as a crash and saves the input for, and so
 * does xmalloc's out of memory.
 */
#define RS_CHECK_ABORT 1
#include "../check.h"

/*
 * A heap copy of exactly n bytes. Parsers are handed these rather than a
 * prefix of the fuzzer's buffer, so that reading one byte past what they
 * were given is an ASan report, not a silent read of the next input byte.
 */
static inline char *fuzz_dup(const void *p, size_t n)
{
	char *d = xmalloc(n);

	if (n)
		memcpy(d, p, n);
	return d;
}

/* xorshift32: split points drawn from the input itself, so a saved input replays exactly. */
static inline uint32_t fuzz_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

#endif
