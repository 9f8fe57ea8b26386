/* multihost.c - `harness run --loadgen-hosts`: the load split across hosts over ssh, started at one agreed instant, merged here. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hist_file.h"
#include "remote.h"
#include "rs_build_info.h"
#include "run_int.h"

#define MAX_HOSTS 64
#define MAX_UNCERTAINTY_US 10000.0	/* the bound: hosts that cannot agree within 10 ms do not start */
#define START_MARGIN_S 5		/* at least, from the decision to the agreed start: every ssh session must be up by then */

struct mh_host {
	struct rs_remote r;
	double offset_us, unc_us;
	int conns;
	long rate;
	char rdir[256];		/* its run directory over there */
	char dir[4200];		/* the copy here */
	pid_t pid;
	int to_fd, status;
	bool running, failed;
	json_t *run;		/* its run.json, once copied back */
};

struct rs_mh {
	struct mh_host h[MAX_HOSTS];
	int n;
	double setup_s;		/* the slowest `harness --version` over ssh: how long a session takes to start */
	double start_at;	/* the agreed instant, our Unix time */
};

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *rs_mh_remote_harness(const struct run *r)
{
	static char self[PATH_MAX];
	if (r->cfg->remote_harness)
		return r->cfg->remote_harness;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	return self;
}

const char *rs_mh_server_addr(const struct run *r)
{
	static char name[256];
	if (r->cfg->server_addr)
		return r->cfg->server_addr;
	if (r->cfg->server_host) {
		struct rs_remote s;
		if (!rs_remote_parse(r->cfg->server_host, &s)) {
			snprintf(name, sizeof name, "%s", s.host);
			return name;
		}
	}
	/* The server runs here: the load generator hosts reach it by our name. */
	if (gethostname(name, sizeof name))
		snprintf(name, sizeof name, "localhost");
	return name;
}

/* The commit without "-dirty": a build from `harness deploy` (git archive HEAD) is never dirty. */
static void clean_commit(const char *c, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)strcspn(c, " \n"), c);
	char *d = strstr(out, "-dirty");
	if (d)
		*d = '\0';
}

int rs_mh_check_host(const struct rs_remote *h, const char *harness, double *offset_us, double *unc_us, double *setup_s)
{
	char q[PATH_MAX + 8], cmd[PATH_MAX + 64], out[4096];
	if (rs_remote_quote(harness, q, sizeof q))
		return -ENAMETOOLONG;
	snprintf(cmd, sizeof cmd, "%s --version", q);
	double t0 = wall();
	int rc = rs_remote_run(h, cmd, out, sizeof out, 20);
	if (setup_s)
		*setup_s = wall() - t0;
	if (rc == 255 || rc == -ETIMEDOUT) {
		out[strcspn(out, "\n")] = '\0';
		fprintf(stderr, "harness: %s: unreachable: %s\n", h->spec,
			rc == -ETIMEDOUT ? "no answer within 20 s" : *out ? out : "ssh failed");
		return -EHOSTUNREACH;
	}
	const char *line = strstr(out, "commit: ");
	if (rc || !line) {
		out[strcspn(out, "\n")] = '\0';
		fprintf(stderr, "harness: %s: `%s --version` failed (status %d): %s; `harness deploy %s` builds one there, "
				"--remote-harness=PATH names another\n", h->spec, harness, rc, *out ? out : "no output", h->spec);
		return -ENOENT;
	}
	char theirs[128], ours[128];
	clean_commit(line + 8, theirs, sizeof theirs);
	clean_commit(RS_COMMIT, ours, sizeof ours);
	if (strcmp(theirs, ours)) {
		fprintf(stderr, "harness: %s: its harness (%s) is at commit %s, this one at %s: `harness deploy %s` "
				"brings it to this commit\n", h->spec, harness, theirs, ours, h->spec);
		return -ESTALE;
	}
	int err = rs_remote_clock_offset(h, 20, offset_us, unc_us);
	if (err)
		return err;
	if (*unc_us > MAX_UNCERTAINTY_US) {
		fprintf(stderr, "harness: %s: its clock offset is known only to +-%.1f ms (over 10 ms): the hosts cannot "
				"start measuring at one instant\n", h->spec, *unc_us / 1000);
		return -ERANGE;
	}
	return 0;
}

