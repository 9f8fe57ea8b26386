/* uring.c - the io_uring engine: completion-based reactor, one ring per thread, inline fiber resume. */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine.h"
#include "fiber.h"
#include "listener.h"

extern const struct rs_engine_ops rs_engine_uring;

/*
 * user_data layout. Connection operations carry kind | generation | slot so a
 * completion that arrives after its connection closed (the slot reused, the
 * generation bumped) is recognised and dropped. Client-socket operations
 * (drivers, sleeps) carry a pointer to a struct uring_op on the waiting
 * fiber's stack: user-space pointers have a zero top byte, which is kind 0.
 * Such a fiber always waits for its completion, so the pointer stays valid.
 */
enum ud_kind {
	UD_OP = 0,
	UD_IGNORE = 1,
	UD_ACCEPT = 2,
	UD_RECV = 3,
	UD_SEND = 4,
	UD_STOP = 5,
	UD_SWEEP = 6,
};

#define UD_KIND(ud) ((unsigned)((ud) >> 56))
#define UD_GEN(ud) ((uint32_t)(((ud) >> 32) & 0xffffff))
#define UD_SLOT(ud) ((uint32_t)(ud))

static inline uint64_t ud_make(enum ud_kind k, uint32_t gen, uint32_t slot)
{
	return ((uint64_t)k << 56) | ((uint64_t)(gen & 0xffffff) << 32) | slot;
}

/* Optimisations that --uring-no=... switches off, for the ablation figure. */
enum {
	NO_MULTISHOT = 1u << 0,
	NO_BUFRING = 1u << 1,
	NO_DEFER = 1u << 2,
};

#define BGID 7
#define BUF_SIZE 2048u

enum wait_kind { WAIT_NONE, WAIT_READ, WAIT_SEND };

struct uring_conn {
	struct rs_conn base;
	uint32_t slot;
	uint32_t gen;
	struct rs_fiber *fiber;
	enum wait_kind waiting;
	bool recv_armed;       /* a recv (multishot or single) is in the kernel */
	bool rearm_queued;     /* on the reactor's re-arm list */
	bool eof;              /* peer closed, or recv failed: see err */
	bool timing_out;       /* its recv is being cancelled for a passed deadline */
	int err;
	ssize_t wait_res;      /* result handed to the fiber on resume */
	struct rs_buf stash;   /* bytes that arrived while the fiber was busy */
	struct uring_conn *next_rearm;
};

struct uring_op {
	struct rs_fiber *fiber;
	int res;
	uint32_t cqe_flags;
};

struct uring_reactor {
	struct rs_reactor base;
	struct io_uring ring;
	unsigned no;           /* NO_* bits */
	int listen_fd;
	bool accept_armed;
	int stop_fd;
	uint64_t stop_val;
	bool stop_seen;
	int sweep_ms;              /* deadline sweep period, 0 = no timeouts */
	bool sweep_armed;
	struct __kernel_timespec sweep_ts;

	struct io_uring_buf_ring *br;
	size_t br_size;
	char *bufs;
	unsigned nbufs;

	struct uring_conn **conns; /* by slot, allocated lazily and reused */
	uint32_t *free_slots;
	uint32_t nfree;
	uint32_t nslots;
	uint32_t hiwater;          /* slots ever used are below this: the sweep stops here */
	struct uring_conn *rearm;  /* connections whose recv must be re-armed */
	unsigned ops_pending;      /* client-socket ops in the kernel */
	bool has_op_socket;
};

static inline struct uring_reactor *to_ur(struct rs_reactor *r)
{
	return (struct uring_reactor *)r;
}

static inline struct uring_conn *to_uc(struct rs_conn *c)
{
	return (struct uring_conn *)c;
}

/* An SQE, submitting first when the SQ ring is full. */
static struct io_uring_sqe *ur_sqe(struct uring_reactor *ur)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ur->ring);
	while (!sqe) {
		io_uring_submit(&ur->ring);
		sqe = io_uring_get_sqe(&ur->ring);
	}
	return sqe;
}

/* ---- provided buffer ring ---- */

