/* loadgen_arrival.c - the open-loop schedule's intended send times: uniform (evenly spaced) or Poisson (exponential gaps). */
#include <math.h>

#include "loadgen.h"
#include "stats.h"

#define NS_PER_SEC 1e9

uint64_t rs_lg_arrival_seed(const struct rs_lg_cfg *cfg, int conn)
{
	/* A hashed state per connection: states a multiple of the generator's step apart would
	 * give connections the same gaps, shifted. */
	uint64_t s = (cfg->seed ? cfg->seed : RS_STATS_SEED) + (uint64_t)conn;
	s = rs_stats_rand(&s);
	return rs_stats_rand(&s);
}

/* An exponential gap of mean mean_ns. */
static double exp_gap(double mean_ns, uint64_t *rng)
{
	return -mean_ns * log1p(-rs_stats_uniform(rng));
}

uint64_t rs_lg_first_due(const struct rs_lg_cfg *cfg, int conn, uint64_t start, uint64_t *rng)
{
	if (cfg->arrival == RS_LG_POISSON) /* memoryless: the first arrival is a gap from the start */
		return start + (uint64_t)exp_gap((double)cfg->conns * NS_PER_SEC / cfg->rate, rng);
	/* Staggered: together the connections send evenly spaced, 1/rate apart. */
	return start + (uint64_t)((double)conn * NS_PER_SEC / cfg->rate);
}

uint64_t rs_lg_next_due(const struct rs_lg_cfg *cfg, uint64_t first_due, uint64_t k, uint64_t prev, uint64_t *rng)
{
	double interval = (double)cfg->conns * NS_PER_SEC / cfg->rate;

	if (cfg->arrival == RS_LG_POISSON)
		return prev + (uint64_t)exp_gap(interval, rng);
	/* From the first, not the previous: no rounding drift over a long run. */
	return first_due + (uint64_t)((double)k * interval);
}

const char *rs_lg_arrival_name(enum rs_lg_arrival a)
{
	return a == RS_LG_POISSON ? "poisson" : "uniform";
}
