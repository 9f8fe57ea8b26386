/* pgw_test.h - helpers for the pgwire unit tests: split feeding (named in every failed check), recorded-stream surgery. */
#ifndef PGW_TEST_H
#define PGW_TEST_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "pg.h"
#include "pgwire/conn.h"
#include "pgwire/proto.h"

/* How recorded streams reach the conn: whole, one byte at a time, or in two pieces. */
enum pgw_mode { PGW_WHOLE, PGW_BYTES, PGW_TWO };
static enum pgw_mode pgw_mode;
static size_t pgw_cut;

/* Every failed check says which feeding mode and cut it failed under. */
static void pgw_context(void)
{
	fprintf(stderr, " [mode %d cut %zu]", (int)pgw_mode, pgw_cut);
}

static void __attribute__((constructor)) pgw_context_set(void)
{
	check_context = pgw_context;
}

/* Feed a stream the way the current mode says; returns the last status. */
static inline int pgw_feed(struct rs_pgw_conn *c, const void *p, size_t n)
{
	const char *s = p;
	size_t k;
	int err;

	switch (pgw_mode) {
	case PGW_BYTES:
		err = rs_pgw_conn_status(c);
		for (size_t i = 0; i < n; i++)
			err = rs_pgw_feed(c, s + i, 1);
		return err;
	case PGW_TWO:
		k = pgw_cut < n ? pgw_cut : n;
		rs_pgw_feed(c, s, k);
		return rs_pgw_feed(c, s + k, n - k);
	case PGW_WHOLE:
		break;
	}
	return rs_pgw_feed(c, s, n);
}

/* Run a scenario whole, byte by byte, then cut in two at every point up to maxlen. */
static inline void pgw_run_all(void (*scenario)(void), size_t maxlen)
{
	pgw_mode = PGW_WHOLE;
	pgw_cut = 0;
	scenario();
	pgw_mode = PGW_BYTES;
	scenario();
	pgw_mode = PGW_TWO;
	for (pgw_cut = 0; pgw_cut <= maxlen; pgw_cut++)
		scenario();
	pgw_mode = PGW_WHOLE;
	pgw_cut = 0;
}

/* Drop everything the conn wants to send. */
static inline void pgw_drop_out(struct rs_pgw_conn *c)
{
	rs_pgw_sent(c, rs_pgw_out(c)->len);
}

/* The type bytes of the frontend messages waiting in out (startup packets have none). */
static inline void pgw_out_types(struct rs_pgw_conn *c, char *types, size_t cap)
{
	struct rs_buf *out = rs_pgw_out(c);
	struct rs_pgw_msg m;
	size_t off = 0, n = 0;
	int k;

	while ((k = rs_pgw_msg_next(rs_buf_head(out) + off, out->len - off, &m)) > 0 && n + 1 < cap) {
		types[n++] = m.type;
		off += (size_t)k;
	}
	types[n] = '\0';
}

/* A conn after the recorded trust startup (user and database "bench"). */
static inline struct rs_pgw_conn *pgw_trust_conn(const void *startup, size_t len)
{
	struct rs_pgw_conn_cfg cfg = { .user = "bench", .database = "bench" };
	struct rs_pgw_conn *c;

	REQUIRE(!rs_pgw_conn_new(&cfg, &c));
	REQUIRE(!rs_pgw_conn_start(c));
	REQUIRE(!pgw_feed(c, startup, len));
	REQUIRE(rs_pgw_conn_ready(c));
	pgw_drop_out(c);
	return c;
}

/* The next completion, which must exist. */
static inline struct rs_pgw_done pgw_done(struct rs_pgw_conn *c)
{
	struct rs_pgw_done d;

	REQUIRE(!rs_pgw_conn_next_done(c, &d));
	return d;
}

/* Offset of the index-th message (0-based) of a recorded stream; len when past the end. */
static inline size_t pgw_msg_off(const unsigned char *p, size_t len, int index)
{
	struct rs_pgw_msg m;
	size_t off = 0;
	int k;

	while (index-- > 0 && (k = rs_pgw_msg_next((const char *)p + off, len - off, &m)) > 0)
		off += (size_t)k;
	return off;
}

/* Append one backend message with the given body to b. */
static inline void pgw_put_msg(struct rs_buf *b, char type, const void *body, size_t len)
{
	unsigned char hdr[5] = { (unsigned char)type, (unsigned char)((len + 4) >> 24),
				 (unsigned char)((len + 4) >> 16), (unsigned char)((len + 4) >> 8),
				 (unsigned char)(len + 4) };

	REQUIRE(!rs_buf_append(b, hdr, 5));
	REQUIRE(!rs_buf_append(b, body, len));
}

#define PGW_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
