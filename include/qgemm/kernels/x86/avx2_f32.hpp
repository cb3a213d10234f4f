// fp32 tiles on AVX2 + FMA: 6 rows x 1 panel (16 channels, two ymm). 12 accumulators + 2 weight
// vectors + 1 broadcast of 16 registers. Calls of one row run 1 row x 3 panels (a whole block).
// Activations packed, or read in place where the driver finds that cheaper (read_a_in_place).
#pragma once

#include "avx2_ops.hpp"
#include "avx2_pack.hpp"

#ifdef QGEMM_X86_KERNELS
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx2_f32 {

/// One k: the panels' weight vectors at bp, each row's activation broadcast into its FMAs. The
/// rows' activations of this k: packed (TransposeRows6), ap[r]; in place, ap[r * a_ld].
template <std::size_t R, std::size_t V, bool InPlace>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void fma_group(__m256 (&acc)[R][V], const float* bp,
                                                     const float* ap, std::size_t a_ld) {
  __m256 w[V];
  QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) w[v] =
      _mm256_loadu_ps(bp + (v / 2) * 16 + (v % 2) * 8);
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
    const __m256 x = _mm256_broadcast_ss(InPlace ? ap + r * a_ld : ap + r);
    QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[r][v] =
        _mm256_fmadd_ps(x, w[v], acc[r][v]);
  }
}

/// The tile on packed activations or (InPlace) on A as the user holds it: two instantiations,
/// so the packed loop keeps constant offsets.
template <std::size_t R, std::size_t P, bool InPlace>
struct TileOn : x86_avx2::TileEntry<TileOn<R, P, InPlace>, R, float, float, float> {
  /// One tile of a strip.
  template <EpilogueRoute Rt>
  QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE static void one(const float* a, const float* b,
                                                        std::size_t group_stride, std::size_t g0,
                                                        std::size_t g1, float* out, std::size_t ldt,
                                                        bool accumulate, const TileExtras& extras,
                                                        const EpilogueArgs& e) {
    constexpr std::size_t V = 2 * P;                 // ymm per row
    constexpr std::size_t a_step = InPlace ? 1 : R;  // floats from one k to the next
    const std::size_t stride = group_stride / sizeof(float);
    const std::size_t a_ld = InPlace ? extras.a_ld : 0;
    __m256 acc[R][V];
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    const float* ap = a + g0 * a_step;
    const float* bp = b + g0 * stride;
    x86::TileHints hints(extras, g1 - g0);
    std::size_t g = g0;
    for (const std::size_t hinted = g0 + hints.groups(); g < hinted;
         ++g, ap += a_step, bp += stride) {
      hints.step();
      fma_group<R, V, InPlace>(acc, bp, ap, a_ld);
    }
    for (; g < g1; ++g, ap += a_step, bp += stride) fma_group<R, V, InPlace>(acc, bp, ap, a_ld);
    x86_avx2::Epilogue::template finish_tile<Rt>(acc, out, ldt, accumulate, extras, e);
  }
};
template <std::size_t R, std::size_t P>
using Tile = TileOn<R, P, false>;
template <std::size_t R, std::size_t P>
using InPlaceTile = TileOn<R, P, true>;

}  // namespace x86_avx2_f32

template <>
struct F32Kernels<Isa::avx2>
    : x86_avx2::Epilogue,
      x86_avx2::TransposeRows6,
      F32Types,
      x86::FusedTileDispatch<x86_avx2_f32::Tile, 6, 1, float, float, float, 3>,
      x86::InPlaceTileDispatch<x86_avx2_f32::InPlaceTile, 6, 1, float, float, float, 3> {};
template <>
struct F32Kernels<Isa::avx_vnni> : F32Kernels<Isa::avx2> {};

}  // namespace kernels
}  // namespace qgemm
#endif
