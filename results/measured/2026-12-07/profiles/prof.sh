#!/bin/sh
# prof.sh NAME ENGINE WORKLOAD [extra harness flags]: perf the server for 4 s in the middle of an 8 s run (TOP: the checkout, built)
name=$1 eng=$2 wl=$3; shift 3
cd "${TOP:-/work/meas}"
build/harness run --engine=$eng --workload=$wl --cores=1 --conns=64 --duration=8 --warmup=1 --quiet --out=/tmp/prof/run-$name "$@" > /tmp/prof/$name.run 2>&1 &
h=$!
sleep 4
pid=$(pgrep -f ringside-server | head -1)
perf record -q -e cpu-clock -g -p $pid -o /tmp/prof/$name.data -- sleep 4 >/dev/null 2>&1
wait $h
perf report -i /tmp/prof/$name.data --no-children --sort sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -40 > /tmp/prof/$name.top
perf report -i /tmp/prof/$name.data --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8 > /tmp/prof/$name.dso
