/* proto.c - PostgreSQL v3 wire messages: encoding, framing and field parsing, no I/O. */
#include "proto.h"

#include <errno.h>
#include <string.h>

/* ---- encoding ---- */

static char *w_u16(char *p, uint16_t v)
{
	p[0] = (char)(v >> 8);
	p[1] = (char)v;
	return p + 2;
}

static char *w_u32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
	return p + 4;
}

static char *w_mem(char *p, const void *s, size_t n)
{
	if (n)
		memcpy(p, s, n);
	return p + n;
}

/* A string with its NUL. */
static char *w_str(char *p, const char *s)
{
	return w_mem(p, s, strlen(s) + 1);
}

/*
 * Reserve room for a whole message and write its header, so the writers
 * after it cannot fail and a failed encode leaves b untouched. type 0 is
 * for the startup-phase packets, which have no type byte. The caller
 * finishes with msg_end(b, p) once p points past the body.
 */
static int msg_begin(struct rs_buf *b, char type, size_t body, char **p)
{
	int err;

	if (body > RS_PGW_MAX_MSG - 4)
		return -EMSGSIZE;
	err = rs_buf_reserve(b, 5 + body);
	if (err)
		return err;
	*p = rs_buf_tail(b);
	if (type)
		*(*p)++ = type;
	*p = w_u32(*p, (uint32_t)(body + 4));
	return 0;
}

static int msg_end(struct rs_buf *b, const char *p)
{
	b->len = (size_t)(p - rs_buf_head(b));
	return 0;
}

/* The common shape: type byte and zero to two strings. */
static int put_strs(struct rs_buf *b, char type, const char *s1, const char *s2)
{
	size_t n = (s1 ? strlen(s1) + 1 : 0) + (s2 ? strlen(s2) + 1 : 0);
	char *p;
	int err = msg_begin(b, type, n, &p);

	if (err)
		return err;
	if (s1)
		p = w_str(p, s1);
	if (s2)
		p = w_str(p, s2);
	return msg_end(b, p);
}

int rs_pgw_put_startup(struct rs_buf *b, const char *const *params)
{
	size_t n = 4 + 1;
	char *p;
	int err;

	for (const char *const *kv = params; *kv; kv++)
		n += strlen(*kv) + 1;
	err = msg_begin(b, 0, n, &p);
	if (err)
		return err;
	p = w_u32(p, RS_PGW_PROTOCOL_3_0);
	for (const char *const *kv = params; *kv; kv++)
		p = w_str(p, *kv);
	*p++ = '\0';
	return msg_end(b, p);
}

int rs_pgw_put_password(struct rs_buf *b, const char *password)
{
	return put_strs(b, 'p', password, NULL);
}

int rs_pgw_put_sasl_initial(struct rs_buf *b, const char *mechanism, const void *data, size_t len)
{
	char *p;
	int err = msg_begin(b, 'p', strlen(mechanism) + 1 + 4 + len, &p);

	if (err)
		return err;
	p = w_str(p, mechanism);
	p = w_u32(p, (uint32_t)len);
	p = w_mem(p, data, len);
	return msg_end(b, p);
}

int rs_pgw_put_sasl_response(struct rs_buf *b, const void *data, size_t len)
{
	char *p;
	int err = msg_begin(b, 'p', len, &p);

	if (err)
		return err;
	p = w_mem(p, data, len);
	return msg_end(b, p);
}

int rs_pgw_put_query(struct rs_buf *b, const char *sql)
{
	return put_strs(b, 'Q', sql, NULL);
}

int rs_pgw_put_parse(struct rs_buf *b, const char *stmt, const char *sql, int nparams,
		     const uint32_t *types)
{
	char *p;
	int err;

	if (nparams < 0 || nparams > UINT16_MAX)
		return -EINVAL;
	if (!types)
		nparams = 0;
	err = msg_begin(b, 'P', strlen(stmt) + strlen(sql) + 2 + 2 + 4 * (size_t)nparams, &p);
	if (err)
		return err;
	p = w_str(p, stmt);
	p = w_str(p, sql);
	p = w_u16(p, (uint16_t)nparams);
	for (int i = 0; i < nparams; i++)
		p = w_u32(p, types[i]);
	return msg_end(b, p);
}

static size_t param_len(const char *const *values, const int *lengths, int i)
{
	if (!values[i])
		return 0;
	return lengths ? (size_t)lengths[i] : strlen(values[i]);
}

