/* ev.c - the libev engines (epoll, libev's io_uring backend): libev supplies the shared readiness core's wait. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev_internal.h"

extern const struct rs_engine_ops rs_engine_ev;
extern const struct rs_engine_ops rs_engine_libev_uring;

/*
 * One watcher per fd, armed for what its waiters want. A connection's or
 * the listener's watcher is left armed when a read wait ends: a handler
 * that waits for Postgres leaves the client socket registered, so the next
 * read costs no epoll_ctl; readiness while nobody waits stops it (fd_cb).
 * A client socket's watcher stops with its last waiter: libpq and hiredis
 * close their sockets without telling us, and libev must not watch a
 * closed fd.
 */
struct rs_ev_fd {
	ev_io io;
	struct rs_ev_reactor *er;
	int fd;
	struct rs_rcore_wait *waiters; /* linked by mnext */
	bool fresh;                /* a number new to libev: ev_io_set (register anew), not ev_io_modify */
	bool lazy;                 /* a connection's or the listener's: left armed after a read */
	bool conn;                 /* a connection's (libev-uring closes those from the loop) */
	bool closing;              /* libev-uring: shut down, closed when the armed poll fires */
};

static int ev_mask(int events)
{
	return (events & POLLIN ? EV_READ : 0) | (events & POLLOUT ? EV_WRITE : 0);
}

static int fd_get(struct rs_ev_reactor *er, int fd, struct rs_ev_fd **out);

/* Arm s for what its waiters want; with none, stop it (a lazy one only when told to). */
static void fd_rearm(struct rs_ev_reactor *er, struct rs_ev_fd *s, bool stop_idle)
{
	ev_io *io = &s->io;
	int mask = 0;

	for (struct rs_rcore_wait *w = s->waiters; w; w = w->mnext)
		mask |= ev_mask(w->events);
	if (ev_is_active(io)) {
		if ((io->events & (EV_READ | EV_WRITE)) == mask || (!mask && !stop_idle))
			return;
		ev_io_stop(er->loop, io);
	}
	if (!mask)
		return;
	if (s->fresh) {
		ev_io_set(io, s->fd, mask);
		s->fresh = false;
	} else {
		ev_io_modify(io, mask);
	}
	ev_io_start(er->loop, io);
}

static void ev_arm(struct rs_rcore *c, struct rs_rcore_wait *w)
{
	struct rs_ev_reactor *er = (struct rs_ev_reactor *)c;
	struct rs_ev_fd *s;

	if (w->fd < 0)
		return;
	if (fd_get(er, w->fd, &s)) {
		rs_rcore_wake(c, w, -ENOMEM);
		return;
	}
	w->mnext = s->waiters;
	s->waiters = w;
	s->lazy = s->lazy || w->conn || w->accept;
	s->conn = s->conn || w->conn;
	fd_rearm(er, s, false);
}

static void ev_disarm(struct rs_rcore *c, struct rs_rcore_wait *w)
{
	struct rs_ev_reactor *er = (struct rs_ev_reactor *)c;

	if (w->fd < 0 || w->fd >= er->nfds || !er->fds[w->fd])
		return;
	struct rs_ev_fd *s = er->fds[w->fd];
	for (struct rs_rcore_wait **pp = &s->waiters; *pp; pp = &(*pp)->mnext)
		if (*pp == w) {
			*pp = w->mnext;
			/* A writable socket stays writable: EV_WRITE is never left armed. */
			fd_rearm(er, s, !s->lazy || (w->events & POLLOUT));
			return;
		}
}

static void fd_closed(struct rs_ev_fd *s)
{
	s->fresh = true;
	s->lazy = s->conn = s->closing = false;
}

/* Readiness: every waiter that wanted it is ready (the core resumes them from its loop). */
static void fd_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct rs_ev_fd *s = io->data;
	struct rs_ev_reactor *er = s->er;
	bool wanted = false;

	if (s->closing) {
		/* The poll fired: libev holds no armed request for this fd any more. */
		ev_io_stop(loop, io);
		close(s->fd);
		fd_closed(s);
		er->core.held--;
		return;
	}
	/* EV_ERROR: libev could not watch the fd at all (closed under us). */
	int pr = (revents & EV_READ ? POLLIN : 0) | (revents & EV_WRITE ? POLLOUT : 0) |
		 (revents & EV_ERROR ? POLLNVAL : 0);
	for (struct rs_rcore_wait *w = s->waiters, *next; w; w = next) {
		next = w->mnext;
		if (pr & (w->events | POLLNVAL)) {
			wanted = true;
			rs_rcore_ready(&er->core, w, pr);
		}
	}
	/* Nobody waits for this (a busy handler's socket): a level-triggered watcher would fire
	 * every iteration until somebody does. */
	if (!wanted)
		fd_rearm(er, s, true);
}

/*
 * Close a socket the core owns. libev must forget the fd before its number
 * can come back. libev 4.33's io_uring backend removes an armed poll with a
 * POLL_REMOVE it does not fully initialise, and aborts on its completion
 * (ev_iouring.c): seen as an abort when clients reset connections
 * mid-request. So under that backend a connection's armed watcher is never
 * stopped: shut the socket down (it becomes readable and writable, so
 * whatever the watcher is armed for fires), and close it from fd_cb.
 */
