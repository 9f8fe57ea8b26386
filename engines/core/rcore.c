/* rcore.c - the shared readiness reactor core: connection fibers, 503 past max_conns, deadlines, stop and drain, client sockets. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fiber.h"
#include "listener.h"
#include "rcore.h"

#define READ_CHUNK 4096u
#define ACCEPT_PAUSE_MS 100

static bool stopping(const struct rs_rcore *c)
{
	return c->stop_seen || atomic_load_explicit(&c->base.stopping, memory_order_relaxed);
}

/* ---- waiters ---- */

/* A connection's waits are swept for its deadline, not kept on the timed list. */
static bool is_timed(const struct rs_rcore_wait *w)
{
	return w->deadline_ms && !w->conn;
}

static void wait_unlink(struct rs_rcore *c, struct rs_rcore_wait *w)
{
	if (c->mech->disarm)
		c->mech->disarm(c, w);
	*(w->prev ? &w->prev->next : &c->waiters) = w->next;
	if (w->next)
		w->next->prev = w->prev;
	if (is_timed(w)) {
		*(w->tprev ? &w->tprev->tnext : &c->timed) = w->tnext;
		if (w->tnext)
			w->tnext->tprev = w->tprev;
	}
	c->nwaiters--;
}

static void fd_close(struct rs_rcore *c, int fd)
{
	if (c->mech->fd_close)
		c->mech->fd_close(c, fd);
	else
		close(fd);
}

/* Done waiting: the loop resumes it, never the caller (no nesting). */
static void make_ready(struct rs_rcore *c, struct rs_rcore_wait *w, int res)
{
	wait_unlink(c, w);
	w->res = res;
	w->next = NULL;
	*c->ready_tail = w;
	c->ready_tail = &w->next;
}

void rs_rcore_wake(struct rs_rcore *c, struct rs_rcore_wait *w, int res)
{
	make_ready(c, w, res);
}

void rs_rcore_ready(struct rs_rcore *c, struct rs_rcore_wait *w, int revents)
{
	if (revents & POLLNVAL)
		make_ready(c, w, -EBADF);
	else if (revents & (POLLERR | POLLHUP))
		make_ready(c, w, w->events); /* the next send or recv reports what happened */
	else if (revents & w->events)
		make_ready(c, w, revents & w->events);
}

int rs_rcore_suspend(struct rs_rcore *c, struct rs_rcore_wait *w)
{
	w->fiber = rs_fiber_current();
	w->prev = NULL;
	w->next = c->waiters;
	if (c->waiters)
		c->waiters->prev = w;
	c->waiters = w;
	if (is_timed(w)) {
		w->tprev = NULL;
		w->tnext = c->timed;
		if (c->timed)
			c->timed->tprev = w;
		c->timed = w;
	}
	c->nwaiters++;
	if (c->mech->arm)
		c->mech->arm(c, w);
	rs_fiber_yield();
	return w->res;
}

static void resume_ready(struct rs_rcore *c)
{
	while (c->ready) {
		struct rs_rcore_wait *w = c->ready;
		c->ready = w->next;
		if (!c->ready)
			c->ready_tail = &c->ready;
		rs_fiber_resume(w->fiber); /* w is gone once this returns */
	}
}

/* Timed waiters past their deadline; every sweep_ms (not every turn: the connections are
 * many), connection waits past theirs. */
static void expire(struct rs_rcore *c)
{
	int64_t now = rs_clock_ms();
	int sweep_ms = rs_conn_sweep_ms(&c->base.cfg);

	for (struct rs_rcore_wait *w = c->timed, *next; w; w = next) {
		next = w->tnext;
		if (now >= w->deadline_ms)
			make_ready(c, w, 0);
	}
	if (!sweep_ms || now < c->next_sweep_ms)
		return;
	for (struct rs_rcore_wait *w = c->waiters, *next; w; w = next) {
		next = w->next;
		if (w->conn && rs_conn_expired(w->conn, now))
			make_ready(c, w, -ETIMEDOUT);
	}
	c->next_sweep_ms = now + sweep_ms;
}

static int next_timeout(const struct rs_rcore *c)
{
	int64_t now = rs_clock_ms(), t = -1;

	if (rs_conn_sweep_ms(&c->base.cfg) && c->base.nconns)
		t = c->next_sweep_ms > now ? c->next_sweep_ms - now : 0;
	for (const struct rs_rcore_wait *w = c->timed; w; w = w->tnext)
		if (t < 0 || w->deadline_ms - now < t)
			t = w->deadline_ms > now ? w->deadline_ms - now : 0;
	return t > 1000000 ? 1000000 : (int)t;
}

