// Portable integer kernels on the packed panel layout: the reference twin of the SIMD paths.
// Same algorithm (u8 activations, s8 activations shifted by +128, corrections by column sums),
// with wrapping uint32 arithmetic so every step is defined behaviour.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../../pack/panel_layout.hpp"
#include "../epilogue_args.hpp"
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace scalar {

/// A product kept apart from the add that follows it where the target has FMA (GCC's default
/// -ffp-contract=fast would fuse them), so every path rounds the same operations.
inline float rounded_alone(float p) {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  __asm__("" : "+x"(p));
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
  __asm__("" : "+w"(p));
#endif
  return p;
}

/// One lane: the epilogue's vocabulary in plain C++.
struct Ops {
  static constexpr std::size_t lanes = 1;
  using vi = std::int32_t;
  using vf = float;
  using mask = bool;

  static mask first(std::size_t n) { return n > 0; }
  static vi load_i(const std::int32_t* p) { return *p; }
  static vf load_f(const float* p) { return *p; }
  static vi set1_i(std::int32_t v) { return v; }
  static vf set1_f(float v) { return v; }
  static vi sub_i(vi a, vi b) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b));
  }
  static vi add_i(vi a, vi b) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
  }
  static vi mullo_i(vi a, vi b) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) * static_cast<std::uint32_t>(b));
  }
  static vf cvt_f(vi a) { return static_cast<float>(a); }
  static vf mul_f(vf a, vf b) { return rounded_alone(a * b); }
  static vf add_f(vf a, vf b) { return a + b; }
  static vf fma_f(vf a, vf b, vf c) { return std::fma(a, b, c); }
  static vf max_f(vf a, vf b) { return std::max(a, b); }
  static vf min_f(vf a, vf b) { return std::min(a, b); }
  static vi round_i(vf a) { return static_cast<std::int32_t>(std::nearbyint(a)); }
  static void store_i(std::int32_t* p, vi v, mask m) {
    if (m) *p = v;
  }
  static void store_f(float* p, vf v, mask m) {
    if (m) *p = v;
  }
  static void store_f_all(float* p, vf v) { *p = v; }
  static void store_i_all(std::int32_t* p, vi v) { *p = v; }
  static void stream_i(std::int32_t* p, vi v) { *p = v; }
  static void stream_f(float* p, vf v) { *p = v; }
  static void store_s8(std::int8_t* p, vi v, mask m) {
    if (m) *p = static_cast<std::int8_t>(v);
  }
  static void store_u8(std::uint8_t* p, vi v, mask m) {
    if (m) *p = static_cast<std::uint8_t>(v);
  }
};

#define QGEMM_EPILOGUE_TARGET
#include "../epilogue_inl.hpp"
#undef QGEMM_EPILOGUE_TARGET

}  // namespace scalar

template <>
struct IntKernels<Isa::scalar> : scalar::Epilogue, Int8Types {
  using AElem = std::uint8_t;
  static constexpr std::size_t mr = 4;  ///< rows per tile
  static constexpr std::size_t np = 1;  ///< panels (of 16 channels) per tile

  /// tile[r][c] (+)= sum over k groups [g0, g1) of a[r] . b[c], wrapping.
  static void tile(std::size_t rows, std::size_t panels, const AElem* a, const std::int8_t* b,
                   std::size_t group_stride, std::size_t g0, std::size_t g1, std::int32_t* out,
                   std::size_t ldt, bool accumulate = false) {
    run<false>(rows, panels, a, b, group_stride, g0, g1, out, ldt, accumulate);
  }
  /// The same on s4 weights: two groups per group_stride bytes, the low nibbles (offset
  /// binary) group g0, g0 + 2, ...; g0 and g1 even.
  static void tile_s4(std::size_t rows, std::size_t panels, const AElem* a, const std::int8_t* b,
                      std::size_t group_stride, std::size_t g0, std::size_t g1, std::int32_t* out,
                      std::size_t ldt, bool accumulate = false) {
    run<true>(rows, panels, a, b, group_stride, g0, g1, out, ldt, accumulate);
  }

 private:
  template <bool S4>
  static std::int32_t weight(const std::int8_t* b, std::size_t p, std::size_t group_stride,
                             std::size_t g, std::size_t j, std::size_t i) {
    constexpr std::size_t G = pack::kKGroup;
    if constexpr (S4) {
      const auto byte =
          static_cast<std::uint8_t>(b[p * pack::kPanelBytes + g / 2 * group_stride + j * G + i]);
      return static_cast<std::int32_t>(g % 2 ? byte >> 4 : byte & 0xFu) - 8;
    } else {
      return b[p * pack::kPanelBytes + g * group_stride + j * G + i];
    }
  }

  template <bool S4>
  static void run(std::size_t rows, std::size_t panels, const AElem* a, const std::int8_t* b,
                  std::size_t group_stride, std::size_t g0, std::size_t g1, std::int32_t* out,
                  std::size_t ldt, bool accumulate) {
    constexpr std::size_t W = pack::kPanelWidth, G = pack::kKGroup;
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t p = 0; p < panels; ++p) {
        std::uint32_t acc[W] = {};
        for (std::size_t g = g0; g < g1; ++g) {
          const AElem* ar = a + g * rows * G + r * G;
          for (std::size_t j = 0; j < W; ++j)
            for (std::size_t i = 0; i < G; ++i)
              acc[j] += static_cast<std::uint32_t>(ar[i]) *
                        static_cast<std::uint32_t>(weight<S4>(b, p, group_stride, g, j, i));
        }
        for (std::size_t j = 0; j < W; ++j) {
          std::int32_t& o = out[r * ldt + p * W + j];
          o = static_cast<std::int32_t>(acc[j] + (accumulate ? static_cast<std::uint32_t>(o) : 0u));
        }
      }
  }
};

}  // namespace kernels
}  // namespace qgemm
