/* ev_sock.c - client sockets and timers on the libev reactor, for drivers: connect, readiness wait, close, sleep. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev_internal.h"
#include "fiber.h"

/*
 * Per-fd state of a client socket (a Postgres connection). The ev_io lives
 * here rather than in each wait so that a socket waited on again and again
 * keeps one watcher with one interest mask: when a wait ends and the next
 * begins in the same loop iteration (the pool hands the connection to the
 * next query inline), libev sees nothing changed and issues no epoll_ctl.
 * The watcher is stopped as soon as nobody waits, so a socket closed behind
 * our back (libpq's PQfinish) leaves nothing armed in the loop.
 */
struct rs_ev_slot {
	ev_io io;
	struct rs_ev_reactor *er;
	int fd;
	bool fresh;                /* fd number new to libev: re-register at the next start */
	struct sock_wait *waiters; /* in arrival order */
};

/* A fiber suspended on a socket and/or a timer; lives on that fiber's stack. */
struct sock_wait {
	struct rs_ev_reactor *er;
	struct rs_ev_slot *slot;   /* NULL for a plain sleep */
	struct rs_fiber *fiber;
	int events;                /* EV_READ | EV_WRITE wanted */
	int res;                   /* handed to the fiber on resume */
	ev_timer timer;
	struct sock_wait *next;
};

static int ev_to_poll(int revents)
{
	return (revents & EV_READ ? POLLIN : 0) | (revents & EV_WRITE ? POLLOUT : 0);
}

static void wait_resume(struct sock_wait *q)
{
	q->er->pending--;
	rs_fiber_resume(q->fiber); /* q is gone once this returns */
}

static int wait_suspend(struct sock_wait *q)
{
	q->er->pending++;
	rs_fiber_yield();
	return q->res;
}

/* Arm the slot's watcher for what its waiters want, or stop it. */
static void slot_arm(struct rs_ev_reactor *er, struct rs_ev_slot *s)
{
	ev_io *w = &s->io;
	int mask = 0;

	for (struct sock_wait *q = s->waiters; q; q = q->next)
		mask |= q->events;
	if (ev_is_active(w)) {
		if ((w->events & (EV_READ | EV_WRITE)) == mask)
			return;
		ev_io_stop(er->loop, w);
	}
	if (!mask)
		return;
	if (s->fresh) {
		ev_io_set(w, s->fd, mask);
		s->fresh = false;
	} else {
		ev_io_modify(w, mask);
	}
	ev_io_start(er->loop, w);
}

static void slot_unlink(struct rs_ev_slot *s, struct sock_wait *q)
{
	for (struct sock_wait **pp = &s->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			return;
		}
	}
}

/* Readiness: hand it to every waiter that wanted it, in arrival order. */
static void slot_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct rs_ev_slot *s = w->data;
	struct sock_wait *ready = NULL, **tail = &ready;
	struct sock_wait **pp = &s->waiters;

	while (*pp) {
		struct sock_wait *q = *pp;
		if (!(revents & (q->events | EV_ERROR))) {
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		q->next = NULL;
		*tail = q;
		tail = &q->next;
		ev_timer_stop(loop, &q->timer);
		/* EV_ERROR: libev could not watch the fd at all (closed under us). */
		q->res = revents & EV_ERROR ? -EBADF : ev_to_poll(revents & q->events);
	}
	slot_arm(s->er, s);
	/* Detached first: a resumed fiber may wait on or close this fd again. */
	while (ready) {
		struct sock_wait *q = ready;
		ready = q->next;
		wait_resume(q);
	}
}

/* A timeout, a sleep's end, or (EV_CUSTOM) a cancellation fed by sock_close. */
static void wait_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct sock_wait *q = t->data;

	if (!(revents & EV_CUSTOM)) {
		if (q->slot) {
			slot_unlink(q->slot, q);
			slot_arm(q->er, q->slot);
		}
		q->res = 0;
	}
	wait_resume(q);
}

static int slot_get(struct rs_ev_reactor *er, int fd, struct rs_ev_slot **out)
{
	if (fd >= er->nfds) {
		int n = er->nfds ? er->nfds : 64;
		while (n <= fd)
			n *= 2;
		struct rs_ev_slot **p = realloc(er->fds, (size_t)n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		for (int i = er->nfds; i < n; i++)
			p[i] = NULL;
		er->fds = p;
		er->nfds = n;
	}
	struct rs_ev_slot *s = er->fds[fd];
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		ev_init(&s->io, slot_cb);
		s->io.data = s;
		s->er = er;
		s->fd = fd;
		s->fresh = true;
		er->fds[fd] = s;
	}
	*out = s;
	return 0;
}

