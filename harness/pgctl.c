/* pgctl.c - ringside's private PostgreSQL cluster: initdb, start, stop, status, URLs. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rs_config.h"
#include "pg.h"
#include "pgctl.h"

#define PG_ACCOUNT	"postgres"	/* OS account the server runs as when we are root */
#define PG_ADMIN	"postgres"	/* superuser; Unix socket + peer only */
#define PG_DB		"bench"
#define PG_ROLE		"bench"		/* default role */
#define PG_WAIT_S	60
#define PG_FALLBACK	"/var/tmp/ringside-pg-"
#define PG_SCHEMA	RS_SOURCE_ROOT "/harness/sql/schema.sql"
#define PG_SETTINGS	"synchronous_commit", "shared_buffers", "max_connections", \
			"fsync", "listen_addresses", "server_version"

#define say(...) fprintf(stderr, "ringside pg: " __VA_ARGS__)

struct pg_role {
	const char *name;
	const char *password;
	const char *method;	/* pg_hba.conf, for the socket and 127.0.0.1 alike */
};

static const struct pg_role pg_roles[] = {
	{ "bench", "bench", "trust" },
	{ "bench_md5", "bench_md5", "md5" },
	{ "bench_scram", "bench_scram", "scram-sha-256" },
};

struct pgctl {
	char want[PATH_MAX];	/* <build>/pg or $RINGSIDE_PG_DIR; may be a symlink */
	char dir[PATH_MAX];	/* where the cluster really is */
	char data[PATH_MAX];
	char run[PATH_MAX];	/* Unix socket directory */
	char bin[PATH_MAX];	/* PostgreSQL's bindir */
	bool as_pg;		/* we are root: tools run as PG_ACCOUNT */
	uid_t pg_uid;
	gid_t pg_gid;
	char pg_home[PATH_MAX];
	gid_t pg_groups[64];	/* the account's groups, looked up before any fork */
	int pg_ngroups;
	/*
	 * The tools' environment (ours without the PG* variables that could point
	 * them elsewhere, plus PGCLIENTENCODING, and HOME when they run as
	 * PG_ACCOUNT), built before any fork: `harness run` forks with threads
	 * running, and the child may then call only async-signal-safe functions
	 * (no malloc, so no setenv, initgroups or stdio).
	 */
	char *tool_env[256];
	char tool_env_buf[32768];
	int lock_fd;
};

/* What data/postmaster.pid says, checked against /proc. */
struct pm_info {
	pid_t pid;		/* 0: not running */
	int port;
	bool stale;		/* the file names a process that is not our postmaster */
	bool ready;
};

enum {
	RUN_NO_OUT = 1 << 0,	/* the tool's stdout to /dev/null (else to our stderr) */
	RUN_SELF = 1 << 1,	/* keep our identity and environment (external server) */
};

static int __attribute__((format(printf, 3, 4)))
strf(char *out, size_t size, const char *fmt, ...)
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

static int read_text(const char *path, char *buf, size_t size)
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

static int write_text(const char *path, const char *text, int flags)
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

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

#define FNV_SEED 0xcbf29ce484222325ULL

