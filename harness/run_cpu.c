/* run_cpu.c - where a run's CPU went, per request: the server (user, sys), the Postgres cluster, the load generator. */
#include <stdio.h>

#include <jansson.h>

#include "run_int.h"

struct cpu_split {
	double server_user, server_sys;	/* s over the measured window */
	double postgres, loadgen;	/* s; -1: not measured */
	double requests;
};

static struct cpu_split split_of(const struct run *r)
{
	const struct rs_lg_result *res = &r->res;
	/* Postgres counts only when it is the harness's own cluster serving this run's workload. */
	bool pg = r->db && r->postmaster > 0 && r->win.pg_cpu_s >= 0;

	return (struct cpu_split){
		.server_user = r->win.cpu_user_s,
		.server_sys = r->win.cpu_sys_s,
		.postgres = pg ? r->win.pg_cpu_s : -1,
		.loadgen = res->cpu_user_s >= 0 && res->cpu_sys_s >= 0 ? res->cpu_user_s + res->cpu_sys_s : -1,
		.requests = (double)res->requests,
	};
}

/* Microseconds per request, or null when not measured or nothing was answered. */
static json_t *us_each(double s, double requests)
{
	return s >= 0 && requests > 0 ? json_real(s * 1e6 / requests) : json_null();
}

json_t *rs_run_cpu_json(const struct run *r)
{
	struct cpu_split c = split_of(r);

	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "server", us_each(c.server_user + c.server_sys, c.requests),
			 "server_user", us_each(c.server_user, c.requests), "server_sys",
			 us_each(c.server_sys, c.requests), "postgres", us_each(c.postgres, c.requests), "loadgen",
			 us_each(c.loadgen, c.requests));
}

void rs_run_cpu_print(const struct run *r)
{
	struct cpu_split c = split_of(r);
	double n = c.requests;

	if (n <= 0)
		return;
	printf("  %-12sserver %.2f us (user %.2f, sys %.2f)", "CPU/request", (c.server_user + c.server_sys) * 1e6 / n,
	       c.server_user * 1e6 / n, c.server_sys * 1e6 / n);
	if (c.postgres >= 0)
		printf(", Postgres %.2f us", c.postgres * 1e6 / n);
	else if (r->db)
		printf(", Postgres not measured (%s)", r->postmaster ? "no reading" : "not the private cluster");
	if (c.loadgen >= 0)
		printf(", load generator %.2f us", c.loadgen * 1e6 / n);
	printf("\n");
}
