/* pool.c - the per-reactor connection pool of any backend's driver (Postgres, Redis): warm-up, FIFO rent queue, replacement with backoff. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "engine.h"
#include "fiber.h"
#include "pool.h"
#include "sockio.h"

#define TICK_MS 20
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
/* How often idle connections are peeked at for a server that went away:
 * a few syscalls a second per reactor, nothing against the request path. */
#define IDLE_PROBE_MS 250

enum slot_state { SLOT_EMPTY, SLOT_CONNECTING, SLOT_IDLE, SLOT_BUSY };

struct slot {
	enum slot_state state;
	void *conn;
	int inflight;        /* shared mode: fibers using the connection */
	bool doomed;         /* shared mode: broken, close when the last user returns */
	int64_t next_try_ms; /* EMPTY: do not reconnect before this */
	struct rs_pool_stmt *stmts; /* statements in flight on it, oldest first */
	/* CancelRequests in flight for it. Until they are done the backend may
	 * still get the signal, and would take it for whatever it runs then:
	 * the slot takes no new statement (see held). */
	int cancelling;
};

/* A fiber waiting for a connection; lives on that fiber's stack. */
struct waiter {
	struct rs_fiber *fiber;
	int64_t deadline_ms;
	void *conn;
	int err;
	struct waiter *next;
};

struct rs_pool {
	struct rs_reactor *r;
	struct rs_pool_cfg cfg;
	struct slot *slots;
	struct waiter *head, *tail;
	int nwaiting;
	int connecting;      /* connector and canceller fibers alive */
	int backoff_ms;
	int last_err;        /* last connect error, to log changes only */
	bool maint_done;
	int64_t next_probe_ms;
	int64_t next_demand_ms; /* down: no reconnect on demand before this */
	struct rs_pool_stats stats;
};

static bool stopping(const struct rs_pool *p)
{
	return atomic_load_explicit(&p->r->stopping, memory_order_relaxed);
}

static struct slot *slot_of(struct rs_pool *p, const void *c)
{
	for (int i = 0; i < p->cfg.size; i++)
		if (p->slots[i].conn == c)
			return &p->slots[i];
	return NULL;
}

/* ---- the waiting queue ---- */

static struct waiter *waiter_pop(struct rs_pool *p)
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
static void waiter_wake(struct waiter *w, void *c, int err)
{
	w->conn = c;
	w->err = err;
	rs_fiber_resume(w->fiber);
}

/* ---- connecting ---- */

static void connector_main(void *arg);

static void spawn_connector(struct rs_pool *p, struct slot *s)
{
	struct rs_fiber *f;

	s->state = SLOT_CONNECTING;
	if (rs_fiber_create(p->r->fibers, connector_main, s, &f)) {
		s->state = SLOT_EMPTY;
		s->next_try_ms = rs_clock_ms() + BACKOFF_MIN_MS;
		return;
	}
	p->connecting++;
	rs_fiber_set_data(f, p);
	rs_fiber_resume(f);
}

/* One more user on s. */
static void slot_use(struct slot *s)
{
	s->inflight++;
	s->state = SLOT_BUSY;
}

/*
 * Not to be given out now: a cancel is on its way to its backend. Postgres
 * closes the cancel connection only after it has signalled the backend, and
 * a backend that waits for its next command ignores a cancel, so once the
 * canceller is done the next statement is safe from it.
 */
static bool held(const struct slot *s)
{
	return s->cancelling > 0;
}

/* Shared: everyone waiting can pipeline on s, idle or busy. */
static void shared_offer(struct rs_pool *p, struct slot *s)
{
	struct waiter *w;
	while (!s->doomed && (w = waiter_pop(p))) {
		slot_use(s);
		waiter_wake(w, s->conn, 0);
	}
}

/* A connection just came up (or came back, or its cancel is done): give it
 * to whoever waits. */
static void slot_offer(struct rs_pool *p, struct slot *s)
{
	s->state = SLOT_IDLE;
	if (held(s))
		return;
	if (p->cfg.shared) {
		shared_offer(p, s);
		return;
	}
	struct waiter *w = waiter_pop(p);
	if (!w)
		return;
	slot_use(s);
	waiter_wake(w, s->conn, 0);
}

static void fail_waiters(struct rs_pool *p, int err);

static void connect_failed(struct rs_pool *p, struct slot *s, int err)
{
	p->stats.failures++;
	s->state = SLOT_EMPTY;
	s->next_try_ms = rs_clock_ms() + p->backoff_ms;
	p->backoff_ms = p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff_ms * 2;
	if (err != p->last_err)
		fprintf(stderr, "ringside: reactor %d: %s connect failed: %s (retrying with backoff)\n",
			p->r->cfg.index, p->cfg.driver->backend, strerror(-err));
	p->last_err = err;
	/* Nothing up and reconnects failing: the queue waits in vain. */
	if (rs_pool_down(p))
		fail_waiters(p, err);
}

