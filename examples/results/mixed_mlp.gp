set terminal pngcairo size 900,600
set output 'mixed_mlp.png'
set datafile separator ','
set key top left
set xlabel 'latency (ms, median, 1 thread)'
set ylabel 'representational capacity (sum of width x bits)'
set title 'Mixed-precision MLP: 729 networks, Pareto frontier'
plot 'mixed_mlp.csv' skip 1 using 2:3 with points pt 7 ps 0.5 lc rgb '#9999bb' title 'per-layer mix', \
     'mixed_mlp_frontier.csv' skip 1 using 2:3 with linespoints pt 7 lw 2 lc rgb '#cc3311' title 'Pareto frontier'
