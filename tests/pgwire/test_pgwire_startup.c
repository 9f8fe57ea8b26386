/* test_pgwire_startup.c - startup and every auth method on recorded PostgreSQL 15 streams, split every way. */
#include "pgw_test.h"
#include "pgwire/scram.h"
#include "recorded.h"
#include "scram_vectors.h"

static struct rs_pgw_conn *new_conn(const char *user, const char *password, const char *nonce)
{
	struct rs_pgw_conn_cfg cfg = { .user = user, .password = password, .database = "bench",
				       .scram_nonce = nonce };
	struct rs_pgw_conn *c;

	REQUIRE(!rs_pgw_conn_new(&cfg, &c));
	REQUIRE(!rs_pgw_conn_start(c));
	return c;
}

/* Skip the StartupMessage at the front of out; return the rest's first message. */
static struct rs_pgw_msg after_startup(struct rs_pgw_conn *c, int index)
{
	struct rs_buf *out = rs_pgw_out(c);
	const unsigned char *p = (const unsigned char *)rs_buf_head(out);
	size_t off = ((size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]);
	struct rs_pgw_msg m;

	off += pgw_msg_off(p + off, out->len - off, index);
	REQUIRE(rs_pgw_msg_next((const char *)p + off, out->len - off, &m) > 0);
	return m;
}

static void trust(void)
{
	struct rs_pgw_conn *c = new_conn("bench", NULL, NULL);
	struct rs_buf *out = rs_pgw_out(c);
	struct rs_buf cancel = { 0 };

	REQUIRE(memmem(rs_buf_head(out), out->len, "user\0bench\0database\0bench\0", 26));
	REQUIRE(memmem(rs_buf_head(out), out->len, "client_encoding\0UTF8\0", 21));
	REQUIRE_INT(rs_pgw_conn_query(c, "SELECT 1", NULL), -ENOTCONN);
	REQUIRE(!pgw_feed(c, rec_trust_startup, sizeof(rec_trust_startup)));
	REQUIRE(rs_pgw_conn_ready(c) && !rs_pgw_conn_broken(c));
	REQUIRE_INT(rs_pgw_conn_txstatus(c), 'I');
	REQUIRE(!strncmp(rs_pgw_conn_param(c, "server_version"), "15.", 3));
	REQUIRE_STR(rs_pgw_conn_param(c, "client_encoding"), "UTF8");
	REQUIRE(!rs_pgw_conn_param(c, "nope"));
	REQUIRE_INT(rs_pgw_conn_backend_pid(c), 0x4ffb);
	REQUIRE(!rs_pgw_cancel_request(c, &cancel));
	REQUIRE_INT(cancel.len, 16);
	REQUIRE(!memcmp(cancel.data, "\0\0\0\x10\x04\xd2\x16\x2e\0\0\x4f\xfb\xfd\x45\x8e\x29", 16));
	rs_buf_free(&cancel);
	REQUIRE_INT(rs_pgw_conn_start(c), -EALREADY);
	rs_pgw_conn_free(c);
}

static void md5(void)
{
	struct rs_pgw_conn *c = new_conn("bench_md5", "md5pass", NULL);
	struct rs_pgw_msg m;

	REQUIRE(!pgw_feed(c, rec_md5_startup, sizeof(rec_md5_startup)));
	REQUIRE(rs_pgw_conn_ready(c));
	/* Salt 22 4f b3 de is in the recording; the hash is computed in test_pgwire_scram.c's way. */
	m = after_startup(c, 0);
	REQUIRE_INT(m.type, 'p');
	REQUIRE_STR(m.body, "md5512a9d160190be75fcd9f384bb035c18");
	rs_pgw_conn_free(c);
}

static void cleartext(void)
{
	struct rs_pgw_conn *c = new_conn("bench_pw", "plainpass", NULL);
	struct rs_pgw_msg m;

	REQUIRE(!pgw_feed(c, rec_pw_startup, sizeof(rec_pw_startup)));
	REQUIRE(rs_pgw_conn_ready(c));
	m = after_startup(c, 0);
	REQUIRE_INT(m.type, 'p');
	REQUIRE_STR(m.body, "plainpass");
	rs_pgw_conn_free(c);
}

static void scram(void)
{
	struct rs_pgw_conn *c = new_conn("bench_scram", REC_PASSWORD, REC_NONCE);
	struct rs_pgw_msg m;
	const char *first = REC_CLIENT_FIRST, *final = REC_CLIENT_FINAL;

	REQUIRE(!pgw_feed(c, rec_scram_startup, sizeof(rec_scram_startup)));
	REQUIRE(rs_pgw_conn_ready(c));
	m = after_startup(c, 0);
	REQUIRE_INT(m.type, 'p');
	REQUIRE_STR(m.body, "SCRAM-SHA-256");
	REQUIRE_INT(m.len, 14 + 4 + strlen(first));
	REQUIRE(!memcmp(m.body + 18, first, strlen(first)));
	m = after_startup(c, 1);
	REQUIRE_INT(m.type, 'p');
	REQUIRE(m.len == strlen(final) && !memcmp(m.body, final, m.len));
	rs_pgw_conn_free(c);
}

