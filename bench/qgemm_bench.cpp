// qgemm-bench: qgemm's int8 / int4 / fp32 products next to Eigen and oneDNN, one table at the end.
//
// Benchmarks are named <impl>_<dtype>/<M>/<N>/<K> (impl: qgemm | eigen | onednn; dtype: f32 |
// u8s8 | s8s8 | u8s4 | s8s4) and report GOPS = 2*M*N*K*iterations / wall seconds / 1e9.
// That naming is read by other tools: keep it.
#include <benchmark/benchmark.h>
#include <qgemm/qgemm.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "peaks.hpp"
#include "peers.hpp"
#include "results_io.hpp"

namespace qgemm_bench {
namespace {

struct Config {
  std::vector<Problem> shapes;
  int threads = 1;
  qgemm::Isa isa = qgemm::Isa::automatic;
  bool each_isa = false;  ///< --isa=each: qgemm rows once per available path ("qgemm@<path>")
  bool plot = true;       ///< speed-up vs M plot with gnuplot, next to the CSV
  std::vector<std::string> dtypes = {"f32", "u8s8", "s8s8", "u8s4", "s8s4"};
  std::vector<std::string> impls = {"qgemm", "eigen", "onednn"};
  bool peaks = true;
  std::size_t read_bw_mib = 64;
  std::string out = "qgemm-bench-results";  ///< <out>.csv and <out>.json; empty: none
  std::size_t total = 0;                    ///< benchmarks registered, for the progress line
};

const char* kUsage = R"(qgemm-bench: int8 / int4 / fp32 matrix products, qgemm next to its peers.

Options (besides Google Benchmark's --benchmark_* flags):
  --shapes=MxNxK[,MxNxK...]  products to time: C[M x N] = A[M x K] * W[N x K]^T
                             (default: M = 1, 4, 16, 64, 256 x 1024 x 1024, and 1x4096x4096)
  --threads=N                threads for every library (default 1)
  --isa=NAME                 qgemm path: scalar|avx2|avx_vnni|avx512|avx512_vnni (default: best),
                             or each: qgemm's rows once per path this CPU has, named
                             qgemm@<path>, and one summary table per path
  --dtypes=LIST              subset of f32,u8s8,s8s8,u8s4,s8s4 (default), u8s7,s8s7 (s8
                             weights quantized to 7 bits, which the AVX2 path multiplies as
                             bytes); for qgemmfused also per-group weight scales, e.g.
                             s8s4g128 (groups of 128 along K)
  --impls=LIST               subset of qgemm,eigen,onednn (default) and qgemmfused: the
                             integer rows through linear() with the fused epilogue
                             (dequantize, bias, ReLU -> fp32) instead of int32 out.
                             On a GPU (builds with CUDA): cuda (dtypes s8s8, s8s4),
                             cublaslt (s8s8), cublas (f16), timed with CUDA events
  --peaks=on|off             also time the yardsticks this CPU has (default on): the int8
                             instruction peak (peak/vnni512, peak/vnni256, or on AVX2
                             peak/madd256: vpmaddwd + vpaddd, the exact sequence, and
                             peak/maddubs256, the saturating one of AVX2 peers), the
                             FMA peak (peak/fma512 or peak/fma256) and
                             peak/read_bw/<N>MiB
  --read_bw_mib=N            buffer size of peak/read_bw (default 64)
  --out=PATH                 write the raw results to PATH.csv and PATH.json (default
                             qgemm-bench-results in the working directory; --out= for none)
  --plot=on|off              with --out: also <out>_speedup.csv and, with gnuplot installed,
                             <out>_speedup.png: speed-up over Eigen f32 vs M, one line per
                             dtype, for the N x K with the most M values (default on)
  --help                     this text

Names: <impl>_<dtype>/<M>/<N>/<K>; counter GOPS = 2*M*N*K per wall-clock second / 1e9.
For steady numbers pin one core: taskset -c 0 qgemm-bench ...
)";

Problem parse_shape(const std::string& text) {
  const auto parts = qgemm_cli::split(text, 'x');
  if (parts.size() != 3) throw std::invalid_argument("shape '" + text + "' is not MxNxK");
  Problem p;
  try {
    p = {std::stoul(parts[0]), std::stoul(parts[1]), std::stoul(parts[2])};
  } catch (const std::exception&) {
    throw std::invalid_argument("shape '" + text + "' is not MxNxK");
  }
  if (p.M == 0 || p.N == 0 || p.K == 0)
    throw std::invalid_argument("shape '" + text + "' is empty");
  return p;
}

/// An integer dtype name: activations u8|s8, weights s8|s7|s4 (s7: s8 storage, 7-bit values),
/// then gN for per-group weight scales (groups of N along K; qgemmfused only, as the int32
/// product has no scales) or nothing for per-channel scales. "s8s4g128": s8 activations, s4
/// weights in groups of 128.
struct IntDtype {
  bool signed_activations = false;
  qgemm::WeightFormat format = qgemm::WeightFormat::s8;
  int bits = 0;                ///< 0: the format's own
  std::size_t group_size = 0;  ///< 0: per channel
};
bool parse_int_dtype(const std::string& name, IntDtype& out) {
  if (name.size() < 4 || (name.compare(0, 2, "u8") != 0 && name.compare(0, 2, "s8") != 0))
    return false;
  out.signed_activations = name[0] == 's';
  out.bits = 0;
  if (name.compare(2, 2, "s8") == 0) {
    out.format = qgemm::WeightFormat::s8;
  } else if (name.compare(2, 2, "s7") == 0) {
    out.format = qgemm::WeightFormat::s8;
    out.bits = 7;
  } else if (name.compare(2, 2, "s4") == 0) {
    out.format = qgemm::WeightFormat::s4;
  } else {
    return false;
  }
  out.group_size = 0;
  if (name.size() == 4) return true;
  if (name[4] != 'g' || name.size() == 5) return false;
  for (std::size_t i = 5; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  out.group_size = std::stoul(name.substr(5));
  return out.group_size > 0 && out.group_size % 4 == 0;
}

bool is_gpu_impl(const std::string& impl) {
  return impl == "cuda" || impl == "cublaslt" || impl == "cublas";
}

/// Takes our flags out of argv (Google Benchmark gets the rest).
Config parse_args(int& argc, char** argv) {
  Config c;
  // Decode to prefill on one N x K (the speed-up plot's x axis), and the classic GEMV.
  c.shapes = {{1, 1024, 1024},  {4, 1024, 1024},   {16, 1024, 1024},
              {64, 1024, 1024}, {256, 1024, 1024}, {1, 4096, 4096}};
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) { return qgemm_cli::flag_value(argv[i], flag); };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (const char* v = value("--shapes")) {
      c.shapes.clear();
      for (const auto& s : qgemm_cli::split(v, ',')) c.shapes.push_back(parse_shape(s));
    } else if (const char* v = value("--threads")) {
      c.threads = std::stoi(v);
      if (c.threads < 1) throw std::invalid_argument("--threads must be >= 1");
    } else if (const char* v = value("--isa")) {
      if (std::string(v) == "each")
        c.each_isa = true;
      else
        c.isa = qgemm::parse_isa(v);
    } else if (const char* v = value("--dtypes")) {
      c.dtypes = qgemm_cli::split(v, ',');
    } else if (const char* v = value("--impls")) {
      c.impls = qgemm_cli::split(v, ',');
    } else if (const char* v = value("--peaks")) {
      c.peaks = std::string(v) != "off" && std::string(v) != "0";
    } else if (const char* v = value("--read_bw_mib")) {
      c.read_bw_mib = std::stoul(v);
    } else if (const char* v = value("--plot")) {
      c.plot = std::string(v) != "off" && std::string(v) != "0";
    } else if (const char* v = value("--out")) {
      c.out = v;
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  for (const std::string& d : c.dtypes) {
    IntDtype t;
    if (d != "f32" && d != "f16" && !parse_int_dtype(d, t))
      throw std::invalid_argument("unknown dtype '" + d + "'");
  }
  for (const std::string& i : c.impls)
    if (i != "qgemm" && i != "qgemmfused" && i != "eigen" && i != "onednn" && !is_gpu_impl(i))
      throw std::invalid_argument("unknown impl '" + i + "'");
  if (c.each_isa) {  // "qgemm" becomes one impl per available path
    std::vector<std::string> expanded;
    for (const std::string& i : c.impls) {
      if (i != "qgemm") {
        expanded.push_back(i);
        continue;
      }
      for (qgemm::Isa isa : qgemm::available_isas())
        expanded.push_back(std::string("qgemm@") + qgemm::isa_name(isa));
    }
    c.impls = expanded;
  }
  return c;
}

// ---- qgemm runners ----------------------------------------------------------------------

/// Random activations over the full range of TA, and weights ~ N(0, 1) packed as `format`.
/// Allocates blocks that start on a cache line, as oneDNN allocates its own memory objects (64
/// bytes; no huge pages): qgemm's activations and outputs live in such buffers here, so that
/// both libraries write whole output lines. With std::vector's 16 bytes each 64-byte row of a
/// 16-channel int32 tile straddles two lines: AVX2 u8s8 4096 x 4096 x 32, mostly output
/// stores, ran at 0.30-0.32x oneDNN against 0.48-0.66x aligned (Zen 3, pinned, two runs).
template <class T>
struct LineAlignedAllocator {
  using value_type = T;
  LineAlignedAllocator() = default;
  template <class U>
  LineAlignedAllocator(const LineAlignedAllocator<U>&) noexcept {}  // NOLINT: rebinding converts
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64}));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete (p, std::align_val_t{64}); }
  template <class U>
  bool operator==(const LineAlignedAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const LineAlignedAllocator<U>&) const noexcept {
    return false;
  }
};
template <class T>
using Buffer = std::vector<T, LineAlignedAllocator<T>>;

