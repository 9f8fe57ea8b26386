#!/bin/sh
# export_format.sh HARNESS RUNS - export --format=csv and md carry the TSV's table: the same rows
# and fields (a comma inside a field is quoted), and md a header separator line.
set -u
harness=$1 runs=$2
fail() { echo "FAIL: $*"; exit 1; }
for g in "" --group; do
	tsv=$("$harness" export --results="$runs" $g) || fail "tsv: exit $?"
	csv=$("$harness" export --results="$runs" $g --format=csv) || fail "csv: exit $?"
	md=$("$harness" export --results="$runs" $g --format=md) || fail "md: exit $?"
	[ -n "$tsv" ] || fail "no rows in $runs"
	[ "$(echo "$csv" | tr ',' '\t')" = "$tsv" ] || fail "csv $g is not the tsv with commas"
	[ "$(echo "$md" | wc -l)" -eq $(($(echo "$tsv" | wc -l) + 1)) ] || fail "md $g: not one line more than tsv"
	echo "$md" | sed -n 2p | grep -q '^|---|\(---|\)*$' || fail "md $g: no separator line"
	[ "$(echo "$md" | sed -n 1p)" = "| $(echo "$tsv" | head -1 | sed 's/\t/ | /g') |" ] || fail "md $g: header"
done
"$harness" export --results="$runs" --format=xls >/dev/null 2>&1
[ $? -eq 2 ] || fail "--format=xls is not a usage error"
echo "ok: csv and md carry the tsv's table"
