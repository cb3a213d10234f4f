// What the fused epilogue of an integer tile needs, prepared once per call by the driver.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../epilogue.hpp"

namespace qgemm {
namespace kernels {

enum class OutputKind { Int32, Float, S8, U8 };

/// Vectors indexed by output channel are padded with zeros to `stride` (a multiple of 16), so
/// kernels load them whole; one such vector per group of K where weights are per group.
///
///   t        = the tile: sum over k of a * w, a the (shifted) u8 activation, wrapping int32
///   S        = t - col_corr[g][n] - row_corr[m]              (exact: the K bound holds)
///   Int32:     out = S
///   per channel (groups == 1):  v = col_scale[n] * float(S)
///   per group:                  acc = sum_g col_scale[g][n] * float(S_g);  v = a_scale * acc
///   weight bias correction:     v += row_sum[m] * col_shift[n]   (when col_shift is set)
///   Float / S8 / U8:  y = act(v + bias[n]);  Float stores y, S8/U8 store
///                     clamp(nearbyint(min(max(y * out_inv_scale, out_lo), out_hi))) + out_zp
struct EpilogueArgs {
  OutputKind kind = OutputKind::Int32;
  void* out = nullptr;
  std::size_t ldo = 0;
  std::size_t stride = 0;                  ///< padded channel count of the vectors below
  const std::int32_t* col_corr = nullptr;  ///< [groups][stride]
  const std::int32_t* row_corr = nullptr;  ///< [M], or null
  const float* col_scale = nullptr;        ///< [groups][stride]
  float a_scale = 1.0f;
  const float* bias = nullptr;       ///< [stride], or null
  const float* col_shift = nullptr;  ///< [stride] per-channel weight shift, or null
  const float* row_sum = nullptr;    ///< [M] sum_k of dequantized activations (with col_shift)
  Activation activation = Activation::None;
  float clamp_min = 0.0f, clamp_max = 0.0f;
  float out_inv_scale = 1.0f, out_lo = 0.0f, out_hi = 0.0f;
  std::int32_t out_zero_point = 0;
};

}  // namespace kernels
}  // namespace qgemm
