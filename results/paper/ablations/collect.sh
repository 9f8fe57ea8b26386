#!/bin/sh
# ablations, three tables:
#   uring.tsv     the uring engine with every io_uring optimisation on, then each switched off (--uring-no=), one
#                 variant a directory; link is off by default (--uring-with=link), so no-link is the default;
#                 with-minwait is the default plus the loop's min-wait batching (--uring-with=minwait, off by default)
#   reactors.tsv  libev epoll vs libev's io_uring backend (readiness) vs uring (completion + inline resume), with
#                 uring-libpq between (same reactor as uring, libpq's driver): exported from ../throughput/runs
#   pgmode.tsv    exclusive vs shared (pipelined) Postgres pool, for the presets whose driver pipelines (pgwire)
. "$(dirname "$0")/../lib.sh"
if [ "$QUICK" = 1 ]; then : "${ABLATION_WORKLOADS:=select42}" "${VARIANTS:=no-link all-off}" "${PGMODE_ENGINES:=uring}"; fi
: "${ABLATION_WORKLOADS:=plaintext,select42}" "${PGMODE_ENGINES:=uring,epoll-pgwire}"
: "${VARIANTS:=all-on no-multishot no-bufring no-defer no-link no-asyncflush no-fixedfiles no-clientfixed all-off with-minwait}"
begin
for v in $VARIANTS; do
	case $v in
	all-on) flags=--uring-with=link ;;
	no-link) flags= ;;
	with-minwait) flags=--uring-with=minwait ;;
	all-off) flags=--uring-no=multishot,bufring,defer,link,asyncflush,fixedfiles,clientfixed ;;
	*) flags="--uring-with=link --uring-no=${v#no-}" ;;
	esac
	try h sweep --engines=uring --workloads="$ABLATION_WORKLOADS" --cores=1 --conns="$CONNS" --repeat="$REPEAT" \
		--duration="$DURATION" --warmup="$WARMUP" ${flags:+--server-flags="$flags"} --out="$OUT/runs/uring/$v"
done
h export --group --variant --results="$OUT/runs/uring" --out="$OUT/uring.tsv"
for m in exclusive shared; do
	try h sweep --engines="$PGMODE_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --repeat="$REPEAT" \
		--duration="$DURATION" --warmup="$WARMUP" --pg-mode="$m" --out="$OUT/runs/pgmode/$m"
done
h export --group --results="$OUT/runs/pgmode" --out="$OUT/pgmode.tsv"
if [ -d "$DATA/throughput/runs" ]; then
	h export --group --results="$DATA/throughput/runs" --out="$OUT/reactors.tsv"
else
	echo "collect ablations: no $DATA/throughput/runs: reactors.tsv needs throughput/collect.sh first" >&2
	FAILED=1
fi
finish
