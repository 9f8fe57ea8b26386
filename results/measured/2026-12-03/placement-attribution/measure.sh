#!/usr/bin/env bash
# Issue 10's closing measurements: CPU attribution per preset, and uring /plaintext with wrk before/after the placement fix.
set -u
top=/work/main; build=$top/build; before=/tmp/before/build
. "$top/harness/scripts/lib.sh"
out=/work/notes/m10; mkdir -p "$out"
# A: attribution, every preset, /plaintext and /select42, placement from the inherited affinity.
for w in plaintext select42; do
	for e in uring uring-libpq epoll-pgwire epoll libev-uring threadpool poll poll-pgwire; do
		"$build/harness" run --engine=$e --workload=$w --duration=4 --warmup=1 --out="$out/attr/$e-$w" >"$out/attr-$e-$w.txt" 2>&1
		printf '%s\t%s\t%s\t%s\t%s\n' "$e" "$w" "$(grep -m1 'throughput' "$out/attr-$e-$w.txt" | awk '{print $2}')" \
			"$(grep -m1 'CPU/request' "$out/attr-$e-$w.txt" | sed 's/^ *CPU\/request *//')" \
			"$(grep -m1 'verdict' "$out/attr-$e-$w.txt" | sed 's/^ *verdict *//' | cut -c1-60)"
	done
done | tee "$out/attr.tsv"
# B: wrk on CPU 0; the server started under taskset -c 1 without --cpus (the case the bug hit);
# before = 3f6d9c2's server, after = this one; nginx 1 worker on CPU 1 as the peer. 3 rounds.
tmp=$(mktemp -d)
ngx=$(nginx_start "$tmp" 18081 1)
for r in 1 2 3; do
	for v in before after nginx; do
		case $v in
		before) taskset -c 1 "$before/ringside-server" --engine=uring --port=18090 2>"$tmp/$v.log" & pid=$!; port=18090 ;;
		after) taskset -c 1 "$build/ringside-server" --engine=uring --port=18091 2>"$tmp/$v.log" & pid=$!; port=18091 ;;
		nginx) pid=$ngx; port=18081 ;;
		esac
		wait_port $port
		sleep 0.3
		rps=$(taskset -c 0 wrk -t1 -c64 -d5s "http://127.0.0.1:$port/plaintext" | awk '/Requests\/sec/ { print $2 }')
		cpu=$(ps -L -o psr= -p "$pid" | sort -u | tr '\n' ' ')
		printf '%s\t%s\t%s\ton CPU %s\t%s\n' "$r" "$v" "$rps" "$cpu" "$(grep -m1 'reactor 0' "$tmp/$v.log" 2>/dev/null)"
		[ "$v" != nginx ] && { kill $pid; wait $pid 2>/dev/null; }
	done
done | tee "$out/wrk.tsv"
kill $(cat "$tmp"/*.pid 2>/dev/null) 2>/dev/null; pkill -f "nginx -c $tmp" ; rm -rf "$tmp"
