/* test_pgwire_proto.c - message encoders byte for byte, the framer, and every field parser. */
#include "pgw_test.h"
#include "recorded.h"

/* out must hold exactly want[0..n). */
static void check_bytes(struct rs_buf *out, const char *want, size_t n)
{
	if (out->len != n || memcmp(rs_buf_head(out), want, n)) {
		fprintf(stderr, "encoded:");
		for (size_t i = 0; i < out->len; i++)
			fprintf(stderr, " %02x", (unsigned char)rs_buf_head(out)[i]);
		fprintf(stderr, "\n");
	}
	REQUIRE_INT(out->len, n);
	REQUIRE(!memcmp(rs_buf_head(out), want, n));
	rs_buf_clear(out);
}

#define WANT(b, lit) check_bytes(b, lit, sizeof(lit) - 1)

static void test_encoders(void)
{
	static const char *const params[] = { "user", "u", "database", "d", NULL };
	static const uint32_t types[] = { 23, 25 };
	const char *values[] = { "12", NULL, "\x00\x00\x00\x07" };
	const int lengths[] = { 2, 0, 4 }, formats[] = { 0, 0, 1 };
	struct rs_buf b = { 0 };
	static const unsigned char key[4] = { 1, 2, 3, 4 };

	REQUIRE(!rs_pgw_put_startup(&b, params));
	WANT(&b, "\0\0\0\x1b\0\x03\0\0user\0u\0database\0d\0\0");
	REQUIRE(!rs_pgw_put_query(&b, "SELECT 1"));
	WANT(&b, "Q\0\0\0\x0dSELECT 1\0");
	REQUIRE(!rs_pgw_put_parse(&b, "s", "q", 2, types));
	WANT(&b, "P\0\0\0\x12s\0q\0\0\x02\0\0\0\x17\0\0\0\x19");
	REQUIRE(!rs_pgw_put_parse(&b, "", "q", 2, NULL));
	WANT(&b, "P\0\0\0\x09\0q\0\0\0");
	REQUIRE(!rs_pgw_put_bind(&b, "", "s", 3, values, lengths, formats, 1));
	WANT(&b, "B\0\0\0\x27\0s\0\0\x03\0\0\0\0\0\x01\0\x03\0\0\0\x02" "12"
		 "\xff\xff\xff\xff\0\0\0\x04\0\0\0\x07\0\x01\0\x01");
	/* All-text params with no lengths: strlen, no format codes, text results. */
	REQUIRE(!rs_pgw_put_bind(&b, "p", "", 1, values, NULL, NULL, 0));
	WANT(&b, "B\0\0\0\x13p\0\0\0\0\0\x01\0\0\0\x02" "12\0\0");
	REQUIRE(!rs_pgw_put_describe(&b, 'P', ""));
	WANT(&b, "D\0\0\0\x06P\0");
	REQUIRE(!rs_pgw_put_execute(&b, "", 0));
	WANT(&b, "E\0\0\0\x09\0\0\0\0\0");
	REQUIRE(!rs_pgw_put_close(&b, 'S', "s1"));
	WANT(&b, "C\0\0\0\x08Ss1\0");
	REQUIRE_INT(rs_pgw_put_close(&b, 'X', "s1"), -EINVAL);
	REQUIRE(!rs_pgw_put_sync(&b));
	WANT(&b, "S\0\0\0\x04");
	REQUIRE(!rs_pgw_put_flush(&b));
	WANT(&b, "H\0\0\0\x04");
	REQUIRE(!rs_pgw_put_terminate(&b));
	WANT(&b, "X\0\0\0\x04");
	REQUIRE(!rs_pgw_put_copy_fail(&b, "no"));
	WANT(&b, "f\0\0\0\x07no\0");
	REQUIRE(!rs_pgw_put_password(&b, "pw"));
	WANT(&b, "p\0\0\0\x07pw\0");
	REQUIRE(!rs_pgw_put_sasl_initial(&b, "M", "ab", 2));
	WANT(&b, "p\0\0\0\x0cM\0\0\0\0\x02" "ab");
	REQUIRE(!rs_pgw_put_sasl_response(&b, "xyz", 3));
	WANT(&b, "p\0\0\0\x07xyz");
	REQUIRE(!rs_pgw_put_cancel(&b, 0x01020304, key, 4));
	WANT(&b, "\0\0\0\x10\x04\xd2\x16\x2e\x01\x02\x03\x04\x01\x02\x03\x04");
	REQUIRE_INT(rs_pgw_put_bind(&b, "", "", 70000, values, NULL, NULL, 0), -EINVAL);
	REQUIRE_INT(b.len, 0);
	rs_buf_free(&b);
}

