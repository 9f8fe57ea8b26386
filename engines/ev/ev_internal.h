/* ev_internal.h - the libev reactor shared by the epoll, libev-uring and threadpool engines. */
#ifndef RS_EV_INTERNAL_H
#define RS_EV_INTERNAL_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct rs_ev_conn;
struct rs_ev_slot;

/*
 * One libev loop per reactor thread. The threadpool engine embeds this
 * struct first in its own reactor and adds the offload machinery; the
 * epoll and libev-uring engines use it as it is, differing only in the
 * libev backend they ask for.
 */
struct rs_ev_reactor {
	struct rs_reactor base;
	struct ev_loop *loop;
	unsigned backend;           /* EVBACKEND_* this loop was created with */

	int listen_fd;
	ev_io accept_w;
	ev_timer accept_pause;      /* re-enables accept after EMFILE and friends */
	ev_async stop_w;            /* reactor_stop pokes this, from any thread */
	bool stop_seen;

	struct rs_ev_conn **conns;  /* by slot, allocated lazily and reused */
	uint32_t *free_slots;
	uint32_t nfree;
	uint32_t nslots;
	uint32_t hiwater;           /* slots ever used are below this: the sweep stops here */
	ev_timer sweep;             /* deadline sweep, running while there are connections */

	struct rs_ev_slot **fds;    /* client-socket state, indexed by fd */
	int nfds;
	unsigned pending;           /* fibers waiting on a socket, timer or worker */
};

static inline struct rs_ev_reactor *rs_ev_of(struct rs_reactor *r)
{
	return (struct rs_ev_reactor *)r;
}

/* Set up er (zeroed by the caller, who may have embedded it in a bigger
 * struct) with a loop on exactly `backend`. On failure everything set up
 * so far is released; the caller frees er. 0 or a negative errno. */
int rs_ev_reactor_init(struct rs_ev_reactor *er, const struct rs_reactor_cfg *cfg,
		       const struct rs_engine_ops *ops, unsigned backend);
/* Release what rs_ev_reactor_init set up; er itself is the caller's. */
void rs_ev_reactor_fini(struct rs_ev_reactor *er);

/* Can libev give us a loop on exactly `backend` here? */
int rs_ev_probe_backend(unsigned backend, const char **why);

/* The shared ops (ev.c): every engine built on this reactor uses them. */
int rs_ev_reactor_run(struct rs_reactor *r);
void rs_ev_reactor_stop(struct rs_reactor *r);
ssize_t rs_ev_conn_read(struct rs_conn *c);
int rs_ev_conn_flush(struct rs_conn *c);

/* Client sockets and time (ev_sock.c). */
int rs_ev_sock_connect(struct rs_reactor *r, const struct sockaddr *sa, socklen_t len, int *fd_out);
int rs_ev_sock_wait(struct rs_reactor *r, int fd, int events, int timeout_ms);
void rs_ev_sock_close(struct rs_reactor *r, int fd);
int rs_ev_sleep_ms(struct rs_reactor *r, int ms);

/* A new file descriptor number appeared (accept, socket): whatever state
 * an earlier socket with that number left behind is stale. */
void rs_ev_fd_fresh(struct rs_ev_reactor *er, int fd);
/* Free the client-socket table; no fiber may be waiting. */
void rs_ev_fds_free(struct rs_ev_reactor *er);

#endif
