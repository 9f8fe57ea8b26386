/* test_pgwire_result.c - result building, typed accessors, command tags, conninfo parsing. */
#include <math.h>
#include <sys/un.h>

#include "pgw_test.h"

static struct rs_pg_result *one_row(uint32_t oid, int16_t fmt, const char *v, int32_t len)
{
	struct rs_pg_result *r;

	CHECK(!rs_pg_result_new(&r));
	CHECK(!rs_pg_result_set_ncols(r, 2, 2));
	CHECK(!rs_pg_result_set_col(r, 0, "v", 1, oid, fmt));
	CHECK(!rs_pg_result_set_col(r, 1, "n", 1, oid, fmt));
	CHECK(!rs_pg_result_add_row(r));
	CHECK(!rs_pg_result_add_value(r, v, len));
	CHECK(!rs_pg_result_add_value(r, NULL, -1));
	CHECK_INT(rs_pg_result_add_value(r, "x", 1), -EINVAL); /* row is full */
	return r;
}

static int64_t get_int(uint32_t oid, int16_t fmt, const char *v, int32_t len, int *err)
{
	struct rs_pg_result *r = one_row(oid, fmt, v, len);
	int64_t out = -12345;

	*err = rs_pg_get_int(r, 0, 0, &out);
	rs_pg_result_free(r);
	return out;
}

static void test_ints(void)
{
	int err;

	CHECK_INT(get_int(RS_PG_OID_INT4, 0, "-42", 3, &err), -42);
	CHECK_INT(err, 0);
	CHECK_INT(get_int(RS_PG_OID_INT8, 0, "9223372036854775807", 19, &err), INT64_MAX);
	get_int(RS_PG_OID_INT8, 0, "99999999999999999999", 20, &err);
	CHECK_INT(err, -ERANGE);
	get_int(RS_PG_OID_INT4, 0, "12a", 3, &err);
	CHECK_INT(err, -EINVAL);
	get_int(RS_PG_OID_INT4, 0, "", 0, &err);
	CHECK_INT(err, -EINVAL);
	get_int(RS_PG_OID_TEXT, 0, "12", 2, &err);
	CHECK_INT(err, -EINVAL);
	CHECK_INT(get_int(RS_PG_OID_INT2, 1, "\xff\xfe", 2, &err), -2);
	CHECK_INT(get_int(RS_PG_OID_INT4, 1, "\xff\xff\xff\xd6", 4, &err), -42);
	CHECK_INT(get_int(RS_PG_OID_INT8, 1, "\x00\x00\x00\x1c\xbe\x99\x1a\x14", 8, &err),
		  123456789012LL);
	CHECK_INT(get_int(RS_PG_OID_OID, 1, "\xff\xff\xff\xff", 4, &err), 4294967295LL);
	get_int(RS_PG_OID_INT4, 1, "\x01\x02", 2, &err);
	CHECK_INT(err, -EINVAL);
}