int rs_pgw_put_bind(struct rs_buf *b, const char *portal, const char *stmt, int nparams,
		    const char *const *values, const int *lengths, const int *formats,
		    int result_format)
{
	int nfmt = formats ? nparams : 0, nres = result_format ? 1 : 0;
	size_t n = strlen(portal) + strlen(stmt) + 2 + 2 + 2 * (size_t)nfmt + 2 + 2 + 2 * (size_t)nres;
	char *p;
	int err;

	if (nparams < 0 || nparams > UINT16_MAX || (nparams && !values))
		return -EINVAL;
	for (int i = 0; i < nparams; i++) {
		if (lengths && values[i] && lengths[i] < 0)
			return -EINVAL;
		n += 4 + param_len(values, lengths, i);
	}
	err = msg_begin(b, 'B', n, &p);
	if (err)
		return err;
	p = w_str(p, portal);
	p = w_str(p, stmt);
	p = w_u16(p, (uint16_t)nfmt);
	for (int i = 0; i < nfmt; i++)
		p = w_u16(p, (uint16_t)formats[i]);
	p = w_u16(p, (uint16_t)nparams);
	for (int i = 0; i < nparams; i++) {
		size_t len = param_len(values, lengths, i);

		p = w_u32(p, values[i] ? (uint32_t)len : UINT32_MAX);
		p = w_mem(p, values[i], len);
	}
	p = w_u16(p, (uint16_t)nres);
	if (nres)
		p = w_u16(p, (uint16_t)result_format);
	return msg_end(b, p);
}

/* Describe and Close: a kind byte and a name. */
static int put_kind_name(struct rs_buf *b, char type, char kind, const char *name)
{
	char *p;
	int err;

	if (kind != 'S' && kind != 'P')
		return -EINVAL;
	err = msg_begin(b, type, 1 + strlen(name) + 1, &p);
	if (err)
		return err;
	*p++ = kind;
	p = w_str(p, name);
	return msg_end(b, p);
}

int rs_pgw_put_describe(struct rs_buf *b, char kind, const char *name)
{
	return put_kind_name(b, 'D', kind, name);
}

int rs_pgw_put_close(struct rs_buf *b, char kind, const char *name)
{
	return put_kind_name(b, 'C', kind, name);
}

int rs_pgw_put_execute(struct rs_buf *b, const char *portal, uint32_t max_rows)
{
	char *p;
	int err = msg_begin(b, 'E', strlen(portal) + 1 + 4, &p);

	if (err)
		return err;
	p = w_str(p, portal);
	p = w_u32(p, max_rows);
	return msg_end(b, p);
}

int rs_pgw_put_sync(struct rs_buf *b)
{
	return put_strs(b, 'S', NULL, NULL);
}

int rs_pgw_put_flush(struct rs_buf *b)
{
	return put_strs(b, 'H', NULL, NULL);
}

int rs_pgw_put_terminate(struct rs_buf *b)
{
	return put_strs(b, 'X', NULL, NULL);
}

int rs_pgw_put_copy_fail(struct rs_buf *b, const char *reason)
{
	return put_strs(b, 'f', reason, NULL);
}

int rs_pgw_put_cancel(struct rs_buf *b, int32_t pid, const void *key, size_t keylen)
{
	char *p;
	int err;

	if (keylen > 256)
		return -EINVAL;
	err = msg_begin(b, 0, 4 + 4 + keylen, &p);
	if (err)
		return err;
	p = w_u32(p, RS_PGW_CANCEL_CODE);
	p = w_u32(p, (uint32_t)pid);
	p = w_mem(p, key, keylen);
	return msg_end(b, p);
}

/* ---- framing ---- */

