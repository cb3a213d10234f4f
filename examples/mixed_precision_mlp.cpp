// The mixed-precision MLP experiment on the CPU: every per-layer choice of fp32 / int8 / int4
// (3^L networks) timed, its representational capacity (sum of layer width x bits) and its output
// error against the all-fp32 network computed; CSV out, the Pareto frontier of latency vs capacity
// printed and (with gnuplot) plotted, and the uniform int8 / int4 networks' latency reductions vs
// fp32, the CPU counterpart of the blog's A100 figures (int8 -31%, int4 -47% vs fp16).
//
// Usage: qgemm-mixed-mlp [--widths=W0,W1,...,WL] [--batch=B] [--reps=N] [--out=PREFIX] [--no-plot]
// Default: the blog's 32768-16384-8192-4096-2048-1024-32768 scaled down 16x, batch 2048/16
// (729 networks in about half a minute on one core).
// Pin it for steady numbers: taskset -c 0 qgemm-mixed-mlp
#include <qgemm/qgemm.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "pareto.hpp"

namespace {

enum class Precision { F32, Int8, Int4 };
const char* name_of(Precision p) {
  return p == Precision::F32 ? "f32" : (p == Precision::Int8 ? "i8" : "i4");
}
int bits_of(Precision p) {
  return p == Precision::F32 ? 32 : (p == Precision::Int8 ? 8 : 4);
}

struct Args {
  std::vector<std::size_t> widths = {2048, 1024, 512, 256, 128, 64, 2048};
  std::size_t batch = 128;
  int reps = 7;
  std::string out = "mixed_mlp";
  bool plot = true;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&](const char* flag) { return qgemm_cli::flag_value(argv[i], flag); };
    if (const char* v = value("--widths")) {
      a.widths = qgemm_cli::parse_sizes(v, "--widths");
    } else if (const char* v = value("--batch")) {
      a.batch = std::stoul(v);
    } else if (const char* v = value("--reps")) {
      a.reps = std::stoi(v);
    } else if (const char* v = value("--out")) {
      a.out = v;
    } else if (s == "--no-plot") {
      a.plot = false;
    } else {
      throw std::invalid_argument("unknown argument '" + s +
                                  "' (see the comment at the top of mixed_precision_mlp.cpp)");
    }
  }
  if (a.widths.size() < 2 || a.widths.size() > 9)
    throw std::invalid_argument("--widths: give 2 to 9 widths (1 to 8 layers)");
  for (std::size_t w : a.widths)
    if (w == 0) throw std::invalid_argument("--widths: every width must be positive");
  if (a.batch == 0 || a.reps < 1) throw std::invalid_argument("--batch and --reps must be >= 1");
  return a;
}

/// One layer in the three forms it can take; the fp32 weights are the truth all three come from.
struct Layer {
  std::size_t in = 0, out = 0;
  std::vector<float> bias;
  qgemm::PackedFloatWeights f32;
  qgemm::PackedWeights s8, s4;
};

std::vector<Layer> make_layers(const Args& a) {
  std::mt19937 rng(2019);
  std::vector<Layer> layers;
  for (std::size_t l = 0; l + 1 < a.widths.size(); ++l) {
    Layer y;
    y.in = a.widths[l];
    y.out = a.widths[l + 1];
    // He-initialised weights keep the ReLU activations at unit scale through the layers.
    std::normal_distribution<float> d(0.0f, std::sqrt(2.0f / float(y.in)));
    std::vector<float> w(y.out * y.in);
    for (float& v : w) v = d(rng);
    y.bias.assign(y.out, 0.01f);
    const qgemm::MatrixView<const float> wv{w.data(), y.out, y.in};
    y.f32 = qgemm::PackedFloatWeights::pack(wv);
    y.s8 = qgemm::PackedWeights::quantize(wv);
    qgemm::WeightQuantOptions o4;
    o4.format = qgemm::WeightFormat::s4;
    y.s4 = qgemm::PackedWeights::quantize(wv, o4);
    layers.push_back(std::move(y));
  }
  return layers;
}

