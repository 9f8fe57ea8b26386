/* pg_result.c - driver-independent query results: building, typed accessors, freeing. */
#include "buf.h"
#include "pg.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building ---- */

int rs_pg_result_new(struct rs_pg_result **out)
{
	struct rs_pg_result *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->ok = true;
	r->rows_affected = -1;
	*out = r;
	return 0;
}

void rs_pg_error_clear(struct rs_pg_error *e)
{
	free(e->message);
	free(e->detail);
	free(e->hint);
	memset(e, 0, sizeof(*e));
}

static void result_drop_rows(struct rs_pg_result *r)
{
	r->nrows = 0;
	r->fill = 0;
	rs_buf_clear(&r->data);
}

void rs_pg_result_reset(struct rs_pg_result *r)
{
	result_drop_rows(r);
	free(r->cols);
	free(r->names);
	r->cols = NULL;
	r->names = NULL;
	r->ncols = 0;
	rs_pg_error_clear(&r->err);
	r->ok = true;
	r->rows_affected = -1;
	r->cmd_tag[0] = '\0';
}

void rs_pg_result_free(struct rs_pg_result *r)
{
	if (!r)
		return;
	rs_pg_result_reset(r);
	free(r->cells);
	rs_buf_free(&r->data);
	free(r);
}

int rs_pg_result_set_ncols(struct rs_pg_result *r, int ncols, size_t names_len)
{
	if (ncols < 0)
		return -EINVAL;
	free(r->cols);
	free(r->names);
	r->ncols = 0;
	r->names = NULL;
	/* +1 so zero columns still allocate: NULL would read as "no row description". */
	r->cols = calloc((size_t)ncols + 1, sizeof(*r->cols));
	r->names = malloc(names_len + (size_t)ncols + 1);
	if (!r->cols || !r->names) {
		free(r->cols);
		free(r->names);
		r->cols = NULL;
		r->names = NULL;
		return -ENOMEM;
	}
	r->names[0] = '\0';
	r->ncols = ncols;
	result_drop_rows(r);
	return 0;
}

/* Names are appended in column order, so column i's starts after column i-1's. */
int rs_pg_result_set_col(struct rs_pg_result *r, int i, const char *name, size_t namelen,
			 uint32_t type_oid, int16_t format)
{
	char *dst;

	if (i < 0 || i >= r->ncols)
		return -EINVAL;
	dst = i ? (char *)r->cols[i - 1].name + strlen(r->cols[i - 1].name) + 1 : r->names;
	memcpy(dst, name, namelen);
	dst[namelen] = '\0';
	r->cols[i].name = dst;
	r->cols[i].type_oid = type_oid;
	r->cols[i].format = format;
	return 0;
}

