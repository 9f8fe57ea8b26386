#!/bin/sh
# concurrent_runs.sh HARNESS ENGINE DIR - two `harness run`s started together: the second waits for
# the first (and says for whom), so their measured windows (run.json) do not overlap; a third
# with --no-wait while one measures refuses.
set -u
harness=$1 engine=$2 dir=$3
rm -rf "$dir"; mkdir -p "$dir"
# The suite turns the machine-wide lock off for the other run tests; this one needs a real one.
export RINGSIDE_MEASURE_LOCK="$dir/measure.lock"
go() { "$harness" run --engine="$engine" --workload=plaintext --duration=2 --warmup=1 --conns=4 --quiet "$@"; }
go --out="$dir/a" >"$dir/a.log" 2>&1 & a=$!
sleep 0.3
go --out="$dir/b" >"$dir/b.log" 2>&1 & b=$!
sleep 0.3
go --out="$dir/c" --no-wait >"$dir/c.log" 2>&1; c=$?
wait $a; ra=$?; wait $b; rb=$?
fail() { echo "FAIL: $*"; for f in a b c; do echo "== $f"; cat "$dir/$f.log"; done; exit 1; }
[ $ra = 0 ] && [ $rb = 0 ] || fail "harness exit $ra, $rb"
[ $c != 0 ] || fail "--no-wait ran although another run held the lock"
grep -q 'refusing (--no-wait)' "$dir/c.log" || fail "--no-wait did not say who holds the lock"
grep -q 'waiting for the measuring run of PID [0-9]* .*harness' "$dir/b.log" "$dir/a.log" ||
	fail "the second run did not say that it waits, and for whom"
win() { tr -d '\n ' <"$1/run.json" | sed -n 's/.*"measured_window":{"start":\([-0-9.e+]*\),"end":\([-0-9.e+]*\)}.*/\1 \2/p'; }
wa=$(win "$dir/a") wb=$(win "$dir/b")
[ -n "$wa" ] && [ -n "$wb" ] || fail "no measured_window in run.json"
echo "$wa $wb" | awk '{ if ($1 < $4 && $3 < $2) exit 1 }' || fail "windows overlap: a $wa, b $wb"
echo "ok: windows a $wa, b $wb do not overlap; --no-wait refused"
