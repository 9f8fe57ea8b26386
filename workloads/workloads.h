/* workloads.h - the HTTP(+SQL) handlers, written once and run on every engine. */
#ifndef RS_WORKLOADS_H
#define RS_WORKLOADS_H

#include "buf.h"
#include "http.h"

struct rs_reactor;

/*
 * Route req to its handler and append exactly one response to out (404 for
 * an unknown path, 405 for a method other than GET/HEAD on a known one).
 * Called from the connection's fiber; a handler that talks to Postgres
 * suspends the fiber. Returns 0, or a negative errno when the connection
 * must be dropped (out of memory).
 */
int rs_workload_handle(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);

/* NULL-terminated list of the workload paths, e.g. "/plaintext". */
const char *const *rs_workload_paths(void);

#endif
