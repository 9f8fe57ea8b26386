/* test_pgwire_result.c - result building, typed accessors, command tags, conninfo parsing. */
#include <math.h>
#include <sys/un.h>

#include "pgw_test.h"

static struct rs_pg_result *one_row(uint32_t oid, int16_t fmt, const char *v, int32_t len)
{
	struct rs_pg_result *r;

	REQUIRE(!rs_pg_result_new(&r));
	REQUIRE(!rs_pg_result_set_ncols(r, 2, 2));
	REQUIRE(!rs_pg_result_set_col(r, 0, "v", 1, oid, fmt));
	REQUIRE(!rs_pg_result_set_col(r, 1, "n", 1, oid, fmt));
	REQUIRE(!rs_pg_result_add_row(r));
	REQUIRE(!rs_pg_result_add_value(r, v, len));
	REQUIRE(!rs_pg_result_add_value(r, NULL, -1));
	REQUIRE_INT(rs_pg_result_add_value(r, "x", 1), -EINVAL); /* row is full */
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

	REQUIRE_INT(get_int(RS_PG_OID_INT4, 0, "-42", 3, &err), -42);
	REQUIRE_INT(err, 0);
	REQUIRE_INT(get_int(RS_PG_OID_INT8, 0, "9223372036854775807", 19, &err), INT64_MAX);
	get_int(RS_PG_OID_INT8, 0, "99999999999999999999", 20, &err);
	REQUIRE_INT(err, -ERANGE);
	get_int(RS_PG_OID_INT4, 0, "12a", 3, &err);
	REQUIRE_INT(err, -EINVAL);
	get_int(RS_PG_OID_INT4, 0, "", 0, &err);
	REQUIRE_INT(err, -EINVAL);
	get_int(RS_PG_OID_TEXT, 0, "12", 2, &err);
	REQUIRE_INT(err, -EINVAL);
	REQUIRE_INT(get_int(RS_PG_OID_INT2, 1, "\xff\xfe", 2, &err), -2);
	REQUIRE_INT(get_int(RS_PG_OID_INT4, 1, "\xff\xff\xff\xd6", 4, &err), -42);
	REQUIRE_INT(get_int(RS_PG_OID_INT8, 1, "\x00\x00\x00\x1c\xbe\x99\x1a\x14", 8, &err),
		  123456789012LL);
	REQUIRE_INT(get_int(RS_PG_OID_OID, 1, "\xff\xff\xff\xff", 4, &err), 4294967295LL);
	get_int(RS_PG_OID_INT4, 1, "\x01\x02", 2, &err);
	REQUIRE_INT(err, -EINVAL);
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
	REQUIRE(!rs_pg_get_float8(r, 0, 0, &d) && d == 1.5);
	REQUIRE_INT(rs_pg_get_float8(r, 0, 1, &d), -ENODATA);
	REQUIRE_INT(rs_pg_get_float8(r, 1, 0, &d), -ENOENT);
	REQUIRE_INT(rs_pg_get_float8(r, 0, 2, &d), -ENOENT);
	REQUIRE_INT(rs_pg_get_float8(r, 0, -1, &d), -ENOENT);
	REQUIRE_INT(rs_pg_get_int(r, 0, 0, &i), -EINVAL);
	REQUIRE(rs_pg_is_null(r, 0, 1) && !rs_pg_is_null(r, 0, 0) && rs_pg_is_null(r, 5, 0));
	REQUIRE_STR(rs_pg_get_text(r, 0, 0, &len), "1.5"); /* any type in text format */
	REQUIRE(!rs_pg_get_text(r, 0, 1, NULL) && errno == ENODATA);
	REQUIRE_INT(rs_pg_colnum(r, "n"), 1);
	REQUIRE_INT(rs_pg_colnum(r, "zz"), -ENOENT);
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_FLOAT8, 0, "-Infinity", 9);
	REQUIRE(!rs_pg_get_float8(r, 0, 0, &d) && isinf(d) && d < 0);
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_FLOAT8, 0, "NaN", 3);
	REQUIRE(!rs_pg_get_float8(r, 0, 0, &d) && isnan(d));
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_FLOAT8, 1, "\x3f\xf8\0\0\0\0\0\0", 8);
	REQUIRE(!rs_pg_get_float8(r, 0, 0, &d) && d == 1.5);
	REQUIRE(!rs_pg_get_text(r, 0, 0, NULL) && errno == EINVAL); /* binary float is not text */
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_FLOAT4, 1, "\x3f\xc0\0\0", 4);
	REQUIRE(!rs_pg_get_float8(r, 0, 0, &d) && d == 1.5);
	rs_pg_result_free(r);

	r = one_row(RS_PG_OID_BOOL, 0, "t", 1);
	REQUIRE(!rs_pg_get_bool(r, 0, 0, &v) && v);
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_BOOL, 1, "\0", 1);
	REQUIRE(!rs_pg_get_bool(r, 0, 0, &v) && !v);
	rs_pg_result_free(r);

	r = one_row(RS_PG_OID_BYTEA, 0, "\\x00ff41", 8);
	REQUIRE(!rs_pg_get_bytea(r, 0, 0, &b));
	REQUIRE(b.len == 3 && !memcmp(b.data, "\0\xff" "A", 3));
	rs_pg_result_free(r);
	rs_buf_clear(&b);
	r = one_row(RS_PG_OID_BYTEA, 0, "a\\\\b\\000\\377", 12);
	REQUIRE(!rs_pg_get_bytea(r, 0, 0, &b));
	REQUIRE(b.len == 5 && !memcmp(b.data, "a\\b\0\xff", 5));
	rs_pg_result_free(r);
	rs_buf_clear(&b);
	r = one_row(RS_PG_OID_BYTEA, 0, "\\x0", 3);
	REQUIRE_INT(rs_pg_get_bytea(r, 0, 0, &b), -EINVAL);
	rs_pg_result_free(r);
	r = one_row(RS_PG_OID_BYTEA, 1, "\0\x01", 2);
	REQUIRE(!rs_pg_get_bytea(r, 0, 0, &b) && b.len == 2);
	rs_pg_result_free(r);
	rs_buf_free(&b);

	r = one_row(RS_PG_OID_VARCHAR, 1, "abc", 3);
	REQUIRE_STR(rs_pg_get_text(r, 0, 0, &len), "abc");
	REQUIRE_INT(len, 3);
	rs_pg_result_free(r);
}

