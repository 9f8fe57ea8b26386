/* threadpool.c - the libev (epoll) engine on the shared core plus offload(): blocking work on a process-wide worker pool. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ev/ev_internal.h"
#include "fiber.h"

extern const struct rs_engine_ops rs_engine_threadpool;

/*
 * The thread hop the io_uring design avoids, made explicit: a fiber's job
 * goes to a worker through a mutex+condvar queue, and comes back through its
 * home reactor's completion list and eventfd, whose watcher hands the
 * fiber's wait to the core, which resumes it inline on the reactor thread.
 */

struct tp_reactor;

/* One offloaded call; lives on the waiting fiber's stack, which waits on the core like any wait. */
struct tp_job {
	void (*fn)(void *arg);
	void *arg;
	struct rs_rcore_wait wait;
	struct tp_reactor *home;
	struct tp_job *next;
};

struct tp_reactor {
	struct rs_ev_reactor ev;
	int done_fd;                 /* eventfd: workers say "your list has jobs" */
	ev_io done_w;
	pthread_mutex_t done_lock;
	struct tp_job *done_head, *done_tail;
	bool pool_held;
};

/* The process-wide pool: created by the first reactor, gone with the last. */
static struct {
	pthread_mutex_t life;        /* users, threads: reactor create/destroy */
	int users;
	pthread_t *threads;
	int nthreads;

