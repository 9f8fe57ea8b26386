/* wl_redis.c - /redis-get and /cached-queries: one Redis command per request, the reply walked as RESP2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "redis.h"
#include "resp.h"
#include "wl_db.h"
#include "wl_redis.h"
#include "workloads.h"

#define MAX_COUNT 500

/* A failed command: 503 without --redis or when the connection broke (the next request reconnects). */
static int respond_failure(int err, const struct rs_http_request *req, struct rs_buf *out)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "redis: %s", err == -ENOTCONN ? "no --redis" : strerror(-err));
	return rs_http_respond(out, 503, "text/plain", msg, (size_t)n, req->keep_alive);
}

/* An error reply reaches the client as 500 with Redis's message. */
static int respond_error_reply(const struct rs_resp_value *v, const struct rs_http_request *req, struct rs_buf *out)
{
	return rs_http_respond(out, 500, "text/plain", v->str, v->len, req->keep_alive);
}

/* Run one command; on success *v is the reply's first value and w walks the rest. */
static int command(struct rs_reactor *r, int argc, const char *const *argv, const size_t *lens, struct rs_buf *reply,
		   struct rs_resp_walk *w, struct rs_resp_value *v)
{
	int err = rs_redis_command(rs_wl_redis(r), argc, argv, lens, reply);
	if (err) {
		rs_buf_free(reply);
		return err;
	}
	rs_resp_walk_init(w, rs_buf_head(reply), reply->len);
	rs_resp_next(w, v);
	return 0;
}

int rs_wl_redis_get(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	char key[64];
	size_t klen = 0;
	const char *k = rs_http_query_param(req, "key", &klen);
	if (!k || !klen || klen >= sizeof(key))
		klen = (size_t)snprintf(key, sizeof(key), "key:%d", rs_wl_random_row() % RS_REDIS_KEYS + 1);
	else
		memcpy(key, k, klen);
	const char *argv[] = { "GET", key };
	const size_t lens[] = { 3, klen };
	struct rs_buf reply = { 0 };
	struct rs_resp_walk w;
	struct rs_resp_value v;
	int err = command(r, 2, argv, lens, &reply, &w, &v);
	if (err)
		return respond_failure(err, req, out);
	if (v.type == RS_RESP_BULK && v.str)
		err = rs_http_respond(out, 200, "text/plain", v.str, v.len, req->keep_alive);
	else if (v.type == RS_RESP_BULK)
		err = rs_http_respond_error(out, 404, req->keep_alive);
	else if (v.type == RS_RESP_ERROR)
		err = respond_error_reply(&v, req, out);
	else
		err = rs_http_respond_error(out, 500, req->keep_alive);
	rs_buf_free(&reply);
	return err;
}

int rs_wl_cached_queries(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	int n = rs_wl_count_param(req, "count");
	/* Per request, not per thread: other fibers of this reactor run while this one waits for
	 * Redis, and a thread-pool worker reads argv while the reactor goes on. */
	struct mget {
		char keys[MAX_COUNT][16];
		const char *argv[MAX_COUNT + 1];
		size_t lens[MAX_COUNT + 1];
	} *mg = malloc(sizeof(*mg));
	if (!mg)
		return rs_http_respond_error(out, 503, req->keep_alive);
	char (*keys)[16] = mg->keys;
	const char **argv = mg->argv;
	size_t *lens = mg->lens;
	argv[0] = "MGET";
	lens[0] = 4;
	for (int i = 0; i < n; i++) {
		lens[i + 1] = (size_t)snprintf(keys[i], sizeof(keys[i]), "world:%d", rs_wl_random_row());
		argv[i + 1] = keys[i];
	}
	struct rs_buf reply = { 0 }, body = { 0 };
	struct rs_resp_walk w;
	struct rs_resp_value v;
	int err = command(r, n + 1, argv, lens, &reply, &w, &v);
	if (err) {
		free(mg);
		return respond_failure(err, req, out);
	}
	if (v.type == RS_RESP_ERROR) {
		err = respond_error_reply(&v, req, out);
	} else if (v.type != RS_RESP_ARRAY || v.n != n) {
		err = rs_http_respond_error(out, 500, req->keep_alive);
	} else {
		err = rs_buf_append(&body, "[", 1);
		for (int i = 0; !err && i < n; i++) {
			rs_resp_next(&w, &v);
			if (v.type != RS_RESP_BULK || !v.str) {
				/* Not cached: say which, rather than serve a short array. */
				char msg[64];
				int m = snprintf(msg, sizeof(msg), "%s is not in Redis: `harness redis load`", keys[i]);
				rs_buf_clear(&body);
				err = rs_http_respond(out, 500, "text/plain", msg, (size_t)m, req->keep_alive);
				goto done;
			}
			err = rs_buf_append(&body, ",", i ? 1 : 0);
			if (!err)
				err = rs_buf_append(&body, v.str, v.len);
		}
		if (!err)
			err = rs_buf_append(&body, "]", 1);
		if (!err)
			err = rs_http_respond(out, 200, "application/json", rs_buf_head(&body), body.len, req->keep_alive);
	}
done:
	rs_buf_free(&reply);
	rs_buf_free(&body);
	free(mg);
	return err;
}