static void test_others(void)
{
	struct rs_pg_result *r;
	struct rs_buf b = { 0 };
	double d;
	bool v;
	size_t len;
	int64_t i;

	r = one_row(RS_PG_OID_FLOAT8, 0, "1.5", 3);
	CHECK(!rs_pg_get_float8(r, 0, 0, &d) && d == 1.5);
	CHECK_INT(rs_pg_get_float8(r, 0, 1, &d), -ENODATA);
	CHECK_INT(rs_pg_get_float8(r, 1, 0, &d), -ENOENT);
	CHECK_INT(rs_pg_get_float8(r, 0, 2, &d), -ENOENT);
	CHECK_INT(rs_pg_get_float8(r, 0, -1, &d), -ENOENT);
	CHECK_INT(rs_pg_get_int(r, 0, 0, &i), -EINVAL);
	CHECK(rs_pg_is_null(r, 0, 1) && !rs_pg_is_null(r, 0, 0) && rs_pg_is_null(r, 5, 0));
	CHECK_STR(rs_pg_get_text(r, 0, 0, &len), "1.5"); /* any type in text format */
	CHECK(!rs_pg_get_text(r, 0, 1, NULL) && errno == ENODATA);
	CHECK_INT(rs_pg_colnum(r, "n"), 1);
	CHECK_INT(rs_pg_colnum(r, "zz"), -ENOENT);
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_FLOAT8, 0, "-Infinity", 9);
	CHECK(!rs_pg_get_float8(r, 0, 0, &d) && isinf(d) && d < 0);
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_FLOAT8, 0, "NaN", 3);
	CHECK(!rs_pg_get_float8(r, 0, 0, &d) && isnan(d));
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_FLOAT8, 1, "\x3f\xf8\0\0\0\0\0\0", 8);
	CHECK(!rs_pg_get_float8(r, 0, 0, &d) && d == 1.5);
	CHECK(!rs_pg_get_text(r, 0, 0, NULL) && errno == EINVAL); /* binary float is not text */
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_FLOAT4, 1, "\x3f\xc0\0\0", 4);
	CHECK(!rs_pg_get_float8(r, 0, 0, &d) && d == 1.5);
	rs_pg_result_free(r);

	r = one_row(RS_PG_OID_BOOL, 0, "t", 1);
	CHECK(!rs_pg_get_bool(r, 0, 0, &v) && v);
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_BOOL, 1, "\0", 1);
	CHECK(!rs_pg_get_bool(r, 0, 0, &v) && !v);
	rs_pg_result_free(r);

	r = one_row(RS_PG_OID_BYTEA, 0, "\\x00ff41", 8);
	CHECK(!rs_pg_get_bytea(r, 0, 0, &b));
	CHECK(b.len == 3 && !memcmp(b.data, "\0\xff" "A", 3));
	rs_pg_result_free(r);
	rs_buf_clear(&b);
	r = one_row(RS_PG_OID_BYTEA, 0, "a\\\\b\\000\\377", 12);
	CHECK(!rs_pg_get_bytea(r, 0, 0, &b));
	CHECK(b.len == 5 && !memcmp(b.data, "a\\b\0\xff", 5));
	rs_pg_result_free(r);
	rs_buf_clear(&b);
	r = one_row(RS_PG_OID_BYTEA, 0, "\\x0", 3);
	CHECK_INT(rs_pg_get_bytea(r, 0, 0, &b), -EINVAL);
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_BYTEA, 1, "\0\x01", 2);
	CHECK(!rs_pg_get_bytea(r, 0, 0, &b) && b.len == 2);
	rs_pg_result_free(r);
	rs_buf_free(&b);

	r = one_row(RS_PG_OID_VARCHAR, 1, "abc", 3);
	CHECK_STR(rs_pg_get_text(r, 0, 0, &len), "abc");
	CHECK_INT(len, 3);
	rs_pg_result_free(r);
}

static void test_many_rows(void)
{
	struct rs_pg_result *r;
	char v[16];
	int64_t x;

	CHECK(!rs_pg_result_new(&r));
	CHECK(!rs_pg_result_set_ncols(r, 1, 1));
	CHECK(!rs_pg_result_set_col(r, 0, "i", 1, RS_PG_OID_INT4, 0));
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(v, sizeof(v), "%d", i);

		CHECK(!rs_pg_result_add_row(r));
		CHECK(!rs_pg_result_add_value(r, v, n));
	}
	CHECK_INT(rs_pg_nrows(r), 10000);
	CHECK(!rs_pg_get_int(r, 9999, 0, &x) && x == 9999);
	CHECK(!rs_pg_get_int(r, 1234, 0, &x) && x == 1234);
	CHECK(!rs_pg_result_set_error(r, "ERROR", "42P01", "no table", NULL, "create it"));
	CHECK(!r->ok && r->nrows == 0 && r->ncols == 0);
	CHECK_STR(r->err.sqlstate, "42P01");
	CHECK_STR(r->err.hint, "create it");
	CHECK(!r->err.detail);
	rs_pg_result_free(r);
}

