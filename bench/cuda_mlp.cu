// The blog's MLP on the GPU: widths 32768-16384-8192-4096-2048-1024-32768 at batch 2048 (flags
// change both), run as three networks: fp16 (cuBLASLt, fp32 accumulation, bias + ReLU fused in
// its epilogue), all-int8 and all-int4 (s4 weights, s8 activations) through qgemm::cuda::linear
// with dequantize + bias + ReLU + requantize to s8 fused in the store. Prints the median latency
// of each and the reductions vs fp16, next to the blog's A100 figures (int8 -31%, int4 -47%).
#include <cublasLt.h>
#include <cuda_fp16.h>

#include <qgemm/cuda/qgemm_cuda.cuh>

#include "cli_args.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using qgemm::cuda::check;
using qgemm::cuda::DeviceBuffer;

void check_lt(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cuBLASLt: ") + what +
                             " failed: " + std::to_string(int(s)));
}

__device__ std::uint32_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return static_cast<std::uint32_t>(x);
}

/// Uniform integers in [lo, hi], from a hash of the index: fills hundreds of MB in milliseconds.
__global__ void fill_int8(std::int8_t* p, std::size_t n, int lo, int hi, std::uint64_t seed) {
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x)
    p[i] = static_cast<std::int8_t>(
        lo + int(mix(i * 0x9E3779B97F4A7C15ull + seed) % unsigned(hi - lo + 1)));
}
__global__ void fill_half(__half* p, std::size_t n, float scale, std::uint64_t seed) {
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x)
    p[i] = __float2half(scale *
                        (float(mix(i * 0x9E3779B97F4A7C15ull + seed) % 2001u) / 1000.0f - 1.0f));
}

struct Flags {
  std::vector<std::size_t> widths = {32768, 16384, 8192, 4096, 2048, 1024, 32768};
  std::size_t batch = 2048;
  int reps = 20, warmup = 3;
};

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) { return qgemm_cli::flag_value(argv[i], flag); };
    if (const char* v = value("--widths")) {
      f.widths = qgemm_cli::parse_sizes(v, "--widths");
    } else if (const char* v = value("--batch")) {
      f.batch = std::stoul(v);
    } else if (const char* v = value("--reps")) {
      f.reps = std::stoi(v);
    } else if (const char* v = value("--warmup")) {
      f.warmup = std::stoi(v);
    } else {
      std::printf(
          "qgemm-cuda-mlp [--widths=W0,W1,...] [--batch=B] [--reps=N] [--warmup=N]\n"
          "  fp16 (cuBLASLt) vs all-int8 vs all-int4 MLP latency on the GPU\n");
      std::exit(a == "--help" ? 0 : 2);
    }
  }
  if (f.widths.size() < 2 || f.batch == 0 || f.reps < 1)
    throw std::invalid_argument("need two widths or more, batch >= 1, reps >= 1");
  return f;
}

