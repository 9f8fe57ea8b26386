/* pg.h - the contract every Postgres driver implements: results, errors, conninfo, one ops table. */
#ifndef RS_PG_H
#define RS_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"

struct rs_reactor;   /* engines/engine.h */
struct rs_pg_conn;   /* opaque: each driver defines its own */

/* Value formats, as on the wire. */
enum {
	RS_PG_FMT_TEXT = 0,
	RS_PG_FMT_BINARY = 1,
};

/* Type OIDs the typed accessors understand (pg_type.oid, stable across versions). */
enum {
	RS_PG_OID_BOOL = 16,
	RS_PG_OID_BYTEA = 17,
	RS_PG_OID_CHAR = 18,
	RS_PG_OID_NAME = 19,
	RS_PG_OID_INT8 = 20,
	RS_PG_OID_INT2 = 21,
	RS_PG_OID_INT4 = 23,
	RS_PG_OID_TEXT = 25,
	RS_PG_OID_OID = 26,
	RS_PG_OID_JSON = 114,
	RS_PG_OID_FLOAT4 = 700,
	RS_PG_OID_FLOAT8 = 701,
	RS_PG_OID_UNKNOWN = 705,
	RS_PG_OID_BPCHAR = 1042,
	RS_PG_OID_VARCHAR = 1043,
	RS_PG_OID_NUMERIC = 1700,
};

/*
 * A server error (ErrorResponse). severity is the non-localised V field
 * ("ERROR", "FATAL", "PANIC"), so code can test it whatever lc_messages is.
 * The strings belong to whoever owns the error (the result, usually);
 * detail and hint are NULL when the server sent none.
 */
struct rs_pg_error {
	char severity[16];
	char sqlstate[6];
	char *message;
	char *detail;
	char *hint;
};

struct rs_pg_column {
	const char *name;      /* points into the result's name block */
	uint32_t type_oid;
	int16_t format;        /* RS_PG_FMT_* */
};

/* One value: data[off .. off+len) followed by a NUL; len -1 is SQL NULL. */
struct rs_pg_cell {
	uint32_t off;
	int32_t len;
};

/*
 * The answer to one request. Either ok (rows, maybe none) or a server error
 * in err. For a multi-statement simple query: the last statement's rows and
 * tag, or the first error. Values are stored back to back in one buffer,
 * each followed by a NUL so text values are also C strings.
 */
struct rs_pg_result {
	bool ok;
	struct rs_pg_error err;        /* valid when !ok */
	int ncols;
	struct rs_pg_column *cols;
	char *names;                   /* the column names, back to back */
	size_t nrows;
	size_t cells_cap;              /* in cells */
	struct rs_pg_cell *cells;      /* nrows * ncols, row-major */
	int fill;                      /* builder: cells of the last row filled so far */
	struct rs_buf data;
	int64_t rows_affected;         /* from the command tag; -1 when it has no count */
	char cmd_tag[64];              /* "SELECT 5", "INSERT 0 1", "" when none */
};

/* ---- reading a result: any thread that owns it ---- */

static inline bool rs_pg_result_ok(const struct rs_pg_result *r) { return r && r->ok; }
static inline size_t rs_pg_nrows(const struct rs_pg_result *r) { return r->nrows; }
static inline int rs_pg_ncols(const struct rs_pg_result *r) { return r->ncols; }

/* Column index by name, or -ENOENT. */
int rs_pg_colnum(const struct rs_pg_result *r, const char *name);

/*
 * Typed accessors: work for text and binary values, check the column's type
 * OID. 0, or -ENOENT (row/col out of range), -EINVAL (type mismatch or a
 * malformed value), -ERANGE (does not fit), -ENODATA (SQL NULL).
 */
/* int2, int4, int8, oid */
int rs_pg_get_int(const struct rs_pg_result *r, size_t row, int col, int64_t *out);
/* float4, float8; numeric in text format */
int rs_pg_get_float8(const struct rs_pg_result *r, size_t row, int col, double *out);
/* bool */
int rs_pg_get_bool(const struct rs_pg_result *r, size_t row, int col, bool *out);
/*
 * The raw bytes of a value, NUL-terminated, *len set when len is not NULL.
 * Any type in text format (its text form); in binary format only text-like
 * types (text, varchar, bpchar, name, char, json, unknown). NULL for SQL NULL
 * or an error, with errno set to ENODATA, ENOENT or EINVAL.
 */
