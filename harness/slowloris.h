/* slowloris.h - clients that dribble an endless request header, for `harness run --fault=slowloris`. */
#ifndef RS_SLOWLORIS_H
#define RS_SLOWLORIS_H

#include <stdint.h>

struct rs_slowloris_stats {
	int clients;			/* connections held at once */
	uint64_t connects;		/* connections made (the server closing one makes another) */
	uint64_t bytes;			/* header bytes sent, all of them */
	uint64_t closed_by_server;	/* ends we did not ask for: EOF, reset, or an answer */
	uint64_t answered_408, answered_other; /* the answers among them, by status */
	uint64_t connect_errors;
};

/*
 * Hold n connections to 127.0.0.1:port, each sending "GET path HTTP/1.1",
 * a Host line and then header lines that never end, one byte every
 * interval_ms, until until_s (CLOCK_MONOTONIC seconds) or *stop; then
 * close them (FIN, as a client that gives up). A connection the server
 * ends is counted and made again at the next byte. Blocks the calling
 * thread. Fills *st; 0 or a negative errno.
 */
int rs_slowloris_run(int port, const char *path, int n, int interval_ms, double until_s, volatile int *stop,
		     struct rs_slowloris_stats *st);

#endif
