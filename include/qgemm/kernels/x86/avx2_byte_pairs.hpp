// int8 tiles on AVX2 without VNNI for weights whose pairs fit int16: bytes multiplied as bytes.
//
// vpmaddubsw multiplies u8 activations by s8 weights and adds each pair of products (k = 2j,
// 2j + 1) into a saturating int16. Where every such pair of weights has |w0| + |w1| <= 128
// (PackedWeights::pairs_fit_int16: 7-bit weights, and every s4 weight), a pair is at most
// 255 * 128 = 32640 in size and never saturates, so vpmaddubsw + vpmaddwd by ones + vpaddd gives
// vpdpbusd's exact sums: 3 instructions per 32 products where the widening path (avx2_s8.hpp)
// needs 5.5. The driver chooses these tiles per call from the weights (int_gemm_driver.hpp).
//
// Layout and epilogue are those of AVX-VNNI (u8 activations, a group of 4 k of a panel in two
// ymm). 4 rows x 1 panel: 8 accumulators + 2 weights + broadcast + pair sums + ones = 13 of 16
// registers; one-row tiles (decode) go up to 3 panels, a whole block.
#pragma once

#include "avx2_ops.hpp"

#ifdef QGEMM_X86_KERNELS
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx2 {

/// acc + p (int32 lanes) written over acc's register, as vpdpbusd accumulates. Written as
/// vpaddd, GCC 12 at -O3 put each sum in a new register and moved it back, which left too few
/// of the 16 for a 4 x 16 tile's 8 accumulators: one lived on the stack, a store and a reload
/// in its chain every group.
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m256i add_in_place(__m256i acc, __m256i p) {
  __asm__("vpaddd {%1, %0, %0|%0, %0, %1}" : "+x"(acc) : "x"(p));
  return acc;
}

/// One group of 4 k of s8 weights at bp whose pairs fit int16: for each row a 32-bit broadcast
/// of its 4 activations, V byte products.
template <std::size_t R, std::size_t V>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void byte_pair_group(__m256i (&acc)[R][V],
                                                           const std::int8_t* bp,
                                                           const std::uint8_t* ap, __m256i ones) {
  __m256i w[V];
  QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) w[v] = load_half_panel(bp, v);
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
    const __m256i x = _mm256_set1_epi32(static_cast<int>(x86::load_u32(ap + r * 4)));
    QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[r][v] =
        add_in_place(acc[r][v], _mm256_madd_epi16(_mm256_maddubs_epi16(x, w[v]), ones));
  }
}

/// Two groups of 4 k of s4 weights at bp (low nibbles: the first group, high: the second):
/// w = nibble - 8 as bytes. Per row the two groups' pair sums (each at most 2 * 255 * 8) are
/// added in int16 before one vpmaddwd: 5 instructions per row and ymm for 64 products.
template <std::size_t R, std::size_t V>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void byte_pair_s4_groups(__m256i (&acc)[R][V],
                                                               const std::int8_t* bp,
                                                               const std::uint8_t* ap,
                                                               __m256i ones) {
  QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) {
    const __m256i s = load_half_panel(bp, v);
    const __m256i lo = s4_weights<false>(s), hi = s4_weights<true>(s);
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
      const __m256i x0 = _mm256_set1_epi32(static_cast<int>(x86::load_u32(ap + r * 4)));
      const __m256i x1 = _mm256_set1_epi32(static_cast<int>(x86::load_u32(ap + (R + r) * 4)));
      const __m256i pairs =
          _mm256_add_epi16(_mm256_maddubs_epi16(x0, lo), _mm256_maddubs_epi16(x1, hi));
      acc[r][v] = add_in_place(acc[r][v], _mm256_madd_epi16(pairs, ones));
    }
  }
}