	pthread_mutex_t lock;        /* the queue */
	pthread_cond_t cond;
	struct tp_job *head, *tail;
	bool quit;
} pool = {
	.life = PTHREAD_MUTEX_INITIALIZER,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static inline struct tp_reactor *to_tr(struct rs_reactor *r)
{
	return (struct tp_reactor *)r;
}

/* ---- worker side ---- */

/* Hand a finished job back to its reactor. The eventfd is written under the
 * lock: once the reactor can see the job it may resume the fiber, finish
 * and close the eventfd, so nothing here may touch it after unlocking. */
static void job_complete(struct tp_job *job)
{
	struct tp_reactor *tr = job->home;
	uint64_t one = 1;

	pthread_mutex_lock(&tr->done_lock);
	bool was_empty = !tr->done_head;
	job->next = NULL;
	if (tr->done_tail)
		tr->done_tail->next = job;
	else
		tr->done_head = job;
	tr->done_tail = job;
	if (was_empty) {
		ssize_t n = write(tr->done_fd, &one, sizeof(one));
		(void)n; /* an eventfd write only fails on counter overflow */
	}
	pthread_mutex_unlock(&tr->done_lock);
}

static struct tp_job *queue_pop(void)
{
	pthread_mutex_lock(&pool.lock);
	while (!pool.head && !pool.quit)
		pthread_cond_wait(&pool.cond, &pool.lock);
	struct tp_job *job = pool.head;
	if (job) {
		pool.head = job->next;
		if (!pool.head)
			pool.tail = NULL;
	}
	pthread_mutex_unlock(&pool.lock);
	return job;
}

static void *worker_main(void *arg)
{
	struct tp_job *job;

	while ((job = queue_pop())) {
		job->fn(job->arg);
		job_complete(job);
	}
	return NULL;
}

/* ---- pool lifetime ---- */

static void pool_join(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.quit = true;
	pthread_cond_broadcast(&pool.cond);
	pthread_mutex_unlock(&pool.lock);
	for (int i = 0; i < pool.nthreads; i++)
		pthread_join(pool.threads[i], NULL);
	free(pool.threads);
	pool.threads = NULL;
	pool.nthreads = 0;
	pool.quit = false;
}

/* Workers take no signals: SIGTERM must land on a thread that can stop. */
static int pool_spawn(int n)
{
	sigset_t all, old;
	char name[16];

	pool.threads = calloc((size_t)n, sizeof(*pool.threads));
	if (!pool.threads)
		return -ENOMEM;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = 0;
	for (int i = 0; i < n && !err; i++) {
		err = -pthread_create(&pool.threads[i], NULL, worker_main, NULL);
		if (err)
			break;
		pool.nthreads++;
		snprintf(name, sizeof(name), "rs-worker-%hu", (unsigned short)i);
		pthread_setname_np(pool.threads[i], name);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		pool_join();
	return err;
}

static int pool_acquire(int workers)
{
	int err = 0;

	pthread_mutex_lock(&pool.life);
	if (!pool.users)
		err = pool_spawn(workers > 0 ? workers : 1);
	if (!err)
		pool.users++;
	pthread_mutex_unlock(&pool.life);
	return err;
}

/* The last reactor out stops the workers; no job can be queued by then,
 * since every reactor waits for its offloads before leaving its loop. */
static void pool_release(void)
{
	pthread_mutex_lock(&pool.life);
	if (!--pool.users)
		pool_join();
	pthread_mutex_unlock(&pool.life);
}

/* ---- reactor side ---- */

static void done_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tp_reactor *tr = w->data;
	uint64_t count;

	/* Read before taking the list: a job pushed after the read re-arms it. */
	ssize_t n = read(tr->done_fd, &count, sizeof(count));
	(void)n;
	pthread_mutex_lock(&tr->done_lock);
	struct tp_job *job = tr->done_head;
	tr->done_head = tr->done_tail = NULL;
	pthread_mutex_unlock(&tr->done_lock);
	while (job) {
		struct tp_job *next = job->next;
		rs_rcore_wake(&tr->ev.core, &job->wait, 0); /* the core's loop resumes the fiber */
		job = next;
	}
}

static int tp_offload(struct rs_reactor *r, void (*fn)(void *arg), void *arg)
{
	struct tp_reactor *tr = to_tr(r);
	struct tp_job job = { .fn = fn, .arg = arg, .wait = { .fd = -1 }, .home = tr };

	if (!rs_fiber_current())
		return -EINVAL;
	pthread_mutex_lock(&pool.lock);
	if (pool.tail)
		pool.tail->next = &job;
	else
		pool.head = &job;
	pool.tail = &job;
	pthread_cond_signal(&pool.cond);
	pthread_mutex_unlock(&pool.lock);
	return rs_rcore_suspend(&tr->ev.core, &job.wait);
}

static void tp_reactor_destroy(struct rs_reactor *r)
{
	struct tp_reactor *tr = to_tr(r);

	/* The loop goes first, with the watcher on done_fd. */
	rs_ev_reactor_fini(&tr->ev);
	if (tr->done_fd >= 0)
		close(tr->done_fd);
	pthread_mutex_destroy(&tr->done_lock);
	if (tr->pool_held)
		pool_release();
	free(tr);
}

static int tp_reactor_create(const struct rs_reactor_cfg *cfg, struct rs_reactor **out)
{
	struct tp_reactor *tr = calloc(1, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	tr->done_fd = -1;
	pthread_mutex_init(&tr->done_lock, NULL);
	int err = rs_ev_reactor_init(&tr->ev, cfg, &rs_engine_threadpool, EVBACKEND_EPOLL);
	if (err) {
		pthread_mutex_destroy(&tr->done_lock);
		free(tr);
		return err;
	}
	tr->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (tr->done_fd < 0) {
		err = -errno;
		goto out_destroy;
	}
	ev_io_init(&tr->done_w, done_cb, tr->done_fd, EV_READ);
	tr->done_w.data = tr;
	ev_io_start(tr->ev.loop, &tr->done_w);
	if ((err = pool_acquire(cfg->workers)))
		goto out_destroy;
	tr->pool_held = true;
	*out = &tr->ev.core.base;
	return 0;
out_destroy:
	tp_reactor_destroy(&tr->ev.core.base);
	return err;
}

static int tp_probe(const char **why)
{
	return rs_ev_probe_backend(EVBACKEND_EPOLL, why);
}

const struct rs_engine_ops rs_engine_threadpool = {
	.name = "threadpool",
	.caps = RS_CAP_READINESS | RS_CAP_OFFLOAD,
	.probe = tp_probe,
	.reactor_create = tp_reactor_create,
	.reactor_destroy = tp_reactor_destroy,
	RS_RCORE_OPS,
	.offload = tp_offload,
};
