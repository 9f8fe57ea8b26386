/* pgctl_tool.c - running PostgreSQL's tools for the private cluster (fork, exec as the postgres account, capture) and the small file helpers pgctl shares. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pgctl_int.h"

int __attribute__((format(printf, 3, 4)))
pgc_strf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int pgc_read_text(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return (int)n;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return 0;
}

int pgc_write_text(const char *path, const char *text, int flags)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		text += n;
		len -= (size_t)n;
	}
	if (close(fd) && r == 0)
		r = -errno;
	return r;
}


uint64_t pgc_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

/* ---- running PostgreSQL's tools ------------------------------------- */

/* Drop root for the postgres account; the server refuses to run as root. */
static void become_pg(const struct pgctl *pc)
{
	static const char msg[] = "ringside pg: cannot become the " PG_ACCOUNT " user\n";

	if (setgroups((size_t)pc->pg_ngroups, pc->pg_groups) || setgid(pc->pg_gid) || setuid(pc->pg_uid)) {
		(void)!write(2, msg, sizeof(msg) - 1);
		_exit(126);
	}
}

/*
 * Our caller's PG* variables must not redirect the tools to another server
 * (they stay for --pg=URL: PGPASSWORD may be how it logs in). Run in the
 * parent, once; the child only passes pc->tool_env to execve.
 */
int pgc_build_tool_env(struct pgctl *pc)
{
	static const char *const vars[] = {
		"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER",
		"PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE",
		"PGOPTIONS", "PGDATA", "PGSSLMODE", "PGTARGETSESSIONATTRS",
		"PGREQUIRESSL", "PGCONNECT_TIMEOUT", "PGTZ", "PGDATESTYLE",
		"PGCLIENTENCODING", "HOME",
	};
	extern char **environ;
	size_t n = 0, used = 0;
	char home[PATH_MAX + 8];
	const char *add[] = { "PGCLIENTENCODING=UTF8", home };

	snprintf(home, sizeof(home), "HOME=%s", pc->as_pg ? pc->pg_home : (getenv("HOME") ? getenv("HOME") : "/"));
	for (size_t e = 0; environ[e]; e++) {
		bool drop = false;
		for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]) && !drop; i++) {
			size_t l = strlen(vars[i]);
			drop = !strncmp(environ[e], vars[i], l) && environ[e][l] == '=';
		}
		if (drop)
			continue;
		size_t l = strlen(environ[e]) + 1;
		if (n + 3 >= sizeof(pc->tool_env) / sizeof(pc->tool_env[0]) || used + l > sizeof(pc->tool_env_buf))
			return -E2BIG;
		pc->tool_env[n++] = memcpy(pc->tool_env_buf + used, environ[e], l);
		used += l;
	}
	for (size_t i = 0; i < 2; i++) {
		size_t l = strlen(add[i]) + 1;
		if (used + l > sizeof(pc->tool_env_buf))
			return -E2BIG;
		pc->tool_env[n++] = memcpy(pc->tool_env_buf + used, add[i], l);
		used += l;
	}
	pc->tool_env[n] = NULL;
	return 0;
}

void __attribute__((noreturn))
pgc_exec_tool(const struct pgctl *pc, const char *const argv[], int flags)
{
	sigset_t none;

	/* a blocked signal mask would be inherited by the postmaster */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (flags & RUN_SELF) {
		execv(argv[0], (char *const *)argv);
	} else {
		if (pc->as_pg)
			become_pg(pc);
		execve(argv[0], (char *const *)argv, (char *const *)pc->tool_env);
	}
	static const char msg[] = "ringside pg: cannot run a PostgreSQL tool (exec failed)\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(127);
}

static void __attribute__((noreturn))
child_exec(const struct pgctl *pc, const char *const argv[], int in_fd,
	   int out_fd, int flags)
{
	int null = open("/dev/null", O_RDWR);

	dup2(in_fd >= 0 ? in_fd : null, 0);
	if (out_fd >= 0)
		dup2(out_fd, 1);
	else
		dup2(flags & RUN_NO_OUT ? null : 2, 1);
	/* the harness's sockets must not leak into a long-lived postmaster */
	close_range(3, ~0U, 0);
	if (chdir("/"))
		_exit(126);
	pgc_exec_tool(pc, argv, flags);
}

static int wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static int drain(int fd, char *out, size_t size)
{
	char junk[512];
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (len + 1 < size)
			n = read(fd, out + len, size - 1 - len);
		else
			n = read(fd, junk, sizeof(junk));
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (len + 1 < size)
			len += (size_t)n;
	}
	while (len > 0 && out[len - 1] == '\n')
		len--;
	out[len] = '\0';
	return 0;
}

/*
 * Run a tool to completion with stdin from in_fd (-1: /dev/null) and, if
 * out is given, its stdout captured there. 0 if it exited 0, -EIO if it
 * failed (it said why on stderr), else -errno.
 */
int pgc_run_tool(const struct pgctl *pc, const char *const argv[], int in_fd,
		    int flags, char *out, size_t out_size)
{
	int p[2] = { -1, -1 };
	pid_t pid;
	int r = 0, st;

	if (out && pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out_close;
	}
	if (pid == 0)
		child_exec(pc, argv, in_fd, p[1], flags);
	if (out) {
		close(p[1]);
		p[1] = -1;
		r = drain(p[0], out, out_size);
	}
	st = wait_exit(pid);
	if (r == 0)
		r = st < 0 ? st : st > 0 ? -EIO : 0;
out_close:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	return r;
}

/* Can the postgres account search path (and so everything on the way)? */
bool pgc_can_reach(const struct pgctl *pc, const char *path)
{
	pid_t pid;

	if (!pc->as_pg)
		return true;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		become_pg(pc);
		_exit(access(path, X_OK) == 0 ? 0 : 1);
	}
	return wait_exit(pid) == 0;
}

int pgc_tool_path(const struct pgctl *pc, const char *tool, char *out, size_t size)
{
	return pgc_strf(out, size, "%s/%s", pc->bin, tool);
}
