/* pool.c - the per-reactor Postgres connection pool: warm-up, FIFO rent queue, replacement with backoff. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "fiber.h"
#include "pool.h"

#define TICK_MS 20
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000

enum slot_state { SLOT_EMPTY, SLOT_CONNECTING, SLOT_IDLE, SLOT_BUSY };

struct slot {
	enum slot_state state;
	struct rs_pg_conn *conn;
	int inflight;        /* shared mode: fibers using the connection */
	bool doomed;         /* shared mode: broken, close when the last user returns */
	int64_t next_try_ms; /* EMPTY: do not reconnect before this */
	int64_t busy_since_ms; /* when it last went from unused to used */
	bool cancelling;     /* a CancelRequest is out for the current use */
};

/* A fiber waiting for a connection; lives on that fiber's stack. */
struct waiter {
	struct rs_fiber *fiber;
	int64_t deadline_ms;
	struct rs_pg_conn *conn;
	int err;
	struct waiter *next;
};

struct rs_pg_pool {
	struct rs_reactor *r;
	struct rs_pg_pool_cfg cfg;
	struct slot *slots;
	struct waiter *head, *tail;
	int nwaiting;
	int connecting;      /* connector and canceller fibers alive */
	int backoff_ms;
	int last_err;        /* last connect error, to log changes only */
	bool maint_done;
	struct rs_pg_pool_stats stats;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool stopping(const struct rs_pg_pool *p)
{
	return atomic_load_explicit(&p->r->stopping, memory_order_relaxed);
}

static struct slot *slot_of(struct rs_pg_pool *p, const struct rs_pg_conn *c)
{
	for (int i = 0; i < p->cfg.size; i++)
		if (p->slots[i].conn == c)
			return &p->slots[i];
	return NULL;
}

/* ---- the waiting queue ---- */

static struct waiter *waiter_pop(struct rs_pg_pool *p)
{
	struct waiter *w = p->head;
	if (w) {
		p->head = w->next;
		if (!p->head)
			p->tail = NULL;
		p->nwaiting--;
	}
	return w;
}

/* Resume a waiter inline: nested in the current fiber when there is one
 * (it comes back here as soon as the waiter suspends again). */
static void waiter_wake(struct waiter *w, struct rs_pg_conn *c, int err)
{
	w->conn = c;
	w->err = err;
	rs_fiber_resume(w->fiber);
}

/* ---- connecting ---- */

static void connector_main(void *arg);

static void spawn_connector(struct rs_pg_pool *p, struct slot *s)
{
	struct rs_fiber *f;

	s->state = SLOT_CONNECTING;
	if (rs_fiber_create(p->r->fibers, connector_main, s, &f)) {
		s->state = SLOT_EMPTY;
		s->next_try_ms = now_ms() + BACKOFF_MIN_MS;
		return;
	}
	p->connecting++;
	rs_fiber_set_data(f, p);
	rs_fiber_resume(f);
}

/* One more user on s; the query timeout counts from the first. */
static void slot_use(struct slot *s)
{
	if (!s->inflight++) {
		s->busy_since_ms = now_ms();
		s->cancelling = false;
	}
	s->state = SLOT_BUSY;
}

/* A connection just came up (or came back): give it to whoever waits. */
static void slot_offer(struct rs_pg_pool *p, struct slot *s)
{
	s->state = SLOT_IDLE;
	if (p->cfg.shared) {
		/* Everyone waiting can pipeline on it. */
		struct waiter *w;
		while (!s->doomed && (w = waiter_pop(p))) {
			slot_use(s);
			waiter_wake(w, s->conn, 0);
		}
		return;
	}
	struct waiter *w = waiter_pop(p);
	if (!w)
		return;
	slot_use(s);
	waiter_wake(w, s->conn, 0);
}

static void connect_failed(struct rs_pg_pool *p, struct slot *s, int err)
{
	p->stats.failures++;
	s->state = SLOT_EMPTY;
	s->next_try_ms = now_ms() + p->backoff_ms;
	p->backoff_ms = p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff_ms * 2;
	if (err != p->last_err)
		fprintf(stderr, "ringside: reactor %d: Postgres connect failed: %s (retrying with backoff)\n",
			p->r->cfg.index, strerror(-err));
	p->last_err = err;
}

static void connector_main(void *arg)
{
	struct slot *s = arg;
	struct rs_pg_pool *p = rs_fiber_data(rs_fiber_current());
	struct rs_pg_conn *c = NULL;

	int err = p->cfg.ops->connect(p->r, p->cfg.ci, &c);
	p->connecting--;
	if (err) {
		connect_failed(p, s, err);
		return;
	}
	if (p->last_err)
		fprintf(stderr, "ringside: reactor %d: Postgres connection back\n", p->r->cfg.index);
	p->last_err = 0;
	p->backoff_ms = BACKOFF_MIN_MS;
	p->stats.connects++;
	s->conn = c;
	s->inflight = 0;
	s->doomed = false;
	if (stopping(p)) {
		p->cfg.ops->close(c);
		s->conn = NULL;
		s->state = SLOT_EMPTY;
		return;
	}
	slot_offer(p, s);
}

/* ---- maintenance: replace, expire, stop ---- */

static void expire_waiters(struct rs_pg_pool *p, int64_t now, int err)
{
	while (p->head && (err == -ESHUTDOWN || p->head->deadline_ms <= now)) {
		struct waiter *w = waiter_pop(p);
		p->stats.timeouts += err == -ETIMEDOUT;
		waiter_wake(w, NULL, err);
	}
}

static void close_idle(struct rs_pg_pool *p)
{
	for (int i = 0; i < p->cfg.size; i++) {
		struct slot *s = &p->slots[i];
		if (s->state == SLOT_IDLE) {
			struct rs_pg_conn *c = s->conn;
			s->conn = NULL;
			s->state = SLOT_EMPTY;
			p->cfg.ops->close(c);
		}
	}
}

static bool all_closed(const struct rs_pg_pool *p)
{
	if (p->connecting)
		return false;
	for (int i = 0; i < p->cfg.size; i++)
		if (p->slots[i].state != SLOT_EMPTY)
			return false;
	return true;
}

static void canceller_main(void *arg)
{
	struct slot *s = arg;
	struct rs_pg_pool *p = rs_fiber_data(rs_fiber_current());
	struct rs_pg_conn *c = s->conn;

	int err = p->cfg.ops->cancel(c);
	if (err)
		fprintf(stderr, "ringside: reactor %d: CancelRequest failed: %s\n", p->r->cfg.index,
			strerror(-err));
	p->connecting--;
}

/* Queries running past query_timeout_ms get a CancelRequest (from a fiber
 * of their own: it opens a second connection). */
static void cancel_overdue(struct rs_pg_pool *p, int64_t now)
{
	if (!p->cfg.query_timeout_ms || !p->cfg.ops->cancel)
		return;
	for (int i = 0; i < p->cfg.size; i++) {
		struct slot *s = &p->slots[i];
		struct rs_fiber *f;
		if (s->state != SLOT_BUSY || s->cancelling || s->doomed ||
		    now - s->busy_since_ms < p->cfg.query_timeout_ms)
			continue;
		s->cancelling = true;
		if (rs_fiber_create(p->r->fibers, canceller_main, s, &f))
			continue;
		p->stats.cancels++;
		p->connecting++; /* keeps the pool alive at stop until it is done */
		rs_fiber_set_data(f, p);
		rs_fiber_resume(f);
	}
}

static void maint_main(void *arg)
{
	struct rs_pg_pool *p = arg;

	while (!stopping(p)) {
		int64_t now = now_ms();
		for (int i = 0; i < p->cfg.size; i++) {
			struct slot *s = &p->slots[i];
			if (s->state == SLOT_EMPTY && now >= s->next_try_ms)
				spawn_connector(p, s);
		}
		expire_waiters(p, now, -ETIMEDOUT);
		cancel_overdue(p, now);
		p->r->ops->sleep_ms(p->r, TICK_MS);
	}
	/* Stopping: nobody new gets a connection; in-flight users return
	 * theirs, which are then closed (see rs_pg_pool_return). */
	expire_waiters(p, 0, -ESHUTDOWN);
	close_idle(p);
	while (!all_closed(p)) {
		p->r->ops->sleep_ms(p->r, TICK_MS);
		close_idle(p);
	}
	p->maint_done = true;
}

/* ---- the public side ---- */

int rs_pg_pool_create(struct rs_reactor *r, const struct rs_pg_pool_cfg *cfg, struct rs_pg_pool **out)
{
	struct rs_pg_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->slots = calloc((size_t)cfg->size, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		return -ENOMEM;
	}
	p->r = r;
	p->cfg = *cfg;
	p->backoff_ms = BACKOFF_MIN_MS;
	struct rs_fiber *f;
	int err = rs_fiber_create(r->fibers, maint_main, p, &f);
	if (err) {
		free(p->slots);
		free(p);
		return err;
	}
	*out = p;
	/* The first maintenance pass starts every connector at once. */
	rs_fiber_resume(f);
	return 0;
}

/*
 * Shared mode: pack queries onto the first live connection whose pipeline
 * is shallower than pipeline_depth, so pipelines are deep (one backend
 * wake-up serves many queries) and more backends join only as load grows;
 * when all are that deep, the least busy one.
 */
static struct slot *pick_shared(struct rs_pg_pool *p)
{
	struct slot *best = NULL;
	for (int i = 0; i < p->cfg.size; i++) {
		struct slot *s = &p->slots[i];
		if ((s->state != SLOT_IDLE && s->state != SLOT_BUSY) || s->doomed)
			continue;
		if (s->inflight < p->cfg.pipeline_depth)
			return s;
		if (!best || s->inflight < best->inflight)
			best = s;
	}
	return best;
}

static struct slot *first_idle(struct rs_pg_pool *p)
{
	for (int i = 0; i < p->cfg.size; i++)
		if (p->slots[i].state == SLOT_IDLE)
			return &p->slots[i];
	return NULL;
}

int rs_pg_pool_rent(struct rs_pg_pool *p, struct rs_pg_conn **out)
{
	if (stopping(p))
		return -ESHUTDOWN;
	struct slot *s = p->cfg.shared ? pick_shared(p) : first_idle(p);
	/* FIFO fairness: nobody jumps a queue that already has waiters. */
	if (s && !p->head) {
		slot_use(s);
		*out = s->conn;
		return 0;
	}
	struct waiter w = {
		.fiber = rs_fiber_current(),
		.deadline_ms = now_ms() + p->cfg.rent_timeout_ms,
	};
	if (p->tail)
		p->tail->next = &w;
	else
		p->head = &w;
	p->tail = &w;
	p->nwaiting++;
	rs_fiber_yield();
	if (w.err)
		return w.err;
	*out = w.conn;
	return 0;
}

static void slot_discard(struct rs_pg_pool *p, struct slot *s)
{
	struct rs_pg_conn *c = s->conn;
	p->stats.discarded++;
	s->conn = NULL;
	s->state = SLOT_EMPTY;
	s->inflight = 0;
	s->doomed = false;
	s->next_try_ms = now_ms(); /* replace at the next tick; backoff if that fails */
	p->cfg.ops->close(c);
}

void rs_pg_pool_return(struct rs_pg_pool *p, struct rs_pg_conn *c)
{
	struct slot *s = slot_of(p, c);
	if (!s)
		return;
	s->inflight--;
	if (p->cfg.ops->is_broken(c))
		s->doomed = true;
	if (s->doomed || stopping(p)) {
		if (s->inflight <= 0)
			slot_discard(p, s);
		return;
	}
	if (p->cfg.shared) {
		if (!s->inflight)
			s->state = SLOT_IDLE;
		return;
	}
	/* Exclusive: hand it straight to the first waiter, inline. */
	struct waiter *w = waiter_pop(p);
	if (!w) {
		s->state = SLOT_IDLE;
		return;
	}
	slot_use(s);
	waiter_wake(w, c, 0);
}

int rs_pg_pool_size(const struct rs_pg_pool *p)
{
	return p->cfg.size;
}

const struct rs_pg_ops *rs_pg_pool_ops(const struct rs_pg_pool *p)
{
	return p->cfg.ops;
}

void rs_pg_pool_stats(const struct rs_pg_pool *p, struct rs_pg_pool_stats *out)
{
	*out = p->stats;
	out->waiting = p->nwaiting;
	out->connected = 0;
	for (int i = 0; i < p->cfg.size; i++)
		out->connected += p->slots[i].state == SLOT_IDLE || p->slots[i].state == SLOT_BUSY;
}

void rs_pg_pool_destroy(struct rs_pg_pool *p)
{
	if (!p)
		return;
	free(p->slots);
	free(p);
}