static int bufring_setup(struct uring_reactor *ur)
{
	ur->nbufs = 4096;
	ur->br_size = ur->nbufs * sizeof(struct io_uring_buf);
	ur->br = mmap(NULL, ur->br_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ur->br == MAP_FAILED)
		return -errno;
	ur->bufs = malloc((size_t)ur->nbufs * BUF_SIZE);
	if (!ur->bufs)
		goto out_unmap;
	struct io_uring_buf_reg reg = {
		.ring_addr = (uint64_t)(uintptr_t)ur->br,
		.ring_entries = ur->nbufs,
		.bgid = BGID,
	};
	int err = io_uring_register_buf_ring(&ur->ring, &reg, 0);
	if (err) {
		free(ur->bufs);
		munmap(ur->br, ur->br_size);
		ur->br = NULL;
		return err;
	}
	io_uring_buf_ring_init(ur->br);
	for (unsigned i = 0; i < ur->nbufs; i++)
		io_uring_buf_ring_add(ur->br, ur->bufs + (size_t)i * BUF_SIZE, BUF_SIZE, (unsigned short)i,
				      io_uring_buf_ring_mask(ur->nbufs), (int)i);
	io_uring_buf_ring_advance(ur->br, (int)ur->nbufs);
	return 0;
out_unmap:
	munmap(ur->br, ur->br_size);
	ur->br = NULL;
	return -ENOMEM;
}

/* Give a provided buffer back to the kernel at once: we always copy out. */
static void bufring_recycle(struct uring_reactor *ur, unsigned bid)
{
	io_uring_buf_ring_add(ur->br, ur->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
			      io_uring_buf_ring_mask(ur->nbufs), 0);
	io_uring_buf_ring_advance(ur->br, 1);
}

/* ---- connection receive path ---- */

