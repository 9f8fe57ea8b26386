/* run_fault.h - `harness run --fault=...`: one fault injected into a measured run, and what it did. */
#ifndef RS_RUN_FAULT_H
#define RS_RUN_FAULT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "slowloris.h"

enum rs_fault_kind {
	RS_FAULT_NONE,
	RS_FAULT_PG_RESTART,	/* pg-restart@T: stop (fast) and start the private cluster */
	RS_FAULT_PG_TERMINATE,	/* pg-terminate@T: pg_terminate_backend() on the server's backends */
	RS_FAULT_PG_DOWN,	/* pg-down@T:D: stopped for D seconds */
	RS_FAULT_CLIENT_RESET,	/* client-reset[@T[:D]]: the load generator abandons requests with an RST */
	RS_FAULT_SLOWLORIS,	/* slowloris[@T[:D]]: as many extra clients as --conns dribble headers */
};

/* client-reset abandons every this many-th request of a connection. */
#define RS_FAULT_RESET_EVERY 10
/* slowloris clients send one header byte this often. */
#define RS_FAULT_SLOWLORIS_MS 100

struct run;

struct rs_fault {
	enum rs_fault_kind kind;
	const char *spec;	/* as given, for run.json */
	double at, dur;		/* seconds into the measured window; dur 0: as long as it takes */
	double threshold;	/* recovered: a second at this share of the baseline (--recovery-threshold) */
	double offered;		/* open loop: the offered req/s, the baseline's ceiling; 0: closed loop */

	/* The thread that injects it, timed from the load generator's window. */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	double t0;		/* the measured window's start (CLOCK_MONOTONIC s); 0 until known */
	volatile int quit;	/* the load has ended: stop waiting (and undo pg-down) */

	/* What happened, written by the thread, read after it is joined. */
	bool fired;
	double t_fault, t_done;	/* CLOCK_MONOTONIC s */
	int err;		/* the injection failed: -errno, see note */
	char note[200];
	int terminated;		/* pg-terminate: backends signalled */
	struct rs_slowloris_stats slow;
};

/*
 * "pg-restart@3" -> *f, checked against a window of duration seconds. 0, or
 * -EINVAL after saying on stderr what is accepted. spec NULL: no fault.
 */
int rs_fault_parse(const char *spec, long duration, struct rs_fault *f);
/* --recovery-threshold=X (0 < X <= 1; NULL: the default) -> *x. 0, or -EINVAL after saying why. */
int rs_fault_threshold(const char *s, double *x);
bool rs_fault_needs_pg(const struct rs_fault *f);

/* `harness run --help`'s paragraph on --fault. */
void rs_fault_help(void);
struct rs_run_cfg;
/* Before any directory is made: a bad --fault, or a pg fault on a cluster
 * that is not the harness's own. 0 or -EINVAL after saying why. */
int rs_fault_check(const struct rs_run_cfg *cfg);

/* After Postgres is set up (r->pg_url, r->postmaster): refuse pg faults on a
 * cluster the harness does not control; name the server's backends for
 * pg-terminate. 0 or -EINVAL after printing why. */
int rs_fault_setup(struct run *r);

/* Before rs_lg_run: the load generator's share (client-reset), and the thread. 0 or -errno. */
int rs_fault_start(struct run *r);
/* From rs_lg_cfg.on_start. */
void rs_fault_window(struct run *r, double t0);
/* After rs_lg_run: join the thread (pg-down brings Postgres back first). Idempotent. */
void rs_fault_stop(struct run *r);

/* run.json's "fault" (null without one), and the summary's line. */
json_t *rs_fault_json(const struct run *r);
void rs_fault_print(const struct run *r);

#endif
