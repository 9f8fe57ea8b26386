#!/usr/bin/env bash
# bench-plaintext.sh - ringside engines against nginx on /plaintext with wrk, in one run (issue 2's benchmark).
# Server and nginx on CPU $SRV_CPU, wrk on CPU $GEN_CPU. Prints a TSV table and writes it to $OUT.
# Usage: harness/scripts/bench-plaintext.sh [ENGINE...]   (default: every engine that runs here)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build="$top/build"
SRV_CPU=${SRV_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
DURATION=${DURATION:-10}
CONNS=${CONNS:-"64 256"}
OUT=${OUT:-"$top/results/runs/bench-plaintext-$(date +%Y%m%d-%H%M%S).tsv"}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
command -v nginx >/dev/null || { echo "needs nginx: apt-get install -y nginx-light" >&2; exit 1; }
engines=${*:-$("$build/harness" engines | awk 'NR > 1 && $2 == "yes" { print $1 }')}
tmp=$(mktemp -d)
trap 'kill $(cat "$tmp"/*.pid 2>/dev/null) 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$OUT")"
. "$top/harness/scripts/lib.sh"

# wrk has no pipelining flag: a Lua script sends 16 requests per write.
cat >"$tmp/pipe16.lua" <<'LUA'
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil, "/plaintext") end
  req = table.concat(r)
end
request = function() return req end
LUA

# measure NAME PID PORT CONNS [wrk args...]: one wrk run; prints a TSV row.
measure() {
	name=$1 pid=$2 port=$3 conns=$4
	shift 4
	t0=$(cpu_ticks "$pid")
	rps=$(taskset -c "$GEN_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" "$@" "http://127.0.0.1:$port/plaintext" |
		awk '/Requests\/sec/ { print $2 }')
	t1=$(cpu_ticks "$pid")
	hz=$(getconf CLK_TCK)
	cpu=$(echo "scale=1; 100 * ($t1 - $t0) / $hz / $DURATION" | bc)
	threads=$(ls "/proc/$pid/task" | wc -l)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$conns" "$PIPE" "$rps" "$cpu" "$threads"
}

printf 'server\tconns\tpipeline\trps\tserver_cpu_pct\tthreads\n' | tee "$OUT"
ngx_worker=$(nginx_start "$tmp" 18081 "$SRV_CPU")
port=18090
for e in $engines; do
	"$build/ringside-server" --engine="$e" --cores=1 --cpus="$SRV_CPU" --port=$port 2>"$tmp/$e.log" &
	echo $! >"$tmp/$e.pid"
	wait_port $port
	for c in $CONNS; do
		PIPE=1 measure "$e" "$(cat "$tmp/$e.pid")" $port "$c" | tee -a "$OUT"
		PIPE=1 measure nginx "$ngx_worker" 18081 "$c" | tee -a "$OUT"
	done
	PIPE=16 measure "$e" "$(cat "$tmp/$e.pid")" $port 64 -s "$tmp/pipe16.lua" | tee -a "$OUT"
	PIPE=16 measure nginx "$ngx_worker" 18081 64 -s "$tmp/pipe16.lua" | tee -a "$OUT"
	kill "$(cat "$tmp/$e.pid")"
	wait "$(cat "$tmp/$e.pid")" || true
	rm -f "$tmp/$e.pid"
	port=$((port + 1))
done
echo "results: $OUT" >&2