const char *rs_pg_get_text(const struct rs_pg_result *r, size_t row, int col, size_t *len);
/* bytea: appends the decoded bytes to out (text hex or escape form, or binary as-is). */
int rs_pg_get_bytea(const struct rs_pg_result *r, size_t row, int col, struct rs_buf *out);
/* true for SQL NULL, and for an out-of-range cell. */
bool rs_pg_is_null(const struct rs_pg_result *r, size_t row, int col);

void rs_pg_result_free(struct rs_pg_result *r);
/* Frees the strings of an error that is not inside a result. */
void rs_pg_error_clear(struct rs_pg_error *e);

/* ---- building a result: for driver implementations ---- */

int rs_pg_result_new(struct rs_pg_result **out);
/* Drop rows, columns, tag and error: the next statement of a multi-statement query starts. */
void rs_pg_result_reset(struct rs_pg_result *r);
/* Start the column list; names are copied in by rs_pg_result_set_col. */
int rs_pg_result_set_ncols(struct rs_pg_result *r, int ncols, size_t names_len);
int rs_pg_result_set_col(struct rs_pg_result *r, int i, const char *name, size_t namelen,
			 uint32_t type_oid, int16_t format);
/* Open a row, then add exactly ncols values (len -1 = NULL). -E2BIG past 4 GiB of values. */
int rs_pg_result_add_row(struct rs_pg_result *r);
int rs_pg_result_add_value(struct rs_pg_result *r, const char *val, int32_t len);
/* Copy the command tag (truncated to fit) and parse the row count from it. */
void rs_pg_result_set_tag(struct rs_pg_result *r, const char *tag, size_t len);
/* Make r an error result (rows dropped); strings are copied, NULL allowed. */
int rs_pg_result_set_error(struct rs_pg_result *r, const char *severity, const char *sqlstate,
			   const char *message, const char *detail, const char *hint);

/* Rows affected from a command tag ("UPDATE 3", "INSERT 0 1", "SELECT 5"); -1 when none. */
int64_t rs_pg_tag_rows(const char *tag, size_t len);
/* An errno for a connect-time server error: 28xxx -EACCES, 3D000 -ENOENT, 53300 -EUSERS... */
int rs_pg_sqlstate_errno(const char *sqlstate);

/* ---- where to connect ---- */

/*
 * Parsed from "postgresql://user:password@host:port/db?sslmode=disable&connect_timeout=5"
 * (also postgres://, [v6]:port, ?host=/socket/dir, percent-escapes) or from
 * "host=/run/postgresql port=5432 user=u dbname=d" keyword form. A host
 * starting with '/' is a Unix socket directory. Defaults: host
 * /var/run/postgresql, port 5432, user = the process owner, dbname = user.
 * The password, as libpq finds it: the URL's, else $PGPASSWORD, else the
 * first matching line of the password file (rs_pg_pgpass_lookup).
 * Never print a password: rs_pg_redact (drivers/redact.c) hides it.
 */
struct rs_pg_conninfo {
	char host[256];
	uint16_t port;
	char user[64];
	char password[256];
	char dbname[64];
	char application_name[64];
	char sslmode[16];         /* "disable" unless given; drivers without TLS refuse require/verify-* */
	char passfile[256];       /* password file; default $PGPASSFILE, else ~/.pgpass */
	int connect_timeout;      /* seconds, 0 = none */
	/* Filled once at start-up by rs_pg_conninfo_resolve, so that reactors
	 * never resolve names (no blocking call once they run). */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int tcp_nodelay;          /* TCP_NODELAY on the DB socket (default 1; --pg-nodelay=off) */
	bool sync_per_batch;      /* --pg-sync=batch: pipelined executes share one Sync (pgwire only) */
};

/* 0, -EINVAL (malformed, unknown parameter), -ENAMETOOLONG (a field does not fit). */
int rs_pg_conninfo_parse(const char *url, struct rs_pg_conninfo *out);
/*
 * Socket address for ci: the Unix socket path "<dir>/.s.PGSQL.<port>", or
 * the first address of host (numeric, or a blocking getaddrinfo: call it at
 * startup, not on the hot path). 0, -EINVAL, -ENAMETOOLONG, -EHOSTUNREACH.
 */
int rs_pg_conninfo_sockaddr(const struct rs_pg_conninfo *ci, struct sockaddr_storage *ss,
			    socklen_t *len);

