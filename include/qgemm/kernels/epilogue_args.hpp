// What the fused epilogue of an integer tile needs, prepared once per call by the driver.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../epilogue.hpp"
#include "../pack/panel_layout.hpp"

namespace qgemm {
namespace kernels {

enum class OutputKind { Int32, Float, S8, U8 };

/// Bytes of one output element.
inline std::size_t output_bytes(OutputKind k) {
  return k == OutputKind::S8 || k == OutputKind::U8 ? 1 : 4;
}

/// How the tiles of a tile_fused call end (TileExtras::epilogue). The call decides it once for
/// its whole strip of tiles, so the tiles' loop carries neither the tests nor a copy of the
/// arguments per tile (Zen 3 AVX2, pinned qgemm-bench, ratio to oneDNN: s8s8 1024 x 1024 x 64
/// 0.54 -> 0.70, u8s8 0.27 -> 0.60, medians of three runs each):
///   sums         partial sums to `out` (no epilogue: not the last block of K)
///   int32        gemm's int32 output with no per-row correction
///   per_channel  fp32 or requantized output with no per-row terms (bias and clamp tested per
///                tile)
///   general      every other output: the general sequence
enum class EpilogueRoute { sums, int32, per_channel, general };

/// Vectors indexed by output channel are padded with zeros to `stride` (a multiple of 16), so
/// kernels load them whole; per-group vectors are the weights' own, padded block by block.
///
///   t        = the tile: sum over k of a * w, a the (shifted) u8 activation, wrapping int32
///   S        = t - col_corr[n] - row_corr[m]                 (exact: the K bound holds)
///   per group: S_g = t_g - col_sums_factor * col_sums(n, g)   (read from the weights)
/// Per group, col_sums and col_scale are [block][group][48] (pack::group_vector_index).
///   Int32:     out = S
///   per channel (groups == 1):  v = col_scale[n] * float(S), or with row scales
///                               v = (row_scale[m] * col_scale[n]) * float(S)
///   per group:                  acc = sum_g col_scale[g][n] * float(S_g);
///                               v = (row_scale ? row_scale[m] : a_scale) * acc
///   weight bias correction:     v += row_sum[m] * col_shift[n]   (when col_shift is set)
///   Float / S8 / U8:  y = act(v + bias[n]);  Float stores y, S8/U8 store
///                     clamp(nearbyint(min(max(y * out_inv_scale, out_lo), out_hi))) + out_zp
struct EpilogueArgs {
  OutputKind kind = OutputKind::Int32;
  void* out = nullptr;
  std::size_t ldo = 0;
  std::size_t stride = 0;                  ///< padded channel count of the vectors below
  const std::int32_t* col_corr = nullptr;  ///< [stride], whole K
  std::size_t groups = 1;                  ///< groups of K per channel
  const std::int32_t* col_sums = nullptr;  ///< per group: sum of W over each group of K
  std::int32_t col_sums_factor = 0;        ///< activation zero point plus shift
  const std::int32_t* row_corr = nullptr;  ///< [M], or null
  const float* col_scale = nullptr;        ///< [stride], or per group as col_sums
  float a_scale = 1.0f;
  const float* row_scale = nullptr;  ///< [M] per-row activation scales, or null
  const float* bias = nullptr;       ///< [stride], or null
  const float* col_shift = nullptr;  ///< [stride] per-channel weight shift, or null
  const float* row_sum = nullptr;    ///< [M] sum_k of dequantized activations (with col_shift)
  Activation activation = Activation::None;
  float clamp_min = 0.0f, clamp_max = 0.0f;
  float out_inv_scale = 1.0f, out_lo = 0.0f, out_hi = 0.0f;
  std::int32_t out_zero_point = 0;
  /// int32 and fp32 outputs: whole vectors stored non-temporally (the driver sets it only where
  /// e.out and the row stride are 64-byte aligned and the output passes the last-level cache).
  bool stream = false;
};

/// The route of a tile_fused call's tiles with epilogue `e` (null: not the last block of K);
/// `integer`: int32 sums. The x86 tiles dispatch on it; the driver streams the outputs of the
/// int32 route and of the per-channel route's fp32 (streams_output).
inline EpilogueRoute epilogue_route(const EpilogueArgs* e, bool integer) {
  if (e == nullptr) return EpilogueRoute::sums;
  if (integer && e->kind == OutputKind::Int32 && e->row_corr == nullptr)
    return EpilogueRoute::int32;
  const bool per_row = e->row_corr != nullptr || e->row_scale != nullptr || e->col_shift != nullptr;
  const bool requantized = e->kind == OutputKind::S8 || e->kind == OutputKind::U8;
  if (!per_row && (e->kind == OutputKind::Float || (integer && requantized)))
    return EpilogueRoute::per_channel;
  return EpilogueRoute::general;
}

/// `e` for the rows from m0 on: the output and the per-row vectors start at row m0.
inline EpilogueArgs rows_from(EpilogueArgs e, std::size_t m0) {
  e.out = static_cast<char*>(e.out) + m0 * e.ldo * output_bytes(e.kind);
  if (e.row_corr != nullptr) e.row_corr += m0;
  if (e.row_scale != nullptr) e.row_scale += m0;
  if (e.row_sum != nullptr) e.row_sum += m0;
  return e;
}

}  // namespace kernels
}  // namespace qgemm
