/* sampler.c - the server process once a second, from /proc and perf: threads, CPU, switches, RSS, fds, syscalls, Postgres backends. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sampler.h"

struct perf_point {
	double stamp;	/* perf's own clock: seconds since it started counting */
	double cum;	/* syscalls since then */
};

struct rs_sampler {
	struct rs_sampler_cfg cfg;
	atomic_int pg_pm;		/* cfg.pg_postmaster, or its successor after a restart */
	char db[64];
	double interval_s;
	pthread_t thread;
	bool thread_started, stopped, gone;
	int wake[2];			/* main -> thread: stop */

	struct rs_sample *samples;
	int nsamples, cap;

	pid_t perf_pid;
	int perf_fd;
	char line[512];			/* perf output not yet ended by a newline */
	size_t line_len;
	double perf_offset;		/* CLOCK_MONOTONIC of perf's time 0 */
	double perf_cum;
	struct perf_point *pts;
	int npts, pts_cap;
	bool perf_unsupported;
	char perf_err[256];		/* what perf printed that was not data */
	char why[320];
};

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
static ssize_t read_small(const char *path, char *buf, size_t size)
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
static const char *status_field(const char *text, const char *key)
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

/* utime and stime (fields 14 and 15), after the comm that may hold spaces. */
static int read_cpu(pid_t pid, struct rs_sample *s)
{
	char path[64], buf[1024];
	unsigned long ut, st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	const char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -EIO;
	double hz = (double)sysconf(_SC_CLK_TCK);
	s->cpu_user_s = (double)ut / hz;
	s->cpu_sys_s = (double)st / hz;
	return 0;
}

/* One task's kind and switches; a task that ended meanwhile is skipped. */
static void read_task(pid_t pid, const char *tid, struct rs_sample *s)
{
	char path[300], buf[4096], comm[32] = "";
	const char *v;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, tid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return;
	v = status_field(buf, "Name:");
	if (v)
		sscanf(v, "%31[^\n]", comm);
	s->threads++;
	s->by_kind[rs_thread_kind_of(comm)]++;
	v = status_field(buf, "voluntary_ctxt_switches:");
	if (v)
		s->ctx_vol += strtoull(v, NULL, 10);
	v = status_field(buf, "nonvoluntary_ctxt_switches:");
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

	*s = (struct rs_sample){ .t = rs_sampler_now(), .pg_backends = -1, .pg_active = -1 };
	int err = read_cpu(pid, s);
	if (!err)
		err = read_tasks(pid, s);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	v = status_field(buf, "VmRSS:");
	s->rss_kb = v ? strtol(v, NULL, 10) : 0;
	s->fds = count_fds(pid);
	if (s->fds < 0)
		s->fds = 0;
	return 0;
}

/* Parent pid from /proc/N/stat, or -1. */
static pid_t parent_of(const char *pid)
{
	char path[300], buf[1024];
	int ppid;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	const char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* ---- Postgres backends, told apart by their client's TCP port ---- */

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

/* The inodes of pid's sockets, sorted. Count, or -errno. */
static int socket_inodes(pid_t pid, unsigned long *ino, int max)
{
	char path[300], link[64];
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid, de->d_name);
		ssize_t len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino[n]) == 1)
			n++;
	}
	closedir(d);
	qsort(ino, (size_t)n, sizeof(*ino), cmp_ulong);
	return n;
}

/* Mark in ports the local port of every socket of /proc/PID/net/tcp{,6} in ino. */
static void mark_ports(pid_t pid, const char *table, const unsigned long *ino, int n, unsigned char *ports)
{
	char path[64], line[512];
	unsigned port;
	unsigned long inode;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, table);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*s %*x %*s %*s %*s %*d %*d %lu", &port, &inode) != 2)
			continue;
		if (port < 65536 && bsearch(&inode, ino, (size_t)n, sizeof(*ino), cmp_ulong))
			ports[port / 8] |= (unsigned char)(1u << (port % 8));
	}
	fclose(f);
}

/* 8 KiB bitmap of the TCP ports client's sockets are bound to, or NULL. */
static unsigned char *client_ports(pid_t client)
{
	enum { MAX_SOCKETS = 1 << 16 };
	unsigned long *ino = malloc(MAX_SOCKETS * sizeof(*ino));
	unsigned char *ports = calloc(1, 65536 / 8);

	int n = ino && ports ? socket_inodes(client, ino, MAX_SOCKETS) : -ENOMEM;
	if (n < 0) {
		free(ports);
		ports = NULL;
	} else {
		mark_ports(client, "tcp", ino, n, ports);
		mark_ports(client, "tcp6", ino, n, ports);
	}
	free(ino);
	return ports;
}

