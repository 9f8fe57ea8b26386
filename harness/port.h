/* port.h - a free TCP port on 127.0.0.1 for a server about to be started. */
#ifndef RS_PORT_H
#define RS_PORT_H

/* A port that 127.0.0.1 can be bound to right now (with SO_REUSEADDR, as the servers bind),
 * drawn below the kernel's ephemeral range; the port or a negative errno. */
int rs_port_free(void);

/* 1 when 127.0.0.1:port can be bound right now, 0 when not, or a negative errno. */
int rs_port_bindable(int port);

#endif