/* Fill ci->password from the password file (drivers/pgpass.c): ci->passfile,
 * else $PGPASSFILE, else ~/.pgpass, libpq's format and matching rules.
 * 0 whether or not a line matched, or a negative errno. */
int rs_pg_pgpass_lookup(struct rs_pg_conninfo *ci);

/* Copy of a URL or keyword string with every password replaced by "***"
 * (malloc'd; NULL for NULL or out of memory). drivers/redact.c. */
char *rs_pg_redact(const char *url);

/* Fill ci->addr/addrlen from host and port (see rs_pg_conninfo_sockaddr). */
int rs_pg_conninfo_resolve(struct rs_pg_conninfo *ci);

/* ---- the driver contract ---- */

/* A statement the workloads use; static, shared by every connection. */
struct rs_pg_stmt {
	const char *name;              /* <= 63 bytes, unique per SQL text */
	const char *sql;
	int nparams;
	const uint32_t *param_types;   /* NULL: the server infers */
};

enum {
	/* Several fibers may have query/execute in flight on one conn at once
	 * (pipelining); the pool's "shared" mode needs this. */
	RS_PG_CAP_PIPELINE = 1u << 0,
	/* Pipelined executes may share one Sync (--pg-sync=batch, ci->sync_per_batch). */
	RS_PG_CAP_SYNC_BATCH = 1u << 1,
};

/*
 * Every slot but is_broken is called from a fiber running on reactor r's
 * thread (the conn stays on that reactor), suspends that fiber until the
 * answer is in, and returns 0 or a negative errno. A server error is not a
 * call failure: query/execute return 0 with *out set and (*out)->ok false,
 * so the caller reads err.sqlstate; the caller frees *out with
 * rs_pg_result_free. A negative errno means no answer (connection broken,
 * timeout, -ENOMEM); *out is then NULL and the conn is usually broken.
 */
struct rs_pg_ops {
	const char *name;          /* "pgwire", "libpq", "libpq-blocking" */
	unsigned caps;             /* RS_PG_CAP_* */
	unsigned engine_caps;      /* RS_CAP_* (engine.h) the driver needs from the reactor */

	/*
	 * Open and authenticate a connection. A server refusal maps through
	 * rs_pg_sqlstate_errno (wrong password: -EACCES); an unsupported or
	 * failed authentication method -EPROTONOSUPPORT / -EBADMSG; the driver
	 * writes the server's message to stderr. Honors ci->connect_timeout.
	 */
	int (*connect)(struct rs_reactor *r, const struct rs_pg_conninfo *ci, struct rs_pg_conn **out);

	/* Simple protocol; several statements give the last one's rows, or the first error. */
	int (*query)(struct rs_pg_conn *c, const char *sql, struct rs_pg_result **out);

	/* Prepare a named statement; param_types may be NULL (server infers). A
	 * server error (syntax...) returns -EINVAL; the driver prints it. */
	int (*prepare)(struct rs_pg_conn *c, const char *name, const char *sql, int nparams,
		       const uint32_t *param_types);

	/*
	 * Execute stmt, preparing it first on this connection when it has not
	 * been (drivers remember per connection; pgwire pipelines the Parse in
	 * front of the Bind, one round trip either way). values[i] NULL is SQL
	 * NULL; lengths may be NULL for all-text params (strlen); formats NULL
	 * = all text; result_format RS_PG_FMT_* applies to every column.
	 */
	int (*execute)(struct rs_pg_conn *c, const struct rs_pg_stmt *stmt,
		       const char *const *values, const int *lengths, const int *formats,
		       int result_format, struct rs_pg_result **out);

	/*
	 * Ask the server to cancel what c is running, over a second, short-lived
	 * connection (CancelRequest): called from another fiber while c's user
	 * waits; that user then gets SQLSTATE 57014 and c stays usable. 0 or a
	 * negative errno. NULL when the driver cannot.
	 */
	int (*cancel)(struct rs_pg_conn *c);

	/* Terminate and free; never fails; c is gone afterwards. */
	void (*close)(struct rs_pg_conn *c);

	/* Any thread that owns c, does not suspend: true once c cannot carry a
	 * request any more (socket error, protocol violation, FATAL). */
	bool (*is_broken)(const struct rs_pg_conn *c);

	/* The connection's socket, or -1: the pool peeks at it while c is idle
	 * (rs_sock_idle_lost) so a backend that died unused is replaced before a
	 * request meets it. Only called while no fiber or worker uses c. */
	int (*socket)(const struct rs_pg_conn *c);
};

#endif
