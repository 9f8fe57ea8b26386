/* sampler_perf.c - the server's syscalls counted by `perf stat -I` (a child process), read as its lines come. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sampler_int.h"

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
bool samp_perf_read(struct rs_sampler *s)
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

int samp_perf_start(struct rs_sampler *s)
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
void samp_perf_stop(struct rs_sampler *s)
{
	int status = 0;

	if (s->perf_pid <= 0)
		return;
	kill(s->perf_pid, SIGINT);
	double deadline = rs_sampler_now() + 3;
	while (s->perf_fd >= 0 && rs_sampler_now() < deadline) {
		struct pollfd pf = { s->perf_fd, POLLIN, 0 };
		if (poll(&pf, 1, 100) > 0)
			samp_perf_read(s);
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
