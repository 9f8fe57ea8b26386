/* loadgen.c - the load generator's threads: epoll loop, open-loop schedule, per-second data, merging. */
#include <errno.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "loadgen_int.h"

#define MAX_EVENTS 256
#define HOUSEKEEP_NS (10 * NS_PER_MS)	/* timeouts and connect retries are checked this often */
#define LEAD_NS (100 * NS_PER_MS)	/* connections open this long before the schedules start */
#define TICK_NS (20 * NS_PER_MS)	/* how often the main thread collects finished seconds */

uint64_t lg_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t to_us(uint64_t ns)
{
	return (ns + 500) / 1000;
}

/* ---- the open-loop schedule: a min-heap of connections on next_due ---- */

static void heap_swap(struct lg_thread *t, int a, int b)
{
	struct lg_conn *x = t->heap[a];
	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->heap[a]->heap_idx = a;
	t->heap[b]->heap_idx = b;
}

void lg_heap_push(struct lg_thread *t, struct lg_conn *c)
{
	int i = t->nheap++;
	t->heap[i] = c;
	c->heap_idx = i;
	c->in_heap = true;
	while (i > 0 && t->heap[(i - 1) / 2]->next_due > t->heap[i]->next_due) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct lg_conn *heap_pop(struct lg_thread *t)
{
	struct lg_conn *top = t->heap[0];
	int i = 0;

	heap_swap(t, 0, --t->nheap);
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < t->nheap && t->heap[l]->next_due < t->heap[m]->next_due)
			m = l;
		if (r < t->nheap && t->heap[r]->next_due < t->heap[m]->next_due)
			m = r;
		if (m == i)
			break;
		heap_swap(t, i, m);
		i = m;
	}
	top->in_heap = false;
	top->heap_idx = -1;
	return top;
}

static void send_due(struct lg_thread *t, uint64_t now)
{
	while (t->nheap && t->heap[0]->next_due <= now)
		lg_conn_fill(heap_pop(t), now);
}

/* ---- counting, and the per-second hand-off to the main thread ---- */

static bool measured(const struct lg_thread *t, uint64_t now)
{
	return now >= t->run->t0 && now < t->run->t_end;
}

void lg_count_error(struct lg_thread *t, enum lg_err kind, uint64_t n, uint64_t now)
{
	if (!measured(t, now))
		return;
	t->errs[kind] += n;
	t->sec_errors += n;
}

/* Keep the first bad answer of the window, printable, so a failed run says what it got. */
void lg_keep_bad(struct lg_thread *t, int status, const char *body, size_t len, uint64_t now)
{
	if (t->first_bad_status || !measured(t, now))
		return;
	t->first_bad_status = status;
	size_t n = len < sizeof(t->first_bad_body) - 1 ? len : sizeof(t->first_bad_body) - 1;
	for (size_t i = 0; i < n; i++)
		t->first_bad_body[i] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : ' ';
	t->first_bad_body[n] = '\0';
}

void lg_count_response(struct lg_thread *t, uint64_t corrected_ns, uint64_t raw_ns, uint64_t now)
{
	if (!measured(t, now))
		return;
	uint64_t corrected = to_us(corrected_ns);
	t->requests++;
	t->sec_requests++;
	rs_hist_record(t->lat, corrected);
	rs_hist_record(t->raw, to_us(raw_ns));
	rs_hist_record(t->sec_hist, corrected);
}

/* Hand second cur_sec to the main thread; the release store publishes secs[cur_sec]. */
static void publish(struct lg_thread *t)
{
	struct lg_sec *s = &t->secs[t->cur_sec];

	s->requests = t->sec_requests;
	s->errors = t->sec_errors;
	if (rs_hist_snap_new(t->sec_hist, &s->snap))
		s->snap = NULL;	/* out of memory: that second's percentiles read 0 */
	rs_hist_reset(t->sec_hist);
	t->sec_requests = t->sec_errors = 0;
	atomic_store_explicit(&t->published, (int)t->cur_sec + 1, memory_order_release);
}

/* This thread's CPU so far. */
static void thread_cpu(struct timeval *user, struct timeval *sys)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		ru.ru_utime = ru.ru_stime = (struct timeval){ 0 };
	*user = ru.ru_utime;
	*sys = ru.ru_stime;
}

