/* registry.c - the engines and presets compiled into this build, selected by name at run time. */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "pg.h"
#include "rs_config.h"

#if RS_HAVE_URING
extern const struct rs_engine_ops rs_engine_uring;
#endif
#if RS_HAVE_EV
extern const struct rs_engine_ops rs_engine_ev;          /* libev, EVBACKEND_EPOLL */
extern const struct rs_engine_ops rs_engine_libev_uring; /* libev, EVBACKEND_IOURING (readiness) */
extern const struct rs_engine_ops rs_engine_threadpool;  /* libev + offload to workers */
#endif
#if RS_HAVE_PGWIRE
extern const struct rs_pg_ops rs_pg_pgwire;
#endif
#if RS_HAVE_LIBPQ
extern const struct rs_pg_ops rs_pg_libpq;          /* async: readiness through the reactor */
extern const struct rs_pg_ops rs_pg_libpq_blocking; /* blocking calls run through offload() */
#endif

static const struct rs_engine_ops *const engines[] = {
#if RS_HAVE_URING
	&rs_engine_uring,
#endif
#if RS_HAVE_EV
	&rs_engine_ev,
	&rs_engine_libev_uring,
	&rs_engine_threadpool,
#endif
	NULL,
};

#define PRESET(var, name, summary, engine, driver) \
	static const struct rs_preset var = { name, summary, engine, driver }

#if RS_HAVE_URING && RS_HAVE_PGWIRE
PRESET(p_uring, "uring", "io_uring reactor, pgwire on the same ring, inline resume", &rs_engine_uring,
       &rs_pg_pgwire);
#endif
#if RS_HAVE_EV && RS_HAVE_LIBPQ
PRESET(p_epoll, "epoll", "libev (epoll) reactor, libpq async", &rs_engine_ev, &rs_pg_libpq);
PRESET(p_threadpool, "threadpool", "libev (epoll) reactor, blocking libpq on a worker pool", &rs_engine_threadpool,
       &rs_pg_libpq_blocking);
PRESET(p_libev_uring, "libev-uring", "libev's io_uring backend (readiness only), libpq async",
       &rs_engine_libev_uring, &rs_pg_libpq);
#endif
#if RS_HAVE_URING && RS_HAVE_LIBPQ
PRESET(p_uring_libpq, "uring-libpq", "io_uring reactor, libpq async with readiness as poll ops on the ring",
       &rs_engine_uring, &rs_pg_libpq);
#endif
#if RS_HAVE_EV && RS_HAVE_PGWIRE
PRESET(p_epoll_pgwire, "epoll-pgwire", "libev (epoll) reactor, pgwire on non-blocking sockets", &rs_engine_ev,
       &rs_pg_pgwire);
#endif

static const struct rs_preset *const presets[] = {
#if RS_HAVE_URING && RS_HAVE_PGWIRE
	&p_uring,
#endif
#if RS_HAVE_EV && RS_HAVE_LIBPQ
	&p_epoll,
	&p_threadpool,
#endif
#if RS_HAVE_URING && RS_HAVE_LIBPQ
	&p_uring_libpq,
#endif
#if RS_HAVE_EV && RS_HAVE_PGWIRE
	&p_epoll_pgwire,
#endif
#if RS_HAVE_EV && RS_HAVE_LIBPQ
	&p_libev_uring,
#endif
	NULL,
};

const struct rs_engine_ops *const *rs_engine_list(void)
{
	return engines;
}

const struct rs_engine_ops *rs_engine_find(const char *name)
{
	for (size_t i = 0; engines[i]; i++)
		if (!strcmp(engines[i]->name, name))
			return engines[i];
	return NULL;
}

const struct rs_preset *const *rs_preset_list(void)
{
	return presets;
}

const struct rs_preset *rs_preset_find(const char *name)
{
	for (size_t i = 0; presets[i]; i++)
		if (!strcmp(presets[i]->name, name))
			return presets[i];
	return NULL;
}

void rs_engine_names(char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; presets[i] && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", presets[i]->name);
}
