#!/bin/sh
# nodelay: /select42 with TCP_NODELAY on and off on the Postgres sockets (ringside-server --pg-nodelay=off),
# one engine per driver family. Each variant is its own directory under runs/ (export --variant).
. "$(dirname "$0")/../lib.sh"
if [ "$QUICK" = 1 ]; then : "${NODELAY_ENGINES:=uring}"; fi
: "${NODELAY_ENGINES:=uring,epoll,poll}"
begin
for v in on off; do
	try h sweep --engines="$NODELAY_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --repeat="$REPEAT" \
		--duration="$DURATION" --warmup="$WARMUP" --server-flags="--pg-nodelay=$v" --out="$OUT/runs/nodelay-$v"
done
h export --group --variant --results="$OUT/runs" --out="$OUT/nodelay.tsv"
finish