int rs_mh_setup(struct run *r)
{
	struct rs_mh *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	r->mh = m;
	const char *list = r->cfg->loadgen_hosts;
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		char spec[256];
		if (m->n == MAX_HOSTS || len >= sizeof spec) {
			fprintf(stderr, "ringside: --loadgen-hosts: at most %d hosts of up to 255 characters\n", MAX_HOSTS);
			return -EINVAL;
		}
		snprintf(spec, sizeof spec, "%.*s", (int)len, p);
		if (rs_remote_parse(spec, &m->h[m->n].r))
			return -EINVAL;
		m->n++;
		p += len + (p[len] == ',');
	}
	if (!m->n || m->n > r->cfg->conns) {
		fprintf(stderr, "ringside: --loadgen-hosts: %s (accepted: ssh://[user@]host[:port][,ssh://...], "
				"no more hosts than --conns)\n", m->n ? "more hosts than connections" : "no host");
		return -EINVAL;
	}
	if (r->cfg->fault) {
		fprintf(stderr, "ringside: --loadgen-hosts: --fault is not supported across hosts (the faults are injected by this host's load generator)\n");
		return -EINVAL;
	}
	const char *harness = rs_mh_remote_harness(r);
	for (int i = 0; i < m->n; i++) {
		struct mh_host *h = &m->h[i];
		double setup;
		int err = rs_mh_check_host(&h->r, harness, &h->offset_us, &h->unc_us, &setup);
		if (err)
			return err;
		if (setup > m->setup_s)
			m->setup_s = setup;
		/* Connections and rate divided: the first hosts take the remainders. */
		h->conns = (int)(r->cfg->conns / m->n + (i < r->cfg->conns % m->n));
		h->rate = r->cfg->rate / m->n + (i < r->cfg->rate % m->n);
		h->to_fd = -1;
		fprintf(stderr, "ringside: load generator host %s: clock offset %+.3f ms (+-%.3f ms), %d connections%s\n",
			h->r.spec, h->offset_us / 1000, h->unc_us / 1000, h->conns, r->cfg->rate ? "" : ", closed loop");
	}
	r->listen_any = true;
	r->nlg = 0;	/* no load generator here: placement.loadgen_cpus is empty, each host has its own */
	return 0;
}

/* The loadgen command line for host h, quoted for its shell. */
/* Poisson over several hosts: independent streams of rate/n each, which
 * together are one Poisson stream of the whole rate, so each host draws
 * its gaps from a seed of its own (the same seed would repeat one
 * schedule on every host). */
static int host_seed(const struct run *r, const struct mh_host *h)
{
	return 1 + (int)(h - r->mh->h) * 1000003; /* apart by more than any host's connections */
}

