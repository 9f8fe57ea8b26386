#!/bin/sh
# load: p50 and p99 of /select42 against the achieved rate, open loop, per engine, up to and past
# saturation. RATES default to fractions of the fastest engine's closed-loop select42 throughput
# (../throughput/throughput.tsv); one repetition per rate (the curve is the repetition).
. "$(dirname "$0")/../lib.sh"
if [ -z "${RATES:-}" ]; then
	top=$(throughput_of select42 max)
	[ -n "$top" ] || top=$([ "$QUICK" = 1 ] && echo 4000 || echo 20000)
	RATES=
	for pct in $( [ "$QUICK" = 1 ] && echo 25 75 110 || echo 10 25 50 70 85 100 115); do
		RATES=$RATES${RATES:+,}$((top * pct / 100))
	done
fi
: "${LOAD_REPEAT:=1}"
begin
echo "rates: $RATES req/s" >>"$OUT/machine.txt"
try h sweep --engines="$ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --rates="$RATES" --repeat="$LOAD_REPEAT" \
	--duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs"
h export --group --results="$OUT/runs" --out="$OUT/load.tsv"
finish
