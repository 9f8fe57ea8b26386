/* registry.c - the engines and presets compiled into this build, selected by name at run time. */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "pg.h"
#include "rs_config.h"

#if RS_HAVE_URING
extern const struct rs_engine_ops rs_engine_uring;
#endif
#if RS_HAVE_PGWIRE
extern const struct rs_pg_ops rs_pg_pgwire;
#endif

static const struct rs_engine_ops *const engines[] = {
#if RS_HAVE_URING
	&rs_engine_uring,
#endif
	NULL,
};

#if RS_HAVE_URING && RS_HAVE_PGWIRE
static const struct rs_preset preset_uring = {
	"uring", "io_uring reactor, pgwire on the same ring, inline resume", &rs_engine_uring, &rs_pg_pgwire,
};
#endif

static const struct rs_preset *const presets[] = {
#if RS_HAVE_URING && RS_HAVE_PGWIRE
	&preset_uring,
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
