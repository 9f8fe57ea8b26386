#!/bin/sh
# valid_starved.sh HARNESS DIR - a starved load generator (--conns=1 on /plaintext) is flagged:
# loadgen-bound by the probe (twice the connections answer more), or not saturated naming the load generator.
set -u
harness=$1 dir=$2
. "$(dirname "$0")/valid_lib.sh"
rm -rf "$dir" && mkdir -p "$dir"
log=$dir/log
"$harness" run --workload=plaintext --conns=1 --duration=2 --warmup=1 --loadgen-probe-s=2 --quiet \
	--out="$dir/run" >"$log" 2>&1 || fail "run: exit $?"
j=$dir/run/run.json
reasons=$(validity "$j" reasons)
bound=$(validity "$j" loadgen_bound)
[ "$bound" = true ] || [ "$bound" = false ] || fail "loadgen_bound is $bound after a probe"
echo "$reasons" | grep -Eq "loadgen-bound: |not saturated: .*the limit is the load generator" ||
	fail "neither loadgen-bound nor not saturated naming the load generator: $reasons"
[ "$(validity "$j" ok)" = false ] || fail "validity.ok is not false"
grep -q "verdict     INVALID: " "$log" || fail "no INVALID verdict line"
[ "$(validity "$j" listeners)" = 1 ] || fail "listeners is $(validity "$j" listeners), not 1"
echo "ok: --conns=1 flagged (loadgen_bound $bound): $reasons"

# Open loop takes no probe: loadgen_bound is null, and why is said.
"$harness" run --workload=plaintext --conns=2 --rate=200 --duration=1 --warmup=0 --quiet \
	--out="$dir/open" >"$log" 2>&1 || fail "open-loop run: exit $?"
[ "$(validity "$dir/open/run.json" loadgen_bound)" = null ] || fail "open loop: loadgen_bound is not null"
[ "$(validity "$dir/open/run.json" loadgen_probe_why)" = '"open loop"' ] || fail "open loop: no probe_why"
echo "ok: open loop: loadgen_bound null (not probed)"
