/* lpq.h - what the two libpq drivers share: conninfo to keywords, PGresult to rs_pg_result, names, cancel. */
#ifndef RS_LPQ_H
#define RS_LPQ_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "pg.h"

struct rs_reactor;

/* Wait until fd is ready for events (POLLIN/POLLOUT) or timeout_ms passes
 * (-1: none): the ready bits, 0 on timeout, or a negative errno. */
typedef int (*rs_lpq_wait_fn)(void *ctx, int fd, int events, int timeout_ms);

/*
 * Connect to ci with PQconnectStartParams and the PQconnectPoll loop,
 * waiting for the socket through wait(ctx, ...): the reactor's sock_wait
 * (async driver) or poll(2) (blocking driver, on a worker). No parameter
 * makes libpq look a name up: TCP goes to hostaddr (ci->addr, resolved at
 * start-up), a Unix socket to its directory. Enforces ci->connect_timeout
 * (libpq does only in PQconnectdb), sets TCP_NODELAY as ci says. On
 * failure prints libpq's message to stderr and returns the server's
 * SQLSTATE through rs_pg_sqlstate_errno (wrong password: -EACCES), else
 * -ECONNREFUSED, -ETIMEDOUT, -EPROTONOSUPPORT (TLS asked: the suite compares
 * plaintext drivers), -ENOMEM. Fills *out.
 */
int rs_lpq_connect(const struct rs_pg_conninfo *ci, rs_lpq_wait_fn wait, void *ctx, const char *driver,
		   PGconn **out);

/*
 * One PGresult into out (already allocated): rows, columns and tag for
 * TUPLES_OK / COMMAND_OK / EMPTY_QUERY, the error fields for FATAL_ERROR,
 * a made-up error for anything else (COPY). out is reset first.
 * 0 or -ENOMEM.
 */
int rs_lpq_result_fill(struct rs_pg_result *out, const PGresult *pr);

/* A connection-level error as a result (no SQLSTATE from the server). */
int rs_lpq_result_error(struct rs_pg_result *out, const char *sqlstate, const char *message);

/* The statement names prepared on one connection (a handful: linear scan). */
struct rs_lpq_names {
	char **v;
	int n, cap;
};

bool rs_lpq_names_has(const struct rs_lpq_names *s, const char *name);
int rs_lpq_names_add(struct rs_lpq_names *s, const char *name);
void rs_lpq_names_del(struct rs_lpq_names *s, const char *name);
void rs_lpq_names_free(struct rs_lpq_names *s);

/*
 * What cancelling a connection needs (PQgetCancel), reference counted so
 * a CancelRequest still on its way may outlive the connection.
 */
struct rs_lpq_cancel;

/* Take it once the connection is up. 0 or -ENOMEM. Any thread. */
int rs_lpq_cancel_new(PGconn *pg, struct rs_lpq_cancel **out);
/* Drop a reference. Any thread. */
void rs_lpq_cancel_put(struct rs_lpq_cancel *cc);

/*
 * Send the CancelRequest (PQcancel: connect, send, wait for the server to
 * close) without blocking reactor r: from a fiber on r's thread. 0, a
 * negative errno, -EOPNOTSUPP when the engine can neither wait for an
 * eventfd nor offload.
 */
int rs_lpq_cancel_run(struct rs_reactor *r, struct rs_lpq_cancel *cc);

#endif
