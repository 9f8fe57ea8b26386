/* PLACEHOLDER - being written; not functional. */
#include <errno.h>
#include "engine.h"
static int stub_probe(const char **why) { *why = "not implemented yet"; return -ENOSYS; }
const struct rs_engine_ops rs_engine_threadpool = { .name = "rs_engine_threadpool", .summary = "placeholder", .probe = stub_probe };
