#!/bin/sh
# redisctl.sh - harness redis start|status|url|restart|stop on a directory of its own.
harness=$1
dir=$2
command -v redis-server >/dev/null || { echo "skip: no redis-server (Debian package redis-server)"; exit 77; }
rm -rf "$dir"
export RINGSIDE_REDIS_DIR="$dir"
fail() { echo "FAIL: $*"; "$harness" redis stop; exit 1; }
"$harness" redis status && fail "status says running before start"
url=$("$harness" redis start) || fail "start"
case $url in redis://127.0.0.1:[0-9]*) ;; *) fail "start printed '$url'";; esac
[ "$("$harness" redis url)" = "$url" ] || fail "url differs from start's"
[ -S "$dir/redis.sock" ] || fail "no Unix socket in $dir"
pid1=$(cat "$dir/redis.pid")
[ "$("$harness" redis start)" = "$url" ] || fail "a second start moved it"
[ "$(cat "$dir/redis.pid")" = "$pid1" ] || fail "a second start started another server"
[ "$("$harness" redis restart)" = "$url" ] || fail "restart moved the port"
[ "$(cat "$dir/redis.pid")" != "$pid1" ] || fail "restart kept the old process"
"$harness" redis stop || fail "stop"
"$harness" redis status && fail "status says running after stop"
kill -0 "$pid1" 2>/dev/null && fail "the first server still runs"
rm -rf "$dir"
exit 0
