/* test_fiber_basic.c - resume/yield ping-pong, data pointers, finishing, current fiber. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../check.h"

#include "fiber.h"

/* The scheduler and the fiber take turns bumping a shared counter: each
 * side checks it sees exactly the value the other left. */
struct pingpong {
	struct rs_fiber *self;
	int counter;
	int rounds;
	int finished_body;
};

static void pingpong_fn(void *arg)
{
	struct pingpong *pp = arg;
	int i;

	REQUIRE(rs_fiber_current() == pp->self);
	REQUIRE(rs_fiber_data(pp->self) == pp);
	for (i = 0; i < pp->rounds; i++) {
		REQUIRE(pp->counter == 2 * i);
		pp->counter++;
		rs_fiber_yield();
		REQUIRE(rs_fiber_current() == pp->self);
	}
	REQUIRE(pp->counter == 2 * pp->rounds);
	pp->finished_body = 1;
}

static void test_pingpong(struct rs_fiber_pool *pool)
{
	struct pingpong pp = { .rounds = 1000 };
	struct rs_fiber *f;
	int i;

	REQUIRE(rs_fiber_create(pool, pingpong_fn, &pp, &f) == 0);
	pp.self = f;
	REQUIRE(rs_fiber_data(f) == NULL);
	rs_fiber_set_data(f, &pp);
	for (i = 0; i < pp.rounds; i++) {
		REQUIRE(rs_fiber_resume(f));
		REQUIRE(rs_fiber_current() == NULL);
		REQUIRE(pp.counter == 2 * i + 1);
		pp.counter++;
	}
	/* The last resume runs the body to its end. */
	REQUIRE(!rs_fiber_resume(f));
	REQUIRE(pp.finished_body);
	REQUIRE(rs_fiber_current() == NULL);
}

/* A fiber passes values back through its data pointer. */
static void producer_fn(void *arg)
{
	struct rs_fiber *self = rs_fiber_current();
	long *slot = arg;
	long v;

	for (v = 1; v <= 5; v++) {
		*slot = v * v;
		rs_fiber_set_data(self, slot);
		rs_fiber_yield();
	}
	rs_fiber_set_data(self, NULL);
}

static void test_data(struct rs_fiber_pool *pool)
{
	struct rs_fiber *f;
	long slot = 0, sum = 0;

	REQUIRE(rs_fiber_create(pool, producer_fn, &slot, &f) == 0);
	while (rs_fiber_resume(f)) {
		REQUIRE(rs_fiber_data(f) == &slot);
		sum += *(long *)rs_fiber_data(f);
	}
	REQUIRE(sum == 1 + 4 + 9 + 16 + 25);
}

/* A body that never yields finishes on its first resume. */
static void once_fn(void *arg)
{
	(*(int *)arg)++;
}

static void test_immediate_finish(struct rs_fiber_pool *pool)
{
	struct rs_fiber *f;
	int ran = 0;

	REQUIRE(rs_fiber_create(pool, once_fn, &ran, &f) == 0);
	REQUIRE(ran == 0);	/* nothing runs before the first resume */
	REQUIRE(!rs_fiber_resume(f));
	REQUIRE(ran == 1);
}

/* Two fibers interleaved keep their own state. */
struct stepper {
	int id;
	int steps;
	int *log;
	int *n;
};

static void stepper_fn(void *arg)
{
	struct stepper *s = arg;
	int i;

	for (i = 0; i < s->steps; i++) {
		s->log[(*s->n)++] = s->id * 100 + i;
		rs_fiber_yield();
	}
}

static void test_interleave(struct rs_fiber_pool *pool)
{
	int log[16], n = 0;
	struct stepper a = { 1, 3, log, &n }, b = { 2, 3, log, &n };
	const int want[] = { 100, 200, 101, 201, 102, 202 };
	struct rs_fiber *fa, *fb;
	bool alive_a = true, alive_b = true;
	int i;

	REQUIRE(rs_fiber_create(pool, stepper_fn, &a, &fa) == 0);
	REQUIRE(rs_fiber_create(pool, stepper_fn, &b, &fb) == 0);
	REQUIRE(fa != fb);
	while (alive_a || alive_b) {
		if (alive_a)
			alive_a = rs_fiber_resume(fa);
		if (alive_b)
			alive_b = rs_fiber_resume(fb);
	}
	REQUIRE(n == 6);
	for (i = 0; i < 6; i++)
		REQUIRE(log[i] == want[i]);
}

int main(void)
{
	struct rs_fiber_pool *pool;

	REQUIRE(rs_fiber_current() == NULL);
	REQUIRE(rs_fiber_pool_create(SIZE_MAX, &pool) == -EINVAL);
	REQUIRE(rs_fiber_pool_create(0, &pool) == 0);
	test_pingpong(pool);
	test_data(pool);
	test_immediate_finish(pool);
	test_interleave(pool);
	/* Every fiber above finished: all stacks are back in the pool, and
	 * sequential fibers reused one stack rather than mapping new ones. */
	REQUIRE(rs_fiber_pool_idle(pool) == rs_fiber_pool_mapped(pool));
	REQUIRE(rs_fiber_pool_mapped(pool) == 2);
	rs_fiber_pool_destroy(pool);
	return 0;
}
