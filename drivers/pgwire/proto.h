/* proto.h - PostgreSQL v3 wire messages: encoders into a struct rs_buf, a framer, field parsers. */
#ifndef RS_PGW_PROTO_H
#define RS_PGW_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define RS_PGW_PROTOCOL_3_0 0x00030000
#define RS_PGW_CANCEL_CODE 80877102
/* Bigger than any sane message; the server's own cap is 1 GiB. */
#define RS_PGW_MAX_MSG (1u << 30)

/* Backend message type bytes. */
enum {
	RS_PGW_AUTH = 'R',
	RS_PGW_BACKEND_KEY = 'K',
	RS_PGW_BIND_COMPLETE = '2',
	RS_PGW_CLOSE_COMPLETE = '3',
	RS_PGW_COMMAND_COMPLETE = 'C',
	RS_PGW_COPY_DATA = 'd',
	RS_PGW_COPY_DONE = 'c',
	RS_PGW_COPY_IN = 'G',
	RS_PGW_COPY_OUT = 'H',
	RS_PGW_COPY_BOTH = 'W',
	RS_PGW_DATA_ROW = 'D',
	RS_PGW_EMPTY_QUERY = 'I',
	RS_PGW_ERROR = 'E',
	RS_PGW_FUNCTION_RESULT = 'V',
	RS_PGW_NEGOTIATE_VERSION = 'v',
	RS_PGW_NO_DATA = 'n',
	RS_PGW_NOTICE = 'N',
	RS_PGW_NOTIFICATION = 'A',
	RS_PGW_PARAM_DESC = 't',
	RS_PGW_PARAM_STATUS = 'S',
	RS_PGW_PARSE_COMPLETE = '1',
	RS_PGW_PORTAL_SUSPENDED = 's',
	RS_PGW_READY = 'Z',
	RS_PGW_ROW_DESC = 'T',
};

/* Authentication request codes (the Int32 after 'R'). */
enum {
	RS_PGW_AUTH_OK = 0,
	RS_PGW_AUTH_KERBEROS_V5 = 2,
	RS_PGW_AUTH_CLEARTEXT = 3,
	RS_PGW_AUTH_MD5 = 5,
	RS_PGW_AUTH_SCM = 6,
	RS_PGW_AUTH_GSS = 7,
	RS_PGW_AUTH_GSS_CONTINUE = 8,
	RS_PGW_AUTH_SSPI = 9,
	RS_PGW_AUTH_SASL = 10,
	RS_PGW_AUTH_SASL_CONTINUE = 11,
	RS_PGW_AUTH_SASL_FINAL = 12,
};

/* ---- encoders: append one message to b; 0, -ENOMEM or -EMSGSIZE; b unchanged on error ---- */

/* params: key, value, key, value, ..., NULL ("user" is required by the server). */
int rs_pgw_put_startup(struct rs_buf *b, const char *const *params);
int rs_pgw_put_password(struct rs_buf *b, const char *password);
int rs_pgw_put_sasl_initial(struct rs_buf *b, const char *mechanism, const void *data, size_t len);
int rs_pgw_put_sasl_response(struct rs_buf *b, const void *data, size_t len);
int rs_pgw_put_query(struct rs_buf *b, const char *sql);
/* types may be NULL (all unspecified: the server infers them). */
int rs_pgw_put_parse(struct rs_buf *b, const char *stmt, const char *sql, int nparams,
		     const uint32_t *types);
/*
 * values[i] NULL is SQL NULL; lengths NULL means strlen for every value
 * (text only); formats NULL means all text; result_format applies to every
 * result column.
 */
int rs_pgw_put_bind(struct rs_buf *b, const char *portal, const char *stmt, int nparams,
		    const char *const *values, const int *lengths, const int *formats,
		    int result_format);
/* kind 'S' (statement) or 'P' (portal). */
int rs_pgw_put_describe(struct rs_buf *b, char kind, const char *name);
/* max_rows 0: all rows. */
int rs_pgw_put_execute(struct rs_buf *b, const char *portal, uint32_t max_rows);
int rs_pgw_put_sync(struct rs_buf *b);
int rs_pgw_put_flush(struct rs_buf *b);
int rs_pgw_put_close(struct rs_buf *b, char kind, const char *name);
int rs_pgw_put_terminate(struct rs_buf *b);
int rs_pgw_put_copy_fail(struct rs_buf *b, const char *reason);
/* The 16-byte (or longer, with a longer key) CancelRequest sent on a new connection. */
int rs_pgw_put_cancel(struct rs_buf *b, int32_t pid, const void *key, size_t keylen);

/* ---- framing ---- */

/* One backend message: body points into the caller's buffer. */
struct rs_pgw_msg {
	char type;
	const char *body;
	uint32_t len;           /* body bytes, without type and length */
};