static void test_tags(void)
{
	static const struct { const char *tag; int64_t rows; } t[] = {
		{ "SELECT 5", 5 }, { "INSERT 0 1", 1 }, { "UPDATE 0", 0 }, { "DELETE 12", 12 },
		{ "COPY 3", 3 }, { "CREATE TABLE", -1 }, { "", -1 }, { "5", -1 },
		{ "MERGE 7", 7 }, { "FETCH 2", 2 },
	};

	for (size_t i = 0; i < PGW_LEN(t); i++)
		CHECK_INT(rs_pg_tag_rows(t[i].tag, strlen(t[i].tag)), t[i].rows);
	CHECK_INT(rs_pg_sqlstate_errno("28P01"), -EACCES);
	CHECK_INT(rs_pg_sqlstate_errno("3D000"), -ENOENT);
	CHECK_INT(rs_pg_sqlstate_errno("53300"), -EUSERS);
}

static void test_conninfo(void)
{
	struct rs_pg_conninfo ci;
	struct sockaddr_storage ss;
	socklen_t len;

	CHECK(!rs_pg_conninfo_parse("postgresql://bob:s%40cr%2Ft@db.example:6543/my%20db"
				    "?sslmode=disable&connect_timeout=5", &ci));
	CHECK_STR(ci.user, "bob");
	CHECK_STR(ci.password, "s@cr/t");
	CHECK_STR(ci.host, "db.example");
	CHECK_INT(ci.port, 6543);
	CHECK_STR(ci.dbname, "my db");
	CHECK_STR(ci.sslmode, "disable");
	CHECK_INT(ci.connect_timeout, 5);

	CHECK(!rs_pg_conninfo_parse("postgres://u@[::1]:7000", &ci));
	CHECK_STR(ci.host, "::1");
	CHECK_INT(ci.port, 7000);
	CHECK_STR(ci.dbname, "u");

	setenv("PGPASSWORD", "fromenv", 1);
	CHECK(!rs_pg_conninfo_parse("postgresql://u@/db?host=/tmp/sock%20dir&port=5433", &ci));
	CHECK_STR(ci.host, "/tmp/sock dir");
	CHECK_STR(ci.password, "fromenv");
	CHECK(!rs_pg_conninfo_sockaddr(&ci, &ss, &len));
	CHECK_INT(ss.ss_family, AF_UNIX);
	CHECK_STR(((struct sockaddr_un *)&ss)->sun_path, "/tmp/sock dir/.s.PGSQL.5433");
	CHECK(!rs_pg_conninfo_parse("postgresql://u:given@%2Fvar%2Frun/db", &ci));
	CHECK_STR(ci.host, "/var/run");
	CHECK_STR(ci.password, "given");
	unsetenv("PGPASSWORD");

	CHECK(!rs_pg_conninfo_parse("host=/run/pg port=5432 user=me dbname='my db' "
				    "password='it\\'s'", &ci));
	CHECK_STR(ci.host, "/run/pg");
	CHECK_STR(ci.dbname, "my db");
	CHECK_STR(ci.password, "it's");

	CHECK(!rs_pg_conninfo_parse("host=127.0.0.1 port=5 user=x", &ci));
	CHECK(!rs_pg_conninfo_sockaddr(&ci, &ss, &len));
	CHECK_INT(ss.ss_family, AF_INET);

	CHECK_INT(rs_pg_conninfo_parse("postgresql://u@h:99999/db", &ci), -EINVAL);
	CHECK_INT(rs_pg_conninfo_parse("postgresql://u@h/db?bogus=1", &ci), -EINVAL);
	CHECK_INT(rs_pg_conninfo_parse("postgresql://u@h/d%zz", &ci), -EINVAL);
	CHECK_INT(rs_pg_conninfo_parse("postgresql://u@h/d%00", &ci), -EINVAL);
	CHECK_INT(rs_pg_conninfo_parse("postgresql://u@h1,h2/db", &ci), -EINVAL);
	CHECK_INT(rs_pg_conninfo_parse("mysql://u@h/db", &ci), -EINVAL);
	CHECK_INT(rs_pg_conninfo_parse("host='unterminated", &ci), -EINVAL);
}

int main(void)
{
	test_ints();
	test_others();
	test_many_rows();
	test_tags();
	test_conninfo();
	printf("ok\n");
	return 0;
}
