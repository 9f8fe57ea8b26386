/* workloads.c - the TechEmpower-style handlers; each renders its response per request. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "engine.h"
#include "workloads.h"
#include "wl_db.h"
#include "wl_file.h"
#include "wl_redis.h"

static int wl_plaintext(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	static const char body[] = "Hello, World!";
	return rs_http_respond(out, 200, "text/plain", body, sizeof(body) - 1, req->keep_alive);
}

/* Write s as a JSON string literal into dst, which holds 6 * strlen(s) + 2
 * bytes at least. Returns the length written. */
size_t rs_json_string(char *dst, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *p = dst;

	*p++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = (char)ch;
		} else if (ch < 0x20) {
			memcpy(p, "\\u00", 4);
			p[4] = hex[ch >> 4];
			p[5] = hex[ch & 15];
			p += 6;
		} else {
			*p++ = (char)ch;
		}
	}
	*p++ = '"';
	return (size_t)(p - dst);
}

/* TechEmpower: the object is serialised per request, never a cached string. */
static int wl_json(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	static const char message[] = "Hello, World!";
	char body[16 + 6 * sizeof(message)];
	size_t n = 0;

	memcpy(body, "{\"message\":", 11);
	n = 11 + rs_json_string(body + 11, message);
	body[n++] = '}';
	return rs_http_respond(out, 200, "application/json", body, n, req->keep_alive);
}

const struct rs_workload rs_workloads[] = {
	{ "plaintext", "/plaintext", NULL, false, RS_ANSWER_HELLO, wl_plaintext },
	{ "json", "/json", NULL, false, RS_ANSWER_JSON, wl_json },
	{ "db", "/db", NULL, true, RS_ANSWER_WORLD, rs_wl_db },
	{ "queries", "/queries", "queries", true, RS_ANSWER_WORLDS, rs_wl_queries },
	{ "fortunes", "/fortunes", NULL, true, RS_ANSWER_FORTUNES, rs_wl_fortunes },
	{ "updates", "/updates", "queries", true, RS_ANSWER_WORLDS, rs_wl_updates },
	{ "select42", "/select42", NULL, true, RS_ANSWER_DB42, rs_wl_select42 },
	{ "sleep", "/sleep", "ms", true, RS_ANSWER_SLEPT, rs_wl_sleep },
	{ NULL, "/error", NULL, true, RS_ANSWER_NONE, rs_wl_error },
	{ "file", "/file", NULL, false, RS_ANSWER_ANY, rs_wl_file },
	{ "redis-get", "/redis-get", NULL, false, RS_ANSWER_ANY, rs_wl_redis_get },
	{ "cached-queries", "/cached-queries", "count", true, RS_ANSWER_ANY, rs_wl_cached_queries },
};

const size_t rs_nworkloads = sizeof(rs_workloads) / sizeof(rs_workloads[0]);

const struct rs_workload *rs_workload_named(const char *name)
{
	for (size_t i = 0; i < rs_nworkloads; i++)
		if (rs_workloads[i].name && !strcmp(rs_workloads[i].name, name))
			return &rs_workloads[i];
	return NULL;
}

const struct rs_workload *rs_workload_at(const char *path, size_t len)
{
	for (size_t i = 0; i < rs_nworkloads; i++) {
		const char *p = rs_workloads[i].path;
		size_t n = strlen(p);
		if (len >= n && !memcmp(path, p, n) && (len == n || (!strcmp(p, "/file") && path[n] == '/')))
			return &rs_workloads[i];
	}
	return NULL;
}

static bool method_is(const struct rs_http_request *req, const char *m)
{
	size_t n = strlen(m);
	return req->method_len == n && memcmp(req->method, m, n) == 0;
}

static int route(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out, bool head)
{
	const struct rs_workload *w = rs_workload_at(req->path, req->path_len);

	if (!w)
		return rs_http_respond_error(out, 404, req->keep_alive);
	if (!head && !method_is(req, "GET")) {
		size_t from = out->len;
		int err = rs_http_respond_error(out, 405, req->keep_alive);
		return err ? err : rs_http_insert_header(out, from, "Allow: GET, HEAD");
	}
	return w->handle(r, req, out);
}

/* The reactor's app data is the composition root's struct rs_wl_reactor (app/server.c). */
struct rs_pg_pool *rs_wl_pg(const struct rs_reactor *r)
{
	const struct rs_wl_reactor *w = r->app;
	return w ? w->pg : NULL;
}

struct rs_pool *rs_wl_redis(const struct rs_reactor *r)
{
	const struct rs_wl_reactor *w = r->app;
	return w ? w->redis : NULL;
}

/* HEAD runs the GET handler and keeps only the head of what it wrote:
 * the same status, headers and Content-Length (RFC 9110 §9.3.2). */
int rs_workload_handle(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	bool head = method_is(req, "HEAD");
	size_t from = out->len;
	int err = route(r, req, out, head);
	if (!err && head)
		rs_http_strip_body(out, from);
	return err;
}
