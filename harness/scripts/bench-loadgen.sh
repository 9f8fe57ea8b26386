#!/usr/bin/env bash
# bench-loadgen.sh - the instrument against wrk, in one run (issue 5): nginx on CPU $SRV_CPU serves
# /plaintext; wrk and `harness loadgen` take turns on CPU $GEN_CPU, closed loop, $ROUNDS rounds;
# then the load generator's open loop at $RATE req/s: achieved rate against the asked one.
# Usage: harness/scripts/bench-loadgen.sh   (env: SRV_CPU GEN_CPU DURATION CONNS ROUNDS RATE)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build="$top/build"
. "$top/harness/scripts/lib.sh"
SRV_CPU=${SRV_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-20000}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
command -v nginx >/dev/null || { echo "needs nginx: apt-get install -y nginx-light" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(cat "$tmp"/*.pid 2>/dev/null) 2>/dev/null; rm -rf "$tmp"' EXIT
nginx_start "$tmp" 18081 "$SRV_CPU" >/dev/null
url=http://127.0.0.1:18081/plaintext

# from the load generator's summary: "requests N in T s: R req/s" and the latency table (ms)
lg_rps() { awk '/^requests/ { print $(NF - 1); exit }' "$1"; }
lg_p99() { awk '$1 == "latency" && $2 != "(ms)" { print $4 "ms"; exit }' "$1"; }

printf 'round\ttool\tmode\tasked_rps\trps\tp99\n'
for round in $(seq "$ROUNDS"); do
	taskset -c "$GEN_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url" >"$tmp/wrk.out"
	printf '%s\twrk\tclosed\t-\t%s\t%s\n' "$round" "$(awk '/Requests\/sec/ { print $2 }' "$tmp/wrk.out")" \
		"$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")"
	"$build/harness" loadgen --url="$url" --threads=1 --conns="$CONNS" --duration="$DURATION" --warmup=0 \
		--cpus="$GEN_CPU" >"$tmp/lg.out" 2>&1
	printf '%s\tloadgen\tclosed\t-\t%s\t%s\n' "$round" "$(lg_rps "$tmp/lg.out")" \
		"$(lg_p99 "$tmp/lg.out")"
done
"$build/harness" loadgen --url="$url" --threads=1 --conns="$CONNS" --duration="$DURATION" --warmup=1 \
	--rate="$RATE" --cpus="$GEN_CPU" >"$tmp/lg.out" 2>&1
printf -- '-\tloadgen\topen\t%s\t%s\t%s\n' "$RATE" "$(lg_rps "$tmp/lg.out")" \
	"$(lg_p99 "$tmp/lg.out")"
cat "$tmp/lg.out" >&2
