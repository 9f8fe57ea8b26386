#!/bin/sh
# run.sh - one libFuzzer run, for meson test: run.sh TARGET SEED_DIR WORK_DIR; $RINGSIDE_FUZZ_SECONDS long.
set -u
target=$1 seeds=$2 work=$3
secs=${RINGSIDE_FUZZ_SECONDS:-10}
name=$(basename "$target")

mkdir -p "$work/corpus" "$work/crashes" || exit 1
# Where an undefined-behaviour report comes from matters as much as what it says.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
stamp="$work/.started"
: >"$stamp"
# New inputs go to the first folder, in the build tree: the seed folder in the source tree is
# only read (its inputs run first, so a regression input that crashes again fails at once).
# -timeout: an input slower than 10 s counts as a hang; -max_len: requests, responses and
# server streams worth finding bugs in fit in 4 KiB.
# The outer timeout catches a target that hangs outside libFuzzer's reach.
# -error_exitcode=1: libFuzzer's own default for a crash is 77, which meson reads as a skip.
timeout -k 10 $((secs + 120)) "$target" -max_total_time="$secs" -timeout=10 -max_len=4096 -error_exitcode=1 \
	-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/crashes/" \
	"$work/corpus" "$seeds"
rc=$?
if [ "$rc" -ne 0 ]; then
	found=$(find "$work/crashes" -type f -newer "$stamp" 2>/dev/null)
	for f in $found; do
		echo "fuzz: $name: crashing input: $f" >&2
	done
	[ -n "$found" ] && echo "fuzz: fix the bug, then copy the input into $seeds/ as a regression input" >&2
	[ "$rc" -eq 124 ] && echo "fuzz: $name: did not finish within $((secs + 120)) s" >&2
fi
exit "$rc"