static void conn_arm_recv(struct uring_reactor *ur, struct uring_conn *uc)
{
	struct io_uring_sqe *sqe = ur_sqe(ur);

	if (ur->no & NO_BUFRING) {
		/* Plain recv straight into the connection's buffer: only armed
		 * while the fiber waits in conn_read, so the buffer cannot move. */
		struct rs_buf *in = &uc->base.in;
		if (rs_buf_reserve(in, 4096)) {
			uc->eof = true;
			uc->err = -ENOMEM;
			return;
		}
		io_uring_prep_recv(sqe, uc->base.fd, rs_buf_tail(in), rs_buf_room(in), 0);
	} else if (ur->no & NO_MULTISHOT) {
		io_uring_prep_recv(sqe, uc->base.fd, NULL, BUF_SIZE, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = BGID;
	} else {
		io_uring_prep_recv_multishot(sqe, uc->base.fd, NULL, 0, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = BGID;
	}
	io_uring_sqe_set_data64(sqe, ud_make(UD_RECV, uc->gen, uc->slot));
	uc->recv_armed = true;
}

static void conn_resume(struct uring_conn *uc, ssize_t res)
{
	uc->waiting = WAIT_NONE;
	uc->wait_res = res;
	rs_fiber_resume(uc->fiber);
}

static void conn_queue_rearm(struct uring_reactor *ur, struct uring_conn *uc)
{
	if (uc->rearm_queued)
		return;
	uc->rearm_queued = true;
	uc->next_rearm = ur->rearm;
	ur->rearm = uc;
}

static void on_recv(struct uring_reactor *ur, struct uring_conn *uc, struct io_uring_cqe *cqe)
{
	int res = cqe->res;
	bool more = cqe->flags & IORING_CQE_F_MORE;

	if (!more)
		uc->recv_armed = false;
	if (res == -ENOBUFS) {
		/* The buffer ring ran dry: the connection is healthy; re-arm
		 * at the end of this loop turn, once buffers have come back. */
		if (!more)
			conn_queue_rearm(ur, uc);
		return;
	}
	if (res <= 0) {
		if (res == -ECANCELED)
			res = uc->timing_out ? -ETIMEDOUT : -ESHUTDOWN;
		uc->eof = true;
		uc->err = res;
		if (uc->waiting == WAIT_READ)
			conn_resume(uc, res);
		return;
	}

	int err = 0;
	if (ur->no & NO_BUFRING) {
		uc->base.in.len += (size_t)res;
	} else {
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		const char *data = ur->bufs + (size_t)bid * BUF_SIZE;
		/* Append to the parse buffer only while the fiber waits for it:
		 * a busy handler may hold views into c->in, which must not move. */
		struct rs_buf *dst = uc->waiting == WAIT_READ ? &uc->base.in : &uc->stash;
		err = rs_buf_append(dst, data, (size_t)res);
		bufring_recycle(ur, bid);
	}
	if (err) {
		uc->eof = true;
		uc->err = err;
	}
	/* Single-shot modes re-arm from conn_read; multishot re-arms when the
	 * kernel ended it (e.g. CQ pressure) though the peer is still there. */
	if (!more && !(ur->no & (NO_MULTISHOT | NO_BUFRING)))
		conn_queue_rearm(ur, uc);
	if (uc->waiting == WAIT_READ)
		conn_resume(uc, err ? err : res);
}

static void on_send(struct uring_conn *uc, struct io_uring_cqe *cqe)
{
	if (uc->waiting == WAIT_SEND)
		conn_resume(uc, cqe->res);
}

/* ---- connection ops, called from the connection's fiber ---- */

static ssize_t uring_conn_read(struct rs_conn *c)
{
	struct uring_conn *uc = to_uc(c);
	struct uring_reactor *ur = to_ur(c->reactor);

	if (uc->stash.len) {
		size_t n = uc->stash.len;
		int err = rs_buf_append(&c->in, rs_buf_head(&uc->stash), n);
		rs_buf_clear(&uc->stash);
		return err ? err : (ssize_t)n;
	}
	if (uc->eof)
		return uc->err;
	if (atomic_load_explicit(&ur->base.stopping, memory_order_relaxed))
		return -ESHUTDOWN;
	if (!uc->recv_armed && !uc->rearm_queued)
		conn_arm_recv(ur, uc);
	if (uc->eof)
		return uc->err;
	uc->timing_out = false;
	uc->waiting = WAIT_READ;
	rs_fiber_yield();
	return uc->wait_res;
}

static int uring_conn_flush(struct rs_conn *c)
{
	struct uring_conn *uc = to_uc(c);
	struct uring_reactor *ur = to_ur(c->reactor);

	while (c->out.len) {
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_send(sqe, c->fd, rs_buf_head(&c->out), c->out.len, MSG_NOSIGNAL);
		io_uring_sqe_set_data64(sqe, ud_make(UD_SEND, uc->gen, uc->slot));
		uc->waiting = WAIT_SEND;
		rs_fiber_yield();
		if (uc->wait_res < 0)
			return (int)uc->wait_res;
		/* A short send: resubmit the rest. */
		rs_buf_consume(&c->out, (size_t)uc->wait_res);
	}
	rs_buf_clear(&c->out);
	return 0;
}

/* ---- accept and connection lifetime ---- */

static void conn_release(struct uring_reactor *ur, struct uring_conn *uc)
{
	if (uc->recv_armed) {
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_cancel64(sqe, ud_make(UD_RECV, uc->gen, uc->slot), 0);
		io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	}
	/* The cancel is submitted before the close in the same batch; the
	 * kernel holds its own file reference until the recv is gone. */
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_close(sqe, uc->base.fd);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	rs_buf_free(&uc->stash);
	uc->gen = (uc->gen + 1) & 0xffffff; /* stale completions now miss */
	ur->free_slots[ur->nfree++] = uc->slot;
	ur->base.nconns--;
}

static void conn_fiber_main(void *arg)
{
	struct uring_conn *uc = arg;
	struct uring_reactor *ur = to_ur(uc->base.reactor);

	rs_conn_serve(&uc->base);
	conn_release(ur, uc);
}

/* ---- deadlines: one coarse timer per reactor, not one per read ---- */

static void sweep_arm(struct uring_reactor *ur)
{
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_timeout(sqe, &ur->sweep_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, ud_make(UD_SWEEP, 0, 0));
	ur->sweep_armed = true;
}

static void conn_expire(struct uring_reactor *ur, struct uring_conn *uc)
{
	if (!(ur->no & NO_BUFRING) || !uc->recv_armed) {
		/* A multishot or buffer-select recv stays armed and stashes
		 * what comes next; nothing of the kernel's points into c->in. */
		conn_resume(uc, -ETIMEDOUT);
		return;
	}
	/* A plain recv targets c->in: the fiber may run only once the kernel
	 * let go; the -ECANCELED completion resumes it with -ETIMEDOUT. */
	if (uc->timing_out)
		return;
	uc->timing_out = true;
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_cancel64(sqe, ud_make(UD_RECV, uc->gen, uc->slot), 0);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
}

static void on_sweep(struct uring_reactor *ur)
{
	int64_t now = rs_clock_ms();

	ur->sweep_armed = false;
	for (uint32_t i = 0; i < ur->hiwater; i++) {
		struct uring_conn *uc = ur->conns[i];
		if (uc && uc->waiting == WAIT_READ && rs_conn_expired(&uc->base, now))
			conn_expire(ur, uc);
	}
	/* No connections, no wake-ups: conn_start re-arms. */
	if (ur->base.nconns)
		sweep_arm(ur);
}

static void conn_refuse(int fd)
{
	static const char resp[] = "HTTP/1.1 503 Service Unavailable\r\nServer: ringside\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	/* Best effort: the connection table is full. */
	ssize_t n = send(fd, resp, sizeof(resp) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)n;
	close(fd);
}

static void conn_start(struct uring_reactor *ur, int fd)
{
	if (!ur->nfree || atomic_load_explicit(&ur->base.stopping, memory_order_relaxed)) {
		conn_refuse(fd);
		return;
	}
	uint32_t slot = ur->free_slots[ur->nfree - 1];
	struct uring_conn *uc = ur->conns[slot];
	if (!uc) {
		uc = calloc(1, sizeof(*uc));
		if (!uc) {
			conn_refuse(fd);
			return;
		}
		uc->slot = slot;
		ur->conns[slot] = uc;
	}
	uint32_t gen = uc->gen;
	*uc = (struct uring_conn){ .slot = slot, .gen = gen };
	uc->base.reactor = &ur->base;
	uc->base.fd = fd;
	if (rs_fiber_create(ur->base.fibers, conn_fiber_main, uc, &uc->fiber)) {
		conn_refuse(fd);
		return;
	}
	ur->nfree--;
	ur->base.nconns++;
	if (slot >= ur->hiwater)
		ur->hiwater = slot + 1;
	if (ur->sweep_ms && !ur->sweep_armed)
		sweep_arm(ur);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!(ur->no & (NO_MULTISHOT | NO_BUFRING)))
		conn_arm_recv(ur, uc);
	rs_fiber_resume(uc->fiber);
}

static void accept_arm(struct uring_reactor *ur)
{
	struct io_uring_sqe *sqe = ur_sqe(ur);
	if (ur->no & NO_MULTISHOT)
		io_uring_prep_accept(sqe, ur->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	else
		io_uring_prep_multishot_accept(sqe, ur->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, ud_make(UD_ACCEPT, 0, 0));
	ur->accept_armed = true;
}

static void on_accept(struct uring_reactor *ur, struct io_uring_cqe *cqe)
{
	bool stopping = atomic_load_explicit(&ur->base.stopping, memory_order_relaxed);

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		ur->accept_armed = false;
		if (!stopping && ur->listen_fd >= 0 && cqe->res != -ECANCELED)
			accept_arm(ur);
	}
	if (cqe->res >= 0)
		conn_start(ur, cqe->res);
	else if (cqe->res != -ECANCELED && cqe->res != -EAGAIN)
		fprintf(stderr, "ringside: reactor %d: accept: %s\n", ur->base.cfg.index, strerror(-cqe->res));
}

/* ---- stop ---- */

static void stop_arm(struct uring_reactor *ur)
{
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_read(sqe, ur->stop_fd, &ur->stop_val, sizeof(ur->stop_val), 0);
	io_uring_sqe_set_data64(sqe, ud_make(UD_STOP, 0, 0));
}

static void on_stop(struct uring_reactor *ur)
{
	ur->stop_seen = true;
	if (ur->accept_armed) {
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_cancel64(sqe, ud_make(UD_ACCEPT, 0, 0), 0);
		io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	}
	if (ur->listen_fd >= 0) {
		close(ur->listen_fd);
		ur->listen_fd = -1;
	}
	/* Idle connections leave now; busy ones finish their requests first. */
	for (uint32_t i = 0; i < ur->nslots; i++) {
		struct uring_conn *uc = ur->conns[i];
		if (!uc || uc->waiting != WAIT_READ)
			continue;
		if (!uc->recv_armed) {
			conn_resume(uc, -ESHUTDOWN);
			continue;
		}
		/* A single-shot recv may target c->in: the fiber must not run
		 * (and free it) before the kernel lets go; its -ECANCELED
		 * completion resumes the fiber. */
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_cancel64(sqe, ud_make(UD_RECV, uc->gen, uc->slot), 0);
		io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	}
}

/* ---- the loop ---- */

static void on_cqe(struct uring_reactor *ur, struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	unsigned kind = UD_KIND(ud);

	if (kind == UD_OP) {
		struct uring_op *op = (struct uring_op *)(uintptr_t)ud;
		ur->ops_pending--;
		op->res = cqe->res;
		op->cqe_flags = cqe->flags;
		rs_fiber_resume(op->fiber);
		return;
	}
	if (kind == UD_ACCEPT) {
		on_accept(ur, cqe);
		return;
	}
	if (kind == UD_STOP) {
		on_stop(ur);
		return;
	}
	if (kind == UD_SWEEP) {
		on_sweep(ur);
		return;
	}
	if (kind != UD_RECV && kind != UD_SEND)
		return;
	uint32_t slot = UD_SLOT(ud);
	struct uring_conn *uc = slot < ur->nslots ? ur->conns[slot] : NULL;
	bool live = uc && uc->gen == UD_GEN(ud) && uc->fiber;
	if (!live) {
		/* The connection is gone; only its provided buffer matters. */
		if (cqe->flags & IORING_CQE_F_BUFFER)
			bufring_recycle(ur, cqe->flags >> IORING_CQE_BUFFER_SHIFT);
		return;
	}
	if (kind == UD_RECV)
		on_recv(ur, uc, cqe);
	else
		on_send(uc, cqe);
}

static void rearm_pending(struct uring_reactor *ur)
{
	while (ur->rearm) {
		struct uring_conn *uc = ur->rearm;
		ur->rearm = uc->next_rearm;
		uc->rearm_queued = false;
		if (!uc->eof && !uc->recv_armed)
			conn_arm_recv(ur, uc);
	}
}

static bool loop_done(struct uring_reactor *ur)
{
	return ur->stop_seen && ur->base.nconns == 0 && ur->ops_pending == 0;
}

static int uring_reactor_run(struct rs_reactor *r)
{
	struct uring_reactor *ur = to_ur(r);

	while (!loop_done(ur)) {
		int err = io_uring_submit_and_wait(&ur->ring, 1);
		if (err < 0 && err != -EINTR && err != -EAGAIN && err != -EBUSY)
			return err;
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&ur->ring, head, cqe) {
			seen++;
			on_cqe(ur, cqe);
		}
		io_uring_cq_advance(&ur->ring, seen);
		rearm_pending(ur);
	}
	/* Flush the last closes. */
	io_uring_submit(&ur->ring);
	return 0;
}

