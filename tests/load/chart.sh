#!/usr/bin/env bash
# Draw the load generator's per-second series (DIR/<mix>-seconds.csv) as SVG charts with gnuplot:
# DIR/<mix>-throughput.svg (submitted, included, finalised per second) and DIR/<mix>-latency.svg
# (median submit->inclusion and submit->finality of the transactions submitted each second).
#   tests/load/chart.sh DIR [TITLE]
set -euo pipefail
dir="$1"
title="${2:-}"
command -v gnuplot >/dev/null || { echo "gnuplot is needed (apt-get install gnuplot-nox)" >&2; exit 1; }
for series in "$dir"/*-seconds.csv; do
	mix="$(basename "$series" -seconds.csv)"
	gnuplot <<PLOT
set datafile separator ","
set terminal svg size 800,360 dynamic font "sans,12"
set key top right
set grid
set xlabel "seconds since the first submission"

set output "$dir/$mix-throughput.svg"
set title "$mix: transactions per second $title"
set ylabel "per second"
plot "$series" using 1:2 every ::1 with steps title "submitted", \
     "" using 1:3 every ::1 with steps lw 2 title "included", \
     "" using 1:4 every ::1 with steps lw 2 title "finalised"

set output "$dir/$mix-latency.svg"
set title "$mix: latency of the transactions submitted each second $title"
set ylabel "milliseconds (median)"
plot "$series" using 1:5 every ::1 with linespoints title "submit to inclusion", \
     "" using 1:6 every ::1 with linespoints title "submit to finality"
PLOT
done
