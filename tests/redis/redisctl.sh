#!/bin/sh
# redisctl.sh - harness redis start|status|url|restart|stop on a directory of its own.
harness=$1
dir=$2
command -v redis-server >/dev/null || { echo "skip: no redis-server (Debian package redis-server)"; exit 77; }
rm -rf "$dir"
export RINGSIDE_REDIS_DIR="$dir"
fail() { echo "FAIL: $*"; "$harness" redis stop; exit 1; }
"$harness" redis status && fail "status says running before start"
url=$("$harness" redis start) || fail "start"
case $url in redis://127.0.0.1:[0-9]*) ;; *) fail "start printed '$url'";; esac
[ "$("$harness" redis url)" = "$url" ] || fail "url differs from start's"
[ -S "$dir/redis.sock" ] || fail "no Unix socket in $dir"
pid1=$(cat "$dir/redis.pid")
[ "$("$harness" redis start)" = "$url" ] || fail "a second start moved it"
[ "$(cat "$dir/redis.pid")" = "$pid1" ] || fail "a second start started another server"
[ "$("$harness" redis restart)" = "$url" ] || fail "restart moved the port"
[ "$(cat "$dir/redis.pid")" != "$pid1" ] || fail "restart kept the old process"
"$harness" redis stop || fail "stop"
"$harness" redis status && fail "status says running after stop"
kill -0 "$pid1" 2>/dev/null && fail "the first server still runs"
# A port taken between the harness's check and redis-server's bind (a CI flake once):
# a listener takes the port the moment redis.conf names it; start must move on.
rm -f "$dir/redis.conf"
python3 -c '
import os, re, socket, sys, time
conf = sys.argv[1] + "/redis.conf"
open(sys.argv[1] + ".ready", "w").close()
for _ in range(20000):
    try:
        m = re.search(r"^port (\d+)$", open(conf).read(), re.M)
    except OSError:
        m = None
    if m:
        break
    time.sleep(0.0005)
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(m.group(1))))
    s.listen()
except OSError:
    print("lost", flush=True)
    sys.exit(0)
print(m.group(1), flush=True)
time.sleep(20)
' "$dir" >"$dir.taken" &
holder=$!
for _ in $(seq 100); do [ -e "$dir.ready" ] && break; sleep 0.1; done
[ -e "$dir.ready" ] || { kill $holder; fail "the port-taking listener (python3) did not start within 10 s"; }
url2=$("$harness" redis start 2>"$dir.err") || { cat "$dir.err"; kill $holder; fail "start with its port taken"; }
kill $holder
taken=$(cat "$dir.taken")
"$harness" redis stop
rm -f "$dir.taken" "$dir.ready"
if [ "$taken" = lost ]; then
	echo "skip: the listener lost the race to redis-server (the retry was not exercised)"
	rm -rf "$dir" "$dir.err"
	exit 77
fi
grep -q "port $taken was taken before redis-server bound it; trying another" "$dir.err" ||
	{ cat "$dir.err"; fail "no retry said for the taken port $taken"; }
[ "$url2" != "redis://127.0.0.1:$taken" ] || fail "started on the taken port $taken"
rm -f "$dir.err"
rm -rf "$dir"
exit 0
