/* test_sshd.c - the loopback sshd fixture: logins run commands, stop leaves nothing running. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../run/runlib.h"
#include "fixture.h"


/* Whether any process's command line is exactly line (pgrep -f -x). */
static int running(const char *line)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "pgrep -f -x '%s' >/dev/null", line);
	return system(cmd) == 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) die("usage: test_sshd FIXTURE.sh DIR");
	fixture_init(argv[1], argv[2]);

	int rc = fixture_do("start");
	if (rc == 77) skip("the sshd fixture cannot start here (its reason is above)");
	REQUIRE(rc == 0, "fixture start failed (%d)", rc);

	char ssh[4200], out[4096], pidfile[4200];
	snprintf(ssh, sizeof ssh, "%s/ssh", fixture_dir);
	snprintf(pidfile, sizeof pidfile, "%s/sshd.pid", fixture_dir);
	FILE *f = fopen(pidfile, "r");
	int sshd = 0;
	REQUIRE(f && fscanf(f, "%d", &sshd) == 1 && sshd > 0, "no pid in %s", pidfile);
	fclose(f);

	/* A real remote command: the shell over there computes, we read its stdout. */
	const char *calc[] = { ssh, "root@127.0.0.1", "echo $((6 * 7))", NULL };
	REQUIRE(run_capture(calc, out, sizeof out) == 0, "ssh through the wrapper failed: %s", out);
	REQUIRE(strcmp(out, "42\n") == 0, "remote echo gave '%s', expected 42", out);

	/* A session still running when the fixture stops must not outlive it. */
	const char *probe = "sleep 3131";
	REQUIRE(!running(probe), "a '%s' is running before the test", probe);
	pid_t client = fork();
	if (client == 0) {
		execl(ssh, ssh, "root@127.0.0.1", probe, (char *)NULL);
		_exit(127);
	}
	int seen = 0;
	for (int i = 0; i < 100 && !(seen = running(probe)); i++) usleep(50000);
	if (!seen) { kill(client, SIGKILL); fixture_do("stop"); die("the remote '%s' never started", probe); }

	REQUIRE(fixture_do("stop") == 0, "fixture stop failed");
	REQUIRE(kill(sshd, 0) < 0 && errno == ESRCH, "sshd %d still running after stop", sshd);
	REQUIRE(!running(probe), "the remote '%s' outlived the fixture", probe);
	int st;
	for (int i = 0; i < 50 && waitpid(client, &st, WNOHANG) == 0; i++) usleep(100000);
	if (kill(client, 0) == 0) { kill(client, SIGKILL); waitpid(client, &st, 0); die("the ssh client hung after sshd stopped"); }
	printf("sshd fixture: remote command ran, stop left nothing running\n");
	return 0;
}
