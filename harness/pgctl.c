/* pgctl.c - ringside's private PostgreSQL: roles, URLs, and the C API (start, stop, restart, admin SQL, info). */
#include <errno.h>
#include <string.h>

#include "pgctl_int.h"

/* ---- roles ---------------------------------------------------------- */

const struct pg_role pgc_roles[PGC_NROLES] = {
	{ "bench", "bench", "trust" },
	{ "bench_md5", "bench_md5", "md5" },
	{ "bench_scram", "bench_scram", "scram-sha-256" },
};

const struct pg_role *pgc_role_find(const char *name)
{
	for (size_t i = 0; i < sizeof(pgc_roles) / sizeof(pgc_roles[0]); i++)
		if (!strcmp(pgc_roles[i].name, name))
			return &pgc_roles[i];
	return NULL;
}

/* ---- URLs ----------------------------------------------------------- */

int pgc_url_tcp(const char *user, int port, char *url, size_t size)
{
	const struct pg_role *role = pgc_role_find(user ? user : PG_ROLE);

	if (!role)
		return -EINVAL;
	return pgc_strf(url, size, "postgresql://%s:%s@127.0.0.1:%d/%s", role->name,
		    role->password, port, PG_DB) ? -ENOSPC : 0;
}

/* libpq key=value form over the Unix socket; the superuser has no password. */
int pgc_url_unix(const struct pgctl *pc, const char *user, int port,
		    char *url, size_t size)
{
	const struct pg_role *role = pgc_role_find(user ? user : PG_ROLE);
	int r;

	if (user && !strcmp(user, PG_ADMIN))
		r = pgc_strf(url, size, "host=%s port=%d dbname=%s user=%s", pc->run,
			 port, PG_DB, PG_ADMIN);
	else if (!role)
		return -EINVAL;
	else
		r = pgc_strf(url, size, "host=%s port=%d dbname=%s user=%s password=%s",
			 pc->run, port, PG_DB, role->name, role->password);
	return r ? -ENOSPC : 0;
}

/* The running server's port, else the recorded one, else -ENOTCONN. */
int pgc_port(const struct pgctl *pc, struct pm_info *pm)
{
	int r;

	r = pgc_pm_read(pc, pm);
	if (r)
		return r;
	if (pm->pid && pm->port > 0)
		return pm->port;
	r = pgc_port_recorded(pc);
	return r > 0 ? r : -ENOTCONN;
}

/* ---- C API ---------------------------------------------------------- */

int rs_pgctl_ensure_started(char *url, size_t url_size)
{
	struct pgctl pc;
	int port = 0, r;

	r = pgc_open(&pc, true);
	if (!r)
		r = pgc_lock(&pc);
	if (!r)
		r = pgc_start_locked(&pc, &port);
	pgc_close(&pc);
	return r ? r : pgc_url_tcp(NULL, port, url, url_size);
}

int rs_pgctl_url(const char *user, char *url, size_t size)
{
	struct pm_info pm;
	struct pgctl pc;
	int r;

	if (user && !pgc_role_find(user))
		return -EINVAL;
	r = pgc_open(&pc, false);
	if (r)
		return r == -ENOENT ? -ENOTCONN : r;
	r = pgc_port(&pc, &pm);
	return r < 0 ? r : pgc_url_tcp(user, r, url, size);
}

int rs_pgctl_stop(void)
{
	struct pgctl pc;
	int r;

	r = pgc_open(&pc, false);
	if (r == -ENOENT)
		return 0;
	if (!r)
		r = pgc_lock(&pc);
	if (!r)
		r = pgc_stop_locked(&pc);
	pgc_close(&pc);
	return r;
}

int rs_pgctl_restart(void)
{
	struct pgctl pc;
	int port, r;

	r = pgc_open(&pc, true);
	if (!r)
		r = pgc_lock(&pc);
	if (!r)
		r = pgc_stop_locked(&pc);
	if (!r)
		r = pgc_start_locked(&pc, &port);
	pgc_close(&pc);
	return r;
}

int pgc_admin_query(const struct pgctl *pc, const char *sql, char *out, size_t size)
{
	char psql[PATH_MAX], portbuf[16];
	const char *argv[16];
	struct pm_info pm;
	int n, r;

	r = pgc_pm_read(pc, &pm);
	if (r)
		return r;
	if (!pm.pid)
		return -ENOTCONN;
	n = pgc_admin_argv(pc, pm.port, psql, portbuf, argv);
	if (n < 0)
		return n;
	argv[n++] = "-d";
	argv[n++] = PG_DB;
	argv[n++] = "-Atc";
	argv[n++] = sql;
	argv[n] = NULL;
	return pgc_run_tool(pc, argv, -1, out ? 0 : RUN_NO_OUT, out, size);
}

int rs_pgctl_admin_query(const char *sql, char *out, size_t size)
{
	struct pgctl pc;
	int r;

	r = pgc_open(&pc, false);
	if (r)
		return r == -ENOENT ? -ENOTCONN : r;
	return pgc_admin_query(&pc, sql, size ? out : NULL, size);
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
	r = pgc_open(&pc, false);
	if (r && r != -ENOENT)
		return r;
	port = pgc_port(&pc, &pm);
	info->pid = pm.pid;
	info->port = port > 0 ? port : 0;
	strcpy(info->dir, pc.dir);
	strcpy(info->data_dir, pc.data);
	strcpy(info->socket_dir, pc.run);
	if (pgc_strf(info->log_file, sizeof(info->log_file), "%s/postgres.log", pc.dir))
		return -ENAMETOOLONG;
	return pm.pid ? 0 : -ENOTCONN;
}


/* psql -At -c sql against url (any server): its output, '|' between fields. */
int pgc_query_url(const struct pgctl *pc, const char *url, const char *sql, char *out, size_t size)
{
	char psql[PATH_MAX];
	const char *argv[] = { psql, "-X", "-q", "-A", "-t", "-d", url, "-c", sql, NULL };
	int r = pgc_tool_path(pc, "psql", psql, sizeof(psql));

	return r ? r : pgc_run_tool(pc, argv, -1, RUN_SELF, out, size);
}

int rs_pgctl_query_url(const char *url, const char *sql, char *out, size_t size)
{
	struct pgctl pc;
	int r = pgc_open(&pc, false);

	if (r && r != -ENOENT)
		return r;
	return pgc_query_url(&pc, url, sql, out, size);
}
