/* listener.c - the SO_REUSEPORT TCP listener every reactor opens for itself, and the check that its port is free, who listens on it. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener.h"

static struct in_addr listen_addr = { .s_addr = 0x0100007f }; /* 127.0.0.1, network order */

int rs_listener_set_addr(const char *addr)
{
	struct in_addr a;
	if (inet_pton(AF_INET, addr, &a) != 1)
		return -EINVAL;
	listen_addr = a;
	return 0;
}

static struct sockaddr_in sockaddr_of(uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = listen_addr };
}

int rs_listener_open(uint16_t port, int *fd_out)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in sa = sockaddr_of(port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4096))
		goto out_close;
	*fd_out = fd;
	return 0;
out_close:;
	int err = -errno;
	close(fd);
	return err;
}

/* The inodes of the sockets listening on port, from /proc/net/tcp and tcp6. Count (at most max). */
static int listening_inodes(uint16_t port, unsigned long *ino, int max)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512];
	int n = 0;

	for (int t = 0; t < 2; t++) {
		FILE *f = fopen(tables[t], "r");
		if (!f)
			continue;
		while (n < max && fgets(line, sizeof(line), f)) {
			unsigned lport, state;
			unsigned long i;
			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*x:%*x %x %*x:%*x %*x:%*x %*x %*d %*d %lu", &lport, &state,
				   &i) == 3 && lport == port && state == 0x0A /* TCP_LISTEN */)
				ino[n++] = i;
		}
		fclose(f);
	}
	return n;
}

/* Does process pid (a /proc entry) hold one of the socket inodes? */
static bool holds_any(const char *pid, const unsigned long *ino, int n)
{
	char path[600], link[64];
	bool found = false;
	unsigned long i;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	DIR *fds = opendir(path);
	if (!fds)
		return false;
	for (struct dirent *d; !found && (d = readdir(fds));) {
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, d->d_name);
		ssize_t len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (sscanf(link, "socket:[%lu]", &i) == 1)
			for (int k = 0; k < n && !found; k++)
				found = ino[k] == i;
	}
	closedir(fds);
	return found;
}

/* The processes holding any of the inodes: their count, and "pid N (comm)" of each (comma-separated) into who. */
static int inode_owners(const unsigned long *ino, int n, char *who, size_t size)
{
	char path[600];
	size_t off = 0;
	int owners = 0;
	DIR *proc = opendir("/proc");
	if (!proc)
		return -errno;
	who[0] = 0;
	for (struct dirent *p; (p = readdir(proc));) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9' || !holds_any(p->d_name, ino, n))
			continue;
		char comm[64] = "?";
		snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
		FILE *f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		if (off < size)
			off += (size_t)snprintf(who + off, size - off, "%spid %s (%s)", owners ? ", " : "", p->d_name, comm);
		owners++;
	}
	closedir(proc);
	return owners;
}

int rs_listener_count(uint16_t port, char *who, size_t size)
{
	unsigned long ino[256];
	int n = listening_inodes(port, ino, 256);

	who[0] = 0;
	return n ? inode_owners(ino, n, who, size) : 0;
}

int rs_listener_check_free(uint16_t port, char *who, size_t size)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* No SO_REUSEPORT: the bind fails when anyone listens there, which a
	 * reuseport bind would hide (and the kernel would split clients). */
	struct sockaddr_in sa = sockaddr_of(port);
	int err = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
			  bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	close(fd);
	who[0] = 0;
	if (err == -EADDRINUSE && rs_listener_count(port, who, size) <= 0)
		snprintf(who, size, "a process this user cannot see");
	return err;
}
