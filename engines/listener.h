/* listener.h - the SO_REUSEPORT TCP listener every reactor opens for itself, and the check that its port is free, who listens on it. */
#ifndef RS_LISTENER_H
#define RS_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The IPv4 address every listener binds (--listen; default 127.0.0.1).
 * Call before any reactor starts. 0 or -EINVAL for a malformed address. */
int rs_listener_set_addr(const char *addr);

/* Open a listening socket on the listen address and port with SO_REUSEPORT,
 * so each reactor has its own accept queue and the kernel spreads
 * connections. Fills *fd_out; returns 0 or a negative errno. */
int rs_listener_open(uint16_t port, int *fd_out);

/* Before the reactors bind: is port free on the listen address? 0, or
 * -EADDRINUSE with who naming the listening process ("pid N (comm)") when
 * /proc shows it, or another negative errno. */
int rs_listener_check_free(uint16_t port, char *who, size_t size);

/* How many processes hold a socket listening on port (any address, IPv4 or
 * IPv6, from /proc/net/tcp{,6} and /proc/PID/fd), with "pid N (comm), ..." in
 * who; processes this user cannot see are not counted. Count or -errno. */
int rs_listener_count(uint16_t port, char *who, size_t size);

#endif
