/* http.h - HTTP/1.1 request parsing and response writing, shared by every engine. */
#ifndef RS_HTTP_H
#define RS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define RS_HTTP_MAX_HEADERS_CAP 64 /* hard array size; the runtime limit may be lower */

struct rs_http_limits {
	size_t max_header_bytes; /* request line + headers + CRLFCRLF; over -> 431 */
	size_t max_headers;      /* header count; over -> 431 (<= RS_HTTP_MAX_HEADERS_CAP) */
	size_t max_body_bytes;   /* Content-Length above this -> 413 */
};

/* 8 KiB of headers, 32 headers, 1 MiB bodies. */
extern const struct rs_http_limits rs_http_default_limits;

struct rs_http_header {
	const char *name;
	size_t name_len;
	const char *value; /* leading/trailing spaces and tabs stripped */
	size_t value_len;
};

/* Views into the caller's buffer: valid until it is consumed or grows. */
struct rs_http_request {
	const char *method;
	size_t method_len;
	const char *target; /* request-target as sent */
	size_t target_len;
	const char *path; /* target up to '?' */
	size_t path_len;
	const char *query; /* after '?', empty when there is none */
	size_t query_len;
	int minor_version; /* HTTP/1.<minor>: 0 or 1 */
	bool keep_alive;   /* 1.1 default yes, 1.0 default no; Connection header overrides */
	size_t content_length;
	const char *body; /* content_length bytes */
	size_t num_headers;
	struct rs_http_header headers[RS_HTTP_MAX_HEADERS_CAP];
};

/* Incremental parse state of one connection. Zero it before the first call
 * (rs_http_parse zeroes it again after each complete request). It remembers
 * how far the header terminator search got, or, once the head is parsed, the
 * whole request length while the body arrives, so a request dribbled one
 * byte at a time costs O(n), not O(n^2). */
struct rs_http_parser {
	size_t scanned;
};

/*
 * Parse one request from the start of buf[0..len).
 * Returns:
 *   > 0  a complete request (headers and body) of that many bytes; *req filled;
 *   0    incomplete: call again with the same bytes plus more;
 *   < 0  the negated HTTP status to answer before closing the connection:
 *        -400 malformed, -431 headers too large or too many, -413 body too
 *        large, -501 Transfer-Encoding (chunked bodies are not supported),
 *        -505 HTTP version other than 1.0/1.1.
 * Works for any split of the byte stream: the result for a request does not
 * depend on how its bytes arrived.
 */
int rs_http_parse(struct rs_http_parser *p, const char *buf, size_t len,
		  const struct rs_http_limits *lim, struct rs_http_request *req);

/* Case-insensitive header lookup; NULL when absent. */
const struct rs_http_header *rs_http_header(const struct rs_http_request *req, const char *name);

/* Value of query parameter name (first occurrence), not decoded; NULL when absent. */
const char *rs_http_query_param(const struct rs_http_request *req, const char *name, size_t *len);

/* Reason phrase for a status code ("OK", "Not Found", ...). */
const char *rs_http_reason(int status);

/* "Sun, 06 Nov 1994 08:49:37 GMT": a per-thread copy re-rendered at most once
 * a second. The pointer stays valid on the calling thread. */
const char *rs_http_date(void);

/*
 * Append one complete response to out: status line, Server, Date,
 * Content-Type, Content-Length, "Connection: close" when !keep_alive, the body.
 * Returns 0 or -ENOMEM.
 */
int rs_http_respond(struct rs_buf *out, int status, const char *content_type,
		    const void *body, size_t body_len, bool keep_alive);

/* Append a response with no useful body for an error status (text/plain,
 * body is the reason phrase). */
int rs_http_respond_error(struct rs_buf *out, int status, bool keep_alive);

#endif
