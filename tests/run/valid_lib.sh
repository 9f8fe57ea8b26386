# valid_lib.sh - sourced by the validity tests: fail, skip, and reading run.json's validity block.
fail() { echo "FAIL: $*"; [ -n "${log:-}" ] && [ -f "$log" ] && tail -n 30 "$log"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
command -v python3 >/dev/null || skip "no python3 (it reads run.json here)"
# validity FILE FIELD: one field of run.json's validity block as JSON ("reasons" joined by " | ").
validity() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))["validity"][sys.argv[2]]
print(" | ".join(v) if isinstance(v, list) and v and isinstance(v[0], str) else json.dumps(v))' "$1" "$2"
}
