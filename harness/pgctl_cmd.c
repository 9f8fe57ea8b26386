/* pgctl_cmd.c - `harness pg start|stop|restart|status|url|psql`: the command line over the private cluster. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg.h"
#include "pgctl_int.h"

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
	char out[1024], *rest = out, *field;
	int r;

	if (ext) {
		r = pgc_query_url(pc, ext, sql, out, sizeof(out));
	} else {
		r = pgc_admin_query(pc, sql, out, sizeof(out));
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

	r = pgc_open(&pc, false);
	if (r && r != -ENOENT)
		return exit_code(r);
	if (o->ext) {
		char *shown = rs_pg_redact(o->ext);
		printf("server: external %s\n", shown ? shown : "(out of memory)");
		free(shown);
		return print_settings(&pc, o->ext) ? 3 : 0;
	}
	port = pgc_port(&pc, &pm);
	if (port == -EACCES) {
		/* Another user's cluster (root's, typically): we cannot tell, so say that, not "no". */
		printf("running: unknown (%s is another user's: %s)\n", pc.data, strerror(EACCES));
		say("RINGSIDE_PG_DIR=DIR makes a cluster of your own in DIR\n");
		return 3;
	}
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
	if (user && !pgc_role_find(user) && strcmp(user, PG_ADMIN)) {
		say("unknown role '%s'; roles: bench bench_md5 bench_scram %s\n",
		    user, PG_ADMIN);
		return 2;
	}
	r = pgc_open(&pc, false);
	port = r && r != -ENOENT ? r : pgc_port(&pc, &pm);
	if (port == -ENOTCONN || port == -ENOENT) {
		say("no cluster yet in %s: run `harness pg start`\n", pc.want);
		return 1;
	}
	if (port < 0)
		return exit_code(port);
	if (o->unix_socket || (user && !strcmp(user, PG_ADMIN)))
		r = pgc_url_unix(&pc, user, port, url, sizeof(url));
	else
		r = pgc_url_tcp(user, port, url, sizeof(url));
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

	r = pgc_open(&pc, false);
	if (r && (r != -ENOENT || o->ext))
		return exit_code(r);
	r = pgc_tool_path(&pc, "psql", psql, sizeof(psql));
	if (!r && !o->ext)
		r = pgc_pm_read(&pc, &pm);
	if (!r && !o->ext && !pm.pid) {
		say("not running: run `harness pg start` first\n");
		return 3;
	}
	if (!r)
		r = pgc_strf(portbuf, sizeof(portbuf), "%d", pm.port);
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
				    !pgc_can_reach(&pc, cwd)) && chdir("/"))
		return exit_code(-errno);
	fflush(NULL);
	pgc_exec_tool(&pc, args, o->ext ? RUN_SELF : 0);
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
		"RINGSIDE_PG_DIR overrides the cluster directory (default %s)\n",
		rs_path_pg());
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
