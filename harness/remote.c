/* remote.c - ssh plumbing for several machines: ssh:// hosts, $RINGSIDE_SSH commands, clock offsets. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "remote.h"

int rs_remote_parse(const char *spec, struct rs_remote *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->spec, sizeof r->spec, "%s", spec);
	const char *p = spec;
	if (strncmp(p, "ssh://", 6))
		goto bad;
	p += 6;
	const char *at = strchr(p, '@');
	if (at) {
		if (at == p || (size_t)(at - p) >= sizeof r->user)
			goto bad;
		memcpy(r->user, p, (size_t)(at - p));
		p = at + 1;
	}
	const char *colon = strchr(p, ':');
	size_t hl = colon ? (size_t)(colon - p) : strlen(p);
	if (!hl || hl >= sizeof r->host || strpbrk(p, "/?# ") || p[0] == '-')
		goto bad;
	memcpy(r->host, p, hl);
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (*end || end == colon + 1 || port < 1 || port > 65535)
			goto bad;
		r->port = (int)port;
	}
	return 0;
bad:
	fprintf(stderr, "harness: bad host '%s': accepted ssh://[user@]host[:port] (port 1-65535)\n", spec);
	return -EINVAL;
}

int rs_remote_argv(const struct rs_remote *r, const char *cmd, const char **argv, size_t n)
{
	static char words[1024];
	static char port[16], dest[200];
	const char *env = getenv("RINGSIDE_SSH");
	size_t k = 0;

	snprintf(words, sizeof words, "%s", env && *env ? env : "ssh");
	for (char *save, *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (k + 1 >= n)
			return -E2BIG;
		argv[k++] = w;
	}
	snprintf(port, sizeof port, "%d", r->port);
	snprintf(dest, sizeof dest, "%s%s%s", r->user, *r->user ? "@" : "", r->host);
	const char *tail[] = { "-o", "BatchMode=yes", r->port ? "-p" : NULL, port, "--", dest, cmd };
	for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
		if (!tail[i] && i == 2) {
			i++;	/* no port: skip -p and its value */
			continue;
		}
		if (k + 1 >= n)
			return -E2BIG;
		argv[k++] = tail[i];
	}
	argv[k] = NULL;
	return 0;
}

/* Start argv with stdin from in_fd (or /dev/null when -1) and stdout+stderr into a pipe. */
static pid_t spawn(const char **argv, int in_fd, int *out_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], (char **)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(255);
	}
	close(p[1]);
	*out_fd = p[0];
	return pid;
}

