#!/bin/sh
# restart: requests and errors per second across a restart of Postgres, per engine (/select42, one run each).
# Uses `harness run --fault=pg-restart@T` (T seconds into the measurement); a harness without --fault
# gets the same by hand: `harness pg restart` from here, T seconds after measuring began (approximate:
# server start-up time is not known here).
. "$(dirname "$0")/../lib.sh"
if [ "$QUICK" = 1 ]; then : "${RESTART_DURATION:=6}" "${RESTART_AT:=2}"; fi
: "${RESTART_DURATION:=12}" "${RESTART_AT:=4}" "${RESTART_ENGINES:=$REACTORS}"   # a timeline per engine: one run each
begin
echo "restart at: ${RESTART_AT} s into the measurement" >>"$OUT/machine.txt"
has_fault=$("$HARNESS" run --help 2>&1 | grep -c -- '--fault' || true)
for e in $(echo "$RESTART_ENGINES" | tr , ' '); do
	d=$OUT/runs/$e
	[ -s "$d/run.json" ] && continue   # resumable like a sweep
	rm -rf "$d"
	if [ "$has_fault" -gt 0 ]; then
		try h run --engine="$e" --workload=select42 --cores=1 --conns="$CONNS" --duration="$RESTART_DURATION" \
			--warmup="$WARMUP" --fault="pg-restart@$RESTART_AT" --out="$d"
	else
		echo "collect restart: this harness has no --fault: restarting Postgres by hand" >&2
		h run --engine="$e" --workload=select42 --cores=1 --conns="$CONNS" --duration="$RESTART_DURATION" \
			--warmup="$WARMUP" --timeout-ms=2000 --out="$d" &
		pid=$!
		sleep $((WARMUP + RESTART_AT + 1))
		try h pg restart >/dev/null
		wait "$pid" || { echo "collect restart: run $e failed" >&2; FAILED=1; }
	fi
done
h export --timeline --results="$OUT/runs" --out="$OUT/restart.tsv"
finish