static void test_framer(void)
{
	static const char sync_ok[] = "Z\0\0\0\x05I";
	struct rs_pgw_msg m;

	for (size_t i = 0; i < 6; i++)
		REQUIRE_INT(rs_pgw_msg_next(sync_ok, i, &m), 0);
	REQUIRE_INT(rs_pgw_msg_next(sync_ok, 6, &m), 6);
	REQUIRE_INT(m.type, 'Z');
	REQUIRE_INT(m.len, 1);
	REQUIRE_INT(m.body[0], 'I');
	REQUIRE_INT(rs_pgw_msg_need(sync_ok, 2), 5);
	REQUIRE_INT(rs_pgw_msg_need(sync_ok, 5), 6);
	REQUIRE_INT(rs_pgw_msg_next("Z\0\0\0\x03", 5, &m), -EPROTO);
	REQUIRE_INT(rs_pgw_msg_next("D\x40\0\0\x01", 5, &m), -EPROTO);
	REQUIRE_INT(rs_pgw_msg_next("D\x40\0\0\0", 5, &m), 0); /* exactly 1 GiB: allowed, incomplete */
}

/* The index-th message of a recorded stream. */
static struct rs_pgw_msg msg_at(const unsigned char *p, size_t len, int index)
{
	size_t off = pgw_msg_off(p, len, index);
	struct rs_pgw_msg m;

	REQUIRE(rs_pgw_msg_next((const char *)p + off, len - off, &m) > 0);
	return m;
}

static void test_error_fields(void)
{
	struct rs_pgw_msg m = msg_at(rec_error_then_ok, sizeof(rec_error_then_ok), 0);
	struct rs_pgw_fields f;

	REQUIRE_INT(m.type, 'E');
	REQUIRE(!rs_pgw_parse_fields(&m, &f));
	REQUIRE_STR(f.severity, "ERROR");
	REQUIRE_STR(f.severity_nl, "ERROR");
	REQUIRE_STR(f.sqlstate, "22012");
	REQUIRE_STR(f.message, "division by zero");
	REQUIRE_STR(f.file, "int.c");
	REQUIRE(f.line && f.routine);
	REQUIRE(!f.detail && !f.hint);
	m.len--; /* lose the terminator */
	REQUIRE_INT(rs_pgw_parse_fields(&m, &f), -EPROTO);

	m = msg_at(rec_notice_rows, sizeof(rec_notice_rows), 1);
	REQUIRE_INT(m.type, 'N');
	REQUIRE(!rs_pgw_parse_fields(&m, &f));
	REQUIRE_STR(f.severity_nl, "NOTICE");
	REQUIRE_STR(f.message, "row 1");
	REQUIRE(f.where);
}

static void test_rows(void)
{
	struct rs_pgw_msg m = msg_at(rec_simple_rows, sizeof(rec_simple_rows), 0);
	struct rs_pgw_coldesc col;
	struct rs_pgw_cur cur;
	const char *v, *tag;
	size_t len;
	int32_t n;
	uint16_t ncols;

	REQUIRE(!rs_pgw_rowdesc(&m, &ncols, &cur));
	REQUIRE_INT(ncols, 3);
	REQUIRE(!rs_pgw_rowdesc_col(&cur, &col));
	REQUIRE_STR(col.name, "a");
	REQUIRE_INT(col.namelen, 1);
	REQUIRE_INT(col.type_oid, 23);
	REQUIRE_INT(col.typlen, 4);
	REQUIRE_INT(col.format, 0);
	REQUIRE(!rs_pgw_rowdesc_col(&cur, &col));
	REQUIRE_INT(col.type_oid, 25);
	REQUIRE_INT(col.typlen, -1);
	REQUIRE(!rs_pgw_rowdesc_col(&cur, &col));
	REQUIRE(cur.p == cur.end);
	REQUIRE_INT(rs_pgw_rowdesc_col(&cur, &col), -EPROTO);

	m = msg_at(rec_simple_rows, sizeof(rec_simple_rows), 1);
	REQUIRE(!rs_pgw_datarow(&m, &ncols, &cur));
	REQUIRE_INT(ncols, 3);
	REQUIRE(!rs_pgw_datarow_val(&cur, &v, &n));
	REQUIRE(n == 1 && v[0] == '1');
	REQUIRE(!rs_pgw_datarow_val(&cur, &v, &n));
	REQUIRE(n == 5 && !memcmp(v, "hello", 5));
	REQUIRE(!rs_pgw_datarow_val(&cur, &v, &n));
	REQUIRE(n == -1 && !v);
	REQUIRE_INT(rs_pgw_datarow_val(&cur, &v, &n), -EPROTO);

	m = msg_at(rec_simple_rows, sizeof(rec_simple_rows), 3);
	REQUIRE(!rs_pgw_command_complete(&m, &tag, &len));
	REQUIRE_STR(tag, "SELECT 2");
	REQUIRE_INT(len, 8);
	REQUIRE_INT(rs_pg_tag_rows(tag, len), 2);
}

