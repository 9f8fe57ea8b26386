/* redisctl.h - `harness redis`: the project's private redis-server under build/redis (loopback and a Unix socket). */
#ifndef RS_REDISCTL_H
#define RS_REDISCTL_H

#include <stddef.h>
#include <sys/types.h>

/* Start it unless it runs (answers PING), then write "redis://127.0.0.1:PORT"
 * into url. 0 or a negative errno after saying why. The directory is
 * $RINGSIDE_REDIS_DIR, else build/redis. */
int rs_redisctl_start(char *url, size_t size);
/* Stop it (SIGTERM, then SIGKILL after 5 s). 0 also when it was not running. */
int rs_redisctl_stop(void);
/* Its pid when it runs, else 0. */
pid_t rs_redisctl_pid(void);
/* Its URL when it runs (0), else -ESRCH. */
int rs_redisctl_url(char *url, size_t size);

/* Load key:1..10000 into the Redis at redis_url and, when pg_url is not
 * NULL, the World rows as world:<id> (redis_load.c). 0 or a negative errno. */
int rs_redis_load(const char *redis_url, const char *pg_url);

/* A hiredis connection to redis_url (5 s connect timeout), or NULL with why filled in. */
struct redisContext;
struct redisContext *rs_redis_open(const char *redis_url, char *why, size_t size);

/* `harness redis start|stop|restart|status|url`. */
int rs_redisctl_main(int argc, char **argv);

#endif
