/* pgctl.h - the project's private PostgreSQL: start, stop, status, URLs. */
#ifndef RS_PGCTL_H
#define RS_PGCTL_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The cluster lives in <build>/pg (or $RINGSIDE_PG_DIR): data/, run/ (the
 * Unix socket directory), postgres.log, port (the TCP port, reused while
 * free), lock (flock that serialises start/stop/restart between processes)
 * and ready (written once the schema of harness/sql/schema.sql is loaded).
 * As root, <build>/pg may be a symlink to /var/tmp/ringside-pg-<hash> when
 * the postgres account cannot reach the build directory.
 *
 * Roles (password = role name): bench (trust, the default), bench_md5 (md5),
 * bench_scram (scram-sha-256); the superuser "postgres" logs in only through
 * the Unix socket (peer). Database: bench.
 *
 * Every function below runs PostgreSQL's own tools (as the postgres account
 * when called as root) and waits for them with waitpid(): do not reap all
 * children from a SIGCHLD handler while one runs. Human messages go to
 * stderr, nothing to stdout. Not thread-safe against each other in one
 * process (they are meant for the harness's setup phase).
 */

/*
 * `harness pg start|stop|restart|status|url|psql ...`; argv[0] is "pg".
 * Returns the process exit status: 0 ok, 1 error, 2 usage, 3 not running
 * (status, like pg_ctl). `psql` does not return on success (it execs).
 */
int rs_pgctl_main(int argc, char **argv);

/*
 * Start the cluster if it is not running (initdb and schema the first
 * time), then write the default role's URL,
 * postgresql://bench:bench@127.0.0.1:PORT/bench, into url.
 * Returns 0, -ENOSPC if url_size is too small, or another negative errno.
 */
int rs_pgctl_ensure_started(char *url, size_t url_size);

/*
 * The URL of role user (NULL: bench) with its password and the port of the
 * running cluster (or the recorded one when stopped). Does not start it.
 * Returns 0, -EINVAL for an unknown role (only bench, bench_md5 and
 * bench_scram log in over TCP), -ENOTCONN if the cluster was never started,
 * -ENOSPC if size is too small.
 */
int rs_pgctl_url(const char *user, char *url, size_t size);

/* Stop (fast mode) and start again; starts a stopped cluster. 0 or -errno. */
int rs_pgctl_restart(void);

/* Stop in fast mode (rolls back open transactions). 0 also if not running. */
int rs_pgctl_stop(void);

/*
 * Run one SQL statement (psql -c) as the superuser in database bench, e.g.
 * pg_terminate_backend() in tests. 0, -ENOTCONN if not running, -EIO if the
 * statement failed (psql's message went to stderr).
 */
int rs_pgctl_admin_sql(const char *sql);

/*
 * As rs_pgctl_admin_sql, and copy the output (unaligned, tuples only, '|'
 * between columns, rows on separate lines, final newline removed) into out.
 * Output longer than size is truncated. out may be NULL.
 */
int rs_pgctl_admin_query(const char *sql, char *out, size_t size);

/* Where the cluster is and whether it runs (for run.json and placement). */
struct rs_pgctl_info {
	pid_t pid;			/* postmaster, 0 when not running */
	int port;			/* TCP port on 127.0.0.1, 0 if never started */
	char dir[PATH_MAX];		/* cluster directory, symlinks resolved */
	char data_dir[PATH_MAX];
	char socket_dir[PATH_MAX];
	char log_file[PATH_MAX];
};

/*
 * Run sql with psql against url (any server, as ourselves), its rows into out
 * (fields '|'-separated, NUL-terminated). 0 or a negative errno.
 */
int rs_pgctl_query_url(const char *url, const char *sql, char *out, size_t size);

/* Fill *info. 0 if the cluster runs, -ENOTCONN if not (info still filled). */
int rs_pgctl_info(struct rs_pgctl_info *info);

#endif
