/* test_pgwire_scram.c - SCRAM-SHA-256 against hashlib-computed vectors (gen_scram.py) and MD5 against md5sum. */
#include "pgw_test.h"
#include "pgwire/scram.h"
#include "scram_vectors.h"

static void buf_is(struct rs_buf *b, const char *want)
{
	REQUIRE_INT(b->len, strlen(want));
	REQUIRE(!memcmp(rs_buf_head(b), want, b->len));
	rs_buf_clear(b);
}

/* One full exchange; then the server-final is checked as given, and tampered. */
static void exchange(const char *user, const char *password, const char *nonce,
		     const char *server_first, const char *client_first,
		     const char *client_final, const char *server_final)
{
	struct rs_buf out = { 0 };
	struct rs_scram s;
	char bad[128];

	REQUIRE(!rs_scram_start(&s, user, nonce, &out));
	buf_is(&out, client_first);
	REQUIRE(!rs_scram_continue(&s, password, server_first, strlen(server_first), &out));
	buf_is(&out, client_final);
	/* Flip one signature character: the server does not know the password. */
	snprintf(bad, sizeof(bad), "%s", server_final);
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	REQUIRE_INT(rs_scram_finish(&s, bad, strlen(bad)), -EACCES);
	REQUIRE(s.why && strstr(s.why, "signature"));
	REQUIRE(!rs_scram_finish(&s, server_final, strlen(server_final)));
	rs_scram_clear(&s);
	rs_buf_free(&out);
}

static void test_vectors(void)
{
	exchange(RFC7677_USER, RFC7677_PASSWORD, RFC7677_NONCE, RFC7677_SERVER_FIRST,
		 RFC7677_CLIENT_FIRST, RFC7677_CLIENT_FINAL, RFC7677_SERVER_FINAL);
	exchange(LOCAL_USER, LOCAL_PASSWORD, LOCAL_NONCE, LOCAL_SERVER_FIRST,
		 LOCAL_CLIENT_FIRST, LOCAL_CLIENT_FINAL, LOCAL_SERVER_FINAL);
	exchange(REC_USER, REC_PASSWORD, REC_NONCE, REC_SERVER_FIRST,
		 REC_CLIENT_FIRST, REC_CLIENT_FINAL, REC_SERVER_FINAL);
}

/* server_first must be refused with -EBADMSG. */
static void refused(const char *server_first)
{
	struct rs_buf out = { 0 };
	struct rs_scram s;

	REQUIRE(!rs_scram_start(&s, "", "abc", &out));
	rs_buf_clear(&out);
	REQUIRE_INT(rs_scram_continue(&s, "pw", server_first, strlen(server_first), &out), -EBADMSG);
	REQUIRE_INT(out.len, 0);
	rs_scram_clear(&s);
	rs_buf_free(&out);
}

static void test_malformed(void)
{
	struct rs_buf out = { 0 };
	struct rs_scram s;

	refused("r=xyz123,s=c2FsdHk=,i=4096");          /* nonce not ours */
	refused("r=abc,s=c2FsdHk=,i=4096");             /* nonce not extended */
	refused("r=abcdef,s=c2FsdHk=,i=0");
	refused("r=abcdef,s=c2FsdHk=,i=99999999");
	refused("r=abcdef,s=c2FsdHk=,i=12x");
	refused("r=abcdef,i=4096");
	refused("m=ext,r=abcdef,s=c2FsdHk=,i=4096");
	refused("r=abcdef,s=c2FsdHk=,i=4096,x=1");
	refused("r=abcdef,s=!!!!,i=4096");

	REQUIRE(!rs_scram_start(&s, "", "abc", &out));
	REQUIRE(!rs_scram_continue(&s, "pw", "r=abcdef,s=c2FsdHk=,i=1", 23, &out));
	REQUIRE_INT(rs_scram_finish(&s, "e=invalid-proof", 15), -EBADMSG);
	REQUIRE_INT(rs_scram_finish(&s, "v=", 2), -EACCES);
	REQUIRE_INT(rs_scram_finish(&s, "x=abcd", 6), -EBADMSG);
	rs_scram_clear(&s);
	rs_buf_free(&out);

	REQUIRE_INT(rs_scram_start(&s, "", "a,b", &out), -EINVAL);
}

static void test_random_nonce(void)
{
	struct rs_buf out = { 0 };
	struct rs_scram s;
	char first[64];

	REQUIRE(!rs_scram_start(&s, "", NULL, &out));
	REQUIRE_INT(strlen(s.nonce), RS_SCRAM_NONCE_LEN);
	REQUIRE(!strchr(s.nonce, ','));
	snprintf(first, sizeof(first), "n,,n=,r=%s", s.nonce);
	buf_is(&out, first);
	rs_scram_clear(&s);
	rs_buf_free(&out);
}

static void test_md5(void)
{
	static const unsigned char salt1[4] = { 0x01, 0x02, 0x03, 0xff };
	static const unsigned char salt2[4] = { 0x22, 0x4f, 0xb3, 0xde };
	char out[RS_PG_MD5_LEN + 1];

	/*
	 * inner = printf 'md5passbench_md5' | md5sum
	 *       = b50003718894eadef8163598a0a9369e (also pg_authid.rolpassword)
	 * printf 'b50003718894eadef8163598a0a9369e\x01\x02\x03\xff' | md5sum
	 */
	REQUIRE(!rs_pg_md5_password("bench_md5", "md5pass", salt1, out));
	REQUIRE_STR(out, "md57a694b01c62d309e9a6e3691ea6fddb7");
	/* printf 'b50003718894eadef8163598a0a9369e\x22\x4f\xb3\xde' | md5sum */
	REQUIRE(!rs_pg_md5_password("bench_md5", "md5pass", salt2, out));
	REQUIRE_STR(out, "md5512a9d160190be75fcd9f384bb035c18");
}

int main(void)
{
	test_vectors();
	test_malformed();
	test_random_nonce();
	test_md5();
	printf("ok\n");
	return 0;
}
