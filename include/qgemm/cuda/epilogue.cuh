// What the GPU kernels do with each int32 sum as they store it: the same choices as the CPU
// epilogue (raw s32; dequantize by activation x per-channel scale, add bias, ReLU, then store
// fp32 / fp16 or requantize to s8).
#pragma once

#include <cuda_fp16.h>

#include <cstdint>

namespace qgemm::cuda {

enum class Output { S32, F32, F16, S8 };

/// Arguments of the fused store; all pointers are device pointers.
struct EpilogueParams {
  Output output = Output::S32;
  void* out = nullptr;
  long long ldc = 0;                    // elements between rows of out
  float a_scale = 1.0f;                 // activation scale (per tensor)
  const float* a_row_scales = nullptr;  // optional: one per row, used instead of a_scale
  const float* w_scales = nullptr;      // one per output channel (required unless S32)
  const float* bias = nullptr;          // optional, one per output channel
  bool relu = false;
  float out_inv_scale = 1.0f;  // S8 output: q = clamp(round(y * out_inv_scale), -128, 127)
};

namespace detail {

/// Stores sum t of element (m, n); the caller has checked m < M and n < N.
__device__ __forceinline__ void store_element(const EpilogueParams& ep, long long m, int n,
                                              std::int32_t t) {
  const long long at = m * ep.ldc + n;
  if (ep.output == Output::S32) {
    static_cast<std::int32_t*>(ep.out)[at] = t;
    return;
  }
  // Same order as the CPU epilogue: (activation scale * weight scale) * sum + bias.
  float scale = ep.a_scale * ep.w_scales[n];
  if (ep.a_row_scales) scale = ep.a_row_scales[m] * ep.w_scales[n];
  float y = scale * static_cast<float>(t);
  if (ep.bias) y += ep.bias[n];
  if (ep.relu) y = fmaxf(y, 0.0f);
  switch (ep.output) {
    case Output::F32:
      static_cast<float*>(ep.out)[at] = y;
      break;
    case Output::F16:
      static_cast<__half*>(ep.out)[at] = __float2half_rn(y);
      break;
    default: {
      const float q = fminf(fmaxf(rintf(y * ep.out_inv_scale), -128.0f), 127.0f);
      static_cast<std::int8_t*>(ep.out)[at] = static_cast<std::int8_t>(q);
    }
  }
}

/// Stores the four sums an mma accumulator fragment holds, rows m and m + 8, columns n and n + 1,
/// each only where it lies inside M x N. Not inlined: the kernel calls it once per fragment, and
/// inlining the branchy store into every unrolled fragment multiplied nvcc's time by ten.
inline __device__ __noinline__ void store_fragment(const EpilogueParams& ep, int M, int N, int m,
                                                   int n, std::int32_t t0, std::int32_t t1,
                                                   std::int32_t t2, std::int32_t t3) {
  const std::int32_t t[4] = {t0, t1, t2, t3};
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    const int row = m + (e >= 2 ? 8 : 0), col = n + (e & 1);
    if (row < M && col < N) store_element(ep, row, col, t[e]);
  }
}

}  // namespace detail
}  // namespace qgemm::cuda
