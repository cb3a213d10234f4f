// GPU rows of qgemm-bench: qgemm's tensor-core kernels (cuda_s8s8, cuda_s8s4) next to cuBLASLt
// int8 (cublaslt_s8s8) and cuBLAS fp16 with fp32 accumulation (cublas_f16), the peers users would
// reach for. Timed with CUDA events around one launch. Inputs rotate among copies that together
// exceed the L2 cache, so decode shapes stream their weights from memory as they would in a model.
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_fp16.h>

#include <qgemm/cuda/qgemm_cuda.cuh>

#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "peers.hpp"

namespace qgemm_bench {
namespace {

using qgemm::cuda::check;
using qgemm::cuda::DeviceBuffer;

void check_cublas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cuBLAS: ") + what + " failed with status " +
                             std::to_string(int(s)));
}

/// How many copies of A and W to rotate through so that they overflow L2 (256 MiB in all, 16 at
/// most).
std::size_t copies_for(std::size_t bytes) {
  const std::size_t target = std::size_t(256) << 20;
  std::size_t c = bytes ? (target + bytes - 1) / bytes : 1;
  return c < 1 ? 1 : (c > 16 ? 16 : c);
}

template <class T>
void fill_random(DeviceBuffer<T>& d, std::size_t n, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> h(n);
  for (auto& x : h) {
    if constexpr (std::is_same_v<T, __half>)
      x = __float2half(float(dist(rng)) / 64.0f);
    else
      x = static_cast<T>(dist(rng));
  }
  d.upload(h.data(), n);
}

class CudaRunner : public Runner {
 public:
  CudaRunner() {
    check(cudaStreamCreate(&stream_), "qgemm-bench", "cudaStreamCreate");
    check(cudaEventCreate(&start_), "qgemm-bench", "cudaEventCreate");
    check(cudaEventCreate(&stop_), "qgemm-bench", "cudaEventCreate");
  }
  ~CudaRunner() override {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
    cudaStreamDestroy(stream_);
  }
  void run() override {
    launch(next());
    check(cudaStreamSynchronize(stream_), "qgemm-bench", "cudaStreamSynchronize");
  }
  bool device_timed() const override { return true; }
  double run_timed() override {
    const std::size_t i = next();
    check(cudaEventRecord(start_, stream_), "qgemm-bench", "cudaEventRecord");
    launch(i);
    check(cudaEventRecord(stop_, stream_), "qgemm-bench", "cudaEventRecord");
    check(cudaEventSynchronize(stop_), "qgemm-bench", "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start_, stop_), "qgemm-bench", "cudaEventElapsedTime");
    return ms * 1e-3;
  }

 protected:
  virtual void launch(std::size_t copy) = 0;
  std::size_t next() { return copies_ ? (turn_++ % copies_) : 0; }
  cudaStream_t stream_{};
  std::size_t copies_ = 1;

 private:
  cudaEvent_t start_{}, stop_{};
  std::size_t turn_ = 0;
};

/// qgemm::cuda::gemm, s8 activations x s8 or s4 weights -> s32.
class QgemmCudaRunner final : public CudaRunner {
 public:
  QgemmCudaRunner(const Problem& p, bool s4) : p_(p) {
    const qgemm::cuda::WeightType t =
        s4 ? qgemm::cuda::WeightType::S4 : qgemm::cuda::WeightType::S8;
    copies_ = copies_for(p.M * p.K + p.N * p.K / (s4 ? 2 : 1));
    // One upload of the raw weights; each copy is packed from it on the device.
    DeviceBuffer<std::int8_t> raw(p.N * p.K);
    fill_random(raw, p.N * p.K, s4 ? -8 : -128, s4 ? 7 : 127, 42);
    for (std::size_t c = 0; c < copies_; ++c) {
      weights_.push_back(
          qgemm::cuda::DeviceWeights::from_device(t, raw.data(), p.N, p.K, p.K, nullptr, stream_));
      a_.emplace_back(p.M * p.K);
      fill_random(a_.back(), p.M * p.K, -128, 127, unsigned(c));
    }
    c_ = DeviceBuffer<std::int32_t>(p.M * p.N);
    description_ = s4 ? "W4A8: s4 unpacked on chip, int8 mma.sync" : "int8 mma.sync m16n8k32";
  }
  std::string description() const override { return description_; }