/// Median of reps timings of forward() (CUDA events), after warm-up runs.
double median_ms(const std::function<void(cudaStream_t)>& forward, cudaStream_t s, const Flags& f) {
  cudaEvent_t a, b;
  check(cudaEventCreate(&a), "mlp", "event");
  check(cudaEventCreate(&b), "mlp", "event");
  for (int i = 0; i < f.warmup; ++i) forward(s);
  std::vector<double> ms;
  for (int i = 0; i < f.reps; ++i) {
    check(cudaEventRecord(a, s), "mlp", "record");
    forward(s);
    check(cudaEventRecord(b, s), "mlp", "record");
    check(cudaEventSynchronize(b), "mlp", "sync");
    float t = 0;
    check(cudaEventElapsedTime(&t, a, b), "mlp", "elapsed");
    ms.push_back(t);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void fill(std::int8_t* p, std::size_t n, int lo, int hi, std::uint64_t seed) {
  fill_int8<<<1024, 256>>>(p, n, lo, hi, seed);
  check(cudaGetLastError(), "mlp", "fill_int8");
}

/// One quantized network: s8 or s4 weights with per-channel scales, s8 activations between layers.
double time_quantized(const Flags& f, qgemm::cuda::WeightType type, cudaStream_t s) {
  const std::size_t L = f.widths.size() - 1, B = f.batch;
  std::vector<qgemm::cuda::DeviceWeights> W;
  std::vector<DeviceBuffer<float>> bias;
  for (std::size_t l = 0; l < L; ++l) {
    const std::size_t K = f.widths[l], N = f.widths[l + 1];
    DeviceBuffer<std::int8_t> raw(N * K);
    const bool s4 = type == qgemm::cuda::WeightType::S4;
    fill(raw.data(), N * K, s4 ? -8 : -127, s4 ? 7 : 127, 11 + l);
    check(cudaDeviceSynchronize(), "mlp", "fill");
    W.push_back(qgemm::cuda::DeviceWeights::from_device(type, raw.data(), N, K, K));
    // Keeps y near unit spread (a std ~64 steps of 1/64, w uniform: std 73 for s8, 4.6 for s4),
    // so activations stay non-zero through the layers: real data, not zeros, is timed.
    const float w_std = s4 ? 4.6f : 73.0f;
    std::vector<float> scales(N, 64.0f / (std::sqrt(float(K)) * 73.0f * w_std));
    W.back().set_scales_from_host(scales.data());
    std::vector<float> b(N, 0.01f);
    bias.emplace_back(N);
    bias.back().upload(b.data(), N);
  }
  const std::size_t widest = *std::max_element(f.widths.begin(), f.widths.end());
  DeviceBuffer<std::int8_t> x0(B * widest), x1(B * widest);
  fill(x0.data(), B * f.widths[0], -127, 127, 7);
  DeviceBuffer<__half> y(B * f.widths.back());
  check(cudaDeviceSynchronize(), "mlp", "setup");
  auto forward = [&](cudaStream_t st) {
    const std::int8_t* in = x0.data();
    std::int8_t* bufs[2] = {x1.data(), x0.data()};
    for (std::size_t l = 0; l < L; ++l) {
      qgemm::cuda::LinearParams p;
      p.a_scale = 1.0f / 64.0f;
      p.bias = bias[l].data();
      p.relu = l + 1 < L;
      p.out_scale = 1.0f / 64.0f;
      if (l + 1 < L) {
        qgemm::cuda::linear(in, f.widths[l], B, W[l], p, bufs[l % 2], f.widths[l + 1], st);
        in = bufs[l % 2];
      } else {
        qgemm::cuda::linear(in, f.widths[l], B, W[l], p, y.data(), f.widths[l + 1], st);
      }
    }
  };
  return median_ms(forward, s, f);
}

/// The fp16 network through cuBLASLt: Y^T = W^T(op T) X^T, bias + ReLU in the epilogue.
double time_fp16(const Flags& f, cudaStream_t s) {
  const std::size_t L = f.widths.size() - 1, B = f.batch;
  cublasLtHandle_t lt;
  check_lt(cublasLtCreate(&lt), "create");
  const std::size_t ws_bytes = std::size_t(32) << 20;
  DeviceBuffer<std::uint8_t> workspace(ws_bytes);
  struct Layer {
    DeviceBuffer<__half> w, bias;
    cublasLtMatmulDesc_t op{};
    cublasLtMatrixLayout_t lw{}, lx{}, ly{};
    cublasLtMatmulHeuristicResult_t algo{};
  };
  std::vector<Layer> layers(L);
  for (std::size_t l = 0; l < L; ++l) {
    const std::size_t K = f.widths[l], N = f.widths[l + 1];
    Layer& y = layers[l];
    y.w = DeviceBuffer<__half>(N * K);
    fill_half<<<1024, 256>>>(y.w.data(), N * K, 1.0f / float(K), 21 + l);
    y.bias = DeviceBuffer<__half>(N);
    fill_half<<<64, 256>>>(y.bias.data(), N, 0.01f, 31 + l);
    check(cudaGetLastError(), "mlp", "fill_half");
    check_lt(cublasLtMatmulDescCreate(&y.op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "desc");
    const cublasOperation_t t = CUBLAS_OP_T, n = CUBLAS_OP_N;
    check_lt(cublasLtMatmulDescSetAttribute(y.op, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t), "ta");
    check_lt(cublasLtMatmulDescSetAttribute(y.op, CUBLASLT_MATMUL_DESC_TRANSB, &n, sizeof n), "tb");
    const cublasLtEpilogue_t epi = l + 1 < L ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
    check_lt(cublasLtMatmulDescSetAttribute(y.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi),
             "epi");
    const void* bias_ptr = y.bias.data();
    check_lt(cublasLtMatmulDescSetAttribute(y.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias_ptr,
                                            sizeof bias_ptr),
             "bias");
    check_lt(cublasLtMatrixLayoutCreate(&y.lw, CUDA_R_16F, K, N, K), "lw");
    check_lt(cublasLtMatrixLayoutCreate(&y.lx, CUDA_R_16F, K, B, K), "lx");
    check_lt(cublasLtMatrixLayoutCreate(&y.ly, CUDA_R_16F, N, B, N), "ly");
    cublasLtMatmulPreference_t pref;
    check_lt(cublasLtMatmulPreferenceCreate(&pref), "pref");
    check_lt(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                  &ws_bytes, sizeof ws_bytes),
             "pref ws");
    int found = 0;
    check_lt(
        cublasLtMatmulAlgoGetHeuristic(lt, y.op, y.lw, y.lx, y.ly, y.ly, pref, 1, &y.algo, &found),
        "heuristic");
    cublasLtMatmulPreferenceDestroy(pref);
    if (!found) throw std::runtime_error("no cuBLASLt fp16 algorithm");
  }
  const std::size_t widest = *std::max_element(f.widths.begin(), f.widths.end());
  DeviceBuffer<__half> x0(B * widest), x1(B * widest);
  fill_half<<<1024, 256>>>(x0.data(), B * f.widths[0], 1.0f, 5);
  check(cudaDeviceSynchronize(), "mlp", "setup");
  auto forward = [&](cudaStream_t st) {
    const float alpha = 1.0f, beta = 0.0f;
    __half* bufs[2] = {x1.data(), x0.data()};
    const __half* in = x0.data();
    for (std::size_t l = 0; l < L; ++l) {
      Layer& y = layers[l];
      check_lt(
          cublasLtMatmul(lt, y.op, &alpha, y.w.data(), y.lw, in, y.lx, &beta, bufs[l % 2], y.ly,
                         bufs[l % 2], y.ly, &y.algo.algo, workspace.data(), ws_bytes, st),
          "matmul");
      in = bufs[l % 2];
    }
  };
  const double ms = median_ms(forward, s, f);
  for (Layer& y : layers) {
    cublasLtMatrixLayoutDestroy(y.lw);
    cublasLtMatrixLayoutDestroy(y.lx);
    cublasLtMatrixLayoutDestroy(y.ly);
    cublasLtMatmulDescDestroy(y.op);
  }
  cublasLtDestroy(lt);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Flags f = parse(argc, argv);
    if (!qgemm::cuda::device_available()) {
      std::printf("qgemm-cuda-mlp: no CUDA device on this machine; nothing timed\n");
      return 0;
    }
    const auto caps = qgemm::cuda::device_caps();
    double ops = 0;
    for (std::size_t l = 0; l + 1 < f.widths.size(); ++l)
      ops += 2.0 * double(f.batch) * double(f.widths[l]) * double(f.widths[l + 1]);
    cudaStream_t s;
    check(cudaStreamCreate(&s), "mlp", "stream");
    const double fp16 = time_fp16(f, s);
    const double int8 = time_quantized(f, qgemm::cuda::WeightType::S8, s);
    const double int4 = time_quantized(f, qgemm::cuda::WeightType::S4, s);
    std::printf("MLP");
    for (std::size_t w : f.widths) std::printf(" %zu", w);
    std::printf(", batch %zu, on %s (sm_%d); median of %d runs\n", f.batch, caps.name.c_str(),
                caps.compute_capability(), f.reps);
    std::printf("%-28s %10s %10s %14s %16s\n", "network", "ms", "TOP/s", "vs fp16", "blog (A100)");
    std::printf("%-28s %10.3f %10.1f %14s %16s\n", "fp16 cuBLASLt", fp16, ops / fp16 / 1e9, "-",
                "-");
    std::printf("%-28s %10.3f %10.1f %+13.0f%% %16s\n", "all-int8 qgemm", int8, ops / int8 / 1e9,
                100.0 * (int8 / fp16 - 1.0), "-31%");
    std::printf("%-28s %10.3f %10.1f %+13.0f%% %16s\n", "all-int4 qgemm (W4A8)", int4,
                ops / int4 / 1e9, 100.0 * (int4 / fp16 - 1.0), "-47%");
    cudaStreamDestroy(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qgemm-cuda-mlp: %s\n", e.what());
    return 1;
  }
  return 0;
}
