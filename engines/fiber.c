/* fiber.c - stackful coroutines on pooled, guard-paged mmap stacks. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fiber.h"
#include "rs_config.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RS_FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RS_FIBER_ASAN 1
#endif

#ifdef RS_FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* ThreadSanitizer keeps a shadow stack per thread: a stack switch it is not
 * told about corrupts it (and then every report). Each fiber gets its own
 * TSan context, and every switch is announced. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RS_FIBER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define RS_FIBER_TSAN 1
#endif

#ifdef RS_FIBER_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define HIDDEN __attribute__((visibility("hidden")))

/*
 * A stack mapping, lowest address first:
 *   [guard page, PROT_NONE][stack, grows down ...][struct rs_fiber]
 * Keeping the fiber at the top of its own stack means recycling a fiber is
 * one free-list push and reusing it one pop: no malloc, no mmap once warm.
 */
struct rs_fiber {
	void *sp;			/* saved rsp while suspended */
	void *caller_sp;		/* resumer's saved rsp while running */
	struct rs_fiber *prev;		/* fiber_current before the resume */
	rs_fiber_fn fn;
	void *arg;
	void *data;
	struct rs_fiber_pool *pool;
	struct rs_fiber *next_free;	/* pool->free list */
	struct rs_fiber *next_mapped;	/* pool->mapped list, for destroy */
	void *map;			/* start of the mapping (guard page) */
#ifdef RS_FIBER_ASAN
	void *fake_stack;		/* ASan's fake stack while suspended */
	const void *caller_bottom;	/* resumer's stack, for switching back */
	size_t caller_size;
#endif
#ifdef RS_FIBER_TSAN
	void *tsan;			/* this fiber's TSan context */
	void *tsan_caller;		/* the resumer's, for switching back */
#endif
} __attribute__((aligned(64)));

struct rs_fiber_pool {
	size_t stack_size;		/* usable bytes below struct rs_fiber */
	size_t map_size;		/* guard + stack + struct, page multiple */
	size_t page_size;
	struct rs_fiber *free;
	struct rs_fiber *mapped;
	size_t n_mapped;
	size_t n_idle;
};

/*
 * What rs_fiber_switch pops, lowest address first (see fiber_x86_64.S).
 * fiber_prepare writes one of these below a fresh fiber's struct so that the
 * first switch into it "returns" into rs_fiber_trampoline.
 */
struct fiber_frame {
	uint32_t mxcsr;
	uint16_t fpucw;
	uint16_t zero;
	uint64_t r15, r14, r13, r12, rbx, rbp;
	void (*ret)(void);
	uint64_t stack_end[2];	/* keeps rsp 16-aligned after ret; zero */
};
_Static_assert(sizeof(struct fiber_frame) == 80, "frame layout is fixed by the .S");
_Static_assert(sizeof(struct rs_fiber) % 16 == 0, "stack top must stay 16-aligned");

/* In fiber_x86_64.S. */
HIDDEN bool rs_fiber_switch(void **save_sp, void *to_sp, bool value);
HIDDEN void rs_fiber_trampoline(void);
/* Called by rs_fiber_trampoline only. */
HIDDEN __attribute__((noreturn)) void rs_fiber_entry(struct rs_fiber *f);

/*
 * initial-exec: the library is linked into executables, so the fastest TLS
 * model applies and the hot path never calls __tls_get_addr.
 */
static __thread struct rs_fiber *fiber_current
	__attribute__((tls_model("initial-exec")));

#ifdef RS_FIBER_ASAN
static void *fiber_stack_bottom(const struct rs_fiber *f)
{
	return (char *)f - f->pool->stack_size;
}

/* Clear shadow left by frames that were never popped (a fiber finishes
 * by switching away from inside rs_fiber_entry, not by returning). */
