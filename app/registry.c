/* registry.c - the presets compiled into this build (app/presets.tsv), selected by name at run time. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "pg.h"
#include "preset.h"
#include "rs_config.h"
#include "rs_presets.h"

extern const struct rs_engine_ops rs_engine_poll; /* poll(2), no library */
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

#define RS_PRESET(name, summary, engine, driver) (&(const struct rs_preset){ name, summary, &engine, &driver }),

static const struct rs_preset *const presets[] = { RS_PRESETS_BUILT NULL };

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

int rs_presets_check(char *why, size_t size)
{
	for (size_t i = 0; presets[i]; i++) {
		const struct rs_preset *p = presets[i];
		unsigned missing = p->driver->engine_caps & ~p->engine->caps;
		if (missing) {
			snprintf(why, size,
				 "preset %s: driver %s needs reactor capabilities 0x%x that reactor %s lacks (it has 0x%x)",
				 p->name, p->driver->name, missing, p->engine->name, p->engine->caps);
			return -EINVAL;
		}
	}
	return 0;
}

void rs_preset_names(char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; presets[i] && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", presets[i]->name);
}

const char *rs_preset_palette_order(void)
{
	return RS_PRESETS_ALL;
}
