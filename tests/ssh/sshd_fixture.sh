#!/bin/sh
# sshd_fixture.sh - a throwaway sshd on 127.0.0.1 for the multi-host tests: start DIR | stop DIR.
# start: host key, client key and authorized_keys under DIR, sshd on a free port, and DIR/ssh,
# a RINGSIDE_SSH wrapper that reaches it with no prompt. Exits 77 saying why when it cannot.
# stop: SIGTERM to the sshd (and so its sessions), waits until it is gone.
set -u
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: sshd_fixture.sh start|stop DIR" >&2; exit 2; }
skip() { echo "SKIP: $*" >&2; exit 77; }

# The pids of $1 and all its descendants: sessions outlive the listening sshd, so all must go.
tree() {
	echo "$1"
	for c in $(pgrep -P "$1"); do tree "$c"; done
}

stop() {
	[ -f "$dir/sshd.pid" ] || return 0
	pids=$(tree "$(cat "$dir/sshd.pid")")
	kill -TERM $pids 2>/dev/null
	i=0
	while [ $i -lt 50 ]; do
		alive=
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
		[ -z "$alive" ] && break
		sleep 0.1; i=$((i + 1))
	done
	[ -n "$alive" ] && { kill -KILL $alive 2>/dev/null; echo "sshd fixture: killed$alive (ignored SIGTERM)" >&2; }
	rm -f "$dir/sshd.pid"
}

case "$cmd" in
stop) stop; exit 0 ;;
start) ;;
*) echo "sshd_fixture.sh: unknown command '$cmd' (accepted: start, stop)" >&2; exit 2 ;;
esac

sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || skip "no sshd (install openssh-server)"
command -v ssh >/dev/null || skip "no ssh client (install openssh-client)"
[ "$(id -u)" = 0 ] || skip "not root: sshd needs root to accept logins and its privilege separation directory"

stop
rm -rf "$dir" && mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)
# The package creates its privilege separation directory when its service starts; we start none.
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd || skip "cannot create /run/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$dir/key" || exit 1
cp "$dir/key.pub" "$dir/authorized_keys"

# A free port below the kernel's ephemeral range (where outgoing sockets would collide): skip
# any that is listened on, and try another when sshd cannot bind it after all.
for try in 1 2 3 4 5 6 7 8 9 10; do
	port=$(( 20000 + ($$ * 7 + try * 977 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 12000 ))
	ss -Htln "sport = :$port" | grep -q . && continue
	cat > "$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
AcceptEnv RINGSIDE_*
MaxStartups 64
MaxSessions 64
LogLevel ERROR
CONF
	# Not -D: sshd daemonises once it listens, so a bind failure is seen here.
	if "$sshd" -f "$dir/sshd_config" -E "$dir/sshd.log" 2>>"$dir/sshd.log"; then
		i=0
		while [ ! -s "$dir/sshd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		if [ ! -s "$dir/sshd.pid" ]; then
			grep -q 'Address already in use' "$dir/sshd.log" && { : > "$dir/sshd.log"; continue; }
			echo "sshd wrote no pid file: $(cat "$dir/sshd.log")" >&2; exit 1
		fi
		cat > "$dir/ssh" <<WRAP
#!/bin/sh
# RINGSIDE_SSH for the test sshd on 127.0.0.1:$port.
exec ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \\
	-o LogLevel=ERROR -o ConnectTimeout=5 -i "$dir/key" -p $port "\$@"
WRAP
		chmod +x "$dir/ssh"
		echo "$port" > "$dir/port"
		# Logins work, or this fixture is of no use.
		out=$("$dir/ssh" root@127.0.0.1 echo ssh-ok 2>&1)
		[ "$out" = ssh-ok ] || { stop; echo "sshd on $port refuses the test key: $out" >&2; exit 1; }
		echo "$port"
		exit 0
	fi
done
echo "sshd could not listen on 127.0.0.1: $(cat "$dir/sshd.log")" >&2
exit 1
