/* registry.c - the engines compiled into this build, selected by name at run time. */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "rs_config.h"

#if RS_HAVE_URING
extern const struct rs_engine_ops rs_engine_uring;
#endif

static const struct rs_engine_ops *const engines[] = {
#if RS_HAVE_URING
	&rs_engine_uring,
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

void rs_engine_names(char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; engines[i] && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", engines[i]->name);
}
