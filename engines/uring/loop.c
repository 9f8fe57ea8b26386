/* loop.c - the uring loop's one system call per turn: submit and wait, plainly or batched by min-wait. */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

/* 6.12's IORING_FEAT_MIN_TIMEOUT and the getevents argument's min_wait_usec
 * (a pad in liburing 2.3's header, hence our own copy of the layout). */
#define FEAT_MIN_TIMEOUT (1u << 15)
struct getevents_arg {
	uint64_t sigmask;
	uint32_t sigmask_sz;
	uint32_t min_wait_usec;
	uint64_t ts;
};

bool rs_uring_min_wait_probe(unsigned features)
{
	return features & FEAT_MIN_TIMEOUT;
}

/* What io_uring_submit does before it enters: publish the SQEs prepared
 * since the last turn (liburing 2.3 fills the index array once at setup).
 * Returns how many the kernel has not consumed yet. */
static unsigned flush_sq(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned tail = sq->sqe_tail;
	if (sq->sqe_head != tail) {
		sq->sqe_head = tail;
		io_uring_smp_store_release(sq->ktail, tail);
	}
	return tail - io_uring_smp_load_acquire(sq->khead);
}

/*
 * Why min-wait: with DEFER_TASKRUN the kernel wakes the waiting reactor only
 * once min_complete completions are pending, so a wait for several, bounded
 * by min_wait_us once one is there, is fewer sleeps and wake-ups per request
 * (the profile's largest cost: waking and switching, in the server and in
 * whoever completes its I/O). The overall timeout only keeps a min-wait from
 * returning empty-handed: with none, the kernel returns at min_wait_us even
 * with no completion; the loop just waits again.
 */
int rs_uring_wait(struct uring_reactor *ur)
{
	if (!ur->min_wait_nr)
		return io_uring_submit_and_wait(&ur->ring, 1);
	static const struct __kernel_timespec idle = { .tv_sec = 1 };
	struct getevents_arg arg = { .min_wait_usec = ur->min_wait_us, .ts = (uint64_t)(uintptr_t)&idle };
	/* Completions already there need no wait at all. */
	unsigned want = io_uring_cq_ready(&ur->ring) ? 0 : ur->min_wait_nr;
	unsigned flags = want ? IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG : 0;
	int fd = ur->ring.ring_fd;
	if (ur->ring_registered) {
		flags |= IORING_ENTER_REGISTERED_RING;
		fd = ur->ring.enter_ring_fd;
	}
	long n = syscall(__NR_io_uring_enter, fd, flush_sq(&ur->ring), want, flags, &arg, sizeof(arg));
	if (n < 0)
		return errno == ETIME ? 0 : -errno;
	return (int)n;
}
