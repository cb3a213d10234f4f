// int8 tiles on AVX-512 VNNI: vpdpbusd on zmm, 8 rows x 3 panels (48 channels) per tile.
//
// Per group of 4 k: 3 zmm of weights (one per panel), then for each row a 32-bit broadcast of its
// 4 activations and 3 vpdpbusd. 24 accumulators + 3 weights + 1 broadcast = 28 of 32 registers.
// Per-group scales at decode (up to 4 rows) have their own tile, GroupedTileImpl, which walks all
// the groups of K in one call.
#pragma once

#include "avx512_ops.hpp"
#include "avx512_pack.hpp"

#ifdef QGEMM_X86_KERNELS
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx512_vnni {

#define QGEMM_TILE_TARGET QGEMM_TARGET_AVX512_VNNI
#include "tile_entry_inl.hpp"
#undef QGEMM_TILE_TARGET

/// One group of 4 k: for each row a 32-bit broadcast of its activations, P vpdpbusd. Row r's
/// 4 activations are at ap + r * a_row: 4 in a packed micro-panel, lda for A in place.
/// Flip: the activations are s8, made u8 here (XOR 0x80: a + 128) as packing would.
template <std::size_t R, std::size_t P, bool Flip = false>
QGEMM_TARGET_AVX512_VNNI QGEMM_ALWAYS_INLINE void dot_group(__m512i (&acc)[R][P],
                                                            const __m512i (&w)[P],
                                                            const std::uint8_t* ap,
                                                            std::size_t a_row = 4) {
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
    __m512i x = _mm512_set1_epi32(static_cast<int>(x86::load_u32(ap + r * a_row)));
    if constexpr (Flip) x = _mm512_xor_si512(x, _mm512_set1_epi32(static_cast<int>(0x80808080u)));
    QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) acc[r][p] =
        _mm512_dpbusd_epi32(acc[r][p], x, w[p]);
  }
}

/// The zero-point correction of a tile, counted in the K loop (ZeroPoint true): corr[p] sums
/// f * w over the same k, f = factor broadcast as bytes (0..255), once for all rows.
template <std::size_t P, bool ZeroPoint>
struct Correction {
  __m512i sum[P];
  __m512i f;
};
template <std::size_t P>
struct Correction<P, false> {};

template <std::size_t R, std::size_t P, bool ZeroPoint, bool Flip = false>
QGEMM_TARGET_AVX512_VNNI QGEMM_ALWAYS_INLINE void dot_group(__m512i (&acc)[R][P],
                                                            Correction<P, ZeroPoint>& corr,
                                                            const __m512i (&w)[P],
                                                            const std::uint8_t* ap,
                                                            std::size_t a_row = 4) {
  dot_group<R, P, Flip>(acc, w, ap, a_row);
  if constexpr (ZeroPoint)
    QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) corr.sum[p] =
        _mm512_dpbusd_epi32(corr.sum[p], corr.f, w[p]);
}

/// One group of 4 k of s8 weights at bp (panel p at bp + places.at(p)).
template <std::size_t R, std::size_t P, bool ZeroPoint, bool Wide, bool Flip>
QGEMM_TARGET_AVX512_VNNI QGEMM_ALWAYS_INLINE void dot_s8_group(
    __m512i (&acc)[R][P], Correction<P, ZeroPoint>& corr, const std::int8_t* bp,
    const std::uint8_t* ap, std::size_t a_row, const x86::PanelPlaces<P, Wide>& places) {
  __m512i w[P];
  QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) w[p] = _mm512_loadu_si512(bp + places.at(p));
  dot_group<R, P, ZeroPoint, Flip>(acc, corr, w, ap, a_row);
}

/// Groups [g0, g1) of 4 k into acc (and corr). s8 weights (S4 false): one 192-byte group per
/// step. s4 weights (S4 true): 192 bytes hold two groups; the low nibbles are group g, the high
/// nibbles g + 1, offset binary, so w = (nibble & 15) - 8 exactly, in bytes; g0 and g1 even.
/// InPlace (s8 only): `a` is A as the user holds it, rows extras.a_ld bytes apart, rather than
/// a packed micro-panel. Wide (s8 only): panels as x86::PanelPlaces<P, true> says. Flip (in
/// place only): `a` holds s8 activations, flipped to u8 as they are broadcast.
template <std::size_t R, std::size_t P, bool S4, bool ZeroPoint, bool InPlace = false,
          bool Wide = false, bool Flip = false>
