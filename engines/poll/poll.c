/* poll.c - the poll(2) engine: readiness by scanning every waiting socket each turn, no library. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "rcore.h"

extern const struct rs_engine_ops rs_engine_poll;

/* The waiters, rebuilt into one pollfd array per turn: the O(n) scan this engine measures. */
struct poll_reactor {
	struct rs_rcore core;
	struct pollfd *fds;
	struct rs_rcore_wait **who; /* who[i] waits on fds[i]; fds[0] is the wake eventfd */
	unsigned cap;
};

static int poll_wait_once(struct rs_rcore *c, int timeout_ms)
{
	struct poll_reactor *pr = (struct poll_reactor *)c;
	unsigned n = 1;

	if (c->nwaiters + 1 > pr->cap) {
		unsigned cap = (c->nwaiters + 1) * 2;
		struct pollfd *fds = realloc(pr->fds, cap * sizeof(*fds));
		if (fds)
			pr->fds = fds;
		struct rs_rcore_wait **who = realloc(pr->who, cap * sizeof(*who));
		if (who)
			pr->who = who;
		if (!fds || !who)
			return -ENOMEM;
		pr->cap = cap;
	}
	pr->fds[0] = (struct pollfd){ .fd = c->wake_fd, .events = POLLIN };
	/* A sleep (fd -1) takes no slot: poll(2) would ignore it anyway. */
	for (struct rs_rcore_wait *w = c->waiters; w; w = w->next) {
		if (w->fd < 0)
			continue;
		pr->fds[n] = (struct pollfd){ .fd = w->fd, .events = (short)w->events };
		pr->who[n++] = w;
	}
	int ready = poll(pr->fds, n, timeout_ms);
	if (ready < 0)
		return -errno;
	for (unsigned i = 1; i < n && ready > 0; i++)
		if (pr->fds[i].revents) {
			ready--;
			rs_rcore_ready(c, pr->who[i], pr->fds[i].revents);
		}
	return 0;
}

static const struct rs_rcore_mech poll_mech = { .wait_once = poll_wait_once };

static int poll_probe(const char **why)
{
	(void)why; /* poll(2) is everywhere */
	return 0;
}

static int poll_reactor_create(const struct rs_reactor_cfg *cfg, struct rs_reactor **out)
{
	struct poll_reactor *pr = calloc(1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	int err = rs_rcore_init(&pr->core, cfg, &rs_engine_poll, &poll_mech);
	if (err) {
		free(pr);
		return err;
	}
	*out = &pr->core.base;
	return 0;
}

static void poll_reactor_destroy(struct rs_reactor *r)
{
	struct poll_reactor *pr = (struct poll_reactor *)r;

	rs_rcore_fini(&pr->core);
	free(pr->fds);
	free(pr->who);
	free(pr);
}

const struct rs_engine_ops rs_engine_poll = {
	.name = "poll",
	.caps = RS_CAP_READINESS,
	.probe = poll_probe,
	.reactor_create = poll_reactor_create,
	.reactor_destroy = poll_reactor_destroy,
	RS_RCORE_OPS,
};
