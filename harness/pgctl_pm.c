/* pgctl_pm.c - the private cluster's postmaster: is it ours, stale files and orphans, its port, pg_ctl start and stop. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgctl_int.h"
#include "port.h"

/* The command name in /proc/PID/stat is "postgres" and it is no zombie. */
static bool proc_is_postgres(pid_t pid)
{
	char path[64], buf[512], *close_paren;

	if (pgc_strf(path, sizeof(path), "/proc/%d/stat", (int)pid) ||
	    pgc_read_text(path, buf, sizeof(buf)))
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
	if (pgc_strf(path, sizeof(path), "/proc/%d/cwd", (int)pid))
		return false;
	n = readlink(path, cwd, sizeof(cwd) - 1);
	if (n < 0)
		return errno == EACCES && proc_is_postgres(pid);
	cwd[n] = '\0';
	return realpath(pc->data, real) && !strcmp(cwd, real) && proc_is_postgres(pid);
}

/* Lines of postmaster.pid: pid, datadir, start time, port, socket dir, ... status */
int pgc_pm_read(const struct pgctl *pc, struct pm_info *pm)
{
	char path[PATH_MAX], buf[2048], *rest = buf, *line;
	pid_t pid = 0;
	int r;

	memset(pm, 0, sizeof(*pm));
	r = pgc_strf(path, sizeof(path), "%s/postmaster.pid", pc->data);
	if (!r)
		r = pgc_read_text(path, buf, sizeof(buf));
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
int pgc_pm_settle(const struct pgctl *pc, struct pm_info *pm)
{
	int r;

	for (int i = 0; i < PG_WAIT_S * 10; i++) {
		r = pgc_pm_read(pc, pm);
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
int pgc_pm_remove_stale(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[64];
	glob_t g;
	int r;

	r = pgc_strf(path, sizeof(path), "%s/postmaster.pid", pc->data);
	if (r)
		return r;
	say("removing stale %s (its process is not our postmaster)\n", path);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	r = pgc_strf(path, sizeof(path), "%s/.s.PGSQL.*.lock", pc->run);
	if (r || glob(path, 0, NULL, &g))
		return r;
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (pgc_read_text(g.gl_pathv[i], buf, sizeof(buf)) == 0 &&
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
		    pgc_strf(path, sizeof(path), "/proc/%s/cwd", de->d_name))
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
void pgc_pm_reap_orphans(const struct pgctl *pc)
{
	for (int i = 0; i < 100 && pm_orphans(pc, 0); i++) {
		if (i == 0)
			say("waiting for the backends of the dead postmaster to exit\n");
		pm_orphans(pc, i == 50 ? SIGQUIT : i == 90 ? SIGKILL : 0);
		usleep(100 * 1000);
	}
}

int pgc_port_recorded(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[32];

	if (pgc_file(pc, "port", path, sizeof(path)) || pgc_read_text(path, buf, sizeof(buf)))
		return 0;
	return atoi(buf);
}

/* The recorded port if it is still free, else a new one (recorded). */
static int port_choose(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[32];
	int old = pgc_port_recorded(pc), port, r;

	if (old > 0 && rs_port_bindable(old) == 1)
		return old;
	port = rs_port_free();
	if (port < 0)
		return port;
	if (old > 0)
		say("port %d is in use; moving to %d\n", old, port);
	r = pgc_file(pc, "port", path, sizeof(path));
	if (!r)
		r = pgc_strf(buf, sizeof(buf), "%d\n", port);
	if (!r)
		r = pgc_write_text(path, buf, O_TRUNC);
	return r ? r : port;
}

static int pg_ctl_start(const struct pgctl *pc, int port)
{
	char ctl[PATH_MAX], log[PATH_MAX], opts[32], wait[16];
	const char *argv[] = { ctl, "start", "-D", pc->data, "-l", log, "-w",
			       "-t", wait, "-s", "-o", opts, NULL };
	int r;

	r = pgc_tool_path(pc, "pg_ctl", ctl, sizeof(ctl));
	if (!r)
		r = pgc_file(pc, "postgres.log", log, sizeof(log));
	if (!r)
		r = pgc_strf(opts, sizeof(opts), "-p %d", port);
	if (!r)
		r = pgc_strf(wait, sizeof(wait), "%d", PG_WAIT_S);
	return r ? r : pgc_run_tool(pc, argv, -1, 0, NULL, 0);
}

/*
 * Start an initialised, stopped cluster. A failed attempt is retried: the
 * port may have been taken between our check and the server's bind, and
 * after a kill -9 the orphaned backends need a moment to let go of the
 * shared memory.
 */
int pgc_launch(const struct pgctl *pc, int *port)
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

int pgc_ctl_stop(const struct pgctl *pc)
{
	char ctl[PATH_MAX], wait[16];
	const char *argv[] = { ctl, "stop", "-D", pc->data, "-m", "fast", "-w",
			       "-t", wait, "-s", NULL };
	int r;

	r = pgc_tool_path(pc, "pg_ctl", ctl, sizeof(ctl));
	if (!r)
		r = pgc_strf(wait, sizeof(wait), "%d", PG_WAIT_S);
	return r ? r : pgc_run_tool(pc, argv, -1, 0, NULL, 0);
}

int pgc_stop_locked(const struct pgctl *pc)
{
	struct pm_info pm;
	int r;

	r = pgc_pm_settle(pc, &pm);
	if (r)
		return r;
	if (!pm.pid) {
		say("not running\n");
		return pm.stale ? pgc_pm_remove_stale(pc) : 0;
	}
	r = pgc_ctl_stop(pc);
	if (!r)
		say("stopped\n");
	return r;
}
