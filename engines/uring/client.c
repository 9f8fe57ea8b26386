/* client.c - the io_uring engine's client sockets, sleeps and file reads: one ring op each, its completion resumes the fiber. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "uring.h"

/* ---- client sockets and time, for drivers ---- */

/*
 * Drivers' sockets registered in the ring's file table (--uring-no=clientfixed
 * switches it off): an op on a registered file skips taking and dropping a
 * reference on the process's file table. The fd stays open (drivers set
 * socket options on it and close it); the table slot is what the SQEs name.
 */
void rs_uring_client_setup(struct uring_reactor *ur, unsigned base)
{
	struct rlimit rl;
	unsigned cap = 65536;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cap)
		cap = (unsigned)rl.rlim_cur;
	ur->fd2fixed = malloc(cap * sizeof(*ur->fd2fixed));
	if (!ur->fd2fixed)
		return;
	for (unsigned i = 0; i < cap; i++)
		ur->fd2fixed[i] = -1;
	ur->fd2fixed_cap = cap;
	ur->client_base = base;
	for (unsigned i = 0; i < CLIENT_SLOTS; i++)
		ur->client_free[i] = CLIENT_SLOTS - 1 - i;
	ur->client_nfree = CLIENT_SLOTS;
}

static int client_slot(const struct uring_reactor *ur, int fd)
{
	return (unsigned)fd < ur->fd2fixed_cap ? ur->fd2fixed[fd] : -1;
}

/* A prepared SQE on a driver's socket names its table slot where it has one. */
static void client_fixed(const struct uring_reactor *ur, struct io_uring_sqe *sqe, int fd)
{
	int slot = client_slot(ur, fd);
	if (slot >= 0) {
		sqe->fd = slot;
		sqe->flags |= IOSQE_FIXED_FILE;
	}
}

/* Best effort: no free slot, or the kernel refuses, and the fd serves as it is. */
static void client_register(struct uring_reactor *ur, int fd)
{
	if ((unsigned)fd >= ur->fd2fixed_cap || !ur->client_nfree)
		return;
	unsigned slot = ur->client_base + ur->client_free[ur->client_nfree - 1];
	if (io_uring_register_files_update(&ur->ring, slot, &fd, 1) != 1)
		return;
	ur->client_nfree--;
	ur->fd2fixed[fd] = (int32_t)slot;
}

/* Ops still in the kernel on the slot are cancelled now, before the slot can
 * go to another socket (the cancel matches at submission); they keep their
 * file until they complete. */
static void client_unregister(struct uring_reactor *ur, int fd)
{
	int slot = client_slot(ur, fd);
	if (slot < 0)
		return;
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_cancel_fd(sqe, slot, IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD_FIXED);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	io_uring_submit(&ur->ring);
	int none = -1;
	io_uring_register_files_update(&ur->ring, (unsigned)slot, &none, 1);
	ur->fd2fixed[fd] = -1;
	ur->client_free[ur->client_nfree++] = (uint32_t)slot - ur->client_base;
}

/* Submit-side helper: the SQE's completion resumes this fiber. */
static int op_wait(struct uring_reactor *ur, struct io_uring_sqe *sqe, struct uring_op *op)
{
	op->fiber = rs_fiber_current();
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op);
	ur->ops_pending++;
	rs_fiber_yield();
	return op->res;
}

int rs_uring_sock_connect(struct rs_reactor *r, const struct sockaddr *sa, socklen_t len, int *fd_out)
{
	struct uring_reactor *ur = to_ur(r);
	struct uring_op op = { 0 };
	int fd;

	if (ur->has_op_socket) {
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_socket(sqe, sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, 0);
		fd = op_wait(ur, sqe, &op);
	} else {
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0)
		return fd;
	/* The socket is non-blocking, as the contract promises a driver; a Unix socket whose
	 * backlog is full then says EAGAIN: retry for a while, as the readiness core does. */
	int err = -EAGAIN;
	for (int tries = 0; tries < 50 && err == -EAGAIN; tries++) {
		if (tries && rs_uring_sleep_ms(r, 1))
			break;
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_connect(sqe, fd, sa, len);
		err = op_wait(ur, sqe, &op);
	}
	if (err < 0) {
		close(fd);
		return err;
	}
	client_register(ur, fd);
	*fd_out = fd;
	return 0;
}

