/* PLACEHOLDER - being written; not functional. */
#include "pg.h"
const struct rs_pg_ops rs_pg_libpq = { .name = "rs_pg_libpq" };
