/* test_fiber_stack.c - deep recursion on a 64 KiB stack; FP, MXCSR, x87 and callee-saved state survive switches. */
#include <fenv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../check.h"

#include "fiber.h"

#define STACK_SIZE (64 * 1024)
#define DEEP_BYTES (54 * 1024)	/* of 64 KiB; the rest covers the fiber's own header and ASan */

/* ---- deep recursion ---- */

static uintptr_t stack_top;
static unsigned max_depth;

/* Each level fills a buffer on its own frame, recurses, then checks the
 * buffer is intact: a switch at the deepest point must not disturb any of it. */
static __attribute__((noinline)) unsigned long deep(unsigned depth)
{
	volatile unsigned char buf[480];
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	unsigned long sum = 0;
	unsigned i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(depth * 31 + i);
	if (stack_top - here < DEEP_BYTES) {
		sum = deep(depth + 1);
	} else {
		max_depth = depth;
		rs_fiber_yield();
	}
	for (i = 0; i < sizeof(buf); i++) {
		REQUIRE(buf[i] == (unsigned char)(depth * 31 + i));
		sum += buf[i];
	}
	return sum;
}

static void deep_fn(void *arg)
{
	stack_top = (uintptr_t)__builtin_frame_address(0);
	*(unsigned long *)arg = deep(0);
}

static void test_deep(struct rs_fiber_pool *pool)
{
	struct rs_fiber *f;
	unsigned long sum = 0, want = 0;
	unsigned d, i;

	REQUIRE(rs_fiber_create(pool, deep_fn, &sum, &f) == 0);
	REQUIRE(rs_fiber_resume(f));	/* parked at the deepest point */
	REQUIRE(!rs_fiber_resume(f));
	REQUIRE(max_depth > 50);
	for (d = 0; d <= max_depth; d++)
		for (i = 0; i < 480; i++)
			want += (unsigned char)(d * 31 + i);
	REQUIRE(sum == want);
}

/* ---- floating point across yields ---- */

#define FP_STEPS 2000

/* A few doubles live across every yield: they are caller-saved, so the
 * compiler keeps them on the fiber stack, and the scheduler meanwhile
 * churns the xmm registers with its own arithmetic. */
static double fp_work(int yield)
{
	double a = 1.0, b = 0.5, c = 0.25, d = 3.0;
	int i;

	for (i = 1; i <= FP_STEPS; i++) {
		a = a * 0.999 + 1.0 / i;
		b = b * 1.001 - a / (i + 3.0);
		c = c + a * b / (1.0 + c * c);
		d = d / 1.0001 + c;
		if (yield)
			rs_fiber_yield();
	}
	return a + 2.0 * b + 3.0 * c + 4.0 * d;
}

static void fp_fn(void *arg)
{
	*(double *)arg = fp_work(1);
}

static void test_fp(struct rs_fiber_pool *pool)
{
	volatile double noise = 0.0;
	double got = 0.0, want = fp_work(0);
	struct rs_fiber *f;
	int n = 0;

	REQUIRE(rs_fiber_create(pool, fp_fn, &got, &f) == 0);
	while (rs_fiber_resume(f)) {
		noise = noise * 0.5 + n * 1.7 - 1.0 / (n + 1.0);
		n++;
	}
	REQUIRE(n == FP_STEPS);
	REQUIRE(got == want);	/* bit-for-bit, not approximately */
}

/* ---- callee-saved integer registers ---- */

/*
 * probe_call(fn, arg, out, seed): loads rbx, rbp, r12-r15 with seed+1..6,
 * calls fn(arg), and stores what those registers hold afterwards in out[6].
 * Written in assembly because C cannot pin values to registers across a
 * call; the compiler would merely be trusted to.
 */
void probe_call(void (*fn)(void *), void *arg, uint64_t *out, uint64_t seed);
__asm__(
	"	.text\n"
	"	.globl	probe_call\n"
	"	.hidden	probe_call\n"
	"	.type	probe_call, @function\n"
	"probe_call:\n"
	"	pushq	%rbp\n"
	"	pushq	%rbx\n"
	"	pushq	%r12\n"
	"	pushq	%r13\n"
	"	pushq	%r14\n"
	"	pushq	%r15\n"
	"	pushq	%rdx\n"		/* out; also realigns rsp to 16 */
	"	leaq	1(%rcx), %rbx\n"
	"	leaq	2(%rcx), %rbp\n"
	"	leaq	3(%rcx), %r12\n"
	"	leaq	4(%rcx), %r13\n"
	"	leaq	5(%rcx), %r14\n"
	"	leaq	6(%rcx), %r15\n"
	"	movq	%rdi, %rax\n"
	"	movq	%rsi, %rdi\n"
	"	call	*%rax\n"
	"	popq	%rdx\n"
	"	movq	%rbx, 0(%rdx)\n"
	"	movq	%rbp, 8(%rdx)\n"
	"	movq	%r12, 16(%rdx)\n"
	"	movq	%r13, 24(%rdx)\n"
	"	movq	%r14, 32(%rdx)\n"
	"	movq	%r15, 40(%rdx)\n"
	"	popq	%r15\n"
	"	popq	%r14\n"
	"	popq	%r13\n"
	"	popq	%r12\n"
	"	popq	%rbx\n"
	"	popq	%rbp\n"
	"	ret\n"
	"	.size	probe_call, .-probe_call\n");