template <class TA>
Buffer<TA> random_activations(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<int> d(std::is_signed_v<TA> ? -128 : 0,
                                       std::is_signed_v<TA> ? 127 : 255);
  Buffer<TA> v(n);
  for (auto& x : v) x = static_cast<TA>(d(rng));
  return v;
}
inline qgemm::PackedWeights random_weights(std::mt19937& rng, const Problem& p, const IntDtype& t) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> w(p.N * p.K);
  for (auto& x : w) x = d(rng);
  qgemm::WeightQuantOptions o;
  o.format = t.format;
  o.bits = t.bits;
  if (t.group_size > 0) {
    o.granularity = qgemm::Granularity::PerGroup;
    o.group_size = t.group_size;
  }
  return qgemm::PackedWeights::quantize({w.data(), p.N, p.K}, o);
}

template <class TA>
class QgemmInt : public Runner {
 public:
  QgemmInt(const Problem& p, const IntDtype& t, const qgemm::GemmOptions& options)
      : p_(p), options_(options), c_(p.M * p.N) {
    std::mt19937 rng(3);
    a_ = random_activations<TA>(rng, p.M * p.K);
    weights_ = random_weights(rng, p, t);
  }
  void run() override {
    qgemm::gemm(qgemm::MatrixView<const TA>(a_.data(), p_.M, p_.K), std::is_signed_v<TA> ? 0 : 128,
                weights_, {c_.data(), p_.M, p_.N}, options_);
  }

