/* run_valid.c - can a run be trusted: errors, listeners on the port, saturation, the load generator probe, interference, steal, a dirty tree. */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "listener.h"
#include "run_int.h"
#include "sampler_int.h"

/* The thresholds README.md documents. */
#define SATURATED 0.90		/* closed loop: server CPUs at least this busy */
#define PROBE_CLIMB 1.05	/* the probe's req/s over the run's: loadgen-bound */
#define INTERFERENCE_MAX 0.05	/* other processes' share of the run's CPUs */
#define STEAL_MAX 0.02

static pid_t parent_of(const pid_t *pid, const pid_t *ppid, int n, pid_t p)
{
	for (int k = 0; k < n; k++)
		if (pid[k] == p)
			return ppid[k];
	return 0;
}

/* The CPU seconds (user + sys) of the harness and every process under it (the server, perf),
 * and of the private redis-server it started (redis, daemonized, so not under it), but not the
 * Postgres cluster pm, which is counted apart. */
static double tree_cpu_s(pid_t pm, pid_t redis)
{
	enum { MAX_PROCS = 1 << 15 };
	pid_t *pid = malloc(MAX_PROCS * sizeof(*pid)), *ppid = malloc(MAX_PROCS * sizeof(*ppid));
	double *cpu = malloc(MAX_PROCS * sizeof(*cpu)), sum = 0;
	struct samp_stat st;
	int n = 0;

	DIR *d = pid && ppid && cpu ? opendir("/proc") : NULL;
	for (struct dirent *de; d && n < MAX_PROCS && (de = readdir(d));) {
		if (!isdigit((unsigned char)de->d_name[0]) || samp_read_stat(de->d_name, &st))
			continue;
		pid[n] = (pid_t)atoi(de->d_name);
		ppid[n] = st.ppid;
		cpu[n++] = st.utime + st.stime;
	}
	if (d)
		closedir(d);
	pid_t self = getpid();
	for (int i = 0; i < n; i++) {
		/* Up the parents until the harness (ours), init, or the postmaster (not ours). */
		pid_t p = pid[i];
		if (redis > 0 && p == redis) {
			sum += cpu[i];
			continue;
		}
		for (int depth = 0; depth < 64 && p > 1 && p != self && p != pm; depth++)
			p = parent_of(pid, ppid, n, p);
		if (p == self)
			sum += cpu[i];
	}
	free(pid);
	free(ppid);
	free(cpu);
	return sum;
}

void rs_run_valid_snap(struct rs_cpu_snap *s, pid_t pm, pid_t redis)
{
	char line[512];

	s->ok = false;
	s->self_cpu_s = tree_cpu_s(pm, redis);
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[10] = { 0 };
		int cpu;
		/* cpuN user nice system idle iowait irq softirq steal guest guest_nice (guest is in user) */
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) < 5 || cpu < 0 || cpu >= RS_VALID_MAX_CPUS)
			continue;
		s->busy[cpu] = v[0] + v[1] + v[2];
		s->irq[cpu] = v[5] + v[6];
		s->steal[cpu] = v[7];
		s->total[cpu] = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		s->ok = true;
	}
	fclose(f);
}

/* After the measured window, the server still up: who listens on its port, and (closed loop)
 * whether twice the connections would have had more answered. */
void rs_run_valid_after(struct run *r)
{
	const struct rs_run_cfg *c = r->cfg;
	struct rs_lg_result res;

	r->listeners = rs_listener_count((uint16_t)r->port, r->listener_who, sizeof(r->listener_who));
	r->probe_rps = -1;
	const char *why = c->rate ? "open loop" : c->fault ? "--fault" : !c->loadgen_probe_s ? "--loadgen-probe-s=0"
		: r->res.partial || rs_run_interrupted() ? "interrupted" : NULL;
	if (why) {
		snprintf(r->probe_why, sizeof(r->probe_why), "%s", why);
		return;
	}
	struct rs_lg_cfg lg = r->lg;
	lg.conns *= 2;
	lg.warmup_s = 0;
	lg.duration_s = (int)c->loadgen_probe_s;
	lg.on_second = NULL;
	lg.on_start = NULL;
	lg.on_window = NULL;
	if (!c->quiet)
		fprintf(stderr, "ringside: loadgen probe: %d s with %d connections\n", lg.duration_s, lg.conns);
	int err = rs_lg_run(&lg, &res);
	if (err) {
		snprintf(r->probe_why, sizeof(r->probe_why), "the probe failed: %s", strerror(-err));
		return;
	}
	if (!res.partial)
		r->probe_rps = res.rps;
	else
		snprintf(r->probe_why, sizeof(r->probe_why), "interrupted");
	rs_lg_result_free(&res);
}