 private:
  void launch(std::size_t i) override {
    qgemm::cuda::gemm(a_[i].data(), p_.K, p_.M, weights_[i], c_.data(), p_.N, stream_);
  }
  Problem p_;
  std::vector<qgemm::cuda::DeviceWeights> weights_;
  std::vector<DeviceBuffer<std::int8_t>> a_;
  DeviceBuffer<std::int32_t> c_;
  std::string description_;
};

/// cuBLASLt: C[M x N] s32 = A[M x K] s8 * W[N x K]^T s8, seen column-major as
/// C^T (N x M) = W^T(K x N, op T) * A^T (K x M, op N), the layout cuBLASLt's int8 kernels take.
class CublasLtRunner final : public CudaRunner {
 public:
  explicit CublasLtRunner(const Problem& p) : p_(p) {
    copies_ = copies_for(p.M * p.K + p.N * p.K);
    check_cublas(cublasLtCreate(&lt_), "cublasLtCreate");
    for (std::size_t c = 0; c < copies_; ++c) {
      a_.emplace_back(p.M * p.K);
      w_.emplace_back(p.N * p.K);
      fill_random(a_.back(), p.M * p.K, -128, 127, unsigned(c));
      fill_random(w_.back(), p.N * p.K, -128, 127, unsigned(100 + c));
    }
    c_ = DeviceBuffer<std::int32_t>(p.M * p.N);
    workspace_ = DeviceBuffer<std::uint8_t>(workspace_bytes_);
    check_cublas(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32I, CUDA_R_32I), "desc");
    const cublasOperation_t t = CUBLAS_OP_T, n = CUBLAS_OP_N;
    check_cublas(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t),
                 "transa");
    check_cublas(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &n, sizeof n),
                 "transb");
    check_cublas(cublasLtMatrixLayoutCreate(&la_, CUDA_R_8I, p.K, p.N, p.K), "layout W");
    check_cublas(cublasLtMatrixLayoutCreate(&lb_, CUDA_R_8I, p.K, p.M, p.K), "layout A");
    check_cublas(cublasLtMatrixLayoutCreate(&lc_, CUDA_R_32I, p.N, p.M, p.N), "layout C");
    cublasLtMatmulPreference_t pref;
    check_cublas(cublasLtMatmulPreferenceCreate(&pref), "preference");
    check_cublas(
        cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                             &workspace_bytes_, sizeof workspace_bytes_),
        "workspace");
    int found = 0;
    check_cublas(
        cublasLtMatmulAlgoGetHeuristic(lt_, op_, la_, lb_, lc_, lc_, pref, 1, &heuristic_, &found),
        "heuristic");
    cublasLtMatmulPreferenceDestroy(pref);
    if (!found) throw std::runtime_error("cuBLASLt has no int8 algorithm for this shape");
  }
  ~CublasLtRunner() override {
    cublasLtMatrixLayoutDestroy(la_);
    cublasLtMatrixLayoutDestroy(lb_);
    cublasLtMatrixLayoutDestroy(lc_);
    cublasLtMatmulDescDestroy(op_);
    cublasLtDestroy(lt_);
  }
  std::string description() const override { return "cuBLASLt int8 (heuristic's first)"; }

 private:
  void launch(std::size_t i) override {
    const std::int32_t alpha = 1, beta = 0;
    check_cublas(cublasLtMatmul(lt_, op_, &alpha, w_[i].data(), la_, a_[i].data(), lb_, &beta,
                                c_.data(), lc_, c_.data(), lc_, &heuristic_.algo, workspace_.data(),
                                workspace_bytes_, stream_),
                 "cublasLtMatmul");
  }
  Problem p_;
  cublasLtHandle_t lt_{};
  cublasLtMatmulDesc_t op_{};
  cublasLtMatrixLayout_t la_{}, lb_{}, lc_{};
  cublasLtMatmulHeuristicResult_t heuristic_{};
  std::size_t workspace_bytes_ = std::size_t(32) << 20;
  std::vector<DeviceBuffer<std::int8_t>> a_, w_;
  DeviceBuffer<std::int32_t> c_;
  DeviceBuffer<std::uint8_t> workspace_;
};

/// cuBLAS fp16 in and out with fp32 accumulation (what PyTorch's fp16 Linear calls).
class CublasF16Runner final : public CudaRunner {
 public:
  explicit CublasF16Runner(const Problem& p) : p_(p) {
    copies_ = copies_for(2 * (p.M * p.K + p.N * p.K));
    check_cublas(cublasCreate(&handle_), "cublasCreate");
    check_cublas(cublasSetStream(handle_, stream_), "cublasSetStream");
    for (std::size_t c = 0; c < copies_; ++c) {
      a_.emplace_back(p.M * p.K);
      w_.emplace_back(p.N * p.K);
      fill_random(a_.back(), p.M * p.K, -64, 64, unsigned(c));
      fill_random(w_.back(), p.N * p.K, -64, 64, unsigned(100 + c));
    }
    c_ = DeviceBuffer<__half>(p.M * p.N);
  }
  ~CublasF16Runner() override { cublasDestroy(handle_); }
  std::string description() const override { return "cuBLAS fp16, fp32 accumulation"; }

 private:
  void launch(std::size_t i) override {
    const float alpha = 1.0f, beta = 0.0f;
    check_cublas(cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, int(p_.N), int(p_.M), int(p_.K),
                              &alpha, w_[i].data(), CUDA_R_16F, int(p_.K), a_[i].data(), CUDA_R_16F,
                              int(p_.K), &beta, c_.data(), CUDA_R_16F, int(p_.N),
                              CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                 "cublasGemmEx");
  }
  Problem p_;
  cublasHandle_t handle_{};
  std::vector<DeviceBuffer<__half>> a_, w_;
  DeviceBuffer<__half> c_;
};

}  // namespace

bool cuda_built() {
  return true;
}

std::string cuda_device() {
  if (!qgemm::cuda::device_available()) return {};
  const auto caps = qgemm::cuda::device_caps();
  return caps.name + " (sm_" + std::to_string(caps.compute_capability()) + ", " +
         std::to_string(caps.multiprocessors) + " SMs)";
}

std::unique_ptr<Runner> make_cuda_runner(const std::string& impl, const std::string& dtype,
                                         const Problem& p) {
  if (!qgemm::cuda::device_available()) return nullptr;
  if (impl == "cuda" && (dtype == "s8s8" || dtype == "s8s4"))
    return std::make_unique<QgemmCudaRunner>(p, dtype == "s8s4");
  if (impl == "cublaslt" && dtype == "s8s8") return std::make_unique<CublasLtRunner>(p);
  if (impl == "cublas" && dtype == "f16") return std::make_unique<CublasF16Runner>(p);
  return nullptr;
}

}  // namespace qgemm_bench