int rs_pg_result_add_row(struct rs_pg_result *r)
{
	size_t need = (r->nrows + 1) * (size_t)r->ncols;

	if (r->fill < r->ncols && r->nrows)
		return -EINVAL;
	if (need > r->cells_cap) {
		size_t cap = r->cells_cap ? r->cells_cap * 2 : 64;
		struct rs_pg_cell *c;

		while (cap < need)
			cap *= 2;
		c = realloc(r->cells, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		r->cells = c;
		r->cells_cap = cap;
	}
	r->nrows++;
	r->fill = 0;
	return 0;
}

int rs_pg_result_add_value(struct rs_pg_result *r, const char *val, int32_t len)
{
	struct rs_pg_cell *cell;
	int err;

	if (!r->nrows || r->fill >= r->ncols)
		return -EINVAL;
	cell = &r->cells[(r->nrows - 1) * (size_t)r->ncols + (size_t)r->fill];
	cell->off = 0;
	cell->len = -1;
	if (len >= 0) {
		/* Offsets are 32-bit to keep cells at 8 bytes; results past 4 GiB are refused. */
		if (r->data.len + (size_t)len + 1 > UINT32_MAX)
			return -E2BIG;
		err = rs_buf_reserve(&r->data, (size_t)len + 1);
		if (err)
			return err;
		cell->off = (uint32_t)r->data.len;
		cell->len = len;
		memcpy(rs_buf_tail(&r->data), val, (size_t)len);
		rs_buf_tail(&r->data)[len] = '\0';
		r->data.len += (size_t)len + 1;
	}
	r->fill++;
	return 0;
}

int64_t rs_pg_tag_rows(const char *tag, size_t len)
{
	size_t i = len;
	int64_t n = 0, mul = 1;

	/* The count, when there is one, is the last space-separated word. */
	while (i > 0 && tag[i - 1] >= '0' && tag[i - 1] <= '9')
		i--;
	if (i == len || i == 0 || tag[i - 1] != ' ' || len - i > 18)
		return -1;
	for (size_t j = len; j > i; j--, mul *= 10)
		n += (tag[j - 1] - '0') * mul;
	return n;
}

void rs_pg_result_set_tag(struct rs_pg_result *r, const char *tag, size_t len)
{
	size_t n = len < sizeof(r->cmd_tag) - 1 ? len : sizeof(r->cmd_tag) - 1;

	memcpy(r->cmd_tag, tag, n);
	r->cmd_tag[n] = '\0';
	r->rows_affected = rs_pg_tag_rows(tag, len);
}

static int dup_opt(char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

int rs_pg_result_set_error(struct rs_pg_result *r, const char *severity, const char *sqlstate,
			   const char *message, const char *detail, const char *hint)
{
	struct rs_pg_error *e = &r->err;
	int err;

	rs_pg_result_reset(r);
	r->ok = false;
	snprintf(e->severity, sizeof(e->severity), "%s", severity ? severity : "ERROR");
	snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", sqlstate ? sqlstate : "XX000");
	err = dup_opt(&e->message, message ? message : "");
	if (!err)
		err = dup_opt(&e->detail, detail);
	if (!err)
		err = dup_opt(&e->hint, hint);
	return err;
}

int rs_pg_sqlstate_errno(const char *s)
{
	if (!strncmp(s, "28", 2))
		return -EACCES;        /* invalid authorization / password */
	if (!strcmp(s, "3D000"))
		return -ENOENT;        /* database does not exist */
	if (!strcmp(s, "53300"))
		return -EUSERS;        /* too many connections */
	if (!strcmp(s, "57P03"))
		return -EAGAIN;        /* the database system is starting up */
	if (!strncmp(s, "08", 2))
		return -ECONNREFUSED;
	return -EREMOTEIO;
}

/* ---- reading ---- */

int rs_pg_colnum(const struct rs_pg_result *r, const char *name)
{
	for (int i = 0; i < r->ncols; i++)
		if (!strcmp(r->cols[i].name, name))
			return i;
	return -ENOENT;
}

/* The cell at (row, col) and its column, or -ENOENT. */
static int cell_at(const struct rs_pg_result *r, size_t row, int col,
		   const struct rs_pg_cell **cell, const struct rs_pg_column **column)
{
	if (!r || row >= r->nrows || col < 0 || col >= r->ncols)
		return -ENOENT;
	*cell = &r->cells[row * (size_t)r->ncols + (size_t)col];
	*column = &r->cols[col];
	return 0;
}

/* Like cell_at, and also fails with -ENODATA on NULL; sets *val. */
static int value_at(const struct rs_pg_result *r, size_t row, int col, const char **val,
		    int32_t *len, const struct rs_pg_column **column)
{
	const struct rs_pg_cell *cell;
	int err = cell_at(r, row, col, &cell, column);

	if (err)
		return err;
	if (cell->len < 0)
		return -ENODATA;
	*val = r->data.data + r->data.off + cell->off;
	*len = cell->len;
	return 0;
}

bool rs_pg_is_null(const struct rs_pg_result *r, size_t row, int col)
{
	const struct rs_pg_cell *cell;
	const struct rs_pg_column *column;

	return cell_at(r, row, col, &cell, &column) || cell->len < 0;
}

static uint64_t be_load(const char *p, int32_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	uint64_t v = 0;

	for (int32_t i = 0; i < n; i++)
		v = v << 8 | u[i];
	return v;
}

static int parse_int_text(const char *v, int32_t len, int64_t *out)
{
	char *end;
	long long n;

	if (!len)
		return -EINVAL;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end != v + len)
		return -EINVAL;
	*out = n;
	return 0;
}

int rs_pg_get_int(const struct rs_pg_result *r, size_t row, int col, int64_t *out)
{
	const struct rs_pg_column *c;
	const char *v;
	int32_t len, want;
	int err = value_at(r, row, col, &v, &len, &c);

	if (err)
		return err;
	switch (c->type_oid) {
	case RS_PG_OID_INT2: want = 2; break;
	case RS_PG_OID_INT4: want = 4; break;
	case RS_PG_OID_OID: want = 4; break;
	case RS_PG_OID_INT8: want = 8; break;
	default: return -EINVAL;
	}
	if (c->format == RS_PG_FMT_TEXT)
		return parse_int_text(v, len, out);
	if (len != want)
		return -EINVAL;
	if (c->type_oid == RS_PG_OID_OID)
		*out = (int64_t)(uint32_t)be_load(v, 4);
	else if (want == 2)
		*out = (int16_t)be_load(v, 2);
	else if (want == 4)
		*out = (int32_t)be_load(v, 4);
	else
		*out = (int64_t)be_load(v, 8);
	return 0;
}

static int float_binary(const struct rs_pg_column *c, const char *v, int32_t len, double *out)
{
	if (c->type_oid == RS_PG_OID_FLOAT4 && len == 4) {
		uint32_t u = (uint32_t)be_load(v, 4);
		float f;

		memcpy(&f, &u, sizeof(f));
		*out = f;
		return 0;
	}
	if (c->type_oid == RS_PG_OID_FLOAT8 && len == 8) {
		uint64_t u = be_load(v, 8);

		memcpy(out, &u, sizeof(*out));
		return 0;
	}
	/* Binary numeric is a base-10000 digit array; nobody here needs it. */
	return -EINVAL;
}

int rs_pg_get_float8(const struct rs_pg_result *r, size_t row, int col, double *out)
{
	const struct rs_pg_column *c;
	const char *v;
	char *end;
	int32_t len;
	double d;
	int err = value_at(r, row, col, &v, &len, &c);

	if (err)
		return err;
	if (c->type_oid != RS_PG_OID_FLOAT4 && c->type_oid != RS_PG_OID_FLOAT8 &&
	    c->type_oid != RS_PG_OID_NUMERIC)
		return -EINVAL;
	if (c->format != RS_PG_FMT_TEXT)
		return float_binary(c, v, len, out);
	if (!len)
		return -EINVAL;
	errno = 0;
	/* strtod reads Postgres' "NaN", "Infinity" and "-Infinity" too. */
	d = strtod(v, &end);
	if (end != v + len)
		return -EINVAL;
	if (errno == ERANGE && isinf(d))
		return -ERANGE;
	*out = d;
	return 0;
}

int rs_pg_get_bool(const struct rs_pg_result *r, size_t row, int col, bool *out)
{
	const struct rs_pg_column *c;
	const char *v;
	int32_t len;
	int err = value_at(r, row, col, &v, &len, &c);

	if (err)
		return err;
	if (c->type_oid != RS_PG_OID_BOOL || len != 1)
		return -EINVAL;
	if (c->format == RS_PG_FMT_BINARY && (v[0] == 0 || v[0] == 1))
		*out = v[0];
	else if (c->format == RS_PG_FMT_TEXT && (v[0] == 't' || v[0] == 'f'))
		*out = v[0] == 't';
	else
		return -EINVAL;
	return 0;
}

static bool text_like(uint32_t oid)
{
	switch (oid) {
	case RS_PG_OID_TEXT:
	case RS_PG_OID_VARCHAR:
	case RS_PG_OID_BPCHAR:
	case RS_PG_OID_NAME:
	case RS_PG_OID_CHAR:
	case RS_PG_OID_JSON:
	case RS_PG_OID_UNKNOWN:
		return true;
	}
	return false;
}

const char *rs_pg_get_text(const struct rs_pg_result *r, size_t row, int col, size_t *len)
{
	const struct rs_pg_column *c;
	const char *v;
	int32_t n;
	int err = value_at(r, row, col, &v, &n, &c);

	if (!err && c->format != RS_PG_FMT_TEXT && !text_like(c->type_oid))
		err = -EINVAL;
	if (err) {
		errno = -err;
		return NULL;
	}
	if (len)
		*len = (size_t)n;
	return v;
}

/* "\x" followed by hex pairs: bytea_output = hex, the default. */
static int bytea_hex(const char *v, int32_t len, struct rs_buf *out)
{
	size_t n = (size_t)(len - 2) / 2;
	unsigned char *dst;
	int err;

	if ((len - 2) % 2)
		return -EINVAL;
	err = rs_buf_reserve(out, n);
	if (err)
		return err;
	dst = (unsigned char *)rs_buf_tail(out);
	for (size_t i = 0; i < n; i++) {
		int hi = rs_hex_digit(v[2 + 2 * i]), lo = rs_hex_digit(v[3 + 2 * i]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		dst[i] = (unsigned char)(hi << 4 | lo);
	}
	out->len += n;
	return 0;
}

static bool is_octal(char ch)
{
	return ch >= '0' && ch <= '7';
}

/* bytea_output = escape: "\\" for a backslash, "\ooo" octal, other bytes as-is. */
static int bytea_escape(const char *v, int32_t len, struct rs_buf *out)
{
	unsigned char *dst;
	size_t n = 0;
	int err = rs_buf_reserve(out, (size_t)len);

	if (err)
		return err;
	dst = (unsigned char *)rs_buf_tail(out);
	for (int32_t i = 0; i < len; n++) {
		if (v[i] != '\\') {
			dst[n] = (unsigned char)v[i++];
		} else if (i + 1 < len && v[i + 1] == '\\') {
			dst[n] = '\\';
			i += 2;
		} else if (i + 3 < len && is_octal(v[i + 1]) && is_octal(v[i + 2]) &&
			   is_octal(v[i + 3])) {
			dst[n] = (unsigned char)((v[i + 1] - '0') << 6 | (v[i + 2] - '0') << 3 |
						 (v[i + 3] - '0'));
			i += 4;
		} else {
			return -EINVAL;
		}
	}
	out->len += n;
	return 0;
}

int rs_pg_get_bytea(const struct rs_pg_result *r, size_t row, int col, struct rs_buf *out)
{
	const struct rs_pg_column *c;
	const char *v;
	int32_t len;
	int err = value_at(r, row, col, &v, &len, &c);

	if (err)
		return err;
	if (c->type_oid != RS_PG_OID_BYTEA)
		return -EINVAL;
	if (c->format == RS_PG_FMT_BINARY)
		return rs_buf_append(out, v, (size_t)len);
	if (len >= 2 && v[0] == '\\' && v[1] == 'x')
		return bytea_hex(v, len, out);
	return bytea_escape(v, len, out);
}
