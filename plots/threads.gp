# threads.gp - the server's threads over time, stacked by kind, one panel per engine (the max of each second).
# data: threads/threads.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/threads/threads.tsv"
E = distinct(f, "engine", engine_order)
Wl = word(distinct(f, "workload", ""), 1)
ne = words(E)
cols = ne < 3 ? ne : 3
rows = (ne + cols - 1) / cols

# One scale for every panel, so that panels compare: the most threads any engine had, room for the key.
stats f using (column("threads")) nooutput
top = STATS_max
stats f using (column("second")) nooutput
last = STATS_max
set yrange [0:top * 1.45 + 0.5]
ystep = top <= 10 ? 1 : ceil(top / 8.0)
set ytics ystep nomirror
set xrange [0:last]
xstep = last <= 15 ? 1 : ceil(last / 10.0)
set xtics xstep
set xlabel "time since load began (s)"
set ylabel "server threads"
set boxwidth 1 absolute
set style fill solid 0.9 noborder
set key top left horizontal reverse Left box opaque samplen 1 width 0.5 font ",11"

# Stacked: each kind's box starts where the kinds before it end; drawn top layer first.
r(e) = strcol("engine") eq e ? column("threads_reactor") : NaN
rw(e) = r(e) + column("threads_worker")
rwi(e) = rw(e) + column("threads_iou_wrk")
rwio(e) = rwi(e) + column("threads_other")

do for [fmt in "png svg"] {
	eval term(fmt, "threads", 430 * cols + 60, 330 * rows + 60)
	set multiplot layout rows, cols title sprintf("Server threads by kind under /%s load (the most seen in each second, sampled from /proc)", Wl)
	do for [i=1:ne] {
		e = word(E, i)
		set title e
		if (i == 1) { set key } else { unset key }
		# The key in reading order (bottom layer first); the boxes in drawing order (top layer first).
		plot f using (column("second") - 0.5):(rwio(e)) with boxes lc rgb "#999999", \
		     f using (column("second") - 0.5):(rwi(e)) with boxes lc rgb "#CC79A7", \
		     f using (column("second") - 0.5):(rw(e)) with boxes lc rgb "#E69F00", \
		     f using (column("second") - 0.5):(r(e)) with boxes lc rgb "#0072B2", \
		     NaN with boxes lc rgb "#0072B2" title "reactor", NaN with boxes lc rgb "#E69F00" title "pool worker", \
		     NaN with boxes lc rgb "#CC79A7" title "iou-wrk", NaN with boxes lc rgb "#999999" title "other"
	}
	unset multiplot
}