 private:
  Problem p_;
  qgemm::GemmOptions options_;
  Buffer<TA> a_;
  Buffer<std::int32_t> c_;
  qgemm::PackedWeights weights_;
};

class QgemmF32 : public Runner {
 public:
  QgemmF32(const Problem& p, const qgemm::GemmOptions& options)
      : p_(p), options_(options), a_(p.M * p.K), c_(p.M * p.N) {
    std::mt19937 rng(4);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> b(p.N * p.K);
    for (auto& v : a_) v = d(rng);
    for (auto& v : b) v = d(rng);
    weights_ = qgemm::PackedFloatWeights::pack({b.data(), p.N, p.K});  // once, like a reorder
  }
  void run() override {
    qgemm::gemm(qgemm::MatrixView<const float>(a_.data(), p_.M, p_.K), weights_,
                {c_.data(), p_.M, p_.N}, options_);
  }

 private:
  Problem p_;
  qgemm::GemmOptions options_;
  Buffer<float> a_, c_;
  qgemm::PackedFloatWeights weights_;
};

/// The same integer product through `linear` on pre-quantized activations, with the fused
/// epilogue: dequantize (activation x per-channel scales), bias, ReLU, fp32 out.
template <class TA>
class QgemmFused : public Runner {
 public:
  QgemmFused(const Problem& p, const IntDtype& t, const qgemm::GemmOptions& options)
      : p_(p), bias_(p.N, 0.25f), y_(p.M * p.N) {
    std::mt19937 rng(5);
    a_ = random_activations<TA>(rng, p.M * p.K);
    weights_ = random_weights(rng, p, t);
    x_params_ = qgemm::QuantParams{0.02f, std::is_signed_v<TA> ? 0 : 128, 8, std::is_signed_v<TA>};
    options_.activation = qgemm::Activation::ReLU;
    options_.threads = options.threads;
    options_.isa = options.isa;
  }
  void run() override {
    qgemm::linear(qgemm::MatrixView<const TA>(a_.data(), p_.M, p_.K), x_params_, weights_,
                  bias_.data(), {y_.data(), p_.M, p_.N}, options_);
  }

