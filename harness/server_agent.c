/* server_agent.c - `harness server-agent`: what --server-host runs over ssh: the server started, pinned and sampled there, stopped on "stop" or stdin EOF. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "run_int.h"

/*
 * The conversation on stdin/stdout (run_remote.c is the other end):
 *   in:  the Postgres URL on the first line (empty: none; never in argv, where ps shows it)
 *   out: "flags F" (the server's command line, redacted), "ready PORT PID MACHINE_CPUS CPU,CPU,..."
 *   in:  "stop"; or EOF (the ssh session ended): the server is stopped all the same
 *   out: "stopped EXIT_STATUS KILLED", once DIR/samples.txt and DIR/server.log are written
 * Anything else on stdout/stderr is a message for the user.
 */

/* One line of stdin, read bytewise so that nothing after it is buffered away from poll(). */
static int read_line(char *buf, size_t size)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t got = read(0, &c, 1);
		if (got < 0 && errno == EINTR) {
			if (rs_run_interrupted())
				return -EINTR;
			continue;
		}
		if (got <= 0)
			return n ? (int)n : -EPIPE;
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return (int)n;
}

/* Until "stop", stdin's EOF, or a signal. */
static void wait_for_stop(void)
{
	char line[64];
	while (!rs_run_interrupted()) {
		struct pollfd p = { 0, POLLIN, 0 };
		if (poll(&p, 1, 200) <= 0)
			continue;
		if (read_line(line, sizeof line) < 0 || !strcmp(line, "stop"))
			return;
	}
}

static int save_samples(const struct run *r)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/samples.txt", r->dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	int err = rs_sampler_save(r->sampler, f);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int agent(struct run *r)
{
	const struct rs_run_cfg *c = r->cfg;
	r->preset = rs_run_preset(c->engine);
	if (!r->preset)
		return -EINVAL;
	r->db = rs_run_workload_needs_db(c->workload);
	int err = rs_run_workload_path(c, r->path, sizeof r->path);
	if (!err)
		err = rs_run_place(r);
	if (!err)
		err = rs_mkdir_p(r->dir);
	if (err)
		return err;
	if (read_line(r->pg_url, sizeof r->pg_url) < 0)
		return -EPIPE;
	if (r->db && !r->pg_url[0]) {
		fprintf(stderr, "server-agent: %s needs a database and no URL came on stdin\n", c->workload);
		return -EINVAL;
	}
	if (c->redis)
		snprintf(r->redis_url, sizeof r->redis_url, "%s", c->redis);
	r->listen_any = true;
	err = rs_run_server_start(r);
	if (!err)
		err = rs_run_server_ready(r);
	if (err)
		return err;
	struct rs_sampler_cfg scfg = { .pid = r->pid, .syscalls = true };
	if ((err = rs_sampler_start(&scfg, &r->sampler))) {
		fprintf(stderr, "server-agent: cannot sample the server: %s\n", strerror(-err));
		return err;
	}
	printf("flags %s\nready %d %d %d %s\n", r->flags, r->port, (int)r->server_pid, r->machine_cpus,
	       r->server_list);
	fflush(stdout);
	wait_for_stop();
	rs_sampler_stop(r->sampler);
	rs_run_server_stop(r);
	err = save_samples(r);
	if (err)
		fprintf(stderr, "server-agent: cannot write %s/samples.txt: %s\n", r->dir, strerror(-err));
	printf("stopped %d %d\n", r->exit_status, r->killed);
	fflush(stdout);
	return err;
}

int rs_server_agent_main(int argc, char **argv)
{
	struct rs_run_cfg cfg;
	const char *out = NULL;
	rs_run_cfg_defaults(&cfg);
	struct rs_opt opts[RS_RUN_MAX_OPTS];
	int n = rs_run_opts(&cfg, opts, true);
	opts[n++] = (struct rs_opt){ "out", RS_OPT_STR, &out, .help = "where server.log and samples.txt go (required)" };
	opts[n] = (struct rs_opt){ NULL };
	int err = rs_opts_parse("server-agent", opts, argc, argv, 1, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	if (!out) {
		fprintf(stderr, "server-agent: --out=DIR is required\n");
		return 2;
	}
	rs_run_catch_signals();
	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	r->cfg = &cfg;
	r->dir = out;
	err = agent(r);
	rs_sampler_free(r->sampler);
	rs_run_server_free(r);
	free(r);
	return err ? 1 : 0;
}