static void connector_main(void *arg)
{
	struct slot *s = arg;
	struct rs_pool *p = rs_fiber_data(rs_fiber_current());
	void *c = NULL;

	int err = p->cfg.driver->connect(p->cfg.ctx, p->r, p->cfg.target, &c);
	p->connecting--;
	if (err) {
		connect_failed(p, s, err);
		return;
	}
	if (p->last_err)
		fprintf(stderr, "ringside: reactor %d: %s connection back\n", p->r->cfg.index, p->cfg.driver->backend);
	p->last_err = 0;
	p->backoff_ms = BACKOFF_MIN_MS;
	p->stats.connects++;
	s->conn = c;
	s->inflight = 0;
	s->doomed = false;
	if (stopping(p)) {
		p->cfg.driver->close(p->cfg.ctx, c);
		s->conn = NULL;
		s->state = SLOT_EMPTY;
		return;
	}
	slot_offer(p, s);
}

/* ---- maintenance: replace, expire, stop ---- */

static void expire_waiters(struct rs_pool *p, int64_t now, int err)
{
	while (p->head && (err == -ESHUTDOWN || p->head->deadline_ms <= now)) {
		struct waiter *w = waiter_pop(p);
		p->stats.timeouts += err == -ETIMEDOUT;
		waiter_wake(w, NULL, err);
	}
}

static void fail_waiters(struct rs_pool *p, int err)
{
	struct waiter *w;
	while ((w = waiter_pop(p)))
		waiter_wake(w, NULL, err);
}

static void close_idle(struct rs_pool *p)
{
	for (int i = 0; i < p->cfg.size; i++) {
		struct slot *s = &p->slots[i];
		if (s->state == SLOT_IDLE) {
			void *c = s->conn;
			s->conn = NULL;
			s->state = SLOT_EMPTY;
			p->cfg.driver->close(p->cfg.ctx, c);
		}
	}
}

static bool all_closed(const struct rs_pool *p)
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
	struct rs_pool *p = rs_fiber_data(rs_fiber_current());
	void *c = s->conn;

	int err = p->cfg.driver->cancel(p->cfg.ctx, c);
	if (err)
		fprintf(stderr, "ringside: reactor %d: CancelRequest failed: %s\n", p->r->cfg.index,
			strerror(-err));
	p->connecting--;
	s->cancelling--;
	/* Released: an idle one goes to whoever waits for it meanwhile; so does a
	 * shared one still busy (its waiters pipeline behind what it runs; left
	 * alone they would wait for a later offer, and rs_pool_return makes none). */
	if (held(s) || stopping(p))
		return;
	if (s->state == SLOT_IDLE && !s->inflight)
		slot_offer(p, s);
	else if (p->cfg.shared && s->state == SLOT_BUSY)
		shared_offer(p, s);
}

/* A cancel for what s runs now (from a fiber of its own: it opens a
 * second connection). */
static void start_cancel(struct rs_pool *p, struct slot *s)
{
	struct rs_fiber *f;
	s->stmts->cancelled = true;
	if (rs_fiber_create(p->r->fibers, canceller_main, s, &f))
		return;
	p->stats.cancels++;
	s->cancelling++;
	p->connecting++; /* keeps the pool alive at stop until it is done */
	rs_fiber_set_data(f, p);
	rs_fiber_resume(f);
}

/*
 * The statement at the head of a connection's queue (the one the backend
 * runs) is cancelled once it has run query_timeout_ms, timed from when it
 * reached the head (its send, on a quiet connection), or once its client
 * has gone. Another statement may have started by the time the cancel
 * lands (a race every CancelRequest has); the timeout should be far above
 * a statement's usual time.
 */
static void cancel_overdue(struct rs_pool *p, uint64_t now_ns)
{
	if (!p->cfg.driver->cancel)
		return;
	uint64_t limit = (uint64_t)p->cfg.query_timeout_ms * 1000000u;
	for (int i = 0; i < p->cfg.size; i++) {
		struct slot *s = &p->slots[i];
		struct rs_pool_stmt *t = s->stmts;
		if (s->state != SLOT_BUSY || s->doomed || !t || t->cancelled || !t->head_ns)
			continue;
		if (t->client_gone || (limit && now_ns - t->head_ns >= limit))
			start_cancel(p, s);
	}
}

