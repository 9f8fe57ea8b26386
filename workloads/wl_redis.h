/* wl_redis.h - the Redis workloads: /redis-get and /cached-queries, through the preset's Redis driver. */
#ifndef RS_WL_REDIS_H
#define RS_WL_REDIS_H

#include "buf.h"
#include "http.h"

struct rs_reactor;

#define RS_REDIS_KEYS 10000 /* key:1 .. key:10000, loaded by `harness redis load` */

/* GET key:<random 1..10000> (or ?key=K): 200 with the value, 404 nil, 500 an error reply with its message. */
int rs_wl_redis_get(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);
/* ?count=N (1..500): N random World rows from Redis (world:<id>, cached from Postgres) as a JSON array. */
int rs_wl_cached_queries(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);

#endif
