/* run_server.c - ringside-server as the harness's child: command line, start, readiness, graceful stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "port.h"
#include "results.h"
#include "run_int.h"

/* ringside-server lives next to the harness binary (build/). */
static int server_path(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -errno;
	self[n] = '\0';
	if ((size_t)snprintf(out, size, "%s/ringside-server", dirname(self)) >= size)
		return -ENAMETOOLONG;
	return access(out, X_OK) ? -errno : 0;
}

static int add_arg(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_arg(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (r->argc + 1 >= RS_RUN_MAX_ARGS)
		return -E2BIG;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	r->argv[r->argc++] = s;
	return 0;
}

/* --server-flags="a b c": split on blanks (no quoting: flags take no spaces). */
static int add_user_flags(struct run *r)
{
	char *copy, *save = NULL;
	int err = 0;

	if (!r->cfg->server_flags)
		return 0;
	copy = strdup(r->cfg->server_flags);
	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, " \t", &save); t && !err; t = strtok_r(NULL, " \t", &save))
		err = add_arg(r, "%s", t);
	free(copy);
	return err;
}

static int build_argv(struct run *r)
{
	char path[PATH_MAX];
	const struct rs_run_cfg *c = r->cfg;
	int err = server_path(path, sizeof(path));

	if (err) {
		fprintf(stderr, "ringside: no ringside-server next to the harness (%s): build it with ninja\n",
			strerror(-err));
		return err;
	}
	err = add_arg(r, "%s", path);
	if (!err)
		err = add_arg(r, "--engine=%s", c->engine);
	if (!err)
		err = add_arg(r, "--cores=%ld", c->cores);
	if (!err)
		err = add_arg(r, "--cpus=%s", r->server_list);
	if (!err)
		err = add_arg(r, "--port=%d", r->port);
	/* The load comes from other hosts (--loadgen-hosts, --server-host): every interface. */
	if (!err && r->listen_any)
		err = add_arg(r, "--listen=0.0.0.0");
	/* SO_REUSEPORT spreads connections unevenly: room for all on one reactor. */
	if (!err && c->conns > 4096)
		err = add_arg(r, "--max-conns=%ld", c->conns);
	if (!err && r->db) {
		/* The URL (and its password) goes through the environment, not argv,
		 * where `ps` would show it to every user: see server_env(). */
		err = add_arg(r, "--pool=%ld", c->pool);
		if (!err)
			err = add_arg(r, "--pg-mode=%s", c->pg_mode);
	}
	if (!err && r->redis_url[0])
		err = add_arg(r, "--redis=%s", r->redis_url);
	if (!err && r->nfile_paths)
		err = add_arg(r, "--files-dir=%s", c->files_dir ? c->files_dir : rs_files_default_dir());
	if (!err && r->file_direct)
		err = add_arg(r, "--file-direct");
	if (!err)
		err = add_user_flags(r);
	r->argv[r->argc] = NULL;
	return err;
}

/* The command line for run.json, with the Postgres password replaced. */
static int redacted_flags(struct run *r)
{
	size_t size;
	FILE *f = open_memstream(&r->flags, &size);

	if (!f)
		return -errno;
	for (int i = 1; i < r->argc; i++) {
		const char *a = r->argv[i];
		char *red = strncmp(a, "--pg=", 5) ? NULL : rs_results_redact(a + 5);
		fprintf(f, "%s%s%s", i > 1 ? " " : "", red ? "--pg=" : "", red ? red : a);
		free(red);
	}
	if (r->db) {
		char *red = rs_results_redact(r->pg_url);
		fprintf(f, " --pg=%s", red ? red : "(redacted)");
		free(red);
	}
	return fclose(f) ? -ENOMEM : 0;
}

/* The server's environment, made before the fork (the child of a threaded
 * process must not allocate): ours, with RINGSIDE_PG_URL set to the run's
 * database or removed when the workload has none. */
static char **server_env(const struct run *r, char **pg_var)
{
	extern char **environ;
	size_t n = 0, k = 0;

	*pg_var = NULL;
	if (r->db && asprintf(pg_var, "RINGSIDE_PG_URL=%s", r->pg_url) < 0)
		return NULL;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	if (!env) {
		free(*pg_var);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "RINGSIDE_PG_URL=", 16))
			env[k++] = environ[i];
	if (*pg_var)
		env[k++] = *pg_var;
	env[k] = NULL;
	return env;
}

static void __attribute__((noreturn)) server_child(struct run *r, pid_t parent, int log, char **env)
{
	/* The server dies with us; a terminal's ^C reaches only the harness,
	 * which ends the load first and then stops the server itself. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	setpgid(0, 0);
	/* Not the harness's pinning: the server pins its reactors itself. */
	sched_setaffinity(0, sizeof(r->affinity), &r->affinity);
	int null = open("/dev/null", O_RDONLY);
	dup2(null, 0);
	dup2(log, 1);
	dup2(log, 2);
	execve(r->argv[0], r->argv, env);
	static const char msg[] = "ringside: cannot run ringside-server\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(127);
}

