#!/bin/sh
# install.sh BUILD_ROOT FIXTURE - `meson install --destdir` gives a harness that works moved
# elsewhere and run from another directory: --version, a plaintext run (ringside-server found
# beside it), the private cluster's default under $HOME, and plot reading the installed scripts.
set -u
build=$1 fixture=$2
# Outside the build tree: a binary below it counts as a build-tree binary (harness/paths.c).
dir=$(mktemp -d /tmp/ringside-install.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/cwd"
fail() { echo "FAIL: $*"; [ -f "$dir/log" ] && cat "$dir/log"; exit 1; }
meson install -C "$build" --destdir "$dir/stage" --no-rebuild --quiet >"$dir/log" 2>&1 || fail "meson install: exit $?"
bin=$(find "$dir/stage" -type f -name harness -path '*/bin/*' | head -1)
[ -n "$bin" ] || fail "no bin/harness installed"
# Moved: nothing may depend on the install prefix or the source tree.
mv "$dir/stage" "$dir/moved"
bin=$dir/moved${bin#"$dir/stage"}
[ -x "$(dirname "$bin")/ringside-server" ] || fail "no ringside-server beside the harness"
cd "$dir/cwd" || fail "cd"
export HOME="$dir/home"
"$bin" --version >"$dir/log" 2>&1 || fail "--version: exit $?"
"$bin" run --workload=plaintext --conns=2 --duration=1 --warmup=0 --quiet --out=run >"$dir/log" 2>&1 ||
	fail "run from the installed tree: exit $?"
[ -s run/run.json ] || fail "no run/run.json"
"$bin" pg --help >"$dir/log" 2>&1
grep -q "default $HOME/.local/state/ringside/pg" "$dir/log" || fail "the cluster's default is not under \$HOME"
"$bin" plot --help >"$dir/log" 2>&1
if command -v gnuplot >/dev/null 2>&1; then
	"$bin" plot --results="$fixture/results" --out=figs >"$dir/log" 2>&1 || fail "plot: exit $?"
	ls figs/*.png >/dev/null 2>&1 || fail "plot drew nothing from the installed scripts"
fi
echo "ok: installed with --destdir, moved, run from $dir/cwd"
