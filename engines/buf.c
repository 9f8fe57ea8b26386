/* buf.c - growable byte buffer. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int rs_buf_reserve(struct rs_buf *b, size_t extra)
{
	if (b->cap - b->off - b->len >= extra)
		return 0;
	/* Compact first: cheap when the live part is small, which it usually is. */
	if (b->off && b->cap - b->len >= extra) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
		return 0;
	}
	size_t need = b->len + extra;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = malloc(cap);
	if (!p)
		return -ENOMEM;
	if (b->len)
		memcpy(p, b->data + b->off, b->len);
	free(b->data);
	b->data = p;
	b->off = 0;
	b->cap = cap;
	return 0;
}

int rs_buf_append(struct rs_buf *b, const void *p, size_t n)
{
	int err = rs_buf_reserve(b, n);
	if (err)
		return err;
	memcpy(rs_buf_tail(b), p, n);
	b->len += n;
	return 0;
}

int rs_buf_puts(struct rs_buf *b, const char *s)
{
	return rs_buf_append(b, s, strlen(s));
}

int rs_buf_printf(struct rs_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = rs_buf_room(b);
	va_start(ap, fmt);
	int n = vsnprintf(room ? rs_buf_tail(b) : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= room) {
		int err = rs_buf_reserve(b, (size_t)n + 1);
		if (err)
			return err;
		va_start(ap, fmt);
		vsnprintf(rs_buf_tail(b), (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

void rs_buf_consume(struct rs_buf *b, size_t n)
{
	if (n >= b->len) {
		b->off = 0;
		b->len = 0;
		return;
	}
	b->off += n;
	b->len -= n;
}

void rs_buf_shrink(struct rs_buf *b, size_t keep)
{
	if (b->cap <= keep || b->len > keep)
		return;
	char *p = malloc(keep);
	if (!p)
		return;
	if (b->len)
		memcpy(p, b->data + b->off, b->len);
	free(b->data);
	b->data = p;
	b->off = 0;
	b->cap = keep;
}

void rs_buf_free(struct rs_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
