#!/bin/sh
# pg_clusters.sh begin|end HARNESS BUILD_ROOT - the suite stops the PostgreSQL clusters (and checks the redis-servers) it started.
# `begin` runs first and alone: it notes whether the build's private cluster was already running
# (then it is the user's, and stays). `end` runs last and alone (lowest priority, not parallel):
# it stops the clusters the tests started (the build's shared one unless it was the user's, the
# restart and fault tests' own) and fails if a postgres under BUILD_ROOT is still running.
set -u
mode=$1 harness=$2 root=$3
note=$root/tests/pg-cluster-was-running

running() { RINGSIDE_PG_DIR=${1:-} "$harness" pg status 2>/dev/null | grep -q '^running: yes'; }

case $mode in
begin)
	rm -f "$note"
	if running; then
		: >"$note"
		echo "ok: the private cluster was running before the suite: it stays running"
	else
		echo "ok: no private cluster before the suite: the last test stops the one the tests start"
	fi
	exit 0
	;;
end) ;;
*)
	echo "usage: pg_clusters.sh begin|end HARNESS BUILD_ROOT" >&2
	exit 2
	;;
esac

stop() {
	running "$1" || return 0
	RINGSIDE_PG_DIR=$1 "$harness" pg stop >/dev/null 2>&1 || echo "FAIL: pg stop ${1:-(the build's cluster)}"
	echo "stopped: ${1:-$root/pg}"
}
kept=no
if [ -e "$note" ]; then
	kept=yes
	echo "the private cluster was running before the suite: left running"
else
	stop ""
fi
# The restart and fault tests' own clusters (tests/integration/restart-cluster-*, tests/run/cluster-*).
for d in "$root"/tests/integration/restart-cluster-* "$root"/tests/run/cluster-*; do
	[ -d "$d" ] && stop "$d"
done
rm -f "$note"

# Any postgres still running on a data directory under the build root (but the user's own).
left=$(ps -eo pid=,args= | grep '[p]ostgres.* -D '"$root/" || true)
[ "$kept" = yes ] && left=$(printf '%s\n' "$left" | grep -v " -D $root/pg/data" || true)
if [ -n "$left" ]; then
	echo "FAIL: postgres still running under $root:"
	echo "$left"
	exit 1
fi
echo "ok: no PostgreSQL started by the suite is left running"

# The Redis tests' own redis-servers (RINGSIDE_REDIS_DIR under tests/): each test stops its own;
# one still running here was left by a test that was killed. Stop it, and say so.
leftr=
for p in $(pgrep -x redis-server 2>/dev/null); do
	case $(readlink "/proc/$p/cwd" 2>/dev/null) in
	"$root"/tests/*) leftr="$leftr $p"; kill "$p" 2>/dev/null ;;
	esac
done
if [ -n "$leftr" ]; then
	echo "FAIL: redis-server started by the suite still running (pids$leftr): stopped now"
	exit 1
fi
echo "ok: no redis-server started by the suite is left running"
