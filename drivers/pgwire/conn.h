/* conn.h - sans-I/O PostgreSQL v3 connection: fed received bytes, yields bytes to send and completions. */
#ifndef RS_PGW_CONN_H
#define RS_PGW_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pg.h"

/*
 * The core never touches a socket. The glue (io_uring, epoll, a blocking
 * test) does, in a loop:
 *
 *   rs_pgw_conn_start(c);                      // startup packet into out
 *   while (!rs_pgw_conn_ready(c)) {            // same loop for requests
 *           send rs_pgw_out(c) ... rs_pgw_sent(c, n);
 *           rs_pgw_recv_space(c, &p, &room); n = recv(fd, p, room);
 *           err = rs_pgw_received(c, n);       // n 0 = EOF
 *   }
 *   rs_pgw_conn_query(c, "SELECT 1", tag);     // any number, pipelined
 *   ... same send/recv loop ...
 *   while (!rs_pgw_conn_next_done(c, &d)) { resume d.user with d.res }
 *
 * Messages are parsed in place in the connection's input buffer; a partial
 * message stays at its front. The buffer grows to hold one large message
 * and shrinks back to cfg.in_keep once it is consumed.
 *
 * Not thread-safe: one connection belongs to one reactor thread. Nothing
 * calls back into the glue, so completions can resume fibers freely.
 */
struct rs_pgw_conn;

struct rs_pgw_conn_cfg {
	const char *user;              /* required */
	const char *password;          /* NULL or "": none (trust only) */
	const char *database;          /* NULL: same as user */
	const char *application_name;  /* NULL: "ringside" */
	size_t in_keep;                /* input buffer kept between results; 0: 16 KiB */
	const char *scram_nonce;       /* tests only: fixed SCRAM client nonce; NULL: random */
	/*
	 * Executes of named statements queued together share one Sync, added
	 * when the glue takes the bytes (rs_pgw_out): the server answers them
	 * in one write instead of one per request. They run in one implicit
	 * transaction; when one fails, it is answered with its error and the
	 * others are re-sent (their work was rolled back or skipped).
	 */
	bool sync_per_batch;
};

/* A finished request, handed out by rs_pgw_conn_next_done. */
struct rs_pgw_done {
	void *user;                    /* the tag given when it was submitted */
	/*
	 * 0: res is the answer (rows, or a server error with res->ok false).
	 * < 0: no answer: -EPROTO (protocol violation), -ECONNRESET (EOF),
	 * -ECANCELED (conn freed), the glue's errno given to rs_pgw_conn_abort,
	 * -ENOMEM / -E2BIG (result did not fit; the conn stays usable).
	 */
	int status;
	struct rs_pg_result *res;      /* the caller frees it; NULL when status < 0 */
};

/* Parameters of an execute. values[i] NULL is SQL NULL. */
struct rs_pgw_params {
	int n;
	const uint32_t *types;         /* for Parse, may be NULL: the server infers */
	const char *const *values;
	const int *lengths;            /* NULL: strlen of each (text) value */
	const int *formats;            /* NULL: all text; else RS_PG_FMT_* per value */
	int result_format;             /* RS_PG_FMT_* for every result column */
};

struct rs_pgw_stats {
	uint64_t requests;             /* completed */
	uint64_t notices;              /* NoticeResponse seen */
	uint64_t notifications;        /* NotificationResponse seen */
	uint64_t retries;              /* executes re-prepared after 26000 / 0A000 */
};

/* ---- lifetime ---- */

/* Strings in cfg are copied. 0, -EINVAL (no user), -ENOMEM. */
int rs_pgw_conn_new(const struct rs_pgw_conn_cfg *cfg, struct rs_pgw_conn **out);
/* Queue the StartupMessage. 0, -ENOMEM, -EALREADY. */
int rs_pgw_conn_start(struct rs_pgw_conn *c);
/* Queue Terminate; the glue sends it and closes the socket. */
int rs_pgw_conn_terminate(struct rs_pgw_conn *c);
/* Fail everything pending with err (a socket error, a timeout...) and mark the conn broken. */
void rs_pgw_conn_abort(struct rs_pgw_conn *c, int err);
/* Free; requests still pending or not yet collected are dropped, their results freed. */
void rs_pgw_conn_free(struct rs_pgw_conn *c);

/* ---- bytes in and out ---- */

/* What to send. The glue sends from rs_buf_head(out), then reports it with rs_pgw_sent. */
struct rs_buf *rs_pgw_out(struct rs_pgw_conn *c);
void rs_pgw_sent(struct rs_pgw_conn *c, size_t n);
/*
 * Where to recv: *p with *room bytes free (at least the rest of a partially
 * received message, or 1 MiB of a longer rest). 0 or -ENOMEM. Then
 * rs_pgw_received(c, n) with the byte count, 0 for EOF.
 */
