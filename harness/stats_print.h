/* stats_print.h - one measure over repetitions as people and tables read it: median [95% CI], cv, noisy. */
#ifndef RS_STATS_PRINT_H
#define RS_STATS_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "stats.h"

/* "label 1234 [1200, 1260] cv 2.1%" (microsecond values formatted as
 * latencies when us), " noisy" when the CV exceeds 10%; to stdout. */
void rs_stats_print(const char *label, const double *v, int n, bool us, struct rs_stats_summary *out);

/* The header of the columns appended after the median/min/max ones: name_lo, name_hi, name_cv. */
void rs_stats_put_header(FILE *f, const char *name);

/* --repeat's value: a count 1..1000 (*auto_mode 0) or "auto" (*auto_mode 1, *n = max_repeat).
 * 0, or -EINVAL after saying what is accepted (prog names the command). */
int rs_repeat_parse(const char *prog, const char *s, long max_repeat, long *n, int *auto_mode);

#endif
