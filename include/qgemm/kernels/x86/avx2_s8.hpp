// int8 tiles on AVX2 without VNNI, exact for every input: 2 rows x 1 panel per tile.
//
// vpmaddubsw would add two u8 x s8 products into a saturating int16 (255 * 128 * 2 > 32767), so
// this path widens instead: activations are packed as int16, each 16-byte quarter of a weight
// group (4 channels x 4 k) is sign-extended to int16 (vpmovsxbw), and vpmaddwd adds product pairs
// into int32 (|sum| <= 2 * 255 * 128, exact). Lane q of a quarter's accumulator holds channel q/2,
// k pair q%2; the two pairs are added (vphaddd) when the tile is stored.
// 8 accumulators + 4 weight quarters + broadcast + product = 14 of 16 registers. Calls of one
// row run 1 row x 3 panels (a whole block, one stream): 12 accumulators, each quarter widened as
// it is used.
//
// One-row s4 tiles are the exception: nibbles times u8 cannot saturate vpmaddubsw, so they
// multiply bytes (s4_row). Two-row tiles keep the int16 sequence: bytes were slower there on
// Zen 3 (16 x 4096 x 14336 u8s4: 48-62 against 85-90 GOP/s).
#pragma once

#include "avx2_ops.hpp"
#include "avx2_pack.hpp"

#ifdef QGEMM_X86_KERNELS
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx2 {

/// The 4 int16 activations of a row's group at p, in every 64-bit lane.
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m256i group_words(const std::int16_t* p) {
  return _mm256_set1_epi64x(static_cast<long long>(x86::load_u64(p)));
}

/// One group of 4 k: for each row a 64-bit broadcast of its 4 int16 activations, Q vpmaddwd.
template <std::size_t R, std::size_t Q>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void madd_group(__m256i (&acc)[R][Q], const __m256i (&w)[Q],
                                                      const std::int16_t* ap) {
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
    const __m256i x = group_words(ap + r * 4);
    QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q) acc[r][q] =
        _mm256_add_epi32(acc[r][q], _mm256_madd_epi16(x, w[q]));
  }
}

/// 16 bytes of quarter q (4 channels x 4 k) of a group.
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m128i load_quarter(const std::int8_t* p, std::size_t q) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + (q / 4) * 64 + (q % 4) * 16));
}

/// One group of 4 k of s8 weights at bp, widened to int16. One row (decode, up to 12 quarters):
/// each quarter goes into its product as it is widened, rather than all of them first, which
/// would spill accumulators.
template <std::size_t R, std::size_t Q>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void madd_panel_group(__m256i (&acc)[R][Q],
                                                            const std::int8_t* bp,
                                                            const std::int16_t* ap) {
  if constexpr (R == 1) {
    const __m256i x = group_words(ap);
    QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q) acc[0][q] = _mm256_add_epi32(
        acc[0][q], _mm256_madd_epi16(x, _mm256_cvtepi8_epi16(load_quarter(bp, q))));
  } else {
    __m256i w[Q];
    QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q) w[q] =
        _mm256_cvtepi8_epi16(load_quarter(bp, q));
    madd_group<R, Q>(acc, w, ap);
  }
}

/// The 4 int16 activations of a group (each in [0, 255]) as 4 bytes, in every 32-bit lane.
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m256i group_bytes(const std::int16_t* g) {
  const __m128i w = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(g));
  return _mm256_broadcastd_epi32(_mm_packus_epi16(w, w));
}

/// One row of s4 weights: sums[h] = channels 8h..8h+7 over `groups` groups (even) at bp. No
/// widening: nibbles n in [0, 15] times u8 activations cannot saturate vpmaddubsw's int16 pairs
/// (2 * 255 * 15), nor the sum of two groups' (4 * 255 * 15), so one vpmaddwd by ones per two
/// groups finishes 8 channels: about half the µops of the int16 sequence, 6 accumulators instead
/// of 12. w = n - 8: 8 times the activations' sum is subtracted at the end.
template <std::size_t H>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void s4_row(__m256i (&sums)[H], const std::int16_t* ap,
                                                  const std::int8_t* bp, std::size_t group_stride,
                                                  std::size_t groups) {
  const __m256i nibble = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  QGEMM_UNROLL for (std::size_t h = 0; h < H; ++h) sums[h] = _mm256_setzero_si256();
  for (std::size_t g = 0; g < groups; g += 2, bp += group_stride) {
    const __m256i x0 = group_bytes(ap + 4 * g), x1 = group_bytes(ap + 4 * g + 4);
    QGEMM_UNROLL for (std::size_t h = 0; h < H; ++h) {
      const __m256i v =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + (h / 2) * 64 + (h % 2) * 32));
      const __m256i lo = _mm256_and_si256(v, nibble);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
      const __m256i pairs =
          _mm256_add_epi16(_mm256_maddubs_epi16(x0, lo), _mm256_maddubs_epi16(x1, hi));
      sums[h] = _mm256_add_epi32(sums[h], _mm256_madd_epi16(pairs, ones));
    }
  }
  std::uint32_t total = 0;  // wrapping, as the sums
  for (std::size_t k = 0; k < 4 * groups; ++k) total += static_cast<std::uint32_t>(ap[k]);
  const __m256i eights = _mm256_set1_epi32(static_cast<int>(8 * total));
  QGEMM_UNROLL for (std::size_t h = 0; h < H; ++h) sums[h] = _mm256_sub_epi32(sums[h], eights);
}

