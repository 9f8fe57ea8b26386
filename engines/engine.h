/* engine.h - the contract every reactor engine implements: one ops table per engine. */
#ifndef RS_ENGINE_H
#define RS_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"
#include "http.h"

struct rs_fiber;
struct rs_fiber_pool;
struct rs_engine_ops;
struct rs_reactor;

/* Capability bits: shared code asks these, never the engine's name. */
enum {
	RS_CAP_COMPLETION = 1u << 0, /* sock_send/sock_recv are completion-based (data moved by the kernel) */
	RS_CAP_READINESS = 1u << 1,  /* sock_wait works (poll-style readiness, e.g. for libpq) */
	RS_CAP_OFFLOAD = 1u << 2,    /* offload() runs blocking work on a worker pool */
	RS_CAP_FILE = 1u << 3,       /* file_open/file_read go through the reactor (e.g. the ring) */
};

/*
 * Answer one parsed request: append exactly one response to out. Called from
 * the connection's fiber (it may suspend it); 0, or a negative errno when the
 * connection must be dropped. The engines know only this signature: what
 * answers (app/ plugs in the workloads) is the composition root's choice.
 */
typedef int (*rs_request_handler)(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);

/* Everything a reactor needs to start; filled by app/server.c from the flags. */
struct rs_reactor_cfg {
	int index;                 /* 0 .. nreactors-1 */
	int cpu;                   /* CPU to pin to, -1 for none */
	uint16_t port;             /* TCP port of the SO_REUSEPORT listener */
	unsigned max_conns;        /* connections per reactor; the engine sizes its rings for this */
	size_t fiber_stack;        /* bytes, 0 = build default */
	struct rs_http_limits http;
	int header_timeout_ms;     /* a request must arrive whole within this of its first byte
	                            * (of the accept, for the first request), else 408; 0 = never */
	int idle_timeout_ms;       /* keep-alive connections idle longer are closed; 0 = never */
	int send_timeout_ms;       /* a flush without progress this long closes; 0 = never */
	const char *engine_opts;   /* engine-specific, e.g. "multishot,bufring" for --uring-no */
	int workers;               /* offload engines: worker threads in the process (--workers) */
	rs_request_handler handler; /* rs_conn_serve answers each request with it */
};

/*
 * The engine-independent part of a reactor. Engines embed it as the first
 * member of their own reactor struct. One reactor = one thread; every field
 * is only touched on that thread except `stopping`.
 */
struct rs_reactor {
	const struct rs_engine_ops *ops;
	struct rs_reactor_cfg cfg;
	struct rs_fiber_pool *fibers;
	/* The application's per-reactor data (its pools: workloads/workloads.h),
	 * set by the composition root after reactor_create. Opaque here: engines
	 * never look inside, so they need no driver or workload header. */
	void *app;
	unsigned nconns;           /* connections currently open */
	atomic_bool stopping;      /* set by reactor_stop from any thread */
};

/*
 * The engine-independent part of an accepted connection. Engines embed it as
 * the first member of their connection struct and run rs_conn_serve() in a
 * fiber per connection; they close the socket when it returns.
 */
struct rs_conn {
	struct rs_reactor *reactor;
	int fd;
	struct rs_buf in;          /* bytes received, not yet parsed */
	struct rs_buf out;         /* responses not yet sent */
	struct rs_http_parser parser;
	/* conn_read gives up with -ETIMEDOUT once rs_clock_ms() passes this
	 * while it waits; 0 = no deadline. Set by rs_conn_serve. */
	int64_t deadline_ms;
	/* fd is a direct descriptor (uring's fixed files), not one poll(2) knows. */
	bool fd_direct;
	/* Set by an engine that keeps receiving while the handler runs (uring's
	 * multishot recv) when the client's end of the stream or a reset arrived:
	 * the pool's client watch reads it where it cannot poll fd. */
	bool peer_gone;
};

struct rs_engine_ops {
	const char *name;
	unsigned caps;

	/*
	 * Can this engine run on this machine? Main thread, before any reactor.
	 * Returns 0, or a negative errno with *why set to a static explanation
	 * (e.g. "io_uring_setup: Operation not permitted").
	 */
	int (*probe)(const char **why);

	/*
	 * Create a reactor: its ring or epoll set, its SO_REUSEPORT listener,
	 * its fiber pool. Called ON the reactor's own thread (an io_uring with
	 * SINGLE_ISSUER belongs to the thread that made it), after pinning.
	 * Fills *out; returns 0 or a negative errno (nothing left allocated).
	 */
	int (*reactor_create)(const struct rs_reactor_cfg *cfg, struct rs_reactor **out);

	/*
	 * Run the event loop on the calling (reactor) thread. Returns 0 once
	 * stop was requested and every connection has finished its in-flight
	 * requests and closed; a negative errno on a fatal loop error.
	 */
	int (*reactor_run)(struct rs_reactor *r);

	/*
	 * Ask the reactor to stop accepting, finish in-flight requests and return
	 * from reactor_run. Any thread; async-signal-safe (an atomic store and a
	 * write to an eventfd at most).
	 */
	void (*reactor_stop)(struct rs_reactor *r);

	/* Free everything. Reactor thread, after reactor_run returned. */
	void (*reactor_destroy)(struct rs_reactor *r);

	/* ---- connection side: called from the connection's fiber only ---- */

