/* runlib.h - helpers of the `harness run` tests: run the harness and capture its output, fail with a message. */
#ifndef RS_TEST_RUNLIB_H
#define RS_TEST_RUNLIB_H

#include <stddef.h>

/* die, REQUIRE: a failed check ends the test (exit 1). */
#include "../check.h"

/* Skip the test (exit 77) saying why. */
void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Run argv (NULL-terminated), its stdout and stderr captured into out
 * (truncated, NUL-terminated) and echoed to our stderr for the log.
 * Returns its exit code, or 128 + signal. */
int run_capture(const char *const argv[], char *out, size_t size);

/* rm -rf path (for a fresh output directory). */
void remove_tree(const char *path);

#endif
