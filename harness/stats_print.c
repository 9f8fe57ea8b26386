/* stats_print.c - one measure over repetitions as people and tables read it: median [95% CI], cv, noisy. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "run_int.h"
#include "stats_print.h"

void rs_stats_print(const char *label, const double *v, int n, bool us, struct rs_stats_summary *out)
{
	struct rs_stats_summary s;
	char a[32], b[32], c[32];

	if (rs_stats_summarize(v, n, RS_STATS_SEED, &s) || s.n == 0)
		return;
	if (us) {
		rs_run_fmt_us(s.median, a, sizeof(a));
		rs_run_fmt_us(s.lo, b, sizeof(b));
		rs_run_fmt_us(s.hi, c, sizeof(c));
	} else {
		snprintf(a, sizeof(a), "%.0f", s.median);
		snprintf(b, sizeof(b), "%.0f", s.lo);
		snprintf(c, sizeof(c), "%.0f", s.hi);
	}
	printf("  %s %s [%s, %s]", label, a, b, c);
	if (!isnan(s.cv))
		printf(" cv %.1f%%%s", 100 * s.cv, s.noisy ? " noisy" : "");
	if (out)
		*out = s;
}

void rs_stats_put_header(FILE *f, const char *name)
{
	fprintf(f, "\t%s_lo\t%s_hi\t%s_cv", name, name, name);
}

int rs_repeat_parse(const char *prog, const char *s, long max_repeat, long *n, int *auto_mode)
{
	char *end;

	*auto_mode = !strcmp(s, "auto");
	if (*auto_mode) {
		*n = max_repeat;
		return 0;
	}
	errno = 0;
	*n = strtol(s, &end, 10);
	if (errno || end == s || *end || *n < 1 || *n > 1000) {
		fprintf(stderr, "%s: --repeat=%s: want a count 1..1000 or 'auto' (until the 95%% CI of the median "
				"req/s is within ±3%%, at most --max-repeat runs)\n", prog, s);
		return -EINVAL;
	}
	return 0;
}
