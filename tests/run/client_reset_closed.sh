#!/bin/sh
# client_reset_closed.sh HARNESS ENGINE DIR - closed-loop /db load while the load generator resets
# every 10th request's connection mid-request: the server must survive (exit status 0 after the
# graceful stop), count no errors, and hold no more fds after than before. libev 4.33's io_uring
# backend aborted here until the ev engine stopped removing armed polls (engines/ev/ev.c).
set -u
harness=$1 engine=$2 dir=$3
rm -rf "$dir"
"$harness" run --engine="$engine" --workload=db --duration=4 --warmup=1 --conns=32 \
	--fault=client-reset@1:2 --quiet --out="$dir" >"$dir.log" 2>&1
rc=$?
fail() { echo "FAIL ($engine): $*"; cat "$dir.log"; exit 1; }
[ -f "$dir/run.json" ] || fail "no run.json (harness exit $rc)"
grep -q '"exit_status": 0' "$dir/run.json" || fail "server $(grep -o '"exit_status": [0-9]*' "$dir/run.json")"
grep -q '"total": 0' "$dir/run.json" || fail "errors: $(grep -o '"errors": {[^}]*}' "$dir/run.json")"
before=$(sed -n 's/.*"fds_before": \([0-9]*\).*/\1/p' "$dir/run.json" | head -1)
after=$(sed -n 's/.*"fds_after": \([0-9]*\).*/\1/p' "$dir/run.json" | head -1)
[ -n "$before" ] && [ -n "$after" ] || fail "no fds_before/fds_after in run.json"
[ "$after" -le $((before + 4)) ] || fail "fds $before -> $after"
echo "ok ($engine): exit 0, no errors, fds $before -> $after"
