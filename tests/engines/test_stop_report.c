/* test_stop_report.c - a reactor held past stop by a parked fiber says, within seconds, what holds it (poll, epoll, uring). */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "../check.h"
#include "engine.h"
#include "fiber.h"
#include "rs_config.h"
#include "../../harness/port.h"

extern const struct rs_engine_ops rs_engine_poll;
#if RS_HAVE_EV
extern const struct rs_engine_ops rs_engine_ev;
#endif
#if RS_HAVE_URING
extern const struct rs_engine_ops rs_engine_uring;
#endif

/* Stops its reactor, then stays parked 6 s: past the 5 s at which the core reports. */
static void body(void *arg)
{
	struct rs_reactor *r = arg;
	r->ops->reactor_stop(r);
	r->ops->sleep_ms(r, 6000);
}

/* want, want2: what the report must say (want2 may be NULL). */
static void run_engine(const struct rs_engine_ops *ops, const char *want, const char *want2)
{
	char path[] = "/tmp/rs-stop-report-XXXXXX", log[4096];
	int port = rs_port_free(), fd = mkstemp(path), saved = dup(2);
	REQUIRE(port > 0 && fd >= 0 && saved >= 0, "setup: %s", strerror(errno));
	unlink(path);
	const char *why = NULL;
	if (ops->probe && ops->probe(&why)) {
		fprintf(stderr, "%s: not on this machine (%s): skipped\n", ops->name, why ? why : "probe failed");
		close(fd);
		close(saved);
		return;
	}
	struct rs_reactor_cfg cfg = { .cpu = -1, .port = (uint16_t)port, .max_conns = 4 };
	struct rs_reactor *r;
	int err = ops->reactor_create(&cfg, &r);
	REQUIRE(!err, "%s: reactor_create: %s", ops->name, strerror(-err));
	struct rs_fiber *f;
	REQUIRE(!rs_fiber_create(r->fibers, body, r, &f), "fiber");
	rs_fiber_resume(f);
	fflush(stderr);
	dup2(fd, 2); /* the report goes to the server's log: stderr */
	err = ops->reactor_run(r);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ops->reactor_destroy(r);
	CHECK(!err, "%s: reactor_run: %s", ops->name, strerror(-err));
	ssize_t n = pread(fd, log, sizeof(log) - 1, 0);
	close(fd);
	log[n > 0 ? n : 0] = '\0';
	CHECK(strstr(log, want) && (!want2 || strstr(log, want2)), "%s: the report says: \"%s\"", ops->name, log);
}

int main(void)
{
	static const char core[] = "stopping for 5 s, held by 0 connections, 0 closes, 1 waits:";
	run_engine(&rs_engine_poll, core, "a sleep, with a deadline");
#if RS_HAVE_EV
	run_engine(&rs_engine_ev, core, "a sleep, with a deadline");
#endif
#if RS_HAVE_URING
	run_engine(&rs_engine_uring, "stopping for 5 s, held by 0 connections, 1 client ops", NULL);
#endif
	return failures ? TEST_FAIL : TEST_PASS;
}
