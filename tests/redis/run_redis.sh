#!/bin/sh
# run_redis.sh - `harness run --workload=W` of a Redis workload on one preset: the private redis-server is started, loaded, recorded in run.json (URL, version, settings), stopped.
harness=$1 engine=$2 workload=$3 dir=$4
command -v redis-server >/dev/null || { echo "skip: no redis-server (Debian package redis-server)"; exit 77; }
rm -rf "$dir"
export RINGSIDE_REDIS_DIR="$dir/redis"
fail() { echo "FAIL: $*"; "$harness" redis stop; exit 1; }
"$harness" run --engine="$engine" --workload="$workload" --queries=5 --duration=1 --warmup=0 --conns=4 --quiet \
	--out="$dir/run" || fail "harness run failed"
url=$("$harness" redis url) || fail "the private redis-server is not running after the run"
# run.json's redis: where, and the server's version and settings (the private one: no AOF, an RDB
# at most hourly, so that a restart keeps its keys).
j=$(tr -d '\n' <"$dir/run/run.json" | grep -o '"redis": {[^}]*}[^}]*}') || fail "run.json has no redis object"
echo "$j" | grep -q "\"url\": \"$url\"" || fail "run.json does not record redis $url: $j"
echo "$j" | grep -q '"redis_version": "[1-9][0-9.]*"' || fail "no redis.settings.redis_version: $j"
echo "$j" | grep -q '"maxmemory": "[0-9]*"' || fail "no redis.settings.maxmemory: $j"
echo "$j" | grep -q '"save": "3600 1"' && echo "$j" | grep -q '"appendonly": "no"' || fail "persistence settings not recorded: $j"
grep -q '"non2xx": 0' "$dir/run/run.json" || fail "non-2xx answers: $(grep -o '"errors": {[^}]*}' "$dir/run/run.json")"
grep -q '"requests": [1-9]' "$dir/run/run.json" || fail "no requests measured"
"$harness" redis stop
rm -rf "$dir"
