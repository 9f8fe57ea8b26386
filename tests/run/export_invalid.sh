#!/bin/sh
# export_invalid.sh HARNESS DIR - export leaves an INVALID run out and says how many and why,
# --include-invalid keeps it, a run without a validity block is kept as validity unknown.
set -u
harness=$1 dir=$2
fail() { echo "FAIL: $*"; cat "$dir/err" 2>/dev/null; exit 1; }
rm -rf "$dir" && mkdir -p "$dir/good" "$dir/bad" "$dir/old"
fixture() { # DIR RPS VALIDITY
	printf '{"engine": {"preset": "uring"}, "workload": "plaintext", "cores": 1, "conns": 64,
	 "summary": {"rps": %s, "latency_us": {"p99": 100}, "errors": 0}%s}\n' "$2" "$3" >"$1/run.json"
}
fixture "$dir/good" 100 ', "validity": {"ok": true, "reasons": []}'
fixture "$dir/bad" 900 ', "validity": {"ok": false, "reasons": ["interference: 40% of the run CPUs", "dirty: x"]}'
fixture "$dir/old" 200 ''
"$harness" export --results="$dir" --out="$dir/t.tsv" 2>"$dir/err" || fail "export: exit $?"
rows=$(grep -vc '^#' "$dir/t.tsv")
[ "$rows" -eq 3 ] || fail "$rows lines, want a header and 2 runs (the invalid one left out)"
grep -q "/bad$" "$dir/t.tsv" && fail "the invalid run is in the table"
grep -q "left out 1 invalid run (interference 1, dirty 1); --include-invalid keeps them" "$dir/err" ||
	fail "stderr does not say what was left out and why"
grep -q "kept 1 run from before the validity block: validity unknown" "$dir/err" || fail "the unknown run is not said"
grep -q "^# ringside export: left out 1 invalid run" "$dir/t.tsv" || fail "the table has no note of it"
echo "ok: export leaves the invalid run out and says why"
"$harness" export --results="$dir" --include-invalid --out="$dir/t.tsv" 2>"$dir/err" || fail "export: exit $?"
[ "$(grep -vc '^#' "$dir/t.tsv")" -eq 4 ] || fail "--include-invalid: not 3 runs"
grep -q "/bad$" "$dir/t.tsv" || fail "--include-invalid: the invalid run is missing"
grep -q "left out" "$dir/err" && fail "--include-invalid still says it left runs out"
grep -q "^# ringside export: kept 1 invalid run (interference 1, dirty 1) (--include-invalid)" "$dir/t.tsv" ||
	fail "--include-invalid: the table does not say it kept an invalid run"
echo "ok: --include-invalid keeps it"
"$harness" export --results="$dir" --group --out="$dir/g.tsv" 2>"$dir/err" || fail "export --group: exit $?"
[ "$(grep -vc '^#' "$dir/g.tsv")" -eq 2 ] || fail "--group: not one group"
c=$(head -1 "$dir/g.tsv" | tr '\t' '\n' | grep -nx runs | cut -d: -f1)
[ "$(sed -n 2p "$dir/g.tsv" | cut -f"$c")" = 2 ] || fail "--group: the group does not have 2 runs"
echo "ok: --group leaves it out of the median"
