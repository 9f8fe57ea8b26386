# throughput.gp - closed-loop req/s per engine, one panel per workload: median bars, error bars: 95% CI of the median (min-max for older tables).
# data: throughput/throughput.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/throughput/throughput.tsv"
FIG = "throughput"
HEAD = "Closed-loop throughput"
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "bars.gpi"
