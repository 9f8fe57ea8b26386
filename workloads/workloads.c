/* workloads.c - the TechEmpower-style handlers; each renders its response per request. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "engine.h"
#include "workloads.h"
#include "wl_db.h"

typedef int (*rs_handler_fn)(struct rs_reactor *r, const struct rs_http_request *req,
			     struct rs_buf *out);

struct route {
	const char *path;
	rs_handler_fn fn;
};

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

static const struct route routes[] = {
	{ "/plaintext", wl_plaintext },
	{ "/json", wl_json },
	{ "/db", rs_wl_db },
	{ "/queries", rs_wl_queries },
	{ "/fortunes", rs_wl_fortunes },
	{ "/updates", rs_wl_updates },
	{ "/select42", rs_wl_select42 },
	{ "/sleep", rs_wl_sleep },
	{ "/error", rs_wl_error },
};

static bool path_is(const struct rs_http_request *req, const char *path)
{
	size_t n = strlen(path);
	return req->path_len == n && memcmp(req->path, path, n) == 0;
}

int rs_workload_handle(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!path_is(req, routes[i].path))
			continue;
		bool get = req->method_len == 3 && memcmp(req->method, "GET", 3) == 0;
		if (!get)
			return rs_http_respond_error(out, 405, req->keep_alive);
		return routes[i].fn(r, req, out);
	}
	return rs_http_respond_error(out, 404, req->keep_alive);
}

const char *const *rs_workload_paths(void)
{
	static const char *const paths[] = { "/plaintext", "/json", "/db", "/queries", "/fortunes",
					     "/updates", "/select42", "/sleep", "/error", NULL };
	return paths;
}
