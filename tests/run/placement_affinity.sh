#!/bin/sh
# placement_affinity.sh SERVER ENGINE - started under `taskset -c 1` without --cpus, the server's
# reactor must stay inside the inherited set: its Cpus_allowed_list is 1 (it used to be CPU 0).
set -u
server=$1 engine=$2
command -v taskset >/dev/null || { echo "SKIP: no taskset (util-linux)"; exit 77; }
taskset -c 1 true 2>/dev/null || { echo "SKIP: CPU 1 is not available to this process"; exit 77; }
# Below the ephemeral range (32768 up): a client socket of another test may hold any port in it.
port=$(( 20000 + $$ % 12000 ))
log=$(mktemp)
RINGSIDE_PG_URL= taskset -c 1 "$server" --engine="$engine" --cores=1 --port=$port >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
list=
for i in $(seq 50); do
	for t in /proc/$pid/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = rs-reactor-0 ] || continue
		list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status")
	done
	grep -q 'reactor 0 -> CPU' "$log" && [ -n "$list" ] && break
	sleep 0.1
done
[ -n "$list" ] || { echo "FAIL: no rs-reactor-0 thread"; cat "$log"; exit 1; }
[ "$list" = 1 ] || { echo "FAIL: reactor's Cpus_allowed_list is $list, expected 1"; cat "$log"; exit 1; }
grep -q 'reactor 0 -> CPU 1' "$log" || { echo "FAIL: the server did not print its placement"; cat "$log"; exit 1; }
echo "ok: reactor on CPU 1 under taskset -c 1"