static void uring_reactor_stop(struct rs_reactor *r)
{
	struct uring_reactor *ur = to_ur(r);
	uint64_t one = 1;

	atomic_store(&r->stopping, true);
	ssize_t n = write(ur->stop_fd, &one, sizeof(one));
	(void)n;
}

/* ---- client sockets and time, for drivers ---- */

/* Submit-side helper: the SQE's completion resumes this fiber. */
static int op_wait(struct uring_reactor *ur, struct io_uring_sqe *sqe, struct uring_op *op)
{
	op->fiber = rs_fiber_current();
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op);
	ur->ops_pending++;
	rs_fiber_yield();
	return op->res;
}

static int uring_sock_connect(struct rs_reactor *r, const struct sockaddr *sa, socklen_t len, int *fd_out)
{
	struct uring_reactor *ur = to_ur(r);
	struct uring_op op = { 0 };
	int fd;

	if (ur->has_op_socket) {
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_socket(sqe, sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
		fd = op_wait(ur, sqe, &op);
	} else {
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0)
		return fd;
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_connect(sqe, fd, sa, len);
	int err = op_wait(ur, sqe, &op);
	if (err < 0) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

static ssize_t uring_sock_send(struct rs_reactor *r, int fd, const void *buf, size_t len)
{
	struct uring_reactor *ur = to_ur(r);
	size_t done = 0;

	while (done < len) {
		struct uring_op op = { 0 };
		struct io_uring_sqe *sqe = ur_sqe(ur);
		io_uring_prep_send(sqe, fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);
		int n = op_wait(ur, sqe, &op);
		if (n < 0)
			return n;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static ssize_t uring_sock_recv(struct rs_reactor *r, int fd, void *buf, size_t len)
{
	struct uring_reactor *ur = to_ur(r);
	struct uring_op op = { 0 };
	struct io_uring_sqe *sqe = ur_sqe(ur);

	io_uring_prep_recv(sqe, fd, buf, len, 0);
	return op_wait(ur, sqe, &op);
}

static int uring_sock_wait(struct rs_reactor *r, int fd, int events, int timeout_ms)
{
	struct uring_reactor *ur = to_ur(r);
	struct uring_op op = { 0 };
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};
	struct io_uring_sqe *sqe = ur_sqe(ur);

	io_uring_prep_poll_add(sqe, fd, (unsigned)events);
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

static void uring_sock_close(struct rs_reactor *r, int fd)
{
	struct uring_reactor *ur = to_ur(r);
	struct io_uring_sqe *sqe = ur_sqe(ur);

	io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	sqe = ur_sqe(ur);
	io_uring_prep_close(sqe, fd);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
}

static int uring_sleep_ms(struct rs_reactor *r, int ms)
{
	struct uring_reactor *ur = to_ur(r);
	struct uring_op op = { 0 };
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long long)(ms % 1000) * 1000000 };
	struct io_uring_sqe *sqe = ur_sqe(ur);

	io_uring_prep_timeout(sqe, &ts, 0, 0);
	int res = op_wait(ur, sqe, &op);
	return res == -ETIME ? 0 : res;
}

/* ---- setup ---- */

static int parse_no(const char *opts, unsigned *out)
{
	*out = 0;
	if (!opts || !*opts)
		return 0;
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s", opts);
	char *save = NULL;
	for (char *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "multishot"))
			*out |= NO_MULTISHOT;
		else if (!strcmp(tok, "bufring"))
			*out |= NO_BUFRING;
		else if (!strcmp(tok, "defer"))
			*out |= NO_DEFER;
		else {
			fprintf(stderr, "ringside: --uring-no: unknown optimisation '%s' "
					"(accepted: multishot, bufring, defer)\n", tok);
			return -EINVAL;
		}
	}
	return 0;
}

