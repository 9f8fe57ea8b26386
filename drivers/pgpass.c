/* pgpass.c - the password file (~/.pgpass, $PGPASSFILE), looked up the way libpq does. */
#include "pg.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libpq's compiled-in socket directory on Debian; conninfo.c defaults to it. */
#define DEFAULT_SOCKET_DIR "/var/run/postgresql"

/*
 * Does the field at *sp match want? '*' matches anything; '\' makes the next
 * character literal (so ':' and '\' can appear). On a match *sp moves past
 * the field and its ':'.
 */
static bool field_matches(const char **sp, const char *want)
{
	const char *s = *sp;

	if (s[0] == '*' && s[1] == ':') {
		*sp = s + 2;
		return true;
	}
	for (;;) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == ':')
			break;
		if (!*s || *s != *want)
			return false;
		s++;
		want++;
	}
	if (*want)
		return false;
	*sp = s + 1;
	return true;
}

/* The rest of the line is the password, unescaped, up to an unescaped ':'. */
static int copy_password(const char *s, char *dst, size_t cap)
{
	size_t o = 0;

	for (; *s && *s != ':'; s++) {
		if (*s == '\\' && s[1])
			s++;
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		dst[o++] = *s;
	}
	dst[o] = '\0';
	return 0;
}

static int default_path(char *path, size_t size)
{
	const char *home = getenv("HOME");

	if (!home || !*home) {
		struct passwd *pw = getpwuid(geteuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return -ENOENT;
	return (size_t)snprintf(path, size, "%s/.pgpass", home) < size ? 0 : -ENAMETOOLONG;
}

/*
 * Fill ci->password from the first matching line of the password file:
 * ci->passfile, else $PGPASSFILE, else ~/.pgpass. Lines are
 * host:port:database:user:password; '#' starts a comment line. The host
 * "localhost" also matches a connection over the default socket directory.
 * A missing file is no error; one that is not a plain file or that group or
 * others may read is ignored with a warning, as libpq does. Returns 0 (with
 * or without a password found) or a negative errno.
 */
int rs_pg_pgpass_lookup(struct rs_pg_conninfo *ci)
{
	char path[PATH_MAX], port[8], line[2048];
	const char *file = ci->passfile[0] ? ci->passfile : getenv("PGPASSFILE");
	const char *host = ci->host;
	struct stat st;
	int err = 0;

	if (file && *file) {
		if ((size_t)snprintf(path, sizeof(path), "%s", file) >= sizeof(path))
			return -ENAMETOOLONG;
	} else if (default_path(path, sizeof(path))) {
		return 0;
	}
	if (stat(path, &st))
		return 0;
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "ringside: password file \"%s\" is not a plain file: ignored\n", path);
		return 0;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		fprintf(stderr, "ringside: password file \"%s\" has group or world access: ignored "
				"(permissions should be u=rw (0600) or less)\n", path);
		return 0;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (!host[0] || !strcmp(host, DEFAULT_SOCKET_DIR))
		host = "localhost";
	snprintf(port, sizeof(port), "%u", (unsigned)ci->port);
	while (fgets(line, sizeof(line), f)) {
		bool whole = strchr(line, '\n') || feof(f);
		line[strcspn(line, "\r\n")] = '\0';
		const char *s = line;
		if (!whole) {
			/* Longer than any sane entry: skip it, not its tail as a line. */
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		if (line[0] == '#')
			continue;
		if (field_matches(&s, host) && field_matches(&s, port) && field_matches(&s, ci->dbname) &&
		    field_matches(&s, ci->user)) {
			err = copy_password(s, ci->password, sizeof(ci->password));
			break;
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return err;
}
