/* wl_db.h - the SQL workloads (TechEmpower rules), on the reactor's Postgres pool. */
#ifndef RS_WL_DB_H
#define RS_WL_DB_H

#include <stddef.h>

#include "buf.h"
#include "http.h"

struct rs_reactor;

int rs_wl_db(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);
int rs_wl_queries(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);
int rs_wl_fortunes(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);
int rs_wl_updates(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);
int rs_wl_select42(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);
int rs_wl_sleep(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);
int rs_wl_error(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);

/* Write s as a JSON string literal into dst (room for 6 * strlen(s) + 2). */
size_t rs_json_string(char *dst, const char *s);

/* TechEmpower's count rule for query parameter name: missing or not a number -> 1, clamped to 1..500. */
int rs_wl_count_param(const struct rs_http_request *req, const char *name);
/* A random World id, 1..10000, from a per-thread generator. */
int rs_wl_random_row(void);
/* TechEmpower's "queries" parameter: missing, non-numeric or < 1 -> 1; > 500 -> 500. */
int rs_wl_queries_param(const struct rs_http_request *req);

#endif
