/* fuzz_pgwire.c - fuzz target: the pgwire connection core and message parsers fed bytes as if from a server. */

/*
 * Input layout:
 *   byte 0      auth (low 2 bits: trust, md5, password, scram) and split seed
 *   byte 1      number of requests to pipeline once the startup is done (0..8)
 *   next bytes  one per request: which one (see submit below)
 *   the rest    every byte the server sends, from its first reply on
 * The users, passwords, SCRAM nonce and requests are those of
 * tests/pgwire/pgw_record.c, so streams recorded from PostgreSQL (the seeds,
 * see make_seeds.py) drive the conn through startup, auth and real answers,
 * and mutations explore every state from there. The stream arrives in reads
 * of random size; at EOF every request must have completed, with an answer
 * or an error. Afterwards every message of the stream also goes through
 * every field parser, whatever its type, to reach those parsers with bodies
 * the conn's state machine would refuse first.
 */
#include <errno.h>

#include "fuzz.h"

#include "pg.h"
#include "pgwire/conn.h"
#include "pgwire/proto.h"

#define MAX_OPS 8
#define TYPES_SQL "SELECT true AS b, 1.5::float8 AS f, '\\x00ff'::bytea AS by, " \
	"123456789012::int8 AS i8, (-2)::int2 AS i2, 'abc'::varchar AS v, NULL::int4 AS n"

static const struct rs_pgw_conn_cfg auth_cfg[4] = {
	{ .user = "bench", .database = "bench" },
	{ .user = "bench_md5", .password = "md5pass", .database = "bench" },
	{ .user = "bench_pw", .password = "plainpass", .database = "bench" },
	{ .user = "bench_scram", .password = "scrampass", .database = "bench",
	  .scram_nonce = "pgwtestnonce0123456789AB" },
};

/* The requests of pgw_record.c's recordings; op % 5 picks one. */
static int submit(struct rs_pgw_conn *c, uint8_t op)
{
	static const uint32_t int4[] = { 23 };
	static const char *seven[] = { "7" }, *five[] = { "5" };
	struct rs_pgw_params p = { .n = 1, .values = seven, .result_format = RS_PG_FMT_BINARY };

	switch (op % 5) {
	case 0:
		return rs_pgw_conn_query(c, "SELECT 1", NULL);
	case 1:
		return rs_pgw_conn_prepare(c, "s1", "SELECT $1::int4 * g AS n FROM generate_series(1, 3) g",
					   1, int4, NULL);
	case 2:
		return rs_pgw_conn_execute(c, "s1", &p, NULL);
	case 3:
		p = (struct rs_pgw_params){ .n = 1, .types = int4, .values = five };
		return rs_pgw_conn_execute_sql(c, "s2", "SELECT $1::int4 AS v", &p, NULL);
	default:
		p = (struct rs_pgw_params){ .result_format = RS_PG_FMT_BINARY };
		return rs_pgw_conn_execute_sql(c, "", TYPES_SQL, &p, NULL);
	}
}

/* Read every cell every way the workloads might: the accessors must cope with any bytes. */
static void walk_result(const struct rs_pg_result *r)
{
	struct rs_buf bytes = { 0 };

	if (!r->ok) {
		REQUIRE(r->err.message);
		return;
	}
	REQUIRE(r->ncols >= 0);
	for (int col = 0; col < r->ncols; col++)
		REQUIRE(rs_pg_colnum(r, r->cols[col].name) <= col);
	for (size_t row = 0; row < r->nrows; row++) {
		for (int col = 0; col < r->ncols; col++) {
			int64_t i;
			double d;
			bool b;
			size_t len;
			const char *t = rs_pg_get_text(r, row, col, &len);

			REQUIRE(!t || t[len] == '\0');
			REQUIRE(!rs_pg_is_null(r, row, col) || !t);
			rs_pg_get_int(r, row, col, &i);
			rs_pg_get_float8(r, row, col, &d);
			rs_pg_get_bool(r, row, col, &b);
			rs_buf_clear(&bytes);
			rs_pg_get_bytea(r, row, col, &bytes);
		}
	}
	REQUIRE(rs_pg_get_text(r, r->nrows, 0, NULL) == NULL);
	rs_buf_free(&bytes);
}

static size_t collect(struct rs_pgw_conn *c)
{
	struct rs_pgw_done d;
	size_t n = 0;

	while (rs_pgw_conn_next_done(c, &d) == 0) {
		REQUIRE((d.status == 0) == (d.res != NULL));
		if (d.res)
			walk_result(d.res);
		rs_pg_result_free(d.res);
		n++;
	}
	return n;
}

/*
 * Where the startup ends: just after the first ReadyForQuery. A server
 * answers a query only after it was sent, so no read crosses this point:
 * the requests are submitted there, as the glue would once ready.
 */
static size_t startup_end(const char *stream, size_t len)
{
	struct rs_pgw_msg m;
	size_t off = 0;
	int n;

	while ((n = rs_pgw_msg_next(stream + off, len - off, &m)) > 0) {
		off += (size_t)n;
		if (m.type == RS_PGW_READY)
			return off;
	}
	return len;
}

