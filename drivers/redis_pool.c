/* redis_pool.c - the Redis URL, the family table, and each reactor's Redis pool (pool.c: exclusive, or pipelined where the driver can). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "pg.h"
#include "pool.h"
#include "redis.h"
#include "rs_config.h"

static const struct rs_redis_ops *g_ops;
static struct rs_redis_addr g_addr;
static struct rs_redis_pool_cfg g_cfg;

int rs_redis_url_parse(const char *url, struct rs_redis_addr *out)
{
	*out = (struct rs_redis_addr){ 0 };
	if (!strncmp(url, "unix://", 7) && url[7] == '/' && strlen(url + 7) < sizeof(out->path)) {
		struct sockaddr_un *su = (struct sockaddr_un *)&out->sa;
		snprintf(out->path, sizeof(out->path), "%s", url + 7);
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, out->path, strlen(out->path) + 1);
		out->len = sizeof(*su);
		return 0;
	}
	char host[64];
	int port = 6379, n = 0;
	if (!strncmp(url, "redis://", 8) &&
	    (sscanf(url + 8, "%63[^:/]:%d%n", host, &port, &n) == 2 || sscanf(url + 8, "%63[^:/]%n", host, &n) == 1) &&
	    (url[8 + n] == '\0' || !strcmp(url + 8 + n, "/")) && port > 0 && port < 65536) {
		struct sockaddr_in *si = (struct sockaddr_in *)&out->sa;
		if (!strcmp(host, "localhost"))
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &si->sin_addr) == 1) {
			si->sin_family = AF_INET;
			si->sin_port = htons((uint16_t)port);
			out->len = sizeof(*si);
			snprintf(out->host, sizeof(out->host), "%s", host);
			out->port = port;
			return 0;
		}
	}
	fprintf(stderr, "ringside: --redis=%s: expected redis://IPV4:PORT (or localhost) or unix:///PATH\n", url);
	return -EINVAL;
}

#if RS_HAVE_PGWIRE
extern const struct rs_redis_ops rs_redis_resp;
#endif
#if RS_HAVE_HIREDIS
extern const struct rs_redis_ops rs_redis_hiredis, rs_redis_hiredis_blocking;
#endif

const struct rs_redis_ops *rs_redis_driver_for(const struct rs_pg_ops *pg)
{
	static const struct {
		const char *pg;
		const struct rs_redis_ops *redis;
	} family[] = {
#if RS_HAVE_PGWIRE
		{ "pgwire", &rs_redis_resp },
#endif
#if RS_HAVE_HIREDIS
		{ "libpq", &rs_redis_hiredis },
		{ "libpq-blocking", &rs_redis_hiredis_blocking },
#endif
	};
	for (size_t i = 0; pg && i < sizeof(family) / sizeof(family[0]); i++)
		if (!strcmp(family[i].pg, pg->name))
			return family[i].redis;
	return NULL;
}

void rs_redis_setup(const struct rs_redis_ops *ops, const struct rs_redis_addr *a, const struct rs_redis_pool_cfg *cfg)
{
	g_ops = ops;
	g_addr = *a;
	g_cfg = *cfg;
}

bool rs_redis_configured(void)
{
	return g_ops != NULL;
}

/* ---- the pool's view of a Redis driver ---- */

static int redis_connect(const void *ctx, struct rs_reactor *r, const void *target, void **out)
{
	struct rs_redis_conn *c = NULL;
	int err = ((const struct rs_redis_ops *)ctx)->connect(r, target, &c);
	*out = c;
	return err;
}

static void redis_close(const void *ctx, void *c)
{
	((const struct rs_redis_ops *)ctx)->close(c);
}

static int redis_socket(const void *ctx, const void *c)
{
	const struct rs_redis_ops *ops = ctx;
	return ops->socket ? ops->socket(c) : -1;
}

/* No is_broken: a command that fails says so, and the caller discards. */
static const struct rs_pool_driver redis_driver = {
	.backend = "Redis",
	.connect = redis_connect,
	.close = redis_close,
	.socket = redis_socket,
};

int rs_redis_pool_create(struct rs_reactor *r, struct rs_pool **out)
{
	*out = NULL;
	if (!g_ops)
		return 0;
	struct rs_pool_cfg cfg = {
		.driver = &redis_driver,
		.ctx = g_ops,
		.target = &g_addr,
		.size = g_cfg.size,
		.shared = g_cfg.shared,
		.pipeline_depth = g_cfg.pipeline_depth,
		.rent_timeout_ms = g_cfg.rent_timeout_ms,
	};
	return rs_pool_create(r, &cfg, out);
}

void rs_redis_pool_destroy(struct rs_pool *p)
{
	rs_pool_destroy(p);
}

int rs_redis_command(struct rs_pool *p, int argc, const char *const *argv, const size_t *lens,
		     struct rs_buf *reply)
{
	if (!g_ops || !p)
		return -ENOTCONN;
	size_t mark = reply->len;
	int err = -ENOTCONN;
	/* The workloads' commands (GET, MGET) are safe to repeat. */
	for (int attempt = 0; attempt <= rs_pool_size(p); attempt++) {
		void *c;
		int rerr = rs_pool_rent(p, &c);
		if (rerr)
			return rerr;
		err = g_ops->command(c, argc, argv, lens, reply);
		if (!err) {
			rs_pool_return(p, c);
			return 0;
		}
		rs_pool_discard(p, c);
		reply->len = mark;
	}
	return err;
}
