/* deploy.c - `harness deploy ssh://host`: the committed tree (git archive HEAD) sent there, built by ./ringside, the remote harness's path printed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opts.h"
#include "remote.h"
#include "rs_config.h"
#include "run.h"

/* The first line of a local command's output, or "" (no shell quoting: fixed commands only). */
static void first_line(const char *cmd, char *out, size_t size)
{
	out[0] = '\0';
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(out, (int)size, p))
		out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

/* git archive HEAD of our source tree onto fd (a pipe into ssh). Its pid, or a negative errno. */
static pid_t archive(int fd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(fd, 1);
		execlp("git", "git", "-C", RS_SOURCE_ROOT, "archive", "--format=tar", "HEAD", (char *)NULL);
		_exit(127);
	}
	return pid;
}

int rs_deploy_main(int argc, char **argv)
{
	const char *dir = "ringside";
	const struct rs_opt opts[] = {
		{ "dir", RS_OPT_STR, &dir, .help = "where the tree goes there, relative to the login directory (default ringside)" },
		{ NULL },
	};
	int first = 1;
	if (argc > 1 && !strncmp(argv[1], "ssh://", 6))
		first = 2;
	int err = rs_opts_parse("ringside deploy", opts, argc, argv, first, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	struct rs_remote h;
	if (first != 2) {
		fprintf(stderr, "usage: harness deploy ssh://[user@]host[:port] [--dir=PATH]\n");
		return 2;
	}
	if (rs_remote_parse(argv[1], &h))
		return 2;
	char commit[128], dirty[8], out[8192];
	first_line("git -C '" RS_SOURCE_ROOT "' describe --always --abbrev=12 HEAD 2>/dev/null", commit, sizeof commit);
	if (!*commit) {
		fprintf(stderr, "ringside deploy: %s is not a git checkout: nothing committed to send\n", RS_SOURCE_ROOT);
		return 1;
	}
	first_line("git -C '" RS_SOURCE_ROOT "' status --porcelain --untracked-files=no 2>/dev/null | head -c 1; echo",
		   dirty, sizeof dirty);
	if (*dirty)
		fprintf(stderr, "ringside deploy: warning: uncommitted changes here are not sent (HEAD %s is)\n", commit);
	int rc = rs_remote_run(&h, "true", out, sizeof out, 20);
	if (rc) {
		out[strcspn(out, "\n")] = '\0';
		fprintf(stderr, "ringside deploy: %s: unreachable: %s\n", h.spec, *out ? out : "ssh failed");
		return 1;
	}
	char qd[1100], cmd[4096];
	if (rs_remote_quote(dir, qd, sizeof qd))
		return 2;
	/* .ringside-commit: the build there names this commit (there is no .git in an archive), so that
	 * `harness run` can refuse a host whose build is at another commit. */
	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s && cd %s && tar -xf - && echo %s > .ringside-commit && "
		 "{ ./ringside --help > deploy.log 2>&1 || { tail -n 30 deploy.log; echo \"build failed: $(pwd -P)/deploy.log\"; exit 1; }; } && "
		 "echo \"$(pwd -P)/build/harness\"", qd, qd, commit);
	fprintf(stderr, "ringside deploy: sending %s to %s (into %s there) and building it there (its log: deploy.log there)\n", commit,
		h.spec, dir);
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return 1;
	int to;
	pid_t ssh = rs_remote_start(&h, cmd, &to, p[1]);
	close(p[1]);
	if (ssh < 0)
		return 1;
	pid_t git = archive(to);
	close(to);
	size_t len = 0;
	ssize_t got;
	while ((got = read(p[0], out + len, sizeof out - 1 - len)) > 0 || (got < 0 && errno == EINTR))
		if (got > 0 && (len += (size_t)got) == sizeof out - 1)
			len = 0;	/* keep the end: it says what happened */
	out[len] = '\0';
	close(p[0]);
	int git_st = -1, ssh_st = rs_remote_wait(ssh, 0);
	if (git > 0)
		waitpid(git, &git_st, 0);
	while (len && out[len - 1] == '\n')
		out[--len] = '\0';
	char *last = strrchr(out, '\n');
	last = last ? last + 1 : out;
	if (ssh_st || git_st || *last != '/') {
		fprintf(stderr, "%s\nringside deploy: %s: failed (%s status %d)\n", out, h.spec, git_st ? "git archive" : "ssh",
			git_st ? git_st : ssh_st);
		return 1;
	}
	if (last != out)
		fprintf(stderr, "%.*s\n", (int)(last - out - 1), out);
	printf("%s\n", last);
	fprintf(stderr, "ringside deploy: %s is at %s: pass --remote-harness=%s to `harness run`\n", h.spec, commit, last);
	return 0;
}
