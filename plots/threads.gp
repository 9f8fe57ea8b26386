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
set ylabel "server threads"
set boxwidth 1 absolute
set style fill solid 0.9 noborder
set key top left horizontal reverse Left box opaque samplen 1 width 0.5 font ",11"

# Stacked: each kind's box starts where the kinds before it end; drawn top layer first. Kinds are not
# engines: grey shades (style.gpi); a kind no engine had (iou-wrk without uring) is left out of the key.
r(e) = strcol("engine") eq e ? column("threads_reactor") : NaN
rw(e) = r(e) + column("threads_worker")
rwi(e) = rw(e) + column("threads_iou_wrk")
rwio(e) = rwi(e) + column("threads_other")
kind(c, name) = nonzero(f, c) > 0 ? name : ""
t_worker = kind("threads_worker", "pool worker")
t_iou = kind("threads_iou_wrk", "iou-wrk")
t_other = kind("threads_other", "other")
xl_col = int(cols / 2) + 1

do for [fmt in "png svg pdf"] {
	eval term(fmt, "threads", 430 * cols + 60, 330 * rows + 60)
	set multiplot layout rows, cols title sprintf("Server threads by kind under /%s load (the most seen in each second, sampled from /proc)", Wl)
	do for [i=1:ne] {
		e = word(E, i)
		set title e textcolor rgb ecolor(e)
		# One x label, under the bottom row's middle panel (the machine note is bottom left).
		if (i > ne - cols && (i - 1) % cols + 1 == xl_col) { set xlabel "time since load began (s)" } else { unset xlabel }
		if (i == 1) { set key } else { unset key }
		# The key in reading order (bottom layer first); the boxes in drawing order (top layer first).
		plot f using (column("second") - 0.5):(rwio(e)) with boxes lc rgb grey(4), \
		     f using (column("second") - 0.5):(rwi(e)) with boxes lc rgb grey(3), \
		     f using (column("second") - 0.5):(rw(e)) with boxes fs solid 1 noborder lc rgb "white", \
		     f using (column("second") - 0.5):(rw(e)) with boxes lc rgb grey(1) fs pattern 4 border, \
		     f using (column("second") - 0.5):(r(e)) with boxes lc rgb grey(1), \
		     NaN with boxes lc rgb grey(1) title "reactor", NaN with boxes lc rgb grey(1) fs pattern 4 border title t_worker, \
		     NaN with boxes lc rgb grey(3) title t_iou, NaN with boxes lc rgb grey(4) title t_other
	}
	unset multiplot
}
