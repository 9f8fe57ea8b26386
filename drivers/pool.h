/* pool.h - the per-reactor connection pool, the same for every driver of every backend (Postgres, Redis). */
#ifndef RS_POOL_H
#define RS_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "pg.h"

struct rs_reactor;
struct rs_pool;

/*
 * What the pool needs of a driver. ctx is the driver's own ops table
 * (rs_pg_ops, rs_redis_ops), target where to connect (conninfo, address);
 * connections are opaque to the pool. Every slot but socket/is_broken is
 * called from a fiber on the pool's reactor.
 */
struct rs_pool_driver {
	const char *backend; /* "Postgres", "Redis": for the log lines */
	int (*connect)(const void *ctx, struct rs_reactor *r, const void *target, void **out);
	void (*close)(const void *ctx, void *c);
	/* NULL: a connection breaks only by rs_pool_discard. */
	bool (*is_broken)(const void *ctx, const void *c);
	/* NULL: queries past query_timeout_ms are not cancelled. */
	int (*cancel)(const void *ctx, void *c);
	/* NULL: idle connections are not probed (rs_sock_idle_lost). */
	int (*socket)(const void *ctx, const void *c);
};

struct rs_pool_cfg {
	const struct rs_pool_driver *driver;
	const void *ctx;                 /* the driver's ops */
	const void *target;              /* must outlive the pool */
	int size;                        /* connections in this reactor's pool */
	bool shared;                     /* fibers pipeline over the connections (no exclusive rent) */
	int pipeline_depth;              /* shared: fill a connection to this many requests before the next */
	int rent_timeout_ms;             /* a rent that waits longer fails with -ETIMEDOUT (answer 503) */
	int query_timeout_ms;            /* 0: none; else a statement running longer gets a cancel */
};

/*
 * One request's statements on its rented connection, so the pool can time
 * each statement on its own (query_timeout_ms) and cancel the statement of
 * a client that went away. Lives with the caller (its stack), zeroed,
 * client_fd set; rs_pool_stmt_begin before each statement, rs_pool_stmt_end
 * when its answer is in.
 */
struct rs_pool_stmt {
	int client_fd;                 /* the HTTP client it answers; -1 none */
	const bool *client_gone_seen;  /* the engine's own word that it went (rs_http_request.client_gone); NULL none */
	bool client_gone;              /* the client reset or closed (set by the pool): start nothing more for it */
	/* the pool's */
	struct rs_pool_stmt *next;     /* the connection's statements in flight, oldest first */
	void *slot;
	uint64_t head_ns;              /* when it reached the head of that list (its send, on a quiet connection) */
	bool cancelled;                /* a cancel went out for it */
};

struct rs_pool_stats {
	int connected;      /* connections up now */
	int waiting;        /* fibers queued for a connection */
	uint64_t connects;  /* successful connects, warm-up included */
	uint64_t failures;  /* failed connect attempts */
	uint64_t discarded; /* broken connections thrown away */
	uint64_t timeouts;  /* rents that gave up */
	uint64_t cancels;   /* cancels sent: statements over query_timeout_ms, or of a client that went away */
};

/*
 * Make r's pool and start warming it up: one connecting fiber per slot, all
 * at once, without blocking; plus a maintenance fiber that replaces broken
 * connections with backoff, probes idle ones, expires waiting rents and,
 * when the reactor stops, closes the connections and ends. Reactor thread,
 * scheduler or fiber context. Fills *out; returns 0 or a negative errno.
 */
int rs_pool_create(struct rs_reactor *r, const struct rs_pool_cfg *cfg, struct rs_pool **out);

/*
 * From a fiber: get a connection. Exclusive mode: one fiber per connection;
 * when none is idle the fiber waits in a FIFO and is resumed inline, on this
 * thread, by the fiber that returns one (or by the connect that lands).
 * Shared mode: the least busy live connection, which the caller pipelines
 * on. Returns 0, -ETIMEDOUT after rent_timeout_ms, -ESHUTDOWN when stopping,
 * or the connect error (-ECONNREFUSED...) while the pool is down
 * (rs_pool_down): the rent then waits only for one reconnect attempt it
 * starts at once, so requests do not pile up for the whole rent timeout.
 */
int rs_pool_rent(struct rs_pool *p, void **out);

/* Around each statement on c (rented from p): see struct rs_pool_stmt. */
void rs_pool_stmt_begin(struct rs_pool *p, void *c, struct rs_pool_stmt *t);
void rs_pool_stmt_end(struct rs_pool_stmt *t);

/* The connect error while the pool is down (no connection up and the last
 * reconnect failed): rents then fail at once with it. 0 otherwise. */
int rs_pool_down(const struct rs_pool *p);

/* From a fiber: give the connection back. A broken one is closed and replaced
 * in the background. */
void rs_pool_return(struct rs_pool *p, void *c);
/* Give it back as broken (the caller saw it fail): closed and replaced. */
void rs_pool_discard(struct rs_pool *p, void *c);

int rs_pool_size(const struct rs_pool *p);
const void *rs_pool_ctx(const struct rs_pool *p);
void rs_pool_stats(const struct rs_pool *p, struct rs_pool_stats *out);
/* Free the pool once its maintenance fiber has ended (after reactor_run). */
void rs_pool_destroy(struct rs_pool *p);

/* ---- the Postgres pool: the pool over an rs_pg_ops driver (pg_pool.c) ---- */

struct rs_pg_pool; /* an rs_pool whose ctx is an rs_pg_ops */

struct rs_pg_pool_cfg {
	const struct rs_pg_ops *ops;
	const struct rs_pg_conninfo *ci; /* must outlive the pool */
	int size;
	bool shared;
	int pipeline_depth;
	int rent_timeout_ms;
	int query_timeout_ms;            /* 0: none; else a statement running longer gets a CancelRequest */
};

int rs_pg_pool_create(struct rs_reactor *r, const struct rs_pg_pool_cfg *cfg, struct rs_pg_pool **out);
int rs_pg_pool_rent(struct rs_pg_pool *p, struct rs_pg_conn **out);
void rs_pg_pool_return(struct rs_pg_pool *p, struct rs_pg_conn *c);
void rs_pg_pool_stmt_begin(struct rs_pg_pool *p, struct rs_pg_conn *c, struct rs_pool_stmt *t);
int rs_pg_pool_down(const struct rs_pg_pool *p);
int rs_pg_pool_size(const struct rs_pg_pool *p);
const struct rs_pg_ops *rs_pg_pool_ops(const struct rs_pg_pool *p);
void rs_pg_pool_stats(const struct rs_pg_pool *p, struct rs_pool_stats *out);
void rs_pg_pool_destroy(struct rs_pg_pool *p);

#endif
