/* http_resp.h - incremental HTTP/1.1 response parser for the load generator (status line, Content-Length). */
#ifndef RS_HTTP_RESP_H
#define RS_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RS_RESP_MAX_HEAD 65536

/*
 * One response being parsed. The caller keeps the bytes of the response
 * contiguous in its own buffer, starting at the response's first byte, and
 * calls rs_resp_parse again with the longer buffer as bytes arrive; parsing
 * resumes where it stopped, so every byte of the head is examined once.
 * The body is buf[head_len .. head_len + body_len).
 */
struct rs_resp {
	int status;
	bool close;		/* "Connection: close": the server ends the connection after it */
	size_t head_len;	/* status line, headers and the blank line */
	size_t body_len;	/* Content-Length */
	/* Private parse state. */
	size_t pos;		/* bytes of the head examined so far */
	size_t line;		/* start of the line being scanned */
	bool have_len;
	bool in_body;
};

void rs_resp_init(struct rs_resp *r);

/*
 * Parse buf[0..len). Returns the whole response's length (head + body; more
 * bytes, e.g. the next pipelined response, may follow) once complete, 0 when
 * more bytes are needed, or a negative errno for a response we cannot
 * frame: -EPROTO (malformed status line or header, 1xx, no Content-Length),
 * -ENOTSUP (Transfer-Encoding: chunked is not supported), -EMSGSIZE (head
 * longer than RS_RESP_MAX_HEAD). After an error the connection is unusable.
 */
ssize_t rs_resp_parse(struct rs_resp *r, const char *buf, size_t len);

#endif
