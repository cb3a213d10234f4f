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
// Where two or more tiles read a weight micro-panel, the first of them leaves its widened
// weights in a copy (TileExtras::stage_out) and the others read that (StagedTile): a tile of 2 rows
// would otherwise spend 4 vpmovsxbw, on the port that vpmaddwd and vpaddd leave it, per 8 vpmaddwd
// (Sapphire Rapids, one tile in L1: 76-79% -> 91-94% of peak/madd256).
//
// These tiles run s8 weights only where a pair of them may not fit int16: weights whose pairs
// do, 7-bit and all s4, run the byte tiles of avx2_byte_pairs.hpp (the driver chooses per call).
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

/// The 16 int16 weights of quarter q (4 channels x 4 k) of a group at p: s8 weights widened, or
/// a staged copy (TileExtras::stage_out) as it is.
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m256i quarter_words(const std::int8_t* p, std::size_t q) {
  return _mm256_cvtepi8_epi16(load_quarter(p, q));
}
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m256i quarter_words(const std::int16_t* p, std::size_t q) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + (q / 4) * 64 + (q % 4) * 16));
}

/// One group of 4 k of weights at bp (W: s8, or a staged int16 copy), their int16 form also
/// written to `copy` where Copy. One row (decode, up to 12 quarters): each quarter goes into its
/// product as it is widened, rather than all of them first, which would spill accumulators.
template <std::size_t R, std::size_t Q, bool Copy, class W>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void madd_panel_group(__m256i (&acc)[R][Q], const W* bp,
                                                            const std::int16_t* ap,
                                                            std::int16_t* copy) {
  if constexpr (R == 1) {
    const __m256i x = group_words(ap);
    QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q) {
      const __m256i w = quarter_words(bp, q);
      if constexpr (Copy) _mm256_storeu_si256(reinterpret_cast<__m256i*>(copy + q * 16), w);
      acc[0][q] = _mm256_add_epi32(acc[0][q], _mm256_madd_epi16(x, w));
    }
  } else {
    __m256i w[Q];
    QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q) {
      w[q] = quarter_words(bp, q);
      if constexpr (Copy) _mm256_storeu_si256(reinterpret_cast<__m256i*>(copy + q * 16), w[q]);
    }
    madd_group<R, Q>(acc, w, ap);
  }
}

/// The sums of R rows x Q quarters by the int16 sequence (hinting as TileExtras asks), the
/// weights of group g0 at `b` (W: s8 or staged); where Copy, the int16 weights also go to
/// `copy`, Q * 16 per group. sums[r][h]: channels 8h..8h+7 of row r.
template <std::size_t R, std::size_t Q, bool Copy, class W>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void widened_sums(__m256i (&sums)[R][Q / 2],
                                                        const std::int16_t* ap, const W* b,
                                                        std::size_t group_stride, std::size_t g0,
                                                        std::size_t g1, const TileExtras& extras,
                                                        std::int16_t* copy = nullptr) {
  __m256i acc[R][Q];
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) QGEMM_UNROLL for (std::size_t q = 0; q < Q; ++q)
      acc[r][q] = _mm256_setzero_si256();
  const W* bp = b;
  x86::TileHints hints(extras, g1 - g0);
  std::size_t g = g0;
  for (const std::size_t hinted = g0 + hints.groups(); g < hinted;
       ++g, ap += R * 4, bp += group_stride, copy += Copy ? Q * 16 : 0) {
    hints.step();
    madd_panel_group<R, Q, Copy>(acc, bp, ap, copy);
  }
  for (; g < g1; ++g, ap += R * 4, bp += group_stride, copy += Copy ? Q * 16 : 0)
    madd_panel_group<R, Q, Copy>(acc, bp, ap, copy);
  // [c0 c1 c4 c5 | c2 c3 c6 c7] -> channels 0..7 of each half panel, in order.
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
      QGEMM_UNROLL for (std::size_t h = 0; h < Q / 2; ++h) sums[r][h] =
          _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][2 * h], acc[r][2 * h + 1]), 0xD8);
}

/// A tile of R rows x P panels on weights W: s8 (Tile: `b` holds group 0 on), or their staged
/// int16 copy (StagedTile: `b` holds group g0 on, group_stride in int16). An s8 tile given
/// TileExtras::stage_out (the first tile of a staged strip) writes that copy as it widens.
template <std::size_t R, std::size_t P, class W>
struct TileImpl : TileEntry<TileImpl<R, P, W>, R, std::int16_t, W, std::int32_t> {
  /// One tile of a strip.
  template <EpilogueRoute Rt>
  QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE static void one(const std::int16_t* a, const W* b,
                                                        std::size_t group_stride, std::size_t g0,
                                                        std::size_t g1, std::int32_t* out,
                                                        std::size_t ldt, bool accumulate,
                                                        const TileExtras& extras,
                                                        const EpilogueArgs& e) {
    constexpr std::size_t Q = 4 * P;  // quarters (4 channels each) per row
    __m256i sums[R][Q / 2];
    a += g0 * R * 4;
    if constexpr (std::is_same_v<W, std::int16_t>) {
      widened_sums<R, Q, false>(sums, a, b, group_stride, g0, g1, extras);
    } else {
      b += g0 * group_stride;
      if (extras.stage_out != nullptr)
        widened_sums<R, Q, true>(sums, a, b, group_stride, g0, g1, extras,
                                 static_cast<std::int16_t*>(extras.stage_out));
      else
        widened_sums<R, Q, false>(sums, a, b, group_stride, g0, g1, extras);
    }
    Epilogue::template finish_tile<Rt>(sums, out, ldt, accumulate, extras, e);
  }
};

template <std::size_t R, std::size_t P>
using Tile = TileImpl<R, P, std::int8_t>;
template <std::size_t R, std::size_t P>
using StagedTile = TileImpl<R, P, std::int16_t>;

}  // namespace x86_avx2

template <>
struct IntKernels<Isa::avx2>
    : x86_avx2::Epilogue,
      x86_avx2::WidenRows2,
      Int8Types,
      x86::FusedTileDispatch<x86_avx2::Tile, 2, 1, std::int16_t, std::int8_t, std::int32_t, 3>,
      x86::StagedTileDispatch<x86_avx2::StagedTile, 2, 1, std::int16_t, std::int16_t, 3> {
  using AElem = std::int16_t;
};

/// The AVX-512 path without VNNI (Skylake-SP/X) runs the AVX2 integer kernels; a zmm vpmaddwd
/// variant is future work.
template <>
struct IntKernels<Isa::avx512> : IntKernels<Isa::avx2> {};

}  // namespace kernels
}  // namespace qgemm
#endif