QGEMM_TARGET_AVX512_VNNI QGEMM_ALWAYS_INLINE void dot_groups(
    __m512i (&acc)[R][P], Correction<P, ZeroPoint>& corr, const std::uint8_t* a,
    const std::int8_t* b, std::size_t group_stride, std::size_t g0, std::size_t g1,
    const TileExtras& extras = {}) {
  static_assert(!(S4 && (InPlace || Wide)), "s4 tiles read packed activations, one block");
  static_assert(InPlace || !Flip, "packed activations were flipped as they were packed");
  constexpr std::size_t a_step = InPlace ? 4 : R * 4;  // bytes from one group to the next
  const std::size_t a_row = InPlace ? extras.a_ld : 4;
  const std::uint8_t* ap = a + g0 * a_step;
  if constexpr (S4) {
    const __m512i nibble = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
    const std::int8_t* bp = b + g0 / 2 * group_stride;
    for (std::size_t g = g0; g < g1; g += 2, ap += 2 * R * 4, bp += group_stride) {
      __m512i v[P], w[P];
      QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) {
        v[p] = _mm512_loadu_si512(bp + p * 64);
        w[p] = _mm512_sub_epi8(_mm512_and_si512(v[p], nibble), eight);
      }
      dot_group<R, P>(acc, corr, w, ap);
      QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) w[p] =
          _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v[p], 4), nibble), eight);
      dot_group<R, P>(acc, corr, w, ap + R * 4);
    }
  } else {
    const std::int8_t* bp = b + g0 * group_stride;
    const x86::PanelPlaces<P, Wide> places(extras);
    x86::TileHints hints(extras, g1 - g0);
    std::size_t g = g0;
    for (const std::size_t hinted = g0 + hints.groups(); g < hinted;
         ++g, ap += a_step, bp += group_stride) {
      hints.step();
      dot_s8_group<R, P, ZeroPoint, Wide, Flip>(acc, corr, bp, ap, a_row, places);
    }
    _Pragma("GCC unroll 2") for (; g < g1; ++g, ap += a_step, bp += group_stride)
        dot_s8_group<R, P, ZeroPoint, Wide, Flip>(acc, corr, bp, ap, a_row, places);
  }
}

/// InPlace: the s8 tile on activations as the user holds them (tile_in_place): u8, or (TA
/// s8) s8 flipped to u8 as they are broadcast. Wide: its panels may pass the end of a block
/// (x86::PanelPlaces).
template <std::size_t R, std::size_t P, bool S4, bool InPlace = false, bool Wide = false,
          class TA = std::uint8_t>
struct TileImpl
    : TileEntry<TileImpl<R, P, S4, InPlace, Wide, TA>, R, TA, std::int8_t, std::int32_t> {
  static constexpr bool flip = std::is_same_v<TA, std::int8_t>;
  static_assert(InPlace || !flip, "packed activations are u8");
  /// One tile of a strip (s8) or of sums (s4: tile_s4). s4 weights ignore the prefetch hints
  /// (their panels are half the bytes).
  template <EpilogueRoute Rt>
  QGEMM_TARGET_AVX512_VNNI QGEMM_ALWAYS_INLINE static void one(
      const TA* a, const std::int8_t* b, std::size_t group_stride, std::size_t g0, std::size_t g1,
      std::int32_t* out, std::size_t ldt, bool accumulate, const TileExtras& extras,
      const EpilogueArgs& e) {
    __m512i acc[R][P];
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_si512();
    Correction<P, false> none;
    dot_groups<R, P, S4, false, InPlace, Wide, flip>(
        acc, none, reinterpret_cast<const std::uint8_t*>(a), b, group_stride, g0, g1, extras);
    x86_avx512::Epilogue::template finish_tile<Rt>(acc, out, ldt, accumulate, extras, e);
  }
};

/// Per-group scales over the whole K in one call, for up to 4 rows (decode). For each group g
/// the int32 sums S_g = t_g - factor * sum_k w (wrapping, as the epilogue's subtraction) are
/// scaled into fp32: out = scale[g] * float(S_g) for g = 0, then out = fma(scale[g],
/// float(S_g), out), as accumulate_group does. The int32 sums never leave registers; the fp32
/// tile `out` (row stride ldo) stays in L1 across groups.
/// The correction: with 1 or 2 rows the weights' bytes decide the time and vpdpbusd has room,
/// so it is counted in the K loop (P more vpdpbusd per group of 4 k); reading the column sums
/// would add 4 bytes per channel and group, 1/8 more than s4 weights in groups of 128. With 3
/// or 4 rows vpdpbusd is the bottleneck and the column sums are read instead.
template <std::size_t R, std::size_t P, bool S4>
struct GroupedTileImpl {
  static constexpr bool count_correction = R <= 2;