static unsigned pow2_at_least(unsigned n)
{
	unsigned p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/* SINGLE_ISSUER|DEFER_TASKRUN, else COOP_TASKRUN, else nothing. */
static int ring_init(struct uring_reactor *ur, unsigned max_conns)
{
	/* Every connection has at most one recv stream and one send in flight;
	 * multishot recv can post several CQEs per turn, so leave 4x room. */
	unsigned cq = pow2_at_least(max_conns * 4 + 1024);
	unsigned base = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
	unsigned tries[3] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
		0,
	};
	int err = -EINVAL;
	for (unsigned i = (ur->no & NO_DEFER) ? 1 : 0; i < 3; i++) {
		struct io_uring_params p = { .flags = base | tries[i], .cq_entries = cq };
		err = io_uring_queue_init_params(1024, &ur->ring, &p);
		if (!err)
			break;
	}
	if (err)
		return err;
	io_uring_register_ring_fd(&ur->ring);
	struct io_uring_probe *probe = io_uring_get_probe_ring(&ur->ring);
	if (probe) {
		ur->has_op_socket = io_uring_opcode_supported(probe, IORING_OP_SOCKET);
		io_uring_free_probe(probe);
	}
	return 0;
}

static void uring_reactor_destroy(struct rs_reactor *r)
{
	struct uring_reactor *ur = to_ur(r);

	if (ur->listen_fd >= 0)
		close(ur->listen_fd);
	if (ur->stop_fd >= 0)
		close(ur->stop_fd);
	io_uring_queue_exit(&ur->ring);
	if (ur->br) {
		munmap(ur->br, ur->br_size);
		free(ur->bufs);
	}
	for (uint32_t i = 0; i < ur->nslots; i++)
		free(ur->conns[i]);
	free(ur->conns);
	free(ur->free_slots);
	if (r->fibers)
		rs_fiber_pool_destroy(r->fibers);
	free(ur);
}