/* Move to the second that holds `now`, publishing every second passed (empty ones too). */
static void roll_second(struct lg_thread *t, uint64_t now)
{
	const struct lg_run *run = t->run;
	if (now < run->t0)
		return;
	if (!t->cpu_started) {
		/* The measured window starts for this thread: its CPU counts from here. */
		thread_cpu(&t->cpu_user0, &t->cpu_sys0);
		t->cpu_started = true;
	}
	int64_t sec = (int64_t)((now - run->t0) / NS_PER_S);
	if (sec >= run->max_seconds)
		sec = run->max_seconds - 1;
	while (t->cur_sec < sec) {
		if (t->cur_sec >= 0)
			publish(t);
		t->cur_sec++;
	}
}

/* ---- the thread ---- */

static uint64_t next_deadline(const struct lg_thread *t, uint64_t now)
{
	const struct lg_run *run = t->run;
	uint64_t d = run->t_end;

	if (now < run->t0) {
		if (run->t0 < d)
			d = run->t0;
	} else if (run->t0 + (uint64_t)(t->cur_sec + 1) * NS_PER_S < d) {
		d = run->t0 + (uint64_t)(t->cur_sec + 1) * NS_PER_S;
	}
	if (t->nheap && t->heap[0]->next_due < d)
		d = t->heap[0]->next_due;
	if (t->next_housekeep < d)
		d = t->next_housekeep;
	return d;
}

/* Requests queued during this batch go out now, one send per connection. */
static void flush(struct lg_thread *t)
{
	int n = t->ndirty;
	if (!n)
		return;
	uint64_t now = lg_now();
	for (int i = 0; i < n; i++)
		lg_conn_flush(t->dirty[i], now);
	/* A connection restarted while flushing queued again: keep it for the next batch. */
	memmove(t->dirty, t->dirty + n, (size_t)(t->ndirty - n) * sizeof(t->dirty[0]));
	t->ndirty -= n;
}

static void housekeep(struct lg_thread *t, uint64_t now)
{
	for (int i = 0; i < t->nconns; i++)
		lg_conn_housekeep(&t->conns[i], now);
	t->next_housekeep = now + HOUSEKEEP_NS;
}

static int wait_events(struct lg_thread *t, struct epoll_event *evs, uint64_t now)
{
	uint64_t d = next_deadline(t, now), wait = d > now ? d - now : 0;
	struct timespec ts = { .tv_sec = (time_t)(wait / NS_PER_S), .tv_nsec = (long)(wait % NS_PER_S) };
	int n = epoll_pwait2(t->ep, evs, MAX_EVENTS, &ts, NULL);
	return n < 0 && errno != EINTR ? -errno : n < 0 ? 0 : n;
}

static void loop(struct lg_thread *t)
{
	struct lg_run *run = t->run;
	struct epoll_event evs[MAX_EVENTS];
	uint64_t now = lg_now();

	for (int i = 0; i < t->nconns; i++)
		lg_conn_open(&t->conns[i], now);
	flush(t);
	t->next_housekeep = now + HOUSEKEEP_NS;
	while (now < run->t_end && !atomic_load_explicit(&run->stop, memory_order_relaxed)) {
		int n = wait_events(t, evs, now);
		if (n < 0) {
			t->err = n;
			break;
		}
		/* One timestamp for the batch: every response in it arrived by now. */
		now = lg_now();
		if (now >= run->t_end)
			break;
		roll_second(t, now);
		for (int i = 0; i < n; i++)
			lg_conn_event(evs[i].data.ptr, evs[i].events, now);
		send_due(t, now);
		if (now >= t->next_housekeep)
			housekeep(t, now);
		flush(t);
	}
	t->exit_ns = now < run->t_end ? now : run->t_end;
}

static void *thread_main(void *arg)
{
	struct lg_thread *t = arg;
	struct lg_run *run = t->run;

	/* Wake at the intended send time, not up to 50 us after it (the default slack). */
	if (run->open_loop)
		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	loop(t);
	if (t->cpu_started)
		thread_cpu(&t->cpu_user1, &t->cpu_sys1);
	if (t->exit_ns >= run->t0) {
		roll_second(t, t->exit_ns - 1);
		if (t->cur_sec >= 0)
			publish(t);
	}
	for (int i = 0; i < t->nconns; i++)
		lg_conn_fini(&t->conns[i]);
	atomic_store_explicit(&t->done, 1, memory_order_release);
	return NULL;
}

/* ---- setup and teardown ---- */

