#!/bin/sh
# arrival.sh HARNESS DIR - `run --rate --arrival=poisson` runs and records "arrival" in run.json (top level and
# the load generator's config); closed loop records null; an unknown process is refused naming the accepted ones.
set -u
harness=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*"; cat "$dir/log"; exit 1; }
"$harness" run --workload=plaintext --conns=4 --rate=1000 --arrival=poisson --duration=1 --warmup=0 --quiet \
	--out="$dir/p" >"$dir/log" 2>&1 || fail "run --arrival=poisson: exit $?"
[ "$(grep -c '"arrival": "poisson"' "$dir/p/run.json")" = 2 ] || fail "run.json does not say poisson twice"
"$harness" run --workload=plaintext --conns=2 --duration=1 --warmup=0 --quiet --out="$dir/c" >"$dir/log" 2>&1 ||
	fail "closed loop: exit $?"
grep -q '^  "arrival": null' "$dir/c/run.json" || fail "closed loop: arrival is not null"
"$harness" run --rate=10 --arrival=bursty >"$dir/log" 2>&1 && fail "--arrival=bursty accepted"
grep -q "uniform" "$dir/log" && grep -q "poisson" "$dir/log" || fail "no accepted values named"
echo "ok: --arrival=poisson recorded; closed loop null; bad values refused"
