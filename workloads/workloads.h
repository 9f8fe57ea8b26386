/* workloads.h - the HTTP(+SQL) handlers, written once and run on every engine. */
#ifndef RS_WORKLOADS_H
#define RS_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "http.h"

struct rs_reactor;
struct rs_pg_pool;
struct rs_pool;

/*
 * What the workloads need of a reactor: its pools. The composition root
 * (app/server.c) makes them on the reactor's thread and hangs this on the
 * reactor's opaque app pointer (rs_reactor.app); the workloads read it back
 * through rs_wl_pg and rs_wl_redis, so engine.h names no driver type.
 */
struct rs_wl_reactor {
	struct rs_pg_pool *pg; /* NULL without a DB */
	struct rs_pool *redis; /* NULL without --redis */
};

/* r's Postgres pool / Redis pool, NULL when it has none. */
struct rs_pg_pool *rs_wl_pg(const struct rs_reactor *r);
struct rs_pool *rs_wl_redis(const struct rs_reactor *r);

/* What a right answer's body is: the load generator checks every 200 against it. */
enum rs_wl_answer {
	RS_ANSWER_ANY,      /* any 200 */
	RS_ANSWER_HELLO,    /* Hello, World! */
	RS_ANSWER_JSON,     /* {"message":"Hello, World!"} */
	RS_ANSWER_WORLD,    /* one World object */
	RS_ANSWER_WORLDS,   /* an array of queries=N World objects (clamped to 1..500) */
	RS_ANSWER_FORTUNES, /* the fortunes page, with the row added at request time */
	RS_ANSWER_DB42,     /* db=42 */
	RS_ANSWER_SLEPT,    /* slept=... */
	RS_ANSWER_NONE,     /* no 200 is right (/error) */
};

/*
 * The one workload table: the server routes a path to its handler, `harness
 * run --workload=NAME` asks for the path (with the parameter) and knows whether
 * it needs Postgres, and the load generator checks the answer.
 */
struct rs_workload {
	const char *name;   /* --workload=NAME; NULL: a route only (for tests) */
	const char *path;   /* "/file" also owns "/file/<name>" */
	const char *param;  /* the query parameter taking --queries ("ms": --sleep-ms), NULL if none */
	bool db;            /* needs Postgres (cached-queries: the rows it caches at start) */
	enum rs_wl_answer answer;
	int (*handle)(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);
};

extern const struct rs_workload rs_workloads[];
extern const size_t rs_nworkloads;

/* The workload of --workload=name, NULL if none. */
const struct rs_workload *rs_workload_named(const char *name);
/* The workload routing path (len bytes, without the query), NULL if none. */
const struct rs_workload *rs_workload_at(const char *path, size_t len);

/*
 * Route req to its handler and append exactly one response to out (404 for
 * an unknown path, 405 for a method other than GET on a known one): the
 * rs_request_handler app/ gives the reactors.
 * Called from the connection's fiber; a handler that talks to Postgres
 * suspends the fiber. Returns 0, or a negative errno when the connection
 * must be dropped (out of memory).
 */
int rs_workload_handle(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);

#endif
