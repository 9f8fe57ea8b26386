#!/bin/sh
# ab.sh HARNESS SOURCE - `harness ab HEAD~1 HEAD` end to end with 1 s /select42 runs: both refs built under build-ab/,
# run A, B, A, B, compared. Skips (77) outside a git checkout or when HEAD has no parent.
set -u
harness=$1 src=$2
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || { echo "SKIP: $src is not a git checkout"; exit 77; }
git -C "$src" rev-parse --verify --quiet 'HEAD~1^{commit}' >/dev/null || { echo "SKIP: HEAD has no parent commit"; exit 77; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() { echo "FAIL: $*"; cat "$log"; exit 1; }
"$harness" ab HEAD~1 HEAD --workload=select42 --conns=2 --duration=1 --warmup=0 --quiet --repeat=2 >"$log" 2>&1 ||
	fail "ab: exit $?"
order=$(grep -o "^ab: round [12], [AB]" "$log" | tr '\n' ' ')
[ "$order" = "ab: round 1, A ab: round 1, B ab: round 2, A ab: round 2, B " ] || fail "not interleaved: $order"
grep -q "A = HEAD~1, B = HEAD" "$log" || fail "no compare header"
grep -Eq "select42 +throughput .*(HEAD is|no significant difference)" "$log" || fail "no throughput verdict"
dir=$(sed -n 's/^ab: \(.*results\/runs\/.*ab-.*\)$/\1/p' "$log")
[ -n "$dir" ] && [ -s "$dir/A/2/run.json" ] && [ -s "$dir/B/2/run.json" ] || fail "no runs under '$dir'"
# Both sides measured against one Postgres (this harness's cluster), not one each under build-ab/.
if command -v python3 >/dev/null; then
	pg_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["postgres"].get("url"))' "$1"; }
	a=$(pg_of "$dir/A/2/run.json") b=$(pg_of "$dir/B/2/run.json")
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "A and B used different Postgres servers: '$a' and '$b'"
fi
rm -rf "$dir"
echo "ok: ab HEAD~1 HEAD built both, ran A B A B against one Postgres, compared"