 private:
  Problem p_;
  qgemm::LinearOptions options_;
  qgemm::QuantParams x_params_;
  Buffer<TA> a_;
  Buffer<float> bias_, y_;
  qgemm::PackedWeights weights_;
};

std::unique_ptr<Runner> make_qgemm_runner(const std::string& dtype, const Problem& p,
                                          const Config& c) {
  const qgemm::GemmOptions o{c.threads, c.isa};
  if (dtype == "f32") return std::make_unique<QgemmF32>(p, o);
  IntDtype t;
  if (!parse_int_dtype(dtype, t) || t.group_size > 0) return nullptr;
  if (t.signed_activations) return std::make_unique<QgemmInt<std::int8_t>>(p, t, o);
  return std::make_unique<QgemmInt<std::uint8_t>>(p, t, o);
}

std::unique_ptr<Runner> make_fused_runner(const std::string& dtype, const Problem& p,
                                          const Config& c) {
  const qgemm::GemmOptions o{c.threads, c.isa};
  IntDtype t;
  if (!parse_int_dtype(dtype, t)) return nullptr;
  if (t.signed_activations) return std::make_unique<QgemmFused<std::int8_t>>(p, t, o);
  return std::make_unique<QgemmFused<std::uint8_t>>(p, t, o);
}

/// "qgemm@avx2" -> the path avx2; "qgemm" -> the configured one.
bool qgemm_impl(const std::string& impl) {
  return impl == "qgemm" || impl.rfind("qgemm@", 0) == 0;
}

std::unique_ptr<Runner> make_runner(const std::string& impl, const std::string& dtype,
                                    const Problem& p, const Config& c) {
  if (impl.rfind("qgemm@", 0) == 0) {
    Config on_path = c;
    on_path.isa = qgemm::parse_isa(impl.substr(6));
    return make_qgemm_runner(dtype, p, on_path);
  }
  if (impl == "qgemm") return make_qgemm_runner(dtype, p, c);
  if (impl == "qgemmfused") return make_fused_runner(dtype, p, c);
  if (impl == "eigen") return make_eigen_runner(dtype, p, c.threads);
  if (impl == "onednn") return make_onednn_runner(dtype, p, c.threads);
  if (is_gpu_impl(impl)) return make_cuda_runner(impl, dtype, p);
  return nullptr;
}

bool impl_has_dtype(const std::string& impl, const std::string& dtype) {
  IntDtype t;
  const bool integer = parse_int_dtype(dtype, t);
  if (qgemm_impl(impl)) return dtype == "f32" || (integer && t.group_size == 0);
  if (impl == "qgemmfused") return integer;
  if (impl == "eigen") return dtype == "f32";
  if (impl == "cuda") return cuda_built() && (dtype == "s8s8" || dtype == "s8s4");
  if (impl == "cublaslt") return cuda_built() && dtype == "s8s8";
  if (impl == "cublas") return cuda_built() && dtype == "f16";
  if (impl == "onednn")
    return onednn_built() && (dtype == "f32" || dtype == "u8s8" || dtype == "s8s8");
  return false;
}

std::string bench_name(const std::string& impl, const std::string& dtype, const Problem& p);