static void test_startup_msgs(void)
{
	struct rs_pgw_msg m = msg_at(rec_md5_startup, sizeof(rec_md5_startup), 0);
	struct rs_pgw_auth a;
	const char *name, *value, *key;
	size_t keylen;
	int32_t pid;
	char tx;
	static const char longkey[] = "\0\0\0\x2a" "0123456789abcdef0123456789abcdef";

	REQUIRE(!rs_pgw_auth(&m, &a));
	REQUIRE_INT(a.code, RS_PGW_AUTH_MD5);
	REQUIRE(!memcmp(a.salt, "\x22\x4f\xb3\xde", 4));
	m = msg_at(rec_scram_startup, sizeof(rec_scram_startup), 0);
	REQUIRE(!rs_pgw_auth(&m, &a));
	REQUIRE_INT(a.code, RS_PGW_AUTH_SASL);
	REQUIRE(rs_pgw_auth_has_mech(&a, "SCRAM-SHA-256"));
	REQUIRE(!rs_pgw_auth_has_mech(&a, "SCRAM-SHA-256-PLUS"));

	m = msg_at(rec_trust_startup, sizeof(rec_trust_startup), 1);
	REQUIRE(!rs_pgw_param_status(&m, &name, &value));
	REQUIRE_STR(name, "application_name");
	REQUIRE_STR(value, "ringside");

	m = msg_at(rec_trust_startup, sizeof(rec_trust_startup), 14);
	REQUIRE_INT(m.type, 'K');
	REQUIRE(!rs_pgw_backend_key(&m, &pid, &key, &keylen));
	REQUIRE_INT(pid, 0x4ffb);
	REQUIRE_INT(keylen, 4);
	/* Newer servers may send a longer key; the parser goes by the message length. */
	m.body = longkey;
	m.len = sizeof(longkey) - 1;
	REQUIRE(!rs_pgw_backend_key(&m, &pid, &key, &keylen));
	REQUIRE_INT(pid, 42);
	REQUIRE_INT(keylen, 32);
	m.len = 4;
	REQUIRE_INT(rs_pgw_backend_key(&m, &pid, &key, &keylen), -EPROTO);

	m = msg_at(rec_trust_startup, sizeof(rec_trust_startup), 15);
	REQUIRE(!rs_pgw_ready(&m, &tx));
	REQUIRE_INT(tx, 'I');
	m.body = "X";
	REQUIRE_INT(rs_pgw_ready(&m, &tx), -EPROTO);
}

static void test_misc_msgs(void)
{
	struct rs_pgw_msg m = msg_at(rec_notify, sizeof(rec_notify), 1);
	struct rs_pgw_cur cur;
	const char *chan, *payload, *opt, *data;
	int32_t pid, minor, nopts;
	uint16_t n;
	uint32_t oid;
	int8_t fmt;
	size_t len;
	static const char negotiate[] = "\0\0\0\0\0\0\0\x01_pq_.x\0";

	REQUIRE(!rs_pgw_notification(&m, &pid, &chan, &payload));
	REQUIRE_STR(chan, "pgw_chan");
	REQUIRE_STR(payload, "hello");

	m = msg_at(rec_prepare, sizeof(rec_prepare), 2);
	REQUIRE(!rs_pgw_param_desc(&m, &n, &cur));
	REQUIRE_INT(n, 1);
	REQUIRE(!rs_pgw_cur_u32(&cur, &oid));
	REQUIRE_INT(oid, 23);

	m = msg_at(rec_copy_out, sizeof(rec_copy_out), 0);
	REQUIRE(!rs_pgw_copy_response(&m, &fmt, &n, &cur));
	REQUIRE_INT(fmt, 0);
	REQUIRE_INT(n, 1);
	m = msg_at(rec_copy_out, sizeof(rec_copy_out), 1);
	REQUIRE(!rs_pgw_copy_data(&m, &data, &len));
	REQUIRE(len == 2 && !memcmp(data, "1\n", 2));
	m = msg_at(rec_copy_out, sizeof(rec_copy_out), 4);
	REQUIRE_INT(m.type, 'c');
	REQUIRE(!rs_pgw_empty(&m));

	m.type = 'v';
	m.body = negotiate;
	m.len = sizeof(negotiate) - 1;
	REQUIRE(!rs_pgw_negotiate(&m, &minor, &nopts, &cur));
	REQUIRE_INT(minor, 0);
	REQUIRE_INT(nopts, 1);
	REQUIRE(!rs_pgw_cur_str(&cur, &opt));
	REQUIRE_STR(opt, "_pq_.x");
	REQUIRE_INT(rs_pgw_empty(&m), -EPROTO);
}

int main(void)
{
	test_encoders();
	test_framer();
	test_error_fields();
	test_rows();
	test_startup_msgs();
	test_misc_msgs();
	printf("ok\n");
	return 0;
}
