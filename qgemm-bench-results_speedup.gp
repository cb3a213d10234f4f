set terminal pngcairo size 900,600 noenhanced
set output 'qgemm-bench-results_speedup.png'
set datafile separator ','
set datafile missing ''
set key outside right
set logscale x 2
set xlabel 'M (rows of A: decode 1 ... prefill)'
set ylabel 'speed-up over Eigen fp32 (x)'
set grid
set title 'qgemm-bench, 4096 x 4096, 1 thread(s), AMD EPYC'
plot for [i=2:5] 'qgemm-bench-results_speedup.csv' using 1:i with linespoints title columnhead(i)
