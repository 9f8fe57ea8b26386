#!/bin/sh
# load: p50 and p99 of /select42 against the achieved rate, open loop with Poisson arrivals, per engine, up to and
# past saturation; and, at one rate, the uniform schedule beside Poisson (arrival.tsv). RATES default to fractions
# of the fastest engine's closed-loop select42 throughput (../throughput/throughput.tsv); the uniform rate is one of
# the Poisson sweep's (half the fastest), so arrival.tsv compares the two schedules at the same rate.
. "$(dirname "$0")/../lib.sh"
if [ -z "${RATES:-}" ]; then
	top=$(throughput_of select42 max)
	[ -n "$top" ] || top=$([ "$QUICK" = 1 ] && echo 4000 || echo 20000)
	RATES=
	for pct in $( [ "$QUICK" = 1 ] && echo 25 110 || echo 25 50 85 110); do
		RATES=$RATES${RATES:+,}$((top * pct / 100))
	done
	: "${UNIFORM_RATE:=$((top / 2))}"
fi
: "${UNIFORM_RATE:=${RATES%%,*}}"
: "${LOAD_REPEAT:=$REPEAT}" "${LOAD_DURATION:=2}" "${LOAD_ENGINES:=$REACTORS}"
begin
echo "rates: $RATES req/s (Poisson); uniform and Poisson at $UNIFORM_RATE req/s" >>"$OUT/machine.txt"
try h sweep --engines="$LOAD_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --rates="$RATES" --arrival=poisson \
	--repeat="$LOAD_REPEAT" --duration="$LOAD_DURATION" --warmup="$WARMUP" --out="$OUT/runs/poisson"
try h sweep --engines="$LOAD_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --rates="$UNIFORM_RATE" \
	--arrival=uniform --repeat="$LOAD_REPEAT" --duration="$LOAD_DURATION" --warmup="$WARMUP" --out="$OUT/runs/uniform"
h export --group --results="$OUT/runs/poisson" --out="$OUT/load.tsv"
h export --group --variant --results="$OUT/runs" --out="$OUT/arrival.tsv"
finish