/* "postgres: USER DB HOST(PORT) ACTIVITY": does it serve db (for one of
 * ports when given), and is it busy? */
static void classify_backend(const char *pid, const char *db, const unsigned char *ports, int *connected,
			     int *active)
{
	char path[300], buf[512], user[64], dbname[64], host[128], act[64] = "";
	unsigned port;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return;
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	if (sscanf(buf, "postgres: %63s %63s %127s %63s", user, dbname, host, act) < 3 || strcmp(dbname, db))
		return;
	if (ports) {
		const char *paren = strrchr(host, '(');
		if (!paren || sscanf(paren, "(%u)", &port) != 1 || port > 65535 ||
		    !(ports[port / 8] & (1u << (port % 8))))
			return;
	}
	(*connected)++;
	if (strncmp(act, "idle", 4) != 0)
		(*active)++;
}

int rs_pg_backends(pid_t pm, const char *db, pid_t client, int *connected, int *active)
{
	struct dirent *de;
	unsigned char *ports = NULL;

	*connected = *active = 0;
	if (client > 0 && !(ports = client_ports(client)))
		return -ESRCH;
	DIR *d = opendir("/proc");
	if (!d) {
		free(ports);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]) || parent_of(de->d_name) != pm)
			continue;
		classify_backend(de->d_name, db, ports, connected, active);
	}
	closedir(d);
	free(ports);
	return 0;
}

/* ---- the samples ---- */

static int push_sample(struct rs_sampler *s, const struct rs_sample *x)
{
	if (s->nsamples == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		struct rs_sample *p = realloc(s->samples, (size_t)cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->samples = p;
		s->cap = cap;
	}
	s->samples[s->nsamples++] = *x;
	return 0;
}

static void take_sample(struct rs_sampler *s)
{
	struct rs_sample x;

	if (s->gone)
		return;
	int err = rs_sample_read(s->cfg.pid, &x);
	if (err) {
		/* The server exited (or crashed): what was sampled stays. */
		s->gone = true;
		return;
	}
	pid_t pm = atomic_load(&s->pg_pm);
	if (pm > 0)
		rs_pg_backends(pm, s->db, s->cfg.pid, &x.pg_backends, &x.pg_active);
	push_sample(s, &x);
}

/* ---- perf stat -I: one line per interval, "STAMP,COUNT,,EVENT,..." ---- */

static void perf_note(struct rs_sampler *s, const char *line)
{
	size_t len = strlen(s->perf_err), room;
	while (isspace((unsigned char)*line))
		line++;
	if (!*line || len + 2 >= sizeof(s->perf_err))
		return;
	if (len)
		s->perf_err[len++] = ' ';
	/* Truncated on purpose: the gist of perf's complaint is enough. */
	room = sizeof(s->perf_err) - 1 - len;
	size_t n = strnlen(line, room);
	memcpy(s->perf_err + len, line, n);
	s->perf_err[len + n] = '\0';
}

static void perf_point(struct rs_sampler *s, double stamp, double count, double now)
{
	if (s->npts == s->pts_cap) {
		int cap = s->pts_cap ? 2 * s->pts_cap : 64;
		struct perf_point *p = realloc(s->pts, (size_t)cap * sizeof(*p));
		if (!p)
			return;
		s->pts = p;
		s->pts_cap = cap;
	}
	s->perf_cum += count;
	s->pts[s->npts++] = (struct perf_point){ stamp, s->perf_cum };
	/* Lines are read as they come: the smallest lag is the best estimate
	 * of where perf's clock starts on ours. */
	if (s->npts == 1 || now - stamp < s->perf_offset)
		s->perf_offset = now - stamp;
}

static void perf_parse(struct rs_sampler *s, char *line, double now)
{
	char *end;
	double stamp = strtod(line, &end);

	if (end == line || *end != ',') {
		perf_note(s, line);
		return;
	}
	const char *count = end + 1;
	if (!strncmp(count, "<not supported>", 15)) {
		s->perf_unsupported = true;
		return;
	}
	/* "<not counted>": the process did not run in that interval. */
	perf_point(s, stamp, isdigit((unsigned char)*count) ? strtod(count, NULL) : 0, now);
}

/* Read what perf wrote; false at EOF (perf exited). */
static bool perf_read(struct rs_sampler *s)
{
	char buf[4096];
	ssize_t n = read(s->perf_fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0) {
		close(s->perf_fd);
		s->perf_fd = -1;
		return false;
	}
	double now = rs_sampler_now();
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (s->line_len + 1 < sizeof(s->line))
				s->line[s->line_len++] = buf[i];
			continue;
		}
		s->line[s->line_len] = '\0';
		perf_parse(s, s->line, now);
		s->line_len = 0;
	}
	return true;
}

