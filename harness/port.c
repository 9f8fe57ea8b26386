/* port.c - a free TCP port on 127.0.0.1, drawn below the ephemeral range so connect() cannot take it. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port.h"

int rs_port_bindable(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* As redis-server, Postgres and ringside-server bind: a TIME_WAIT left by an
	 * earlier server does not make the port unusable for the next. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? 0 : 1;
	close(fd);
	return r;
}

static int ephemeral_low(void)
{
	int lo = 32768, hi;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f) {
		if (fscanf(f, "%d %d", &lo, &hi) != 2)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

/* Why not bind(0): the kernel hands out a port of the ephemeral range, and between
 * this check and the server's own bind any outgoing connection (the load generator
 * opens thousands, parallel tests more) may take it as its local port; that was a
 * CI flake (redis-server: "bind: Address already in use"). Below the range only
 * other explicit binds compete, and a random start keeps parallel callers apart. */
int rs_port_free(void)
{
	int lo = ephemeral_low(), base = lo / 2, n = lo - base;
	unsigned r = 0;
	if (n < 1024)
		base = 1024, n = 0;
	if (n > 0 && getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned)getpid() * 2654435761u;
	for (int i = 0; n > 0 && i < 256; i++) {
		int port = base + (int)((r + (unsigned)i * 7919u) % (unsigned)n), ok = rs_port_bindable(port);
		if (ok < 0)
			return ok;
		if (ok)
			return port;
	}
	/* A machine whose ephemeral range starts too low, or a full band: the kernel's pick. */
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;
	if (fd < 0)
		return -errno;
	port = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || getsockname(fd, (struct sockaddr *)&sa, &len)
		       ? -errno : ntohs(sa.sin_port);
	close(fd);
	return port;
}
