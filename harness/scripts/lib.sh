# lib.sh - shell helpers shared by the bench scripts (sourced, not run).
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# user+sys clock ticks of a process so far
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# user+sys clock ticks of a Postgres cluster so far: the postmaster's own and its reaped children's
# (cutime, cstime) plus each live child's (backends, background processes); $1 is its postmaster.pid
pg_ticks() {
	local pm
	pm=$(head -n 1 "$1")
	{ awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat"
	  for c in $(pgrep -P "$pm"); do awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null; done; } |
		awk '{ t += $1 } END { print t }'
}
# "reactor=1 worker=0 iou-wrk=0 other=0" from /proc/PID/task/*/comm
threads_by_kind() {
	awk '/^rs-reactor/ { r++ } /^rs-worker/ { w++ } /^iou-wrk/ { i++ } !/^(rs-reactor|rs-worker|iou-wrk)/ { o++ }
	     END { printf "reactor=%d worker=%d iou-wrk=%d other=%d", r, w, i, o }' /proc/"$1"/task/*/comm
}

# nginx_start DIR PORT CPU: one nginx worker pinned to CPU answering /plaintext on PORT (files in DIR,
# its master pid in DIR/nginx-master.pid); prints the worker's pid once it listens.
nginx_start() {
	cat >"$1/nginx.conf" <<NGX
worker_processes 1;
worker_cpu_affinity $(echo "obase=2; $((1 << $3))" | bc);
daemon off;
error_log $1/nginx-error.log;
pid $1/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen $2 reuseport backlog=4096;
    location /plaintext { default_type text/plain; return 200 "Hello, World!"; }
  }
}
NGX
	taskset -c "$3" nginx -c "$1/nginx.conf" >"$1/nginx.out" 2>&1 &  # not our stdout: $(nginx_start) would wait for it
	echo $! >"$1/nginx-master.pid"
	wait_port "$2"
	pgrep -P "$(cat "$1/nginx-master.pid")" | head -1
}