/* ---- connections ---- */

static void conn_refuse(int fd)
{
	static const char resp[] = "HTTP/1.1 503 Service Unavailable\r\nServer: ringside\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	ssize_t n = send(fd, resp, sizeof(resp) - 1, MSG_DONTWAIT | MSG_NOSIGNAL); /* best effort */
	(void)n;
	close(fd);
}

/* A connection and what its reads know: after a short read the socket is most likely empty,
 * so the next read waits first instead of paying for a recv that says EAGAIN. */
struct rcore_conn {
	struct rs_conn base;
	bool drained;
};

static void conn_main(void *arg)
{
	struct rs_conn *conn = arg;
	struct rs_rcore *c = rs_rcore_of(conn->reactor);

	rs_conn_serve(conn);
	fd_close(c, conn->fd);
	free(conn);
	c->base.nconns--;
}

static void conn_start(struct rs_rcore *c, int fd)
{
	struct rcore_conn *rc = NULL;
	struct rs_conn *conn = NULL;
	struct rs_fiber *f;

	if (c->mech->fd_new)
		c->mech->fd_new(c, fd);
	if (c->base.nconns >= c->base.cfg.max_conns || stopping(c) || !(rc = calloc(1, sizeof(*rc))) ||
	    rs_fiber_create(c->base.fibers, conn_main, (conn = &rc->base), &f)) {
		free(rc);
		conn_refuse(fd);
		return;
	}
	conn->reactor = &c->base;
	conn->fd = fd;
	if (!c->base.nconns)
		c->next_sweep_ms = rs_clock_ms() + rs_conn_sweep_ms(&c->base.cfg);
	c->base.nconns++;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rs_fiber_resume(f);
}

/* The listener's fiber: accept until EAGAIN, then wait; pause on EMFILE and friends. */
static void accept_main(void *arg)
{
	struct rs_rcore *c = arg;

	while (c->listen_fd >= 0 && !stopping(c)) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_start(c, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		struct rs_rcore_wait w = { .fd = c->listen_fd, .events = POLLIN, .accept = true };
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			fprintf(stderr, "ringside: reactor %d: accept: %s (pausing accepts)\n", c->base.cfg.index,
				strerror(errno));
			w = (struct rs_rcore_wait){ .fd = -1, .deadline_ms = rs_clock_ms() + ACCEPT_PAUSE_MS, .accept = true };
		} else if (errno != EAGAIN) {
			fprintf(stderr, "ringside: reactor %d: accept: %s\n", c->base.cfg.index, strerror(errno));
		}
		if (rs_rcore_suspend(c, &w) < 0)
			return;
	}
}