/// Runs the network with precisions p; x is the batch, y receives the output.
void forward(const std::vector<Layer>& layers, const std::vector<Precision>& p,
             const std::vector<float>& x, std::size_t batch, std::vector<float>& buf0,
             std::vector<float>& buf1, std::vector<float>& y) {
  const float* in = x.data();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const Layer& L = layers[l];
    const bool last = l + 1 == layers.size();
    float* out = last ? y.data() : (l % 2 ? buf1.data() : buf0.data());
    const qgemm::MatrixView<const float> X{in, batch, L.in};
    const qgemm::MatrixView<float> Y{out, batch, L.out};
    const qgemm::Activation act = last ? qgemm::Activation::None : qgemm::Activation::ReLU;
    if (p[l] == Precision::F32) {
      qgemm::GemmOptions g;
      g.threads = 1;
      qgemm::Epilogue e;
      e.bias = L.bias.data();
      e.activation = act;
      qgemm::gemm(X, L.f32, Y, g, e);
    } else {
      qgemm::LinearOptions o;
      o.threads = 1;
      o.activation = act;
      o.activation_quant = qgemm::ActivationQuant::DynamicPerRow;
      qgemm::linear(X, p[l] == Precision::Int8 ? L.s8 : L.s4, L.bias.data(), Y, o);
    }
    in = out;
  }
}

struct Point {
  std::vector<Precision> mix;
  double ms = 0, capacity = 0, error = 0;
};

