// qgemm-clipping: how each clipping method quantizes a tensor.
//
// Prints, for each bit width, every method's clip value and fake-quantization MSE; writes them and
// an MSE-vs-clip sweep as CSV, and (with gnuplot installed) a plot of MSE against the clip value
// with each method's choice marked: the picture of ACIQ's optimal-alpha figure, for any tensor.
//
//   qgemm-clipping [--dist=laplace|gauss] [--n=N] [--input=FILE.npy|FILE.f32]
//                  [--bits=2,3,4,8] [--out=PREFIX] [--no-plot]
#include <qgemm/qgemm.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cli_args.hpp"

namespace {

struct Args {
  std::string dist = "laplace", input, out = "clipping";
  std::size_t n = std::size_t{1} << 20;
  std::vector<int> bits = {2, 3, 4, 8};
  bool plot = true;
};

const std::pair<qgemm::Clip, const char*> kMethods[] = {{qgemm::Clip::MinMax, "minmax"},
                                                        {qgemm::Clip::Percentile, "percentile"},
                                                        {qgemm::Clip::MSE, "mse"},
                                                        {qgemm::Clip::KL, "kl"},
                                                        {qgemm::Clip::AciqLaplace, "aciq_laplace"},
                                                        {qgemm::Clip::AciqGauss, "aciq_gauss"}};

/// float32 data from a .npy file (little-endian '<f4', C order) or a raw float32 file.
std::vector<float> load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::size_t offset = 0;
  if (bytes.compare(0, 6, "\x93NUMPY") == 0) {
    const auto header_len = static_cast<std::size_t>(static_cast<unsigned char>(bytes[8])) |
                            static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    const std::string header = bytes.substr(10, header_len);
    if (header.find("'<f4'") == std::string::npos ||
        header.find("'fortran_order': True") != std::string::npos)
      throw std::runtime_error(path + ": only little-endian float32 C-order .npy files are read");
    offset = 10 + header_len;
  }
  std::vector<float> x((bytes.size() - offset) / sizeof(float));
  std::memcpy(x.data(), bytes.data() + offset, x.size() * sizeof(float));
  return x;
}

std::vector<float> generate(const Args& a) {
  std::mt19937_64 rng(2019);
  std::vector<float> x(a.n);
  if (a.dist == "gauss") {
    std::normal_distribution<double> d(0.0, 1.0);
    for (auto& v : x) v = static_cast<float>(d(rng));
  } else {
    std::exponential_distribution<double> e(1.0);
    std::bernoulli_distribution s(0.5);
    for (auto& v : x) v = static_cast<float>(s(rng) ? e(rng) : -e(rng));
  }
  return x;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&](const char* flag) { return qgemm_cli::flag_value(argv[i], flag); };
    if (const char* v = value("--dist"))
      a.dist = v;
    else if (const char* v = value("--n"))
      a.n = std::stoul(v);
    else if (const char* v = value("--input"))
      a.input = v;
    else if (const char* v = value("--out"))
      a.out = v;
    else if (const char* v = value("--bits")) {
      a.bits.clear();
      for (std::size_t b : qgemm_cli::parse_sizes(v, "--bits"))
        a.bits.push_back(static_cast<int>(b));
    } else if (s == "--no-plot")
      a.plot = false;
    else
      throw std::invalid_argument("unknown argument " + s + " (see the comment at the top)");
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  const std::vector<float> x = a.input.empty() ? generate(a) : load(a.input);
  std::printf("tensor: %s, %zu values\n", a.input.empty() ? a.dist.c_str() : a.input.c_str(),
              x.size());
  std::ofstream methods(a.out + "_methods.csv"), sweep(a.out + "_sweep.csv");
  methods << "bits,method,alpha,mse\n";
  sweep << "bits,alpha,mse\n";
  const double max_abs = qgemm::calibrate(x.data(), x.size(), 8).scale * 127.0;
  std::printf("%-5s %-13s %10s %12s %10s\n", "bits", "method", "clip", "MSE", "vs minmax");
  for (int bits : a.bits) {
    double minmax = 0;
    for (const auto& [method, name] : kMethods) {
      const qgemm::QuantParams p = qgemm::calibrate(x.data(), x.size(), bits, method);
      const double mse = qgemm::fake_quant_mse(x.data(), x.size(), p);
      const double alpha = double(p.scale) * p.qmax();
      if (method == qgemm::Clip::MinMax) minmax = mse;
      std::printf("%-5d %-13s %10.4f %12.4g %9.3fx\n", bits, name, alpha, mse, mse / minmax);
      methods << bits << "," << name << "," << alpha << "," << mse << "\n";
    }
    for (int i = 1; i <= 100; ++i) {
      const double alpha = max_abs * i / 100.0;
      sweep << bits << "," << alpha << ","
            << qgemm::fake_quant_mse(x.data(), x.size(), qgemm::symmetric_params(alpha, bits))
            << "\n";
    }
  }
  methods.close();
  sweep.close();
  std::printf("wrote %s_methods.csv and %s_sweep.csv\n", a.out.c_str(), a.out.c_str());

  // gnuplot script: one MSE-vs-clip curve per bit width, each method's choice as a point.
  std::ofstream gp(a.out + ".gp");
  gp << "set terminal pngcairo size 1000,650 noenhanced\nset output '" << a.out << ".png'\n"
     << "set datafile separator ','\nset logscale y\nset key outside right\n"
     << "set xlabel 'clip value alpha'\nset ylabel 'quantization MSE'\n"
     << "set title 'MSE vs clip value (" << (a.input.empty() ? a.dist : a.input) << ")'\nplot ";
  bool first = true;
  for (int bits : a.bits) {
    gp << (first ? "" : ", ") << "'" << a.out << "_sweep.csv' using ($1==" << bits
       << "?$2:1/0):3 with lines title '" << bits << "-bit sweep'";
    first = false;
  }
  for (const auto& [method, name] : kMethods)
    gp << ", '" << a.out << "_methods.csv' using (strcol(2) eq '" << name
       << "' ? $3 : 1/0):4 with points pointsize 1.5 title '" << name << "'";
  gp << "\n";
  gp.close();
  if (a.plot) {
    if (std::system("command -v gnuplot > /dev/null 2>&1") == 0 &&
        std::system(("gnuplot " + a.out + ".gp").c_str()) == 0)
      std::printf("wrote %s.png (gnuplot script %s.gp)\n", a.out.c_str(), a.out.c_str());
    else
      std::printf("gnuplot not found or failed: plot script left in %s.gp\n", a.out.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "qgemm-clipping: %s\n", e.what());
  return 2;
}
