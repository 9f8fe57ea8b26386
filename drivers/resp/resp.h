/* resp.h - a sans-I/O RESP2 codec: frame one reply in received bytes, walk its values, encode commands. */
#ifndef RS_RESP_H
#define RS_RESP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define RS_RESP_MAX_DEPTH 8            /* arrays nested deeper are refused */
#define RS_RESP_MAX_BULK (512L << 20)  /* Redis's own proto-max-bulk-len default */
#define RS_RESP_MAX_ELEMS (1L << 20)

enum rs_resp_type {
	RS_RESP_STRING = '+', /* simple string: str, len */
	RS_RESP_ERROR = '-',  /* error: str, len ("ERR unknown command ...") */
	RS_RESP_INT = ':',    /* integer: n */
	RS_RESP_BULK = '$',   /* bulk string: str, len; n = -1 for the nil bulk (str NULL) */
	RS_RESP_ARRAY = '*',  /* array: n elements follow in the walk; n = -1 for the nil array */
};

/* One value of a framed reply; str points into the caller's bytes. */
struct rs_resp_value {
	enum rs_resp_type type;
	const char *str;
	size_t len;
	int64_t n;
};

/*
 * Is there one whole reply at buf[0..len)? Returns its length in bytes, 0
 * when more bytes are needed (the answer for every strict prefix of a
 * reply), or -EPROTO for bytes that are not RESP2 (a type byte other than
 * + - : $ *, a bad length, a missing CRLF, nesting over RS_RESP_MAX_DEPTH,
 * sizes over the limits above).
 */
ssize_t rs_resp_frame(const char *buf, size_t len);

/* A walk over the values of one framed reply, in order (an array's
 * elements follow it). */
struct rs_resp_walk {
	const char *p, *end;
};

static inline void rs_resp_walk_init(struct rs_resp_walk *w, const char *buf, size_t framed)
{
	w->p = buf;
	w->end = buf + framed;
}

/* The next value: 1, or 0 at the end. Only for bytes rs_resp_frame accepted. */
int rs_resp_next(struct rs_resp_walk *w, struct rs_resp_value *v);

/* Append a command as an array of bulk strings (lens NULL: NUL-terminated). 0 or -ENOMEM. */
int rs_resp_command(struct rs_buf *out, int argc, const char *const *argv, const size_t *lens);

#endif