/* Feed the stream in reads of 1..step bytes, pipelining the requests once the conn is ready. */
static void drive(const struct rs_pgw_conn_cfg *cfg, const uint8_t *ops, size_t nops,
		  const char *stream, size_t len, uint32_t seed)
{
	uint32_t step = seed & 1 ? 4096 : (seed & 63) + 1;
	size_t off = 0, submitted = 0, done = 0, boundary = startup_end(stream, len);
	struct rs_pgw_conn *c;
	bool sent = false;

	REQUIRE(rs_pgw_conn_new(cfg, &c) == 0);
	REQUIRE(rs_pgw_conn_start(c) == 0);
	while (off < len && !rs_pgw_conn_broken(c)) {
		size_t n = fuzz_rand(&seed) % step + 1;
		char *p;
		size_t room;

		if (n > len - off)
			n = len - off;
		if (off < boundary && n > boundary - off)
			n = boundary - off;
		/* What the glue would send: the conn must not care when it leaves. */
		rs_pgw_sent(c, rs_pgw_out(c)->len);
		REQUIRE(rs_pgw_recv_space(c, &p, &room) == 0 && room > 0);
		if (n > room)
			n = room;
		memcpy(p, stream + off, n);
		rs_pgw_received(c, n);
		off += n;
		if (!sent && rs_pgw_conn_ready(c)) {
			for (size_t i = 0; i < nops; i++)
				submitted += submit(c, ops[i]) == 0;
			sent = true;
			rs_pgw_conn_param(c, "server_version");
			struct rs_buf cancel = { 0 };
			rs_pgw_cancel_request(c, &cancel);
			rs_buf_free(&cancel);
		}
		done += collect(c);
	}
	/* EOF: whatever is still pending fails, nothing is lost. */
	rs_pgw_received(c, 0);
	REQUIRE(rs_pgw_conn_broken(c) && rs_pgw_conn_status(c) < 0);
	REQUIRE(*rs_pgw_conn_errmsg(c));
	done += collect(c);
	REQUIRE(rs_pgw_conn_pending(c) == 0);
	REQUIRE(done == submitted);
	rs_pgw_conn_free(c);
}

/* Every parser on every framed message: each must stay inside the body whatever the type says. */
static void parse_all(const char *stream, size_t len)
{
	struct rs_pgw_msg m;
	int n;

	while ((n = rs_pgw_msg_next(stream, len, &m)) > 0) {
		struct rs_pgw_fields f;
		struct rs_pgw_coldesc col;
		struct rs_pgw_cur cur;
		struct rs_pgw_auth a;
		const char *s, *t;
		int32_t i32, j32;
		uint32_t u32;
		uint16_t cnt;
		size_t sz;
		int8_t fmt;
		char tx;

		REQUIRE((size_t)n == (size_t)m.len + 5 && (size_t)n <= len);
		REQUIRE(m.body == stream + 5);
		if (!rs_pgw_parse_fields(&m, &f) && f.message)
			REQUIRE(f.message >= m.body && f.message < m.body + m.len);
		if (!rs_pgw_rowdesc(&m, &cnt, &cur))
			for (uint16_t i = 0; i < cnt && !rs_pgw_rowdesc_col(&cur, &col); i++)
				REQUIRE(col.name + col.namelen < m.body + m.len);
		if (!rs_pgw_datarow(&m, &cnt, &cur))
			for (uint16_t i = 0; i < cnt && !rs_pgw_datarow_val(&cur, &s, &i32); i++)
				REQUIRE(i32 == -1 || s + i32 <= m.body + m.len);
		if (!rs_pgw_command_complete(&m, &s, &sz))
			REQUIRE(s[sz] == '\0');
		rs_pgw_param_status(&m, &s, &t);
		if (!rs_pgw_backend_key(&m, &i32, &s, &sz))
			REQUIRE(sz >= 1 && sz <= 256);
		rs_pgw_ready(&m, &tx);
		if (!rs_pgw_auth(&m, &a))
			rs_pgw_auth_has_mech(&a, "SCRAM-SHA-256");
		rs_pgw_notification(&m, &i32, &s, &t);
		if (!rs_pgw_param_desc(&m, &cnt, &cur))
			while (!rs_pgw_cur_u32(&cur, &u32))
				;
		if (!rs_pgw_copy_response(&m, &fmt, &cnt, &cur))
			REQUIRE(cur.end - cur.p == 2 * cnt);
		if (!rs_pgw_negotiate(&m, &i32, &j32, &cur))
			for (int32_t i = 0; i < j32 && !rs_pgw_cur_str(&cur, &s); i++)
				;
		rs_pgw_empty(&m);
		stream += n;
		len -= (size_t)n;
	}
	REQUIRE(n == 0 || n == -EPROTO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nops, head;
	char *stream;

	if (size < 2)
		return 0;
	nops = data[1] % (MAX_OPS + 1);
	head = 2 + nops;
	if (size < head)
		return 0;
	stream = fuzz_dup(data + head, size - head);
	drive(&auth_cfg[data[0] & 3], data + 2, nops, stream, size - head, data[0] >> 2);
	parse_all(stream, size - head);
	free(stream);
	return 0;
}
