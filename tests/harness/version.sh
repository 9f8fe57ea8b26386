#!/bin/sh
# version.sh HARNESS SERVER VERSION SOURCE_ROOT - `--version` of both binaries: exit 0, the project
# version, the commit the build came from (git's, when the source is a git checkout) and the options.
set -u
harness=$1 server=$2 version=$3 src=$4
fail() { echo "FAIL: $*"; exit 1; }
commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
for bin in "$harness" "$server"; do
	out=$("$bin" --version) || fail "$bin --version: exit $?"
	echo "$out"
	echo "$out" | head -1 | grep -q " $version\$" || fail "$bin: first line not '... $version'"
	echo "$out" | grep -q "^commit: $commit" || fail "$bin: no 'commit: $commit'"
	echo "$out" | grep -q "^build: buildtype=" || fail "$bin: no build options"
	echo "$out" | grep -q "^presets: ." || fail "$bin: no presets"
done
echo "ok: --version of both binaries"
