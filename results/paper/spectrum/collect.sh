#!/bin/sh
# spectrum: the latency percentile spectrum of /select42 per engine at one open-loop rate (from latency.hgrm,
# latencies from intended send times). RATE defaults to half the slowest engine's closed-loop select42
# throughput (../throughput/throughput.tsv), so that every engine sustains it.
. "$(dirname "$0")/../lib.sh"
: "${RATE:=$(r=$(throughput_of select42 min); [ -n "$r" ] && echo $((r / 2)))}"
: "${RATE:=2000}"
if [ "$QUICK" = 1 ]; then : "${SPECTRUM_DURATION:=2}"; fi
: "${SPECTRUM_ENGINES:=$REACTORS}"
: "${SPECTRUM_DURATION:=6}"   # longer than the other runs: the far tail needs requests
begin
echo "rate: $RATE req/s" >>"$OUT/machine.txt"
try h sweep --engines="$SPECTRUM_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --rates="$RATE" --repeat="$REPEAT" \
	--duration="$SPECTRUM_DURATION" --warmup="$WARMUP" --out="$OUT/runs"
h export --spectrum --results="$OUT/runs" --out="$OUT/spectrum.tsv"
h export --group --results="$OUT/runs" --out="$OUT/summary.tsv"
finish