/// Times the runner with wall-clock time (honest with threads) and reports GOPS.
void run_benchmark(benchmark::State& state, const std::string& impl, const std::string& dtype,
                   Problem p, const Config* c) {
  // Progress on stderr, once per benchmark (the library calls this function several times).
  static std::set<std::string> started;
  const std::string name = bench_name(impl, dtype, p);
  if (started.insert(name).second)
    std::fprintf(stderr, "[qgemm-bench %zu/%zu] %s\n", started.size(), c->total, name.c_str());
  std::unique_ptr<Runner> runner = make_runner(impl, dtype, p, *c);
  if (!runner) {
    state.SkipWithError("not available in this build");
    return;
  }
  state.SetLabel(runner->description());
  runner->run();  // warm-up: first-touch pages, caches, lazy initialisation
  double seconds = 0;
  if (runner->device_timed()) {
    for (auto _ : state) {
      const double t = runner->run_timed();
      state.SetIterationTime(t);
      seconds += t;
    }
  } else {
    for (auto _ : state) {
      const auto t0 = std::chrono::steady_clock::now();
      runner->run();
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  }
  const double ops = 2.0 * double(p.M) * double(p.N) * double(p.K);
  state.counters["GOPS"] = ops * double(state.iterations()) / seconds / 1e9;
}

// ---- yardsticks ---------------------------------------------------------------------------

void peak_instruction(benchmark::State& state, std::uint64_t (*loop)(std::size_t)) {
  constexpr std::size_t kIterations = 1 << 16;
  double seconds = 0, ops = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    ops += static_cast<double>(loop(kIterations));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  state.counters["GOPS"] = ops / seconds / 1e9;
}

void peak_read_bandwidth(benchmark::State& state, std::size_t bytes) {
  std::vector<std::uint64_t> buffer(bytes / 8, 1);
  std::uint64_t sink = read_buffer(buffer.data(), buffer.size());
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    sink += read_buffer(buffer.data(), buffer.size());
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  benchmark::DoNotOptimize(sink);
  state.counters["GBps"] = double(bytes) * double(state.iterations()) / seconds / 1e9;
}

// ---- the summary table ------------------------------------------------------------------

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred || r.run_type != Run::RT_Iteration) continue;
      for (const char* counter : {"GOPS", "GBps"}) {
        auto it = r.counters.find(counter);
        // GPU rows are timed manually: the library appends "/manual_time" to their names.
        std::string name = r.benchmark_name();
        const std::string manual = "/manual_time";
        if (name.size() > manual.size() &&
            name.compare(name.size() - manual.size(), manual.size(), manual) == 0)
          name.resize(name.size() - manual.size());
        if (it != r.counters.end()) gops_[name] = it->second.value;
      }
      if (!r.report_label.empty()) labels_.insert(r.report_label);
    }
  }
  const std::set<std::string>& labels() const { return labels_; }
  double gops(const std::string& name) const {
    auto it = gops_.find(name);
    return it == gops_.end() ? 0.0 : it->second;
  }

 private:
  std::map<std::string, double> gops_;
  std::set<std::string> labels_;
};

std::string shape_text(const Problem& p) {
  return std::to_string(p.M) + "x" + std::to_string(p.N) + "x" + std::to_string(p.K);
}

std::string bench_name(const std::string& impl, const std::string& dtype, const Problem& p) {
  return impl + "_" + dtype + "/" + std::to_string(p.M) + "/" + std::to_string(p.N) + "/" +
         std::to_string(p.K);
}

/// The GOP/s table and the speed-up table for qgemm's rows named q (path isa).
void print_path_tables(const SummaryReporter& rep, const Config& c, const std::string& q,
                       qgemm::Isa isa) {
  std::printf("\n== qgemm path: %s (GOP/s)\n", qgemm::isa_name(isa));
  struct Column {
    const char* title;
    std::string impl;
    const char* dtype;
  };
  std::vector<Column> cols = {{"eigen f32", "eigen", "f32"},    {"qgemm f32", q, "f32"},
                              {"qgemm u8s8", q, "u8s8"},        {"qgemm s8s8", q, "s8s8"},
                              {"qgemm u8s4", q, "u8s4"},        {"qgemm s8s4", q, "s8s4"},
                              {"onednn f32", "onednn", "f32"},  {"onednn u8s8", "onednn", "u8s8"},
                              {"onednn s8s8", "onednn", "s8s8"}};
  // The 7-bit rows only where asked for (--dtypes), next to qgemm's own int8.
  std::vector<const char*> int_dtypes = {"u8s8", "s8s8", "u8s4", "s8s4"};
  for (const char* d : {"u8s7", "s8s7"}) {
    if (std::find(c.dtypes.begin(), c.dtypes.end(), d) == c.dtypes.end()) continue;
    cols.insert(cols.begin() + 2 + int_dtypes.size(),
                {d[0] == 'u' ? "qgemm u8s7" : "qgemm s8s7", q, d});
    int_dtypes.push_back(d);
  }
  std::printf("%-18s", "M x N x K");
  for (const Column& col : cols) std::printf(" %12s", col.title);
  std::printf("\n");
  for (const Problem& p : c.shapes) {
    std::printf("%-18s", shape_text(p).c_str());
    for (const Column& col : cols) {
      const double g = rep.gops(bench_name(col.impl, col.dtype, p));
      if (g > 0)
        std::printf(" %12.1f", g);
      else
        std::printf(" %12s", "-");
    }
    std::printf("\n");
  }
  // Speed-ups of qgemm's integer products over the two fp32 baselines a user could run instead.
  std::printf("\nspeed-up of qgemm over Eigen f32 (and, in brackets, over qgemm f32)\n");
  std::printf("%-18s %13s", "M x N x K", "qgemm f32");
  for (const char* d : int_dtypes) std::printf(" %15s", d);
  std::printf("\n");
  for (const Problem& p : c.shapes) {
    const double eigen = rep.gops(bench_name("eigen", "f32", p));
    const double own = rep.gops(bench_name(q, "f32", p));
    std::printf("%-18s", shape_text(p).c_str());
    if (own > 0 && eigen > 0)
      std::printf(" %12.2fx", own / eigen);
    else
      std::printf(" %13s", "-");
    for (const char* d : int_dtypes) {
      const double g = rep.gops(bench_name(q, d, p));
      char text[32] = "-";
      if (g > 0 && eigen > 0 && own > 0)
        std::snprintf(text, sizeof text, "%.2fx (%.2fx)", g / eigen, g / own);
      else if (g > 0 && eigen > 0)
        std::snprintf(text, sizeof text, "%.2fx", g / eigen);
      else if (g > 0 && own > 0)
        std::snprintf(text, sizeof text, "(%.2fx)", g / own);
      std::printf(" %15s", text);
    }
    std::printf("\n");
  }
}

