// The interface between qgemm-bench and the peer libraries, each compiled in its own
// translation unit with its own flags (Eigen with -O3 -march=native, as its users build it).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace qgemm_bench {

struct Problem {
  std::size_t M = 0, N = 0, K = 0;
};

/// One prepared product: data allocated and initialised, weights in the library's preferred
/// layout, so run() times only the multiplication.
class Runner {
 public:
  virtual ~Runner() = default;
  virtual void run() = 0;
  /// What actually runs, when the library says (oneDNN's implementation name, e.g. one using AMX).
  virtual std::string description() const { return {}; }
};

/// Eigen fp32: C = A * B^T with B stored [N x K] row-major.
std::unique_ptr<Runner> make_eigen_runner(const std::string& dtype, const Problem& p, int threads);

/// oneDNN matmul (f32, u8s8, s8s8 -> s32), weights reordered once. nullptr where oneDNN was not
/// found at build time or has no such data type.
std::unique_ptr<Runner> make_onednn_runner(const std::string& dtype, const Problem& p, int threads);
bool onednn_built();
std::string onednn_version();

}  // namespace qgemm_bench
