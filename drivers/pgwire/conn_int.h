/* conn_int.h - the pgwire connection's state, shared by conn.c (requests and replies) and conn_startup.c (startup, authentication, asynchronous messages). */
#ifndef RS_PGW_CONN_INT_H
#define RS_PGW_CONN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "proto.h"
#include "scram.h"

#define STMT_NAME_MAX 63

enum phase { PH_NEW, PH_STARTUP, PH_READY, PH_BROKEN };
/* REQ_SYNC: the Sync closing a batch of executes (cfg.sync_per_batch); no caller waits on it. */
enum req_kind { REQ_QUERY, REQ_PREPARE, REQ_EXECUTE, REQ_SYNC };

/* What the conn believes the server holds for a statement name. */
enum stmt_state {
	ST_PENDING,     /* a Parse is in flight */
	ST_READY,       /* the server confirmed it */
	ST_STALE,       /* the server lost it or its plan is stale: Close + Parse before use */
};

struct stmt {
	char *name;
	char *sql;
	uint32_t *types;
	int ntypes;
	enum stmt_state state;
};

struct req {
	struct req *next;
	void *user;
	struct rs_pg_result *res;
	int status;                 /* 0, or -ENOMEM / -E2BIG while building the result */
	enum req_kind kind;
	bool have_cols;             /* RowDescription/NoData seen for the current statement */
	bool stmt_done;             /* a statement finished: the next one replaces the result */
	bool error;                 /* ErrorResponse seen: skip to ReadyForQuery */
	bool parse_sent;            /* this request carries a Parse of name */
	bool parsed;                /* ... and its ParseComplete arrived */
	bool copy_out;              /* between CopyOutResponse and CopyDone */
	bool may_retry;             /* name is known: may re-prepare once after 26000/0A000 */
	bool retry;                 /* re-send at ReadyForQuery instead of completing */
	bool batched;               /* an execute without a Sync of its own: the batch's REQ_SYNC ends it */
	bool answered;              /* batched: its CommandComplete or ErrorResponse is in */
	char name[STMT_NAME_MAX + 1];
	struct rs_buf resend;       /* Bind..Sync, kept for a retry */
};

struct param {
	char *name;
	char *value;
};

struct rs_pgw_conn {
	enum phase phase;
	int status;
	char errmsg[256];
	bool authed;
	bool have_startup_err;
	struct rs_pg_error startup_err;

	char *user, *password, *database, *appname, *nonce;
	size_t in_keep;
	struct rs_buf in, out;

	struct req *head, *tail;            /* sent, in wire order */
	struct req *done_head, *done_tail;  /* finished, not yet collected */
	struct req *free_reqs;
	size_t npending, nfree;
	/* Sync per batch: executes queued since the last Sync, the request now
	 * receiving messages (a batch's answers precede its ReadyForQuery), and
	 * whether one of the batch failed (Postgres then skips the rest to the Sync). */
	bool sync_per_batch;
	size_t unsynced, nsyncs;
	struct req *cur;
	bool batch_failed;

	struct stmt *stmts;
	size_t nstmts, stmts_cap;
	struct param *params;
	size_t nparams;

	int32_t pid;
	char key[256];
	size_t keylen;
	char txstatus;
	struct rs_pgw_stats stats;
	struct rs_scram scram;
	bool sasl;                          /* a SCRAM exchange is in progress */
};

/* Break the connection: every pending request completes with err. Returns err. */
__attribute__((format(printf, 3, 4)))
int rs_pgwc_fail(struct rs_pgw_conn *c, int err, const char *fmt, ...);
/* rs_pgwc_fail with -EPROTO, naming what was wrong with m. */
int rs_pgwc_violation(struct rs_pgw_conn *c, const struct rs_pgw_msg *m, const char *what);
/* A message of the startup phase (authentication, BackendKeyData, ReadyForQuery, errors). */
int rs_pgwc_on_startup(struct rs_pgw_conn *c, const struct rs_pgw_msg *m);
/* 1 when m was asynchronous (and handled), 0 when not, <0 on a violation. */
int rs_pgwc_on_async(struct rs_pgw_conn *c, const struct rs_pgw_msg *m);

#endif