/// The GPU rows, when this run has any: TOP/s-scale numbers still in GOP/s, and the two ratios
/// that matter (our int8 vs cuBLASLt int8; our W4A8 vs our int8).
void print_gpu_summary(const SummaryReporter& rep, const Config& c) {
  bool any = false;
  for (const Problem& p : c.shapes)
    for (const char* impl : {"cuda", "cublaslt", "cublas"})
      for (const char* d : {"s8s8", "s8s4", "f16"})
        any = any || rep.gops(bench_name(impl, d, p)) > 0;
  if (!any) return;
  std::printf("\nGPU: %s (CUDA events, inputs rotated past L2)\n", cuda_device().c_str());
  std::printf("%-18s %13s %13s %13s %13s %15s %15s\n", "M x N x K", "cuda s8s8", "cuda s8s4",
              "cublaslt s8s8", "cublas f16", "s8s8/cublasLt", "s8s4/s8s8");
  for (const Problem& p : c.shapes) {
    const double s8 = rep.gops(bench_name("cuda", "s8s8", p));
    const double s4 = rep.gops(bench_name("cuda", "s8s4", p));
    const double lt = rep.gops(bench_name("cublaslt", "s8s8", p));
    const double f16 = rep.gops(bench_name("cublas", "f16", p));
    auto cell = [](double g) {
      char t[32] = "-";
      if (g > 0) std::snprintf(t, sizeof t, "%.1f", g);
      return std::string(t);
    };
    auto ratio = [](double a, double b) {
      char t[32] = "-";
      if (a > 0 && b > 0) std::snprintf(t, sizeof t, "%.2fx", a / b);
      return std::string(t);
    };
    std::printf("%-18s %13s %13s %13s %13s %15s %15s\n", shape_text(p).c_str(), cell(s8).c_str(),
                cell(s4).c_str(), cell(lt).c_str(), cell(f16).c_str(), ratio(s8, lt).c_str(),
                ratio(s4, s8).c_str());
  }
}

/// The instruction peaks a path's kernels are bounded by (peaks.hpp): its int8
/// multiply-accumulate and its fp32 FMA, at the width the path uses. AVX-512 without VNNI runs
/// the AVX2 int8 kernels. A name is null, and its figure 0, where the path has none.
struct Yardsticks {
  const char* int8_name = nullptr;
  const char* fp32_name = nullptr;
  double int8 = 0, fp32 = 0;
  double saturating = 0;  ///< peak/maddubs256 on AVX2 paths: the inexact peers' ceiling
};
Yardsticks yardsticks(const SummaryReporter& rep, qgemm::Isa isa) {
  using qgemm::Isa;
  Yardsticks y;
  if (isa == Isa::avx512_vnni) y.int8_name = "peak/vnni512";
  if (isa == Isa::avx_vnni) y.int8_name = "peak/vnni256";
  if (isa == Isa::avx2 || isa == Isa::avx512) y.int8_name = "peak/madd256";
  if (isa == Isa::avx512 || isa == Isa::avx512_vnni) y.fp32_name = "peak/fma512";
  if (isa == Isa::avx2 || isa == Isa::avx_vnni) y.fp32_name = "peak/fma256";
  if (y.int8_name) y.int8 = rep.gops(y.int8_name);
  if (y.fp32_name) y.fp32 = rep.gops(y.fp32_name);
  if (isa == Isa::avx2 || isa == Isa::avx512) y.saturating = rep.gops("peak/maddubs256");
  return y;
}

