#!/usr/bin/env bash
# profile.sh - perf record (cpu-clock, call graphs) on the server for 4 s in the middle of an 8 s `harness run`; the top symbols and the user/kernel split.
# Usage: harness/scripts/profile.sh NAME ENGINE WORKLOAD [harness run flags]   (env: OUT=/tmp/prof)
# Writes OUT/NAME.data (perf's), NAME.run (the run's report), NAME.top (40 symbols by self time), NAME.dso.
# perf raises the CPU per request: read the shares, and take CPU per request from runs without it.
set -eu
[ $# -ge 3 ] || { echo "usage: profile.sh NAME ENGINE WORKLOAD [harness run flags]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd -P)
name=$1 eng=$2 wl=$3
shift 3
OUT=${OUT:-/tmp/prof}
command -v perf >/dev/null || { echo "profile.sh: perf missing (apt-get install linux-perf)" >&2; exit 1; }
mkdir -p "$OUT"
"$top/build/harness" run --engine="$eng" --workload="$wl" --cores=1 --conns=64 --duration=8 --warmup=1 --quiet \
	--out="$OUT/run-$name" "$@" >"$OUT/$name.run" 2>&1 &
h=$!
sleep 4
pid=$(pgrep -n -f "$top/build/ringside-server") ||
	{ echo "profile.sh: no server of $top/build running 4 s in (see $OUT/$name.run)" >&2; wait $h; exit 1; }
perf record -q -e cpu-clock -g -p "$pid" -o "$OUT/$name.data" -- sleep 4 >/dev/null 2>&1
wait $h
# self time per symbol and per object, without the call-graph lines
perf report -i "$OUT/$name.data" --no-children --sort sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -40 >"$OUT/$name.top"
perf report -i "$OUT/$name.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8 >"$OUT/$name.dso"
echo "profile.sh: $OUT/$name.{top,dso,run}" >&2