ssize_t rs_rcore_conn_read(struct rs_conn *conn)
{
	struct rs_rcore *c = rs_rcore_of(conn->reactor);
	struct rcore_conn *rc = (struct rcore_conn *)conn;

	if (rs_buf_reserve(&conn->in, READ_CHUNK))
		return -ENOMEM;
	for (;;) {
		if (!rc->drained) {
			size_t room = rs_buf_room(&conn->in);
			ssize_t n = recv(conn->fd, rs_buf_tail(&conn->in), room, 0);
			if (n >= 0) {
				conn->in.len += (size_t)n;
				rc->drained = (size_t)n < room;
				return n;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
		}
		if (stopping(c))
			return -ESHUTDOWN;
		struct rs_rcore_wait w = { .fd = conn->fd, .events = POLLIN, .conn = conn };
		int err = rs_rcore_suspend(c, &w);
		if (err < 0)
			return err;
		rc->drained = false;
	}
}

int rs_rcore_conn_flush(struct rs_conn *conn)
{
	while (conn->out.len) {
		ssize_t n = send(conn->fd, rs_buf_head(&conn->out), conn->out.len, MSG_NOSIGNAL);
		if (n >= 0) {
			rs_buf_consume(&conn->out, (size_t)n);
			rs_conn_send_progress(conn);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		/* A connection's wait: the sweep ends it past the send deadline. */
		struct rs_rcore_wait w = { .fd = conn->fd, .events = POLLOUT, .conn = conn };
		int err = rs_rcore_suspend(rs_rcore_of(conn->reactor), &w);
		if (err < 0)
			return err;
	}
	rs_buf_clear(&conn->out);
	return 0;
}

/* ---- client sockets and time, for drivers ---- */

int rs_rcore_sock_wait(struct rs_reactor *r, int fd, int events, int timeout_ms)
{
	struct rs_rcore_wait w = { .fd = fd, .events = events & (POLLIN | POLLOUT) };

	if (fd < 0)
		return -EBADF;
	if (!w.events || !rs_fiber_current())
		return -EINVAL;
	if (timeout_ms == 0) { /* a poll, not a trip through the loop */
		struct pollfd p = { .fd = fd, .events = (short)w.events };
		if (poll(&p, 1, 0) < 0)
			return -errno;
		return p.revents & POLLNVAL ? -EBADF : p.revents & (POLLERR | POLLHUP) ? w.events : p.revents & w.events;
	}
	if (timeout_ms > 0)
		w.deadline_ms = rs_clock_ms() + timeout_ms;
	return rs_rcore_suspend(rs_rcore_of(r), &w);
}

int rs_rcore_sleep_ms(struct rs_reactor *r, int ms)
{
	struct rs_rcore_wait w = { .fd = -1, .deadline_ms = rs_clock_ms() + ms };

	if (ms < 0 || !rs_fiber_current())
		return -EINVAL;
	return rs_rcore_suspend(rs_rcore_of(r), &w);
}

void rs_rcore_sock_close(struct rs_reactor *r, int fd)
{
	struct rs_rcore *c = rs_rcore_of(r);

	for (struct rs_rcore_wait *w = c->waiters, *next; w; w = next) {
		next = w->next;
		if (w->fd == fd)
			make_ready(c, w, -ECANCELED);
	}
	fd_close(c, fd);
}

void rs_rcore_sock_adopt(struct rs_reactor *r, int fd)
{
	struct rs_rcore *c = rs_rcore_of(r);

	if (c->mech->fd_new)
		c->mech->fd_new(c, fd);
}

int rs_rcore_sock_connect(struct rs_reactor *r, const struct sockaddr *sa, socklen_t len, int *fd_out)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err = -EAGAIN;

	if (fd < 0)
		return -errno;
	if (rs_rcore_of(r)->mech->fd_new)
		rs_rcore_of(r)->mech->fd_new(rs_rcore_of(r), fd);
	/* A Unix socket whose backlog is full says EAGAIN (retry); TCP says EINPROGRESS (wait). */
	for (int tries = 0; tries < 50 && err == -EAGAIN; tries++) {
		err = connect(fd, sa, len) ? -errno : 0;
		if (err == -EAGAIN || err == -EINTR) {
			int e = rs_rcore_sleep_ms(r, 1);
			err = e ? e : -EAGAIN;
		}
	}
	if (err == -EINPROGRESS) {
		int ev = rs_rcore_sock_wait(r, fd, POLLOUT, -1), soerr = 0;
		socklen_t sl = sizeof(soerr);
		err = ev < 0 ? ev : getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) ? -errno : -soerr;
	}
	if (err) {
		rs_rcore_sock_close(r, fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

/* ---- stop and the loop ---- */

/* On the reactor thread: stop accepting; idle connections (waiting to read) leave now, busy
 * ones (in a handler, or sending) finish first. */
static void stop_seen(struct rs_rcore *c)
{
	uint64_t v;
	ssize_t n = read(c->wake_fd, &v, sizeof(v));
	(void)n;
	c->stop_seen = true;
	c->stop_ms = rs_clock_ms();
	for (struct rs_rcore_wait *w = c->waiters, *next; w; w = next) {
		next = w->next;
		if (w->accept || (w->conn && w->events == POLLIN))
			make_ready(c, w, w->accept ? -ECANCELED : -ESHUTDOWN);
	}
	if (c->listen_fd >= 0)
		fd_close(c, c->listen_fd);
	c->listen_fd = -1;
}

/* Busy connections get this long after stop to finish; then their waits end too, so a
 * client that never reads cannot hold the server's exit until the send timeout. */
#define STOP_GRACE_MS 2000

/* Still running this long after stop, it says what holds it, once: the harness kills a server
 * 10 s after SIGTERM, and its log should then show why. */
#define STOP_REPORT_MS 5000

static void stop_report(struct rs_rcore *c)
{
	int shown = 0;

	c->stop_reported = true;
	fprintf(stderr, "ringside: reactor %d: stopping for %d s, held by %u connections, %u closes, %u waits%s\n",
		c->base.cfg.index, STOP_REPORT_MS / 1000, c->base.nconns, c->held, c->nwaiters, c->nwaiters ? ":" : "");
	for (struct rs_rcore_wait *w = c->waiters; w && shown < 8; w = w->next, shown++) {
		const char *dl = w->deadline_ms ? "with a deadline" : "no deadline";
		if (w->fd < 0)
			fprintf(stderr, "ringside:   a sleep, %s\n", dl);
		else
			fprintf(stderr, "ringside:   %s fd %d waiting for%s%s, %s\n", w->conn ? "connection" : "client socket",
				w->fd, w->events & POLLIN ? " POLLIN" : "", w->events & POLLOUT ? " POLLOUT" : "", dl);
	}
}

static int stop_wait_cap(struct rs_rcore *c, int t)
{
	if (!c->stop_seen || c->stop_reported)
		return t;
	int64_t since = rs_clock_ms() - c->stop_ms;
	if (c->stop_forced) {
		if (since >= STOP_REPORT_MS) {
			stop_report(c);
			return t;
		}
		int left = (int)(STOP_REPORT_MS - since);
		return t < 0 || t > left ? left : t;
	}
	int64_t left = STOP_GRACE_MS - since;
	if (left <= 0) {
		c->stop_forced = true;
		for (struct rs_rcore_wait *w = c->waiters, *next; w; w = next) {
			next = w->next;
			if (w->conn)
				make_ready(c, w, -ESHUTDOWN);
		}
		return 0;
	}
	return t < 0 || t > left ? (int)left : t;
}

/* Returns once stopped with no connection open and no fiber parked (the pool closes its
 * Postgres connections from a fiber after stop). */
int rs_rcore_run(struct rs_reactor *r)
{
	struct rs_rcore *c = rs_rcore_of(r);
	struct rs_fiber *acceptor = c->acceptor;

	c->acceptor = NULL;
	if (acceptor)
		rs_fiber_resume(acceptor);
	for (;;) {
		resume_ready(c);
		if (!c->stop_seen && atomic_load(&r->stopping)) {
			stop_seen(c);
			resume_ready(c);
		}
		if (c->stop_seen && !r->nconns && !c->nwaiters && !c->ready && !c->held)
			return 0;
		int t = stop_wait_cap(c, c->ready ? 0 : next_timeout(c));
		if (c->ready)
			t = 0;
		int err = c->mech->wait_once(c, t);
		if (err && err != -EINTR)
			return err;
		expire(c);
	}
}

void rs_rcore_stop(struct rs_reactor *r)
{
	uint64_t one = 1;

	atomic_store(&r->stopping, true);
	ssize_t n = write(rs_rcore_of(r)->wake_fd, &one, sizeof(one)); /* async-signal-safe */
	(void)n;
}

/* ---- setup ---- */

void rs_rcore_fini(struct rs_rcore *c)
{
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	c->listen_fd = c->wake_fd = -1;
	if (c->base.fibers)
		rs_fiber_pool_destroy(c->base.fibers);
	c->base.fibers = NULL;
}

int rs_rcore_init(struct rs_rcore *c, const struct rs_reactor_cfg *cfg, const struct rs_engine_ops *ops,
		  const struct rs_rcore_mech *mech)
{
	int err, fl;

	c->base.ops = ops;
	c->base.cfg = *cfg;
	c->mech = mech;
	c->listen_fd = -1;
	c->ready_tail = &c->ready;
	c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->wake_fd < 0)
		err = -errno;
	else if (!(err = rs_fiber_pool_create(cfg->fiber_stack, &c->base.fibers)) &&
		 !(err = rs_listener_open(cfg->port, &c->listen_fd))) {
		/* accept4 runs until EAGAIN: the listener must not block. */
		fl = fcntl(c->listen_fd, F_GETFL);
		if (fl < 0 || fcntl(c->listen_fd, F_SETFL, fl | O_NONBLOCK))
			err = -errno;
		else
			err = rs_fiber_create(c->base.fibers, accept_main, c, &c->acceptor);
	}
	if (err)
		rs_rcore_fini(c);
	return err;
}
