// int8 tiles on AVX-VNNI: VEX vpdpbusd on ymm, 6 rows x 1 panel (16 channels) per tile.
//
// A panel's group of 4 k is two ymm (channels 0-7, 8-15). 12 accumulators + 2 weights + 1
// broadcast = 15 of 16 registers. Calls of one row run 1 row x 3 panels (a whole block, one
// stream): 6 accumulators, 6 weights.
#pragma once

#include "avx2_ops.hpp"

#ifdef QGEMM_X86_KERNELS
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx_vnni {

/// One group of 4 k: for each row a 32-bit broadcast of its activations, V vpdpbusd.
template <std::size_t R, std::size_t V>
QGEMM_TARGET_AVX_VNNI QGEMM_ALWAYS_INLINE void dot_group(__m256i (&acc)[R][V],
                                                         const __m256i (&w)[V],
                                                         const std::uint8_t* ap) {
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
    const __m256i x = _mm256_set1_epi32(static_cast<int>(x86::load_u32(ap + r * 4)));
    QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[r][v] =
        _mm256_dpbusd_avx_epi32(acc[r][v], x, w[v]);
  }
}

using x86_avx2::load_half_panel;
using x86_avx2::s4_weights;

#define QGEMM_TILE_TARGET QGEMM_TARGET_AVX_VNNI
#include "tile_entry_inl.hpp"
#undef QGEMM_TILE_TARGET

/// One group of 4 k of s8 weights at bp.
template <std::size_t R, std::size_t V>
QGEMM_TARGET_AVX_VNNI QGEMM_ALWAYS_INLINE void dot_panel_group(__m256i (&acc)[R][V],
                                                               const std::int8_t* bp,
                                                               const std::uint8_t* ap) {
  __m256i w[V];
  QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) w[v] = load_half_panel(bp, v);
  dot_group<R, V>(acc, w, ap);
}

/// One row of s4 weights (decode): acc[0][v] += the products of groups [0, groups) (even) at
/// bp, two groups per group_stride bytes. The nibbles n in [0, 15] go into vpdpbusd as they are
/// (its signed operand), without the - 8, and 8 times the activations' sum is subtracted at the
/// end (w = n - 8): 2 instructions per ymm of weights for each of the two groups, not 3.
template <std::size_t V>
QGEMM_TARGET_AVX_VNNI QGEMM_ALWAYS_INLINE void s4_row(__m256i (&acc)[1][V], const std::uint8_t* ap,
                                                      const std::int8_t* bp,
                                                      std::size_t group_stride,
                                                      std::size_t groups) {
  const __m256i low = _mm256_set1_epi8(0x0F);
  for (std::size_t g = 0; g < groups; g += 2, bp += group_stride) {
    const __m256i x0 = _mm256_set1_epi32(static_cast<int>(x86::load_u32(ap + 4 * g)));
    const __m256i x1 = _mm256_set1_epi32(static_cast<int>(x86::load_u32(ap + 4 * g + 4)));
    QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) {
      const __m256i s = load_half_panel(bp, v);
      acc[0][v] = _mm256_dpbusd_avx_epi32(acc[0][v], x0, _mm256_and_si256(s, low));
      acc[0][v] =
          _mm256_dpbusd_avx_epi32(acc[0][v], x1, _mm256_and_si256(_mm256_srli_epi16(s, 4), low));
    }
  }
  std::uint32_t total = 0;  // wrapping, as the sums
  for (std::size_t k = 0; k < 4 * groups; ++k) total += ap[k];
  const __m256i eights = _mm256_set1_epi32(static_cast<int>(8 * total));
  QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[0][v] = _mm256_sub_epi32(acc[0][v], eights);
}

/// S4: two groups per group_stride bytes, low nibbles first, w = (nibble & 15) - 8 (one row:
/// s4_row).
template <std::size_t R, std::size_t P, bool S4>
struct TileImpl : TileEntry<TileImpl<R, P, S4>, R, std::uint8_t, std::int8_t, std::int32_t> {
  /// One tile of a strip (s8) or of sums (s4: tile_s4). s4 weights ignore the prefetch hints
  /// (their panels are half the bytes).
  template <EpilogueRoute Rt>
  QGEMM_TARGET_AVX_VNNI QGEMM_ALWAYS_INLINE static void one(
      const std::uint8_t* a, const std::int8_t* b, std::size_t group_stride, std::size_t g0,
      std::size_t g1, std::int32_t* out, std::size_t ldt, bool accumulate, const TileExtras& extras,
      const EpilogueArgs& e) {
    constexpr std::size_t V = 2 * P;  // ymm per row
    __m256i acc[R][V];
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_si256();
    const std::uint8_t* ap = a + g0 * R * 4;
    if constexpr (S4 && R == 1) {
      s4_row(acc, ap, b + g0 / 2 * group_stride, group_stride, g1 - g0);
    } else if constexpr (S4) {
      const std::int8_t* bp = b + g0 / 2 * group_stride;
      for (std::size_t g = g0; g < g1; g += 2, ap += 2 * R * 4, bp += group_stride) {
        __m256i s[V], w[V];
        QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) {
          s[v] = load_half_panel(bp, v);
          w[v] = s4_weights<false>(s[v]);
        }
        dot_group<R, V>(acc, w, ap);
        QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) w[v] = s4_weights<true>(s[v]);
        dot_group<R, V>(acc, w, ap + R * 4);
      }
    } else {
      const std::int8_t* bp = b + g0 * group_stride;
      x86::TileHints hints(extras, g1 - g0);
      std::size_t g = g0;
      for (const std::size_t hinted = g0 + hints.groups(); g < hinted;
           ++g, ap += R * 4, bp += group_stride) {
        hints.step();
        dot_panel_group<R, V>(acc, bp, ap);
      }
      for (; g < g1; ++g, ap += R * 4, bp += group_stride) dot_panel_group<R, V>(acc, bp, ap);
    }
    x86_avx2::Epilogue::template finish_tile<Rt>(acc, out, ldt, accumulate, extras, e);
  }
};
template <std::size_t R, std::size_t P>
using Tile = TileImpl<R, P, false>;
template <std::size_t R, std::size_t P>
using TileS4 = TileImpl<R, P, true>;

}  // namespace x86_avx_vnni

/// One-row tiles (decode) go up to 3 panels, a whole block: its weights stream front to back in
/// one pass, where one-panel tiles pass over each block three times (gemm_loop.hpp).
template <>
struct IntKernels<Isa::avx_vnni>
    : x86_avx2::Epilogue,
      Int8Types,
      x86::FusedTileDispatch<x86_avx_vnni::Tile, 6, 1, std::uint8_t, std::int8_t, std::int32_t, 3>,
      x86::S4TileDispatch<x86_avx_vnni::TileS4, 6, 1, std::uint8_t, 3> {
  using AElem = std::uint8_t;
};

}  // namespace kernels
}  // namespace qgemm
#endif
