/* test_remote.c - harness/remote.c over the loopback sshd: hosts parse, commands run, clocks agree, dead hosts fail fast by name. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "remote.h"
#include "../run/runlib.h"
#include "fixture.h"


static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Our stderr into a file while f runs, then its text in buf. */
static int with_stderr(char *buf, size_t size, int (*f)(const struct rs_remote *), const struct rs_remote *r)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/stderr.txt", fixture_dir);
	fflush(stderr);
	int saved = dup(2), fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	dup2(fd, 2);
	int rc = f(r);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	fputs(buf, stderr);
	return rc;
}

static int offset_of(const struct rs_remote *r)
{
	double off, unc;
	return rs_remote_clock_offset(r, 5, &off, &unc);
}

/* Stop the fixture, then fail with "what: arg". */
static void fail(const char *what, const char *arg)
{
	fixture_do("stop");
	die("%s: %s", what, arg);
}

int main(int argc, char **argv)
{
	if (argc != 3) die("usage: test_remote FIXTURE.sh DIR");
	fixture_init(argv[1], argv[2]);

	/* Parsing needs no sshd. */
	struct rs_remote r;
	REQUIRE(rs_remote_parse("ssh://bob@db.example:2222", &r) == 0 && !strcmp(r.user, "bob") &&
	      !strcmp(r.host, "db.example") && r.port == 2222, "ssh://bob@db.example:2222 misparsed");
	REQUIRE(rs_remote_parse("ssh://10.0.0.2", &r) == 0 && !*r.user && r.port == 0, "ssh://10.0.0.2 misparsed");
	const char *bad[] = { "10.0.0.2", "http://h", "ssh://", "ssh://h:0", "ssh://h:99999", "ssh://h:x",
			      "ssh://@h", "ssh://h/path", "ssh://-oProxyCommand=x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		REQUIRE(rs_remote_parse(bad[i], &r) == -EINVAL, "'%s' accepted", bad[i]);

	int rc = fixture_do("start");
	if (rc == 77) skip("the sshd fixture cannot start here (its reason is above)");
	REQUIRE(rc == 0, "fixture start failed (%d)", rc);
	char ssh[4200];
	snprintf(ssh, sizeof ssh, "%s/ssh", fixture_dir);
	setenv("RINGSIDE_SSH", ssh, 1);

	char out[4096];
	rs_remote_parse("ssh://root@127.0.0.1", &r);
	if (rs_remote_run(&r, "echo $((6 * 7))", out, sizeof out, 10) != 0 || strcmp(out, "42\n"))
		fail("remote echo did not give 42", out);
	if (rs_remote_run(&r, "exit 3", out, sizeof out, 10) != 3)
		fail("exit status", "a remote exit 3 was not reported as 3");
	double t = mono();
	if (rs_remote_run(&r, "sleep 30", out, sizeof out, 1) != -ETIMEDOUT || mono() - t > 5)
		fail("timeout", "a remote command past its timeout was not cut off");

	/* Same clock on both ends: the offset lies within its uncertainty, well under 10 ms on loopback. */
	double off, unc;
	if (rs_remote_clock_offset(&r, 20, &off, &unc))
		fail("clock offset", "failed on the loopback sshd");
	fprintf(stderr, "offset %.0f us +- %.0f us\n", off, unc);
	if (!(unc > 0 && unc < 10000 && fabs(off) <= unc + 1))
		fail("clock offset", "implausible on one machine");

	/* Dead hosts: a refused port and a name that does not resolve fail fast and are named. */
	const char *dead[] = { "ssh://root@127.0.0.1:1", "ssh://root@no-such-host.invalid" };
	/* The fixture's wrapper names its own -p, which ssh takes over ours: plain ssh here. */
	setenv("RINGSIDE_SSH", "ssh -F none -o ConnectTimeout=5 -o StrictHostKeyChecking=no", 1);
	for (int i = 0; i < 2; i++) {
		rs_remote_parse(dead[i], &r);
		t = mono();
		char err[4096];
		if (with_stderr(err, sizeof err, offset_of, &r) == 0)
			fail("a dead host answered", dead[i]);
		if (mono() - t > 10)
			fail("took over 10 s to fail", dead[i]);
		if (!strstr(err, dead[i]))
			fail("the failure does not name", dead[i]);
		if (rs_remote_run(&r, "true", out, sizeof out, 10) != 255)
			fail("ssh did not report 255", dead[i]);
	}

	REQUIRE(fixture_do("stop") == 0, "fixture stop failed");
	printf("remote: commands, exit codes, timeouts, clock offset and dead hosts behave\n");
	return 0;
}
