/* buf.h - a growable byte buffer with a read offset, shared by the HTTP layer and drivers. */
#ifndef RS_BUF_H
#define RS_BUF_H

#include <stddef.h>
#include <string.h>

/*
 * Bytes live in data[off .. off+len). Appends go at the end; consumers drop
 * bytes from the front by advancing off (no memmove per request); the live
 * bytes are compacted to the front only when room is needed. A buffer that
 * grew for one large message shrinks back with rs_buf_shrink.
 */
struct rs_buf {
	char *data;
	size_t off;
	size_t len;
	size_t cap;
};

/* Make room for at least extra more bytes after the live ones. 0 or -ENOMEM. */
int rs_buf_reserve(struct rs_buf *b, size_t extra);
/* Append n bytes. 0 or -ENOMEM. */
int rs_buf_append(struct rs_buf *b, const void *p, size_t n);
/* Append a NUL-terminated string. 0 or -ENOMEM. */
int rs_buf_puts(struct rs_buf *b, const char *s);
/* Append printf-style. 0 or -ENOMEM. */
int rs_buf_printf(struct rs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop n bytes from the front. */
void rs_buf_consume(struct rs_buf *b, size_t n);
/* Release memory above keep bytes of capacity when the live data fits. */
void rs_buf_shrink(struct rs_buf *b, size_t keep);
/*
 * Between requests: a buffer grown past RS_BUF_RETAIN by a one-off large
 * request or answer goes back to RS_BUF_SMALL; up to that it is kept for
 * the connection's life. Shrinking after every 64 KiB answer cost a malloc,
 * a free and fresh zeroed pages per request (page faults under the file
 * read's copy in the profile of uring /file 64k), which no real server pays.
 */
#define RS_BUF_SMALL (16u << 10)
#define RS_BUF_RETAIN (256u << 10)
static inline void rs_buf_trim(struct rs_buf *b)
{
	if (b->cap > RS_BUF_RETAIN)
		rs_buf_shrink(b, RS_BUF_SMALL);
}
void rs_buf_free(struct rs_buf *b);

/* A buffer never grown has no storage: NULL + 0 is undefined in C (UBSan's
 * pointer-overflow check says so), so that case returns NULL as it is. */
static inline char *rs_buf_head(const struct rs_buf *b)
{
	return b->data ? b->data + b->off : NULL;
}
/* Where the next append goes; valid after rs_buf_reserve. */
static inline char *rs_buf_tail(const struct rs_buf *b) { return b->data + b->off + b->len; }
static inline size_t rs_buf_room(const struct rs_buf *b) { return b->cap - b->off - b->len; }
static inline void rs_buf_clear(struct rs_buf *b) { b->off = 0; b->len = 0; }

/* The value of one hex digit (either case), -1 for anything else: for percent-escapes, bytea, chunk sizes. */
static inline int rs_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

#endif