static void ev_fd_close(struct rs_rcore *c, int fd)
{
	struct rs_ev_reactor *er = (struct rs_ev_reactor *)c;
	struct rs_ev_fd *s = fd < er->nfds ? er->fds[fd] : NULL;

	if (s && ev_is_active(&s->io)) {
		if (er->backend == EVBACKEND_IOURING && s->conn) {
			shutdown(fd, SHUT_RDWR);
			s->closing = true;
			c->held++;
			return;
		}
		ev_io_stop(er->loop, &s->io);
	}
	if (s)
		fd_closed(s);
	close(fd);
}

/*
 * A new number: a socket closed behind our back (libpq's) left its state; its waiters, if any, get
 * -EBADF. Why it matters: libev applies a watcher's stop at its next poll, so a stop and a start
 * with the same events in one turn leave epoll untouched; a socket opened at the number in between
 * (a connector's, after another's refused connect closed it) would never be added, and its wait
 * would never end. ev_io_set on the next start makes libev register the number anew.
 */
static void ev_fd_new(struct rs_rcore *c, int fd)
{
	struct rs_ev_reactor *er = (struct rs_ev_reactor *)c;
	struct rs_ev_fd *s = fd < er->nfds ? er->fds[fd] : NULL;

	if (!s)
		return;
	while (s->waiters)
		rs_rcore_wake(c, s->waiters, -EBADF); /* unlinks it (ev_disarm) */
	if (ev_is_active(&s->io))
		ev_io_stop(er->loop, &s->io);
	fd_closed(s);
}

static int fd_get(struct rs_ev_reactor *er, int fd, struct rs_ev_fd **out)
{
	if (fd >= er->nfds) {
		int n = er->nfds ? er->nfds : 64;
		while (n <= fd)
			n *= 2;
		struct rs_ev_fd **p = realloc(er->fds, (size_t)n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		for (int i = er->nfds; i < n; i++)
			p[i] = NULL;
		er->fds = p;
		er->nfds = n;
	}
	struct rs_ev_fd *s = er->fds[fd];
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		ev_init(&s->io, fd_cb);
		s->io.data = s;
		s->er = er;
		s->fd = fd;
		s->fresh = true;
		er->fds[fd] = s;
	}
	*out = s;
	return 0;
}

static void noop_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop, (void)t, (void)revents; /* waking ev_run is the point */
}

/* reactor_stop wrote the eventfd: read it here, or a level-triggered watcher spins. */
static void wake_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	uint64_t v;
	ssize_t n = read(w->fd, &v, sizeof(v));
	(void)n;
}

static int ev_wait_once(struct rs_rcore *c, int timeout_ms)
{
	struct rs_ev_reactor *er = (struct rs_ev_reactor *)c;

	if (timeout_ms == 0) {
		ev_run(er->loop, EVRUN_NOWAIT);
		return 0;
	}
	if (timeout_ms > 0) {
		er->tick.repeat = timeout_ms / 1000.0;
		ev_timer_again(er->loop, &er->tick);
	} else {
		ev_timer_stop(er->loop, &er->tick);
	}
	ev_run(er->loop, EVRUN_ONCE);
	return 0;
}

static const struct rs_rcore_mech ev_mech = {
	.wait_once = ev_wait_once,
	.arm = ev_arm,
	.disarm = ev_disarm,
	.fd_close = ev_fd_close,
	.fd_new = ev_fd_new,
};

/* ---- setup ---- */

void rs_ev_reactor_fini(struct rs_ev_reactor *er)
{
	rs_rcore_fini(&er->core);
	if (er->loop)
		ev_loop_destroy(er->loop);
	er->loop = NULL;
	for (int i = 0; i < er->nfds; i++)
		free(er->fds[i]);
	free(er->fds);
	er->fds = NULL;
	er->nfds = 0;
}

int rs_ev_reactor_init(struct rs_ev_reactor *er, const struct rs_reactor_cfg *cfg,
		       const struct rs_engine_ops *ops, unsigned backend)
{
	er->backend = backend;
	/* NOENV: LIBEV_FLAGS in the environment must not swap the backend
	 * under a benchmark that is named after it. */
	er->loop = ev_loop_new(backend | EVFLAG_NOENV);
	if (!er->loop || ev_backend(er->loop) != backend) {
		if (er->loop)
			ev_loop_destroy(er->loop);
		er->loop = NULL;
		return -EOPNOTSUPP;
	}
	ev_timer_init(&er->tick, noop_cb, 0., 0.);
	/* The loop first: the pool connects (and arms watchers) between create and run. */
	int err = rs_rcore_init(&er->core, cfg, ops, &ev_mech);
	if (err) {
		rs_ev_reactor_fini(er);
		return err;
	}
	ev_io_init(&er->wake_w, wake_cb, er->core.wake_fd, EV_READ);
	ev_io_start(er->loop, &er->wake_w);
	return 0;
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
	*out = &er->core.base;
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

#define RS_EV_OPS(NAME, PROBE, CREATE)                                                       \
	{                                                                                    \
		.name = NAME, .caps = RS_CAP_READINESS, .probe = PROBE, .reactor_create = CREATE, \
		.reactor_destroy = ev_reactor_destroy, RS_RCORE_OPS,                             \
	}

const struct rs_engine_ops rs_engine_ev = RS_EV_OPS("epoll", epoll_probe, epoll_reactor_create);
const struct rs_engine_ops rs_engine_libev_uring = RS_EV_OPS("libev-uring", iouring_probe, iouring_reactor_create);