static uint32_t r_u32(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static uint16_t r_u16(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	return (uint16_t)(u[0] << 8 | u[1]);
}

int rs_pgw_msg_next(const char *buf, size_t len, struct rs_pgw_msg *m)
{
	uint32_t n;

	if (len < 5)
		return 0;
	n = r_u32(buf + 1);
	if (n < 4 || n > RS_PGW_MAX_MSG)
		return -EPROTO;
	if (len - 1 < n)
		return 0;
	m->type = buf[0];
	m->body = buf + 5;
	m->len = n - 4;
	return (int)(n + 1);
}

size_t rs_pgw_msg_need(const char *buf, size_t len)
{
	uint32_t n;

	if (len < 5)
		return 5;
	n = r_u32(buf + 1);
	return n < 4 || n > RS_PGW_MAX_MSG ? 5 : (size_t)n + 1;
}

/* ---- field parsing ---- */

static void cur_init(struct rs_pgw_cur *c, const struct rs_pgw_msg *m)
{
	c->p = m->body;
	c->end = m->body + m->len;
}

static int cur_u16(struct rs_pgw_cur *c, uint16_t *v)
{
	if (c->end - c->p < 2)
		return -EPROTO;
	*v = r_u16(c->p);
	c->p += 2;
	return 0;
}

int rs_pgw_cur_u32(struct rs_pgw_cur *c, uint32_t *v)
{
	if (c->end - c->p < 4)
		return -EPROTO;
	*v = r_u32(c->p);
	c->p += 4;
	return 0;
}

int rs_pgw_cur_str(struct rs_pgw_cur *c, const char **s)
{
	const char *nul = memchr(c->p, '\0', (size_t)(c->end - c->p));

	if (!nul)
		return -EPROTO;
	*s = c->p;
	c->p = nul + 1;
	return 0;
}

/* Nothing may follow the last field. */
static int cur_done(const struct rs_pgw_cur *c)
{
	return c->p == c->end ? 0 : -EPROTO;
}

static const char **field_slot(struct rs_pgw_fields *f, char code)
{
	switch (code) {
	case 'S': return &f->severity;
	case 'V': return &f->severity_nl;
	case 'C': return &f->sqlstate;
	case 'M': return &f->message;
	case 'D': return &f->detail;
	case 'H': return &f->hint;
	case 'P': return &f->position;
	case 'p': return &f->internal_position;
	case 'q': return &f->internal_query;
	case 'W': return &f->where;
	case 's': return &f->schema;
	case 't': return &f->table;
	case 'c': return &f->column;
	case 'd': return &f->datatype;
	case 'n': return &f->constraint;
	case 'F': return &f->file;
	case 'L': return &f->line;
	case 'R': return &f->routine;
	}
	return NULL;
}

int rs_pgw_parse_fields(const struct rs_pgw_msg *m, struct rs_pgw_fields *f)
{
	struct rs_pgw_cur c;

	memset(f, 0, sizeof(*f));
	cur_init(&c, m);
	while (c.p < c.end) {
		char code = *c.p++;
		const char *s, **slot;

		if (!code)
			return cur_done(&c);
		if (rs_pgw_cur_str(&c, &s))
			return -EPROTO;
		/* The docs say to ignore field codes we do not know. */
		slot = field_slot(f, code);
		if (slot)
			*slot = s;
	}
	return -EPROTO; /* no terminator */
}

int rs_pgw_rowdesc(const struct rs_pgw_msg *m, uint16_t *ncols, struct rs_pgw_cur *cur)
{
	cur_init(cur, m);
	return cur_u16(cur, ncols);
}

int rs_pgw_rowdesc_col(struct rs_pgw_cur *c, struct rs_pgw_coldesc *col)
{
	uint32_t typmod;
	uint16_t attnum, typlen, format;

	if (rs_pgw_cur_str(c, &col->name))
		return -EPROTO;
	col->namelen = (size_t)(c->p - col->name) - 1;
	if (rs_pgw_cur_u32(c, &col->table_oid) || cur_u16(c, &attnum) ||
	    rs_pgw_cur_u32(c, &col->type_oid) || cur_u16(c, &typlen) ||
	    rs_pgw_cur_u32(c, &typmod) || cur_u16(c, &format))
		return -EPROTO;
	col->attnum = (int16_t)attnum;
	col->typlen = (int16_t)typlen;
	col->typmod = (int32_t)typmod;
	col->format = (int16_t)format;
	return format <= 1 ? 0 : -EPROTO;
}

int rs_pgw_datarow(const struct rs_pgw_msg *m, uint16_t *ncols, struct rs_pgw_cur *cur)
{
	cur_init(cur, m);
	return cur_u16(cur, ncols);
}

int rs_pgw_datarow_val(struct rs_pgw_cur *c, const char **val, int32_t *len)
{
	uint32_t n;

	if (rs_pgw_cur_u32(c, &n))
		return -EPROTO;
	if (n == UINT32_MAX) {
		*val = NULL;
		*len = -1;
		return 0;
	}
	if (n > (uint32_t)(c->end - c->p))
		return -EPROTO;
	*val = c->p;
	*len = (int32_t)n;
	c->p += n;
	return 0;
}

int rs_pgw_command_complete(const struct rs_pgw_msg *m, const char **tag, size_t *len)
{
	struct rs_pgw_cur c;

	cur_init(&c, m);
	if (rs_pgw_cur_str(&c, tag) || cur_done(&c))
		return -EPROTO;
	*len = m->len - 1;
	return 0;
}

int rs_pgw_param_status(const struct rs_pgw_msg *m, const char **name, const char **value)
{
	struct rs_pgw_cur c;

	cur_init(&c, m);
	if (rs_pgw_cur_str(&c, name) || rs_pgw_cur_str(&c, value))
		return -EPROTO;
	return cur_done(&c);
}

int rs_pgw_backend_key(const struct rs_pgw_msg *m, int32_t *pid, const char **key,
		       size_t *keylen)
{
	struct rs_pgw_cur c;
	uint32_t p;

	cur_init(&c, m);
	/* The key is the rest of the message: 4 bytes up to protocol 3.0, up to 256 after. */
	if (rs_pgw_cur_u32(&c, &p) || c.p == c.end || c.end - c.p > 256)
		return -EPROTO;
	*pid = (int32_t)p;
	*key = c.p;
	*keylen = (size_t)(c.end - c.p);
	return 0;
}

int rs_pgw_ready(const struct rs_pgw_msg *m, char *txstatus)
{
	if (m->len != 1)
		return -EPROTO;
	*txstatus = m->body[0];
	return *txstatus == 'I' || *txstatus == 'T' || *txstatus == 'E' ? 0 : -EPROTO;
}

int rs_pgw_auth(const struct rs_pgw_msg *m, struct rs_pgw_auth *a)
{
	struct rs_pgw_cur c;
	uint32_t code;

	cur_init(&c, m);
	memset(a, 0, sizeof(*a));
	if (rs_pgw_cur_u32(&c, &code))
		return -EPROTO;
	a->code = (int32_t)code;
	a->data = c.p;
	a->len = (size_t)(c.end - c.p);
	switch (a->code) {
	case RS_PGW_AUTH_OK:
	case RS_PGW_AUTH_CLEARTEXT:
		return cur_done(&c);
	case RS_PGW_AUTH_MD5:
		if (a->len != 4)
			return -EPROTO;
		memcpy(a->salt, c.p, 4);
		return 0;
	case RS_PGW_AUTH_SASL:
		/* A list of NUL-terminated names ending with an empty one. */
		if (a->len < 1 || c.end[-1] != '\0')
			return -EPROTO;
		return 0;
	}
	return 0; /* other methods: the caller decides it does not support them */
}

bool rs_pgw_auth_has_mech(const struct rs_pgw_auth *a, const char *mech)
{
	struct rs_pgw_cur c = { a->data, a->data + a->len };
	const char *s;

	while (!rs_pgw_cur_str(&c, &s) && *s)
		if (!strcmp(s, mech))
			return true;
	return false;
}

int rs_pgw_notification(const struct rs_pgw_msg *m, int32_t *pid, const char **channel,
			const char **payload)
{
	struct rs_pgw_cur c;
	uint32_t p;

	cur_init(&c, m);
	if (rs_pgw_cur_u32(&c, &p) || rs_pgw_cur_str(&c, channel) || rs_pgw_cur_str(&c, payload))
		return -EPROTO;
	*pid = (int32_t)p;
	return cur_done(&c);
}

int rs_pgw_param_desc(const struct rs_pgw_msg *m, uint16_t *n, struct rs_pgw_cur *cur)
{
	cur_init(cur, m);
	if (cur_u16(cur, n))
		return -EPROTO;
	return (size_t)(cur->end - cur->p) == 4 * (size_t)*n ? 0 : -EPROTO;
}

int rs_pgw_copy_response(const struct rs_pgw_msg *m, int8_t *format, uint16_t *ncols,
			 struct rs_pgw_cur *col_formats)
{
	cur_init(col_formats, m);
	if (m->len < 3)
		return -EPROTO;
	*format = (int8_t)*col_formats->p++;
	if (cur_u16(col_formats, ncols))
		return -EPROTO;
	if ((size_t)(col_formats->end - col_formats->p) != 2 * (size_t)*ncols)
		return -EPROTO;
	return *format == 0 || *format == 1 ? 0 : -EPROTO;
}

int rs_pgw_copy_data(const struct rs_pgw_msg *m, const char **data, size_t *len)
{
	*data = m->body;
	*len = m->len;
	return 0;
}

int rs_pgw_negotiate(const struct rs_pgw_msg *m, int32_t *minor, int32_t *nopts,
		     struct rs_pgw_cur *names)
{
	uint32_t a, b;

	cur_init(names, m);
	if (rs_pgw_cur_u32(names, &a) || rs_pgw_cur_u32(names, &b))
		return -EPROTO;
	*minor = (int32_t)a;
	*nopts = (int32_t)b;
	return *nopts >= 0 ? 0 : -EPROTO;
}

int rs_pgw_empty(const struct rs_pgw_msg *m)
{
	return m->len ? -EPROTO : 0;
}
