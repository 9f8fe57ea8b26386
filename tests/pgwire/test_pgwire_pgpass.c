/* test_pgwire_pgpass.c - where a connection's password comes from: URL, PGPASSWORD, the password file. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgw_test.h"

static char g_file[] = "/tmp/rs-pgpass-unit-XXXXXX";

/* Make the password file hold exactly text, with the given mode. */
static void pgpass(const char *text, mode_t mode)
{
	FILE *f = fopen(g_file, "w");
	REQUIRE(f);
	fputs(text, f);
	REQUIRE(!fclose(f));
	REQUIRE(!chmod(g_file, mode));
}

/* The password conninfo parsing finds for url. */
static const char *password_for(const char *url)
{
	static struct rs_pg_conninfo ci;
	REQUIRE_INT(rs_pg_conninfo_parse(url, &ci), 0);
	return ci.password;
}

static void matching(void)
{
	/* '#' lines are comments; the first matching line wins; '*' matches anything. */
	pgpass("#db.example:5432:app:alice:commented\n"
	       "db.example:5432:other:alice:wrong-db\n"
	       "db.example:5433:app:alice:wrong-port\n"
	       "db.example:5432:app:bob:wrong-user\n"
	       "db.example:5432:app:alice:first\n"
	       "db.example:5432:app:alice:second\n"
	       "*:*:*:carol:wild",
	       0600);
	REQUIRE_STR(password_for("postgresql://alice@db.example/app"), "first");
	REQUIRE_STR(password_for("postgresql://carol@elsewhere:7000/x"), "wild"); /* no final newline */
	REQUIRE_STR(password_for("postgresql://dave@db.example/app"), "");

	/* '\' escapes ':' and '\'; a trailing ':' field is not part of the password. */
	pgpass("/tmp/sock\\:dir:5433:d:u:pa\\:ss\\\\w:ignored\n", 0600);
	REQUIRE_STR(password_for("host='/tmp/sock:dir' port=5433 dbname=d user=u"), "pa:ss\\w");

	/* "localhost" stands for the default socket directory, as in libpq;
	 * another socket directory is matched by its path. */
	pgpass("localhost:5432:d:u:via-socket\n/run/other:5432:d:u:other-dir\n", 0600);
	REQUIRE_STR(password_for("postgresql://u@/d"), "via-socket");
	REQUIRE_STR(password_for("host=/var/run/postgresql dbname=d user=u"), "via-socket");
	REQUIRE_STR(password_for("host=/run/other dbname=d user=u"), "other-dir");

	/* A line too long for any real entry is skipped whole: its tail is not a line. */
	char big[4096];
	memset(big, 'x', 2100);
	snprintf(big + 2100, sizeof(big) - 2100, "*:*:*:*:tail\n*:*:*:*:good\n");
	pgpass(big, 0600);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "good");
}

static void precedence(void)
{
	pgpass("*:*:*:*:from-file\n", 0600);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "from-file");
	REQUIRE_STR(password_for("postgresql://u:from-url@h/d"), "from-url");
	setenv("PGPASSWORD", "from-env", 1);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "from-env");
	REQUIRE_STR(password_for("postgresql://u:from-url@h/d"), "from-url");
	/* An empty PGPASSWORD is no password: the file is read. */
	setenv("PGPASSWORD", "", 1);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "from-file");
	unsetenv("PGPASSWORD");
}

static void files(void)
{
	/* Readable by group or others: ignored (libpq warns and does the same). */
	pgpass("*:*:*:*:exposed\n", 0640);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "");
	pgpass("*:*:*:*:exposed\n", 0604);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "");
	pgpass("*:*:*:*:private\n", 0400);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "private");
	/* Not a plain file, or missing: ignored. */
	setenv("PGPASSFILE", "/tmp", 1);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "");
	setenv("PGPASSFILE", "/nonexistent/pgpass", 1);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "");
	/* The passfile parameter beats PGPASSFILE. */
	char kw[256];
	snprintf(kw, sizeof(kw), "host=h dbname=d user=u passfile=%s", g_file);
	REQUIRE_STR(password_for(kw), "private");
	/* Without PGPASSFILE, ~/.pgpass. */
	char home[] = "/tmp/rs-home-XXXXXX", path[256];
	REQUIRE(mkdtemp(home));
	snprintf(path, sizeof(path), "%s/.pgpass", home);
	FILE *f = fopen(path, "w");
	REQUIRE(f && fputs("h:5432:d:u:from-home\n", f) >= 0 && !fclose(f));
	REQUIRE(!chmod(path, 0600));
	unsetenv("PGPASSFILE");
	setenv("HOME", home, 1);
	REQUIRE_STR(password_for("postgresql://u@h/d"), "from-home");
	unlink(path);
	rmdir(home);
	setenv("PGPASSFILE", g_file, 1);
}

int main(void)
{
	int fd = mkstemp(g_file);
	REQUIRE(fd >= 0);
	close(fd);
	unsetenv("PGPASSWORD");
	setenv("PGPASSFILE", g_file, 1);
	matching();
	precedence();
	files();
	unlink(g_file);
	printf("ok\n");
	return 0;
}