static void thread_free(struct lg_thread *t)
{
	if (t->conns)
		for (int i = 0; i < t->nconns; i++)
			lg_conn_fini(&t->conns[i]);
	if (t->secs)
		for (int i = 0; i < t->run->max_seconds; i++)
			rs_hist_snap_free(t->secs[i].snap);
	free(t->conns);
	free(t->dirty);
	free(t->heap);
	free(t->secs);
	rs_hist_free(t->lat);
	rs_hist_free(t->raw);
	rs_hist_free(t->sec_hist);
	if (t->ep >= 0)
		close(t->ep);
}

/* Thread id gets nconns connections; first is the global index of its first one (for staggering). */
static int thread_init(struct lg_thread *t, struct lg_run *run, int id, int nconns, int first)
{
	memset(t, 0, sizeof(*t));
	t->run = run;
	t->id = id;
	t->cur_sec = -1;
	t->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(id + 1);
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->ep < 0)
		return -errno;
	t->conns = calloc((size_t)nconns, sizeof(*t->conns));
	t->dirty = calloc((size_t)nconns * 2, sizeof(*t->dirty));
	t->heap = calloc((size_t)nconns, sizeof(*t->heap));
	t->secs = calloc((size_t)run->max_seconds, sizeof(*t->secs));
	if (!t->conns || !t->dirty || !t->heap || !t->secs || rs_hist_new(&t->lat) || rs_hist_new(&t->raw) ||
	    rs_hist_new(&t->sec_hist))
		return -ENOMEM;
	for (int i = 0; i < nconns; i++) {
		uint64_t rng = rs_lg_arrival_seed(run->cfg, first + i);
		uint64_t due = run->open_loop ? rs_lg_first_due(run->cfg, first + i, run->t_start, &rng) : run->t_start;
		int err = lg_conn_init(&t->conns[i], t, due);
		if (err)
			return err;
		t->conns[i].rng = rng;
		t->nconns++;
	}
	return 0;
}

static int build_requests(struct lg_run *run)
{
	const struct rs_lg_cfg *cfg = run->cfg;
	for (int i = 0; i < cfg->npaths; i++) {
		int n = asprintf(&run->req[i], "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", cfg->paths[i].path,
				 cfg->host, cfg->port);
		if (n < 0) {
			run->req[i] = NULL;
			return -ENOMEM;
		}
		run->req_len[i] = (size_t)n;
		if ((size_t)n > run->max_req_len)
			run->max_req_len = (size_t)n;
		run->total_weight += cfg->paths[i].weight;
		run->cum_weight[i] = run->total_weight;
	}
	return 0;
}

static int check_cfg(const struct rs_lg_cfg *cfg)
{
	if (!cfg->host || cfg->port < 1 || cfg->port > 65535 || cfg->npaths < 1 ||
	    cfg->npaths > RS_LG_MAX_PATHS || cfg->threads < 1 || cfg->conns < 1 || cfg->pipeline < 1 ||
	    cfg->rate < 0 || cfg->duration_s < 1 || cfg->duration_s > RS_LG_MAX_SECONDS ||
	    cfg->warmup_s < 0 || cfg->timeout_ms < 0 || cfg->reset_every == 1 || cfg->reset_every < 0)
		return -EINVAL;
	for (int i = 0; i < cfg->npaths; i++)
		if (!cfg->paths[i].path || cfg->paths[i].path[0] != '/' || cfg->paths[i].weight < 1)
			return -EINVAL;
	return 0;
}

static int run_init(struct lg_run *run, const struct rs_lg_cfg *cfg)
{
	memset(run, 0, sizeof(*run));
	run->cfg = cfg;
	run->addr.sin_family = AF_INET;
	run->addr.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->host, &run->addr.sin_addr) != 1)
		return -EINVAL;
	run->open_loop = cfg->rate > 0;
	run->interval_ns = run->open_loop ? (double)cfg->conns * NS_PER_S / cfg->rate : 0;
	run->max_seconds = cfg->duration_s;
	run->t_start = lg_now() + LEAD_NS;
	run->t0 = run->t_start + (uint64_t)cfg->warmup_s * NS_PER_S;
	run->t_end = run->t0 + (uint64_t)cfg->duration_s * NS_PER_S;
	if (cfg->reset_every) {
		run->reset_from = run->t0 + (uint64_t)(cfg->reset_from_s * NS_PER_S);
		run->reset_until = run->t0 + (uint64_t)(cfg->reset_until_s * NS_PER_S);
	}
	return build_requests(run);
}

static void run_fini(struct lg_run *run)
{
	for (int i = 0; i < RS_LG_MAX_PATHS; i++)
		free(run->req[i]);
}