/* The recorded SCRAM stream with one byte of the server signature changed. */
static void scram_bad_signature(void)
{
	unsigned char s[sizeof(rec_scram_startup)];
	struct rs_pgw_conn *c = new_conn("bench_scram", REC_PASSWORD, REC_NONCE);
	size_t off = pgw_msg_off(rec_scram_startup, sizeof(s), 2);

	memcpy(s, rec_scram_startup, sizeof(s));
	REQUIRE(!memcmp(s + off + 9, "v=", 2));
	s[off + 12] ^= 1;
	REQUIRE_INT(pgw_feed(c, s, sizeof(s)), -EACCES);
	REQUIRE(rs_pgw_conn_broken(c) && !rs_pgw_conn_ready(c));
	REQUIRE(strstr(rs_pgw_conn_errmsg(c), "signature"));
	REQUIRE_INT(rs_pgw_conn_query(c, "SELECT 1", NULL), -EPIPE);
	rs_pgw_conn_free(c);
}

/* A server that says AuthenticationOk without proving it knows the password. */
static void scram_skipped_final(void)
{
	struct rs_pgw_conn *c = new_conn("bench_scram", REC_PASSWORD, REC_NONCE);
	size_t a = pgw_msg_off(rec_scram_startup, sizeof(rec_scram_startup), 2);
	size_t b = pgw_msg_off(rec_scram_startup, sizeof(rec_scram_startup), 3);
	struct rs_buf s = { 0 };

	REQUIRE(!rs_buf_append(&s, rec_scram_startup, a));
	REQUIRE(!rs_buf_append(&s, rec_scram_startup + b, sizeof(rec_scram_startup) - b));
	REQUIRE_INT(pgw_feed(c, s.data, s.len), -EBADMSG);
	REQUIRE(rs_pgw_conn_broken(c));
	rs_buf_free(&s);
	rs_pgw_conn_free(c);
}

static void wrong_password(void)
{
	struct rs_pgw_conn *c = new_conn("bench_md5", "wrongpass", NULL);
	const struct rs_pg_error *e;

	REQUIRE_INT(pgw_feed(c, rec_md5_wrong, sizeof(rec_md5_wrong)), -EACCES);
	REQUIRE(rs_pgw_conn_broken(c));
	e = rs_pgw_conn_error(c);
	REQUIRE(e);
	REQUIRE_STR(e->sqlstate, "28P01");
	REQUIRE_STR(e->severity, "FATAL");
	REQUIRE(strstr(e->message, "password authentication failed"));
	REQUIRE(strstr(rs_pgw_conn_errmsg(c), "28P01"));
	rs_pgw_conn_free(c);
}

static void no_password(void)
{
	struct rs_pgw_conn *c = new_conn("bench_md5", NULL, NULL);

	REQUIRE_INT(pgw_feed(c, rec_md5_startup, sizeof(rec_md5_startup)), -EACCES);
	REQUIRE(!rs_pgw_conn_error(c)); /* refused by us, not the server */
	rs_pgw_conn_free(c);
}

static void unsupported(void)
{
	static const char gss[] = "\0\0\0\x07";
	static const char plus_only[] = "\0\0\0\x0aSCRAM-SHA-256-PLUS\0\0";
	struct rs_pgw_conn *c = new_conn("u", "pw", NULL);
	struct rs_buf s = { 0 };

	pgw_put_msg(&s, 'R', gss, 4);
	REQUIRE_INT(pgw_feed(c, s.data, s.len), -EPROTONOSUPPORT);
	REQUIRE(strstr(rs_pgw_conn_errmsg(c), "not supported"));
	rs_pgw_conn_free(c);
	rs_buf_clear(&s);
	c = new_conn("u", "pw", NULL);
	pgw_put_msg(&s, 'R', plus_only, sizeof(plus_only) - 1);
	REQUIRE_INT(pgw_feed(c, s.data, s.len), -EPROTONOSUPPORT);
	REQUIRE(strstr(rs_pgw_conn_errmsg(c), "SASL"));
	rs_pgw_conn_free(c);
	rs_buf_free(&s);
}

static void eof_and_garbage(void)
{
	struct rs_pgw_conn *c = new_conn("bench", NULL, NULL);

	REQUIRE(!pgw_feed(c, rec_trust_startup, 100));
	REQUIRE_INT(rs_pgw_received(c, 0), -ECONNRESET);
	REQUIRE(rs_pgw_conn_broken(c));
	rs_pgw_conn_free(c);

	c = new_conn("bench", NULL, NULL);
	/* A DataRow during startup is a protocol violation. */
	REQUIRE_INT(pgw_feed(c, "D\0\0\0\x06\0\0", 7), -EPROTO);
	rs_pgw_conn_free(c);

	c = new_conn("bench", NULL, NULL);
	/* ReadyForQuery before any AuthenticationOk */
	REQUIRE_INT(pgw_feed(c, "Z\0\0\0\x05I", 6), -EPROTO);
	rs_pgw_conn_free(c);
}

static void all(void)
{
	trust();
	md5();
	cleartext();
	scram();
	scram_bad_signature();
	scram_skipped_final();
	wrong_password();
	no_password();
	unsupported();
	eof_and_garbage();
}

int main(void)
{
	pgw_run_all(all, sizeof(rec_scram_startup));
	printf("ok\n");
	return 0;
}
