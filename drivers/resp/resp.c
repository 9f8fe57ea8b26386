/* resp.c - RESP2 framing, walking and command encoding, with no I/O: the bytes come and go through the caller. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "resp.h"

/* The line at p (up to CRLF): its end, NULL when incomplete; *bad when a CR
 * is not followed by LF. */
static const char *line_end(const char *p, const char *end, bool *bad)
{
	const char *cr = memchr(p, '\r', (size_t)(end - p));
	if (!cr || cr + 1 >= end)
		return NULL;
	if (cr[1] != '\n')
		*bad = true;
	return cr;
}

/* A decimal in [p, e): -1 allowed when allow_nil; 0 or -EPROTO. */
static int parse_len(const char *p, const char *e, bool signed_ok, int64_t max, int64_t *out)
{
	bool neg = false;
	int64_t v = 0;
	if (p < e && *p == '-' && signed_ok)
		neg = true, p++;
	if (p == e || e - p > 19)
		return -EPROTO;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -EPROTO;
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -EPROTO;
		v = v * 10 + (*p - '0');
	}
	if (max && v > max)
		return -EPROTO;
	*out = neg ? -v : v;
	return 0;
}

/* One value at *pp and its elements: 1 done (*pp past it), 0 incomplete, -EPROTO. */
static int frame_value(const char **pp, const char *end, int depth)
{
	const char *p = *pp;
	bool bad = false;
	int64_t n;

	if (p >= end)
		return 0;
	const char *e = line_end(p + 1, end, &bad);
	if (bad)
		return -EPROTO;
	switch (*p) {
	case '+':
	case '-':
		if (!e)
			return 0;
		if (memchr(p + 1, '\n', (size_t)(e - p - 1)))
			return -EPROTO;
		*pp = e + 2;
		return 1;
	case ':':
		if (!e)
			return 0;
		if (parse_len(p + 1, e, true, 0, &n))
			return -EPROTO;
		*pp = e + 2;
		return 1;
	case '$':
		if (!e)
			return (end - p > 22) ? -EPROTO : 0;
		if (parse_len(p + 1, e, true, RS_RESP_MAX_BULK, &n) || n < -1)
			return -EPROTO;
		if (n == -1) {
			*pp = e + 2;
			return 1;
		}
		if ((size_t)(end - (e + 2)) < (size_t)n + 2)
			return 0;
		if (e[2 + n] != '\r' || e[3 + n] != '\n')
			return -EPROTO;
		*pp = e + 4 + n;
		return 1;
	case '*':
		if (!e)
			return (end - p > 22) ? -EPROTO : 0;
		if (depth >= RS_RESP_MAX_DEPTH || parse_len(p + 1, e, true, RS_RESP_MAX_ELEMS, &n) || n < -1)
			return -EPROTO;
		p = e + 2;
		for (int64_t i = 0; i < n; i++) {
			int r = frame_value(&p, end, depth + 1);
			if (r <= 0)
				return r;
		}
		*pp = p;
		return 1;
	default:
		return -EPROTO;
	}
}

ssize_t rs_resp_frame(const char *buf, size_t len)
{
	const char *p = buf;
	int r = frame_value(&p, buf + len, 0);
	return r < 0 ? r : r ? (ssize_t)(p - buf) : 0;
}

int rs_resp_next(struct rs_resp_walk *w, struct rs_resp_value *v)
{
	if (w->p >= w->end)
		return 0;
	bool bad = false;
	const char *e = line_end(w->p + 1, w->end, &bad);
	*v = (struct rs_resp_value){ .type = (enum rs_resp_type)*w->p };
	switch (*w->p) {
	case '+':
	case '-':
		v->str = w->p + 1;
		v->len = (size_t)(e - w->p - 1);
		w->p = e + 2;
		break;
	case ':':
	case '*':
		parse_len(w->p + 1, e, true, 0, &v->n);
		w->p = e + 2;
		break;
	default: /* '$' */
		parse_len(w->p + 1, e, true, 0, &v->n);
		w->p = e + 2;
		if (v->n >= 0) {
			v->str = w->p;
			v->len = (size_t)v->n;
			w->p += v->n + 2;
		}
		break;
	}
	return 1;
}

int rs_resp_command(struct rs_buf *out, int argc, const char *const *argv, const size_t *lens)
{
	int err = rs_buf_printf(out, "*%d\r\n", argc);
	for (int i = 0; !err && i < argc; i++) {
		size_t n = lens ? lens[i] : strlen(argv[i]);
		err = rs_buf_printf(out, "$%zu\r\n", n);
		if (!err)
			err = rs_buf_append(out, argv[i], n);
		if (!err)
			err = rs_buf_append(out, "\r\n", 2);
	}
	return err;
}
