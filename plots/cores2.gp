# cores2.gp - one reactor against two (the second shares CPU 0 with the load generator on this 2-vCPU machine), req/s per engine.
# data: cores2/cores2.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/cores2/cores2.tsv"
FIG = "cores2"
HEAD = "Closed-loop throughput, 1 and 2 reactors (2: on both CPUs, shared with the load generator)"
workload_order = "plaintext-1r plaintext-2r select42-1r select42-2r"
ANYCORES = 1
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "bars.gpi"