/// One row of s4 weights (decode): sums[h] = channels 8h..8h+7 over `groups` groups (even) at
/// bp. The nibbles n in [0, 15] multiply as they are, without the - 8: two groups' pair sums
/// (4 * 255 * 15) still fit int16, so one vpmaddwd by ones per two groups finishes 8 channels,
/// and 8 times the activations' sum is subtracted at the end (w = n - 8).
template <std::size_t H>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void s4_row(__m256i (&sums)[H], const std::uint8_t* ap,
                                                  const std::int8_t* bp, std::size_t group_stride,
                                                  std::size_t groups, __m256i ones) {
  QGEMM_UNROLL for (std::size_t h = 0; h < H; ++h) sums[h] = _mm256_setzero_si256();
  for (std::size_t g = 0; g < groups; g += 2, bp += group_stride) {
    const __m256i x0 = _mm256_set1_epi32(static_cast<int>(x86::load_u32(ap + 4 * g)));
    const __m256i x1 = _mm256_set1_epi32(static_cast<int>(x86::load_u32(ap + 4 * g + 4)));
    QGEMM_UNROLL for (std::size_t h = 0; h < H; ++h) {
      const __m256i v = load_half_panel(bp, h);
      const __m256i lo = nibbles<false>(v), hi = nibbles<true>(v);
      const __m256i pairs =
          _mm256_add_epi16(_mm256_maddubs_epi16(x0, lo), _mm256_maddubs_epi16(x1, hi));
      sums[h] = _mm256_add_epi32(sums[h], _mm256_madd_epi16(pairs, ones));
    }
  }
  std::uint32_t total = 0;  // wrapping, as the sums
  for (std::size_t k = 0; k < 4 * groups; ++k) total += ap[k];
  const __m256i eights = _mm256_set1_epi32(static_cast<int>(8 * total));
  QGEMM_UNROLL for (std::size_t h = 0; h < H; ++h) sums[h] = _mm256_sub_epi32(sums[h], eights);
}

/// A tile of R rows x P panels on s8 weights whose pairs fit int16, or on S4 weights (two
/// groups per group_stride bytes, offset binary; |w| <= 8 always fits).
template <std::size_t R, std::size_t P, bool S4>
struct BytePairTileImpl
    : TileEntry<BytePairTileImpl<R, P, S4>, R, std::uint8_t, std::int8_t, std::int32_t> {
  /// One tile of a strip (s8) or of sums (s4: tile_s4). s4 weights ignore the prefetch hints
  /// (their panels are half the bytes).
  template <EpilogueRoute Rt>
  QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE static void one(const std::uint8_t* a, const std::int8_t* b,
                                                        std::size_t group_stride, std::size_t g0,
                                                        std::size_t g1, std::int32_t* out,
                                                        std::size_t ldt, bool accumulate,
                                                        const TileExtras& extras,
                                                        const EpilogueArgs& e) {
    constexpr std::size_t V = 2 * P;  // ymm per row
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[R][V];
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_si256();
    const std::uint8_t* ap = a + g0 * R * 4;
    if constexpr (S4 && R == 1) {
      s4_row(acc[0], ap, b + g0 / 2 * group_stride, group_stride, g1 - g0, ones);
    } else if constexpr (S4) {
      const std::int8_t* bp = b + g0 / 2 * group_stride;
      for (std::size_t g = g0; g < g1; g += 2, ap += 2 * R * 4, bp += group_stride)
        byte_pair_s4_groups<R, V>(acc, bp, ap, ones);
    } else {
      const std::int8_t* bp = b + g0 * group_stride;
      x86::TileHints hints(extras, g1 - g0);
      std::size_t g = g0;
      for (const std::size_t hinted = g0 + hints.groups(); g < hinted;
           ++g, ap += R * 4, bp += group_stride) {
        hints.step();
        byte_pair_group<R, V>(acc, bp, ap, ones);
      }
      for (; g < g1; ++g, ap += R * 4, bp += group_stride) byte_pair_group<R, V>(acc, bp, ap, ones);
    }
    Epilogue::template finish_tile<Rt>(acc, out, ldt, accumulate, extras, e);
  }
};
template <std::size_t R, std::size_t P>
using BytePairTile = BytePairTileImpl<R, P, false>;
template <std::size_t R, std::size_t P>
using BytePairTileS4 = BytePairTileImpl<R, P, true>;

}  // namespace x86_avx2

/// The kernels of the AVX2 path (and of AVX-512 without VNNI) for weights whose pairs fit
/// int16; not a path of their own: the driver picks them per call (int_gemm_driver.hpp).
struct BytePairKernels : x86_avx2::Epilogue,
                         Int8Types,
                         x86::FusedTileDispatch<x86_avx2::BytePairTile, 4, 1, std::uint8_t,
                                                std::int8_t, std::int32_t, 3>,
                         x86::S4TileDispatch<x86_avx2::BytePairTileS4, 4, 1, std::uint8_t, 3> {
  using AElem = std::uint8_t;
};

}  // namespace kernels
}  // namespace qgemm
#endif