static int uring_reactor_create(const struct rs_reactor_cfg *cfg, struct rs_reactor **out)
{
	struct uring_reactor *ur = calloc(1, sizeof(*ur));
	if (!ur)
		return -ENOMEM;
	ur->listen_fd = -1;
	ur->stop_fd = -1;
	ur->base.cfg = *cfg;
	int err = parse_no(cfg->engine_opts, &ur->no);
	if (err)
		goto out_free;
	err = ring_init(ur, cfg->max_conns);
	if (err)
		goto out_free;
	ur->base.ops = &rs_engine_uring;
	ur->sweep_ms = rs_conn_sweep_ms(cfg);
	ur->sweep_ts = (struct __kernel_timespec){ .tv_sec = ur->sweep_ms / 1000,
						   .tv_nsec = (long long)(ur->sweep_ms % 1000) * 1000000 };
	ur->nslots = cfg->max_conns;
	ur->conns = calloc(ur->nslots, sizeof(*ur->conns));
	ur->free_slots = calloc(ur->nslots, sizeof(*ur->free_slots));
	if (!ur->conns || !ur->free_slots) {
		err = -ENOMEM;
		goto out_destroy;
	}
	/* Hand out low slots first: they stay warm in cache. */
	for (uint32_t i = 0; i < ur->nslots; i++)
		ur->free_slots[i] = ur->nslots - 1 - i;
	ur->nfree = ur->nslots;
	if (!(ur->no & NO_BUFRING) && (err = bufring_setup(ur)))
		goto out_destroy;
	if ((err = rs_fiber_pool_create(cfg->fiber_stack, &ur->base.fibers)))
		goto out_destroy;
	ur->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (ur->stop_fd < 0) {
		err = -errno;
		goto out_destroy;
	}
	if ((err = rs_listener_open(cfg->port, &ur->listen_fd)))
		goto out_destroy;
	stop_arm(ur);
	accept_arm(ur);
	*out = &ur->base;
	return 0;
out_destroy:
	uring_reactor_destroy(&ur->base);
	return err;
out_free:
	free(ur);
	return err;
}

