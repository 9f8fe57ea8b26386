/* test_fiber_many.c - 10,000 live fibers interleaved; finished stacks are reused, not remapped. */
#include <stdio.h>
#include <stdlib.h>

#include "../check.h"

#include "fiber.h"

#define N_FIBERS 10000
#define N_YIELDS 5

struct worker {
	struct rs_fiber *f;
	unsigned id;
	unsigned steps;
	bool alive;
};

/* Each fiber keeps a private value on its own stack across yields; if two
 * stacks overlapped or a switch picked the wrong one, it would not match. */
static void worker_fn(void *arg)
{
	struct worker *w = arg;
	volatile unsigned mine = w->id * 2654435761u;
	int i;

	for (i = 0; i < N_YIELDS; i++) {
		REQUIRE(rs_fiber_current() == w->f);
		REQUIRE(mine == w->id * 2654435761u);
		w->steps++;
		rs_fiber_yield();
	}
	REQUIRE(mine == w->id * 2654435761u);
	w->steps++;
}

static void test_all_alive(struct rs_fiber_pool *pool, struct worker *w)
{
	unsigned i, alive = N_FIBERS, rounds = 0;

	for (i = 0; i < N_FIBERS; i++) {
		w[i] = (struct worker){ .id = i, .alive = true };
		REQUIRE(rs_fiber_create(pool, worker_fn, &w[i], &w[i].f) == 0);
	}
	REQUIRE(rs_fiber_pool_mapped(pool) == N_FIBERS);
	REQUIRE(rs_fiber_pool_idle(pool) == 0);

	/* Round-robin, in a different order each round. */
	while (alive) {
		for (i = 0; i < N_FIBERS; i++) {
			unsigned k = (i * 7919u + rounds) % N_FIBERS;

			if (!w[k].alive)
				continue;
			REQUIRE(w[k].steps == rounds);
			if (!rs_fiber_resume(w[k].f)) {
				w[k].alive = false;
				alive--;
			}
		}
		rounds++;
	}
	REQUIRE(rounds == N_YIELDS + 1);
	for (i = 0; i < N_FIBERS; i++)
		REQUIRE(w[i].steps == N_YIELDS + 1);
	REQUIRE(rs_fiber_pool_idle(pool) == N_FIBERS);
}

/* Creating and finishing fibers in waves never maps more stacks than the
 * largest number alive at once. */
static void test_reuse(struct rs_fiber_pool *pool, struct worker *w)
{
	size_t before = rs_fiber_pool_mapped(pool);
	unsigned wave, i, n;

	for (wave = 0; wave < 200; wave++) {
		n = 1 + (wave * 37) % 500;
		for (i = 0; i < n; i++) {
			w[i] = (struct worker){ .id = wave * 1000 + i };
			REQUIRE(rs_fiber_create(pool, worker_fn, &w[i], &w[i].f) == 0);
		}
		for (i = 0; i < n; i++)
			while (rs_fiber_resume(w[i].f))
				;
		REQUIRE(rs_fiber_pool_mapped(pool) == before);
		REQUIRE(rs_fiber_pool_idle(pool) == before);
	}
}

/* A fresh pool grows to the high-water mark and no further. */
static void test_high_water(void)
{
	struct rs_fiber_pool *pool;
	struct worker w[64];
	unsigned wave, i;

	REQUIRE(rs_fiber_pool_create(16 * 1024, &pool) == 0);
	for (wave = 0; wave < 100; wave++) {
		for (i = 0; i < 64; i++) {
			w[i] = (struct worker){ .id = i };
			REQUIRE(rs_fiber_create(pool, worker_fn, &w[i], &w[i].f) == 0);
		}
		for (i = 0; i < 64; i++)
			while (rs_fiber_resume(w[i].f))
				;
		REQUIRE(rs_fiber_pool_mapped(pool) == 64);
	}
	rs_fiber_pool_destroy(pool);
}

int main(void)
{
	struct rs_fiber_pool *pool;
	struct worker *w = calloc(N_FIBERS, sizeof(*w));

	REQUIRE(w);
	REQUIRE(rs_fiber_pool_create(0, &pool) == 0);
	test_all_alive(pool, w);
	test_reuse(pool, w);
	rs_fiber_pool_destroy(pool);
	test_high_water();
	free(w);
	return 0;
}
