/* http_resp.c - incremental HTTP/1.1 response parser for the load generator (status line, Content-Length). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http_resp.h"

void rs_resp_init(struct rs_resp *r)
{
	memset(r, 0, sizeof(*r));
}

/* "HTTP/1.x SSS[ reason]". 1xx is refused: we never send Expect, so one is a protocol error. */
static int parse_status(struct rs_resp *r, const char *s, size_t n)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) || (s[7] != '0' && s[7] != '1') || s[8] != ' ')
		return -EPROTO;
	int status = 0;
	for (int i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EPROTO;
		status = status * 10 + (s[i] - '0');
	}
	if ((n > 12 && s[12] != ' ') || status < 200 || status > 599)
		return -EPROTO;
	r->status = status;
	return 0;
}

static bool name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(s, name, n);
}

static int parse_length(struct rs_resp *r, const char *v, size_t n)
{
	size_t len = 0;
	if (!n)
		return -EPROTO;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || len > ((size_t)1 << 40))
			return -EPROTO;
		len = len * 10 + (size_t)(v[i] - '0');
	}
	/* Two different lengths make the framing ambiguous (request smuggling's classic). */
	if (r->have_len && len != r->body_len)
		return -EPROTO;
	r->have_len = true;
	r->body_len = len;
	return 0;
}

/* Whether the comma-separated token list v holds "close". */
static bool has_close(const char *v, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t start = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - start == 5 && !strncasecmp(v + start, "close", 5))
			return true;
	}
	return false;
}

static int parse_header(struct rs_resp *r, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!colon || colon == s)
		return -EPROTO;
	size_t nlen = (size_t)(colon - s);
	const char *v = colon + 1, *end = s + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vlen = (size_t)(end - v);

	if (name_is(s, nlen, "Content-Length"))
		return parse_length(r, v, vlen);
	if (name_is(s, nlen, "Transfer-Encoding"))
		return -ENOTSUP;
	if (name_is(s, nlen, "Connection") && has_close(v, vlen))
		r->close = true;
	return 0;
}

/* The head is complete: decide the body's length. */
static int end_of_head(struct rs_resp *r)
{
	if (r->have_len)
		return 0;
	if (r->status == 204 || r->status == 304) {
		r->body_len = 0;
		return 0;
	}
	/* A body delimited by the connection's end cannot be told from a reset. */
	return -EPROTO;
}

/* One line of the head, without its CRLF; the first is the status line. */
static int parse_line(struct rs_resp *r, const char *s, size_t n)
{
	if (r->line == 0)
		return parse_status(r, s, n);
	if (n == 0) {
		r->in_body = true;
		return end_of_head(r);
	}
	return parse_header(r, s, n);
}

ssize_t rs_resp_parse(struct rs_resp *r, const char *buf, size_t len)
{
	while (!r->in_body) {
		const char *nl = r->pos < len ? memchr(buf + r->pos, '\n', len - r->pos) : NULL;
		if (!nl) {
			r->pos = len;
			return len > RS_RESP_MAX_HEAD ? -EMSGSIZE : 0;
		}
		size_t end = (size_t)(nl - buf);
		size_t n = end - r->line;
		if (n && buf[end - 1] == '\r')
			n--;
		int err = parse_line(r, buf + r->line, n);
		if (err)
			return err;
		r->line = r->pos = end + 1;
		if (r->pos > RS_RESP_MAX_HEAD)
			return -EMSGSIZE;
	}
	r->head_len = r->line;
	if (len < r->head_len + r->body_len)
		return 0;
	return (ssize_t)(r->head_len + r->body_len);
}
