// Portable fp32 tiles on the packed panel layout (groups of one k).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../pack/panel_layout.hpp"
#include "../kernel_traits.hpp"
#include "int8_kernels.hpp"  // scalar::Epilogue

namespace qgemm {
namespace kernels {

template <>
struct F32Kernels<Isa::scalar> : scalar::Epilogue, F32Types {
  static constexpr std::size_t mr = 4;
  static constexpr std::size_t np = 1;

  /// out[r][c] (+)= sum over k in [g0, g1) of a[r][k] * w[c][k], k in order.
  static void tile(std::size_t rows, std::size_t panels, const float* a, const float* b,
                   std::size_t group_stride, std::size_t g0, std::size_t g1, float* out,
                   std::size_t ldt, bool accumulate = false) {
    constexpr std::size_t W = pack::kPanelWidth;
    const std::size_t stride = group_stride / sizeof(float);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t p = 0; p < panels; ++p) {
        float acc[W] = {};
        for (std::size_t g = g0; g < g1; ++g) {
          const float x = a[g * rows + r];
          const float* w = b + p * W + g * stride;
          for (std::size_t j = 0; j < W; ++j) acc[j] += x * w[j];
        }
        for (std::size_t j = 0; j < W; ++j) {
          float& o = out[r * ldt + p * W + j];
          o = accumulate ? o + acc[j] : acc[j];
        }
      }
  }
};

}  // namespace kernels
}  // namespace qgemm
