/* remote.h - ssh plumbing for several machines: ssh:// hosts, $RINGSIDE_SSH commands, clock offsets. */
#ifndef RS_REMOTE_H
#define RS_REMOTE_H

#include <stddef.h>
#include <sys/types.h>

/* ssh://[user@]host[:port] */
struct rs_remote {
	char spec[256];		/* as given, for messages */
	char user[64];		/* empty: ssh's default */
	char host[128];
	int port;		/* 0: ssh's default (or ~/.ssh/config) */
};

/* Parse spec into r: 0, or -EINVAL after printing what is wrong and what is accepted. */
int rs_remote_parse(const char *spec, struct rs_remote *r);

/*
 * The argv that runs the shell command cmd on r: $RINGSIDE_SSH split at
 * blanks (default "ssh"), -o BatchMode=yes (nothing prompts), -p port,
 * [user@]host, cmd. Static storage for the words of $RINGSIDE_SSH; argv
 * has room for n entries. Returns 0 or -E2BIG.
 */
int rs_remote_argv(const struct rs_remote *r, const char *cmd, const char **argv, size_t n);

/*
 * Run cmd on r, its stdout (and stderr) into out (NUL-terminated,
 * truncated). Returns the remote exit status, 255 when ssh itself failed
 * (unreachable, refused: out says why), or a negative errno.
 * timeout_s > 0 kills ssh after that many seconds (-ETIMEDOUT).
 */
int rs_remote_run(const struct rs_remote *r, const char *cmd, char *out, size_t size, int timeout_s);

/*
 * r's clock minus ours, in microseconds, over `rounds` round trips on one
 * ssh session (the remote shell answers each line with its realtime): the
 * round trip with the shortest time bounds it, uncertainty = half of it.
 * 0, or a negative errno after printing the host and the cause.
 */
int rs_remote_clock_offset(const struct rs_remote *r, int rounds, double *offset_us, double *uncertainty_us);

/* word single-quoted for the remote shell into out. 0 or -ENOSPC. */
int rs_remote_quote(const char *word, char *out, size_t size);

/*
 * Start cmd on r in the background: its stdout and stderr into out_fd; with
 * to_fd, its stdin is a pipe whose write end lands there (closing it ends
 * the remote command's stdin: agents stop at that EOF), else /dev/null. ssh
 * runs in its own process group and gets SIGTERM when we die. Its pid, or a
 * negative errno.
 */
pid_t rs_remote_start(const struct rs_remote *r, const char *cmd, int *to_fd, int out_fd);
/* Wait for a started ssh: its exit status (255: ssh failed), or -ETIMEDOUT after timeout_s (0: none), when it is killed. */
int rs_remote_wait(pid_t pid, int timeout_s);
/* Copy directory rdir of r into the existing local ldir (tar over ssh), then remove rdir there. 0 or a negative errno after saying why. */
int rs_remote_fetch(const struct rs_remote *r, const char *rdir, const char *ldir, int timeout_s);

#endif
