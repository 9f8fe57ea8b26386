/* rcore.h - the shared readiness reactor core: the rules every readiness engine keeps, on a mechanism it supplies. */
#ifndef RS_RCORE_H
#define RS_RCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct rs_rcore;

/* A fiber suspended on fd readiness and/or a deadline; lives on that fiber's stack. */
struct rs_rcore_wait {
	struct rs_fiber *fiber;
	int fd;                    /* -1: a plain sleep */
	int events;                /* POLLIN | POLLOUT wanted */
	int res;                   /* handed to the fiber on resume */
	int64_t deadline_ms;       /* rs_clock_ms() time it gives up at; 0 = never */
	struct rs_conn *conn;      /* a connection's read: swept for its deadline and woken by stop */
	bool accept;               /* the listener's: does not keep a stopped reactor running */
	struct rs_rcore_wait *prev, *next;
	struct rs_rcore_wait *tprev, *tnext; /* the timed list (a deadline, no conn): scanned every turn */
	struct rs_rcore_wait *mnext;         /* the mechanism's own link (e.g. a per-fd list) */
};

/* What an engine supplies: the readiness mechanism. */
struct rs_rcore_mech {
	/* Wait at most timeout_ms (-1: no limit) for any waiter of c->waiters or c->wake_fd to be
	 * ready; call rs_rcore_ready() for each ready waiter (never resume one). 0 or -errno. */
	int (*wait_once)(struct rs_rcore *c, int timeout_ms);
	/* Optional: a waiter was added or removed (an epoll engine would epoll_ctl here). */
	void (*arm)(struct rs_rcore *c, struct rs_rcore_wait *w);
	void (*disarm)(struct rs_rcore *c, struct rs_rcore_wait *w);
	/* Optional: close fd, a connection's, the listener or a client socket the core closes (default
	 * close(2)); a mechanism that must forget the fd first does so here. It may close later from
	 * its loop: it counts c->held up until then, and the core's run waits for held to reach 0. */
	void (*fd_close)(struct rs_rcore *c, int fd);
	/* Optional: fd is a new number (accept, socket): what an earlier socket of that number left
	 * behind (libpq and hiredis close theirs without the engine) is stale. */
	void (*fd_new)(struct rs_rcore *c, int fd);
};

/* Engines embed this first in their reactor (it embeds struct rs_reactor first). */
struct rs_rcore {
	struct rs_reactor base;
	const struct rs_rcore_mech *mech;
	int listen_fd;             /* non-blocking; -1 once stopped */
	int wake_fd;               /* eventfd reactor_stop writes; the mechanism watches it for POLLIN */
	struct rs_fiber *acceptor; /* the accept fiber until run first resumes it: nothing is served before */
	bool stop_seen;
	bool stop_forced;           /* the grace after stop ran out: every connection's wait ended */
	bool stop_reported;         /* what still held the exit was said (stop_wait_cap) */
	int64_t stop_ms;           /* when stop was seen */
	struct rs_rcore_wait *waiters; /* suspended, not yet ready */
	unsigned nwaiters;
	struct rs_rcore_wait *timed;   /* the waiters with a deadline and no conn, also in waiters */
	unsigned held;                 /* fds the mechanism's fd_close has yet to close */
	struct rs_rcore_wait *ready;   /* ready, resumed by the loop in this order */
	struct rs_rcore_wait **ready_tail;
	int64_t next_sweep_ms;
};

static inline struct rs_rcore *rs_rcore_of(struct rs_reactor *r)
{
	return (struct rs_rcore *)r;
}

/* Set up c (zeroed by the caller): fiber pool, listener, wake eventfd, the accept fiber (first
 * run by rs_rcore_run: the server attaches the pool in between, and serves nothing before).
 * On failure everything is released. 0 or a negative errno. */
int rs_rcore_init(struct rs_rcore *c, const struct rs_reactor_cfg *cfg, const struct rs_engine_ops *ops,
		  const struct rs_rcore_mech *mech);
/* Release what rs_rcore_init set up; c itself is the caller's. */
void rs_rcore_fini(struct rs_rcore *c);

/* From the mechanism's wait_once: w is ready with poll(2) revents. */
void rs_rcore_ready(struct rs_rcore *c, struct rs_rcore_wait *w, int revents);
/* Suspend the current fiber on w (fd -1 and no deadline: until rs_rcore_wake); w->res. */
int rs_rcore_suspend(struct rs_rcore *c, struct rs_rcore_wait *w);
/* w is done with res: the loop resumes its fiber (never the caller: no nesting). */
void rs_rcore_wake(struct rs_rcore *c, struct rs_rcore_wait *w, int res);

/* The engine ops the core implements: set these slots to them. */
int rs_rcore_run(struct rs_reactor *r);
void rs_rcore_stop(struct rs_reactor *r);
ssize_t rs_rcore_conn_read(struct rs_conn *conn);
int rs_rcore_conn_flush(struct rs_conn *conn);
int rs_rcore_sock_connect(struct rs_reactor *r, const struct sockaddr *sa, socklen_t len, int *fd_out);
int rs_rcore_sock_wait(struct rs_reactor *r, int fd, int events, int timeout_ms);
void rs_rcore_sock_close(struct rs_reactor *r, int fd);
void rs_rcore_sock_adopt(struct rs_reactor *r, int fd);
int rs_rcore_sleep_ms(struct rs_reactor *r, int ms);

/* Those slots, for an engine's table: { .name = ..., .reactor_create = ..., RS_RCORE_OPS }. */
#define RS_RCORE_OPS                                                                          \
	.reactor_run = rs_rcore_run, .reactor_stop = rs_rcore_stop, .conn_read = rs_rcore_conn_read, \
	.conn_flush = rs_rcore_conn_flush, .sock_connect = rs_rcore_sock_connect,                 \
	.sock_wait = rs_rcore_sock_wait, .sock_close = rs_rcore_sock_close,                      \
	.sock_adopt = rs_rcore_sock_adopt, .sleep_ms = rs_rcore_sleep_ms

#endif