/*
 * Frame the first message of buf[0..len): >0 bytes it takes (5 + body) with
 * *m filled, 0 when incomplete, -EPROTO when the length field is invalid
 * (< 4 or > RS_PGW_MAX_MSG).
 */
int rs_pgw_msg_next(const char *buf, size_t len, struct rs_pgw_msg *m);
/* Bytes the first message needs in total (5 while its header is incomplete). */
size_t rs_pgw_msg_need(const char *buf, size_t len);

/* ---- field parsers: 0 or -EPROTO (malformed); strings point into the body ---- */

/* A cursor over a message body, for the list-shaped messages. */
struct rs_pgw_cur {
	const char *p;
	const char *end;
};

/* ErrorResponse / NoticeResponse: every field the docs define (NULL when absent). */
struct rs_pgw_fields {
	const char *severity;       /* S: localised */
	const char *severity_nl;    /* V: never localised (9.6+) */
	const char *sqlstate;       /* C */
	const char *message;        /* M */
	const char *detail;         /* D */
	const char *hint;           /* H */
	const char *position;       /* P */
	const char *internal_position; /* p */
	const char *internal_query; /* q */
	const char *where;          /* W */
	const char *schema;         /* s */
	const char *table;          /* t */
	const char *column;         /* c */
	const char *datatype;       /* d */
	const char *constraint;     /* n */
	const char *file;           /* F */
	const char *line;           /* L */
	const char *routine;        /* R */
};
int rs_pgw_parse_fields(const struct rs_pgw_msg *m, struct rs_pgw_fields *f);

struct rs_pgw_coldesc {
	const char *name;
	size_t namelen;
	uint32_t table_oid;
	int16_t attnum;
	uint32_t type_oid;
	int16_t typlen;
	int32_t typmod;
	int16_t format;
};
/* RowDescription: the column count and a cursor for rs_pgw_rowdesc_col. */
int rs_pgw_rowdesc(const struct rs_pgw_msg *m, uint16_t *ncols, struct rs_pgw_cur *cur);
int rs_pgw_rowdesc_col(struct rs_pgw_cur *cur, struct rs_pgw_coldesc *col);

/* DataRow: the value count and a cursor; each value has len -1 for NULL. */
int rs_pgw_datarow(const struct rs_pgw_msg *m, uint16_t *ncols, struct rs_pgw_cur *cur);
int rs_pgw_datarow_val(struct rs_pgw_cur *cur, const char **val, int32_t *len);

int rs_pgw_command_complete(const struct rs_pgw_msg *m, const char **tag, size_t *len);
int rs_pgw_param_status(const struct rs_pgw_msg *m, const char **name, const char **value);
/* BackendKeyData: PG 15 sends a 4-byte key, newer protocols may send up to 256 bytes. */
int rs_pgw_backend_key(const struct rs_pgw_msg *m, int32_t *pid, const char **key,
		       size_t *keylen);
/* ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' in a failed transaction. */
int rs_pgw_ready(const struct rs_pgw_msg *m, char *txstatus);

struct rs_pgw_auth {
	int32_t code;               /* RS_PGW_AUTH_* */
	unsigned char salt[4];      /* MD5 */
	const char *data;           /* SASL: mechanism list; SASLContinue/Final: server data */
	size_t len;
};
int rs_pgw_auth(const struct rs_pgw_msg *m, struct rs_pgw_auth *a);
/* Does an AuthenticationSASL mechanism list name mech? */
bool rs_pgw_auth_has_mech(const struct rs_pgw_auth *a, const char *mech);

int rs_pgw_notification(const struct rs_pgw_msg *m, int32_t *pid, const char **channel,
			const char **payload);
/* ParameterDescription: the count and a cursor for rs_pgw_cur_u32. */
int rs_pgw_param_desc(const struct rs_pgw_msg *m, uint16_t *n, struct rs_pgw_cur *cur);
int rs_pgw_cur_u32(struct rs_pgw_cur *cur, uint32_t *v);

/* CopyInResponse / CopyOutResponse / CopyBothResponse. */
int rs_pgw_copy_response(const struct rs_pgw_msg *m, int8_t *format, uint16_t *ncols,
			 struct rs_pgw_cur *col_formats);
int rs_pgw_copy_data(const struct rs_pgw_msg *m, const char **data, size_t *len);
/* NegotiateProtocolVersion: newest minor version, unrecognised option count, cursor of names. */
int rs_pgw_negotiate(const struct rs_pgw_msg *m, int32_t *minor, int32_t *nopts,
		     struct rs_pgw_cur *names);
int rs_pgw_cur_str(struct rs_pgw_cur *cur, const char **s);
/* ParseComplete, BindComplete, CloseComplete, NoData, EmptyQueryResponse,
 * CopyDone, PortalSuspended: the body must be empty. */
int rs_pgw_empty(const struct rs_pgw_msg *m);

#endif
