#!/bin/sh
# deploy.sh FIXTURE DIR HARNESS SOURCE - `harness deploy` over the loopback sshd: the committed tree is sent, built
# there, and the printed harness is there, runs, and names this checkout's commit; an unreachable host fails fast.
set -u
fixture=$1 dir=$2 harness=$3 src=$4
fail() { echo "FAIL: $*"; [ -f "$dir/deploy.err" ] && tail -n 20 "$dir/deploy.err"; exit 1; }
command -v git >/dev/null && git -C "$src" rev-parse HEAD >/dev/null 2>&1 || { echo "SKIP: $src is not a git checkout"; exit 77; }
rm -rf "$dir" && mkdir -p "$dir" || exit 1
sh "$fixture" start "$dir/sshd" >/dev/null
rc=$?
[ $rc -eq 0 ] || exit $rc	# 77: no sshd here, the fixture said why
trap 'sh "$fixture" stop "$dir/sshd"' EXIT
RINGSIDE_SSH="$dir/sshd/ssh"
export RINGSIDE_SSH

tree="$dir/tree"
path=$("$harness" deploy ssh://root@127.0.0.1 --dir="$tree" 2>"$dir/deploy.err") || fail "deploy failed"
want=$(cd "$dir" && pwd -P)/tree/build/harness
[ "$path" = "$want" ] || fail "deploy printed '$path', expected '$want'"
[ -x "$path" ] || fail "$path is not an executable"
commit=$(git -C "$src" describe --always --abbrev=12 HEAD)
"$path" --version > "$dir/version" 2>&1 || fail "the deployed harness does not run: $(cat "$dir/version")"
grep -q "^commit: $commit\$" "$dir/version" || fail "the deployed harness says '$(grep commit "$dir/version")', HEAD here is $commit"
[ -f "$tree/.ringside-commit" ] && [ ! -d "$tree/.git" ] || fail "the tree there is not an archive naming its commit"
grep -q "remote-harness=$path" "$dir/deploy.err" || fail "deploy did not say how to use it"

# A host nobody listens on: named, within seconds.
start=$(date +%s)
# (Plain ssh: the fixture's wrapper names its own port.)
RINGSIDE_SSH=ssh "$harness" deploy ssh://root@127.0.0.1:1 --dir="$dir/nowhere" > /dev/null 2> "$dir/dead.err" &&
	fail "deploy to a dead host succeeded"
grep -q "127.0.0.1" "$dir/dead.err" || fail "the failure does not name the host: $(cat "$dir/dead.err")"
[ $(( $(date +%s) - start )) -le 30 ] || fail "a dead host took over 30 s to fail"
echo "ok: deployed $commit to $path; a dead host failed with: $(tail -n 1 "$dir/dead.err")"