/* ---- the main thread: start, collect seconds, merge ---- */

struct lg_main {
	struct lg_run run;
	struct lg_thread *threads;
	int nthreads;
	int emitted;		/* seconds already merged into res->seconds */
	bool window_said;	/* on_window called */
	struct rs_hist *scratch;
};

/* Merge second s of every thread that has it into res->seconds[s]. */
static void emit_second(struct lg_main *m, struct rs_lg_result *res, int s)
{
	struct rs_lg_second *out = &res->seconds[s];
	const struct rs_lg_cfg *cfg = m->run.cfg;

	rs_hist_reset(m->scratch);
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < m->nthreads; i++) {
		struct lg_thread *t = &m->threads[i];
		if (atomic_load_explicit(&t->published, memory_order_acquire) <= s)
			continue;
		out->requests += t->secs[s].requests;
		out->errors += t->secs[s].errors;
		if (t->secs[s].snap)
			rs_hist_merge_snap(m->scratch, t->secs[s].snap);
	}
	out->p50_us = rs_hist_percentile(m->scratch, 50.0);
	out->p99_us = rs_hist_percentile(m->scratch, 99.0);
	if (rs_hist_snap_new(m->scratch, &out->hist))
		out->hist = NULL;
	res->nseconds = s + 1;
	if (cfg->on_second_hist)
		cfg->on_second_hist(cfg->arg, s + 1, m->scratch);
	if (cfg->on_second)
		cfg->on_second(cfg->arg, s + 1, out->requests, out->errors, out->p99_us);
}

/* Seconds every thread has finished; with final, every second any thread has. */
static void collect(struct lg_main *m, struct rs_lg_result *res, bool final)
{
	int ready = final ? 0 : m->run.max_seconds;
	for (int i = 0; i < m->nthreads; i++) {
		int p = atomic_load_explicit(&m->threads[i].published, memory_order_acquire);
		ready = final ? (p > ready ? p : ready) : (p < ready ? p : ready);
	}
	while (m->emitted < ready)
		emit_second(m, res, m->emitted++);
}

/* Whether every thread has ended; one that failed stops the others. */
static bool all_done(struct lg_main *m)
{
	bool all = true;
	for (int i = 0; i < m->nthreads; i++) {
		struct lg_thread *t = &m->threads[i];
		if (!atomic_load_explicit(&t->done, memory_order_acquire))
			all = false;
		else if (t->err)
			atomic_store(&m->run.stop, 1);
	}
	return all;
}

static void watch(struct lg_main *m, struct rs_lg_result *res)
{
	const struct rs_lg_cfg *cfg = m->run.cfg;
	struct timespec tick = { 0, (long)TICK_NS };

	while (!all_done(m)) {
		nanosleep(&tick, NULL);
		/* Atomic: a thread may set it (loadgen_agent.c's stdin watcher), not only a signal handler. */
		if (cfg->stop && __atomic_load_n(cfg->stop, __ATOMIC_RELAXED))
			atomic_store(&m->run.stop, 1);
		if (cfg->on_window && !m->window_said && lg_now() >= m->run.t0) {
			m->window_said = true;
			cfg->on_window(cfg->arg);
		}
		collect(m, res, false);
	}
}

static int start_threads(struct lg_main *m)
{
	const struct rs_lg_cfg *cfg = m->run.cfg;
	int first = 0;

	for (int i = 0; i < m->nthreads; i++) {
		int n = cfg->conns / m->nthreads + (i < cfg->conns % m->nthreads);
		int err = thread_init(&m->threads[i], &m->run, i, n, first);
		if (err)
			return err;
		first += n;
	}
	for (int i = 0; i < m->nthreads; i++) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		if (cfg->cpus && cfg->ncpus > 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(cfg->cpus[i % cfg->ncpus], &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		}
		int err = -pthread_create(&m->threads[i].tid, &attr, thread_main, &m->threads[i]);
		pthread_attr_destroy(&attr);
		if (err) {
			atomic_store(&m->run.stop, 1);
			for (int j = 0; j < i; j++)
				pthread_join(m->threads[j].tid, NULL);
			return err;
		}
	}
	return 0;
}

static double tv_diff(struct timeval a, struct timeval b)
{
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_usec - a.tv_usec) / 1e6;
}