#define FIBER_SEED 0x1111111111111100ull
#define SCHED_SEED 0x7777777777777700ull

static void check_probe(const uint64_t *out, uint64_t seed)
{
	int i;

	for (i = 0; i < 6; i++)
		REQUIRE(out[i] == seed + i + 1);
}

static void call_yield(void *unused)
{
	rs_fiber_yield();
}

static void call_resume(void *f)
{
	REQUIRE(rs_fiber_resume(f));
}

static void regs_fn(void *arg)
{
	uint64_t out[6];
	int i;

	for (i = 0; i < 10; i++) {
		probe_call(call_yield, NULL, out, FIBER_SEED + 16 * i);
		check_probe(out, FIBER_SEED + 16 * i);
	}
}

static void test_callee_saved(struct rs_fiber_pool *pool)
{
	struct rs_fiber *f;
	uint64_t out[6];
	int i;

	REQUIRE(rs_fiber_create(pool, regs_fn, NULL, &f) == 0);
	for (i = 0; i < 10; i++) {
		probe_call(call_resume, f, out, SCHED_SEED + 16 * i);
		check_probe(out, SCHED_SEED + 16 * i);
	}
	REQUIRE(!rs_fiber_resume(f));
}

/* ---- MXCSR and x87 control word ---- */

#define MXCSR_RC_MASK 0x6000u
#define MXCSR_RC_UP 0x4000u
#define MXCSR_RC_NEAREST 0x0000u
#define X87_PC_MASK 0x0300u
#define X87_PC_SINGLE 0x0000u

static unsigned get_mxcsr(void)
{
	unsigned v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static unsigned get_x87cw(void)
{
	unsigned short v;

	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

static void set_x87cw(unsigned v)
{
	unsigned short cw = (unsigned short)v;

	__asm__ volatile("fldcw %0" : : "m"(cw));
}

static double third(void)
{
	volatile double one = 1.0, three = 3.0;

	return one / three;
}

struct fpmode {
	int start_round;
	double third_up;
};

/* The fiber picks its own modes; they must hold across yields while the
 * scheduler, in between, runs with its own. */
static void fpmode_fn(void *arg)
{
	struct fpmode *m = arg;
	unsigned cw;
	int i;

	m->start_round = fegetround();	/* inherited from the creator */
	fesetround(FE_UPWARD);
	cw = (get_x87cw() & ~X87_PC_MASK) | X87_PC_SINGLE;
	set_x87cw(cw);
	m->third_up = third();
	for (i = 0; i < 3; i++) {
		rs_fiber_yield();
		REQUIRE((get_mxcsr() & MXCSR_RC_MASK) == MXCSR_RC_UP);
		REQUIRE(get_x87cw() == cw);
		REQUIRE(fegetround() == FE_UPWARD);
		REQUIRE(third() == m->third_up);
	}
}

static void test_fp_modes(struct rs_fiber_pool *pool)
{
	struct fpmode m = { 0 };
	unsigned cw0 = get_x87cw();
	double third_near = third();
	struct rs_fiber *f;

	REQUIRE(fesetround(FE_DOWNWARD) == 0);
	REQUIRE(rs_fiber_create(pool, fpmode_fn, &m, &f) == 0);
	REQUIRE(fesetround(FE_TONEAREST) == 0);
	while (rs_fiber_resume(f)) {
		REQUIRE((get_mxcsr() & MXCSR_RC_MASK) == MXCSR_RC_NEAREST);
		REQUIRE(get_x87cw() == cw0);
		REQUIRE(third() == third_near);
	}
	REQUIRE(m.start_round == FE_DOWNWARD);
	REQUIRE(m.third_up > third_near);
	REQUIRE(fegetround() == FE_TONEAREST);
	REQUIRE(get_x87cw() == cw0);
}

int main(void)
{
	struct rs_fiber_pool *pool;

	REQUIRE(rs_fiber_pool_create(STACK_SIZE, &pool) == 0);
	test_deep(pool);
	test_fp(pool);
	test_callee_saved(pool);
	test_fp_modes(pool);
	/* And once more on a reused, already dirty stack. */
	test_deep(pool);
	REQUIRE(rs_fiber_pool_mapped(pool) == 1);
	rs_fiber_pool_destroy(pool);
	return 0;
}
