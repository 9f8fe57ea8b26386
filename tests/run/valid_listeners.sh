#!/bin/sh
# valid_listeners.sh HARNESS DIR - a second process listening on the run's port with SO_REUSEPORT
# (started once our server is up, as a leaked server would be there) makes the run INVALID.
set -u
harness=$1 dir=$2
. "$(dirname "$0")/valid_lib.sh"
rm -rf "$dir" && mkdir -p "$dir"
log=$dir/log
"$harness" run --workload=plaintext --conns=4 --duration=3 --warmup=1 --loadgen-probe-s=0 --timeout-ms=1000 \
	--out="$dir/run" >"$log" 2>&1 &
run=$!
other=
trap 'kill $run $other 2>/dev/null' EXIT
# The server's port, from its command line, once the run warms up (the server answers by then).
port=
for i in $(seq 300); do
	if grep -q "warming up" "$log"; then
		for c in $(cat /proc/$run/task/*/children 2>/dev/null); do
			port=$(tr '\0' '\n' </proc/$c/cmdline 2>/dev/null | sed -n 's/^--port=//p')
			[ -n "$port" ] && break
		done
	fi
	[ -n "$port" ] && break
	kill -0 $run 2>/dev/null || fail "the run ended before it warmed up"
	sleep 0.1
done
[ -n "$port" ] || fail "no server port found"
# Accepts and closes: its share of the connections fails, as a stale server's would misbehave.
python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
while True:
    s.accept()[0].close()' "$port" &
other=$!
wait $run || fail "run: exit $?"
run=
j=$dir/run/run.json
[ "$(validity "$j" listeners)" = 2 ] || fail "listeners is $(validity "$j" listeners), not 2"
validity "$j" reasons | grep -q "listeners: 2 processes listen on port $port (.*python" ||
	fail "reasons lack the listeners naming python: $(validity "$j" reasons)"
grep -q "verdict     INVALID: .*listeners: 2" "$log" || fail "no INVALID verdict naming the listeners"
echo "ok: a second SO_REUSEPORT listener on port $port: INVALID (listeners 2)"