static void __attribute__((noreturn)) perf_child(pid_t parent, int out, pid_t target, int interval_ms)
{
	char pid[16], ival[16];
	const char *argv[] = { "perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-I", ival, "-p", pid, NULL };
	static const char missing[] = "perf is not installed (Debian package linux-perf)\n";
	static const char noexec[] = "cannot execute perf\n";

	/* perf must not outlive us; and a terminal's ^C goes to the harness,
	 * which stops perf itself to read its last interval. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	setpgid(0, 0);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(out, 2);
	snprintf(pid, sizeof(pid), "%d", (int)target);
	snprintf(ival, sizeof(ival), "%d", interval_ms);
	execvp("perf", (char *const *)argv);
	ssize_t n = errno == ENOENT ? write(2, missing, sizeof(missing) - 1) : write(2, noexec, sizeof(noexec) - 1);
	_exit(n < 0 ? 126 : 127);
}

static int perf_start(struct rs_sampler *s)
{
	int p[2];
	pid_t parent = getpid();

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0)
		perf_child(parent, p[1], s->cfg.pid, (int)(s->interval_s * 1000));
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	s->perf_pid = pid;
	s->perf_fd = p[0];
	return 0;
}

/* SIGINT makes perf print the interval in progress; read until it exits. */
static void perf_stop(struct rs_sampler *s)
{
	int status = 0;

	if (s->perf_pid <= 0)
		return;
	kill(s->perf_pid, SIGINT);
	double deadline = rs_sampler_now() + 3;
	while (s->perf_fd >= 0 && rs_sampler_now() < deadline) {
		struct pollfd pf = { s->perf_fd, POLLIN, 0 };
		if (poll(&pf, 1, 100) > 0)
			perf_read(s);
	}
	if (s->perf_fd >= 0) {
		kill(s->perf_pid, SIGKILL);
		close(s->perf_fd);
		s->perf_fd = -1;
	}
	waitpid(s->perf_pid, &status, 0);
	s->perf_pid = 0;
	if (s->perf_unsupported)
		snprintf(s->why, sizeof(s->why), "perf: raw_syscalls:sys_enter is not supported here");
	else if (!s->npts && s->perf_err[0])
		snprintf(s->why, sizeof(s->why), "perf: %s", s->perf_err);
	else if (!s->npts)
		snprintf(s->why, sizeof(s->why), "perf printed no interval (exit status %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* ---- the thread ---- */

static void *sampler_thread(void *arg)
{
	struct rs_sampler *s = arg;
	double next = rs_sampler_now() + s->interval_s;

	for (;;) {
		double now = rs_sampler_now();
		if (now >= next) {
			take_sample(s);
			next += s->interval_s;
			if (next <= now)
				next = now + s->interval_s;
			continue;
		}
		struct pollfd pf[2] = { { s->wake[0], POLLIN, 0 }, { s->perf_fd, POLLIN, 0 } };
		int n = poll(pf, s->perf_fd >= 0 ? 2 : 1, (int)ceil((next - now) * 1000));
		if (n <= 0)
			continue;
		if (pf[0].revents)
			break;
		if (pf[1].revents)
			perf_read(s);
	}
	return NULL;
}

int rs_sampler_start(const struct rs_sampler_cfg *cfg, struct rs_sampler **out)
{
	struct rs_sampler *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	atomic_init(&s->pg_pm, cfg->pg_postmaster);
	s->interval_s = (cfg->interval_ms > 0 ? cfg->interval_ms : 1000) / 1000.0;
	snprintf(s->db, sizeof(s->db), "%s", cfg->pg_db ? cfg->pg_db : "bench");
	s->perf_fd = -1;
	s->wake[0] = s->wake[1] = -1;
	if (pipe2(s->wake, O_CLOEXEC)) {
		err = -errno;
		goto out_free;
	}
	take_sample(s);
	if (!s->nsamples) {
		err = -ESRCH;
		goto out_free;
	}
	if (!cfg->syscalls)
		snprintf(s->why, sizeof(s->why), "not requested");
	else if ((err = perf_start(s)))
		snprintf(s->why, sizeof(s->why), "cannot start perf: %s", strerror(-err));
	err = -pthread_create(&s->thread, NULL, sampler_thread, s);
	if (err)
		goto out_free;
	s->thread_started = true;
	*out = s;
	return 0;
out_free:
	s->stopped = true;
	rs_sampler_free(s);
	return err;
}

void rs_sampler_stop(struct rs_sampler *s)
{
	if (!s || s->stopped)
		return;
	s->stopped = true;
	if (s->thread_started) {
		char c = 1;
		if (write(s->wake[1], &c, 1) < 0)
			perror("sampler: wake");
		pthread_join(s->thread, NULL);
		s->thread_started = false;
	}
	take_sample(s);
	perf_stop(s);
}

void rs_sampler_free(struct rs_sampler *s)
{
	if (!s)
		return;
	rs_sampler_stop(s);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	if (s->perf_pid > 0) {
		kill(s->perf_pid, SIGKILL);
		waitpid(s->perf_pid, NULL, 0);
	}
	if (s->perf_fd >= 0)
		close(s->perf_fd);
	free(s->samples);
	free(s->pts);
	free(s);
}

const char *rs_sampler_syscalls_why(const struct rs_sampler *s)
{
	return s->why[0] ? s->why : NULL;
}

int rs_sampler_samples(const struct rs_sampler *s, const struct rs_sample **out)
{
	*out = s->samples;
	return s->nsamples;
}

/* ---- windows ---- */

struct cum {
	double user, sys, vol, invol;
};

static struct cum cum_of(const struct rs_sample *x)
{
	return (struct cum){ x->cpu_user_s, x->cpu_sys_s, (double)x->ctx_vol, (double)x->ctx_invol };
}

static double lerp(double a, double b, double f)
{
	return a + (b - a) * f;
}

/* Cumulative counters at time t, linear between the samples around it. */
static struct cum cum_at(const struct rs_sampler *s, double t)
{
	int i = 0;
	while (i < s->nsamples && s->samples[i].t < t)
		i++;
	if (i == 0)
		return cum_of(&s->samples[0]);
	if (i == s->nsamples)
		return cum_of(&s->samples[i - 1]);
	const struct rs_sample *a = &s->samples[i - 1], *b = &s->samples[i];
	double f = b->t > a->t ? (t - a->t) / (b->t - a->t) : 1;
	return (struct cum){ lerp(a->cpu_user_s, b->cpu_user_s, f), lerp(a->cpu_sys_s, b->cpu_sys_s, f),
			     lerp((double)a->ctx_vol, (double)b->ctx_vol, f),
			     lerp((double)a->ctx_invol, (double)b->ctx_invol, f) };
}

/* Syscalls perf counted from its start to time t. */
static double syscalls_at(const struct rs_sampler *s, double t)
{
	double stamp = t - s->perf_offset, prev_stamp = 0, prev = 0;

	if (stamp <= 0)
		return 0;
	for (int i = 0; i < s->npts; i++) {
		const struct perf_point *p = &s->pts[i];
		if (p->stamp >= stamp) {
			double f = p->stamp > prev_stamp ? (stamp - prev_stamp) / (p->stamp - prev_stamp) : 1;
			return lerp(prev, p->cum, f);
		}
		prev_stamp = p->stamp;
		prev = p->cum;
	}
	return prev;
}

static void window_max(struct rs_sampler_window *w, const struct rs_sample *x)
{
	if (x->threads > w->threads_max)
		w->threads_max = x->threads;
	for (int k = 0; k < RS_THREAD_NKINDS; k++)
		if (x->by_kind[k] > w->by_kind_max[k])
			w->by_kind_max[k] = x->by_kind[k];
	if (x->rss_kb > w->rss_max_kb)
		w->rss_max_kb = x->rss_kb;
	if (x->fds > w->fds_max)
		w->fds_max = x->fds;
	if (x->pg_backends > w->pg_backends_max)
		w->pg_backends_max = x->pg_backends;
	if (x->pg_active > w->pg_active_max)
		w->pg_active_max = x->pg_active;
}

int rs_sampler_window(const struct rs_sampler *s, double t0, double t1, struct rs_sampler_window *w)
{
	int inside = 0, nearest = 0;

	*w = (struct rs_sampler_window){ .syscalls = -1, .pg_backends_max = -1, .pg_active_max = -1 };
	if (!s->nsamples)
		return -ENODATA;
	struct cum a = cum_at(s, t0), b = cum_at(s, t1);
	w->cpu_user_s = b.user - a.user;
	w->cpu_sys_s = b.sys - a.sys;
	w->ctx_vol = b.vol - a.vol;
	w->ctx_invol = b.invol - a.invol;
	if (s->npts)
		w->syscalls = syscalls_at(s, t1) - syscalls_at(s, t0);
	for (int i = 0; i < s->nsamples; i++) {
		const struct rs_sample *x = &s->samples[i];
		double mid = (t0 + t1) / 2;
		if (fabs(x->t - mid) < fabs(s->samples[nearest].t - mid))
			nearest = i;
		if (x->t >= t0 && x->t <= t1) {
			window_max(w, x);
			inside++;
		}
	}
	if (!inside)
		window_max(w, &s->samples[nearest]);
	return 0;
}

void rs_sampler_set_pg_postmaster(struct rs_sampler *s, pid_t pm)
{
	atomic_store(&s->pg_pm, pm);
}
