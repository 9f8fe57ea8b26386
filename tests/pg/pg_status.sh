# pg_status.sh - `pg status` reports where the cluster is and the settings read back from the server.
. "${BASH_SOURCE%/*}/lib.sh"

start_pg
out=$("$H" pg status) || fail "pg status exited $? while running"
printf '%s\n' "$out"
want() { printf '%s\n' "$out" | grep -qx -- "$1" || fail "status lacks '$1'"; }
want "running: yes"
want "port: $PORT"
want "pid: [0-9]*"
want "data: /.*/data"
want "socket: /.*/run"
want "synchronous_commit: off"
want "shared_buffers: 256MB"
want "max_connections: 400"
want "fsync: on"
want "listen_addresses: 127.0.0.1"
want "backends: [0-9]*"

pid=$(printf '%s\n' "$out" | sed -n 's/^pid: //p')
[ -d /proc/$pid ] || fail "postmaster pid $pid is not alive"
[ "$(psql_q "$URL" 'SELECT pg_postmaster_start_time() IS NOT NULL')" = t ] || fail "query"
ok "status"