	/*
	 * Append at least one received byte to c->in, suspending the fiber until
	 * data arrives. Returns the number of bytes appended, 0 on orderly EOF,
	 * or a negative errno (-ECONNRESET, -ESHUTDOWN when the reactor stops
	 * while the connection is idle, -ETIMEDOUT when c->deadline_ms passed
	 * while it waited, -ENOMEM). Deadlines are checked by a coarse sweep
	 * per reactor every rs_conn_sweep_ms(cfg), not by a timer per read:
	 * -ETIMEDOUT may come that much late.
	 */
	ssize_t (*conn_read)(struct rs_conn *c);

	/*
	 * Send all of c->out (one send when the socket takes it, short sends
	 * resubmitted), suspending until done, then clear c->out. Returns 0 or a
	 * negative errno.
	 */
	int (*conn_flush)(struct rs_conn *c);

	/* ---- client sockets, for drivers: called from a fiber on r's thread ---- */

	/*
	 * Create a non-blocking stream socket for sa's family and connect it,
	 * suspending the fiber until connected. Fills *fd_out; returns 0 or a
	 * negative errno (the socket is closed on failure).
	 */
	int (*sock_connect)(struct rs_reactor *r, const struct sockaddr *sa, socklen_t len, int *fd_out);

	/* Completion style (RS_CAP_COMPLETION): send all len bytes / receive
	 * 1..len bytes, suspending the fiber. Return bytes, 0 on EOF (recv), or
	 * a negative errno. NULL when the engine lacks the capability. */
	ssize_t (*sock_send)(struct rs_reactor *r, int fd, const void *buf, size_t len);
	ssize_t (*sock_recv)(struct rs_reactor *r, int fd, void *buf, size_t len);
	/* Optional, completion style: send all slen bytes of sbuf, then receive
	 * 1..rlen bytes into rbuf, with the receive armed in the same submission
	 * as the send (a query and its answer). The received count, 0 on EOF, or
	 * a negative errno for either half. NULL: sock_send, then sock_recv. */
	ssize_t (*sock_send_recv)(struct rs_reactor *r, int fd, const void *sbuf, size_t slen, void *rbuf,
				  size_t rlen);

	/* Readiness style (RS_CAP_READINESS): suspend until fd is readable
	 * and/or writable (POLLIN/POLLOUT bits) or timeout_ms passes (-1: no
	 * timeout). Returns the ready bits, 0 on timeout, or a negative errno.
	 * NULL when the engine lacks the capability. */
	int (*sock_wait)(struct rs_reactor *r, int fd, int events, int timeout_ms);

	/* Close a client socket, cancelling anything pending on it. */
	void (*sock_close)(struct rs_reactor *r, int fd);

	/* A socket a library opened itself (libpq's, hiredis'), before its first
	 * wait: its number may be one whose socket that library closed behind the
	 * engine's back a moment ago, so forget what is known of the number.
	 * NULL when the engine keeps no state per fd. */
	void (*sock_adopt)(struct rs_reactor *r, int fd);

	/* ---- time and offload: from a fiber on r's thread ---- */

	/* Suspend the fiber for ms milliseconds. 0 or a negative errno. */
	int (*sleep_ms)(struct rs_reactor *r, int ms);

	/* RS_CAP_OFFLOAD: run fn(arg) on a worker thread, resume the fiber on r's
	 * thread when it returns. 0 or a negative errno. NULL otherwise. */
	int (*offload)(struct rs_reactor *r, void (*fn)(void *arg), void *arg);

	/* ---- regular files: from a fiber on r's thread (engines/file_io.h) ---- */

	/* RS_CAP_FILE: openat(dirfd, name, flags) / pread(fd, buf, len, off)
	 * through the reactor, suspending the fiber. An fd, bytes read (0 at
	 * EOF), or a negative errno. NULL otherwise: rs_file_open/rs_file_read
	 * then offload (RS_CAP_OFFLOAD) or block the reactor thread. */
	int (*file_open)(struct rs_reactor *r, int dirfd, const char *name, int flags);
	ssize_t (*file_read)(struct rs_reactor *r, int fd, void *buf, size_t len, uint64_t off);
};

/* The per-connection fiber body, shared by every engine (engines/conn.c):
 * read, parse every complete request, answer them all (cfg.handler), flush
 * once, repeat. */
void rs_conn_serve(struct rs_conn *c);

/* Coarse monotonic milliseconds (CLOCK_MONOTONIC_COARSE: a vDSO read, no
 * syscall), the clock of rs_conn.deadline_ms. */
int64_t rs_clock_ms(void);

/* How often a reactor sweeps its connections for passed deadlines: a
 * quarter of the shortest timeout, within 10..250 ms; 0 when both are off. */
int rs_conn_sweep_ms(const struct rs_reactor_cfg *cfg);

/* Engines' conn_flush calls this after each send that made progress: the
 * send timeout counts from the last progress, not from the flush's start. */
void rs_conn_send_progress(struct rs_conn *c);

/* The per-connection backlog bound: pipelined input buffered ahead of the
 * request being parsed, and answers not yet sent, each stop growing past
 * this (RS_CONN_BACKLOG_FACTOR x max_header_bytes). A reactor stops
 * receiving for a connection whose buffered input reaches it, until the
 * fiber drains it; rs_conn_serve stops answering once unsent output does,
 * until the flush. One request in progress may still need up to its own
 * limits (max_header_bytes + max_body_bytes). */
#define RS_CONN_BACKLOG_FACTOR 4
static inline size_t rs_conn_backlog_max(const struct rs_reactor_cfg *cfg)
{
	return RS_CONN_BACKLOG_FACTOR * cfg->http.max_header_bytes;
}

/* Is c waiting past its deadline at time now? For the engines' sweeps. */
static inline bool rs_conn_expired(const struct rs_conn *c, int64_t now)
{
	return c->deadline_ms && now >= c->deadline_ms;
}

#endif