/*
 * Which clients of the statements in flight are gone? One poll(2) per
 * tick, and only for statements older than a tick: fast ones never cost a
 * system call. A reset, or the client's end of the stream (as nginx takes
 * it: an HTTP/1.1 client does not half-close to wait for its answer).
 */
static void watch_clients(struct rs_pool *p, uint64_t now_ns)
{
	struct pollfd fds[64];
	struct rs_pool_stmt *who[64];
	nfds_t n = 0;
	for (int i = 0; i < p->cfg.size; i++)
		for (struct rs_pool_stmt *t = p->slots[i].stmts; t; t = t->next)
			if (t->client_gone_seen && *t->client_gone_seen)
				t->client_gone = true;
	for (int i = 0; i < p->cfg.size && n < 64; i++)
		for (struct rs_pool_stmt *t = p->slots[i].stmts; t && n < 64; t = t->next)
			if (t->client_fd >= 0 && !t->client_gone &&
			    (!t->head_ns || now_ns - t->head_ns >= (uint64_t)TICK_MS * 1000000u)) {
				fds[n] = (struct pollfd){ .fd = t->client_fd, .events = POLLRDHUP };
				who[n++] = t;
			}
	if (!n || poll(fds, n, 0) <= 0)
		return;
	for (nfds_t k = 0; k < n; k++)
		if (fds[k].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
			who[k]->client_gone = true;
}

static void slot_discard(struct rs_pool *p, struct slot *s);

/* A backend terminated while its connection sat unused (pg_terminate_backend,
 * idle_session_timeout, a restart) is found here, not by the next request:
 * in shared mode sequential requests keep to the first slot, so the others
 * would otherwise stay dead and counted as connected. */
static void probe_idle(struct rs_pool *p, int64_t now)
{
	if (!p->cfg.driver->socket || now < p->next_probe_ms)
		return;
	p->next_probe_ms = now + IDLE_PROBE_MS;
	for (int i = 0; i < p->cfg.size; i++) {
		struct slot *s = &p->slots[i];
		if (s->state == SLOT_IDLE && !s->inflight && rs_sock_idle_lost(p->cfg.driver->socket(p->cfg.ctx, s->conn)))
			slot_discard(p, s);
	}
}

static void maint_main(void *arg)
{
	struct rs_pool *p = arg;

	while (!stopping(p)) {
		int64_t now = rs_clock_ms();
		for (int i = 0; i < p->cfg.size; i++) {
			struct slot *s = &p->slots[i];
			if (s->state == SLOT_EMPTY && now >= s->next_try_ms)
				spawn_connector(p, s);
		}
		expire_waiters(p, now, -ETIMEDOUT);
		uint64_t now_ns = rs_now_ns();
		watch_clients(p, now_ns);
		cancel_overdue(p, now_ns);
		probe_idle(p, now);
		p->r->ops->sleep_ms(p->r, TICK_MS);
	}
	/* Stopping: nobody new gets a connection; in-flight users return
	 * theirs, which are then closed (see rs_pool_return). */
	expire_waiters(p, 0, -ESHUTDOWN);
	close_idle(p);
	while (!all_closed(p)) {
		p->r->ops->sleep_ms(p->r, TICK_MS);
		close_idle(p);
	}
	p->maint_done = true;
}

/* ---- the public side ---- */

int rs_pool_create(struct rs_reactor *r, const struct rs_pool_cfg *cfg, struct rs_pool **out)
{
	struct rs_pool *p = calloc(1, sizeof(*p));
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
static struct slot *pick_shared(struct rs_pool *p)
{
	struct slot *best = NULL;
	for (int i = 0; i < p->cfg.size; i++) {
		struct slot *s = &p->slots[i];
		if ((s->state != SLOT_IDLE && s->state != SLOT_BUSY) || s->doomed || held(s))
			continue;
		if (s->inflight < p->cfg.pipeline_depth)
			return s;
		if (!best || s->inflight < best->inflight)
			best = s;
	}
	return best;
}

static struct slot *first_idle(struct rs_pool *p)
{
	for (int i = 0; i < p->cfg.size; i++)
		if (p->slots[i].state == SLOT_IDLE && !held(&p->slots[i]))
			return &p->slots[i];
	return NULL;
}

/*
 * The pool is down and a request wants a connection: try one now rather
 * than after the backoff, so the pool is back as soon as the server is,
 * and let the request wait for that one attempt (a refused connect fails
 * in a moment, and fail_waiters answers it). At most one attempt in
 * flight, and one every BACKOFF_MIN_MS: a refused server is not hammered
 * (nor the log filled) at the request rate. true when one is in flight
 * (the caller waits), false to fail at once.
 */
static bool reconnect_now(struct rs_pool *p)
{
	struct slot *empty = NULL;
	int64_t now = rs_clock_ms();
	for (int i = 0; i < p->cfg.size; i++) {
		if (p->slots[i].state == SLOT_CONNECTING)
			return true;
		if (p->slots[i].state == SLOT_EMPTY && !empty)
			empty = &p->slots[i];
	}
	if (!empty || now < p->next_demand_ms)
		return false;
	p->next_demand_ms = now + BACKOFF_MIN_MS;
	spawn_connector(p, empty);
	/* It may have finished already: then up (IDLE) or failed again. */
	return empty->state == SLOT_CONNECTING;
}

int rs_pool_rent(struct rs_pool *p, void **out)
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
	if (rs_pool_down(p) && !reconnect_now(p)) {
		int down = rs_pool_down(p);
		return down ? down : rs_pool_rent(p, out); /* it came up at once */
	}
	struct waiter w = {
		.fiber = rs_fiber_current(),
		.deadline_ms = rs_clock_ms() + p->cfg.rent_timeout_ms,
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

static void slot_discard(struct rs_pool *p, struct slot *s)
{
	void *c = s->conn;
	p->stats.discarded++;
	s->conn = NULL;
	s->state = SLOT_EMPTY;
	s->inflight = 0;
	s->doomed = false;
	s->stmts = NULL;
	s->next_try_ms = rs_clock_ms(); /* replace at the next tick; backoff if that fails */
	p->cfg.driver->close(p->cfg.ctx, c);
}

void rs_pool_return(struct rs_pool *p, void *c)
{
	struct slot *s = slot_of(p, c);
	if (!s)
		return;
	s->inflight--;
	if (p->cfg.driver->is_broken && p->cfg.driver->is_broken(p->cfg.ctx, c))
		s->doomed = true;
	if (s->doomed || stopping(p)) {
		if (s->inflight <= 0)
			slot_discard(p, s);
		return;
	}
	if (p->cfg.shared) {
		/* Idle now: waiters queued while a cancel held it get it here, or else at the
		 * canceller's end (the slot may go idle before or after that). */
		if (!s->inflight)
			slot_offer(p, s);
		return;
	}
	/* Exclusive: hand it straight to the first waiter, inline (unless a
	 * cancel is on its way: then the canceller hands it on). */
	struct waiter *w = held(s) ? NULL : waiter_pop(p);
	if (!w) {
		s->state = SLOT_IDLE;
		return;
	}
	slot_use(s);
	waiter_wake(w, c, 0);
}

void rs_pool_stmt_begin(struct rs_pool *p, void *c, struct rs_pool_stmt *t)
{
	struct slot *s = slot_of(p, c);
	t->next = NULL;
	t->slot = s;
	t->head_ns = 0;
	t->cancelled = false;
	if (!s)
		return;
	struct rs_pool_stmt **pp = &s->stmts;
	while (*pp)
		pp = &(*pp)->next;
	*pp = t;
	if (pp == &s->stmts)
		t->head_ns = rs_now_ns();
}

void rs_pool_stmt_end(struct rs_pool_stmt *t)
{
	struct slot *s = t->slot;
	if (!s)
		return;
	t->slot = NULL;
	if (s->stmts == t) {
		s->stmts = t->next;
		/* The next one is what the backend runs now. */
		if (s->stmts && !s->stmts->head_ns)
			s->stmts->head_ns = rs_now_ns();
		return;
	}
	for (struct rs_pool_stmt *q = s->stmts; q; q = q->next)
		if (q->next == t) {
			q->next = t->next;
			return;
		}
}

int rs_pool_down(const struct rs_pool *p)
{
	if (!p->last_err)
		return 0;
	for (int i = 0; i < p->cfg.size; i++)
		if (p->slots[i].state == SLOT_IDLE || p->slots[i].state == SLOT_BUSY)
			return 0;
	return p->last_err;
}

int rs_pool_size(const struct rs_pool *p)
{
	return p->cfg.size;
}

const void *rs_pool_ctx(const struct rs_pool *p)
{
	return p->cfg.ctx;
}

void rs_pool_discard(struct rs_pool *p, void *c)
{
	struct slot *s = slot_of(p, c);
	if (s) {
		s->doomed = true;
		rs_pool_return(p, c);
	}
}

void rs_pool_stats(const struct rs_pool *p, struct rs_pool_stats *out)
{
	*out = p->stats;
	out->waiting = p->nwaiting;
	out->connected = 0;
	for (int i = 0; i < p->cfg.size; i++)
		out->connected += p->slots[i].state == SLOT_IDLE || p->slots[i].state == SLOT_BUSY;
}

void rs_pool_destroy(struct rs_pool *p)
{
	if (!p)
		return;
	free(p->slots);
	free(p);
}