void print_summary(const SummaryReporter& rep, const Config& c) {
  std::printf("\nqgemm-bench summary: GOP/s (2*M*N*K / s / 1e9), %d thread(s)\n", c.threads);
  std::printf("CPU: %s | qgemm %d.%d.%d | oneDNN: %s\n", qgemm::cpu_features().brand.c_str(),
              qgemm::version_major, qgemm::version_minor, qgemm::version_patch,
              onednn_version().c_str());
  // One table per qgemm path: --isa=each times every path this CPU has; otherwise the one chosen.
  std::vector<std::pair<std::string, qgemm::Isa>> paths;
  if (c.each_isa)
    for (qgemm::Isa isa : qgemm::available_isas())
      paths.push_back({std::string("qgemm@") + qgemm::isa_name(isa), isa});
  else
    paths.push_back({"qgemm", qgemm::resolve_isa(c.isa)});
  for (const auto& [q, isa] : paths) print_path_tables(rep, c, q, isa);
  const std::string best = paths.back().first;  // available_isas() ends with the best path
  const qgemm::Isa isa_of_best = paths.back().second;
  const Yardsticks y = yardsticks(rep, isa_of_best);
  const double bw = rep.gops("peak/read_bw/" + std::to_string(c.read_bw_mib) + "MiB");
  if (y.int8 > 0 || y.fp32 > 0 || bw > 0) {
    std::printf(
        "yardsticks (same run, for the %s path): %s %.1f GOP/s, %s %.1f GFLOP/s, read %zu "
        "MiB %.1f GB/s\n",
        qgemm::isa_name(isa_of_best), y.int8_name ? y.int8_name : "int8 peak", y.int8,
        y.fp32_name ? y.fp32_name : "FMA peak", y.fp32, c.read_bw_mib, bw);
    if (y.saturating > 0)
      std::printf(
          "  (peak/maddubs256 %.1f GOP/s: the saturating vpmaddubsw sequence of AVX2 peers, "
          "inexact for full-range u8 x s8, which qgemm does not run)\n",
          y.saturating);
    std::printf("%-18s %12s %12s %12s %14s\n", "M x N x K", "u8s8 %int8", "s8s8 %int8", "f32 %fp32",
                "s8 weights GB/s");
    const auto share = [](double v, double peak) { return peak > 0 ? 100 * v / peak : 0.0; };
    for (const Problem& p : c.shapes) {
      const std::string shape = shape_text(p);
      const double u8 = rep.gops(bench_name(best, "u8s8", p));
      const double s8 = rep.gops(bench_name(best, "s8s8", p));
      const double f32 = rep.gops(bench_name(best, "f32", p));
      // Weights streamed per second: N*K bytes per product, 2*M*N*K ops per product.
      const double weight_gbps = s8 / (2.0 * double(p.M));
      std::printf("%-18s %11.0f%% %11.0f%% %11.0f%% %14.1f\n", shape.c_str(), share(u8, y.int8),
                  share(s8, y.int8), share(f32, y.fp32), weight_gbps);
    }
  }
  print_gpu_summary(rep, c);
  for (const std::string& label : rep.labels()) std::printf("peer kernel: %s\n", label.c_str());
  std::printf(
      "(ratios are within this run; rerun pinned with taskset -c 0 for steadier figures)\n");
}

