/* loadgen_agent.h - `harness loadgen` as one host of a several-machine run: the agreed start, stop on stdin EOF, each second's histogram. */
#ifndef RS_LOADGEN_AGENT_H
#define RS_LOADGEN_AGENT_H

struct rs_hist;

/* Sleep until warmup_s before start_at (Unix seconds, this host's clock), so that
 * measuring starts at start_at. 0, -ETIME (already past it: says so), -EINTR (*stop). */
int rs_lg_agent_wait_start(double start_at, int warmup_s, volatile int *stop);
/* A thread that sets *stop when stdin reaches EOF: the remote process ends with its ssh session. */
int rs_lg_agent_watch_stdin(volatile int *stop);
/* rs_lg_cfg.on_second_hist with arg the run directory: DIR/seconds/N.hist (latency.hist's format). */
void rs_lg_agent_second_hist(void *arg, int second, const struct rs_hist *h);

#endif
