# pipeline.gp - /plaintext without pipelining and with 16 requests in flight per connection (TechEmpower's rule), req/s per engine.
# data: pipeline/pipeline.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/pipeline/pipeline.tsv"
FIG = "pipeline"
HEAD = "/plaintext, closed loop, pipeline 1 and 16"
workload_order = "plaintext-p1 plaintext-p16"
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "bars.gpi"