static int host_cmd(const struct run *r, const struct mh_host *h, char *cmd, size_t size)
{
	const struct rs_run_cfg *c = r->cfg;
	char url[600], q_harness[PATH_MAX + 8], q_url[1300], q_dir[600], paths[RS_FILES_MAX_PATHS * 100] = "",
		q_paths[sizeof paths * 2];
	snprintf(url, sizeof url, "http://%s:%d%s", rs_mh_server_addr(r), r->port, r->path);
	for (int i = 0; i < r->nfile_paths; i++)
		snprintf(paths + strlen(paths), sizeof paths - strlen(paths), "%s%s", i ? "," : "", r->file_paths[i]);
	if (rs_remote_quote(rs_mh_remote_harness(r), q_harness, sizeof q_harness) ||
	    rs_remote_quote(url, q_url, sizeof q_url) || rs_remote_quote(h->rdir, q_dir, sizeof q_dir) ||
	    rs_remote_quote(paths, q_paths, sizeof q_paths))
		return -ENAMETOOLONG;
	/* The start instant in that host's clock: ours plus its offset. */
	int n = snprintf(cmd, size,
			 "rm -rf %s && exec %s loadgen --url=%s%s%s --conns=%d --rate=%ld --threads=%ld --pipeline=%ld "
			 "--arrival=%s --seed=%d --duration=%ld --warmup=%ld --timeout-ms=%ld --start-at=%.6f --stop-on-eof --out=%s",
			 q_dir, q_harness, q_url, *paths ? " --paths=" : "", *paths ? q_paths : "", h->conns, h->rate,
			 c->threads, c->pipeline, !strcmp(c->arrival, "poisson") ? "poisson" : "uniform",
			 host_seed(r, h), c->duration, c->warmup, c->timeout_ms, r->mh->start_at + h->offset_us / 1e6, q_dir);
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

/* The last line host h's ssh wrote (its log), for a failure message. */
static void last_line(const struct mh_host *h, char *out, size_t size)
{
	char path[4300], buf[4096];
	snprintf(path, sizeof path, "%s/loadgen.log", h->dir);
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	while (f && fgets(buf, sizeof buf, f))
		if (buf[strspn(buf, " \n")])
			snprintf(out, size, "%.*s", (int)strcspn(buf, "\n"), buf);
	if (f)
		fclose(f);
}

static void stop_all(struct rs_mh *m)
{
	for (int i = 0; i < m->n; i++)
		if (m->h[i].to_fd >= 0) {
			close(m->h[i].to_fd);	/* EOF there: the loadgen stops, writes what it has, exits */
			m->h[i].to_fd = -1;
		}
}

static int start_hosts(struct run *r)
{
	struct rs_mh *m = r->mh;
	char cmd[8192];
	/* Room for every session to start (a loaded machine starts them slowly), then the warm-up. */
	double margin = 3 * m->setup_s + 2;
	m->start_at = wall() + (margin > START_MARGIN_S ? margin : START_MARGIN_S) + (double)r->cfg->warmup;
	for (int i = 0; i < m->n; i++) {
		struct mh_host *h = &m->h[i];
		snprintf(h->rdir, sizeof h->rdir, "/tmp/ringside-loadgen-%d-%d-%ld", (int)getpid(), i + 1,
			 (long)m->start_at);
		snprintf(h->dir, sizeof h->dir, "%s/loadgen-%d", r->dir, i + 1);
		int err = rs_mkdir_p(h->dir);
		if (!err)
			err = host_cmd(r, h, cmd, sizeof cmd);
		if (err)
			return err;
		char log[4300];
		snprintf(log, sizeof log, "%s/loadgen.log", h->dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		h->pid = rs_remote_start(&h->r, cmd, &h->to_fd, fd);
		close(fd);
		if (h->pid < 0)
			return (int)h->pid;
		h->running = true;
	}
	return 0;
}

/* Until every host's loadgen has ended; one that fails stops the others. */
static int wait_hosts(struct run *r)
{
	struct rs_mh *m = r->mh;
	double deadline = m->start_at + (double)r->cfg->duration + 60;
	int left = m->n, err = 0;
	bool stopping = false;
	while (left) {
		if (!stopping && (rs_run_interrupted() || err)) {
			stop_all(m);
			stopping = true;
			deadline = wall() + 20;
		}
		for (int i = 0; i < m->n; i++) {
			struct mh_host *h = &m->h[i];
			int st;
			if (!h->running || waitpid(h->pid, &st, WNOHANG) != h->pid)
				continue;
			h->running = false;
			left--;
			h->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			if (h->status && !stopping) {
				char why[512];
				last_line(h, why, sizeof why);
				fprintf(stderr, "ringside: load generator host %s failed (%s %d): %s\n", h->r.spec,
					h->status == 255 ? "ssh status" : "exit status", h->status, *why ? why : "no message");
				h->failed = true;
				err = -EIO;
			}
		}
		if (left && wall() > deadline) {
			for (int i = 0; i < m->n; i++)
				if (m->h[i].running) {
					fprintf(stderr, "ringside: load generator host %s did not finish in time: stopped\n",
						m->h[i].r.spec);
					kill(m->h[i].pid, SIGTERM);
				}
			deadline = wall() + 10;
			err = err ? err : -ETIMEDOUT;
		}
		usleep(50000);
	}
	stop_all(m);
	return err;
}

/* Host h's copied run: run.json parsed, its histograms merged into the run's. */
static int merge_host(struct run *r, struct mh_host *h)
{
	char path[4400];
	json_error_t je;
	snprintf(path, sizeof path, "%s/run.json", h->dir);
	h->run = json_load_file(path, 0, &je);
	json_t *s = json_object_get(h->run, "summary");
	if (!s) {
		fprintf(stderr, "ringside: %s: no summary in %s\n", h->r.spec, path);
		return -EINVAL;
	}
	struct rs_lg_result *res = &r->res;
	json_t *e = json_object_get(s, "errors");
	res->requests += (uint64_t)json_integer_value(json_object_get(s, "requests"));
	res->connect_errors += (uint64_t)json_integer_value(json_object_get(e, "connect"));
	res->resets += (uint64_t)json_integer_value(json_object_get(e, "reset"));
	res->timeouts += (uint64_t)json_integer_value(json_object_get(e, "timeout"));
	res->non2xx += (uint64_t)json_integer_value(json_object_get(e, "non2xx"));
	res->invalid += (uint64_t)json_integer_value(json_object_get(e, "invalid"));
	json_t *bad = json_object_get(e, "first_bad");
	if (bad && !res->first_bad_status) {
		res->first_bad_status = (int)json_integer_value(json_object_get(bad, "status"));
		const char *body = json_string_value(json_object_get(bad, "body"));
		snprintf(res->first_bad_body, sizeof(res->first_bad_body), "%s", body ? body : "");
	}
	double el = json_number_value(json_object_get(s, "elapsed_s"));
	if (el > res->elapsed_s)
		res->elapsed_s = el;
	res->partial |= json_is_true(json_object_get(s, "partial"));
	res->rate_unsustained |= json_is_false(json_object_get(s, "sustained"));	/* schema 2 */
	json_t *lg = json_object_get(h->run, "loadgen");
	json_t *u = json_object_get(lg, "cpu_user_s"), *y = json_object_get(lg, "cpu_sys_s");
	if (res->cpu_user_s >= 0 && json_is_number(u) && json_is_number(y)) {
		res->cpu_user_s += json_number_value(u);
		res->cpu_sys_s += json_number_value(y);
	} else {
		res->cpu_user_s = res->cpu_sys_s = -1;
	}

	struct rs_hist *tmp;
	int err = rs_hist_new(&tmp);
	if (err)
		return err;
	static const char *const names[] = { "latency.hist", "latency_raw.hist" };
	struct rs_hist *into[] = { res->latency, res->latency_raw };
	for (int k = 0; k < 2 && !err; k++) {
		snprintf(path, sizeof path, "%s/%s", h->dir, names[k]);
		if (!(err = rs_hist_load_counts(path, tmp)))
			rs_hist_merge(into[k], tmp);
		else
			fprintf(stderr, "ringside: %s: cannot read %s: %s\n", h->r.spec, path, strerror(-err));
	}
	rs_hist_free(tmp);
	return err;
}

/* timeline.tsv's requests and errors of every host, summed per second. */
static void merge_timeline(struct rs_lg_result *res, const struct mh_host *h)
{
	char path[4400], line[512];
	snprintf(path, sizeof path, "%s/timeline.tsv", h->dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		int sec;
		unsigned long long req, errs;
		if (sscanf(line, "%d %llu %llu", &sec, &req, &errs) != 3 || sec < 1 || sec > res->nseconds)
			continue;
		res->seconds[sec - 1].requests += req;
		res->seconds[sec - 1].errors += errs;
	}
	fclose(f);
}

/* Each second's percentiles, and latency.hlog's interval, from the merge of every host's histogram of that second. */
static int merge_seconds(struct run *r)
{
	struct rs_lg_result *res = &r->res;
	struct rs_hist *sec, *tmp;
	int err = rs_hist_new(&sec);
	if (err)
		return err;
	if ((err = rs_hist_new(&tmp))) {
		rs_hist_free(sec);
		return err;
	}
	for (int s = 0; s < res->nseconds; s++) {
		rs_hist_reset(sec);
		for (int i = 0; i < r->mh->n; i++) {
			char path[4400];
			snprintf(path, sizeof path, "%s/seconds/%d.hist", r->mh->h[i].dir, s + 1);
			if (!rs_hist_load_counts(path, tmp))
				rs_hist_merge(sec, tmp);
		}
		res->seconds[s].p50_us = rs_hist_percentile(sec, 50);
		res->seconds[s].p99_us = rs_hist_percentile(sec, 99);
		/* Kept for latency.hlog's interval of that second (NULL: left out, as one host does). */
		if (rs_hist_snap_new(sec, &res->seconds[s].hist))
			res->seconds[s].hist = NULL;
	}
	rs_hist_free(tmp);
	rs_hist_free(sec);
	return 0;
}

static int merge(struct run *r)
{
	struct rs_lg_result *res = &r->res;
	*res = (struct rs_lg_result){ .target_rate = (double)r->cfg->rate };
	if (rs_hist_new(&res->latency) || rs_hist_new(&res->latency_raw))
		return -ENOMEM;
	res->nseconds = (int)r->cfg->duration;
	res->seconds = calloc((size_t)res->nseconds, sizeof(*res->seconds));
	if (!res->seconds)
		return -ENOMEM;
	for (int i = 0; i < r->mh->n; i++) {
		int err = merge_host(r, &r->mh->h[i]);
		if (err)
			return err;
		merge_timeline(res, &r->mh->h[i]);
	}
	res->rps = res->elapsed_s > 0 ? (double)res->requests / res->elapsed_s : 0;
	int last = 0;
	for (int s = 0; s < res->nseconds; s++)
		if (res->seconds[s].requests || res->seconds[s].errors)
			last = s + 1;
	if (res->partial)
		res->nseconds = last;
	return merge_seconds(r);
}

int rs_mh_measure(struct run *r)
{
	struct rs_mh *m = r->mh;
	int err = start_hosts(r);
	if (!err) {
		time_t at = (time_t)m->start_at;
		char when[32];
		strftime(when, sizeof when, "%H:%M:%S", localtime(&at));
		if (!r->cfg->quiet)
			fprintf(stderr, "ringside: %d load generator hosts measure from %s for %ld s (their output: %s/loadgen-N/loadgen.log)\n",
				m->n, when, r->cfg->duration, r->dir);
	}
	int werr = m->n ? wait_hosts(r) : 0;
	if (err) {
		stop_all(m);
		return err;
	}
	if (werr && !rs_run_interrupted())
		return werr;
	/* Interrupted before a host measured anything: it wrote no directory, and there is nothing to merge. */
	for (int i = 0; i < m->n; i++) {
		err = rs_remote_fetch(&m->h[i].r, m->h[i].rdir, m->h[i].dir, 120);
		if (err)
			return rs_run_interrupted() ? -EINTR : err;
	}
	err = merge(r);
	if (err)
		return rs_run_interrupted() ? -EINTR : err;
	/* The measured window on our clocks: it started at the agreed instant. */
	r->res.t0_unix_s = m->start_at; /* latency.hlog's StartTime */
	r->wall_end = m->start_at + r->res.elapsed_s;
	r->t_end = rs_sampler_now() - (wall() - r->wall_end);
	r->lg = (struct rs_lg_cfg){
		.host = rs_mh_server_addr(r),
		.port = r->port,
		.paths = { { r->path, 1 } },
		.npaths = 1,
		.threads = (int)r->cfg->threads,
		.conns = (int)r->cfg->conns,
		.pipeline = (int)r->cfg->pipeline,
		.rate = (double)r->cfg->rate,
		.duration_s = (int)r->cfg->duration,
		.warmup_s = (int)r->cfg->warmup,
		.timeout_ms = (int)r->cfg->timeout_ms,
	};
	return 0;
}

json_t *rs_mh_json(const struct run *r)
{
	json_t *a = json_array();
	for (int i = 0; r->mh && i < r->mh->n; i++) {
		const struct mh_host *h = &r->mh->h[i];
		json_t *lg = json_object_get(h->run, "loadgen"), *host = json_object_get(h->run, "host");
		json_t *cpus = json_object_get(lg, "cpus");
		json_t *placement = json_pack("{s:O?, s:O?, s:O?, s:b}", "threads", json_object_get(lg, "threads"),
					      "cpus", cpus, "nproc", json_object_get(host, "nproc"), "pinned",
					      json_array_size(cpus) > 0);
		json_array_append_new(a, json_pack("{s:s, s:s, s:f, s:f, s:i, s:I, s:O?, s:o, s:O?, s:O?}", "host",
						   h->r.spec, "dir", strrchr(h->dir, '/') + 1, "clock_offset_us",
						   h->offset_us, "clock_uncertainty_us", h->unc_us, "conns", h->conns,
						   "rate", (json_int_t)h->rate, "summary",
						   json_object_get(h->run, "summary"), "placement", placement, "machine",
						   host, "commit", json_object_get(h->run, "commit")));
	}
	return a;
}

void rs_mh_free(struct run *r)
{
	if (!r->mh)
		return;
	stop_all(r->mh);
	for (int i = 0; i < r->mh->n; i++) {
		struct mh_host *h = &r->mh->h[i];
		if (h->running) {
			kill(h->pid, SIGTERM);
			waitpid(h->pid, NULL, 0);
		}
		json_decref(h->run);
	}
	free(r->mh);
	r->mh = NULL;
}
