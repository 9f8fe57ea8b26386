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
	const char *authority; /* absolute-form: the target's host[:port]; else NULL */
	size_t authority_len;
	const char *path; /* target up to '?' (absolute-form: after the authority, "/" when empty) */
	size_t path_len;
	const char *query; /* after '?', empty when there is none */
	size_t query_len;
	int minor_version; /* HTTP/1.<minor>: 0 or 1 */
	bool keep_alive;   /* 1.1 default yes, 1.0 default no; Connection header overrides */
	bool expect_continue; /* HTTP/1.1 with Expect: 100-continue */
	int client_fd;     /* the socket it came on, set by conn.c (not the parser); -1 unknown or not pollable */
	const bool *client_gone; /* conn.c: the engine saw the client go (rs_conn.peer_gone); NULL unknown */
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
	bool want_continue; /* head parsed, body awaited, the client expects 100 Continue */
	bool continue_sent; /* the caller sent it (rs_http_parse clears both on completion) */
};

/*
 * Parse one request from the start of buf[0..len).
 * Returns:
 *   > 0  a complete request (headers and body) of that many bytes; *req filled;
 *   0    incomplete: call again with the same bytes plus more;
 *   < 0  the negated HTTP status to answer before closing the connection:
 *        -400 malformed, -431 headers too large or too many, -413 body too
 *        large, -417 an Expect other than 100-continue, -501
 *        Transfer-Encoding (chunked bodies are not supported), -505 HTTP
 *        version other than 1.0/1.1.
 * Empty lines before the request line are skipped (and counted in the
 * return value); the target may be in origin-form or absolute-form. After a
 * 0 return with p->want_continue set the caller should send "100 Continue"
 * once (and set p->continue_sent). Host rules are rs_http_check_host's.
 * Works for any split of the byte stream: the result for a request does not
 * depend on how its bytes arrived.
 */
int rs_http_parse(struct rs_http_parser *p, const char *buf, size_t len,
		  const struct rs_http_limits *lim, struct rs_http_request *req);

/* RFC 9112 §3.2: an HTTP/1.1 request without Host, any request with two
 * Host lines or an invalid Host value: -400. Else 0. */
int rs_http_check_host(const struct rs_http_request *req);

/* Case-insensitive header lookup; NULL when absent. */
const struct rs_http_header *rs_http_header(const struct rs_http_request *req, const char *name);

/* Value of query parameter name (first occurrence), not decoded; NULL when absent. */
const char *rs_http_query_param(const struct rs_http_request *req, const char *name, size_t *len);

/* Value of query parameter name, percent-decoded ('+' as a space) into
 * dst[cap] and NUL-terminated, its length in *len. 0, -ENOENT when absent,
 * -EINVAL for a malformed %-escape, -E2BIG when it does not fit. */
int rs_http_query_decoded(const struct rs_http_request *req, const char *name, char *dst, size_t cap, size_t *len);

/* Reason phrase for a status code ("OK", "Not Found", ...). */
const char *rs_http_reason(int status);

/* "Sun, 06 Nov 1994 08:49:37 GMT": a per-thread copy re-rendered at most once
 * a second. The pointer stays valid on the calling thread. */
const char *rs_http_date(void);

/*
 * Append one complete response to out: status line, Server, Date,
 * Content-Type, Content-Length, "Connection: close" when !keep_alive, the body.
 * A NULL body with body_len > 0 leaves those bytes uninitialised at the end
 * of out for the caller to fill (a file read straight into the buffer).
 * Returns 0 or -ENOMEM.
 */
int rs_http_respond(struct rs_buf *out, int status, const char *content_type,
		    const void *body, size_t body_len, bool keep_alive);

/* Append a response with no useful body for an error status (text/plain,
 * body is the reason phrase). */
int rs_http_respond_error(struct rs_buf *out, int status, bool keep_alive);

/* For HEAD: drop the body of the response that starts at live byte from of
 * out, keeping its head (and so its Content-Length) as it is. */
void rs_http_strip_body(struct rs_buf *out, size_t from);

/* Add the header line ("Name: value", no CRLF) to the head of the response
 * that starts at live byte from of out. 0, -ENOMEM or -EINVAL (no head). */
int rs_http_insert_header(struct rs_buf *out, size_t from, const char *line);

#endif
