/* run_remote.c - `harness run --server-host`: the server on another host through `harness server-agent` over ssh, its log and samples brought back. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "remote.h"
#include "results.h"
#include "run_int.h"

struct rs_rsrv {
	struct rs_remote r;
	double offset_us, unc_us;
	char rdir[256];
	pid_t pid;		/* its ssh */
	int to_fd, from_fd;	/* the agent's stdin, and its stdout+stderr */
	char buf[8192];		/* what from_fd gave that is not yet a whole line */
	size_t len;
	bool stopped;
};

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int rs_rsrv_setup(struct run *r)
{
	const char *w = r->cfg->workload;
	if (!strcmp(w, "file") || r->cfg->fault) {
		fprintf(stderr, "ringside: --server-host: %s is not supported there (the files and faults are this host's)\n",
			r->cfg->fault ? "--fault" : "--workload=file");
		return -EINVAL;
	}
	if ((!strcmp(w, "redis-get") || !strcmp(w, "cached-queries")) && !r->cfg->redis) {
		fprintf(stderr, "ringside: --server-host: %s needs --redis=URL, a Redis the server host reaches\n", w);
		return -EINVAL;
	}
	struct rs_rsrv *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r->rsrv = s;
	s->to_fd = s->from_fd = -1;
	if (rs_remote_parse(r->cfg->server_host, &s->r))
		return -EINVAL;
	int err = rs_mh_check_host(&s->r, rs_mh_remote_harness(r), &s->offset_us, &s->unc_us, NULL);
	if (err)
		return err;
	fprintf(stderr, "ringside: server host %s: clock offset %+.3f ms (+-%.3f ms)\n", s->r.spec, s->offset_us / 1000,
		s->unc_us / 1000);
	/* The server is not here: every CPU of ours is the load generator's; its backends are not ours to count. */
	r->nlg = 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &r->affinity))
			r->lg_cpus[r->nlg++] = c;
	r->nserver = 0;
	r->oversubscribed = false;
	snprintf(r->lg_list, sizeof r->lg_list, "all %d of this host", r->nlg);
	r->postmaster = 0;
	snprintf(r->pg_why, sizeof r->pg_why, "the server runs on %.60s: backends not counted", s->r.host);
	r->listen_any = true;
	return 0;
}