static void fiber_unpoison(struct rs_fiber *f)
{
	ASAN_UNPOISON_MEMORY_REGION(fiber_stack_bottom(f), f->pool->stack_size);
}
#define asan_start(save, bottom, size) __sanitizer_start_switch_fiber(save, bottom, size)
#define asan_finish(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
static void fiber_unpoison(struct rs_fiber *f)
{
}
#define asan_start(save, bottom, size) ((void)0)
#define asan_finish(save, bottom, size) ((void)0)
#endif

#ifdef RS_FIBER_TSAN
/*
 * A fresh context per run of a fiber: a finished fiber never returns from
 * rs_fiber_entry, so its old context keeps frames that would pile up over
 * reuses. A context cannot be destroyed while running on it, so the old one
 * goes when the stack is reused or unmapped.
 */
static void tsan_renew(struct rs_fiber *f)
{
	if (f->tsan)
		__tsan_destroy_fiber(f->tsan);
	f->tsan = __tsan_create_fiber(0);
}

static void tsan_drop(struct rs_fiber *f)
{
	if (f->tsan)
		__tsan_destroy_fiber(f->tsan);
	f->tsan = NULL;
}

/* Flags 0: the switch orders everything before it before everything after, as it does. */
static void tsan_enter(struct rs_fiber *f)
{
	f->tsan_caller = __tsan_get_current_fiber();
	__tsan_switch_to_fiber(f->tsan, 0);
}

static void tsan_leave(struct rs_fiber *f)
{
	__tsan_switch_to_fiber(f->tsan_caller, 0);
}
#else
static void tsan_renew(struct rs_fiber *f)
{
}

static void tsan_drop(struct rs_fiber *f)
{
}

static void tsan_enter(struct rs_fiber *f)
{
}

static void tsan_leave(struct rs_fiber *f)
{
}
#endif

int rs_fiber_pool_create(size_t stack_size, struct rs_fiber_pool **out)
{
	struct rs_fiber_pool *pool;
	long page = sysconf(_SC_PAGESIZE);
	size_t top;

	if (page <= 0)
		page = 4096;
	if (stack_size == 0)
		stack_size = (size_t)RS_FIBER_STACK_KB * 1024;
	if (stack_size > SIZE_MAX / 2)
		return -EINVAL;
	/* The struct and the first frame live in the top of the stack. */
	top = sizeof(struct rs_fiber);
	if (stack_size < top + sizeof(struct fiber_frame) + 256)
		stack_size = top + sizeof(struct fiber_frame) + 256;
	stack_size = (stack_size + page - 1) & ~((size_t)page - 1);

	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->page_size = page;
	pool->map_size = stack_size + page;
	pool->stack_size = stack_size - top;
	*out = pool;
	return 0;
}

static void fiber_unmap(struct rs_fiber_pool *pool, struct rs_fiber *f)
{
	void *map = f->map;

	fiber_unpoison(f);
	tsan_drop(f);
	munmap(map, pool->map_size);
}

void rs_fiber_pool_destroy(struct rs_fiber_pool *pool)
{
	struct rs_fiber *f, *next;

	if (!pool)
		return;
	/* The mapped list also holds stacks of fibers that never finished:
	 * they are unmapped too, and must never be resumed again. */
	for (f = pool->mapped; f; f = next) {
		next = f->next_mapped;
		fiber_unmap(pool, f);
	}
	free(pool);
}

static int fiber_map(struct rs_fiber_pool *pool, struct rs_fiber **out)
{
	struct rs_fiber *f;
	char *map;

	map = mmap(NULL, pool->map_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -ENOMEM;
	if (mprotect(map, pool->page_size, PROT_NONE) < 0)
		goto out_unmap;

	f = (struct rs_fiber *)(map + pool->map_size) - 1;
	f->map = map;
	/* The mapping is fresh zeroes: no TSan context to destroy yet. */
	f->pool = pool;
	f->next_mapped = pool->mapped;
	pool->mapped = f;
	pool->n_mapped++;
	*out = f;
	return 0;

out_unmap:
	munmap(map, pool->map_size);
	return -ENOMEM;
}

/* Lay out the frame the first switch into f pops. The fiber inherits the
 * creator's floating-point control state, as a new thread would. */
static void fiber_prepare(struct rs_fiber *f)
{
	struct fiber_frame *fr = (struct fiber_frame *)f - 1;
	uint32_t mxcsr;
	uint16_t fpucw;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fpucw));
	*fr = (struct fiber_frame){
		.mxcsr = mxcsr & ~0x3fu,	/* control bits, not sticky flags */
		.fpucw = fpucw,
		.rbx = (uintptr_t)f,
		.ret = rs_fiber_trampoline,
	};
	f->sp = fr;
}

