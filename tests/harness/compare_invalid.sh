#!/bin/bash
# compare_invalid.sh HARNESS FIXTURE-RUNS WORKDIR - `harness compare` leaves INVALID runs (run.json
# validity.ok false) out by default and says per side how many and why; --include-invalid keeps them;
# a run without a validity block (the fixture's, from before it) counts as valid.
set -euo pipefail
harness=$1 runs=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/runs"
cp -r "$runs/epoll" "$runs/uring" "$work/runs/"
# The fixture's two runs differ in length (3 s, 2 s): one configuration only when they match.
sed -i 's/"duration_s": 2,/"duration_s": 3,/' "$work/runs/uring/run.json"
# invalid COPY SRC RPS REASON...: a copy of run SRC, INVALID for REASONs, at a throughput that would show.
invalid() {
	local dst=$work/runs/$1 src=$2 rps=$3 reasons
	shift 3
	reasons=$(printf '"%s", ' "$@")
	cp -r "$work/runs/$src" "$dst"
	sed -i -e "1a\\  \"validity\": {\"ok\": false, \"reasons\": [${reasons%, }]}," \
		-e "s/^    \"rps\": [0-9.]*,/    \"rps\": $rps,/" "$dst/run.json"
}
invalid uring-bad1 uring 99999.0 "interference: 9% of the CPUs" "dirty: uncommitted changes"
invalid uring-bad2 uring 88888.0 "interference: 7% of the CPUs"
invalid epoll-bad epoll 5.0 "steal: 3%"
# A valid run with a validity block of its own: kept like the fixture's runs without one.
cp -r "$work/runs/epoll" "$work/runs/epoll-ok"
sed -i '1a\  "validity": {"ok": true, "reasons": []},' "$work/runs/epoll-ok/run.json"

# tsv_field TSV MEASURE COLUMN: a field of compare's TSV row for MEASURE.
field() { awk -F'\t' -v m="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i } NR > 1 && $7 == m { print $k[c] }' "$1"; }

"$harness" compare engine=epoll engine=uring --results="$work/runs" --format=tsv >"$work/out.tsv" 2>"$work/err" ||
	fail "compare exited $?: $(cat "$work/err")"
cat "$work/err"
[ "$(field "$work/out.tsv" throughput a_n)" = 2 ] || fail "A: $(field "$work/out.tsv" throughput a_n) runs, not 2 (epoll, epoll-ok)"
[ "$(field "$work/out.tsv" throughput b_n)" = 1 ] || fail "B: $(field "$work/out.tsv" throughput b_n) runs, not 1"
[ "$(field "$work/out.tsv" throughput b_median)" = 4231 ] || fail "B's median $(field "$work/out.tsv" throughput b_median): an invalid run counted"
grep -qx 'ringside compare: A (engine=epoll): left out 1 invalid run (steal 1); --include-invalid keeps them' "$work/err" ||
	fail "no note of A's invalid run"
grep -qx 'ringside compare: B (engine=uring): left out 2 invalid runs (interference 2, dirty 1); --include-invalid keeps them' "$work/err" ||
	fail "no note of B's invalid runs, counted by reason"

# --include-invalid: all of them, and said.
"$harness" compare engine=epoll engine=uring --results="$work/runs" --format=tsv --include-invalid >"$work/all.tsv" 2>"$work/err"
[ "$(field "$work/all.tsv" throughput a_n)/$(field "$work/all.tsv" throughput b_n)" = 3/3 ] || fail "--include-invalid: not 3 and 3 runs"
[ "$(field "$work/all.tsv" throughput b_median)" = 88888 ] || fail "--include-invalid: B's median is not 88888"
grep -q '^ringside compare: B (engine=uring): kept 2 invalid runs (interference 2, dirty 1)$' "$work/err" || fail "kept runs not said"

# A side of invalid runs only: nothing left to compare, exit 1, and why.
rc=0
"$harness" compare "$work/runs/epoll" "$work/runs/uring-bad1" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] || fail "a side of invalid runs only: exit $rc, not 1"
grep -q 'left out 1 invalid run (interference 1, dirty 1)' "$work/err" && grep -q 'no finished valid run in' "$work/err" ||
	fail "a side of invalid runs only: $(cat "$work/err")"
echo "ok: compare leaves invalid runs out, per side and why; --include-invalid keeps them"
