#!/bin/sh
# files: /file at each size, hot and cold page cache, every engine: throughput, p99, server CPU per request (closed loop, 1 reactor).
# The files are made under build/ (harness files make), never committed.
. "$(dirname "$0")/../lib.sh"
if [ "$QUICK" = 1 ]; then : "${SIZES:=1k 1m}" "${CACHES:=hot cold}"; fi
: "${FILE_ENGINES:=$REACTORS}" "${SIZES:=1k 1m}" "${CACHES:=hot cold}" "${FILE_COUNT:=1000}"
begin
h files make --sizes="$(echo $SIZES | tr ' ' ,)" --count="$FILE_COUNT"
for s in $SIZES; do
	for c in $CACHES; do
		try h sweep --engines="$FILE_ENGINES" --workloads=file --file-size="$s" --file-cache="$c" --cores=1 \
			--conns="$CONNS" --repeat="$REPEAT" --duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs/$s-$c"
	done
done
h export --group --results="$OUT/runs" --out="$OUT/files.tsv"
finish
