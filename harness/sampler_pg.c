/* sampler_pg.c - a Postgres cluster from /proc: the backends of one database (told apart by their client's TCP port), its CPU. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sampler_int.h"

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

/* The inodes of pid's sockets, sorted. Count, or -errno. */
static int socket_inodes(pid_t pid, unsigned long *ino, int max)
{
	char path[300], link[64];
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid, de->d_name);
		ssize_t len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino[n]) == 1)
			n++;
	}
	closedir(d);
	qsort(ino, (size_t)n, sizeof(*ino), cmp_ulong);
	return n;
}

/* Mark in ports the local port of every socket of /proc/PID/net/tcp{,6} in ino. */
static void mark_ports(pid_t pid, const char *table, const unsigned long *ino, int n, unsigned char *ports)
{
	char path[64], line[512];
	unsigned port;
	unsigned long inode;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, table);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*s %*x %*s %*s %*s %*d %*d %lu", &port, &inode) != 2)
			continue;
		if (port < 65536 && bsearch(&inode, ino, (size_t)n, sizeof(*ino), cmp_ulong))
			ports[port / 8] |= (unsigned char)(1u << (port % 8));
	}
	fclose(f);
}

/* 8 KiB bitmap of the TCP ports client's sockets are bound to, or NULL. */
static unsigned char *client_ports(pid_t client)
{
	enum { MAX_SOCKETS = 1 << 16 };
	unsigned long *ino = malloc(MAX_SOCKETS * sizeof(*ino));
	unsigned char *ports = calloc(1, 65536 / 8);

	int n = ino && ports ? socket_inodes(client, ino, MAX_SOCKETS) : -ENOMEM;
	if (n < 0) {
		free(ports);
		ports = NULL;
	} else {
		mark_ports(client, "tcp", ino, n, ports);
		mark_ports(client, "tcp6", ino, n, ports);
	}
	free(ino);
	return ports;
}

/* fn on every child of pm (every process of a Postgres cluster is the postmaster's child). 0 or -errno. */
static int for_children(pid_t pm, void (*fn)(const char *pid, const struct samp_stat *st, void *arg), void *arg)
{
	struct dirent *de;
	struct samp_stat st;

	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]) && !samp_read_stat(de->d_name, &st) && st.ppid == pm)
			fn(de->d_name, &st, arg);
	closedir(d);
	return 0;
}

/* "postgres: USER DB HOST(PORT) ACTIVITY": does it serve db (for one of
 * ports when given), and is it busy? */
struct backends {
	const char *db;
	const unsigned char *ports;
	int *connected, *active;
};

static void classify_backend(const char *pid, const struct samp_stat *st, void *arg)
{
	const struct backends *b = arg;
	const char *db = b->db;
	const unsigned char *ports = b->ports;
	char path[300], buf[512], user[64], dbname[64], host[128], act[64] = "";
	unsigned port;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	ssize_t n = samp_read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return;
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	if (sscanf(buf, "postgres: %63s %63s %127s %63s", user, dbname, host, act) < 3 || strcmp(dbname, db))
		return;
	if (ports) {
		const char *paren = strrchr(host, '(');
		if (!paren || sscanf(paren, "(%u)", &port) != 1 || port > 65535 ||
		    !(ports[port / 8] & (1u << (port % 8))))
			return;
	}
	(void)st;
	(*b->connected)++;
	if (strncmp(act, "idle", 4) != 0)
		(*b->active)++;
}

int rs_pg_backends(pid_t pm, const char *db, pid_t client, int *connected, int *active)
{
	unsigned char *ports = NULL;

	*connected = *active = 0;
	if (client > 0 && !(ports = client_ports(client)))
		return -ESRCH;
	struct backends b = { db, ports, connected, active };
	int err = for_children(pm, classify_backend, &b);
	free(ports);
	return err;
}

/* ---- the cluster's CPU ---- */

static void add_cpu(const char *pid, const struct samp_stat *st, void *arg)
{
	(void)pid;
	*(double *)arg += st->utime + st->stime + st->cutime + st->cstime;
}

int rs_pg_cpu(pid_t pm, double *cpu_s)
{
	char id[16];
	struct samp_stat st;

	snprintf(id, sizeof(id), "%d", (int)pm);
	int err = samp_read_stat(id, &st);
	if (err)
		return err;
	/* The postmaster waits for every child it forks: those that ended are in its cutime and cstime. */
	*cpu_s = st.utime + st.stime + st.cutime + st.cstime;
	return for_children(pm, add_cpu, cpu_s);
}
