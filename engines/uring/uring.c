/* uring.c - the io_uring engine: completion-based reactor, one ring per thread, inline fiber resume. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "listener.h"
#include "uring.h"



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

/* A prepared SQE on a connection's socket (the prep helpers clear the
 * flags): a direct descriptor is a table index. */
static void conn_fixed(struct uring_reactor *ur, struct io_uring_sqe *sqe)
{
	if (ur->fixed_files)
		sqe->flags |= IOSQE_FIXED_FILE;
}

static void conn_send(struct uring_reactor *ur, struct uring_conn *uc, const struct rs_buf *b)
{
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_send(sqe, uc->base.fd, rs_buf_head(b), b->len, MSG_NOSIGNAL);
	conn_fixed(ur, sqe);
	io_uring_sqe_set_data64(sqe, ud_make(UD_SEND, uc->gen, uc->slot));
}

static void conn_arm_recv(struct uring_reactor *ur, struct uring_conn *uc)
{
	/* Plain recv straight into the connection's buffer: only armed while
	 * the fiber waits in conn_read, so the buffer cannot move. Room first:
	 * an SQE taken is submitted, prepared or not. */
	struct rs_buf *in = &uc->base.in;
	if ((ur->no & NO_BUFRING) && rs_buf_reserve(in, 4096)) {
		uc->eof = true;
		uc->err = -ENOMEM;
		return;
	}
	struct io_uring_sqe *sqe = ur_sqe(ur);

	if (ur->no & NO_BUFRING) {
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
	conn_fixed(ur, sqe);
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

	if (!more) {
		uc->recv_armed = false;
		if (uc->recv_cancelled) {
			uc->recv_cancelled = false;
			if (res == -ECANCELED) {
				/* Drained meanwhile: a fiber may wait on the recv that ended. */
				if (!uc->throttled)
					conn_queue_rearm(ur, uc);
				return;
			}
		}
	}
	if (res == -ENOBUFS) {
		/* The buffer ring ran dry: the connection is healthy; re-arm
		 * at the end of this loop turn, once buffers have come back. */
		if (!more)
			conn_queue_rearm(ur, uc);
		return;
	}
	if (res <= 0) {
		/* Our own cancel (a timeout, the stop) is not the client leaving. */
		uc->base.peer_gone = res != -ECANCELED;
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
		/* A client that sends while its answers wait must not grow the
		 * stash without limit: stop receiving until the fiber drains it
		 * (the kernel's socket buffer then pushes back on the client). */
		if (dst == &uc->stash && uc->stash.len >= rs_conn_backlog_max(&ur->base.cfg)) {
			uc->throttled = true;
			if (more && !uc->recv_cancelled) {
				struct io_uring_sqe *sqe = ur_sqe(ur);
				io_uring_prep_cancel64(sqe, ud_make(UD_RECV, uc->gen, uc->slot), 0);
				io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
				uc->recv_cancelled = true;
			}
		}
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

static int64_t send_deadline(struct uring_reactor *ur)
{
	int ms = ur->base.cfg.send_timeout_ms;
	return ms ? rs_clock_ms() + ms : 0;
}

/* An asynchronous flush's send finished: resubmit a short send's rest
 * (progress renews its deadline), else free the slot and wake a fiber that
 * waits for it, or that reads while the answer could not go. */
static void on_async_send(struct uring_reactor *ur, struct uring_conn *uc, int res)
{
	if (res == -ECANCELED && uc->send_cancelling)
		res = -ETIMEDOUT;
	if (res > 0 && (size_t)res < uc->sending.len) {
		rs_buf_consume(&uc->sending, (size_t)res);
		uc->send_deadline_ms = send_deadline(ur);
		conn_send(ur, uc, &uc->sending);
		return;
	}
	uc->send_inflight = false;
	uc->send_cancelling = false;
	if (res < 0)
		uc->send_err = res;
	else if (res == 0)
		uc->send_err = -EPIPE;
	rs_buf_clear(&uc->sending);
	rs_buf_trim(&uc->sending);
	if (uc->waiting == WAIT_SEND || (uc->send_err && uc->waiting == WAIT_READ))
		conn_resume(uc, uc->send_err);
}

static void on_send(struct uring_reactor *ur, struct uring_conn *uc, struct io_uring_cqe *cqe)
{
	if (uc->send_inflight) {
		on_async_send(ur, uc, cqe->res);
		return;
	}
	if (uc->waiting == WAIT_SEND)
		conn_resume(uc, cqe->res == -ECANCELED && uc->timing_out ? -ETIMEDOUT : cqe->res);
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
		uc->throttled = false;
		rs_buf_trim(&uc->stash);
		return err ? err : (ssize_t)n;
	}
	if (uc->eof)
		return uc->err;
	if (uc->send_err)
		return uc->send_err;
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

/* Wait until no asynchronous send is in the kernel; how the last one ended. */
static int send_drain(struct uring_conn *uc)
{
	while (uc->send_inflight) {
		uc->waiting = WAIT_SEND;
		rs_fiber_yield();
	}
	return uc->send_err;
}

/*
 * The asynchronous flush: c->out's storage goes to the kernel and the fiber
 * reads on without waiting for the send's completion (one fiber switch
 * fewer per answer); the next flush waits for it first, so answers stay in
 * order and at most one send per connection is in flight. Only with
 * provided buffers: a fiber woken by the send's failure must not find a
 * plain recv of the kernel's aiming into c->in.
 */
static int conn_flush_async(struct uring_reactor *ur, struct uring_conn *uc)
{
	struct rs_conn *c = &uc->base;
	int err = send_drain(uc);
	if (err || !c->out.len)
		return err;
	struct rs_buf t = uc->sending;
	uc->sending = c->out;
	c->out = t;
	rs_buf_clear(&c->out);
	uc->send_inflight = true;
	uc->send_deadline_ms = send_deadline(ur);
	conn_send(ur, uc, &uc->sending);
	return 0;
}

static int uring_conn_flush(struct rs_conn *c)
{
	struct uring_conn *uc = to_uc(c);
	struct uring_reactor *ur = to_ur(c->reactor);

	if (!(ur->no & (NO_ASYNCFLUSH | NO_BUFRING)))
		return conn_flush_async(ur, uc);
	while (c->out.len) {
		conn_send(ur, uc, &c->out);
		uc->timing_out = false;
		uc->waiting = WAIT_SEND;
		rs_fiber_yield();
		if (uc->wait_res < 0)
			return (int)uc->wait_res;
		/* A short send: resubmit the rest. */
		rs_buf_consume(&c->out, (size_t)uc->wait_res);
		rs_conn_send_progress(c);
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
	if (ur->fixed_files)
		io_uring_prep_close_direct(sqe, (unsigned)uc->base.fd);
	else
		io_uring_prep_close(sqe, uc->base.fd);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	rs_buf_free(&uc->stash);
	rs_buf_free(&uc->sending);
	uc->gen = (uc->gen + 1) & 0xffffff; /* stale completions now miss */
	ur->free_slots[ur->nfree++] = uc->slot;
	ur->base.nconns--;
}

static void conn_fiber_main(void *arg)
{
	struct uring_conn *uc = arg;
	struct uring_reactor *ur = to_ur(uc->base.reactor);

	rs_conn_serve(&uc->base);
	/* The last answer may still be in the kernel: it goes out before the
	 * close (Connection: close), bounded by the send timeout. */
	send_drain(uc);
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

/* The send in the kernel points into c->out: cancel it, and let its
 * -ECANCELED completion resume the fiber with -ETIMEDOUT. */
static void send_expire(struct uring_reactor *ur, struct uring_conn *uc)
{
	uc->timing_out = true;
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_cancel64(sqe, ud_make(UD_SEND, uc->gen, uc->slot), 0);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
}

static void on_sweep(struct uring_reactor *ur)
{
	int64_t now = rs_clock_ms();

	ur->sweep_armed = false;
	for (uint32_t i = 0; i < ur->hiwater; i++) {
		struct uring_conn *uc = ur->conns[i];
		if (!uc || !uc->fiber)
			continue;
		/* An asynchronous send has its own deadline: the fiber's is the read's. */
		if (uc->send_inflight && !uc->send_cancelling && uc->send_deadline_ms &&
		    now >= uc->send_deadline_ms) {
			uc->send_cancelling = true;
			struct io_uring_sqe *sqe = ur_sqe(ur);
			io_uring_prep_cancel64(sqe, ud_make(UD_SEND, uc->gen, uc->slot), 0);
			io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
		}
		if (uc->waiting == WAIT_READ && rs_conn_expired(&uc->base, now))
			conn_expire(ur, uc);
		else if (uc->waiting == WAIT_SEND && !uc->send_inflight && !uc->timing_out &&
			 rs_conn_expired(&uc->base, now))
			send_expire(ur, uc);
	}
	/* No connections, no wake-ups: conn_start re-arms. */
	if (ur->base.nconns)
		sweep_arm(ur);
}

static void conn_refuse(struct uring_reactor *ur, int fd)
{
	static const char resp[] = "HTTP/1.1 503 Service Unavailable\r\nServer: ringside\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	/* Best effort: the connection table is full. */
	if (!ur->fixed_files) {
		ssize_t n = send(fd, resp, sizeof(resp) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)n;
		close(fd);
		return;
	}
	/* A direct descriptor has no fd to call send on: the ring sends, and
	 * closes whatever the send did (a hard link runs even after a failure). */
	if (io_uring_sq_space_left(&ur->ring) < 2)
		io_uring_submit(&ur->ring);
	struct io_uring_sqe *sqe = ur_sqe(ur);
	io_uring_prep_send(sqe, fd, resp, sizeof(resp) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
	sqe = ur_sqe(ur);
	io_uring_prep_close_direct(sqe, (unsigned)fd);
	io_uring_sqe_set_data64(sqe, ud_make(UD_IGNORE, 0, 0));
}

static void conn_start(struct uring_reactor *ur, int fd)
{
	if (!ur->nfree || atomic_load_explicit(&ur->base.stopping, memory_order_relaxed)) {
		conn_refuse(ur, fd);
		return;
	}
	uint32_t slot = ur->free_slots[ur->nfree - 1];
	struct uring_conn *uc = ur->conns[slot];
	if (!uc) {
		uc = calloc(1, sizeof(*uc));
		if (!uc) {
			conn_refuse(ur, fd);
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
		conn_refuse(ur, fd);
		return;
	}
	ur->nfree--;
	ur->base.nconns++;
	if (slot >= ur->hiwater)
		ur->hiwater = slot + 1;
	if (ur->sweep_ms && !ur->sweep_armed)
		sweep_arm(ur);
	uc->base.fd_direct = ur->fixed_files;
	/* A direct descriptor inherited TCP_NODELAY from the listener. */
	if (!ur->fixed_files) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (!(ur->no & (NO_MULTISHOT | NO_BUFRING)))
		conn_arm_recv(ur, uc);
	rs_fiber_resume(uc->fiber);
}

static void accept_arm(struct uring_reactor *ur)
{
	struct io_uring_sqe *sqe = ur_sqe(ur);
	/* A direct descriptor is no fd of the process: nothing to close on exec (and the kernel refuses the flag). */
	if (ur->fixed_files && (ur->no & NO_MULTISHOT)) {
		/* liburing 2.3's accept_direct adds 1 to the slot, which turns ALLOC into 0 (no slot). */
		io_uring_prep_accept(sqe, ur->listen_fd, NULL, NULL, 0);
		sqe->file_index = IORING_FILE_INDEX_ALLOC;
	} else if (ur->fixed_files)
		io_uring_prep_multishot_accept_direct(sqe, ur->listen_fd, NULL, NULL, 0);
	else if (ur->no & NO_MULTISHOT)
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

/* Still running this long after stop, the loop says what holds it, once: the harness kills a
 * server 10 s after SIGTERM, and its log should then show why (as the readiness core's does). */
#define STOP_REPORT_S 5

static void on_stop_report(struct uring_reactor *ur)
{
	fprintf(stderr, "ringside: reactor %d: stopping for %d s, held by %u connections, %u client ops "
		"(sock_recv, sock_wait, sleep_ms, ...) still in the kernel\n", ur->base.cfg.index, STOP_REPORT_S,
		ur->base.nconns, ur->ops_pending);
}

static void on_stop(struct uring_reactor *ur)
{
	ur->stop_seen = true;
	ur->stop_report_ts = (struct __kernel_timespec){ .tv_sec = STOP_REPORT_S };
	struct io_uring_sqe *tsqe = ur_sqe(ur);
	io_uring_prep_timeout(tsqe, &ur->stop_report_ts, 0, 0);
	io_uring_sqe_set_data64(tsqe, ud_make(UD_STOP_REPORT, 0, 0));
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
	if (kind == UD_STOP_REPORT) {
		if (cqe->res == -ETIME)
			on_stop_report(ur);
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
		on_send(ur, uc, cqe);
}

static void rearm_pending(struct uring_reactor *ur)
{
	while (ur->rearm) {
		struct uring_conn *uc = ur->rearm;
		ur->rearm = uc->next_rearm;
		uc->rearm_queued = false;
		if (!uc->eof && !uc->recv_armed && !uc->throttled)
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
		int err = rs_uring_wait(ur);
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

/* ---- setup ---- */

/* "name" switches an optimisation off, "+name" (from --uring-with) on. link
 * is off by default: an interleaved A/B measured it costing a quarter of
 * uring's CPU per /select42 request (a recv issued with its query finds no
 * answer yet and is completed from a wake-up), for no throughput. minwait
 * too: it gained nothing anywhere and cost 1.05x the CPU per /plaintext
 * request (DESIGN.md). */
static int parse_no(const char *opts, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "multishot", NO_MULTISHOT }, { "bufring", NO_BUFRING },	{ "defer", NO_DEFER },
		{ "fileops", NO_FILEOPS },     { "link", NO_LINK },		{ "asyncflush", NO_ASYNCFLUSH },
		{ "fixedfiles", NO_FIXEDFILES }, { "clientfixed", NO_CLIENTFIXED }, { "minwait", NO_MINWAIT },
	};
	*out = NO_LINK | NO_MINWAIT;
	if (!opts || !*opts)
		return 0;
	const size_t nnames = sizeof(names) / sizeof(names[0]);
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", opts);
	char *save = NULL;
	for (char *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool on = *tok == '+';
		const char *name = tok + on;
		size_t i = 0;
		while (i < nnames && strcmp(name, names[i].name))
			i++;
		if (i == nnames) {
			/* The accepted list is the table's, so a new switch cannot be left out of it. */
			fprintf(stderr, "ringside: --uring-%s: unknown optimisation '%s' (accepted:", on ? "with" : "no", name);
			for (size_t j = 0; j < nnames; j++)
				fprintf(stderr, "%s %s", j ? "," : "", names[j].name);
			fprintf(stderr, ")\n");
			return -EINVAL;
		}
		if (on)
			*out &= ~names[i].bit;
		else
			*out |= names[i].bit;
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
	unsigned features = 0;
	for (unsigned i = (ur->no & NO_DEFER) ? 1 : 0; i < 3; i++) {
		struct io_uring_params p = { .flags = base | tries[i], .cq_entries = cq };
		err = io_uring_queue_init_params(1024, &ur->ring, &p);
		features = p.features;
		if (!err)
			break;
	}
	if (err)
		return err;
	ur->has_cqe_skip = features & IORING_FEAT_CQE_SKIP;
	ur->ring_registered = io_uring_register_ring_fd(&ur->ring) == 1;
	if (!(ur->no & NO_MINWAIT)) {
		if (rs_uring_min_wait_probe(features)) {
			ur->min_wait_nr = MIN_WAIT_NR;
			ur->min_wait_us = MIN_WAIT_US;
		} else {
			fprintf(stderr, "ringside: --uring-with=minwait: this kernel has no min-wait (6.12's "
					"IORING_FEAT_MIN_TIMEOUT): the loop waits for one completion\n");
		}
	}
	struct io_uring_probe *probe = io_uring_get_probe_ring(&ur->ring);
	if (probe) {
		ur->has_op_socket = io_uring_opcode_supported(probe, IORING_OP_SOCKET);
		/* SEND_ZC came with 6.0, whose send already finished short
		 * stream sends under MSG_WAITALL: the link needs that. */
		ur->has_link_send = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
		io_uring_free_probe(probe);
	}
	return 0;
}

/*
 * Accepted sockets as direct descriptors: a sparse file table the kernel
 * fills at accept (IORING_FILE_INDEX_ALLOC, 5.19, the release of
 * IORING_OP_SOCKET), so no op on them takes and drops a reference on the
 * process's file table (fget/fput). One slot per connection, and some for
 * refused ones on their way out. The table counts against RLIMIT_NOFILE:
 * under it, ordinary fds.
 */
static void fixed_files_setup(struct uring_reactor *ur, unsigned max_conns)
{
	if ((ur->no & NO_FIXEDFILES) || !ur->has_op_socket)
		return;
	unsigned n = max_conns + 64;
	unsigned total = n + ((ur->no & NO_CLIENTFIXED) ? 0 : CLIENT_SLOTS);
	struct rlimit rl;
	bool limited = !getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY;
	if (limited && rl.rlim_cur < n) {
		fprintf(stderr, "ringside: reactor %d: accepted sockets as ordinary fds: RLIMIT_NOFILE %llu is below "
				"the %u direct descriptors --max-conns needs\n",
			ur->base.cfg.index, (unsigned long long)rl.rlim_cur, n);
		return;
	}
	if (limited && rl.rlim_cur < total) {
		/* Accepted sockets first: they are the many; drivers' sockets stay fds. */
		fprintf(stderr, "ringside: reactor %d: drivers' sockets as ordinary fds: RLIMIT_NOFILE %llu is below "
				"the %u direct descriptors with theirs\n",
			ur->base.cfg.index, (unsigned long long)rl.rlim_cur, total);
		total = n;
	}
	if (io_uring_register_files_sparse(&ur->ring, total))
		return;
	/* Accept allocates below n only; the drivers' sockets take the slots above. */
	if (total > n && !io_uring_register_file_alloc_range(&ur->ring, 0, n))
		rs_uring_client_setup(ur, n);
	/* Accepted sockets inherit it, and a direct descriptor has no fd for setsockopt. */
	int one = 1;
	setsockopt(ur->listen_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ur->fixed_files = true;
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
	free(ur->fd2fixed);
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
	fixed_files_setup(ur, cfg->max_conns);
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
	.caps = RS_CAP_COMPLETION | RS_CAP_READINESS | RS_CAP_FILE,
	.probe = uring_probe,
	.reactor_create = uring_reactor_create,
	.reactor_run = uring_reactor_run,
	.reactor_stop = uring_reactor_stop,
	.reactor_destroy = uring_reactor_destroy,
	.conn_read = uring_conn_read,
	.conn_flush = uring_conn_flush,
	.sock_connect = rs_uring_sock_connect,
	.sock_send = rs_uring_sock_send,
	.sock_recv = rs_uring_sock_recv,
	.sock_send_recv = rs_uring_sock_send_recv,
	.sock_wait = rs_uring_sock_wait,
	.sock_close = rs_uring_sock_close,
	.sleep_ms = rs_uring_sleep_ms,
	.file_open = rs_uring_file_open,
	.file_read = rs_uring_file_read,
};
