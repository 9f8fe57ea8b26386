/* ev_internal.h - the libev mechanism on the shared readiness core, for the epoll, libev-uring and threadpool engines. */
#ifndef RS_EV_INTERNAL_H
#define RS_EV_INTERNAL_H

#include <ev.h>

#include "rcore.h"

struct rs_ev_fd;

/*
 * One libev loop per reactor thread, supplying the core's wait. The
 * threadpool engine embeds this struct first in its own reactor and adds
 * a watcher on its own loop; the epoll and libev-uring engines use it as
 * it is, differing only in the libev backend they ask for.
 */
struct rs_ev_reactor {
	struct rs_rcore core;
	struct ev_loop *loop;
	unsigned backend;           /* EVBACKEND_* this loop was created with */
	ev_io wake_w;               /* the core's wake eventfd */
	ev_timer tick;              /* one wait's timeout */
	struct rs_ev_fd **fds;      /* watcher state, indexed by fd */
	int nfds;
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

#endif
