/* sampler_proc.c - one reading of a process from /proc: CPU, threads by kind, switches, RSS, fds. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sampler_int.h"

static const char *const kind_names[RS_THREAD_NKINDS] = { "reactor", "worker", "iou_wrk", "other" };

enum rs_thread_kind rs_thread_kind_of(const char *comm)
{
	if (!strncmp(comm, "rs-reactor-", 11))
		return RS_THREAD_REACTOR;
	if (!strncmp(comm, "rs-worker-", 10))
		return RS_THREAD_WORKER;
	if (!strncmp(comm, "iou-wrk-", 8))
		return RS_THREAD_IOU_WRK;
	return RS_THREAD_OTHER;
}

const char *rs_thread_kind_name(enum rs_thread_kind kind)
{
	return kind < RS_THREAD_NKINDS ? kind_names[kind] : "?";
}

double rs_sampler_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whole small /proc file, NUL-terminated. Bytes read or -errno. */
ssize_t samp_read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* The value after "key" at the start of a line of a /proc status file. */
const char *samp_status_field(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, n)) {
			p += n;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
	}
	return NULL;
}

int samp_read_stat(const char *pid, struct samp_stat *st)
{
	char path[300], buf[1024];
	int ppid;
	unsigned long ut, stime;
	long cut, cst;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	ssize_t n = samp_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	/* After the comm, which may hold spaces and parentheses: fields 4, 14-17. */
	const char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", &ppid, &ut, &stime,
			 &cut, &cst) != 5)
		return -EIO;
	double hz = (double)sysconf(_SC_CLK_TCK);
	*st = (struct samp_stat){ ppid, (double)ut / hz, (double)stime / hz, (double)cut / hz, (double)cst / hz };
	return 0;
}

static int read_cpu(pid_t pid, struct rs_sample *s)
{
	char id[16];
	struct samp_stat st;

	snprintf(id, sizeof(id), "%d", (int)pid);
	int err = samp_read_stat(id, &st);
	if (err)
		return err;
	s->cpu_user_s = st.utime;
	s->cpu_sys_s = st.stime;
	return 0;
}

/* One task's kind and switches; a task that ended meanwhile is skipped. */
static void read_task(pid_t pid, const char *tid, struct rs_sample *s)
{
	char path[300], buf[4096], comm[32] = "";
	const char *v;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, tid);
	if (samp_read_small(path, buf, sizeof(buf)) < 0)
		return;
	v = samp_status_field(buf, "Name:");
	if (v)
		sscanf(v, "%31[^\n]", comm);
	s->threads++;
	s->by_kind[rs_thread_kind_of(comm)]++;
	v = samp_status_field(buf, "voluntary_ctxt_switches:");
	if (v)
		s->ctx_vol += strtoull(v, NULL, 10);
	v = samp_status_field(buf, "nonvoluntary_ctxt_switches:");
	if (v)
		s->ctx_invol += strtoull(v, NULL, 10);
}

static int read_tasks(pid_t pid, struct rs_sample *s)
{
	char path[64];
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			read_task(pid, de->d_name, s);
	closedir(d);
	return 0;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

int rs_sample_read(pid_t pid, struct rs_sample *s)
{
	char path[64], buf[4096];
	const char *v;

	*s = (struct rs_sample){ .t = rs_sampler_now(), .pg_backends = -1, .pg_active = -1,
				 .pg_cpu_s = -1 };
	int err = read_cpu(pid, s);
	if (!err)
		err = read_tasks(pid, s);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (samp_read_small(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	v = samp_status_field(buf, "VmRSS:");
	s->rss_kb = v ? strtol(v, NULL, 10) : 0;
	s->fds = count_fds(pid);
	if (s->fds < 0)
		s->fds = 0;
	return 0;
}
