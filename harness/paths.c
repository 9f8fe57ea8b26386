/* paths.c - the data and state directories of a build-tree or an installed (relocatable) harness. */
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "rs_config.h"

static char exe_dir[PATH_MAX];

/* The binary's directory, and whether it is the build directory it was built in. */
bool rs_path_in_build(void)
{
	static int known = -1;
	char self[PATH_MAX], build[PATH_MAX];

	if (known >= 0)
		return known;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	snprintf(exe_dir, sizeof(exe_dir), "%s", n > 0 ? dirname(self) : ".");
	/* The test programs live under build/tests/: they count as the build tree too. */
	known = realpath(RS_BUILD_ROOT, build) && !strncmp(exe_dir, build, strlen(build)) &&
		(exe_dir[strlen(build)] == '\0' || exe_dir[strlen(build)] == '/');
	return known;
}

const char *rs_path_data(void)
{
	static char dir[PATH_MAX + 64];
	const char *env = getenv("RINGSIDE_DATA_DIR");

	if (env && *env)
		return env;
	if (rs_path_in_build())
		return RS_SOURCE_ROOT;
	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s/%s", exe_dir, RS_BIN_TO_DATA);
	return dir;
}

const char *rs_path_results(void)
{
	return rs_path_in_build() ? RS_SOURCE_ROOT "/results" : "results";
}

const char *rs_path_pg(void)
{
	static char dir[PATH_MAX];
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (rs_path_in_build())
		return RS_BUILD_ROOT "/pg";
	if (!dir[0]) {
		if (state && *state == '/')
			snprintf(dir, sizeof(dir), "%s/ringside/pg", state);
		else
			snprintf(dir, sizeof(dir), "%s/.local/state/ringside/pg", home && *home ? home : "/tmp");
	}
	return dir;
}

const char *rs_path_runs(void)
{
	static char dir[PATH_MAX];

	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s/runs", rs_path_results());
	return dir;
}

const char *rs_path_in_data(const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", rs_path_data(), rel);
	return out;
}