/*
 * Wake every waiter of s with err (from the loop, not nested in the caller,
 * as io_uring delivers a cancellation) and forget the fd's registration.
 */
static void slot_cancel(struct rs_ev_reactor *er, struct rs_ev_slot *s, int err)
{
	while (s->waiters) {
		struct sock_wait *q = s->waiters;
		s->waiters = q->next;
		ev_timer_stop(er->loop, &q->timer);
		q->res = err;
		ev_feed_event(er->loop, &q->timer, EV_CUSTOM);
	}
	ev_io_stop(er->loop, &s->io);
	s->fresh = true;
}

void rs_ev_fd_fresh(struct rs_ev_reactor *er, int fd)
{
	if (fd >= 0 && fd < er->nfds && er->fds[fd])
		slot_cancel(er, er->fds[fd], -EBADF);
}

void rs_ev_fds_free(struct rs_ev_reactor *er)
{
	for (int i = 0; i < er->nfds; i++)
		free(er->fds[i]);
	free(er->fds);
	er->fds = NULL;
	er->nfds = 0;
}

/* A zero timeout is a poll, not a trip through the loop: libev would run
 * the expired timer before the io callback and report a timeout. */
static int poll_now(int fd, int events)
{
	struct pollfd p = { .fd = fd, .events = (short)(events & (POLLIN | POLLOUT)) };
	int n = poll(&p, 1, 0);

	if (n < 0)
		return -errno;
	if (p.revents & POLLNVAL)
		return -EBADF;
	if (p.revents & (POLLERR | POLLHUP))
		return p.events; /* the next send or recv reports what happened */
	return p.revents & (POLLIN | POLLOUT);
}

int rs_ev_sock_wait(struct rs_reactor *r, int fd, int events, int timeout_ms)
{
	struct rs_ev_reactor *er = rs_ev_of(r);
	int want = (events & POLLIN ? EV_READ : 0) | (events & POLLOUT ? EV_WRITE : 0);
	struct rs_ev_slot *s;

	if (fd < 0)
		return -EBADF;
	if (!want || !rs_fiber_current())
		return -EINVAL;
	if (timeout_ms == 0)
		return poll_now(fd, events);
	int err = slot_get(er, fd, &s);
	if (err)
		return err;
	struct sock_wait q = { .er = er, .slot = s, .fiber = rs_fiber_current(), .events = want };
	ev_timer_init(&q.timer, wait_timer_cb, timeout_ms / 1000.0, 0.);
	q.timer.data = &q;
	if (timeout_ms > 0)
		ev_timer_start(er->loop, &q.timer);
	struct sock_wait **pp = &s->waiters;
	while (*pp)
		pp = &(*pp)->next;
	*pp = &q;
	slot_arm(er, s);
	return wait_suspend(&q);
}

void rs_ev_sock_close(struct rs_reactor *r, int fd)
{
	struct rs_ev_reactor *er = rs_ev_of(r);

	if (fd >= 0 && fd < er->nfds && er->fds[fd])
		slot_cancel(er, er->fds[fd], -ECANCELED);
	close(fd);
}

int rs_ev_sleep_ms(struct rs_reactor *r, int ms)
{
	struct rs_ev_reactor *er = rs_ev_of(r);
	struct sock_wait q = { .er = er, .fiber = rs_fiber_current() };

	if (ms < 0 || !q.fiber)
		return -EINVAL;
	ev_timer_init(&q.timer, wait_timer_cb, ms / 1000.0, 0.);
	q.timer.data = &q;
	ev_timer_start(er->loop, &q.timer);
	return wait_suspend(&q);
}

/* A Unix socket whose backlog is full says EAGAIN; TCP says EINPROGRESS. */
static int connect_retry(struct rs_reactor *r, int fd, const struct sockaddr *sa, socklen_t len)
{
	for (int tries = 0; tries < 50; tries++) {
		if (!connect(fd, sa, len))
			return 0;
		if (errno == EINPROGRESS)
			return -EINPROGRESS;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		int err = rs_ev_sleep_ms(r, 1);
		if (err)
			return err;
	}
	return -EAGAIN;
}

int rs_ev_sock_connect(struct rs_reactor *r, const struct sockaddr *sa, socklen_t len, int *fd_out)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rs_ev_fd_fresh(rs_ev_of(r), fd);
	int err = connect_retry(r, fd, sa, len);
	if (err == -EINPROGRESS) {
		int ev = rs_ev_sock_wait(r, fd, POLLOUT, -1);
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (ev < 0)
			err = ev;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
			err = -errno;
		else
			err = -soerr;
	}
	if (err) {
		rs_ev_sock_close(r, fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}
