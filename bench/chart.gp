# Copyright 2026 The mod_require_precondition authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# The chart of `make bench`. bench/report.py passes with -e: out, machine,
# and for each panel that has data its file: irfile (configuration, GET and
# PUT instructions per request), overfile (configuration, GET overhead),
# ratiofile (comparison, B/A throughput ratio).
set terminal pngcairo size 1800,600 font "sans,10" noenhanced
set output out
panels = (exists("irfile") ? 1 : 0) + (exists("overfile") ? 1 : 0) \
       + (exists("ratiofile") ? 1 : 0)
set multiplot layout 1,panels title "mod_require_precondition: make bench (".machine.")"

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set grid ytics
set bmargin 5
set offsets 0, 0, graph 0.22, 0   # room for the key above the bars
set boxwidth 0.8

if (exists("irfile")) {
    set title "Instructions per request (callgrind, ap_process_request)"
    set ylabel "instructions per request"
    set yrange [0:*]
    set format y "%.0f"
    set key top right
    plot irfile using 2:xtic(1) title "GET, guarded location" lc rgb "#4e79a7", \
         ''     using 3 title "PUT without precondition (no module: written)" lc rgb "#e15759", \
         ''     using ($0-1.0/6):2:(sprintf("%.0f", $2)) with labels offset 0,0.7 notitle, \
         ''     using ($0+1.0/6):3:(sprintf("%.0f", $3)) with labels offset 0,0.7 notitle
}

if (exists("overfile")) {
    set title "GET pass-through: instructions over no module"
    set ylabel "extra instructions per request"
    set yrange [0:*]
    set format y "%.0f"
    set key top left
    set arrow 1 from graph 0, first 200 to graph 1, first 200 nohead dt 3 lc rgb "#59a14f"
    plot overfile using 2:xtic(1) title "overhead" lc rgb "#f28e2b", \
         ''       using 0:2:(sprintf("%+.0f", $2)) with labels offset 0,0.7 notitle, \
         NaN with lines dt 3 lc rgb "#59a14f" title "200: the module's target"
    unset arrow 1
}

if (exists("ratiofile")) {
    set title "Throughput ratios B/A (wrk, median of alternated rounds)"
    set ylabel "ratio of requests per second"
    set yrange [0:1.3]
    set format y "%.2f"
    set key top left
    set arrow 2 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#555555"
    set arrow 3 from graph 0, first 0.98 to graph 1, first 0.98 nohead dt 3 lc rgb "#59a14f"
    plot ratiofile using 2:xtic(1) title "B / A" lc rgb "#76b7b2", \
         ''        using 0:2:(sprintf("%.3f", $2)) with labels offset 0,0.7 notitle, \
         NaN with lines dt 3 lc rgb "#59a14f" title "0.98: GET target"
}

unset multiplot