/// Speed-up over Eigen f32 against M for the N x K that this run timed at the most values of M
/// (decode to prefill): <out>_speedup.csv, a gnuplot script, and the PNG when gnuplot is found.
void write_speedup_plot(const SummaryReporter& rep, const Config& c) {
  std::map<std::pair<std::size_t, std::size_t>, std::set<std::size_t>> ms;
  for (const Problem& p : c.shapes) ms[{p.N, p.K}].insert(p.M);
  auto family = std::max_element(ms.begin(), ms.end(), [](const auto& a, const auto& b) {
    return a.second.size() < b.second.size();
  });
  if (family == ms.end() || family->second.size() < 2) {
    std::printf("speed-up plot: needs one N x K at two values of M or more; none in this run\n");
    return;
  }
  const auto [N, K] = family->first;
  // One line per dtype: qgemm on its best path (the last of available_isas() with --isa=each),
  // and the peers' rows next to them.
  const std::string best_q =
      c.each_isa ? std::string("qgemm@") + qgemm::isa_name(qgemm::available_isas().back())
                 : "qgemm";
  std::vector<std::string> series;  // "<impl> <dtype>" of every such row with numbers
  for (const std::string& impl : c.impls)
    for (const std::string& d : c.dtypes)
      if (impl != "eigen" && (!qgemm_impl(impl) || impl == best_q) && impl_has_dtype(impl, d))
        for (std::size_t M : family->second)
          if (rep.gops(bench_name(impl, d, {M, N, K})) > 0) {
            series.push_back(impl + " " + d);
            break;
          }
  const std::string data = c.out + "_speedup.csv";
  std::ofstream out(data);
  out << "M";
  for (const std::string& s : series) out << "," << csv_field(s);
  out << "\n";
  for (std::size_t M : family->second) {
    const double eigen = rep.gops(bench_name("eigen", "f32", {M, N, K}));
    out << M;
    for (const std::string& s : series) {
      const std::size_t space = s.find(' ');
      const double g = rep.gops(bench_name(s.substr(0, space), s.substr(space + 1), {M, N, K}));
      out << ",";
      if (g > 0 && eigen > 0) out << number_text(g / eigen);
    }
    out << "\n";
  }
  out.close();
  const std::string gp = c.out + "_speedup.gp";
  std::ofstream script(gp);
  script << "set terminal pngcairo size 900,600 noenhanced\nset output '" << c.out
         << "_speedup.png'\n"
         << "set datafile separator ','\nset datafile missing ''\nset key outside right\n"
         << "set logscale x 2\nset xlabel 'M (rows of A: decode 1 ... prefill)'\n"
         << "set ylabel 'speed-up over Eigen fp32 (x)'\nset grid\n"
         << "set title 'qgemm-bench, " << N << " x " << K << ", " << c.threads << " thread(s), "
         << qgemm::cpu_features().brand << "'\n"
         << "plot for [i=2:" << series.size() + 1 << "] '" << data
         << "' using 1:i with linespoints title columnhead(i)\n";
  script.close();
  if (std::system("command -v gnuplot > /dev/null 2>&1") == 0 &&
      std::system(("gnuplot '" + gp + "'").c_str()) == 0)
    std::printf("speed-up plot: %s_speedup.png (data %s, script %s)\n", c.out.c_str(), data.c_str(),
                gp.c_str());
  else
    std::printf("speed-up plot: gnuplot not found or failed; data %s, script %s\n", data.c_str(),
                gp.c_str());
}

/// The products of this run (not the yardsticks) as CSV and JSON next to `c.out`.
void write_results(const SummaryReporter& rep, const Config& c) {
  if (c.out.empty()) return;
  std::vector<Result> results;
  for (const Problem& p : c.shapes)
    for (const std::string& impl : c.impls)
      for (const std::string& dtype : c.dtypes) {
        const double g = rep.gops(bench_name(impl, dtype, p));
        if (g > 0) results.push_back({impl, dtype, p.M, p.N, p.K, g});
      }
  char date[32] = "";
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  const RunInfo info{qgemm::cpu_features().brand,
                     c.each_isa ? "each" : qgemm::isa_name(qgemm::resolve_isa(c.isa)), date,
                     onednn_version(), c.threads};
  std::ofstream csv(c.out + ".csv"), json(c.out + ".json");
  write_csv(csv, results);
  write_json(json, info, results);
  if (!csv || !json) {
    std::fprintf(stderr, "qgemm-bench: could not write %s.csv / .json\n", c.out.c_str());
    return;
  }
  std::printf("raw results: %s.csv and %s.json\n", c.out.c_str(), c.out.c_str());
  if (c.plot) write_speedup_plot(rep, c);
}

}  // namespace
}  // namespace qgemm_bench

int main(int argc, char** argv) {
  using namespace qgemm_bench;
  Config config;
  try {
    config = parse_args(argc, argv);
    (void)qgemm::resolve_isa(config.isa, "qgemm-bench");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qgemm-bench: %s\n\n%s", e.what(), kUsage);
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  for (const Problem& p : config.shapes)
    for (const std::string& impl : config.impls)
      for (const std::string& dtype : config.dtypes) {
        if (!impl_has_dtype(impl, dtype)) continue;
        auto* b = benchmark::RegisterBenchmark(bench_name(impl, dtype, p).c_str(), run_benchmark,
                                               impl, dtype, p, &config);
        b->Unit(benchmark::kMillisecond);
        if (is_gpu_impl(impl)) b->UseManualTime();
        ++config.total;
      }
  if (config.peaks) {
    for (const InstructionPeak& peak : instruction_peaks())  // only those this CPU can run
      benchmark::RegisterBenchmark(peak.name, peak_instruction, peak.loop)
          ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(
        ("peak/read_bw/" + std::to_string(config.read_bw_mib) + "MiB").c_str(), peak_read_bandwidth,
        config.read_bw_mib << 20)
        ->Unit(benchmark::kMillisecond);
  }
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter, config);
  write_results(reporter, config);
  benchmark::Shutdown();
  return 0;
}
