/* pgctl_dir.c - where the private cluster and PostgreSQL's tools are: bindir, the postgres account, the directory (or its /var/tmp fallback), the lock. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mkdir_p.h"
#include "pgctl_int.h"

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
		r = pgc_strf(pc->bin, sizeof(pc->bin), "%s", env);
	} else if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			v = strtol(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"), &end, 10);
			if (v <= best || strcmp(end, "/bin/initdb"))
				continue;
			best = v;
			r = pgc_strf(pc->bin, sizeof(pc->bin), "/usr/lib/postgresql/%ld/bin", v);
		}
		globfree(&g);
	}
	if (!r && (pgc_strf(initdb, sizeof(initdb), "%s/initdb", pc->bin) ||
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
	return pgc_strf(pc->pg_home, sizeof(pc->pg_home), "%s", pw->pw_dir);
}

static int find_want(struct pgctl *pc)
{
	const char *env = getenv("RINGSIDE_PG_DIR");
	char cwd[PATH_MAX];
	size_t n;
	int r;

	if (env && *env == '/')
		r = pgc_strf(pc->want, sizeof(pc->want), "%s", env);
	else if (env && *env)
		r = getcwd(cwd, sizeof(cwd)) ?
		    pgc_strf(pc->want, sizeof(pc->want), "%s/%s", cwd, env) : -errno;
	else
		r = pgc_strf(pc->want, sizeof(pc->want), "%s", rs_path_pg());
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
	return pgc_strf(pc->dir, sizeof(pc->dir), "%s", target);
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

	r = pgc_strf(fb, sizeof(fb), PG_FALLBACK "%012llx", (unsigned long long)
		 (pgc_fnv1a(PGC_FNV_SEED, pc->want, strlen(pc->want)) >> 16));
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
	return pgc_strf(pc->dir, sizeof(pc->dir), "%s", fb);
}

/* Set pc->dir; with create, make the directory (or the fallback) too. */
static int resolve_dir(struct pgctl *pc, bool create)
{
	char parent[PATH_MAX];
	struct stat st;
	int r;

	r = pgc_strf(parent, sizeof(parent), "%s", pc->want);
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
		if (!dir_fits(pc->want) || !pgc_can_reach(pc, parent)) {
			say("%s is unusable: not reachable by the %s user, or too long "
			    "a path for the socket; remove it and start again\n",
			    pc->want, PG_ACCOUNT);
			return -EACCES;
		}
		return pgc_strf(pc->dir, sizeof(pc->dir), "%s", pc->want);
	}
	if (errno != ENOENT)
		return -errno;
	if (!create) {
		pgc_strf(pc->dir, sizeof(pc->dir), "%s", pc->want);
		return -ENOENT;
	}
	r = rs_mkdir_p(parent);
	if (r)
		return r;
	if (!dir_fits(pc->want) || !pgc_can_reach(pc, parent))
		return make_fallback(pc, parent);
	if (mkdir(pc->want, 0755) && errno != EEXIST)
		return -errno;
	return pgc_strf(pc->dir, sizeof(pc->dir), "%s", pc->want);
}

int pgc_open(struct pgctl *pc, bool create)
{
	int r, rr;

	memset(pc, 0, sizeof(*pc));
	pc->lock_fd = -1;
	r = find_account(pc);
	if (!r)
		r = pgc_build_tool_env(pc);
	if (!r)
		r = find_bindir(pc);
	if (!r)
		r = find_want(pc);
	if (r)
		return r;
	r = resolve_dir(pc, create);
	if (r && r != -ENOENT)
		return r;
	rr = pgc_strf(pc->data, sizeof(pc->data), "%s/data", pc->dir);
	if (!rr)
		rr = pgc_strf(pc->run, sizeof(pc->run), "%s/run", pc->dir);
	if (rr || r || !create)
		return rr ? rr : r;
	r = own_dir(pc, pc->dir, 0755);
	if (!r && mkdir(pc->run, 0755) && errno != EEXIST)
		r = -errno;
	if (!r)
		r = own_dir(pc, pc->run, 0755);
	return r;
}

void pgc_close(struct pgctl *pc)
{
	if (pc->lock_fd >= 0)
		close(pc->lock_fd);
	pc->lock_fd = -1;
}

/* Serialise start/stop/restart of this cluster across processes. */
int pgc_lock(struct pgctl *pc)
{
	char path[PATH_MAX];
	int r;

	r = pgc_strf(path, sizeof(path), "%s/lock", pc->dir);
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

int pgc_file(const struct pgctl *pc, const char *name, char *out, size_t size)
{
	return pgc_strf(out, size, "%s/%s", pc->dir, name);
}
