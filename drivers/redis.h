/* redis.h - the contract every Redis driver implements, the per-reactor connection pool, and the family table. */
#ifndef RS_REDIS_H
#define RS_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "buf.h"

struct rs_reactor;
struct rs_pg_ops;
struct rs_pool;
struct rs_redis_conn; /* each driver defines its own */

/* Where Redis is: "redis://HOST:PORT" (numeric IPv4 or localhost) or "unix:///PATH". */
struct rs_redis_addr {
	struct sockaddr_storage sa;
	socklen_t len;
	char host[64]; /* "127.0.0.1", or "" for a Unix socket */
	int port;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* 0, or -EINVAL after saying what is accepted. */
int rs_redis_url_parse(const char *url, struct rs_redis_addr *out);

struct rs_redis_ops {
	const char *name;    /* "resp", "hiredis", "hiredis-blocking" */
	unsigned engine_caps; /* RS_CAP_* the driver needs from the reactor */
	bool pipeline;        /* several fibers may send commands on one connection (the pool's shared mode) */
	/* From a fiber on r's thread: open a connection. 0 or a negative errno. */
	int (*connect)(struct rs_reactor *r, const struct rs_redis_addr *a, struct rs_redis_conn **out);
	/*
	 * From a fiber: send one command (argv/lens) and append its reply, one
	 * framed RESP2 value (drivers/resp/resp.h), to reply. An error reply is
	 * a reply (0). A negative errno means the connection is broken.
	 */
	int (*command)(struct rs_redis_conn *c, int argc, const char *const *argv, const size_t *lens,
		       struct rs_buf *reply);
	void (*close)(struct rs_redis_conn *c);
	/* The socket, for the pool's idle probe (drivers/pool.c); -1 when none. */
	int (*socket)(const struct rs_redis_conn *c);
};

/* The Redis driver of a Postgres driver's family: pgwire -> resp (hand-written,
 * on the reactor's sockets), libpq -> hiredis (readiness through sock_wait),
 * libpq-blocking -> hiredis-blocking (on the offload workers). NULL: none built. */
const struct rs_redis_ops *rs_redis_driver_for(const struct rs_pg_ops *pg);

/* Main thread, before the reactors: use this driver, address and pool shape. */
struct rs_redis_pool_cfg {
	int size;            /* connections per reactor */
	bool shared;         /* fibers pipeline on them (ops->pipeline only) */
	int pipeline_depth;  /* shared: fill one this deep before the next */
	int rent_timeout_ms;
};
void rs_redis_setup(const struct rs_redis_ops *ops, const struct rs_redis_addr *a, const struct rs_redis_pool_cfg *cfg);
bool rs_redis_configured(void);

/* Reactor thread, before it serves: *out, the reactor's Redis pool (drivers/pool.c,
 * exclusive rent), connecting in the background; NULL without rs_redis_setup.
 * 0 or a negative errno. The caller keeps it (app/: the reactor's app data). */
int rs_redis_pool_create(struct rs_reactor *r, struct rs_pool **out);
/* After reactor_run: free it (NULL: nothing). */
void rs_redis_pool_destroy(struct rs_pool *p);

/*
 * From a fiber: one command on a connection rented from p, this reactor's
 * pool (NULL without --redis). A connection that fails is discarded (the
 * pool replaces it) and the command tried on another, up to every connection of the pool plus one: a
 * killed connection or a Redis restart heals without failing a request.
 * 0 with the reply appended, -ENOTCONN without --redis, -ETIMEDOUT when no
 * connection came within the rent timeout, or a negative errno.
 */
int rs_redis_command(struct rs_pool *p, int argc, const char *const *argv, const size_t *lens,
		     struct rs_buf *reply);

#endif