/* The next line the agent wrote, waiting up to timeout_s; lines that are messages go to stderr. */
static int agent_line(struct rs_rsrv *s, const char *want, char *out, size_t size, int timeout_s)
{
	double deadline = wall() + timeout_s;
	for (;;) {
		char *nl;
		while ((nl = memchr(s->buf, '\n', s->len))) {
			*nl = '\0';
			bool match = !strncmp(s->buf, want, strlen(want)) || !strncmp(s->buf, "flags ", 6);
			if (match)
				snprintf(out, size, "%.*s", (int)size - 1, s->buf);
			else
				fprintf(stderr, "ringside: %s: %s\n", s->r.spec, s->buf);
			size_t used = (size_t)(nl + 1 - s->buf);
			memmove(s->buf, nl + 1, s->len - used);
			s->len -= used;
			if (match)
				return 0;
		}
		double left = deadline - wall();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { s->from_fd, POLLIN, 0 };
		int n = poll(&p, 1, (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		if (s->len == sizeof s->buf - 1)
			s->len = 0;	/* a line longer than the buffer: drop it */
		ssize_t got = read(s->from_fd, s->buf + s->len, sizeof s->buf - 1 - s->len);
		if (got <= 0) {
			if (s->len) {	/* a last line with no newline */
				s->buf[s->len] = '\0';
				fprintf(stderr, "ringside: %s: %s\n", s->r.spec, s->buf);
				s->len = 0;
			}
			return -EPIPE;
		}
		s->len += (size_t)got;
	}
}

static int agent_cmd(const struct run *r, char *cmd, size_t size)
{
	const struct rs_run_cfg *c = r->cfg;
	struct rs_rsrv *s = r->rsrv;
	char qh[PATH_MAX + 8], qd[600], qf[1100] = "", qr[600] = "", qe[128], qw[128], qm[64];
	if (rs_remote_quote(rs_mh_remote_harness(r), qh, sizeof qh) || rs_remote_quote(s->rdir, qd, sizeof qd) ||
	    rs_remote_quote(c->engine, qe, sizeof qe) || rs_remote_quote(c->workload, qw, sizeof qw) ||
	    rs_remote_quote(c->pg_mode, qm, sizeof qm) ||
	    (c->server_flags && rs_remote_quote(c->server_flags, qf, sizeof qf)) ||
	    (c->redis && rs_remote_quote(c->redis, qr, sizeof qr)))
		return -ENAMETOOLONG;
	int n = snprintf(cmd, size,
			 "rm -rf %s && exec %s server-agent --out=%s --engine=%s --workload=%s --queries=%ld "
			 "--sleep-ms=%ld --cores=%ld --conns=%ld --pool=%ld --pg-mode=%s%s%s%s%s",
			 qd, qh, qd, qe, qw, c->queries, c->sleep_ms, c->cores, c->conns, c->pool, qm,
			 *qf ? " --server-flags=" : "", qf, *qr ? " --redis=" : "", qr);
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

int rs_rsrv_start(struct run *r)
{
	struct rs_rsrv *s = r->rsrv;
	char cmd[4096], line[4096];
	int p[2];

	snprintf(s->rdir, sizeof s->rdir, "/tmp/ringside-server-%d-%ld", (int)getpid(), (long)wall());
	int err = agent_cmd(r, cmd, sizeof cmd);
	if (err)
		return err;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	s->pid = rs_remote_start(&s->r, cmd, &s->to_fd, p[1]);
	close(p[1]);
	s->from_fd = p[0];
	if (s->pid < 0)
		return (int)s->pid;
	/* The URL on stdin: the password stays out of every command line. */
	dprintf(s->to_fd, "%s\n", r->db ? r->pg_url : "");
	while (!(err = agent_line(s, "ready ", line, sizeof line, 60)) && !strncmp(line, "flags ", 6))
		r->flags = strdup(line + 6);
	if (err) {
		fprintf(stderr, "ringside: server host %s: the server did not start there (%s)\n", s->r.spec,
			err == -ETIMEDOUT ? "no answer within 60 s" : "the agent ended");
		return err == -ETIMEDOUT ? err : -ECHILD;
	}
	int pid, port;
	char cpus[2048] = "";
	if (sscanf(line, "ready %d %d %d %2047s", &port, &pid, &r->machine_cpus, cpus) < 3)
		return -EPROTO;
	r->port = port;
	r->server_pid = pid;
	snprintf(r->server_list, sizeof r->server_list, "%s", cpus);
	r->nserver = rs_parse_cpu_list(cpus, r->server_cpus, CPU_SETSIZE);
	if (r->nserver < 0)
		r->nserver = 0;
	if (!r->cfg->quiet)
		fprintf(stderr, "ringside: server on %s (pid %d there, reactors on its CPU %s), port %d\n", s->r.spec, pid,
			cpus, port);
	return 0;
}

int rs_rsrv_stop(struct run *r)
{
	struct rs_rsrv *s = r->rsrv;
	char line[256];
	if (!s || s->stopped || s->pid <= 0)
		return 0;
	s->stopped = true;
	if (write(s->to_fd, "stop\n", 5) != 5)
		fprintf(stderr, "ringside: server host %s: the agent is gone\n", s->r.spec);
	int err = agent_line(s, "stopped ", line, sizeof line, 30);
	int killed = 0;
	if (!err && sscanf(line, "stopped %d %d", &r->exit_status, &killed) != 2)
		err = -EPROTO;
	r->exited = !err;
	r->killed = killed;
	close(s->to_fd);
	s->to_fd = -1;
	int st = rs_remote_wait(s->pid, 20);
	s->pid = 0;
	if (err || st) {
		fprintf(stderr, "ringside: server host %s: the agent did not stop cleanly (status %d)\n", s->r.spec, st);
		return err ? err : -EIO;
	}
	err = rs_remote_fetch(&s->r, s->rdir, r->dir, 120);
	if (err)
		return err;
	/* Its samples onto our CLOCK_MONOTONIC: its Unix time, minus its offset, minus our realtime-monotonic. */
	char path[4200];
	snprintf(path, sizeof path, "%s/samples.txt", r->dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	err = rs_sampler_load(f, rs_sampler_now() - wall() - s->offset_us / 1e6, &r->sampler);
	fclose(f);
	if (err)
		fprintf(stderr, "ringside: server host %s: %s is not a samples file\n", s->r.spec, path);
	return err;
}

void rs_rsrv_free(struct run *r)
{
	struct rs_rsrv *s = r->rsrv;
	if (!s)
		return;
	if (s->to_fd >= 0)
		close(s->to_fd);	/* EOF there: the agent stops the server */
	if (s->pid > 0 && rs_remote_wait(s->pid, 20) < 0)
		fprintf(stderr, "ringside: server host %s: its ssh did not end\n", s->r.spec);
	if (s->from_fd >= 0)
		close(s->from_fd);
	free(s);
	r->rsrv = NULL;
}

json_t *rs_rsrv_json(const struct run *r)
{
	const struct rs_rsrv *s = r->rsrv;
	return json_pack("{s:s, s:f, s:f, s:s, s:i}", "host", s->r.spec, "clock_offset_us", s->offset_us,
			 "clock_uncertainty_us", s->unc_us, "addr", rs_mh_server_addr(r), "machine_cpus", r->machine_cpus);
}