int rs_pgw_recv_space(struct rs_pgw_conn *c, char **p, size_t *room);
/*
 * Process the n new bytes: every complete message is handled, completions
 * are queued for rs_pgw_conn_next_done. 0, or the negative errno that
 * broke the connection (startup refused: rs_pgw_sqlstate_errno of the
 * server's error, see rs_pgw_conn_error; auth failures -EPROTONOSUPPORT,
 * -EBADMSG, -EACCES; -EPROTO; -ECONNRESET on EOF). Pending requests are
 * failed and queued as completions too.
 */
int rs_pgw_received(struct rs_pgw_conn *c, size_t n);
/* Copying variant for tests and simple glue: recv_space + memcpy + received. */
int rs_pgw_feed(struct rs_pgw_conn *c, const void *p, size_t n);

/* ---- requests: queue bytes into out; 0, -ENOTCONN (startup not done), -EPIPE (broken),
 *      -EINVAL, -ENAMETOOLONG (statement name > 63 bytes), -ENOMEM ---- */

/* Simple protocol. Several statements: the last one's rows, or the first error. */
int rs_pgw_conn_query(struct rs_pgw_conn *c, const char *sql, void *user);
/*
 * Close + Parse + Describe + Sync (so preparing a name again replaces it).
 * The result has the statement's columns (text format) and no rows; the
 * conn remembers name, sql and types, so later executes can re-prepare by
 * themselves. types may be NULL (the server infers them).
 */
int rs_pgw_conn_prepare(struct rs_pgw_conn *c, const char *name, const char *sql, int nparams,
			const uint32_t *types, void *user);
/* Bind + Describe portal + Execute + Sync for a prepared statement. */
int rs_pgw_conn_execute(struct rs_pgw_conn *c, const char *name, const struct rs_pgw_params *p,
			void *user);
/*
 * Prepare name as sql if this connection has not (or has forgotten it),
 * then execute; one round trip either way (Parse is pipelined in front of
 * Bind). name "" uses the unnamed statement and parses every time.
 *
 * Retry: when an execute of a remembered statement fails with 26000
 * (prepared statement does not exist, e.g. after DISCARD ALL) or 0A000
 * (cached plan must not change result type, after an ALTER TABLE), the
 * conn forgets the name and re-sends Close + Parse + Bind... itself, once;
 * the request then completes later than requests sent after it. The second
 * failure, or any other error, is reported. Executes of names the conn
 * never saw prepared (e.g. SQL PREPARE) are not retried.
 */
int rs_pgw_conn_execute_sql(struct rs_pgw_conn *c, const char *name, const char *sql,
			    const struct rs_pgw_params *p, void *user);
/* 0 with *d filled for the oldest finished request, or -EAGAIN when none. */
int rs_pgw_conn_next_done(struct rs_pgw_conn *c, struct rs_pgw_done *d);

/* ---- state ---- */

bool rs_pgw_conn_ready(const struct rs_pgw_conn *c);      /* startup finished, not broken */
bool rs_pgw_conn_broken(const struct rs_pgw_conn *c);
int rs_pgw_conn_status(const struct rs_pgw_conn *c);      /* 0, or the errno that broke it */
const char *rs_pgw_conn_errmsg(const struct rs_pgw_conn *c); /* why broken, "" when not */
/* The server error that refused the startup (28P01...), or NULL. */
const struct rs_pg_error *rs_pgw_conn_error(const struct rs_pgw_conn *c);
/* A ParameterStatus value ("server_version", "TimeZone"...), or NULL. */
const char *rs_pgw_conn_param(const struct rs_pgw_conn *c, const char *name);
/* Requests sent and not yet finished. */
size_t rs_pgw_conn_pending(const struct rs_pgw_conn *c);
/* Transaction status from the last ReadyForQuery: 'I', 'T', 'E'; 0 before the first. */
char rs_pgw_conn_txstatus(const struct rs_pgw_conn *c);
void rs_pgw_conn_stats(const struct rs_pgw_conn *c, struct rs_pgw_stats *out);
int32_t rs_pgw_conn_backend_pid(const struct rs_pgw_conn *c);
/* CancelRequest bytes for a second connection to the same server. 0, -ENOTCONN, -ENOMEM. */
int rs_pgw_cancel_request(const struct rs_pgw_conn *c, struct rs_buf *out);

#endif
