#!/bin/sh
# perf_missing.sh HARNESS ENGINE DIR - a run where perf cannot be found says why syscalls were not
# counted, once in the summary and once in run.json (server.syscalls_why).
set -u
harness=$1 engine=$2 dir=$3
rm -rf "$dir"; mkdir -p "$dir/bin"
PATH="$dir/bin" "$harness" run --engine="$engine" --duration=1 --warmup=0 --conns=2 --quiet \
	--out="$dir/run" >"$dir/log" 2>&1
rc=$?
fail() { echo "FAIL: $*"; cat "$dir/log"; exit 1; }
[ $rc = 0 ] || fail "harness exit $rc"
[ "$(grep -c 'perf is not installed (Debian package linux-perf)' "$dir/log")" = 1 ] ||
	fail "the summary did not say once that perf is missing"
grep -q '"syscalls_why": "perf: perf is not installed' "$dir/run/run.json" || fail "no syscalls_why in run.json"
echo "ok: perf missing said once in the summary and in run.json"
