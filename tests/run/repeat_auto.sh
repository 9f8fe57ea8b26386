#!/bin/sh
# repeat_auto.sh HARNESS DIR - `run --repeat=auto` and `sweep --repeat=auto` with --max-repeat=3: at least 3
# runs (the fewest whose interval counts), never more than the cap; repeat.json says how many and whether
# the median converged. Bad values of --repeat are refused, naming what is accepted.
set -u
harness=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*"; cat "$dir/log"; exit 1; }
num() { sed -n "s/.*\"$2\": \([0-9a-z]*\).*/\1/p" "$1" | head -n 1; }

"$harness" run --repeat=sometimes --workload=plaintext >"$dir/log" 2>&1 && fail "--repeat=sometimes accepted"
grep -q "want a count 1..1000 or 'auto'" "$dir/log" || fail "no reason for refusing --repeat=sometimes"

"$harness" run --workload=plaintext --conns=2 --repeat=auto --max-repeat=3 --duration=1 --warmup=0 --loadgen-probe-s=0 --quiet \
	--out="$dir/run" >"$dir/log" 2>&1 || fail "run --repeat=auto: exit $?"
j=$dir/run/repeat.json
[ -s "$j" ] || fail "no $j"
[ "$(num "$j" runs)" = 3 ] || fail "run: $(num "$j" runs) runs, want 3 (the minimum and the cap)"
for r in 1 2 3; do [ -s "$dir/run/$r/run.json" ] || fail "no run $r"; done
[ ! -e "$dir/run/4" ] || fail "a fourth run past --max-repeat=3"
c=$(num "$j" converged)
[ "$c" = true ] || [ "$c" = false ] || fail "converged is '$c'"
grep -q -- "--repeat=auto: 3 runs, " "$dir/log" || fail "run: the count is not printed"

"$harness" sweep --engines=uring --workloads=plaintext --conns=2 --cores=1 --repeat=auto --max-repeat=3 \
	--duration=1 --warmup=0 --quiet --out="$dir/sweep" >"$dir/log" 2>&1 || fail "sweep --repeat=auto: exit $?"
j=$dir/sweep/repeat.json
[ -s "$j" ] || fail "no $j"
[ "$(num "$j" runs)" = 3 ] || fail "sweep: $(num "$j" runs) runs, want 3"
grep -Eq "converged|not converged" "$dir/log" || fail "sweep: convergence not printed"
echo "ok: --repeat=auto on run and sweep, capped by --max-repeat, recorded in repeat.json"