static const struct pg_role *pg_role_find(const char *name)
{
	for (size_t i = 0; i < sizeof(pg_roles) / sizeof(pg_roles[0]); i++)
		if (!strcmp(pg_roles[i].name, name))
			return &pg_roles[i];
	return NULL;
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
static int build_tool_env(struct pgctl *pc)
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

static void __attribute__((noreturn))
exec_tool(const struct pgctl *pc, const char *const argv[], int flags)
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
	exec_tool(pc, argv, flags);
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
static int run_tool(const struct pgctl *pc, const char *const argv[], int in_fd,
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
static bool pg_can_reach(const struct pgctl *pc, const char *path)
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

static int tool_path(const struct pgctl *pc, const char *tool, char *out, size_t size)
{
	return strf(out, size, "%s/%s", pc->bin, tool);
}

/* ---- where things are ----------------------------------------------- */

/* The newest /usr/lib/postgresql/N/bin, or $RINGSIDE_PG_BINDIR. */
static int find_bindir(struct pgctl *pc)
{
	const char *env = getenv("RINGSIDE_PG_BINDIR");
	char initdb[PATH_MAX];
	long best = -1, v;
	glob_t g;
	char *end;
	int r = -ENOENT;

	if (env && *env) {
		r = strf(pc->bin, sizeof(pc->bin), "%s", env);
	} else if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			v = strtol(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"), &end, 10);
			if (v <= best || strcmp(end, "/bin/initdb"))
				continue;
			best = v;
			r = strf(pc->bin, sizeof(pc->bin), "/usr/lib/postgresql/%ld/bin", v);
		}
		globfree(&g);
	}
	if (!r && (strf(initdb, sizeof(initdb), "%s/initdb", pc->bin) ||
		   access(initdb, X_OK)))
		r = -ENOENT;
	if (r != -ENOENT)
		return r;
	say("no initdb in %s: install the Debian package postgresql "
	    "(apt-get install postgresql), or point RINGSIDE_PG_BINDIR at "
	    "PostgreSQL's bin directory\n",
	    env && *env ? env : "/usr/lib/postgresql/*/bin");
	return -ENOPKG;
}

static int find_account(struct pgctl *pc)
{
	struct passwd *pw;

	pc->as_pg = geteuid() == 0;
	if (!pc->as_pg)
		return 0;
	pw = getpwnam(PG_ACCOUNT);
	if (!pw) {
		say("running as root needs the '%s' system account (the Debian "
		    "package postgresql creates it)\n", PG_ACCOUNT);
		return -ENOPKG;
	}
	pc->pg_uid = pw->pw_uid;
	pc->pg_gid = pw->pw_gid;
	pc->pg_ngroups = (int)(sizeof(pc->pg_groups) / sizeof(pc->pg_groups[0]));
	if (getgrouplist(PG_ACCOUNT, pw->pw_gid, pc->pg_groups, &pc->pg_ngroups) < 0) {
		say("the '%s' account is in more than %zu groups\n", PG_ACCOUNT,
		    sizeof(pc->pg_groups) / sizeof(pc->pg_groups[0]));
		return -E2BIG;
	}
	return strf(pc->pg_home, sizeof(pc->pg_home), "%s", pw->pw_dir);
}

static int find_want(struct pgctl *pc)
{
	const char *env = getenv("RINGSIDE_PG_DIR");
	char cwd[PATH_MAX];
	size_t n;
	int r;

	if (env && *env == '/')
		r = strf(pc->want, sizeof(pc->want), "%s", env);
	else if (env && *env)
		r = getcwd(cwd, sizeof(cwd)) ?
		    strf(pc->want, sizeof(pc->want), "%s/%s", cwd, env) : -errno;
	else
		r = strf(pc->want, sizeof(pc->want), "%s/pg", RS_BUILD_ROOT);
	n = strlen(pc->want);
	while (n > 1 && pc->want[n - 1] == '/')
		pc->want[--n] = '\0';
	return r;
}

/* The server's socket path, dir/run/.s.PGSQL.PORT, must fit in sun_path. */
static bool dir_fits(const char *dir)
{
	return strlen(dir) + sizeof("/run/.s.PGSQL.65535") <=
	       sizeof(((struct sockaddr_un *)0)->sun_path);
}

static int own_dir(const struct pgctl *pc, const char *path, mode_t mode)
{
	if (pc->as_pg && chown(path, pc->pg_uid, pc->pg_gid))
		return -errno;
	return chmod(path, mode) ? -errno : 0;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	int r;

	r = strf(tmp, sizeof(tmp), "%s", path);
	for (char *s = tmp + 1; r == 0 && *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			r = -errno;
		*s = '/';
	}
	if (r == 0 && mkdir(tmp, 0755) && errno != EEXIST)
		r = -errno;
	return r;
}

/* want is a symlink: to our fallback, normally; recreate that if it went. */
static int follow_link(struct pgctl *pc, bool create)
{
	char target[PATH_MAX];
	ssize_t n;

	if (realpath(pc->want, pc->dir))
		return 0;
	strcpy(pc->dir, pc->want);
	n = readlink(pc->want, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (!create)
		return -ENOENT;
	if (strncmp(target, PG_FALLBACK, strlen(PG_FALLBACK))) {
		say("%s links to the missing %s\n", pc->want, target);
		return -ENOENT;
	}
	if (mkdir(target, 0755) && errno != EEXIST)
		return -errno;
	return strf(pc->dir, sizeof(pc->dir), "%s", target);
}

/*
 * The postgres account cannot reach want (CI clones into 0700 directories)
 * or the socket path would be too long: keep the cluster in /var/tmp and
 * leave a symlink where it is looked for.
 */
static int make_fallback(struct pgctl *pc, const char *parent)
{
	char fb[PATH_MAX];
	struct stat st;
	int r;

	r = strf(fb, sizeof(fb), PG_FALLBACK "%012llx", (unsigned long long)
		 (fnv1a(FNV_SEED, pc->want, strlen(pc->want)) >> 16));
	if (r)
		return r;
	if (mkdir(fb, 0755) && errno != EEXIST)
		return -errno;
	/* /var/tmp is world-writable: only use a directory we could have made */
	if (lstat(fb, &st) || !S_ISDIR(st.st_mode) ||
	    (st.st_uid != geteuid() && !(pc->as_pg && st.st_uid == pc->pg_uid))) {
		say("%s exists and is not ours; remove it\n", fb);
		return -EPERM;
	}
	if (symlink(fb, pc->want)) {
		if (errno != EEXIST)
			return -errno;
		return follow_link(pc, true);	/* a concurrent start made it */
	}
	say("%s is not reachable by the %s user (or too long a path for its "
	    "socket): the cluster lives in %s, %s links to it\n",
	    parent, PG_ACCOUNT, fb, pc->want);
	return strf(pc->dir, sizeof(pc->dir), "%s", fb);
}

/* Set pc->dir; with create, make the directory (or the fallback) too. */
static int resolve_dir(struct pgctl *pc, bool create)
{
	char parent[PATH_MAX];
	struct stat st;
	int r;

	r = strf(parent, sizeof(parent), "%s", pc->want);
	if (r)
		return r;
	*strrchr(parent, '/') = '\0';
	if (!*parent)
		strcpy(parent, "/");
	if (lstat(pc->want, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return follow_link(pc, create);
		if (!S_ISDIR(st.st_mode)) {
			say("%s is not a directory\n", pc->want);
			return -ENOTDIR;
		}
		if (!dir_fits(pc->want) || !pg_can_reach(pc, parent)) {
			say("%s is unusable: not reachable by the %s user, or too long "
			    "a path for the socket; remove it and start again\n",
			    pc->want, PG_ACCOUNT);
			return -EACCES;
		}
		return strf(pc->dir, sizeof(pc->dir), "%s", pc->want);
	}
	if (errno != ENOENT)
		return -errno;
	if (!create) {
		strf(pc->dir, sizeof(pc->dir), "%s", pc->want);
		return -ENOENT;
	}
	r = mkdir_p(parent);
	if (r)
		return r;
	if (!dir_fits(pc->want) || !pg_can_reach(pc, parent))
		return make_fallback(pc, parent);
	if (mkdir(pc->want, 0755) && errno != EEXIST)
		return -errno;
	return strf(pc->dir, sizeof(pc->dir), "%s", pc->want);
}

static int pgctl_open(struct pgctl *pc, bool create)
{
	int r, rr;

	memset(pc, 0, sizeof(*pc));
	pc->lock_fd = -1;
	r = find_account(pc);
	if (!r)
		r = build_tool_env(pc);
	if (!r)
		r = find_bindir(pc);
	if (!r)
		r = find_want(pc);
	if (r)
		return r;
	r = resolve_dir(pc, create);
	if (r && r != -ENOENT)
		return r;
	rr = strf(pc->data, sizeof(pc->data), "%s/data", pc->dir);
	if (!rr)
		rr = strf(pc->run, sizeof(pc->run), "%s/run", pc->dir);
	if (rr || r || !create)
		return rr ? rr : r;
	r = own_dir(pc, pc->dir, 0755);
	if (!r && mkdir(pc->run, 0755) && errno != EEXIST)
		r = -errno;
	if (!r)
		r = own_dir(pc, pc->run, 0755);
	return r;
}

static void pgctl_close(struct pgctl *pc)
{
	if (pc->lock_fd >= 0)
		close(pc->lock_fd);
	pc->lock_fd = -1;
}

/* Serialise start/stop/restart of this cluster across processes. */
static int pgctl_lock(struct pgctl *pc)
{
	char path[PATH_MAX];
	int r;

	r = strf(path, sizeof(path), "%s/lock", pc->dir);
	if (r)
		return r;
	/* CLOEXEC: a postmaster inheriting it would hold the lock forever */
	pc->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (pc->lock_fd < 0)
		return -errno;
	if (flock(pc->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	say("waiting for another pg command on %s\n", pc->dir);
	while (flock(pc->lock_fd, LOCK_EX))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int pc_file(const struct pgctl *pc, const char *name, char *out, size_t size)
{
	return strf(out, size, "%s/%s", pc->dir, name);
}

/* ---- the postmaster ------------------------------------------------- */

/* The command name in /proc/PID/stat is "postgres" and it is no zombie. */
static bool proc_is_postgres(pid_t pid)
{
	char path[64], buf[512], *close_paren;

	if (strf(path, sizeof(path), "/proc/%d/stat", (int)pid) ||
	    read_text(path, buf, sizeof(buf)))
		return false;
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' &&
	       strstr(buf, " (postgres) ") == strchr(buf, ' ');
}

/*
 * A postmaster works in its data directory, so a live pid whose cwd is ours
 * is our postmaster, even if the pid was recycled after a kill -9 of another
 * cluster. Where /proc/PID/cwd is closed to us (another user), trust comm.
 */
static bool pm_is_ours(const struct pgctl *pc, pid_t pid)
{
	char path[64], cwd[PATH_MAX], real[PATH_MAX];
	ssize_t n;

	if (pid <= 0 || (kill(pid, 0) && errno != EPERM))
		return false;
	if (strf(path, sizeof(path), "/proc/%d/cwd", (int)pid))
		return false;
	n = readlink(path, cwd, sizeof(cwd) - 1);
	if (n < 0)
		return errno == EACCES && proc_is_postgres(pid);
	cwd[n] = '\0';
	return realpath(pc->data, real) && !strcmp(cwd, real) && proc_is_postgres(pid);
}

/* Lines of postmaster.pid: pid, datadir, start time, port, socket dir, ... status */
static int pm_read(const struct pgctl *pc, struct pm_info *pm)
{
	char path[PATH_MAX], buf[2048], *rest = buf, *line;
	pid_t pid = 0;
	int r;

	memset(pm, 0, sizeof(*pm));
	r = strf(path, sizeof(path), "%s/postmaster.pid", pc->data);
	if (!r)
		r = read_text(path, buf, sizeof(buf));
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r)
		return r;
	for (int i = 1; (line = strsep(&rest, "\n")); i++) {
		if (i == 1)
			pid = (pid_t)atoi(line);
		else if (i == 4)
			pm->port = atoi(line);
		else if (i == 8)
			pm->ready = !strncmp(line, "ready", 5);
	}
	if (pm_is_ours(pc, pid))
		pm->pid = pid;
	else
		pm->stale = true;
	return 0;
}

/* A server that is starting or stopping: give it time to settle. */
static int pm_settle(const struct pgctl *pc, struct pm_info *pm)
{
	int r;

	for (int i = 0; i < PG_WAIT_S * 10; i++) {
		r = pm_read(pc, pm);
		if (r || !pm->pid || pm->ready)
			return r;
		usleep(100 * 1000);
	}
	say("the server in %s did not become ready in %d s\n", pc->data, PG_WAIT_S);
	return -ETIMEDOUT;
}

/*
 * The postmaster is gone: so is its claim on postmaster.pid and on the
 * socket lock files. The server would clear them itself, but not while
 * their pid still exists (a zombie that init has not reaped yet).
 */
static int pm_remove_stale(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[64];
	glob_t g;
	int r;

	r = strf(path, sizeof(path), "%s/postmaster.pid", pc->data);
	if (r)
		return r;
	say("removing stale %s (its process is not our postmaster)\n", path);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	r = strf(path, sizeof(path), "%s/.s.PGSQL.*.lock", pc->run);
	if (r || glob(path, 0, NULL, &g))
		return r;
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (read_text(g.gl_pathv[i], buf, sizeof(buf)) == 0 &&
		    !pm_is_ours(pc, (pid_t)atoi(buf)))
			unlink(g.gl_pathv[i]);
	globfree(&g);
	return 0;
}

/* postgres processes working in our data directory: orphans of a killed postmaster. */
static int pm_orphans(const struct pgctl *pc, int sig)
{
	char path[64], cwd[PATH_MAX], real[PATH_MAX];
	struct dirent *de;
	int n = 0;
	ssize_t len;
	DIR *d;

	if (!realpath(pc->data, real) || !(d = opendir("/proc")))
		return 0;
	while ((de = readdir(d))) {
		if (atoi(de->d_name) <= 0 ||
		    strf(path, sizeof(path), "/proc/%s/cwd", de->d_name))
			continue;
		len = readlink(path, cwd, sizeof(cwd) - 1);
		if (len < 0 || (cwd[len] = '\0', strcmp(cwd, real)) ||
		    !proc_is_postgres(atoi(de->d_name)))
			continue;
		if (sig)
			kill(atoi(de->d_name), sig);
		n++;
	}
	closedir(d);
	return n;
}

/*
 * After a kill -9 of the postmaster its children notice within moments and
 * exit; until they have, the new postmaster refuses the shared memory they
 * still hold. Wait for them, then ask (SIGQUIT) and finally insist.
 */
static void pm_reap_orphans(const struct pgctl *pc)
{
	for (int i = 0; i < 100 && pm_orphans(pc, 0); i++) {
		if (i == 0)
			say("waiting for the backends of the dead postmaster to exit\n");
		pm_orphans(pc, i == 50 ? SIGQUIT : i == 90 ? SIGKILL : 0);
		usleep(100 * 1000);
	}
}

/* Bind 127.0.0.1:port (0: any) the way the server will; the port, or -errno. */
static int port_bind(int port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sa);
	int fd, one = 1, r;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		r = -errno;
	else
		r = ntohs(sa.sin_port);
	close(fd);
	return r;
}

static int port_recorded(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[32];

	if (pc_file(pc, "port", path, sizeof(path)) || read_text(path, buf, sizeof(buf)))
		return 0;
	return atoi(buf);
}

/* The recorded port if it is still free, else a new one (recorded). */
static int port_choose(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[32];
	int old = port_recorded(pc), port, r;

	if (old > 0 && port_bind(old) == old)
		return old;
	port = port_bind(0);
	if (port < 0)
		return port;
	if (old > 0)
		say("port %d is in use; moving to %d\n", old, port);
	r = pc_file(pc, "port", path, sizeof(path));
	if (!r)
		r = strf(buf, sizeof(buf), "%d\n", port);
	if (!r)
		r = write_text(path, buf, O_TRUNC);
	return r ? r : port;
}

static int pg_ctl_start(const struct pgctl *pc, int port)
{
	char ctl[PATH_MAX], log[PATH_MAX], opts[32], wait[16];
	const char *argv[] = { ctl, "start", "-D", pc->data, "-l", log, "-w",
			       "-t", wait, "-s", "-o", opts, NULL };
	int r;

	r = tool_path(pc, "pg_ctl", ctl, sizeof(ctl));
	if (!r)
		r = pc_file(pc, "postgres.log", log, sizeof(log));
	if (!r)
		r = strf(opts, sizeof(opts), "-p %d", port);
	if (!r)
		r = strf(wait, sizeof(wait), "%d", PG_WAIT_S);
	return r ? r : run_tool(pc, argv, -1, 0, NULL, 0);
}

/*
 * Start an initialised, stopped cluster. A failed attempt is retried: the
 * port may have been taken between our check and the server's bind, and
 * after a kill -9 the orphaned backends need a moment to let go of the
 * shared memory.
 */
static int pg_launch(const struct pgctl *pc, int *port)
{
	int r = 0;

	for (int attempt = 1; attempt <= 3; attempt++) {
		*port = port_choose(pc);
		if (*port < 0)
			return *port;
		r = pg_ctl_start(pc, *port);
		if (!r) {
			say("started on 127.0.0.1:%d and %s (log: %s/postgres.log)\n",
			    *port, pc->run, pc->dir);
			return 0;
		}
		say("start attempt %d failed (see %s/postgres.log)\n", attempt, pc->dir);
		sleep(1);
	}
	return r;
}

static int pg_ctl_stop(const struct pgctl *pc)
{
	char ctl[PATH_MAX], wait[16];
	const char *argv[] = { ctl, "stop", "-D", pc->data, "-m", "fast", "-w",
			       "-t", wait, "-s", NULL };
	int r;

	r = tool_path(pc, "pg_ctl", ctl, sizeof(ctl));
	if (!r)
		r = strf(wait, sizeof(wait), "%d", PG_WAIT_S);
	return r ? r : run_tool(pc, argv, -1, 0, NULL, 0);
}

static int pg_stop_locked(const struct pgctl *pc)
{
	struct pm_info pm;
	int r;

	r = pm_settle(pc, &pm);
	if (r)
		return r;
	if (!pm.pid) {
		say("not running\n");
		return pm.stale ? pm_remove_stale(pc) : 0;
	}
	r = pg_ctl_stop(pc);
	if (!r)
		say("stopped\n");
	return r;
}

/* ---- first start: initdb, configuration, schema --------------------- */

static int pg_initdb(const struct pgctl *pc)
{
	char initdb[PATH_MAX];
	const char *argv[] = { initdb, "-D", pc->data, "-U", PG_ADMIN,
			       "--encoding=UTF8", "--locale=C", "--auth=trust", NULL };
	int r;

	r = tool_path(pc, "initdb", initdb, sizeof(initdb));
	return r ? r : run_tool(pc, argv, -1, RUN_NO_OUT, NULL, 0);
}

static int conf_append(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int conf_append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return -ENOSPC;
	*len += (size_t)n;
	return 0;
}

/* Every role gets its method on the socket and on 127.0.0.1; nothing else gets in. */
static int write_hba(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[4096];
	size_t len = 0;
	int r;

	r = conf_append(buf, sizeof(buf), &len,
			"# pg_hba.conf - written by ringside's harness/pgctl.c at initdb time\n"
			"# TYPE\tDATABASE\tUSER\tADDRESS\tMETHOD\n"
			"local\tall\t%s\t\tpeer map=ringside\n", PG_ADMIN);
	for (size_t i = 0; !r && i < sizeof(pg_roles) / sizeof(pg_roles[0]); i++)
		r = conf_append(buf, sizeof(buf), &len,
				"local\tall\t%s\t\t%s\nhost\tall\t%s\t127.0.0.1/32\t%s\n",
				pg_roles[i].name, pg_roles[i].method,
				pg_roles[i].name, pg_roles[i].method);
	if (!r)
		r = conf_append(buf, sizeof(buf), &len,
				"local\tall\tall\t\treject\n"
				"host\tall\tall\t0.0.0.0/0\treject\n"
				"host\tall\tall\t::/0\treject\n");
	if (!r)
		r = strf(path, sizeof(path), "%s/pg_hba.conf", pc->data);
	return r ? r : write_text(path, buf, O_TRUNC);
}

/* Who may be the superuser through peer: the server's account, root, and us. */
static int write_ident(const struct pgctl *pc)
{
	struct passwd *pw = getpwuid(geteuid());
	char path[PATH_MAX], buf[1024];
	size_t len = 0;
	int r;

	r = conf_append(buf, sizeof(buf), &len,
			"# pg_ident.conf - written by ringside's harness/pgctl.c\n"
			"ringside\t%s\t%s\nringside\troot\t%s\n",
			PG_ACCOUNT, PG_ADMIN, PG_ADMIN);
	if (!r && pw && strcmp(pw->pw_name, PG_ACCOUNT) && strcmp(pw->pw_name, "root"))
		r = conf_append(buf, sizeof(buf), &len, "ringside\t%s\t%s\n",
				pw->pw_name, PG_ADMIN);
	if (!r)
		r = strf(path, sizeof(path), "%s/pg_ident.conf", pc->data);
	return r ? r : write_text(path, buf, O_TRUNC);
}

static int write_settings(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[2048];
	size_t len = 0;
	int r;

	r = conf_append(buf, sizeof(buf), &len,
			"\n# ---- ringside (harness/pgctl.c); the port is given at start ----\n"
			"listen_addresses = '127.0.0.1'\n"
			"unix_socket_directories = '%s'\n"
			"max_connections = 400\n"
			"shared_buffers = 256MB\n"
			"# commits do not wait for the WAL flush: the suite measures the\n"
			"# server's I/O strategy, not the disk\n"
			"synchronous_commit = off\n"
			"# kept on: results are those of a durable server\n"
			"fsync = on\n", pc->run);
	if (!r)
		r = strf(path, sizeof(path), "%s/postgresql.conf", pc->data);
	return r ? r : write_text(path, buf, O_APPEND);
}

/* psql as the superuser through the socket: fills argv, returns how many or -errno. */
static int admin_argv(const struct pgctl *pc, int port, char psql[PATH_MAX],
		      char portbuf[16], const char *argv[16])
{
	const char *fixed[] = { psql, "-X", "-q", "-v", "ON_ERROR_STOP=1",
				"-h", pc->run, "-p", portbuf, "-U", PG_ADMIN };
	int r;

	r = tool_path(pc, "psql", psql, PATH_MAX);
	if (!r)
		r = strf(portbuf, 16, "%d", port);
	memcpy(argv, fixed, sizeof(fixed));
	return r ? r : (int)(sizeof(fixed) / sizeof(fixed[0]));
}

static int schema_hash(char *out, size_t size)
{
	uint64_t h = FNV_SEED;
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(PG_SCHEMA, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = fnv1a(h, buf, (size_t)n);
	close(fd);
	return n < 0 ? -EIO : strf(out, size, "schema %016llx\n", (unsigned long long)h);
}

/* psql reads the file through an fd we opened: the source tree may be closed to postgres. */
static int pg_load_schema(const struct pgctl *pc, int port)
{
	char psql[PATH_MAX], portbuf[16];
	const char *argv[16];
	int fd, n, r;

	fd = open(PG_SCHEMA, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		say("cannot read %s: %s\n", PG_SCHEMA, strerror(-r));
		return r;
	}
	n = admin_argv(pc, port, psql, portbuf, argv);
	if (n < 0) {
		close(fd);
		return n;
	}
	argv[n++] = "-d";
	argv[n++] = "postgres";
	argv[n++] = "-f";
	argv[n++] = "-";
	argv[n] = NULL;
	r = run_tool(pc, argv, fd, RUN_NO_OUT, NULL, 0);
	close(fd);
	return r;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) ? -1 : 0;
}

/* Leftovers of an interrupted first start: stop that server, delete data/. */
static int pg_wipe(const struct pgctl *pc)
{
	char path[PATH_MAX];
	struct pm_info pm;
	struct stat st;
	int r;

	r = pm_settle(pc, &pm);
	if (!r && pm.pid)
		r = pg_ctl_stop(pc);
	if (!r)
		r = pc_file(pc, "ready", path, sizeof(path));
	if (r)
		return r;
	unlink(path);
	if (lstat(pc->data, &st) && errno == ENOENT)
		return 0;
	if (nftw(pc->data, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT))
		return -errno;
	return 0;
}

static int pg_mark_ready(const struct pgctl *pc)
{
	char path[PATH_MAX], hash[64];
	int r;

	r = pc_file(pc, "ready", path, sizeof(path));
	if (!r)
		r = schema_hash(hash, sizeof(hash));
	return r ? r : write_text(path, hash, O_TRUNC);
}

static int pg_init_locked(const struct pgctl *pc, int *port)
{
	int r;

	say("creating a new cluster in %s\n", pc->dir);
	r = pg_wipe(pc);
	if (r)
		return r;
	r = pg_initdb(pc);
	if (r)
		goto out_wipe;
	r = write_hba(pc);
	if (!r)
		r = write_ident(pc);
	if (!r)
		r = write_settings(pc);
	if (r)
		goto out_wipe;
	r = pg_launch(pc, port);
	if (r)
		goto out_wipe;
	r = pg_load_schema(pc, *port);
	if (!r)
		r = pg_mark_ready(pc);
	if (r)
		goto out_wipe;
	return 0;
out_wipe:
	/* half a cluster would pass for a whole one on the next start */
	say("creating the cluster failed; removing %s so that the next start "
	    "begins afresh\n", pc->data);
	pg_wipe(pc);
	return r;
}

static bool pg_initialised(const struct pgctl *pc)
{
	char path[PATH_MAX], want[64], have[64];

	if (pc_file(pc, "ready", path, sizeof(path)) || read_text(path, have, sizeof(have)))
		return false;
	if (schema_hash(want, sizeof(want)) == 0 && strcmp(want, have))
		say("%s changed since this cluster was created; delete %s to "
		    "recreate it\n", PG_SCHEMA, pc->want);
	if (strf(path, sizeof(path), "%s/PG_VERSION", pc->data))
		return false;
	return access(path, F_OK) == 0;
}

static int pg_start_locked(const struct pgctl *pc, int *port)
{
	struct pm_info pm;
	int r;

	r = pm_settle(pc, &pm);
	if (r)
		return r;
	if (pm.pid) {
		*port = pm.port;
		return 0;
	}
	if (!pg_initialised(pc))
		return pg_init_locked(pc, port);
	if (pm.stale) {
		r = pm_remove_stale(pc);
		if (r)
			return r;
		pm_reap_orphans(pc);
	}
	return pg_launch(pc, port);
}

/* ---- URLs ----------------------------------------------------------- */

static int url_tcp(const char *user, int port, char *url, size_t size)
{
	const struct pg_role *role = pg_role_find(user ? user : PG_ROLE);

	if (!role)
		return -EINVAL;
	return strf(url, size, "postgresql://%s:%s@127.0.0.1:%d/%s", role->name,
		    role->password, port, PG_DB) ? -ENOSPC : 0;
}

/* libpq key=value form over the Unix socket; the superuser has no password. */
static int url_unix(const struct pgctl *pc, const char *user, int port,
		    char *url, size_t size)
{
	const struct pg_role *role = pg_role_find(user ? user : PG_ROLE);
	int r;

	if (user && !strcmp(user, PG_ADMIN))
		r = strf(url, size, "host=%s port=%d dbname=%s user=%s", pc->run,
			 port, PG_DB, PG_ADMIN);
	else if (!role)
		return -EINVAL;
	else
		r = strf(url, size, "host=%s port=%d dbname=%s user=%s password=%s",
			 pc->run, port, PG_DB, role->name, role->password);
	return r ? -ENOSPC : 0;
}

/* The running server's port, else the recorded one, else -ENOTCONN. */
static int pg_port(const struct pgctl *pc, struct pm_info *pm)
{
	int r;

	r = pm_read(pc, pm);
	if (r)
		return r;
	if (pm->pid && pm->port > 0)
		return pm->port;
	r = port_recorded(pc);
	return r > 0 ? r : -ENOTCONN;
}

/* ---- C API ---------------------------------------------------------- */

int rs_pgctl_ensure_started(char *url, size_t url_size)
{
	struct pgctl pc;
	int port = 0, r;

	r = pgctl_open(&pc, true);
	if (!r)
		r = pgctl_lock(&pc);
	if (!r)
		r = pg_start_locked(&pc, &port);
	pgctl_close(&pc);
	return r ? r : url_tcp(NULL, port, url, url_size);
}

int rs_pgctl_url(const char *user, char *url, size_t size)
{
	struct pm_info pm;
	struct pgctl pc;
	int r;

	if (user && !pg_role_find(user))
		return -EINVAL;
	r = pgctl_open(&pc, false);
	if (r)
		return r == -ENOENT ? -ENOTCONN : r;
	r = pg_port(&pc, &pm);
	return r < 0 ? r : url_tcp(user, r, url, size);
}

int rs_pgctl_stop(void)
{
	struct pgctl pc;
	int r;

	r = pgctl_open(&pc, false);
	if (r == -ENOENT)
		return 0;
	if (!r)
		r = pgctl_lock(&pc);
	if (!r)
		r = pg_stop_locked(&pc);
	pgctl_close(&pc);
	return r;
}

int rs_pgctl_restart(void)
{
	struct pgctl pc;
	int port, r;

	r = pgctl_open(&pc, true);
	if (!r)
		r = pgctl_lock(&pc);
	if (!r)
		r = pg_stop_locked(&pc);
	if (!r)
		r = pg_start_locked(&pc, &port);
	pgctl_close(&pc);
	return r;
}

static int admin_query(const struct pgctl *pc, const char *sql, char *out, size_t size)
{
	char psql[PATH_MAX], portbuf[16];
	const char *argv[16];
	struct pm_info pm;
	int n, r;

	r = pm_read(pc, &pm);
	if (r)
		return r;
	if (!pm.pid)
		return -ENOTCONN;
	n = admin_argv(pc, pm.port, psql, portbuf, argv);
	if (n < 0)
		return n;
	argv[n++] = "-d";
	argv[n++] = PG_DB;
	argv[n++] = "-Atc";
	argv[n++] = sql;
	argv[n] = NULL;
	return run_tool(pc, argv, -1, out ? 0 : RUN_NO_OUT, out, size);
}

int rs_pgctl_admin_query(const char *sql, char *out, size_t size)
{
	struct pgctl pc;
	int r;

	r = pgctl_open(&pc, false);
	if (r)
		return r == -ENOENT ? -ENOTCONN : r;
	return admin_query(&pc, sql, size ? out : NULL, size);
}

int rs_pgctl_admin_sql(const char *sql)
{
	return rs_pgctl_admin_query(sql, NULL, 0);
}

int rs_pgctl_info(struct rs_pgctl_info *info)
{
	struct pm_info pm;
	struct pgctl pc;
	int r, port;

	memset(info, 0, sizeof(*info));
	r = pgctl_open(&pc, false);
	if (r && r != -ENOENT)
		return r;
	port = pg_port(&pc, &pm);
	info->pid = pm.pid;
	info->port = port > 0 ? port : 0;
	strcpy(info->dir, pc.dir);
	strcpy(info->data_dir, pc.data);
	strcpy(info->socket_dir, pc.run);
	if (strf(info->log_file, sizeof(info->log_file), "%s/postgres.log", pc.dir))
		return -ENAMETOOLONG;
	return pm.pid ? 0 : -ENOTCONN;
}

/* ---- `harness pg ...` ----------------------------------------------- */

struct pg_opts {
	const char *ext;	/* --pg=URL: an external server */
	const char *user;	/* --user=NAME */
	bool unix_socket;	/* --unix */
	int first;		/* first argument that is not ours (psql's) */
};

static int exit_code(int r)
{
	if (r == 0)
		return 0;
	if (r != -EIO)
		say("%s\n", strerror(-r));
	return 1;
}

static int cmd_start(const struct pg_opts *o, int argc, char **argv)
{
	char url[512];
	int r;

	if (o->ext) {
		say("--pg names an external server: nothing to manage\n");
		printf("%s\n", o->ext);
		return 0;
	}
	r = rs_pgctl_ensure_started(url, sizeof(url));
	if (r)
		return exit_code(r);
	printf("%s\n", url);
	return 0;
}

static int cmd_stop(const struct pg_opts *o, int argc, char **argv)
{
	if (o->ext) {
		say("--pg names an external server: nothing to manage\n");
		return 0;
	}
	return exit_code(rs_pgctl_stop());
}

static int cmd_restart(const struct pg_opts *o, int argc, char **argv)
{
	char url[512];
	int r;

	if (o->ext)
		return cmd_stop(o, argc, argv);
	r = rs_pgctl_restart();
	if (!r)
		r = rs_pgctl_url(NULL, url, sizeof(url));
	if (r)
		return exit_code(r);
	printf("%s\n", url);
	return 0;
}

/* SHOW, as one row, the settings the suite cares about, and the backends in use. */
static int print_settings(const struct pgctl *pc, const char *ext)
{
	static const char *const names[] = { PG_SETTINGS };
	static const char sql[] =
		"SELECT current_setting('synchronous_commit'), "
		"current_setting('shared_buffers'), current_setting('max_connections'), "
		"current_setting('fsync'), current_setting('listen_addresses'), "
		"current_setting('server_version'), (SELECT count(*) FROM pg_stat_activity "
		"WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())";
	char psql[PATH_MAX], out[1024], *rest = out, *field;
	const char *argv[] = { psql, "-X", "-q", "-A", "-t", "-d", ext, "-c", sql, NULL };
	int r;

	if (ext) {
		r = tool_path(pc, "psql", psql, sizeof(psql));
		if (!r)
			r = run_tool(pc, argv, -1, RUN_SELF, out, sizeof(out));
	} else {
		r = admin_query(pc, sql, out, sizeof(out));
	}
	if (r)
		return r;
	for (size_t i = 0; (field = strsep(&rest, "|")); i++)
		printf("%s: %s\n", i < sizeof(names) / sizeof(names[0]) ?
		       names[i] : "backends", field);
	return 0;
}

static int cmd_status(const struct pg_opts *o, int argc, char **argv)
{
	struct pm_info pm;
	struct pgctl pc;
	int r, port;

	r = pgctl_open(&pc, false);
	if (r && r != -ENOENT)
		return exit_code(r);
	if (o->ext) {
		char *shown = rs_pg_redact(o->ext);
		printf("server: external %s\n", shown ? shown : "(out of memory)");
		free(shown);
		return print_settings(&pc, o->ext) ? 3 : 0;
	}
	port = pg_port(&pc, &pm);
	printf("running: %s\n", pm.pid ? "yes" : "no");
	if (pm.pid)
		printf("pid: %d\n", (int)pm.pid);
	if (port > 0)
		printf("port: %d\n", port);
	if (strcmp(pc.want, pc.dir))
		printf("dir: %s -> %s\n", pc.want, pc.dir);
	else
		printf("dir: %s\n", pc.dir);
	printf("data: %s\nsocket: %s\nlog: %s/postgres.log\n", pc.data, pc.run, pc.dir);
	if (!pm.pid)
		return 3;
	if (print_settings(&pc, NULL))
		say("could not query the server's settings\n");
	return 0;
}

static int cmd_url(const struct pg_opts *o, int argc, char **argv)
{
	struct pm_info pm;
	struct pgctl pc;
	char url[PATH_MAX + 256];
	const char *user = o->user;
	int r, port;

	if (o->ext) {
		printf("%s\n", o->ext);
		return 0;
	}
	if (user && !pg_role_find(user) && strcmp(user, PG_ADMIN)) {
		say("unknown role '%s'; roles: bench bench_md5 bench_scram %s\n",
		    user, PG_ADMIN);
		return 2;
	}
	r = pgctl_open(&pc, false);
	port = r && r != -ENOENT ? r : pg_port(&pc, &pm);
	if (port == -ENOTCONN || port == -ENOENT) {
		say("no cluster yet in %s: run `harness pg start`\n", pc.want);
		return 1;
	}
	if (port < 0)
		return exit_code(port);
	if (o->unix_socket || (user && !strcmp(user, PG_ADMIN)))
		r = url_unix(&pc, user, port, url, sizeof(url));
	else
		r = url_tcp(user, port, url, sizeof(url));
	if (r)
		return exit_code(r);
	printf("%s\n", url);
	return 0;
}

/* exec psql as the superuser on database bench (or on the --pg server). */
static int cmd_psql(const struct pg_opts *o, int argc, char **argv)
{
	char psql[PATH_MAX], portbuf[16], cwd[PATH_MAX];
	const char **args;
	struct pm_info pm = { 0 };
	struct pgctl pc;
	int r, n = 0;

	r = pgctl_open(&pc, false);
	if (r && (r != -ENOENT || o->ext))
		return exit_code(r);
	r = tool_path(&pc, "psql", psql, sizeof(psql));
	if (!r && !o->ext)
		r = pm_read(&pc, &pm);
	if (!r && !o->ext && !pm.pid) {
		say("not running: run `harness pg start` first\n");
		return 3;
	}
	if (!r)
		r = strf(portbuf, sizeof(portbuf), "%d", pm.port);
	args = calloc((size_t)argc + 12, sizeof(*args));
	if (!r && !args)
		r = -ENOMEM;
	if (r)
		return exit_code(r);
	args[n++] = psql;
	if (o->ext) {
		args[n++] = "-d";
		args[n++] = o->ext;
	} else {
		const char *admin[] = { "-h", pc.run, "-p", portbuf, "-U", PG_ADMIN,
					"-d", PG_DB };

		memcpy(args + n, admin, sizeof(admin));
		n += sizeof(admin) / sizeof(admin[0]);
	}
	for (int i = o->first; i < argc; i++)
		args[n++] = argv[i];
	/* psql complains when its working directory is closed to it */
	if (pc.as_pg && !o->ext && (!getcwd(cwd, sizeof(cwd)) ||
				    !pg_can_reach(&pc, cwd)) && chdir("/"))
		return exit_code(-errno);
	fflush(NULL);
	exec_tool(&pc, args, o->ext ? RUN_SELF : 0);
}

static const struct pg_cmd {
	const char *name;
	int (*run)(const struct pg_opts *o, int argc, char **argv);
	const char *help;
} pg_cmds[] = {
	{ "start", cmd_start, "start (initdb the first time); prints the URL last" },
	{ "stop", cmd_stop, "stop (fast mode)" },
	{ "restart", cmd_restart, "stop and start; prints the URL" },
	{ "status", cmd_status, "where it is, settings, backends; exit 3 if not running" },
	{ "url", cmd_url, "[--user=NAME] [--unix]  connection URL of a role" },
	{ "psql", cmd_psql, "[ARGS]  psql as the superuser on database bench" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: harness pg COMMAND [--pg=URL] [OPTIONS]\n");
	for (size_t i = 0; i < sizeof(pg_cmds) / sizeof(pg_cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", pg_cmds[i].name, pg_cmds[i].help);
	fprintf(f, "roles (password = name): bench (trust), bench_md5 (md5), "
		"bench_scram (scram-sha-256)\n"
		"--pg=URL uses an external server: nothing to start or stop\n"
		"RINGSIDE_PG_DIR overrides the cluster directory (default %s/pg)\n",
		RS_BUILD_ROOT);
}

/* Our options; for psql, the first foreign argument ends them. */
static int parse_opts(struct pg_opts *o, const char *cmd, int argc, char **argv)
{
	bool psql = !strcmp(cmd, "psql");
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "--pg=", 5))
			o->ext = argv[i] + 5;
		else if (psql)
			break;
		else if (!strncmp(argv[i], "--user=", 7))
			o->user = argv[i] + 7;
		else if (!strcmp(argv[i], "--unix"))
			o->unix_socket = true;
		else
			break;
	}
	o->first = i;
	return !psql && i < argc ? -EINVAL : 0;
}

int rs_pgctl_main(int argc, char **argv)
{
	struct pg_opts o;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(pg_cmds) / sizeof(pg_cmds[0]); i++) {
		if (strcmp(argv[1], pg_cmds[i].name))
			continue;
		if (parse_opts(&o, argv[1], argc, argv)) {
			say("%s: unknown option '%s'\n", argv[1], argv[o.first]);
			usage(stderr);
			return 2;
		}
		return pg_cmds[i].run(&o, argc, argv);
	}
	say("unknown command '%s'; valid: start stop restart status url psql\n", argv[1]);
	return 2;
}