ssize_t rs_uring_sock_send(struct rs_reactor *r, int fd, const void *buf, size_t len)
{
	struct uring_reactor *ur = to_ur(r);
	size_t done = 0;

	while (done < len) {
		struct uring_op op = { 0 };
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_send(sqe, fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);
		client_fixed(ur, sqe, fd);
		int n = op_wait(ur, sqe, &op);
		if (n < 0)
			return n;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t rs_uring_sock_recv(struct rs_reactor *r, int fd, void *buf, size_t len)
{
	struct uring_reactor *ur = to_ur(r);
	struct uring_op op = { 0 };
	struct io_uring_sqe *sqe = ur_sqe(ur);

	io_uring_prep_recv(sqe, fd, buf, len, 0);
	client_fixed(ur, sqe, fd);
	return op_wait(ur, sqe, &op);
}

/*
 * A query and its answer in one submission: the send linked to the recv, so
 * the recv is armed as soon as the send is done, inside the same
 * io_uring_enter, and only the recv's completion resumes the fiber (one
 * switch and one loop turn fewer per round trip). MSG_WAITALL makes the
 * kernel finish a short stream send itself instead of breaking the link
 * with bytes unsent. The send's own completion is skipped when it
 * succeeds; when it fails the kernel cancels the recv, whose -ECANCELED
 * then says so.
 */
ssize_t rs_uring_sock_send_recv(struct rs_reactor *r, int fd, const void *sbuf, size_t slen, void *rbuf,
				    size_t rlen)
{
	struct uring_reactor *ur = to_ur(r);

	if ((ur->no & NO_LINK) || !ur->has_link_send || slen == 0) {
		ssize_t n = rs_uring_sock_send(r, fd, sbuf, slen);
		return n < 0 ? n : rs_uring_sock_recv(r, fd, rbuf, rlen);
	}
	/* Both SQEs must land in the same submission for the link. */
	if (io_uring_sq_space_left(&ur->ring) < 2)
		io_uring_submit(&ur->ring);
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_send(sqe, fd, sbuf, slen, MSG_NOSIGNAL | MSG_WAITALL);
	client_fixed(ur, sqe, fd);
	sqe->flags |= IOSQE_IO_LINK | (ur->has_cqe_skip ? IOSQE_CQE_SKIP_SUCCESS : 0);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	struct uring_op op = { 0 };
	sqe = ur_sqe(ur);
	io_uring_prep_recv(sqe, fd, rbuf, rlen, 0);
	client_fixed(ur, sqe, fd);
	int res = op_wait(ur, sqe, &op);
	return res == -ECANCELED ? -EPIPE : res;
}

int rs_uring_sock_wait(struct rs_reactor *r, int fd, int events, int timeout_ms)
{
	struct uring_reactor *ur = to_ur(r);
	struct uring_op op = { 0 };
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};
	struct io_uring_sqe *sqe = ur_sqe(ur);

	io_uring_prep_poll_add(sqe, fd, (unsigned)events);
	client_fixed(ur, sqe, fd);
	if (timeout_ms >= 0) {
		/* Both SQEs must land in the same submission for the link. */
		if (io_uring_sq_space_left(&ur->ring) < 1)
			io_uring_submit(&ur->ring);
		sqe->flags |= IOSQE_IO_LINK;
		struct io_uring_sqe *tsqe = ur_sqe(ur);
		io_uring_prep_link_timeout(tsqe, &ts, 0);
		io_uring_sqe_set_data64(tsqe, ud_make(UD_IGNORE, 0, 0));
	}
	int res = op_wait(ur, sqe, &op);
	if (res == -ECANCELED)
		return 0; /* the linked timeout fired */
	return res;
}

void rs_uring_sock_close(struct rs_reactor *r, int fd)
{
	struct uring_reactor *ur = to_ur(r);
	client_unregister(ur, fd);
	struct io_uring_sqe *sqe = ur_sqe(ur);

	io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	sqe = ur_sqe(ur);
	io_uring_prep_close(sqe, fd);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
}

int rs_uring_sleep_ms(struct rs_reactor *r, int ms)
{
	struct uring_reactor *ur = to_ur(r);
	struct uring_op op = { 0 };
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long long)(ms % 1000) * 1000000 };
	struct io_uring_sqe *sqe = ur_sqe(ur);

	io_uring_prep_timeout(sqe, &ts, 0, 0);
	int res = op_wait(ur, sqe, &op);
	return res == -ETIME ? 0 : res;
}

/* ---- regular files: IORING_OP_OPENAT / IORING_OP_READ, the completion resumes the fiber ---- */

int rs_uring_file_open(struct rs_reactor *r, int dirfd, const char *name, int flags)
{
	struct uring_reactor *ur = to_ur(r);
	if (ur->no & NO_FILEOPS) {
		int fd = openat(dirfd, name, flags);
		return fd < 0 ? -errno : fd;
	}
	struct uring_op op = { 0 };
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_openat(sqe, dirfd, name, flags, 0);
	return op_wait(ur, sqe, &op);
}

ssize_t rs_uring_file_read(struct rs_reactor *r, int fd, void *buf, size_t len, uint64_t off)
{
	struct uring_reactor *ur = to_ur(r);
	if (ur->no & NO_FILEOPS) {
		ssize_t n = pread(fd, buf, len, (off_t)off);
		return n < 0 ? -errno : n;
	}
	struct uring_op op = { 0 };
	struct io_uring_sqe *sqe = ur_sqe(ur);
	/* One read is at most 2 GiB - 4 KiB in the kernel; file_io.c loops. */
	io_uring_prep_read(sqe, fd, buf, (unsigned)(len > (1u << 30) ? (1u << 30) : len), off);
	return op_wait(ur, sqe, &op);
}

