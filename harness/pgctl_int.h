/* pgctl_int.h - the private cluster's state and the helpers the pgctl*.c files share. */
#ifndef RS_PGCTL_INT_H
#define RS_PGCTL_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "paths.h"
#include "pgctl.h"

#define PG_ACCOUNT	"postgres"	/* OS account the server runs as when we are root */
#define PG_ADMIN	"postgres"	/* superuser; Unix socket + peer only */
#define PG_DB		"bench"
#define PG_ROLE		"bench"		/* default role */
#define PG_WAIT_S	60
#define PG_FALLBACK	"/var/tmp/ringside-pg-"
/* Found at run time: the source tree, or the install's share/ringside. */
#define PG_SCHEMA	rs_path_in_data("harness/sql/schema.sql", (char[PATH_MAX]){ 0 }, PATH_MAX)
#define PG_SETTINGS	"synchronous_commit", "shared_buffers", "max_connections", \
			"fsync", "listen_addresses", "server_version"

#define say(...) fprintf(stderr, "ringside pg: " __VA_ARGS__)

struct pg_role {
	const char *name;
	const char *password;
	const char *method;	/* pg_hba.conf, for the socket and 127.0.0.1 alike */
};

#define PGC_NROLES 3
extern const struct pg_role pgc_roles[PGC_NROLES];	/* pgctl.c */

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

/* pgctl_tool.c: small file helpers and running PostgreSQL's tools. */
/* snprintf that says -ENAMETOOLONG when it did not fit. */
int pgc_strf(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A whole small file, NUL-terminated (truncated to size - 1). 0 or -errno. */
int pgc_read_text(const char *path, char *buf, size_t size);
/* Write text to path, created 0644, opened with flags (O_TRUNC or O_APPEND). 0 or -errno. */
int pgc_write_text(const char *path, const char *text, int flags);
#define PGC_FNV_SEED 0xcbf29ce484222325ULL
uint64_t pgc_fnv1a(uint64_t h, const void *p, size_t n);
/* The tools' environment (struct pgctl's tool_env), built once before any fork. */
int pgc_build_tool_env(struct pgctl *pc);
/* exec a tool (as PG_ACCOUNT when we are root, unless RUN_SELF); never returns. */
void pgc_exec_tool(const struct pgctl *pc, const char *const argv[], int flags) __attribute__((noreturn));
/*
 * Run a tool to completion with stdin from in_fd (-1: /dev/null) and, if
 * out is given, its stdout captured there. 0 if it exited 0, -EIO if it
 * failed (it said why on stderr), else -errno.
 */
int pgc_run_tool(const struct pgctl *pc, const char *const argv[], int in_fd, int flags, char *out, size_t out_size);
/* Can the postgres account search path (and so everything on the way)? */
bool pgc_can_reach(const struct pgctl *pc, const char *path);
/* PostgreSQL's bindir/tool. */
int pgc_tool_path(const struct pgctl *pc, const char *tool, char *out, size_t size);

/* pgctl_dir.c: where the cluster and the tools are. */
/* Find the account, the tools and the directory; with create, make the directories. */
int pgc_open(struct pgctl *pc, bool create);
void pgc_close(struct pgctl *pc);
/* Serialise start/stop/restart of this cluster across processes. */
int pgc_lock(struct pgctl *pc);
/* dir/name. */
int pgc_file(const struct pgctl *pc, const char *name, char *out, size_t size);

/* pgctl_pm.c: the postmaster, its port, pg_ctl start and stop. */
int pgc_pm_read(const struct pgctl *pc, struct pm_info *pm);
/* A server that is starting or stopping: give it time to settle. */
int pgc_pm_settle(const struct pgctl *pc, struct pm_info *pm);
int pgc_pm_remove_stale(const struct pgctl *pc);
void pgc_pm_reap_orphans(const struct pgctl *pc);
/* The port recorded in dir/port, 0 if none. */
int pgc_port_recorded(const struct pgctl *pc);
/* Start an initialised, stopped cluster (retried); *port is where it listens. */
int pgc_launch(const struct pgctl *pc, int *port);
int pgc_ctl_stop(const struct pgctl *pc);
/* Stop, holding the lock; 0 also if not running. */
int pgc_stop_locked(const struct pgctl *pc);

/* pgctl_init.c: the first start (initdb, configuration, schema) and start. */
/* psql as the superuser through the socket: fills argv, returns how many or -errno. */
int pgc_admin_argv(const struct pgctl *pc, int port, char psql[PATH_MAX], char portbuf[16], const char *argv[16]);
/* Start, holding the lock: initdb and schema first when there is no whole cluster. */
int pgc_start_locked(const struct pgctl *pc, int *port);

/* pgctl.c: roles, URLs, admin SQL. */
const struct pg_role *pgc_role_find(const char *name);
int pgc_url_tcp(const char *user, int port, char *url, size_t size);
/* libpq key=value form over the Unix socket; the superuser has no password. */
int pgc_url_unix(const struct pgctl *pc, const char *user, int port, char *url, size_t size);
/* The running server's port, else the recorded one, else -ENOTCONN. */
int pgc_port(const struct pgctl *pc, struct pm_info *pm);
int pgc_admin_query(const struct pgctl *pc, const char *sql, char *out, size_t size);
/* psql -At -c sql against url (any server): its output, '|' between fields. */
int pgc_query_url(const struct pgctl *pc, const char *url, const char *sql, char *out, size_t size);

#endif
