# lib.sh - sourced by every results/paper/<figure>/collect.sh: the harness, full or quick sizes, machine.txt, small logs.
#
# Environment (all optional):
#   HARNESS=PATH       the harness to run (default: ./ringside, which builds build/ first)
#   RS_QUICK=1         a smoke test of the pipeline: 1 s runs, 2 repetitions, a tiny matrix;
#                      written under RS_PAPER_OUT (default /tmp/ringside-quick), never into results/paper
#   RS_PAPER_OUT=DIR   write <DIR>/<figure>/ instead of results/paper/<figure>/
#   ENGINES=a,b        presets (default: every preset `harness engines --names` lists); each collect.sh names its other knobs at its top
#   DURATION WARMUP REPEAT CONNS   seconds measured, seconds of warm-up, repetitions, connections
#   RS_INCLUDE_INVALID=1  the tables keep runs whose validity verdict is INVALID (default: 1 with
#                      RS_QUICK=1, whose 1 s runs on a working tree exercise the pipeline, else 0);
#                      either way <figure>/validity.txt counts the verdicts and the tables say what they kept
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
FIGURE=$(basename "$HERE")
ROOT=$(cd "$HERE/../../.." && pwd)
PAPER=$(dirname "$HERE")
HARNESS=${HARNESS:-$ROOT/ringside}
QUICK=${RS_QUICK:-0}
INCLUDE_INVALID=${RS_INCLUDE_INVALID:-$QUICK}

if [ "$QUICK" = 1 ]; then
	: "${RS_PAPER_OUT:=/tmp/ringside-quick}"
	: "${DURATION:=1}" "${WARMUP:=1}" "${REPEAT:=2}" "${CONNS:=16}"
else
	: "${DURATION:=5}" "${WARMUP:=1}" "${REPEAT:=3}" "${CONNS:=64}"
fi
: "${ENGINES:=$("$HARNESS" engines --names | paste -sd, -)}"
[ -n "$ENGINES" ] || { echo "collect $FIGURE: $HARNESS engines --names listed no preset" >&2; exit 1; }
if [ -n "${RS_PAPER_OUT:-}" ]; then
	OUT=$RS_PAPER_OUT/$FIGURE
	DATA=$RS_PAPER_OUT
else
	OUT=$HERE
	DATA=$PAPER
fi
FAILED=0

h() {
	if [ "$1" = export ] && [ "$INCLUDE_INVALID" = 1 ]; then
		set -- "$@" --include-invalid
	fi
	echo "+ harness $*" >&2
	"$HARNESS" "$@"
}

# validity.txt: how many of the figure's runs are valid, and what the tables left out (or kept) and why.
verdicts() {
	n=$(find "$OUT" -name run.json | wc -l)
	{
		echo "runs: $n"
		[ "$INCLUDE_INVALID" = 1 ] && echo "tables: INVALID runs kept (RS_INCLUDE_INVALID=1)"
		[ "$n" -gt 0 ] && "$HARNESS" export --results="$OUT" --out=/dev/null $([ "$INCLUDE_INVALID" = 1 ] &&
			echo --include-invalid) 2>&1 | sed -n 's/^ringside export: //p'
	} >"$OUT/validity.txt"
	sed 's/^/collect '"$FIGURE"': /' "$OUT/validity.txt"
}

# A step that may fail (a sweep with a failed cell): note it, keep going, fail at the end.
try() {
	"$@" || { echo "collect $FIGURE: failed ($?): $*" >&2; FAILED=1; }
}

# machine.txt: where and from what the data came.
begin() {
	mkdir -p "$OUT"
	{
		echo "figure: $FIGURE"
		echo "collected: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		if [ "$QUICK" = 1 ]; then echo "mode: QUICK (a smoke test of the pipeline, not data)"; else echo "mode: full"; fi
		echo "uname: $(uname -a)"
		echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort | uniq -c | sed 's/^ *//')"
		echo "cpus: $(nproc)"
		echo "memory: $(sed -n 's/^MemTotal:[[:space:]]*//p' /proc/meminfo)"
		echo "commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)$(
			[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (with uncommitted changes)')"
		# No absolute path of this machine: the harness relative to the tree (or just its name).
		case $HARNESS in "$ROOT"/*) echo "harness: ${HARNESS#"$ROOT"/}" ;; *) echo "harness: ${HARNESS##*/}" ;; esac
		echo "sizes: engines=$ENGINES duration=$DURATION warmup=$WARMUP repeat=$REPEAT conns=$CONNS"
		echo "invalid runs: $([ "$INCLUDE_INVALID" = 1 ] && echo kept || echo left out) (validity.txt counts them)"
		echo "command: RS_QUICK=$QUICK sh results/paper/$FIGURE/collect.sh"
	} >"$OUT/machine.txt"
}

# Keep committed data small: a server.log over 4 KB keeps its first and last 1.5 KB.
trim_logs() {
	find "$1" -name server.log -size +4k | while read -r f; do
		n=$(wc -c <"$f")
		{ head -c 1536 "$f"; printf '\n[... %s bytes trimmed by collect.sh ...]\n' "$n"; tail -c 1536 "$f"; } >"$f.tmp"
		mv "$f.tmp" "$f"
	done
}

# In the closed loop the corrected histogram is the raw one: keep one copy.
drop_raw_twins() {
	find "$1" -name latency_raw.hgrm | while read -r f; do
		if cmp -s "$f" "$(dirname "$f")/latency.hgrm"; then rm -f "$f"; fi
	done
}

finish() {
	verdicts
	trim_logs "$OUT"
	drop_raw_twins "$OUT"
	if [ "$FAILED" = 1 ]; then
		echo "collect $FIGURE: $OUT: SOME STEPS FAILED (see above)"
	else
		echo "collect $FIGURE: $OUT"
	fi
	exit "$FAILED"
}

# Column NAME of a TSV with a header: its index, or nothing.
col_of() {
	head -n 1 "$1" | tr '\t' '\n' | grep -nx "$2" | cut -d: -f1
}

# The smallest (min) or largest (max) median req/s of WORKLOAD over the engines of the
# throughput figure's table, rounded down; empty when there is no such table yet.
throughput_of() {
	t=$DATA/throughput/throughput.tsv
	[ -s "$t" ] || return 0
	c=$(col_of "$t" rps)
	w=$(col_of "$t" workload)
	awk -F'\t' -v c="$c" -v w="$w" -v want="$1" -v how="$2" '
		NR > 1 && $w == want && $c != "NaN" {
			if (n++ == 0 || (how == "min" ? $c < v : $c > v)) v = $c
		}
		END { if (n) printf "%d\n", v }' "$t"
}
