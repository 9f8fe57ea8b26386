/* test_direct_fds.c - uring's accepted sockets are direct descriptors (no fd in the process), ordinary fds with --uring-no=fixedfiles. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

#define NCONNS 16

/* Sockets among the server process's open fds. */
static int socket_fds(pid_t pid)
{
	char dir[64], path[320], link[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	REQUIRE(d, "cannot list %s", dir);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ssize_t k = readlink(path, link, sizeof(link) - 1);
		if (k > 0) {
			link[k] = 0;
			n += !strncmp(link, "socket:", 7);
		}
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[2], "direct") && strcmp(argv[2], "ordinary")))
		die("usage: %s SERVER direct|ordinary", argv[0]);
	bool direct = !strcmp(argv[2], "direct");
	const char *extra[] = { direct ? NULL : "--uring-no=fixedfiles", NULL };
	int port = free_port();
	pid_t pid = server_start(argv[1], "uring", port, extra);
	int before = socket_fds(pid);
	int fds[NCONNS];
	static const char req[] = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
	for (int i = 0; i < NCONNS; i++) {
		/* An answer on each: every connection is accepted and served, still open (keep-alive). */
		char buf[4096];
		size_t len = 0;
		struct resp r;
		fds[i] = tcp_connect(port);
		send_all(fds[i], req, sizeof(req) - 1);
		REQUIRE(read_response(fds[i], buf, &len, sizeof(buf), &r) == 0 && r.status == 200, "no answer on connection %d", i);
	}
	int during = socket_fds(pid);
	for (int i = 0; i < NCONNS; i++)
		close(fds[i]);
	REQUIRE(server_stop(pid) == 0, "server exit");
	if (direct)
		REQUIRE(during - before < NCONNS, "%d connections open, the server holds %d more socket fds: not direct descriptors "
		      "(this kernel may lack IORING_FILE_INDEX_ALLOC, 5.19)", NCONNS, during - before);
	else
		REQUIRE(during - before >= NCONNS, "%d connections open, but only %d more socket fds with --uring-no=fixedfiles",
		      NCONNS, during - before);
	return 0;
}
