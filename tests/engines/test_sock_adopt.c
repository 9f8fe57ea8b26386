/* test_sock_adopt.c - a client socket number closed behind the engine's back and opened again (libpq's way), adopted, is waited on anew. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../check.h"
#include "engine.h"
#include "fiber.h"
#include "preset.h"
#include "../../harness/port.h"

struct run {
	struct rs_reactor *r;
	struct sockaddr_in peer; /* a listener nobody accepts from: connects complete in its backlog */
	int fd_a, fd_b, ev_a, ev_b;
};

static int open_connecting(const struct sockaddr_in *peer)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	REQUIRE(fd >= 0, "socket: %s", strerror(errno));
	REQUIRE(!connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) || errno == EINPROGRESS,
		"connect: %s", strerror(errno));
	return fd;
}

/* What a libpq connector does when another's connect was refused in the same turn: wait for a
 * socket, close it itself, open the next one (the lowest free number: the same) and wait for the
 * same event on it. */
static void body(void *arg)
{
	struct run *x = arg;
	struct rs_reactor *r = x->r;

	x->fd_a = open_connecting(&x->peer);
	x->ev_a = r->ops->sock_wait(r, x->fd_a, POLLOUT, 2000);
	close(x->fd_a);
	x->fd_b = open_connecting(&x->peer);
	if (r->ops->sock_adopt)
		r->ops->sock_adopt(r, x->fd_b);
	x->ev_b = r->ops->sock_wait(r, x->fd_b, POLLOUT, 2000);
	close(x->fd_b);
	r->ops->reactor_stop(r);
}

static void run_engine(const struct rs_engine_ops *ops, int listen_fd)
{
	const char *why = NULL;
	if (ops->probe && ops->probe(&why)) {
		fprintf(stderr, "%s: not on this machine (%s): skipped\n", ops->name, why ? why : "probe failed");
		return;
	}
	int port = rs_port_free();
	REQUIRE(port > 0, "no free port");
	struct rs_reactor_cfg cfg = { .cpu = -1, .port = (uint16_t)port, .max_conns = 16, .workers = 1 };
	struct run x = { .fd_a = -1, .fd_b = -1 };
	socklen_t len = sizeof(x.peer);
	REQUIRE(!getsockname(listen_fd, (struct sockaddr *)&x.peer, &len), "getsockname: %s", strerror(errno));
	int err = ops->reactor_create(&cfg, &x.r);
	REQUIRE(!err, "%s: reactor_create: %s", ops->name, strerror(-err));
	struct rs_fiber *f;
	REQUIRE(!rs_fiber_create(x.r->fibers, body, &x, &f), "fiber");
	rs_fiber_resume(f); /* as the pool's connectors start: before the loop turns */
	err = ops->reactor_run(x.r);
	CHECK(!err, "%s: reactor_run: %s", ops->name, strerror(-err));
	ops->reactor_destroy(x.r);
	CHECK(x.ev_a > 0 && (x.ev_a & POLLOUT), "%s: the first socket's wait returned %d", ops->name, x.ev_a);
	if (x.fd_b != x.fd_a)
		fprintf(stderr, "%s: the second socket got %d, not %d: the reuse was not exercised\n", ops->name,
			x.fd_b, x.fd_a);
	CHECK(x.fd_b == x.fd_a, "%s: no reuse of fd %d", ops->name, x.fd_a);
	CHECK(x.ev_b > 0 && (x.ev_b & POLLOUT), "%s: the wait on fd %d, a new socket at a closed one's number, "
	      "returned %d (0: timed out, never watched)", ops->name, x.fd_b, x.ev_b);
}

int main(void)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	REQUIRE(l >= 0 && !bind(l, (struct sockaddr *)&sa, sizeof(sa)) && !listen(l, 16), "listener: %s",
		strerror(errno));
	/* Every engine some preset of this build runs on, once: a new engine is covered by its preset. */
	const struct rs_preset *const *ps = rs_preset_list();
	for (size_t i = 0; ps[i]; i++) {
		size_t j = 0;
		while (j < i && ps[j]->engine != ps[i]->engine)
			j++;
		if (j == i)
			run_engine(ps[i]->engine, l);
	}
	close(l);
	return failures ? TEST_FAIL : TEST_PASS;
}