int rs_fiber_create(struct rs_fiber_pool *pool, rs_fiber_fn fn, void *arg,
		    struct rs_fiber **out)
{
	struct rs_fiber *f = pool->free;
	int ret;

	if (likely(f)) {
		pool->free = f->next_free;
		pool->n_idle--;
		fiber_unpoison(f);
	} else {
		ret = fiber_map(pool, &f);
		if (ret)
			return ret;
	}
	f->fn = fn;
	f->arg = arg;
	f->data = NULL;
	f->next_free = NULL;
	tsan_renew(f);
	fiber_prepare(f);
	*out = f;
	return 0;
}

static void fiber_recycle(struct rs_fiber *f)
{
	struct rs_fiber_pool *pool = f->pool;

	f->next_free = pool->free;
	pool->free = f;
	pool->n_idle++;
}

/*
 * The side that switches away does all the bookkeeping (fiber_current, and
 * recycling a finished fiber) before switching, and tells the other side
 * through the switch's value whether the fiber is still alive. Without ASan
 * both rs_fiber_resume and rs_fiber_yield then end in a tail call: nothing
 * runs after a switch but the ret to whoever called them.
 */
bool rs_fiber_resume(struct rs_fiber *f)
{
#ifdef RS_FIBER_ASAN
	void *fake_stack;
	bool alive;

	f->prev = fiber_current;
	fiber_current = f;
	tsan_enter(f);
	asan_start(&fake_stack, fiber_stack_bottom(f), f->pool->stack_size);
	alive = rs_fiber_switch(&f->caller_sp, f->sp, false);
	asan_finish(fake_stack, NULL, NULL);
	return alive;
#else
	f->prev = fiber_current;
	fiber_current = f;
	tsan_enter(f);
	return rs_fiber_switch(&f->caller_sp, f->sp, false);
#endif
}

void rs_fiber_yield(void)
{
	struct rs_fiber *f = fiber_current;

	assert(f);
	fiber_current = f->prev;
	tsan_leave(f);
	asan_start(&f->fake_stack, f->caller_bottom, f->caller_size);
	rs_fiber_switch(&f->sp, f->caller_sp, true);
	asan_finish(f->fake_stack, &f->caller_bottom, &f->caller_size);
}

void rs_fiber_entry(struct rs_fiber *f)
{
	/* First time on this stack: no fake stack to restore yet. */
	asan_finish(NULL, &f->caller_bottom, &f->caller_size);
	f->fn(f->arg);
	fiber_current = f->prev;
	/* Recycled while still running on it: safe, as nothing can take it
	 * from the free list before the switch below leaves it for good. */
	fiber_recycle(f);
	tsan_leave(f);
	/* NULL tells ASan to destroy our fake stack. */
	asan_start(NULL, f->caller_bottom, f->caller_size);
	rs_fiber_switch(&f->sp, f->caller_sp, false);
	__builtin_unreachable();
}

struct rs_fiber *rs_fiber_current(void)
{
	return fiber_current;
}

void rs_fiber_set_data(struct rs_fiber *f, void *data)
{
	f->data = data;
}

void *rs_fiber_data(struct rs_fiber *f)
{
	return f->data;
}

size_t rs_fiber_pool_mapped(const struct rs_fiber_pool *pool)
{
	return pool->n_mapped;
}

size_t rs_fiber_pool_idle(const struct rs_fiber_pool *pool)
{
	return pool->n_idle;
}
