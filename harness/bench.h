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

#endif
