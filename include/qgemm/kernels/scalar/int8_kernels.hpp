// Portable integer kernels: plain loops the compiler may vectorise with the baseline ISA only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {

template <>
struct IntKernels<Isa::scalar> {
  static constexpr std::size_t block_bytes = 128 * 1024;

  /// Exact as long as the caller's K bound holds (every partial sum then fits int32).
  /// |a - za| <= 255 and |b| <= 128, so each product fits int16 x int16 -> int32, the shape
  /// compilers map onto pmaddwd even with the baseline x86-64 ISA.
  template <class TA>
  static std::int32_t dot(const TA* a, const std::int8_t* b, std::size_t len, std::int32_t za) {
    const auto z = static_cast<std::int16_t>(za);
    std::int32_t acc = 0;
    for (std::size_t k = 0; k < len; ++k) {
      const auto x = static_cast<std::int16_t>(static_cast<std::int16_t>(a[k]) - z);
      acc += static_cast<std::int32_t>(x) * static_cast<std::int32_t>(static_cast<std::int16_t>(b[k]));
    }
    return acc;
  }

  static void unpack_s4(const std::uint8_t* row, std::size_t len, std::int8_t* out) {
    for (std::size_t k = 0; k + 1 < len; k += 2) {
      out[k] = static_cast<std::int8_t>((row[k / 2] & 0xF) - 8);
      out[k + 1] = static_cast<std::int8_t>((row[k / 2] >> 4) - 8);
    }
    if (len % 2) out[len - 1] = static_cast<std::int8_t>((row[len / 2] & 0xF) - 8);
  }
};

}  // namespace kernels
}  // namespace qgemm
