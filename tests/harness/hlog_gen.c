/* hlog_gen.c - writes DIR/gen.hlog (seeded latencies over 5 s, then Tag=run) and DIR/gen.hgrm (ringside's own percentiles, in us) for hlog_java.sh. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "../check.h"
#include "harness/hist.h"
#include "harness/hlog.h"
#include "harness/stats.h"

#define SECONDS 5

int main(int argc, char **argv)
{
	struct rs_hist *sec[SECONDS], *all;
	struct rs_hlog_interval iv[SECONDS + 1];
	uint64_t rng = 42;
	char path[4096];

	if (argc != 2)
		die("usage: hlog_gen DIR");
	REQUIRE(!rs_hist_new(&all));
	for (int s = 0; s < SECONDS; s++) {
		REQUIRE(!rs_hist_new(&sec[s]));
		/* A log-normal body around 800 us with a rare slow tail up to seconds, and the odd 60 s+ value. */
		for (int i = 0; i < 20000 * (s + 1); i++) {
			double u1 = rs_stats_uniform(&rng) + 1e-12, u2 = rs_stats_uniform(&rng);
			double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
			uint64_t v = (uint64_t)(800 * exp(0.6 * z));
			if (rs_stats_uniform(&rng) < 0.001)
				v = (uint64_t)(5e4 + 3e6 * rs_stats_uniform(&rng));
			rs_hist_record(sec[s], v);
		}
		rs_hist_merge(all, sec[s]);
		iv[s] = (struct rs_hlog_interval){ .start_s = s, .length_s = 1, .h = sec[s] };
	}
	iv[SECONDS] = (struct rs_hlog_interval){ .tag = "run", .length_s = SECONDS, .h = all };
	REQUIRE(!rs_hlog_save(argv[1], "gen.hlog", 1764640000.0, iv, SECONDS + 1));
	snprintf(path, sizeof(path), "%s/gen.hgrm", argv[1]);
	FILE *f = fopen(path, "w");
	REQUIRE(f && !rs_hist_write_hgrm(all, f, 1.0) && !fclose(f));
	for (int s = 0; s < SECONDS; s++)
		rs_hist_free(sec[s]);
	rs_hist_free(all);
	return 0;
}
