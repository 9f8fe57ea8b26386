/* run_env.c - the settings a result depends on, for run.json: the Postgres and Redis servers' and the kernel's. */
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "pgctl.h"
#include "redisctl.h"
#include "run_int.h"

/* The server's version and the settings that change what a query costs. */
json_t *rs_run_pg_settings_json(const char *url)
{
	static const char *const names[] = { "server_version", "shared_buffers", "max_connections",
					     "synchronous_commit", "fsync", "wal_level", "work_mem" };
	char sql[512], out[1024], *rest = out, *field;
	size_t n = 0, k = 0;

	n += (size_t)snprintf(sql, sizeof(sql), "SELECT ");
	for (; k < sizeof(names) / sizeof(names[0]); k++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%scurrent_setting('%s')", k ? ", " : "", names[k]);
	int err = rs_pgctl_query_url(url, sql, out, sizeof(out));
	if (err)
		return json_pack("{s:s}", "why", strerror(-err));
	out[strcspn(out, "\n")] = '\0';
	json_t *o = json_object();
	for (k = 0; (field = strsep(&rest, "|")) && k < sizeof(names) / sizeof(names[0]); k++)
		json_object_set_new(o, names[k], json_string(field));
	return o;
}

/* The Redis server's version (INFO server) and the settings that change what a command costs or
 * whether it may stall: memory limit and eviction, persistence (an fsync or a fork for a snapshot
 * under load), I/O threads. Each by its CONFIG name, as the server prints it ("" for save: off). */
json_t *rs_run_redis_settings_json(const char *url)
{
	static const char *const names[] = { "maxmemory", "maxmemory-policy", "save", "appendonly", "appendfsync",
					     "io-threads" };
	char why[512];
	redisContext *c = rs_redis_open(url, why, sizeof(why));
	if (!c)
		return json_pack("{s:s}", "why", why);
	json_t *o = json_object();
	redisReply *r = redisCommand(c, "INFO server");
	const char *v = r && r->type == REDIS_REPLY_STRING ? r->str : NULL;
	const char *at = v ? strstr(v, "redis_version:") : NULL;
	if (at) {
		at += strlen("redis_version:");
		json_object_set_new(o, "redis_version", json_stringn(at, strcspn(at, "\r\n")));
	}
	if (r)
		freeReplyObject(r);
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		r = redisCommand(c, "CONFIG GET %s", names[k]);
		/* RESP2: [name, value]; a name the server does not know: an empty array (null here). */
		int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->str;
		json_object_set_new(o, names[k], ok ? json_string(r->element[1]->str) : json_null());
		if (!r && !json_object_get(o, "why"))
			json_object_set_new(o, "why", json_string(c->errstr));
		if (r)
			freeReplyObject(r);
	}
	redisFree(c);
	return o;
}

/* A /proc/sys value as text (first line), or null when the kernel has no such knob. */
static json_t *sysctl(const char *name)
{
	char path[256], buf[256];

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	FILE *f = fopen(path, "re");
	if (!f)
		return json_null();
	char *line = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!line)
		return json_null();
	buf[strcspn(buf, "\n")] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\t')
			*p = ' ';
	return json_string(buf);
}

/* The kernel knobs a network or io_uring benchmark depends on, by their sysctl names. */
json_t *rs_run_kernel_json(void)
{
	static const char *const names[] = { "net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog",
					     "net.ipv4.ip_local_port_range", "net.ipv4.tcp_tw_reuse",
					     "net.core.busy_poll", "kernel.io_uring_disabled", "kernel.perf_event_paranoid",
					     "kernel.sched_autogroup_enabled" };
	json_t *o = json_object();

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		json_object_set_new(o, names[k], sysctl(names[k]));
	json_t *thp = json_null();
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
	char buf[128];
	if (f && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		thp = json_string(buf);
	}
	if (f)
		fclose(f);
	json_object_set_new(o, "transparent_hugepage", thp);
	return o;
}
