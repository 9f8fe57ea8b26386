/* fiber.h - stackful coroutines: one per connection, the "await" of C. */
#ifndef RS_FIBER_H
#define RS_FIBER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A fiber runs fn(arg) on its own mmap'd stack (with a PROT_NONE guard page
 * below it). Fibers belong to one pool, and a pool belongs to one reactor
 * thread: nothing here is thread-safe, by design (nothing is shared between
 * reactors on the hot path).
 *
 * Control flow is strictly asymmetric: the reactor (the "scheduler" context)
 * calls rs_fiber_resume(f); the fiber runs until it calls rs_fiber_yield()
 * or returns from fn, and control comes back to the rs_fiber_resume caller.
 * A fiber that returns is finished: rs_fiber_resume recycles its stack into
 * the pool before returning, and the struct rs_fiber * must not be used again.
 *
 * The switch is hand-written assembly (callee-saved registers + stack pointer,
 * no system call, no signal mask), so a switch costs a few nanoseconds.
 */

struct rs_fiber;
struct rs_fiber_pool;

typedef void (*rs_fiber_fn)(void *arg);

/* Create a pool handing out stacks of stack_size bytes (rounded up to pages;
 * 0 = the build default). Fills *out; returns 0 or a negative errno. */
int rs_fiber_pool_create(size_t stack_size, struct rs_fiber_pool **out);

/* Unmap every pooled stack. All fibers of the pool must have finished. */
void rs_fiber_pool_destroy(struct rs_fiber_pool *pool);

/* Make a fiber that will run fn(arg) at its first rs_fiber_resume.
 * Reuses a pooled stack when one is free. Returns 0 or -ENOMEM. */
int rs_fiber_create(struct rs_fiber_pool *pool, rs_fiber_fn fn, void *arg,
		    struct rs_fiber **out);

/* Switch into f until f yields or finishes. Returns true when f is still
 * alive (it yielded), false when it finished (f is now recycled).
 * Nesting is allowed: a fiber may resume another (the pool hands a
 * connection to a waiter, a driver's reader wakes the fiber whose answer
 * arrived); f's yield then comes back to that fiber. f must be suspended,
 * never one that is running or up the chain of resumers. */
bool rs_fiber_resume(struct rs_fiber *f);

/* From inside a fiber: switch back to whoever resumed it. Returns when the
 * fiber is resumed again. */
void rs_fiber_yield(void);

/* The fiber running on this thread, or NULL in the scheduler context. */
struct rs_fiber *rs_fiber_current(void);

/* Per-fiber user pointer, e.g. the operation it is waiting for. */
void rs_fiber_set_data(struct rs_fiber *f, void *data);
void *rs_fiber_data(struct rs_fiber *f);

/* Statistics of a pool: stacks mapped in total and currently idle. */
size_t rs_fiber_pool_mapped(const struct rs_fiber_pool *pool);
size_t rs_fiber_pool_idle(const struct rs_fiber_pool *pool);

#endif
