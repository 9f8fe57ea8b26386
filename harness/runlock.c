/* runlock.c - one measuring run per machine at a time (flock), and who holds it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "runlock.h"

/* $RINGSIDE_MEASURE_LOCK names another lock file; "off" (the test suites: they check behaviour, not
 * speed, and would otherwise queue every run test behind one another) takes none. */
static int open_lock(const char *results_dir, char *path, size_t size)
{
	const char *env = getenv("RINGSIDE_MEASURE_LOCK");

	snprintf(path, size, "%s", env && *env ? env : "/run/ringside-measure.lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd >= 0)
		return fd;
	snprintf(path, size, "%s/.measure.lock", results_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	return fd >= 0 ? fd : -errno;
}

/* The holder writes "PID command" into the file once it has the lock. */
static void holder(int fd, char *out, size_t size)
{
	ssize_t n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (!out[0])
		snprintf(out, size, "unknown (the file is empty)");
}

/* Our own command line, NULs as spaces. */
static void own_command(char *out, size_t size)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, size - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		n = 0;
	for (ssize_t i = 0; i < n; i++)
		if (!out[i])
			out[i] = ' ';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

int rs_runlock_take(const char *results_dir, bool no_wait)
{
	char path[4200], who[512], cmd[400], line[512];
	const char *env = getenv("RINGSIDE_MEASURE_LOCK");

	if (env && !strcmp(env, "off")) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return nul >= 0 ? nul : -errno;
	}
	int fd = open_lock(results_dir, path, sizeof(path));
	if (fd < 0) {
		fprintf(stderr, "ringside: cannot open the measuring lock %s: %s\n", path, strerror(-fd));
		return fd;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK) {
			int err = -errno;
			fprintf(stderr, "ringside: flock %s: %s\n", path, strerror(-err));
			close(fd);
			return err;
		}
		holder(fd, who, sizeof(who));
		if (no_wait) {
			fprintf(stderr, "ringside: another measuring run holds %s: PID %s; refusing (--no-wait)\n", path,
				who);
			close(fd);
			return -EBUSY;
		}
		fprintf(stderr, "ringside: waiting for the measuring run of PID %s to finish (lock %s)\n", who, path);
		while (flock(fd, LOCK_EX)) {
			if (errno != EINTR) {
				int err = -errno;
				close(fd);
				return err;
			}
		}
	}
	own_command(cmd, sizeof(cmd));
	int n = snprintf(line, sizeof(line), "%ld %s\n", (long)getpid(), cmd);
	if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)n, 0) != n)
		fprintf(stderr, "ringside: cannot write the measuring lock's holder: %s\n", strerror(errno));
	return fd;
}

void rs_runlock_release(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0))
		(void)0;
	flock(fd, LOCK_UN);
	close(fd);
}