static void test_many_rows(void)
{
	struct rs_pg_result *r;
	char v[16];
	int64_t x;

	REQUIRE(!rs_pg_result_new(&r));
	REQUIRE(!rs_pg_result_set_ncols(r, 1, 1));
	REQUIRE(!rs_pg_result_set_col(r, 0, "i", 1, RS_PG_OID_INT4, 0));
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(v, sizeof(v), "%d", i);

		REQUIRE(!rs_pg_result_add_row(r));
		REQUIRE(!rs_pg_result_add_value(r, v, n));
	}
	REQUIRE_INT(rs_pg_nrows(r), 10000);
	REQUIRE(!rs_pg_get_int(r, 9999, 0, &x) && x == 9999);
	REQUIRE(!rs_pg_get_int(r, 1234, 0, &x) && x == 1234);
	REQUIRE(!rs_pg_result_set_error(r, "ERROR", "42P01", "no table", NULL, "create it"));
	REQUIRE(!r->ok && r->nrows == 0 && r->ncols == 0);
	REQUIRE_STR(r->err.sqlstate, "42P01");
	REQUIRE_STR(r->err.hint, "create it");
	REQUIRE(!r->err.detail);
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
		REQUIRE_INT(rs_pg_tag_rows(t[i].tag, strlen(t[i].tag)), t[i].rows);
	REQUIRE_INT(rs_pg_sqlstate_errno("28P01"), -EACCES);
	REQUIRE_INT(rs_pg_sqlstate_errno("3D000"), -ENOENT);
	REQUIRE_INT(rs_pg_sqlstate_errno("53300"), -EUSERS);
}

static void test_conninfo(void)
{
	struct rs_pg_conninfo ci;
	struct sockaddr_storage ss;
	socklen_t len;

	REQUIRE(!rs_pg_conninfo_parse("postgresql://bob:s%40cr%2Ft@db.example:6543/my%20db"
				    "?sslmode=disable&connect_timeout=5", &ci));
	REQUIRE_STR(ci.user, "bob");
	REQUIRE_STR(ci.password, "s@cr/t");
	REQUIRE_STR(ci.host, "db.example");
	REQUIRE_INT(ci.port, 6543);
	REQUIRE_STR(ci.dbname, "my db");
	REQUIRE_STR(ci.sslmode, "disable");
	REQUIRE_INT(ci.connect_timeout, 5);

	REQUIRE(!rs_pg_conninfo_parse("postgres://u@[::1]:7000", &ci));
	REQUIRE_STR(ci.host, "::1");
	REQUIRE_INT(ci.port, 7000);
	REQUIRE_STR(ci.dbname, "u");

	setenv("PGPASSWORD", "fromenv", 1);
	REQUIRE(!rs_pg_conninfo_parse("postgresql://u@/db?host=/tmp/sock%20dir&port=5433", &ci));
	REQUIRE_STR(ci.host, "/tmp/sock dir");
	REQUIRE_STR(ci.password, "fromenv");
	REQUIRE(!rs_pg_conninfo_sockaddr(&ci, &ss, &len));
	REQUIRE_INT(ss.ss_family, AF_UNIX);
	REQUIRE_STR(((struct sockaddr_un *)&ss)->sun_path, "/tmp/sock dir/.s.PGSQL.5433");
	REQUIRE(!rs_pg_conninfo_parse("postgresql://u:given@%2Fvar%2Frun/db", &ci));
	REQUIRE_STR(ci.host, "/var/run");
	REQUIRE_STR(ci.password, "given");
	unsetenv("PGPASSWORD");

	REQUIRE(!rs_pg_conninfo_parse("host=/run/pg port=5432 user=me dbname='my db' "
				    "password='it\\'s'", &ci));
	REQUIRE_STR(ci.host, "/run/pg");
	REQUIRE_STR(ci.dbname, "my db");
	REQUIRE_STR(ci.password, "it's");

	REQUIRE(!rs_pg_conninfo_parse("host=127.0.0.1 port=5 user=x", &ci));
	REQUIRE(!rs_pg_conninfo_sockaddr(&ci, &ss, &len));
	REQUIRE_INT(ss.ss_family, AF_INET);

	REQUIRE_INT(rs_pg_conninfo_parse("postgresql://u@h:99999/db", &ci), -EINVAL);
	REQUIRE_INT(rs_pg_conninfo_parse("postgresql://u@h/db?bogus=1", &ci), -EINVAL);
	REQUIRE_INT(rs_pg_conninfo_parse("postgresql://u@h/d%zz", &ci), -EINVAL);
	REQUIRE_INT(rs_pg_conninfo_parse("postgresql://u@h/d%00", &ci), -EINVAL);
	REQUIRE_INT(rs_pg_conninfo_parse("postgresql://u@h1,h2/db", &ci), -EINVAL);
	REQUIRE_INT(rs_pg_conninfo_parse("mysql://u@h/db", &ci), -EINVAL);
	REQUIRE_INT(rs_pg_conninfo_parse("host='unterminated", &ci), -EINVAL);
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
