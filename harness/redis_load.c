/* redis_load.c - `harness redis load`: key:1..10000 for /redis-get, and World rows from Postgres as world:<id> for /cached-queries. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include "redis.h"
#include "redisctl.h"
#include "wl_redis.h"

/* Read the replies of n pipelined commands; the first error reply fails the load. */
static int drain(redisContext *c, int n)
{
	for (int i = 0; i < n; i++) {
		void *x = NULL;
		if (redisGetReply(c, &x) != REDIS_OK || !x) {
			fprintf(stderr, "ringside: redis load: %s\n", c->errstr);
			return -EIO;
		}
		redisReply *y = x;
		int bad = y->type == REDIS_REPLY_ERROR;
		if (bad)
			fprintf(stderr, "ringside: redis load: %s\n", y->str);
		freeReplyObject(x);
		if (bad)
			return -EIO;
	}
	return 0;
}

static int load_keys(redisContext *c)
{
	for (int i = 1; i <= RS_REDIS_KEYS; i++)
		redisAppendCommand(c, "SET key:%d value-%d", i, i);
	return drain(c, RS_REDIS_KEYS);
}

/* The World table, as the JSON objects /cached-queries serves. */
static int load_worlds(redisContext *c, const char *pg_url)
{
	PGconn *pg = PQconnectdb(pg_url);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "ringside: redis load: Postgres: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return -ECONNREFUSED;
	}
	PGresult *res = PQexec(pg, "SELECT id, randomNumber FROM World");
	int err = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ringside: redis load: SELECT ... FROM World: %s", PQerrorMessage(pg));
		err = -EIO;
	} else {
		int n = PQntuples(res);
		for (int i = 0; i < n; i++)
			redisAppendCommand(c, "SET world:%s {\"id\":%s,\"randomNumber\":%s}", PQgetvalue(res, i, 0),
					   PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		err = drain(c, n);
		if (!err)
			printf("redis: %d World rows cached as world:<id>\n", n);
	}
	PQclear(res);
	PQfinish(pg);
	return err;
}

struct redisContext *rs_redis_open(const char *redis_url, char *why, size_t size)
{
	struct rs_redis_addr a;
	if (rs_redis_url_parse(redis_url, &a)) {
		snprintf(why, size, "not a Redis URL: %s", redis_url);
		return NULL;
	}
	struct timeval tv = { 5, 0 };
	redisContext *c = a.host[0] ? redisConnectWithTimeout(a.host, a.port, tv) : redisConnectUnixWithTimeout(a.path, tv);
	if (!c || c->err) {
		snprintf(why, size, "cannot connect to %s: %s", redis_url, c ? c->errstr : "out of memory");
		redisFree(c);
		return NULL;
	}
	return c;
}

int rs_redis_load(const char *redis_url, const char *pg_url)
{
	char why[512];
	redisContext *c = rs_redis_open(redis_url, why, sizeof(why));
	if (!c) {
		fprintf(stderr, "ringside: redis load: %s\n", why);
		return -ECONNREFUSED;
	}
	int err = load_keys(c);
	if (!err)
		printf("redis: key:1..key:%d loaded\n", RS_REDIS_KEYS);
	if (!err && pg_url)
		err = load_worlds(c, pg_url);
	redisFree(c);
	return err;
}
