// fp32 tiles on AVX2 + FMA: 6 rows x 1 panel (16 channels, two ymm). 12 accumulators + 2 weight
// vectors + 1 broadcast of 16 registers. Calls of one row run 1 row x 3 panels (a whole block).
#pragma once

#include "avx2_ops.hpp"

#ifdef QGEMM_X86_KERNELS
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx2_f32 {

/// One k: the panel's two weight vectors at bp, each row's activation broadcast into its FMAs.
template <std::size_t R, std::size_t V>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE void fma_group(__m256 (&acc)[R][V], const float* bp,
                                                     const float* ap) {
  __m256 w[V];
  QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) w[v] =
      _mm256_loadu_ps(bp + (v / 2) * 16 + (v % 2) * 8);
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
    const __m256 x = _mm256_broadcast_ss(ap + r);
    QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[r][v] =
        _mm256_fmadd_ps(x, w[v], acc[r][v]);
  }
}

template <std::size_t R, std::size_t P>
struct Tile {
  QGEMM_TARGET_AVX2 static void run_fused(const float* a, const float* b, std::size_t group_stride,
                                          std::size_t g0, std::size_t g1, float* out,
                                          std::size_t ldt, bool accumulate,
                                          const TileExtras& extras) {
    constexpr std::size_t V = 2 * P;  // ymm per row
    const std::size_t stride = group_stride / sizeof(float);
    __m256 acc[R][V];
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    const float* ap = a + g0 * R;
    const float* bp = b + g0 * stride;
    x86::TileHints hints(extras, g1 - g0);
    std::size_t g = g0;
    for (const std::size_t hinted = g0 + hints.groups(); g < hinted; ++g, ap += R, bp += stride) {
      hints.step();
      fma_group<R, V>(acc, bp, ap);
    }
    for (; g < g1; ++g, ap += R, bp += stride) fma_group<R, V>(acc, bp, ap);
    x86_avx2::Epilogue::finish_tile(acc, out, ldt, accumulate, extras);
  }
};

}  // namespace x86_avx2_f32

template <>
struct F32Kernels<Isa::avx2>
    : x86_avx2::Epilogue,
      F32Types,
      x86::FusedTileDispatch<x86_avx2_f32::Tile, 6, 1, float, float, float, 3> {};
template <>
struct F32Kernels<Isa::avx_vnni> : F32Kernels<Isa::avx2> {};

}  // namespace kernels
}  // namespace qgemm
#endif