static void reason(struct rs_validity *v, const char *fmt, ...)
{
	va_list ap;

	if (v->nreasons == RS_VALID_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(v->reasons[v->nreasons++], sizeof(v->reasons[0]), fmt, ap);
	va_end(ap);
}

/* Ticks of one column over the window. */
static double delta(const unsigned long long *a, const unsigned long long *b, int cpu)
{
	return b[cpu] >= a[cpu] ? (double)(b[cpu] - a[cpu]) : 0;
}

/* The busy share of a CPU over the window, irq and softirq included (the run's own network work). */
static double util_of(const struct run *r, int cpu)
{
	double t = delta(r->snap0.total, r->snap1.total, cpu);
	return t > 0 ? (delta(r->snap0.busy, r->snap1.busy, cpu) + delta(r->snap0.irq, r->snap1.irq, cpu)) / t : NAN;
}

static json_t *util_list(const struct run *r, const int *cpus, int n, double *mean)
{
	json_t *a = json_array();
	int k = 0;

	*mean = 0;
	for (int i = 0; i < n; i++) {
		double u = util_of(r, cpus[i]);
		json_array_append_new(a, isnan(u) ? json_null() : json_real(u));
		if (!isnan(u)) {
			*mean += u;
			k++;
		}
	}
	*mean = k ? *mean / k : NAN;
	return a;
}

struct shares {
	double interference, steal;	/* NaN: no reading */
};

/*
 * Over the server's and load generator's CPUs: the user+system time no process of the run
 * had (the harness and every process under it: the load generator, the server, perf; the
 * private Postgres cluster, which may run anywhere and is all subtracted), and the steal.
 */
static struct shares shares_of(const struct run *r)
{
	double hz = (double)sysconf(_SC_CLK_TCK), busy = 0, steal = 0, total = 0;
	struct shares s = { NAN, NAN };
	int cpus[2 * CPU_SETSIZE], n = 0;

	if (!r->snap0.ok || !r->snap1.ok || hz <= 0)
		return s;
	for (int i = 0; i < r->nserver; i++)
		cpus[n++] = r->server_cpus[i];
	for (int i = 0; i < r->nlg; i++)
		cpus[n++] = r->lg_cpus[i];
	for (int i = 0; i < n; i++) {
		busy += delta(r->snap0.busy, r->snap1.busy, cpus[i]) / hz;
		steal += delta(r->snap0.steal, r->snap1.steal, cpus[i]) / hz;
		total += delta(r->snap0.total, r->snap1.total, cpus[i]) / hz;
	}
	if (total <= 0)
		return s;
	double ours = (r->snap1.self_cpu_s - r->snap0.self_cpu_s) +
		      (r->postmaster > 0 && r->win.pg_cpu_s > 0 ? r->win.pg_cpu_s : 0);
	s.interference = busy > ours ? (busy - ours) / total : 0;
	s.steal = steal / total;
	return s;
}

/* Closed loop, server CPUs not busy: where the limit is. */
static void unsaturated(const struct run *r, struct rs_validity *v, double server, double lg, int bound)
{
	const struct rs_lg_result *res = &r->res;
	double lg_cpu = res->cpu_user_s >= 0 ? res->cpu_user_s + res->cpu_sys_s : 0;
	double pg_cpu = r->postmaster > 0 && r->win.pg_cpu_s > 0 ? r->win.pg_cpu_s : 0;
	double secs = res->elapsed_s > 0 ? res->elapsed_s : 1;
	char where[200];

	if (bound == 1)
		snprintf(where, sizeof(where), "the load generator (twice the connections answered %.0f%% more)",
			 100 * (r->probe_rps / res->rps - 1));
	else if (r->nlg && lg >= SATURATED)
		snprintf(where, sizeof(where), "%s CPU (load generator CPUs %.0f%% busy: load generator %.2f s, "
			 "Postgres %.2f s)", pg_cpu > lg_cpu ? "Postgres" : "load generator", 100 * lg, lg_cpu, pg_cpu);
	else if (pg_cpu / secs >= SATURATED)
		snprintf(where, sizeof(where), "Postgres CPU (%.1f CPUs busy)", pg_cpu / secs);
	else
		snprintf(where, sizeof(where), "idle (neither the load generator's CPUs nor Postgres busy: the "
			 "server waits, on Postgres, its pool or too few connections)");
	reason(v, "not saturated: server CPUs %.0f%% busy (under %.0f%%); the limit is %s", 100 * server,
	       100 * SATURATED, where);
}

json_t *rs_run_validity_json(struct run *r, bool dirty)
{
	const struct rs_lg_result *res = &r->res;
	struct rs_validity *v = &r->valid;
	double server, lg;

	memset(v, 0, sizeof(*v));
	json_t *su = util_list(r, r->server_cpus, r->nserver, &server);
	json_t *lu = util_list(r, r->lg_cpus, r->nlg, &lg);
	struct shares sh = shares_of(r);
	int bound = r->probe_rps < 0 || res->rps <= 0 ? -1 : r->probe_rps > PROBE_CLIMB * res->rps;

	/* A fault's errors are what it measures. */
	if (rs_run_errors(res) && !r->cfg->fault)
		reason(v, "errors: %llu in the measured window (%llu connect, %llu reset, %llu timeout, %llu non-2xx, "
			  "%llu invalid body)", rs_run_errors(res), (unsigned long long)res->connect_errors,
		       (unsigned long long)res->resets, (unsigned long long)res->timeouts,
		       (unsigned long long)res->non2xx, (unsigned long long)res->invalid);
	if (r->listeners > 1)
		reason(v, "listeners: %d processes listen on port %d (%s): under SO_REUSEPORT another takes a share "
			  "of the connections", r->listeners, r->port, r->listener_who);
	if (!r->cfg->rate && !isnan(server) && server < SATURATED)
		unsaturated(r, v, server, lg, bound);
	if (bound == 1)
		reason(v, "loadgen-bound: twice the connections answered %.0f req/s, %.0f%% over the run's %.0f: the "
			  "run measured the load generator", r->probe_rps, 100 * (r->probe_rps / res->rps - 1), res->rps);
	if (!isnan(sh.interference) && sh.interference > INTERFERENCE_MAX)
		reason(v, "interference: %.0f%% of the run's CPUs went to processes not of the run (over %.0f%%)",
		       100 * sh.interference, 100 * INTERFERENCE_MAX);
	if (!isnan(sh.steal) && sh.steal > STEAL_MAX)
		reason(v, "steal: the hypervisor took %.1f%% of the run's CPUs (over %.0f%%)", 100 * sh.steal,
		       100 * STEAL_MAX);
	if (dirty)
		reason(v, "dirty: the source tree has uncommitted changes (commit ...-dirty)");
	v->ok = v->nreasons == 0;

	json_t *reasons = json_array();
	for (int i = 0; i < v->nreasons; i++)
		json_array_append_new(reasons, json_string(v->reasons[i]));
	json_t *j = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "ok", v->ok, "reasons", reasons,
			      "server_util", su, "loadgen_util", lu, "loadgen_bound",
			      bound < 0 ? json_null() : json_boolean(bound), "interference",
			      isnan(sh.interference) ? json_null() : json_real(sh.interference), "steal",
			      isnan(sh.steal) ? json_null() : json_real(sh.steal), "listeners",
			      r->listeners < 0 ? json_null() : json_integer(r->listeners), "dirty", dirty);
	if (j && bound < 0)
		json_object_set_new(j, "loadgen_probe_why", json_string(r->probe_why[0] ? r->probe_why : "no throughput"));
	return j;
}

void rs_run_validity_print(const struct run *r)
{
	const struct rs_validity *v = &r->valid;

	printf("  %-12s", "verdict");
	if (v->ok) {
		printf("valid\n");
		return;
	}
	printf("INVALID: ");
	for (int i = 0; i < v->nreasons; i++)
		printf("%s%s", i ? "; " : "", v->reasons[i]);
	printf("\n");
}
