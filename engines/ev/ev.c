/* ev.c - the libev reactor engines: readiness on epoll (or libev's io_uring backend), inline fiber resume. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev_internal.h"
#include "fiber.h"
#include "listener.h"

extern const struct rs_engine_ops rs_engine_ev;
extern const struct rs_engine_ops rs_engine_libev_uring;

#define READ_CHUNK 4096u
#define ACCEPT_PAUSE_S 0.1

/*
 * An accepted connection. Its one watcher is armed for what the fiber waits
 * for and is left armed after the wait ends: a handler that waits for
 * Postgres leaves the client socket registered, so the next read costs no
 * epoll_ctl. Bytes arriving while nobody reads disarm it (conn_io_cb).
 */
struct rs_ev_conn {
	struct rs_conn base;
	ev_io io;
	struct rs_fiber *fiber;   /* NULL while the slot is free */
	uint32_t slot;
	int waiting;              /* EV_READ or EV_WRITE the fiber is suspended on, 0 if none */
	int wait_res;             /* handed to the fiber on resume */
	bool drained;             /* the last recv emptied the socket: wait before the next */
	bool closing;             /* libev-uring: shut down, waiting for the armed poll to fire */
};

static inline struct rs_ev_conn *to_ec(struct rs_conn *c)
{
	return (struct rs_ev_conn *)c;
}

static bool stopping(const struct rs_ev_reactor *er)
{
	return atomic_load_explicit(&er->base.stopping, memory_order_relaxed);
}

/* ---- connection side ---- */

static void conn_resume(struct rs_ev_conn *ec, int res)
{
	ec->waiting = 0;
	ec->wait_res = res;
	rs_fiber_resume(ec->fiber);
}

static void conn_finish(struct rs_ev_reactor *er, struct rs_ev_conn *ec);

static void conn_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct rs_ev_conn *ec = w->data;

	if (ec->closing) {
		/* The poll fired: libev holds no armed request for this fd any more. */
		ev_io_stop(loop, w);
		conn_finish(rs_ev_of(ec->base.reactor), ec);
		return;
	}
	if (!ec->waiting || !(revents & (ec->waiting | EV_ERROR))) {
		/* Nobody reads right now (the handler is busy): a level-triggered
		 * watcher would fire every iteration until it does. */
		ev_io_stop(loop, w);
		return;
	}
	conn_resume(ec, revents & EV_ERROR ? -EBADF : 0);
}

/* Suspend the connection's fiber until its socket is ready for `events`. */
static int conn_wait(struct rs_ev_reactor *er, struct rs_ev_conn *ec, int events)
{
	ev_io *w = &ec->io;

	if (!ev_is_active(w) || (w->events & (EV_READ | EV_WRITE)) != events) {
		ev_io_stop(er->loop, w);
		ev_io_modify(w, events);
		ev_io_start(er->loop, w);
	}
	ec->waiting = events;
	rs_fiber_yield();
	return ec->wait_res;
}

