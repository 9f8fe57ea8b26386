/* pool.h - the per-reactor Postgres connection pool, the same for every driver. */
#ifndef RS_POOL_H
#define RS_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "pg.h"

struct rs_reactor;
struct rs_pg_pool;

struct rs_pg_pool_cfg {
	const struct rs_pg_ops *ops;
	const struct rs_pg_conninfo *ci; /* must outlive the pool */
	int size;                        /* connections in this reactor's pool */
	bool shared;                     /* fibers pipeline over the connections (no exclusive rent) */
	int pipeline_depth;              /* shared: fill a connection to this many queries before the next */
	int rent_timeout_ms;             /* a rent that waits longer fails with -ETIMEDOUT (answer 503) */
	int query_timeout_ms;            /* 0: none; else a rent held longer gets a CancelRequest */
};

struct rs_pg_pool_stats {
	int connected;      /* connections up now */
	int waiting;        /* fibers queued for a connection */
	uint64_t connects;  /* successful connects, warm-up included */
	uint64_t failures;  /* failed connect attempts */
	uint64_t discarded; /* broken connections thrown away */
	uint64_t timeouts;  /* rents that gave up */
	uint64_t cancels;   /* CancelRequests sent for queries over query_timeout_ms */
};

/*
 * Make r's pool and start warming it up: one connecting fiber per slot, all
 * at once, without blocking; plus a maintenance fiber that replaces broken
 * connections with backoff, expires waiting rents and, when the reactor
 * stops, closes the connections and ends. Reactor thread, scheduler or fiber
 * context. Fills *out; returns 0 or a negative errno.
 */
int rs_pg_pool_create(struct rs_reactor *r, const struct rs_pg_pool_cfg *cfg, struct rs_pg_pool **out);

/*
 * From a fiber: get a connection. Exclusive mode: one fiber per connection;
 * when none is idle the fiber waits in a FIFO and is resumed inline, on this
 * thread, by the fiber that returns one (or by the connect that lands).
 * Shared mode: the least busy live connection, which the caller pipelines
 * on. Returns 0, -ETIMEDOUT after rent_timeout_ms, -ESHUTDOWN when stopping.
 */
int rs_pg_pool_rent(struct rs_pg_pool *p, struct rs_pg_conn **out);

/* From a fiber: give the connection back. A broken one is closed and replaced
 * in the background. */
void rs_pg_pool_return(struct rs_pg_pool *p, struct rs_pg_conn *c);

/* Connections the pool keeps (--pool). */
int rs_pg_pool_size(const struct rs_pg_pool *p);

/* The driver the pool was made with. */
const struct rs_pg_ops *rs_pg_pool_ops(const struct rs_pg_pool *p);

void rs_pg_pool_stats(const struct rs_pg_pool *p, struct rs_pg_pool_stats *out);

/* Free the pool once its maintenance fiber has ended (after reactor_run). */
void rs_pg_pool_destroy(struct rs_pg_pool *p);

#endif