  QGEMM_TARGET_AVX512_VNNI static void run(const std::uint8_t* a, const std::int8_t* b,
                                           std::size_t group_stride, const GroupedTileArgs& t,
                                           float* out, std::size_t ldo) {
    Correction<P, count_correction> corr;
    if constexpr (count_correction) corr.f = _mm512_set1_epi8(static_cast<char>(t.factor));
    for (std::size_t g = 0; g < t.groups; ++g) {
      const std::size_t g0 = g * t.group_k4, g1 = std::min(t.k4_end, g0 + t.group_k4);
      const std::size_t at = g * t.vector_stride;
      __m512i acc[R][P];
      QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) {
        if constexpr (count_correction) corr.sum[p] = _mm512_setzero_si512();
        QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) acc[r][p] = _mm512_setzero_si512();
      }
      dot_groups<R, P, S4>(acc, corr, a, b, group_stride, g0, g1);
      QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) {
        __m512i c;
        if constexpr (count_correction)
          c = corr.sum[p];
        else
          c = _mm512_mullo_epi32(_mm512_set1_epi32(t.factor),
                                 _mm512_loadu_si512(t.col_sums + at + p * 16));
        const __m512 scale = _mm512_loadu_ps(t.col_scales + at + p * 16);
        QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
          float* o = out + r * ldo + p * 16;
          const __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][p], c));
          _mm512_storeu_ps(
              o, g == 0 ? _mm512_mul_ps(scale, v) : _mm512_fmadd_ps(scale, v, _mm512_loadu_ps(o)));
        }
      }
    }
  }
};

template <std::size_t R, std::size_t P>
using Tile = TileImpl<R, P, false>;
template <std::size_t R, std::size_t P>
using TileS4 = TileImpl<R, P, true>;
template <std::size_t R, std::size_t P>
using InPlaceTile = TileImpl<R, P, false, true>;
template <std::size_t R, std::size_t P>
using WideInPlaceTile = TileImpl<R, P, false, true, true>;
template <std::size_t R, std::size_t P>
using SignedWideInPlaceTile = TileImpl<R, P, false, true, true, std::int8_t>;
template <std::size_t R, std::size_t P>
using GroupedTile = GroupedTileImpl<R, P, false>;
template <std::size_t R, std::size_t P>
using GroupedTileS4 = GroupedTileImpl<R, P, true>;

/// u8 activations read in place by tiles of 6 rows x 4 panels (64 channels): the 8 x 3 tiles'
/// 24 accumulators, but power-of-two channel counts (64, 128, ... 4096) fill whole tiles, where
/// 48-channel tiles leave a last strip of 16 or 32 channels at a half or two thirds of their
/// speed (N = 64: a quarter of the work). All of K in one block up to an eighth of L2
/// (blocking.hpp): the weight micro-panel streams from L2 as the tile reads it front to back,
/// and the sums leave registers once, through the epilogue. The driver runs them where it reads A
/// in place (run_s8_weights): `tile_fused` is `tile_in_place`, never given packed activations.
struct WideInPlaceKernels
    : x86_avx512::Epilogue,
      Int8Types,
      x86::InPlaceTileDispatch<WideInPlaceTile, 6, 4, std::uint8_t, std::int8_t, std::int32_t> {
  using AElem = std::uint8_t;
  static constexpr std::size_t mr = 6, np = 4;
  static constexpr bool whole_k = true;
  static constexpr auto tile_fused = tile_in_place;
};

/// WideInPlaceKernels on s8 activations as the user holds them: each 32-bit broadcast flipped
/// to u8 (one vpxord per row and group, 6 per 24 vpdpbusd), where packing would flip them in a
/// copy of A. The epilogue's corrections are those of packed s8 activations (+128 * column
/// sums). Where this pays: signed_activations_in_place (blocking.hpp).
struct SignedWideInPlaceKernels : x86_avx512::Epilogue,
                                  Int8Types,
                                  x86::InPlaceTileDispatch<SignedWideInPlaceTile, 6, 4, std::int8_t,
                                                           std::int8_t, std::int32_t> {
  using AElem = std::int8_t;
  static constexpr std::size_t mr = 6, np = 4;
  static constexpr bool whole_k = true;
  static constexpr auto tile_fused = tile_in_place;
};

}  // namespace x86_avx512_vnni

template <>
struct IntKernels<Isa::avx512_vnni>
    : x86_avx512::Epilogue,
      x86_avx512::PackRows8,
      Int8Types,
      x86::FusedTileDispatch<x86_avx512_vnni::Tile, 8, 3, std::uint8_t>,
      x86::S4TileDispatch<x86_avx512_vnni::TileS4, 8, 3, std::uint8_t>,
      x86::InPlaceTileDispatch<x86_avx512_vnni::InPlaceTile, 8, 3, std::uint8_t, std::int8_t,
                               std::int32_t>,
      x86::GroupedTileDispatch<x86_avx512_vnni::GroupedTile, x86_avx512_vnni::GroupedTileS4, 4, 3,
                               std::uint8_t> {
  using AElem = std::uint8_t;
  using WideInPlace = x86_avx512_vnni::WideInPlaceKernels;
  using SignedWideInPlace = x86_avx512_vnni::SignedWideInPlaceKernels;
};

}  // namespace kernels
}  // namespace qgemm
#endif
