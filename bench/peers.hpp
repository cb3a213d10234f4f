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
  /// GPU runners time themselves with device events: run_timed() runs once and returns seconds.
  virtual bool device_timed() const { return false; }
  virtual double run_timed() { return 0.0; }
};

/// Eigen fp32: C = A * B^T with B stored [N x K] row-major.
std::unique_ptr<Runner> make_eigen_runner(const std::string& dtype, const Problem& p, int threads);

/// oneDNN matmul (f32, u8s8, s8s8 -> s32), weights reordered once. nullptr where oneDNN was not
/// found at build time or has no such data type.
std::unique_ptr<Runner> make_onednn_runner(const std::string& dtype, const Problem& p, int threads);
bool onednn_built();
std::string onednn_version();

/// The GPU rows (cuda_peer.cu when CMake found a CUDA compiler): impl cuda (dtypes s8s8, s8s4),
/// cublaslt (s8s8), cublas (f16). nullptr where this build or this machine has no GPU.
std::unique_ptr<Runner> make_cuda_runner(const std::string& impl, const std::string& dtype,
                                         const Problem& p);
bool cuda_built();
/// "NAME (sm_XY, N SMs)" of the device, or empty where none is present.
std::string cuda_device();

}  // namespace qgemm_bench
