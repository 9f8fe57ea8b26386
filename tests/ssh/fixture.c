/* fixture.c - the ssh tests' handle on sshd_fixture.sh: start or stop the loopback sshd of a test directory. */
#include <stdio.h>

#include "../run/runlib.h"
#include "fixture.h"

char fixture_script[4096], fixture_dir[4096];

void fixture_init(const char *script, const char *dir)
{
	snprintf(fixture_script, sizeof fixture_script, "%s", script);
	snprintf(fixture_dir, sizeof fixture_dir, "%s", dir);
}

int fixture_do(const char *cmd)
{
	const char *argv[] = { "/bin/sh", fixture_script, cmd, fixture_dir, NULL };
	char out[4096];
	return run_capture(argv, out, sizeof out);
}
