/* pgctl_init.c - the private cluster's first start (initdb, pg_hba/pg_ident/postgresql.conf, the schema) and start. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgctl_int.h"

static int pg_initdb(const struct pgctl *pc)
{
	char initdb[PATH_MAX];
	const char *argv[] = { initdb, "-D", pc->data, "-U", PG_ADMIN,
			       "--encoding=UTF8", "--locale=C", "--auth=trust", NULL };
	int r;

	r = pgc_tool_path(pc, "initdb", initdb, sizeof(initdb));
	return r ? r : pgc_run_tool(pc, argv, -1, RUN_NO_OUT, NULL, 0);
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
			"# pg_hba.conf - written by ringside's harness/pgctl_init.c at initdb time\n"
			"# TYPE\tDATABASE\tUSER\tADDRESS\tMETHOD\n"
			"local\tall\t%s\t\tpeer map=ringside\n", PG_ADMIN);
	for (size_t i = 0; !r && i < sizeof(pgc_roles) / sizeof(pgc_roles[0]); i++)
		r = conf_append(buf, sizeof(buf), &len,
				"local\tall\t%s\t\t%s\nhost\tall\t%s\t127.0.0.1/32\t%s\n",
				pgc_roles[i].name, pgc_roles[i].method,
				pgc_roles[i].name, pgc_roles[i].method);
	if (!r)
		r = conf_append(buf, sizeof(buf), &len,
				"local\tall\tall\t\treject\n"
				"host\tall\tall\t0.0.0.0/0\treject\n"
				"host\tall\tall\t::/0\treject\n");
	if (!r)
		r = pgc_strf(path, sizeof(path), "%s/pg_hba.conf", pc->data);
	return r ? r : pgc_write_text(path, buf, O_TRUNC);
}

/* Who may be the superuser through peer: the server's account, root, and us. */
static int write_ident(const struct pgctl *pc)
{
	struct passwd *pw = getpwuid(geteuid());
	char path[PATH_MAX], buf[1024];
	size_t len = 0;
	int r;

	r = conf_append(buf, sizeof(buf), &len,
			"# pg_ident.conf - written by ringside's harness/pgctl_init.c\n"
			"ringside\t%s\t%s\nringside\troot\t%s\n",
			PG_ACCOUNT, PG_ADMIN, PG_ADMIN);
	if (!r && pw && strcmp(pw->pw_name, PG_ACCOUNT) && strcmp(pw->pw_name, "root"))
		r = conf_append(buf, sizeof(buf), &len, "ringside\t%s\t%s\n",
				pw->pw_name, PG_ADMIN);
	if (!r)
		r = pgc_strf(path, sizeof(path), "%s/pg_ident.conf", pc->data);
	return r ? r : pgc_write_text(path, buf, O_TRUNC);
}

static int write_settings(const struct pgctl *pc)
{
	char path[PATH_MAX], buf[2048];
	size_t len = 0;
	int r;

	r = conf_append(buf, sizeof(buf), &len,
			"\n# ---- ringside (harness/pgctl_init.c); the port is given at start ----\n"
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
		r = pgc_strf(path, sizeof(path), "%s/postgresql.conf", pc->data);
	return r ? r : pgc_write_text(path, buf, O_APPEND);
}

/* psql as the superuser through the socket: fills argv, returns how many or -errno. */
int pgc_admin_argv(const struct pgctl *pc, int port, char psql[PATH_MAX],
		      char portbuf[16], const char *argv[16])
{
	const char *fixed[] = { psql, "-X", "-q", "-v", "ON_ERROR_STOP=1",
				"-h", pc->run, "-p", portbuf, "-U", PG_ADMIN };
	int r;

	r = pgc_tool_path(pc, "psql", psql, PATH_MAX);
	if (!r)
		r = pgc_strf(portbuf, 16, "%d", port);
	memcpy(argv, fixed, sizeof(fixed));
	return r ? r : (int)(sizeof(fixed) / sizeof(fixed[0]));
}

static int schema_hash(char *out, size_t size)
{
	uint64_t h = PGC_FNV_SEED;
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(PG_SCHEMA, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = pgc_fnv1a(h, buf, (size_t)n);
	close(fd);
	return n < 0 ? -EIO : pgc_strf(out, size, "schema %016llx\n", (unsigned long long)h);
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
	n = pgc_admin_argv(pc, port, psql, portbuf, argv);
	if (n < 0) {
		close(fd);
		return n;
	}
	argv[n++] = "-d";
	argv[n++] = "postgres";
	argv[n++] = "-f";
	argv[n++] = "-";
	argv[n] = NULL;
	r = pgc_run_tool(pc, argv, fd, RUN_NO_OUT, NULL, 0);
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

	r = pgc_pm_settle(pc, &pm);
	if (!r && pm.pid)
		r = pgc_ctl_stop(pc);
	if (!r)
		r = pgc_file(pc, "ready", path, sizeof(path));
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

	r = pgc_file(pc, "ready", path, sizeof(path));
	if (!r)
		r = schema_hash(hash, sizeof(hash));
	return r ? r : pgc_write_text(path, hash, O_TRUNC);
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
	r = pgc_launch(pc, port);
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

	if (pgc_file(pc, "ready", path, sizeof(path)) || pgc_read_text(path, have, sizeof(have)))
		return false;
	if (schema_hash(want, sizeof(want)) == 0 && strcmp(want, have))
		say("%s changed since this cluster was created; delete %s to "
		    "recreate it\n", PG_SCHEMA, pc->want);
	if (pgc_strf(path, sizeof(path), "%s/PG_VERSION", pc->data))
		return false;
	return access(path, F_OK) == 0;
}

int pgc_start_locked(const struct pgctl *pc, int *port)
{
	struct pm_info pm;
	int r;

	r = pgc_pm_settle(pc, &pm);
	if (r)
		return r;
	if (pm.pid) {
		*port = pm.port;
		return 0;
	}
	if (!pg_initialised(pc))
		return pg_init_locked(pc, port);
	if (pm.stale) {
		r = pgc_pm_remove_stale(pc);
		if (r)
			return r;
		pgc_pm_reap_orphans(pc);
	}
	return pgc_launch(pc, port);
}