static double now_us(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Read fd until EOF or the deadline (monotonic us; 0: none), into out. -ETIMEDOUT past it. */
static int drain(int fd, char *out, size_t size, double deadline)
{
	size_t len = 0;
	for (;;) {
		int wait = -1;
		if (deadline) {
			double left = deadline - now_us(CLOCK_MONOTONIC);
			if (left <= 0)
				return -ETIMEDOUT;
			wait = (int)(left / 1000) + 1;
		}
		struct pollfd pfd = { fd, POLLIN, 0 };
		int n = poll(&pfd, 1, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ETIMEDOUT;
		char buf[4096];
		ssize_t got = read(fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		size_t take = (size_t)got < size - 1 - len ? (size_t)got : size - 1 - len;
		memcpy(out + len, buf, take);
		len += take;
	}
	out[len] = '\0';
	return 0;
}

/* Wait for pid; its exit status, or 128 + signal. */
static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int rs_remote_run(const struct rs_remote *r, const char *cmd, char *out, size_t size, int timeout_s)
{
	const char *argv[64];
	int fd, err = rs_remote_argv(r, cmd, argv, 64);
	if (err)
		return err;
	pid_t pid = spawn(argv, -1, &fd);
	if (pid < 0)
		return (int)pid;
	err = drain(fd, out, size, timeout_s > 0 ? now_us(CLOCK_MONOTONIC) + timeout_s * 1e6 : 0);
	close(fd);
	if (err)
		kill(pid, SIGTERM);
	int status = reap(pid);
	return err ? err : status;
}

/* Why an ssh that ended early failed: its last line of output, or its exit status. */
static void say_failed(const struct rs_remote *r, const char *what, const char *out)
{
	const char *end = out + strlen(out);
	while (end > out && end[-1] == '\n')
		end--;
	const char *line = end;
	while (line > out && line[-1] != '\n')
		line--;
	fprintf(stderr, "harness: %s: %s: %.*s\n", r->spec, what, (int)(end - line),
		line < end ? line : "ssh ended with no message");
}

int rs_remote_clock_offset(const struct rs_remote *r, int rounds, double *offset_us, double *uncertainty_us)
{
	/* bash's $EPOCHREALTIME is a builtin: no fork per answer, so the round trip is the transport's. */
	static const char cmd[] =
		"exec bash -c 'echo ready; while read -r l; do echo \"$EPOCHREALTIME\"; done'";
	const char *argv[64];
	int to[2], fd, err = rs_remote_argv(r, cmd, argv, 64);
	if (err)
		return err;
	if (pipe2(to, O_CLOEXEC))
		return -errno;
	pid_t pid = spawn(argv, to[0], &fd);
	close(to[0]);
	if (pid < 0) {
		close(to[1]);
		return (int)pid;
	}
	FILE *in = fdopen(fd, "r");
	char line[256] = "";
	double best_rtt = -1, offset = 0;
	err = 0;
	/* The session's setup (login, shell) is not timed: "ready" comes first. */
	struct pollfd pfd = { fd, POLLIN, 0 };
	if (poll(&pfd, 1, 15000) <= 0 || !fgets(line, sizeof line, in) || strcmp(line, "ready\n")) {
		char rest[1024] = "";
		if (pfd.revents)
			drain(fd, rest, sizeof rest, now_us(CLOCK_MONOTONIC) + 2e6);
		char why[1400];
		snprintf(why, sizeof why, "%s%s", line, rest);
		say_failed(r, pfd.revents ? "ssh failed before any answer" : "no answer within 15 s", why);
		err = -EHOSTUNREACH;
	}
	for (int i = 0; !err && i < rounds; i++) {
		double t0 = now_us(CLOCK_REALTIME);
		if (write(to[1], "t\n", 2) != 2 || !fgets(line, sizeof line, in)) {
			fprintf(stderr, "harness: %s: the clock session ended after %d round trips\n", r->spec, i);
			err = -EPIPE;
			break;
		}
		double t1 = now_us(CLOCK_REALTIME);
		char *end;
		double remote = strtod(line, &end) * 1e6;
		if (end == line || remote <= 0) {
			fprintf(stderr, "harness: %s: no realtime from bash there (got '%.40s'): bash 5 is needed\n",
				r->spec, line);
			err = -EPROTO;
			break;
		}
		if (best_rtt < 0 || t1 - t0 < best_rtt) {
			best_rtt = t1 - t0;
			offset = remote - (t0 + t1) / 2;
		}
	}
	close(to[1]);
	fclose(in);
	kill(pid, SIGTERM);
	reap(pid);
	if (err)
		return err;
	*offset_us = offset;
	*uncertainty_us = best_rtt / 2;
	return 0;
}

int rs_remote_quote(const char *word, char *out, size_t size)
{
	size_t n = 0;
	/* '...' with each ' as '\'': the remote shell sees the word unchanged. */
	if (size < 3)
		return -ENOSPC;
	out[n++] = '\'';
	for (const char *p = word; *p; p++) {
		const char *piece = *p == '\'' ? "'\\''" : NULL;
		size_t len = piece ? 4 : 1;
		if (n + len + 2 > size)
			return -ENOSPC;
		if (piece)
			memcpy(out + n, piece, len);
		else
			out[n] = *p;
		n += len;
	}
	out[n++] = '\'';
	out[n] = '\0';
	return 0;
}

pid_t rs_remote_start(const struct rs_remote *r, const char *cmd, int *to_fd, int out_fd)
{
	const char *argv[64];
	int to[2] = { -1, -1 }, err = rs_remote_argv(r, cmd, argv, 64);
	if (err)
		return err;
	if (to_fd && pipe2(to, O_CLOEXEC))
		return -errno;
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		err = -errno;
		if (to_fd) {
			close(to[0]);
			close(to[1]);
		}
		return err;
	}
	if (pid == 0) {
		/* Our own process group: a terminal's ^C reaches the harness, which stops the hosts in order;
		 * and ssh dies with the harness (its session's end stops the remote side). */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		int in = to_fd ? to[0] : open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		execvp(argv[0], (char **)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(255);
	}
	if (to_fd) {
		close(to[0]);
		*to_fd = to[1];
	}
	return pid;
}

int rs_remote_wait(pid_t pid, int timeout_s)
{
	int st;
	for (int i = 0; timeout_s <= 0 || i < timeout_s * 50; i++) {
		pid_t p = waitpid(pid, &st, timeout_s > 0 ? WNOHANG : 0);
		if (p == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (p < 0 && errno != EINTR)
			return -errno;
		if (timeout_s > 0)
			usleep(20000);
	}
	kill(pid, SIGTERM);
	reap(pid);
	return -ETIMEDOUT;
}

int rs_remote_fetch(const struct rs_remote *r, const char *rdir, const char *ldir, int timeout_s)
{
	char q[1200], cmd[2600];
	int p[2];
	if (rs_remote_quote(rdir, q, sizeof q))
		return -ENAMETOOLONG;
	/* One tar stream, then the remote copy goes: nothing of the run stays behind over there. */
	snprintf(cmd, sizeof cmd, "cd %s && tar -cf - . && cd / && rm -rf %s", q, q);
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid_t ssh = rs_remote_start(r, cmd, NULL, p[1]);
	close(p[1]);
	if (ssh < 0) {
		close(p[0]);
		return (int)ssh;
	}
	const char *tar[] = { "tar", "-xf", "-", "-C", ldir, NULL };
	int out;
	pid_t t = spawn(tar, p[0], &out);
	close(p[0]);
	if (t < 0) {
		kill(ssh, SIGTERM);
		reap(ssh);
		return (int)t;
	}
	char msg[1024];
	int err = drain(out, msg, sizeof msg, now_us(CLOCK_MONOTONIC) + timeout_s * 1e6);
	close(out);
	if (err)
		kill(ssh, SIGTERM);
	int ssh_st = rs_remote_wait(ssh, timeout_s), tar_st = reap(t);
	if (err || ssh_st || tar_st) {
		fprintf(stderr, "harness: %s: copying %s back failed (ssh status %d, tar status %d)%s%s\n", r->spec,
			rdir, ssh_st, tar_st, *msg ? ": " : "", msg);
		return err ? err : -EIO;
	}
	return 0;
}
