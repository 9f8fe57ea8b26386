# attribution.gp - every preset at one offered /select42 rate (open loop): CPU µs per request stacked by where it goes.
# data: attribution/attribution.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
f = results . "/attribution/attribution.tsv"
FIG = "attribution"
HEAD = "open loop at " . system("awk -F'\t' '/^#/ { next } NR == 1 { for (i = 1; i <= NF; i++) if ($i == \"rate\") c = i; next } c { print $c; exit }' '" . f . "'") . " req/s"
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "cpu-split.gp"
