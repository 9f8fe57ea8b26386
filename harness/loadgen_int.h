/* loadgen_int.h - the load generator's private structures, shared by loadgen.c and loadgen_conn.c. */
#ifndef RS_LOADGEN_INT_H
#define RS_LOADGEN_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "hist.h"
#include "http_resp.h"
#include "loadgen.h"

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull

/* One request on a connection, oldest first. */
struct lg_req {
	uint64_t intended;	/* ns: when the schedule wanted it sent (closed loop: = sent) */
	uint64_t sent;		/* ns: when send() took it; 0 until then */
	int path;
};

enum lg_state { LG_IDLE, LG_CONNECTING, LG_OPEN };

enum lg_err { LG_CONNECT, LG_RESET, LG_TIMEOUT, LG_NON2XX, LG_INVALID };

/* Fault client-reset: how the request being abandoned ends. */
enum lg_abort { LG_ABORT_NONE, LG_ABORT_HALF, LG_ABORT_WHOLE };

struct lg_thread;

struct lg_conn {
	struct lg_thread *t;
	int fd;
	enum lg_state state;
	bool want_out;		/* EPOLLOUT registered: a send was short */
	bool dirty;		/* on t->dirty: has unsent requests */
	bool draining;		/* an error answer: no new requests, reconnect once all are answered */
	bool in_heap;		/* open loop: waiting for its next intended send time */
	int heap_idx;
	struct lg_req *q;	/* in flight, a ring of cfg->pipeline entries */
	unsigned qhead, qlen, qunsent;
	char *out;		/* request bytes not yet written */
	size_t out_len, out_off, out_cap;
	char *in;		/* received bytes; a partial response stays at the front */
	size_t in_len, in_cap;
	struct rs_resp resp;
	uint64_t first_due;	/* open loop: the schedule is first_due + k * interval */
	uint64_t k, next_due;
	uint64_t rng;		/* open loop, Poisson: this connection's gaps */
	uint64_t since;		/* when the current connect started */
	uint64_t retry_at;	/* idle after a failed connect: try again then */
	unsigned backoff_ms;
	/* Fault client-reset (cfg->reset_every). */
	uint64_t nreq;		/* requests queued on this connection, ever */
	unsigned nresets;
	bool reset_next;	/* the next request is to be abandoned: waiting for the pipeline to drain */
	enum lg_abort abort;	/* the request in flight is being abandoned */
	uint64_t abort_at;	/* LG_ABORT_WHOLE: reset then (or when the answer starts) */
};

/* One measured second of one thread, handed to the main thread. */
struct lg_sec {
	uint64_t requests, errors;
	struct rs_hist_snap *snap;	/* corrected latency */
};

/* Shared by every thread, read-only once they run (except stop). */
struct lg_run {
	const struct rs_lg_cfg *cfg;
	char *req[RS_LG_MAX_PATHS];	/* "GET path HTTP/1.1\r\nHost: ...\r\n\r\n" */
	size_t req_len[RS_LG_MAX_PATHS], max_req_len;
	int cum_weight[RS_LG_MAX_PATHS], total_weight;
	struct sockaddr_in addr;
	bool open_loop;
	double interval_ns;		/* open loop: between one connection's requests */
	uint64_t t_start;		/* schedules start */
	uint64_t t0, t_end;		/* the measured window [t0, t_end) */
	int max_seconds;
	uint64_t reset_from, reset_until;	/* fault client-reset: its window, absolute */
	atomic_int stop;
};

struct lg_thread {
	struct lg_run *run;
	int id;
	pthread_t tid;
	int ep;
	struct lg_conn *conns;
	int nconns;
	struct lg_conn **dirty;		/* conns with requests to send at the end of this batch */
	int ndirty;
	struct lg_conn **heap;		/* open loop: min-heap on next_due */
	int nheap;
	uint64_t rng;
	uint64_t next_housekeep;
	/* Measured totals. */
	uint64_t requests, errs[LG_INVALID + 1], client_resets;
	int first_bad_status;		/* the first bad answer of this thread (0: none) */
	char first_bad_body[200];
	struct rs_hist *lat, *raw, *sec_hist;
	/* The second being filled (-1: warming up) and the ones done. */
	int64_t cur_sec;
	uint64_t sec_requests, sec_errors;
	struct lg_sec *secs;
	atomic_int published;		/* secs[0 .. published) are complete */
	atomic_int done;
	uint64_t exit_ns;
	/* CPU of this thread over its measured window: read when it starts and when the loop ends. */
	struct timeval cpu_user0, cpu_sys0, cpu_user1, cpu_sys1;
	bool cpu_started;
	int err;
};

uint64_t lg_now(void);

/* loadgen_conn.c: one connection's life. */
int lg_conn_init(struct lg_conn *c, struct lg_thread *t, uint64_t first_due);
void lg_conn_fini(struct lg_conn *c);
void lg_conn_open(struct lg_conn *c, uint64_t now);
void lg_conn_event(struct lg_conn *c, uint32_t events, uint64_t now);
void lg_conn_fill(struct lg_conn *c, uint64_t now);
void lg_conn_flush(struct lg_conn *c, uint64_t now);
void lg_conn_housekeep(struct lg_conn *c, uint64_t now);

/* loadgen.c: what the connections report to their thread. */
void lg_keep_bad(struct lg_thread *t, int status, const char *body, size_t len, uint64_t now);
void lg_count_error(struct lg_thread *t, enum lg_err kind, uint64_t n, uint64_t now);
void lg_count_response(struct lg_thread *t, uint64_t corrected_ns, uint64_t raw_ns, uint64_t now);
void lg_heap_push(struct lg_thread *t, struct lg_conn *c);

#endif
