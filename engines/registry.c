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

/*
 * The presets: what --engine=NAME means, a reactor plus a driver. One entry per
 * preset, in the order `harness engines` lists them; the test suite registers
 * its cases per preset from engines_built in drivers/meson.build.
 */
#define PRESET(name, summary, engine, driver) (&(const struct rs_preset){ name, summary, engine, driver })

static const struct rs_preset *const presets[] = {
#if RS_HAVE_URING && RS_HAVE_PGWIRE
	PRESET("uring", "io_uring reactor, pgwire on the same ring, inline resume", &rs_engine_uring, &rs_pg_pgwire),
#endif
#if RS_HAVE_EV && RS_HAVE_LIBPQ
	PRESET("epoll", "libev (epoll) reactor, libpq async", &rs_engine_ev, &rs_pg_libpq),
	PRESET("threadpool", "libev (epoll) reactor, blocking libpq on a worker pool", &rs_engine_threadpool,
	       &rs_pg_libpq_blocking),
#endif
#if RS_HAVE_URING && RS_HAVE_LIBPQ
	PRESET("uring-libpq", "io_uring reactor, libpq async with readiness as poll ops on the ring", &rs_engine_uring,
	       &rs_pg_libpq),
#endif
#if RS_HAVE_EV && RS_HAVE_PGWIRE
	PRESET("epoll-pgwire", "libev (epoll) reactor, pgwire on non-blocking sockets", &rs_engine_ev, &rs_pg_pgwire),
#endif
#if RS_HAVE_EV && RS_HAVE_LIBPQ
	PRESET("libev-uring", "libev's io_uring backend (readiness only), libpq async", &rs_engine_libev_uring,
	       &rs_pg_libpq),
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
