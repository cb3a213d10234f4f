// Portable fp32 kernels.
#pragma once

#include <cstddef>

#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {

template <>
struct F32Kernels<Isa::scalar> {
  static constexpr std::size_t block_bytes = 128 * 1024;

  /// Eight interleaved partial sums (lanes k mod 8), added pairwise at the end: a fixed order
  /// the compiler can keep in SIMD registers without reassociating anything itself.
  static float dot(const float* a, const float* b, std::size_t len) {
    float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t k = 0;
    for (; k + 8 <= len; k += 8)
      for (std::size_t l = 0; l < 8; ++l) lane[l] += a[k + l] * b[k + l];
    for (std::size_t l = 0; k < len; ++k, ++l) lane[l] += a[k] * b[k];
    return ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
  }
};

}  // namespace kernels
}  // namespace qgemm