static int uring_probe(const char **why)
{
	struct io_uring ring;
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN };
	int err = io_uring_queue_init_params(8, &ring, &p);
	if (err) {
		*why = err == -EPERM ? "io_uring_setup refused (EPERM: io_uring disabled by sysctl or seccomp)"
				     : "io_uring_setup failed (kernel too old or io_uring disabled)";
		return err;
	}
	struct io_uring_probe *probe = io_uring_get_probe_ring(&ring);
	bool ok = probe && io_uring_opcode_supported(probe, IORING_OP_RECV) &&
		  io_uring_opcode_supported(probe, IORING_OP_SEND) &&
		  io_uring_opcode_supported(probe, IORING_OP_ACCEPT);
	if (probe)
		io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
	if (!ok) {
		*why = "kernel io_uring lacks accept/send/recv";
		return -EOPNOTSUPP;
	}
	return 0;
}

const struct rs_engine_ops rs_engine_uring = {
	.name = "uring",
	.summary = "io_uring completions, multishot accept/recv, provided buffers, inline fiber resume",
	.caps = RS_CAP_COMPLETION | RS_CAP_READINESS,
	.probe = uring_probe,
	.reactor_create = uring_reactor_create,
	.reactor_run = uring_reactor_run,
	.reactor_stop = uring_reactor_stop,
	.reactor_destroy = uring_reactor_destroy,
	.conn_read = uring_conn_read,
	.conn_flush = uring_conn_flush,
	.sock_connect = uring_sock_connect,
	.sock_send = uring_sock_send,
	.sock_recv = uring_sock_recv,
	.sock_wait = uring_sock_wait,
	.sock_close = uring_sock_close,
	.sleep_ms = uring_sleep_ms,
};
