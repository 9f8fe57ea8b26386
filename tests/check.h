/* check.h - what every test program shares: the exit codes, CHECK (count, go on), REQUIRE and die (fail now), xmalloc. */
#ifndef RS_TEST_CHECK_H
#define RS_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The exit codes Meson reads: pass, fail, skip (the kernel or machine lacks something; say why). */
enum { TEST_PASS = 0, TEST_FAIL = 1, TEST_SKIP = 77 };

/* Checks failed so far; main returns failures ? TEST_FAIL : TEST_PASS. */
static int failures __attribute__((unused));

/* A failed check is reported with where and what, then the test goes on. */
#define CHECK(cond, ...)                                                          \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                             \
			fputc('\n', stderr);                                      \
			failures++;                                               \
		}                                                                 \
	} while (0)

/*
 * How a failed requirement ends the program: exit(TEST_FAIL), or abort() where
 * RS_CHECK_ABORT is defined before this header (a fuzz target: libFuzzer saves
 * the input of a crash, not of an exit).
 */
#ifdef RS_CHECK_ABORT
#define check_end_() abort()
#else
#define check_end_() exit(TEST_FAIL)
#endif

/* Set by a test whose checks run under several modes, to say which one failed (printed after the check). */
static void (*check_context)(void) __attribute__((unused));

/* fmt is " " followed by the caller's message (REQUIRE's trick for an optional one). */
static inline void __attribute__((format(printf, 4, 5), noreturn, unused))
check_fail_(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: check failed: %s", file, line, what);
	if (fmt[0] && fmt[1]) {
		fputs(":", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	if (check_context)
		check_context();
	fputc('\n', stderr);
	check_end_();
}

/* A failed requirement ends the test: what follows would make no sense. REQUIRE(cond) or REQUIRE(cond, fmt, ...). */
#define REQUIRE(cond, ...)                                                                \
	do {                                                                              \
		if (!(cond))                                                              \
			check_fail_(__FILE__, __LINE__, #cond, " " __VA_ARGS__);          \
	} while (0)

/* REQUIRE that two integers are equal, saying both. */
#define REQUIRE_INT(a, b)                                                                 \
	do {                                                                              \
		long long a_ = (long long)(a), b_ = (long long)(b);                       \
		if (a_ != b_)                                                             \
			check_fail_(__FILE__, __LINE__, #a " == " #b, " %lld, want %lld", a_, b_); \
	} while (0)

/* REQUIRE that a (maybe NULL) string equals another, saying both. */
#define REQUIRE_STR(a, b)                                                                 \
	do {                                                                              \
		const char *a_ = (a), *b_ = (b);                                          \
		if (!a_ || strcmp(a_, b_))                                                \
			check_fail_(__FILE__, __LINE__, #a " == " #b, " \"%s\", want \"%s\"", \
				    a_ ? a_ : "(null)", b_);                              \
	} while (0)

static inline void __attribute__((format(printf, 1, 2), noreturn, unused)) die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	check_end_();
}

/* Tests have nothing to fall back on: no memory is a failed run. */
static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		perror("malloc");
		check_end_();
	}
	return p;
}

#endif
