/* file_io.c - rs_file_open/rs_file_read: through the reactor, a worker, or the blocking call. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine.h"
#include "file_io.h"

/* One call for a worker thread; lives on the waiting fiber's stack. */
struct file_job {
	int dirfd, flags, fd;
	const char *name;
	void *buf;
	size_t len;
	uint64_t off;
	ssize_t res;
};

static void job_open(void *arg)
{
	struct file_job *j = arg;
	j->res = openat(j->dirfd, j->name, j->flags | O_CLOEXEC);
	if (j->res < 0)
		j->res = -errno;
}

/* pread until len bytes or EOF: a short read of a regular file is rare but
 * allowed. An error after some bytes returns those (as read(2) does): an
 * O_DIRECT read of whole blocks past EOF ends so, its next offset unaligned. */
static void job_read(void *arg)
{
	struct file_job *j = arg;
	size_t done = 0;
	while (done < j->len) {
		ssize_t n = pread(j->fd, (char *)j->buf + done, j->len - done, (off_t)(j->off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			j->res = done ? (ssize_t)done : -errno;
			return;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	j->res = (ssize_t)done;
}

static ssize_t run_job(struct rs_reactor *r, void (*fn)(void *), struct file_job *j)
{
	if (r->ops->caps & RS_CAP_OFFLOAD) {
		int err = r->ops->offload(r, fn, j);
		if (err)
			return err;
	} else {
		fn(j);
	}
	return j->res;
}

int rs_file_open(struct rs_reactor *r, int dirfd, const char *name, int flags)
{
	if (r->ops->caps & RS_CAP_FILE)
		return r->ops->file_open(r, dirfd, name, flags | O_CLOEXEC);
	struct file_job j = { .dirfd = dirfd, .name = name, .flags = flags };
	return (int)run_job(r, job_open, &j);
}

ssize_t rs_file_read(struct rs_reactor *r, int fd, void *buf, size_t len, uint64_t off)
{
	if (!(r->ops->caps & RS_CAP_FILE)) {
		struct file_job j = { .fd = fd, .buf = buf, .len = len, .off = off };
		return run_job(r, job_read, &j);
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = r->ops->file_read(r, fd, (char *)buf + done, len - done, off + done);
		if (n < 0)
			return done ? (ssize_t)done : n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}