ssize_t rs_ev_conn_read(struct rs_conn *c)
{
	struct rs_ev_conn *ec = to_ec(c);
	struct rs_ev_reactor *er = rs_ev_of(c->reactor);

	if (rs_buf_reserve(&c->in, READ_CHUNK))
		return -ENOMEM;
	for (;;) {
		/* After a short read the socket is most likely empty: ask the
		 * loop first instead of paying for a recv that says EAGAIN. */
		if (!ec->drained) {
			size_t room = rs_buf_room(&c->in);
			ssize_t n = recv(c->fd, rs_buf_tail(&c->in), room, 0);
			if (n >= 0) {
				c->in.len += (size_t)n;
				ec->drained = (size_t)n < room;
				return n;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
		}
		if (stopping(er))
			return -ESHUTDOWN;
		int err = conn_wait(er, ec, EV_READ);
		if (err)
			return err;
		ec->drained = false;
	}
}

int rs_ev_conn_flush(struct rs_conn *c)
{
	struct rs_ev_conn *ec = to_ec(c);
	struct rs_ev_reactor *er = rs_ev_of(c->reactor);

	while (c->out.len) {
		ssize_t n = send(c->fd, rs_buf_head(&c->out), c->out.len, MSG_NOSIGNAL);
		if (n >= 0) {
			rs_buf_consume(&c->out, (size_t)n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int err = conn_wait(er, ec, EV_WRITE);
		if (err)
			return err;
	}
	/* A writable socket stays writable: do not leave EV_WRITE armed. */
	if (ev_is_active(&ec->io) && (ec->io.events & EV_WRITE))
		ev_io_stop(er->loop, &ec->io);
	rs_buf_clear(&c->out);
	return 0;
}

/* ---- accept and connection lifetime ---- */

static void conn_finish(struct rs_ev_reactor *er, struct rs_ev_conn *ec)
{
	close(ec->base.fd);
	ec->closing = false;
	er->free_slots[er->nfree++] = ec->slot;
	er->base.nconns--;
}

static void conn_release(struct rs_ev_reactor *er, struct rs_ev_conn *ec)
{
	ec->fiber = NULL;
	ec->waiting = 0;
	/*
	 * libev 4.33's io_uring backend removes an armed poll with a
	 * POLL_REMOVE it does not fully initialise, and aborts on its
	 * completion (ev_iouring.c): seen as an abort when clients reset
	 * connections mid-request. So under that backend an armed watcher is
	 * never stopped: shut the socket down, let the poll fire (HUP), and
	 * stop the watcher and close the fd from its callback.
	 */
	if (er->backend == EVBACKEND_IOURING && ev_is_active(&ec->io)) {
		/* a shut-down socket is readable and writable: whatever the
		 * watcher is armed for fires (and the watcher is left as it is:
		 * changing its events would be a remove too) */
		shutdown(ec->base.fd, SHUT_RDWR);
		ec->closing = true;
		return;
	}
	/* libev must forget the fd before its number can come back. */
	ev_io_stop(er->loop, &ec->io);
	conn_finish(er, ec);
}

static void conn_fiber_main(void *arg)
{
	struct rs_ev_conn *ec = arg;

	rs_conn_serve(&ec->base);
	conn_release(rs_ev_of(ec->base.reactor), ec);
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

static struct rs_ev_conn *conn_slot(struct rs_ev_reactor *er, uint32_t slot)
{
	struct rs_ev_conn *ec = er->conns[slot];

	if (!ec) {
		ec = calloc(1, sizeof(*ec));
		if (!ec)
			return NULL;
		er->conns[slot] = ec;
	}
	*ec = (struct rs_ev_conn){ .slot = slot };
	return ec;
}

static void conn_start(struct rs_ev_reactor *er, int fd)
{
	rs_ev_fd_fresh(er, fd);
	if (!er->nfree || stopping(er)) {
		conn_refuse(fd);
		return;
	}
	struct rs_ev_conn *ec = conn_slot(er, er->free_slots[er->nfree - 1]);
	if (!ec) {
		conn_refuse(fd);
		return;
	}
	ec->base.reactor = &er->base;
	ec->base.fd = fd;
	ev_io_init(&ec->io, conn_io_cb, fd, EV_READ);
	ec->io.data = ec;
	if (rs_fiber_create(er->base.fibers, conn_fiber_main, ec, &ec->fiber)) {
		ec->fiber = NULL;
		conn_refuse(fd);
		return;
	}
	er->nfree--;
	er->base.nconns++;
	if (ec->slot >= er->hiwater)
		er->hiwater = ec->slot + 1;
	if (er->sweep.repeat > 0. && !ev_is_active(&er->sweep))
		ev_timer_again(er->loop, &er->sweep);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rs_fiber_resume(ec->fiber);
}

/* Deadlines: one coarse repeating timer per reactor, not one per read. */
static void sweep_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct rs_ev_reactor *er = t->data;
	int64_t now = rs_clock_ms();

	for (uint32_t i = 0; i < er->hiwater; i++) {
		struct rs_ev_conn *ec = er->conns[i];
		if (ec && ec->fiber && ec->waiting == EV_READ && rs_conn_expired(&ec->base, now))
			conn_resume(ec, -ETIMEDOUT);
	}
	/* No connections, no wake-ups: conn_start restarts it. */
	if (!er->base.nconns)
		ev_timer_stop(loop, t);
}

/* Out of descriptors or memory: the listener stays readable, so stop
 * watching it for a moment instead of spinning on accept. */
static void accept_pause(struct rs_ev_reactor *er, int err)
{
	fprintf(stderr, "ringside: reactor %d: accept: %s (pausing accepts)\n", er->base.cfg.index, strerror(err));
	ev_io_stop(er->loop, &er->accept_w);
	ev_timer_set(&er->accept_pause, ACCEPT_PAUSE_S, 0.);
	ev_timer_start(er->loop, &er->accept_pause);
}

static void accept_resume_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct rs_ev_reactor *er = t->data;

	if (er->listen_fd >= 0)
		ev_io_start(loop, &er->accept_w);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct rs_ev_reactor *er = w->data;

	while (er->listen_fd >= 0) {
		int fd = accept4(er->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_start(er, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			accept_pause(er, errno);
		else if (errno != EAGAIN)
			fprintf(stderr, "ringside: reactor %d: accept: %s\n", er->base.cfg.index, strerror(errno));
		return;
	}
}

/* ---- stop and the loop ---- */

/* On the reactor thread, from the async watcher reactor_stop poked. */
static void stop_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct rs_ev_reactor *er = w->data;

	if (er->stop_seen)
		return;
	er->stop_seen = true;
	ev_io_stop(loop, &er->accept_w);
	ev_timer_stop(loop, &er->accept_pause);
	if (er->listen_fd >= 0) {
		close(er->listen_fd);
		er->listen_fd = -1;
	}
	/* Idle connections leave now; busy ones finish their requests first. */
	for (uint32_t i = 0; i < er->nslots; i++) {
		struct rs_ev_conn *ec = er->conns[i];
		if (ec && ec->fiber && ec->waiting == EV_READ)
			conn_resume(ec, -ESHUTDOWN);
	}
}

static bool loop_done(const struct rs_ev_reactor *er)
{
	return er->stop_seen && er->base.nconns == 0 && er->pending == 0;
}

int rs_ev_reactor_run(struct rs_reactor *r)
{
	struct rs_ev_reactor *er = rs_ev_of(r);

	/* Cancellations fed while the pool warmed up, before the loop ran. */
	ev_invoke_pending(er->loop);
	while (!loop_done(er))
		ev_run(er->loop, EVRUN_ONCE);
	return 0;
}

void rs_ev_reactor_stop(struct rs_reactor *r)
{
	struct rs_ev_reactor *er = rs_ev_of(r);

	atomic_store(&r->stopping, true);
	/* An eventfd write underneath; safe from other threads and signal handlers. */
	ev_async_send(er->loop, &er->stop_w);
}

/* ---- setup ---- */

static int conns_init(struct rs_ev_reactor *er, unsigned max_conns)
{
	er->nslots = max_conns;
	er->conns = calloc(er->nslots, sizeof(*er->conns));
	er->free_slots = calloc(er->nslots, sizeof(*er->free_slots));
	if (!er->conns || !er->free_slots)
		return -ENOMEM;
	/* Hand out low slots first: they stay warm in cache. */
	for (uint32_t i = 0; i < er->nslots; i++)
		er->free_slots[i] = er->nslots - 1 - i;
	er->nfree = er->nslots;
	return 0;
}

static int listener_init(struct rs_ev_reactor *er)
{
	int err = rs_listener_open(er->base.cfg.port, &er->listen_fd);
	if (err)
		return err;
	/* accept4 runs until EAGAIN: the listener must not block. */
	int fl = fcntl(er->listen_fd, F_GETFL);
	if (fl < 0 || fcntl(er->listen_fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	ev_io_init(&er->accept_w, accept_cb, er->listen_fd, EV_READ);
	er->accept_w.data = er;
	ev_io_start(er->loop, &er->accept_w);
	return 0;
}

void rs_ev_reactor_fini(struct rs_ev_reactor *er)
{
	if (er->loop)
		ev_loop_destroy(er->loop);
	er->loop = NULL;
	if (er->listen_fd >= 0)
		close(er->listen_fd);
	er->listen_fd = -1;
	for (uint32_t i = 0; er->conns && i < er->nslots; i++)
		free(er->conns[i]);
	free(er->conns);
	free(er->free_slots);
	er->conns = NULL;
	er->free_slots = NULL;
	rs_ev_fds_free(er);
	if (er->base.fibers)
		rs_fiber_pool_destroy(er->base.fibers);
	er->base.fibers = NULL;
}

int rs_ev_reactor_init(struct rs_ev_reactor *er, const struct rs_reactor_cfg *cfg,
		       const struct rs_engine_ops *ops, unsigned backend)
{
	int err;

	er->base.ops = ops;
	er->base.cfg = *cfg;
	er->backend = backend;
	er->listen_fd = -1;
	/* NOENV: LIBEV_FLAGS in the environment must not swap the backend
	 * under a benchmark that is named after it. */
	er->loop = ev_loop_new(backend | EVFLAG_NOENV);
	if (!er->loop || ev_backend(er->loop) != backend) {
		err = -EOPNOTSUPP;
		goto out_fini;
	}
	if ((err = conns_init(er, cfg->max_conns)))
		goto out_fini;
	if ((err = rs_fiber_pool_create(cfg->fiber_stack, &er->base.fibers)))
		goto out_fini;
	ev_async_init(&er->stop_w, stop_cb);
	er->stop_w.data = er;
	ev_async_start(er->loop, &er->stop_w);
	ev_timer_init(&er->accept_pause, accept_resume_cb, ACCEPT_PAUSE_S, 0.);
	er->accept_pause.data = er;
	ev_timer_init(&er->sweep, sweep_cb, 0., rs_conn_sweep_ms(cfg) / 1000.);
	er->sweep.data = er;
	if ((err = listener_init(er)))
		goto out_fini;
	return 0;
out_fini:
	rs_ev_reactor_fini(er);
	return err;
}

static int ev_create(const struct rs_reactor_cfg *cfg, const struct rs_engine_ops *ops, unsigned backend,
		     struct rs_reactor **out)
{
	struct rs_ev_reactor *er = calloc(1, sizeof(*er));
	if (!er)
		return -ENOMEM;
	int err = rs_ev_reactor_init(er, cfg, ops, backend);
	if (err) {
		free(er);
		return err;
	}
	*out = &er->base;
	return 0;
}

static int epoll_reactor_create(const struct rs_reactor_cfg *cfg, struct rs_reactor **out)
{
	return ev_create(cfg, &rs_engine_ev, EVBACKEND_EPOLL, out);
}

static int iouring_reactor_create(const struct rs_reactor_cfg *cfg, struct rs_reactor **out)
{
	return ev_create(cfg, &rs_engine_libev_uring, EVBACKEND_IOURING, out);
}

static void ev_reactor_destroy(struct rs_reactor *r)
{
	struct rs_ev_reactor *er = rs_ev_of(r);

	rs_ev_reactor_fini(er);
	free(er);
}

int rs_ev_probe_backend(unsigned backend, const char **why)
{
	bool iouring = backend == EVBACKEND_IOURING;

	if (!(ev_supported_backends() & backend)) {
		*why = iouring ? "this libev was built without its io_uring backend (needs libev >= 4.31)"
			       : "this libev was built without its epoll backend";
		return -EOPNOTSUPP;
	}
	struct ev_loop *loop = ev_loop_new(backend | EVFLAG_NOENV);
	bool ok = loop && ev_backend(loop) == backend;
	if (loop)
		ev_loop_destroy(loop);
	if (!ok) {
		*why = iouring ? "libev refused its io_uring backend (it wants Linux >= 5.6.1 with io_uring enabled)"
			       : "libev could not create an epoll loop";
		return -EOPNOTSUPP;
	}
	return 0;
}

static int epoll_probe(const char **why)
{
	return rs_ev_probe_backend(EVBACKEND_EPOLL, why);
}

static int iouring_probe(const char **why)
{
	return rs_ev_probe_backend(EVBACKEND_IOURING, why);
}

const struct rs_engine_ops rs_engine_ev = {
	.name = "epoll",
	.summary = "libev on epoll: readiness, non-blocking syscalls, inline fiber resume",
	.caps = RS_CAP_READINESS,
	.probe = epoll_probe,
	.reactor_create = epoll_reactor_create,
	.reactor_run = rs_ev_reactor_run,
	.reactor_stop = rs_ev_reactor_stop,
	.reactor_destroy = ev_reactor_destroy,
	.conn_read = rs_ev_conn_read,
	.conn_flush = rs_ev_conn_flush,
	.sock_connect = rs_ev_sock_connect,
	.sock_wait = rs_ev_sock_wait,
	.sock_close = rs_ev_sock_close,
	.sleep_ms = rs_ev_sleep_ms,
};

const struct rs_engine_ops rs_engine_libev_uring = {
	.name = "libev-uring",
	.summary = "libev's io_uring backend: readiness as poll ops on a ring, non-blocking syscalls",
	.caps = RS_CAP_READINESS,
	.probe = iouring_probe,
	.reactor_create = iouring_reactor_create,
	.reactor_run = rs_ev_reactor_run,
	.reactor_stop = rs_ev_reactor_stop,
	.reactor_destroy = ev_reactor_destroy,
	.conn_read = rs_ev_conn_read,
	.conn_flush = rs_ev_conn_flush,
	.sock_connect = rs_ev_sock_connect,
	.sock_wait = rs_ev_sock_wait,
	.sock_close = rs_ev_sock_close,
	.sleep_ms = rs_ev_sleep_ms,
};