/// The sums of R rows x Q quarters by the int16 sequence: s8 weights (hinting as TileExtras
/// asks), or S4 (two groups per group_stride bytes, low nibbles first; the bytes widen to int16
/// and w = (x & 15) - 8, (x >> 4) - 8 exactly). sums[r][h]: channels 8h..8h+7 of row r.
template <std::size_t R, std::size_t Q, bool S4>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void widened_sums(__m256i (&sums)[R][Q / 2],
                                                        const std::int16_t* ap,
                                                        const std::int8_t* b,
                                                        std::size_t group_stride, std::size_t g0,
                                                        std::size_t g1, const TileExtras& extras) {
  __m256i acc[R][Q];
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q)
      acc[r][q] = _mm256_setzero_si256();
  if constexpr (S4) {
    const __m256i nibble = _mm256_set1_epi16(0x0F), eight = _mm256_set1_epi16(8);
    const std::int8_t* bp = b + g0 / 2 * group_stride;
    for (std::size_t g = g0; g < g1; g += 2, ap += 2 * R * 4, bp += group_stride) {
      __m256i x[Q], w[Q];
      QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q) {
        x[q] = _mm256_cvtepu8_epi16(load_quarter(bp, q));
        w[q] = _mm256_sub_epi16(_mm256_and_si256(x[q], nibble), eight);
      }
      madd_group<R, Q>(acc, w, ap);
      QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q) w[q] =
          _mm256_sub_epi16(_mm256_srli_epi16(x[q], 4), eight);
      madd_group<R, Q>(acc, w, ap + R * 4);
    }
  } else {
    const std::int8_t* bp = b + g0 * group_stride;
    x86::TileHints hints(extras, g1 - g0);
    std::size_t g = g0;
    for (const std::size_t hinted = g0 + hints.groups(); g < hinted;
         ++g, ap += R * 4, bp += group_stride) {
      hints.step();
      madd_panel_group<R, Q>(acc, bp, ap);
    }
    for (; g < g1; ++g, ap += R * 4, bp += group_stride) madd_panel_group<R, Q>(acc, bp, ap);
  }
  // [c0 c1 c4 c5 | c2 c3 c6 c7] -> channels 0..7 of each half panel, in order.
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
      QGEMM_UNROLL for (std::size_t h = 0; h < Q / 2; ++h) sums[r][h] =
          _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][2 * h], acc[r][2 * h + 1]), 0xD8);
}

/// A tile of R rows x P panels: s8 weights, or S4 (one row: s4_row, bytes; more: the int16
/// sequence).
template <std::size_t R, std::size_t P, bool S4>
struct TileImpl {
  /// The entry point of tile_s4 (S4TileDispatch); s8 tiles run through run_fused.
  QGEMM_TARGET_AVX2 static void run(const std::int16_t* a, const std::int8_t* b,
                                    std::size_t group_stride, std::size_t g0, std::size_t g1,
                                    std::int32_t* out, std::size_t ldt, bool accumulate) {
    run_fused<EpilogueRoute::sums>(a, b, group_stride, g0, g1, out, ldt, accumulate, {});
  }
  /// A strip of tiles (TileExtras::tiles); s4 weights ignore the prefetch hints (their panels
  /// are half the bytes).
  template <EpilogueRoute Rt>
  QGEMM_TARGET_AVX2 static void run_fused(const std::int16_t* a, const std::int8_t* b,
                                          std::size_t group_stride, std::size_t g0, std::size_t g1,
                                          std::int32_t* out, std::size_t ldt, bool accumulate,
                                          const TileExtras& extras) {
    x86::StripTiles<R> strip(extras, ldt);
    do one<Rt>(a, b, group_stride, g0, g1, out, ldt, accumulate, strip.extras(), strip.epilogue());
    while (strip.next(a, out));
  }
  /// One tile of the strip.
  template <EpilogueRoute Rt>
  QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE static void one(const std::int16_t* a, const std::int8_t* b,
                                                        std::size_t group_stride, std::size_t g0,
                                                        std::size_t g1, std::int32_t* out,
                                                        std::size_t ldt, bool accumulate,
                                                        const TileExtras& extras,
                                                        const EpilogueArgs& e) {
    constexpr std::size_t Q = 4 * P;  // quarters (4 channels each) per row
    const std::int16_t* ap = a + g0 * R * 4;
    __m256i sums[R][Q / 2];
    if constexpr (S4 && R == 1)
      s4_row(sums[0], ap, b + g0 / 2 * group_stride, group_stride, g1 - g0);
    else
      widened_sums<R, Q, S4>(sums, ap, b, group_stride, g0, g1, extras);
    Epilogue::template finish_tile<Rt>(sums, out, ldt, accumulate, extras, e);
  }
};
template <std::size_t R, std::size_t P>
using Tile = TileImpl<R, P, false>;
template <std::size_t R, std::size_t P>
using TileS4 = TileImpl<R, P, true>;

}  // namespace x86_avx2

template <>
struct IntKernels<Isa::avx2>
    : x86_avx2::Epilogue,
      x86_avx2::WidenRows2,
      Int8Types,
      x86::FusedTileDispatch<x86_avx2::Tile, 2, 1, std::int16_t, std::int8_t, std::int32_t, 3>,
      x86::S4TileDispatch<x86_avx2::TileS4, 2, 1, std::int16_t, 3> {
  using AElem = std::int16_t;
};

/// The AVX-512 path without VNNI (Skylake-SP/X) runs the AVX2 integer kernels; a zmm vpmaddwd
/// variant is future work.
template <>
struct IntKernels<Isa::avx512> : IntKernels<Isa::avx2> {};

}  // namespace kernels
}  // namespace qgemm
#endif
