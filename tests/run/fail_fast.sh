#!/bin/sh
# fail_fast.sh HARNESS DIR - `harness run` gives up within seconds, with the server's own words,
# when the server cannot reach its database (a --pg on a closed port) or answers the first probe
# with a 4xx (--sleep-ms above the server's 10000), instead of waiting out the 30 s readiness limit.
# (Limits of 15 s leave room for a loaded machine or a sanitizer build; the wait it replaces was 30 s.)
set -u
harness=$1 dir=$2
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "FAIL: $*"; cat "$dir/out"; exit 1; }

# case NAME SECONDS EXPECTED-TEXT ARGS...: exit 1, within SECONDS, the text in the output.
case_() {
	name=$1 limit=$2 want=$3
	shift 3
	start=$(date +%s)
	"$harness" run --duration=1 --warmup=0 --quiet --out="$dir/$name" "$@" >"$dir/out" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	[ "$rc" -eq 1 ] || fail "$name: exit $rc, not 1"
	[ "$took" -le "$limit" ] || fail "$name: took $took s (limit $limit s)"
	grep -qF "$want" "$dir/out" || fail "$name: no '$want' in the output"
	echo "ok: $name: exit 1 after $took s, says '$want'"
}

# Port 1 on loopback: nothing listens there, so every connect is refused.
url=postgresql://bench@127.0.0.1:1/bench
case_ bad-pg 15 "Connection refused" --workload=select42 --pg="$url"
case_ bad-pg-says-url 15 "cannot reach its database (postgresql://bench@127.0.0.1:1/bench)" --workload=select42 --pg="$url"
case_ probe-400 5 "with 400: ms must be an integer in 0..10000" --workload=sleep --sleep-ms=20000 --pg="$url"
