#!/bin/sh
# valid_interference.sh HARNESS DIR - a busy loop pinned to the server's CPU makes the run INVALID
# with the interference reason; without it, on a quiet machine, interference is no reason.
set -u
harness=$1 dir=$2
. "$(dirname "$0")/valid_lib.sh"
command -v taskset >/dev/null || skip "no taskset (util-linux)"
[ "$(nproc)" -ge 2 ] || skip "one CPU: the server and the load generator share it"
rm -rf "$dir" && mkdir -p "$dir"
log=$dir/log
# The reactor goes on the last CPU of the inherited set.
cpu=$(taskset -cp $$ | sed 's/.*: //' | tr ',' '\n' | tail -n 1 | sed 's/.*-//')
taskset -c "$cpu" sh -c 'while :; do :; done' &
busy=$!
trap 'kill $busy 2>/dev/null' EXIT
run() {
	"$harness" run --workload=plaintext --conns=16 --duration=2 --warmup=1 --loadgen-probe-s=0 --quiet \
		--out="$dir/$1" >"$log" 2>&1 || fail "run $1: exit $?"
}
run busy
kill $busy
wait $busy 2>/dev/null
j=$dir/busy/run.json
grep -q "verdict     INVALID: .*interference: " "$log" || fail "no INVALID verdict naming interference"
[ "$(validity "$j" ok)" = false ] || fail "validity.ok is not false"
validity "$j" reasons | grep -q "interference: " || fail "reasons lack interference: $(validity "$j" reasons)"
hot=$(validity "$j" interference)
echo "ok: with a busy loop on CPU $cpu: interference $hot, INVALID"

# The other half needs a quiet machine: what other processes use of the CPUs over a second, now.
others=$(python3 -c 'import time
def busy():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v[0:3]), sum(v[0:8])
b0, t0 = busy(); time.sleep(1); b1, t1 = busy()
print("%.3f" % ((b1 - b0) / max(t1 - t0, 1)))')
run quiet
j=$dir/quiet/run.json
cold=$(validity "$j" interference)
if python3 -c "import sys; sys.exit(not float(sys.argv[1]) <= 0.05)" "$others"; then
	validity "$j" reasons | grep -q "interference: " && fail "a quiet machine ($others busy) and interference $cold given as a reason"
	echo "ok: without it: interference $cold, not a reason (verdict: $(grep 'verdict' "$log" | sed 's/^ *verdict *//'))"
else
	# Other processes of this machine (parallel tests, builds) are interference too: the verdict may rightly say so.
	echo "ok: without it: interference $cold; not checked further: this machine was $others busy before the run"
fi
