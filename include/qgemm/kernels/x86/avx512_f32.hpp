// fp32 tiles on AVX-512: 8 rows x 3 panels (48 channels), vfmadd231ps with the activation
// broadcast folded into the instruction. 24 accumulators + 3 weight vectors of 32 registers.
#pragma once

#include "avx512_ops.hpp"
#include "avx512_pack.hpp"

#ifdef QGEMM_X86_KERNELS
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx512_f32 {

/// One k: P weight vectors from bp (x86::PanelPlaces), each row's activation broadcast into its
/// FMAs. The rows' activations of this k: packed (PackRows8), ap[r]; in place, ap[r * a_ld].
template <std::size_t R, std::size_t P, bool InPlace, bool Wide>
QGEMM_TARGET_AVX512 QGEMM_ALWAYS_INLINE void fma_group(__m512 (&acc)[R][P], const float* bp,
                                                       const float* ap, std::size_t a_ld,
                                                       const x86::PanelPlaces<P, Wide>& places) {
  __m512 w[P];
  const char* bytes = reinterpret_cast<const char*>(bp);
  QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) w[p] =
      _mm512_loadu_ps(reinterpret_cast<const float*>(bytes + places.at(p)));
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
    const __m512 x = _mm512_set1_ps(InPlace ? ap[r * a_ld] : ap[r]);
    QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) acc[r][p] =
        _mm512_fmadd_ps(x, w[p], acc[r][p]);
  }
}

/// The tile on packed activations or (InPlace) on A as the user holds it. Two instantiations
/// rather than one on a run-time layout: the packed loop keeps constant offsets, which the
/// general one cost 3-5%. Wide: its panels may pass the end of a block (x86::PanelPlaces).
template <std::size_t R, std::size_t P, bool InPlace, bool Wide = false>
struct TileOn : x86_avx512::TileEntry<TileOn<R, P, InPlace, Wide>, R, float, float, float> {
  /// One tile of a strip.
  template <EpilogueRoute Rt>
  QGEMM_TARGET_AVX512 QGEMM_ALWAYS_INLINE static void one(const float* a, const float* b,
                                                          std::size_t group_stride, std::size_t g0,
                                                          std::size_t g1, float* out,
                                                          std::size_t ldt, bool accumulate,
                                                          const TileExtras& extras,
                                                          const EpilogueArgs& e) {
    const std::size_t stride = group_stride / sizeof(float);
    constexpr std::size_t a_step = InPlace ? 1 : R;  // floats from one k to the next
    const std::size_t a_ld = InPlace ? extras.a_ld : 0;
    __m512 acc[R][P];
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_ps();
    const float* ap = a + g0 * a_step;
    const float* bp = b + g0 * stride;
    const x86::PanelPlaces<P, Wide> places(extras);
    x86::TileHints hints(extras, g1 - g0);
    std::size_t g = g0;
    for (const std::size_t hinted = g0 + hints.groups(); g < hinted;
         ++g, ap += a_step, bp += stride) {
      hints.step();
      fma_group<R, P, InPlace>(acc, bp, ap, a_ld, places);
    }
    _Pragma("GCC unroll 2") for (; g < g1; ++g, ap += a_step, bp += stride)
        fma_group<R, P, InPlace>(acc, bp, ap, a_ld, places);
    x86_avx512::Epilogue::template finish_tile<Rt>(acc, out, ldt, accumulate, extras, e);
  }
};
template <std::size_t R, std::size_t P>
using Tile = TileOn<R, P, false>;
template <std::size_t R, std::size_t P>
using InPlaceTile = TileOn<R, P, true>;
template <std::size_t R, std::size_t P>
using WideInPlaceTile = TileOn<R, P, true, true>;

/// fp32 A read in place by tiles of 6 rows x 4 panels (64 channels): the int8 path's
/// WideInPlaceKernels (avx512_vnni_s8.hpp) on fp32, for the same reasons.
struct WideInPlaceKernels
    : x86_avx512::Epilogue,
      F32Types,
      x86::InPlaceTileDispatch<WideInPlaceTile, 6, 4, float, float, float> {
  static constexpr std::size_t mr = 6, np = 4;
  static constexpr bool whole_k = true;
  static constexpr auto tile_fused = tile_in_place;
};

}  // namespace x86_avx512_f32

template <>
struct F32Kernels<Isa::avx512>
    : x86_avx512::Epilogue,
      x86_avx512::PackRows8,
      F32Types,
      x86::FusedTileDispatch<x86_avx512_f32::Tile, 8, 3, float, float, float>,
      x86::InPlaceTileDispatch<x86_avx512_f32::InPlaceTile, 8, 3, float, float, float> {
  using WideInPlace = x86_avx512_f32::WideInPlaceKernels;
};
template <>
struct F32Kernels<Isa::avx512_vnni> : F32Kernels<Isa::avx512> {};

}  // namespace kernels
}  // namespace qgemm
#endif
