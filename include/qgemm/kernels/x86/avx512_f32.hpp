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

template <std::size_t R, std::size_t P>
struct Tile {
  QGEMM_TARGET_AVX512 static void run_prefetching(const float* a, const float* b,
                                                  std::size_t group_stride, std::size_t g0,
                                                  std::size_t g1, float* out, std::size_t ldt,
                                                  bool accumulate, const PanelPrefetch& prefetch) {
    const std::size_t stride = group_stride / sizeof(float);
    __m512 acc[R][P];
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_ps();
    const float* ap = a + g0 * R;
    const float* bp = b + g0 * stride;
    std::size_t line = 0;
    _Pragma("GCC unroll 2") for (std::size_t g = g0; g < g1; ++g, ap += R, bp += stride) {
      x86::prefetch_step(prefetch, line);
      __m512 w[P];
      QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) w[p] = _mm512_loadu_ps(bp + p * 16);
      QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
        const __m512 x = _mm512_set1_ps(ap[r]);
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) acc[r][p] =
            _mm512_fmadd_ps(x, w[p], acc[r][p]);
      }
    }
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) {
      float* o = out + r * ldt + p * 16;
      _mm512_storeu_ps(o, accumulate ? _mm512_add_ps(acc[r][p], _mm512_loadu_ps(o)) : acc[r][p]);
    }
  }
};

}  // namespace x86_avx512_f32

template <>
struct F32Kernels<Isa::avx512>
    : x86_avx512::Epilogue,
      x86_avx512::PackRows8,
      F32Types,
      x86::PrefetchingTileDispatch<x86_avx512_f32::Tile, 8, 3, float, float, float> {};
template <>
struct F32Kernels<Isa::avx512_vnni> : F32Kernels<Isa::avx512> {};

}  // namespace kernels
}  // namespace qgemm
#endif
