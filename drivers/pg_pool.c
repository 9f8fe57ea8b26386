/* pg_pool.c - the Postgres pool: the shared pool (pool.c) over an rs_pg_ops driver, with typed rent and return. */
#include "pool.h"

static int pg_connect(const void *ctx, struct rs_reactor *r, const void *target, void **out)
{
	struct rs_pg_conn *c = NULL;
	int err = ((const struct rs_pg_ops *)ctx)->connect(r, target, &c);
	*out = c;
	return err;
}

static void pg_close(const void *ctx, void *c)
{
	((const struct rs_pg_ops *)ctx)->close(c);
}

static bool pg_is_broken(const void *ctx, const void *c)
{
	return ((const struct rs_pg_ops *)ctx)->is_broken(c);
}

static int pg_cancel(const void *ctx, void *c)
{
	return ((const struct rs_pg_ops *)ctx)->cancel(c);
}

static int pg_socket(const void *ctx, const void *c)
{
	const struct rs_pg_ops *ops = ctx;
	return ops->socket ? ops->socket(c) : -1;
}

static const struct rs_pool_driver pg_driver = {
	.backend = "Postgres",
	.connect = pg_connect,
	.close = pg_close,
	.is_broken = pg_is_broken,
	.cancel = pg_cancel,
	.socket = pg_socket,
};

/* The same pool, seen through its Postgres type. */
static struct rs_pool *pool_of(const struct rs_pg_pool *p)
{
	return (struct rs_pool *)p;
}

int rs_pg_pool_create(struct rs_reactor *r, const struct rs_pg_pool_cfg *cfg, struct rs_pg_pool **out)
{
	/* A driver that cannot cancel leaves query_timeout_ms unenforced, as before. */
	static const struct rs_pool_driver pg_driver_nocancel = {
		.backend = "Postgres",
		.connect = pg_connect,
		.close = pg_close,
		.is_broken = pg_is_broken,
		.socket = pg_socket,
	};
	struct rs_pool_cfg pc = {
		.driver = cfg->ops->cancel ? &pg_driver : &pg_driver_nocancel,
		.ctx = cfg->ops,
		.target = cfg->ci,
		.size = cfg->size,
		.shared = cfg->shared,
		.pipeline_depth = cfg->pipeline_depth,
		.rent_timeout_ms = cfg->rent_timeout_ms,
		.query_timeout_ms = cfg->query_timeout_ms,
	};
	struct rs_pool *p;
	int err = rs_pool_create(r, &pc, &p);
	if (!err)
		*out = (struct rs_pg_pool *)p;
	return err;
}

int rs_pg_pool_rent(struct rs_pg_pool *p, struct rs_pg_conn **out)
{
	void *c = NULL;
	int err = rs_pool_rent(pool_of(p), &c);
	*out = c;
	return err;
}

void rs_pg_pool_return(struct rs_pg_pool *p, struct rs_pg_conn *c)
{
	rs_pool_return(pool_of(p), c);
}

void rs_pg_pool_stmt_begin(struct rs_pg_pool *p, struct rs_pg_conn *c, struct rs_pool_stmt *t)
{
	rs_pool_stmt_begin(pool_of(p), c, t);
}

int rs_pg_pool_down(const struct rs_pg_pool *p)
{
	return rs_pool_down(pool_of(p));
}

int rs_pg_pool_size(const struct rs_pg_pool *p)
{
	return rs_pool_size(pool_of(p));
}

const struct rs_pg_ops *rs_pg_pool_ops(const struct rs_pg_pool *p)
{
	return rs_pool_ctx(pool_of(p));
}

void rs_pg_pool_stats(const struct rs_pg_pool *p, struct rs_pool_stats *out)
{
	rs_pool_stats(pool_of(p), out);
}

void rs_pg_pool_destroy(struct rs_pg_pool *p)
{
	rs_pool_destroy(pool_of(p));
}
