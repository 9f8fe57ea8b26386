/* listener.h - the SO_REUSEPORT TCP listener every reactor opens for itself. */
#ifndef RS_LISTENER_H
#define RS_LISTENER_H

#include <stdint.h>

/* Open a listening socket on 0.0.0.0:port with SO_REUSEPORT, so each reactor
 * has its own accept queue and the kernel spreads connections. Fills *fd_out;
 * returns 0 or a negative errno. */
int rs_listener_open(uint16_t port, int *fd_out);

#endif
