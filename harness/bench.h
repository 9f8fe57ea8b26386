/* bench.h - micro-benchmarks the harness CLI can run as subcommands. */
#ifndef RS_BENCH_H
#define RS_BENCH_H

/*
 * Cost of one fiber switch (a resume+yield round trip divided by 2) against
 * ucontext's swapcontext, median of 5 runs, printed on stdout.
 * argv[0] is the command name; accepts --iterations=N (fiber round trips
 * per run, default 10,000,000; swapcontext does a tenth of that).
 * Returns a process exit status: 0, 1 on failure, 2 on bad arguments.
 */
int rs_bench_fiber_main(int argc, char **argv);

/*
 * Cost of parsing one HTTP request (rs_http_parse, then rs_http_check_host as the
 * engines do) in pipelined batches of 16, for the load generator's request and a
 * browser's; median of 5 runs on stdout. --iterations=N requests per run.
 * Returns a process exit status: 0, 1 on failure, 2 on bad arguments.
 */
int rs_bench_parse_main(int argc, char **argv);

#endif
