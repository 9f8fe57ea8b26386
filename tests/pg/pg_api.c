/* pg_api.c - the C API of harness/pgctl.h against the default cluster: start, URLs, admin SQL, info. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"

#include "pgctl.h"

static void check_urls(const char *started)
{
	char url[256], want[256];
	int port;

	REQUIRE(sscanf(started, "postgresql://bench:bench@127.0.0.1:%d/bench", &port) == 1);
	REQUIRE(rs_pgctl_url(NULL, url, sizeof(url)) == 0 && !strcmp(url, started));
	REQUIRE(rs_pgctl_url("bench_scram", url, sizeof(url)) == 0);
	snprintf(want, sizeof(want), "postgresql://bench_scram:bench_scram@127.0.0.1:%d/bench", port);
	REQUIRE(!strcmp(url, want));
	REQUIRE(rs_pgctl_url("nobody", url, sizeof(url)) == -EINVAL);
	REQUIRE(rs_pgctl_url(NULL, url, 10) == -ENOSPC);
}

static void check_admin(void)
{
	char out[64];

	REQUIRE(rs_pgctl_admin_query("SELECT count(*) FROM fortune", out, sizeof(out)) == 0);
	REQUIRE(!strcmp(out, "12"));
	REQUIRE(rs_pgctl_admin_query("SELECT 1, 2 UNION ALL SELECT 3, 4", out, sizeof(out)) == 0);
	REQUIRE(!strcmp(out, "1|2\n3|4"));
	REQUIRE(rs_pgctl_admin_query("SELECT 'abcdef'", out, 4) == 0 && !strcmp(out, "abc"));
	REQUIRE(rs_pgctl_admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
				 "WHERE usename = 'nobody-here'") == 0);
	fprintf(stderr, "(an error from psql is expected next)\n");
	REQUIRE(rs_pgctl_admin_sql("SELECT no_such_column FROM world") == -EIO);
}

int main(void)
{
	struct rs_pgctl_info info;
	char url[256], again[256];

	if (access("/usr/lib/postgresql", F_OK) && !getenv("RINGSIDE_PG_BINDIR"))
		return 77;
	REQUIRE(rs_pgctl_ensure_started(url, sizeof(url)) == 0);
	REQUIRE(rs_pgctl_ensure_started(again, sizeof(again)) == 0 && !strcmp(url, again));
	check_urls(url);
	check_admin();
	REQUIRE(rs_pgctl_info(&info) == 0);
	REQUIRE(info.pid > 0 && info.port > 0 && strstr(url, ":") != NULL);
	REQUIRE(!strcmp(info.socket_dir + strlen(info.socket_dir) - 4, "/run"));
	REQUIRE(access(info.log_file, F_OK) == 0);
	printf("ok: %s, postmaster %d, %s\n", url, (int)info.pid, info.data_dir);
	return 0;
}
