/* mkdir_p.c - mkdir -p: the one copy the harness, its results and its private Postgres use. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mkdir_p.h"

/* No malloc: pgctl calls this in a child between fork and exec. */
int rs_mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -errno : 0;
}