std::string mix_text(const std::vector<Precision>& mix) {
  std::string t;
  for (std::size_t i = 0; i < mix.size(); ++i) t += (i ? "-" : "") + std::string(name_of(mix[i]));
  return t;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  const std::vector<Layer> layers = make_layers(a);
  const std::size_t L = layers.size(), widest = *std::max_element(a.widths.begin(), a.widths.end());
  std::vector<float> x(a.batch * a.widths[0]), buf0(a.batch * widest), buf1(a.batch * widest);
  std::mt19937 rng(7);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (float& v : x) v = d(rng);
  std::vector<float> ref(a.batch * a.widths.back()), y(ref.size());
  forward(layers, std::vector<Precision>(L, Precision::F32), x, a.batch, buf0, buf1, ref);
  double ref_norm = 0;
  for (float v : ref) ref_norm += double(v) * v;

  std::size_t count = 1;
  for (std::size_t l = 0; l < L; ++l) count *= 3;
  std::vector<Point> points;
  for (std::size_t code = 0; code < count; ++code) {
    Point pt;
    for (std::size_t l = 0, c = code; l < L; ++l, c /= 3) pt.mix.push_back(Precision(c % 3));
    for (std::size_t l = 0; l < L; ++l) pt.capacity += double(layers[l].out) * bits_of(pt.mix[l]);
    forward(layers, pt.mix, x, a.batch, buf0, buf1, y);  // warm-up, and the output for the error
    double err = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
      err += (double(y[i]) - ref[i]) * (double(y[i]) - ref[i]);
    pt.error = ref_norm > 0 ? std::sqrt(err / ref_norm) : 0.0;
    std::vector<double> ms;
    for (int r = 0; r < a.reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      forward(layers, pt.mix, x, a.batch, buf0, buf1, y);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    pt.ms = ms[ms.size() / 2];
    points.push_back(pt);
    if ((code + 1) % 81 == 0 || code + 1 == count)
      std::fprintf(stderr, "[qgemm-mixed-mlp %zu/%zu]\n", code + 1, count);
  }

  std::vector<double> lat, cap;
  for (const Point& p : points) lat.push_back(p.ms), cap.push_back(p.capacity);
  const std::vector<std::size_t> frontier = qgemm_bench::pareto_frontier(lat, cap);
  std::vector<bool> on(points.size(), false);
  for (std::size_t i : frontier) on[i] = true;

  const std::string csv = a.out + ".csv";
  std::FILE* f = std::fopen(csv.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + csv);
  std::fprintf(f, "mix,latency_ms,capacity_bits,rel_rms_error_vs_f32,pareto\n");
  for (std::size_t i = 0; i < points.size(); ++i)
    std::fprintf(f, "%s,%.6f,%.0f,%.6g,%d\n", mix_text(points[i].mix).c_str(), points[i].ms,
                 points[i].capacity, points[i].error, on[i] ? 1 : 0);
  std::fclose(f);
  // The frontier alone, fastest first, so a plot can draw it as one line.
  const std::string frontier_csv = a.out + "_frontier.csv";
  std::FILE* ff = std::fopen(frontier_csv.c_str(), "w");
  if (!ff) throw std::runtime_error("cannot write " + frontier_csv);
  std::fprintf(ff, "mix,latency_ms,capacity_bits,rel_rms_error_vs_f32\n");
  for (std::size_t i : frontier)
    std::fprintf(ff, "%s,%.6f,%.0f,%.6g\n", mix_text(points[i].mix).c_str(), points[i].ms,
                 points[i].capacity, points[i].error);
  std::fclose(ff);

  std::printf("MLP");
  for (std::size_t w : a.widths) std::printf(" %zu", w);
  std::printf(", batch %zu, 1 thread, %s path, CPU %s; median of %d runs per network\n", a.batch,
              qgemm::isa_name(qgemm::active_isa()), qgemm::cpu_features().brand.c_str(), a.reps);
  std::printf("\nPareto frontier (fastest first; nothing is both faster and more capable):\n");
  std::printf("%-36s %12s %14s %14s\n", "layers (input -> output)", "latency ms", "capacity bits",
              "rel error");
  for (std::size_t i : frontier)
    std::printf("%-36s %12.3f %14.0f %14.4g\n", mix_text(points[i].mix).c_str(), points[i].ms,
                points[i].capacity, points[i].error);
  const Point& f32 = points[0];
  std::printf("\nuniform networks vs all-fp32 (blog, A100 vs fp16: int8 -31%%, int4 -47%%):\n");
  for (std::size_t code : {std::size_t(0), count / 2, count - 1}) {
    // code 0 is all-fp32; (3^L - 1) / 2 is all-int8 (digit 1 everywhere); 3^L - 1 all-int4.
    const Point& p = points[code];
    std::printf("  %-8s %10.3f ms  %+6.0f%%  rel error %.4g\n", name_of(p.mix[0]), p.ms,
                100.0 * (p.ms / f32.ms - 1.0), p.error);
  }
  std::printf("wrote %s (%zu networks) and %s\n", csv.c_str(), points.size(), frontier_csv.c_str());

  if (a.plot) {
    const std::string gp = a.out + ".gp";
    std::FILE* g = std::fopen(gp.c_str(), "w");
    if (!g) throw std::runtime_error("cannot write " + gp);
    std::fprintf(
        g,
        "set terminal pngcairo size 900,600\nset output '%s.png'\nset datafile separator ','\n"
        "set key top left\nset xlabel 'latency (ms, median, 1 thread)'\n"
        "set ylabel 'representational capacity (sum of width x bits)'\n"
        "set title 'Mixed-precision MLP: %zu networks, Pareto frontier'\n"
        "plot '%s' skip 1 using 2:3 with points pt 7 ps 0.5 lc rgb '#9999bb' title 'per-layer "
        "mix', \\\n"
        "     '%s' skip 1 using 2:3 with linespoints pt 7 lw 2 lc rgb '#cc3311' title 'Pareto "
        "frontier'\n",
        a.out.c_str(), points.size(), csv.c_str(), frontier_csv.c_str());
    std::fclose(g);
    if (std::system("command -v gnuplot > /dev/null 2>&1") == 0 &&
        std::system(("gnuplot " + gp).c_str()) == 0)
      std::printf("wrote %s.png (gnuplot script %s)\n", a.out.c_str(), gp.c_str());
    else
      std::printf("gnuplot not found or failed: plot script left in %s\n", gp.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "qgemm-mixed-mlp: %s\n", e.what());
  return 2;
}