int rs_run_server_start(struct run *r)
{
	char log[4096];
	pid_t parent = getpid();

	r->port = rs_port_free();
	if (r->port < 0)
		return r->port;
	int err = build_argv(r);
	if (!err)
		err = redacted_flags(r);
	if (err)
		return err;
	snprintf(log, sizeof(log), "%s/server.log", r->dir);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "ringside: %s: %s\n", log, strerror(errno));
		return err;
	}
	char *pg_var;
	char **env = server_env(r, &pg_var);
	if (!env) {
		close(fd);
		return -ENOMEM;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		server_child(r, parent, fd, env);
	err = pid < 0 ? -errno : 0;
	free(env);
	free(pg_var);
	close(fd);
	if (err)
		return err;
	r->pid = r->server_pid = pid;
	return 0;
}

/* The last lines the server wrote: why it did not start, usually. */
static void print_log_tail(const struct run *r)
{
	char path[4096], buf[2048];

	snprintf(path, sizeof(path), "%s/server.log", r->dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	const char *p = from ? strchr(buf, '\n') : buf;
	fprintf(stderr, "ringside: the server's stderr (%s) ends with:\n%s", path, p ? p + (from != 0) : buf);
	if (buf[n - 1] != '\n')
		fputc('\n', stderr);
}

static void record_exit(struct run *r, int status)
{
	r->exited = true;
	r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->pid = 0;
}

/* GET path once: the status code, or a negative errno; the body's first line into why. */
static int http_status(int port, const char *path, char *why, size_t why_size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 2, 0 };
	char buf[1024];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -EIO;

	why[0] = '\0';
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		status = -errno;
		goto out_close;
	}
	int n = snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		goto out_close;
	ssize_t got = recv(fd, buf, sizeof(buf) - 1, 0);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		status = -ETIMEDOUT;
	if (got > 0) {
		buf[got] = '\0';
		if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
			status = -EPROTO;
		const char *body = strstr(buf, "\r\n\r\n");
		if (body)
			snprintf(why, why_size, "%.*s", (int)strcspn(body + 4, "\r\n"), body + 4);
	}
out_close:
	close(fd);
	return status;
}

/* The server's own line saying it cannot reach its database, if it wrote one. */
static bool db_failure_line(const struct run *r, char *line, size_t size)
{
	char path[4096], buf[256];
	bool found = false;

	snprintf(path, sizeof(path), "%s/server.log", r->dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(buf, sizeof(buf), f))
		if (strstr(buf, "Postgres connect failed")) {
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(line, size, "%s", buf);
			found = true;
		}
	fclose(f);
	return found;
}

/* Until GET of the workload's path answers 200: listening, pool warm, DB reachable.
 * Fails at once on a 4xx (the request itself is wrong, waiting will not help) and
 * after FAIL_FAST_S when the server says it cannot connect to Postgres. */
#define FAIL_FAST_S 3
int rs_run_server_ready(struct run *r)
{
	double start = rs_sampler_now(), deadline = start + 30;
	char why[256] = "", line[256];
	int status, last = 0;

	while (rs_sampler_now() < deadline) {
		if (rs_run_interrupted())
			return -EINTR;
		if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
			record_exit(r, status);
			fprintf(stderr, "ringside: %s server exited while starting (status %d)\n", r->cfg->engine,
				r->exit_status);
			print_log_tail(r);
			return -ECHILD;
		}
		last = http_status(r->port, r->path, why, sizeof(why));
		if (last == 200)
			return 0;
		if (last >= 400 && last < 500) {
			fprintf(stderr, "ringside: the server answered GET %s with %d: %s\n", r->path, last,
				why[0] ? why : "(no body)");
			return -EINVAL;
		}
		if (rs_sampler_now() - start >= FAIL_FAST_S && r->db && db_failure_line(r, line, sizeof(line))) {
			char *red = rs_results_redact(r->pg_url);
			fprintf(stderr, "ringside: the server cannot reach its database (%s):\n%s\n",
				red ? red : "(redacted)", line);
			free(red);
			return -ECONNREFUSED;
		}
		usleep(50000);
	}
	fprintf(stderr, "ringside: the server did not answer GET %s with 200 within 30 s (last: %d%s%s%s%s)\n",
		r->path, last, last < 0 ? " " : "", last < 0 ? strerror(-last) : "", why[0] ? ": " : "", why);
	print_log_tail(r);
	return -ETIMEDOUT;
}

/* SIGTERM: the server finishes what is in flight and exits; SIGKILL after 10 s. */
void rs_run_server_stop(struct run *r)
{
	int status = 0;

	if (r->pid <= 0)
		return;
	kill(r->pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		pid_t p = waitpid(r->pid, &status, WNOHANG);
		if (p == r->pid) {
			record_exit(r, status);
			return;
		}
		usleep(20000);
	}
	fprintf(stderr, "ringside: the server ignored SIGTERM for 10 s: killed\n");
	kill(r->pid, SIGKILL);
	while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
		;
	record_exit(r, status);
	r->killed = true;
}

void rs_run_server_free(struct run *r)
{
	rs_run_server_stop(r);
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	r->argc = 0;
	free(r->flags);
	r->flags = NULL;
}
