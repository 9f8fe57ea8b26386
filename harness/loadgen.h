/* loadgen.h - the harness's own HTTP/1.1 load generator: epoll, keep-alive, pipelining, open or closed loop. */
#ifndef RS_LOADGEN_H
#define RS_LOADGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"

#define RS_LG_MAX_PATHS 16
#define RS_LG_MAX_SECONDS 3600

struct rs_lg_path {
	const char *path;     /* "/db", "/queries?queries=20" */
	int weight;           /* relative share of requests, >= 1 */
};

/* Open loop: when requests are meant to be sent. */
enum rs_lg_arrival {
	RS_LG_UNIFORM,	/* each connection every conns/rate s, staggered: evenly spaced overall (wrk2) */
	RS_LG_POISSON,	/* exponential gaps: each connection a Poisson stream of rate/conns, together one of rate */
};

struct rs_lg_cfg {
	const char *host;     /* numeric IPv4, e.g. "127.0.0.1" */
	int port;
	struct rs_lg_path paths[RS_LG_MAX_PATHS];
	int npaths;
	int threads;          /* loadgen threads (each its own epoll, connections, histograms) */
	int conns;            /* total connections, spread over threads */
	int pipeline;         /* requests in flight per connection (1 = none) */
	double rate;          /* total requests/s for open loop; 0 = closed loop */
	enum rs_lg_arrival arrival; /* open loop's schedule (default uniform) */
	uint64_t seed;        /* RS_LG_POISSON: the gaps' generator (0: a fixed default) */
	int duration_s;       /* measured seconds */
	int warmup_s;         /* seconds before measuring, excluded from every figure */
	int timeout_ms;       /* a request unanswered this long counts as a timeout; its conn is reset */
	const int *cpus;      /* pin thread i to cpus[i % ncpus]; NULL: unpinned */
	int ncpus;
	/* Called about once a second from the main thread, for progress lines. */
	void (*on_second)(void *arg, int second, uint64_t requests, uint64_t errors, uint64_t p99_us);
	void *arg;
	/* The same second's whole histogram (corrected latency), for a run that merges hosts' seconds. May be NULL. */
	void (*on_second_hist)(void *arg, int second, const struct rs_hist *h);
	volatile int *stop;   /* set non-zero (e.g. from SIGINT) to end early: result marked partial */
	/* Called once, from the calling thread, just before the connections open, with the
	 * start of the measured window (CLOCK_MONOTONIC s): faults are timed from it. May be NULL. */
	void (*on_start)(void *arg, double t0_s);
	/* Called once from the calling thread within a tick (20 ms) of the measured window's start:
	 * readings that must bracket the window (the validity guards' /proc/stat). May be NULL. */
	void (*on_window)(void *arg);
	/*
	 * Fault client-reset: within [reset_from_s, reset_until_s) of the measured window,
	 * every reset_every-th request of a connection (>= 2; 0: off) goes alone and is
	 * abandoned with an RST, alternately after half of it and after all of it (before
	 * its answer). Counted in client_resets, never as errors.
	 */
	int reset_every;
	double reset_from_s, reset_until_s;
};

/* One row per measured second (warm-up excluded). */
struct rs_lg_second {
	uint64_t requests;    /* responses completed in that second */
	uint64_t errors;      /* every kind below, that second */
	uint64_t p50_us, p99_us; /* corrected latency of that second's responses */
	struct rs_hist_snap *hist; /* that second's corrected latencies (latency.hlog); NULL: out of memory */
};

struct rs_lg_result {
	uint64_t requests;    /* valid responses (2xx with the workload's body check passed) */
	uint64_t connect_errors, resets, timeouts, non2xx, invalid;
	uint64_t client_resets; /* requests abandoned on purpose (cfg.reset_every): not errors */
	/* The first non-2xx or invalid answer seen (status 0: none), its body's start: says what a
	 * failing run failed with. */
	int first_bad_status;
	char first_bad_body[200];
	double elapsed_s;     /* measured wall time */
	double rps;           /* requests / elapsed_s */
	double target_rate;   /* cfg.rate; 0 closed loop */
	bool rate_unsustained; /* open loop fell behind schedule by more than 1% */
	bool partial;         /* stopped early */
	struct rs_hist *latency;     /* corrected (open loop: from intended send time); closed loop: = raw */
	struct rs_hist *latency_raw; /* from actual send time */
	struct rs_lg_second *seconds;
	int nseconds;
	double t0_unix_s;     /* the measured window's start, seconds since the epoch (latency.hlog's StartTime) */
	/* CPU of the load generator's threads over the measured window (getrusage RUSAGE_THREAD,
	 * each thread from its first measured moment to its end); -1 when no thread measured. */
	double cpu_user_s, cpu_sys_s;
};

/* Parse "/db" or "/db:3,/fortunes:1" into cfg->paths. 0 or -EINVAL (message on stderr).
 * The weight is what follows the last colon when it is a number. The path
 * strings are heap copies: release them with rs_lg_free_paths. */
int rs_lg_parse_paths(struct rs_lg_cfg *cfg, const char *list);
void rs_lg_free_paths(struct rs_lg_cfg *cfg);

/* Run the load; fills *res (free with rs_lg_result_free). 0 or a negative errno. */
int rs_lg_run(const struct rs_lg_cfg *cfg, struct rs_lg_result *res);
void rs_lg_result_free(struct rs_lg_result *res);

/*
 * Body check per workload path: status 200 and a body that looks right
 * ("Hello, World!", {"message":...}, db=42, a JSON world object or array
 * with the right count, the fortunes table...). Exposed for tests and the fuzzer.
 */
bool rs_lg_valid_body(const char *path, int status, const char *body, size_t len);

/* `build/harness loadgen --url=http://127.0.0.1:8080/db --conns ... --out=DIR`. */
int rs_loadgen_main(int argc, char **argv);

/* Open loop: a connection's first intended send time (ns) when the schedules start at start
 * (conn of conns, total rate req/s), and the one after prev (its k-th, k >= 1). Poisson gaps come
 * from *rng, which conn's seed initialises (rs_lg_arrival_seed). The load generator and the
 * schedule test both use these. */
uint64_t rs_lg_arrival_seed(const struct rs_lg_cfg *cfg, int conn);
uint64_t rs_lg_first_due(const struct rs_lg_cfg *cfg, int conn, uint64_t start, uint64_t *rng);
uint64_t rs_lg_next_due(const struct rs_lg_cfg *cfg, uint64_t first_due, uint64_t k, uint64_t prev, uint64_t *rng);
const char *rs_lg_arrival_name(enum rs_lg_arrival a);

#endif
