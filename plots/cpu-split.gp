# cpu-split.gp - where the time goes: CPU µs per request per engine, stacked (server user, server sys, Postgres, load generator), closed loop.
# data: cpu-split/cpu-split.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

# attribution.gp loads this with its own f, FIG and HEAD.
if (!exists("f")) { f = results . "/cpu-split/cpu-split.tsv" }
if (!exists("FIG")) { FIG = "cpu-split" }
if (!exists("HEAD")) { HEAD = "closed loop" }
E = distinct(f, "engine", engine_order)
# The four workloads of the figure, those the table has, in this order.
want = "plaintext select42 fortunes queries"
present = distinct(f, "workload", want)
W = ""
do for [i=1:words(want)] { if (windex(present, word(want, i)) > 0) { W = W . word(want, i) . " " } }
C = word(distinct(f, "conns", ""), 1)
ne = words(E)
nw = words(W)
if (nw == 0) { print FIG . ": the table has none of " . want; exit status 1 }

# A part not measured (Postgres on /plaintext, or a run without a load generator figure) adds nothing.
z(x) = x == x ? x : 0
user(w) = strcol("workload") eq w ? z(column("cpu_us_server_user")) : NaN
sys(w) = user(w) + z(column("cpu_us_server_sys"))
pg(w) = sys(w) + z(column("cpu_us_postgres"))
lg(w) = pg(w) + z(column("cpu_us_loadgen"))
# The parts, bottom to top: not engines, so grey shades and a hatching (Postgres), never an engine's
# colour (style.gpi). The x axis says which engine.
c_user = grey(1)
c_sys = grey(3)
c_pg = grey(1)
c_lg = grey(4)

set boxwidth 0.7
set xrange [0.4:ne + 0.6]
set xtics () rotate by -35 left scale 0 font ",11"
set for [i=1:ne] xtics add (word(E, i) i)
set yrange [0:*]
set ylabel "CPU µs per request (median of the runs)"
set grid ytics

do for [fmt in "png svg pdf"] {
	eval term(fmt, FIG, (380 * nw + 120 < 900 ? 900 : 380 * nw + 120), 600)
	set multiplot layout 1, nw title sprintf("Where the time goes: CPU per request, %s, %s, %s connections", HEAD, reactors(f), C)
	do for [j=1:nw] {
		w = word(W, j)
		set title "/" . w
		# One key, in the first panel, above its bars (listed top to bottom as they stack).
		if (j == 1) { set key top left font ",11" samplen 1.5; set offsets 0, 0, graph 0.3, 0 } else { unset key; set offsets 0, 0, 0, 0 }
		# Tallest first: each bar is drawn over by the parts below it.
		plot f using (windex(E, strcol("engine"))):(lg(w)) with boxes lc rgb c_lg title (j == 1 ? "load generator" : ""), \
		     f using (windex(E, strcol("engine"))):(pg(w)) with boxes lc rgb "white" fs solid 1 noborder notitle, \
		     f using (windex(E, strcol("engine"))):(pg(w)) with boxes lc rgb c_pg fs pattern 4 border title (j == 1 ? "Postgres" : ""), \
		     f using (windex(E, strcol("engine"))):(sys(w)) with boxes lc rgb c_sys title (j == 1 ? "server sys" : ""), \
		     f using (windex(E, strcol("engine"))):(user(w)) with boxes lc rgb c_user title (j == 1 ? "server user" : "")
		if (j == 1) { unset ylabel }
	}
	unset multiplot
	set ylabel "CPU µs per request (median of the runs)"
}