static void merge_totals(struct lg_main *m, struct rs_lg_result *res)
{
	uint64_t exit_ns = m->run.t0;
	int cpu_threads = 0;
	for (int i = 0; i < m->nthreads; i++) {
		struct lg_thread *t = &m->threads[i];
		if (t->cpu_started) {
			res->cpu_user_s += tv_diff(t->cpu_user0, t->cpu_user1);
			res->cpu_sys_s += tv_diff(t->cpu_sys0, t->cpu_sys1);
			cpu_threads++;
		}
		res->requests += t->requests;
		res->connect_errors += t->errs[LG_CONNECT];
		res->resets += t->errs[LG_RESET];
		res->timeouts += t->errs[LG_TIMEOUT];
		res->non2xx += t->errs[LG_NON2XX];
		res->invalid += t->errs[LG_INVALID];
		res->client_resets += t->client_resets;
		if (!res->first_bad_status && t->first_bad_status) {
			res->first_bad_status = t->first_bad_status;
			memcpy(res->first_bad_body, t->first_bad_body, sizeof(res->first_bad_body));
		}
		rs_hist_merge(res->latency, t->lat);
		rs_hist_merge(res->latency_raw, t->raw);
		if (t->exit_ns > exit_ns)
			exit_ns = t->exit_ns;
	}
	res->elapsed_s = (double)(exit_ns - m->run.t0) / NS_PER_S;
	res->rps = res->elapsed_s > 0 ? (double)res->requests / res->elapsed_s : 0;
	res->partial = exit_ns < m->run.t_end;
	res->rate_unsustained = res->target_rate > 0 && res->rps < 0.99 * res->target_rate;
	if (!cpu_threads)
		res->cpu_user_s = res->cpu_sys_s = -1;
}

static int result_init(struct rs_lg_result *res, const struct rs_lg_cfg *cfg)
{
	memset(res, 0, sizeof(*res));
	res->target_rate = cfg->rate;
	res->seconds = calloc((size_t)cfg->duration_s, sizeof(*res->seconds));
	if (!res->seconds || rs_hist_new(&res->latency) || rs_hist_new(&res->latency_raw)) {
		rs_lg_result_free(res);
		return -ENOMEM;
	}
	return 0;
}

static void main_fini(struct lg_main *m)
{
	if (m->threads)
		for (int i = 0; i < m->nthreads; i++)
			thread_free(&m->threads[i]);
	free(m->threads);
	rs_hist_free(m->scratch);
	run_fini(&m->run);
}

int rs_lg_run(const struct rs_lg_cfg *cfg, struct rs_lg_result *res)
{
	struct lg_main m = { 0 };
	int err = check_cfg(cfg);
	if (err)
		return err;
	err = result_init(res, cfg);
	if (err)
		return err;
	m.nthreads = cfg->threads < cfg->conns ? cfg->threads : cfg->conns;
	m.threads = calloc((size_t)m.nthreads, sizeof(*m.threads));
	for (int i = 0; m.threads && i < m.nthreads; i++)
		m.threads[i].ep = -1;
	err = !m.threads || rs_hist_new(&m.scratch) ? -ENOMEM : run_init(&m.run, cfg);
	if (!err) {
		/* The wall clock at t0: now on both clocks, then t0's distance from now. */
		struct timespec wall;
		clock_gettime(CLOCK_REALTIME, &wall);
		res->t0_unix_s = (double)wall.tv_sec + wall.tv_nsec / 1e9 + ((double)m.run.t0 - (double)lg_now()) / NS_PER_S;
	}
	if (!err && cfg->on_start)
		cfg->on_start(cfg->arg, (double)m.run.t0 / NS_PER_S);
	err = err ? err : start_threads(&m);
	if (err)
		goto out_fail;
	watch(&m, res);
	for (int i = 0; i < m.nthreads; i++) {
		pthread_join(m.threads[i].tid, NULL);
		if (m.threads[i].err && !err)
			err = m.threads[i].err;
	}
	if (err)
		goto out_fail;
	collect(&m, res, true);
	merge_totals(&m, res);
	main_fini(&m);
	return 0;

out_fail:
	main_fini(&m);
	rs_lg_result_free(res);
	return err;
}

void rs_lg_result_free(struct rs_lg_result *res)
{
	rs_hist_free(res->latency);
	rs_hist_free(res->latency_raw);
	for (int s = 0; res->seconds && s < res->nseconds; s++)
		rs_hist_snap_free(res->seconds[s].hist);
	free(res->seconds);
	res->latency = res->latency_raw = NULL;
	res->seconds = NULL;
	res->nseconds = 0;
}
