// int8 tiles on AVX-512 VNNI: vpdpbusd on zmm, 8 rows x 3 panels (48 channels) per tile.
//
// Per group of 4 k: 3 zmm of weights (one per panel), then for each row a 32-bit broadcast of its
// 4 activations and 3 vpdpbusd. 24 accumulators + 3 weights + 1 broadcast = 28 of 32 registers.
#pragma once

#include "avx512_ops.hpp"

#ifdef QGEMM_X86_KERNELS
#include "../kernel_traits.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx512_vnni {

/// One group of 4 k: for each row a 32-bit broadcast of its activations, P vpdpbusd.
template <std::size_t R, std::size_t P>
QGEMM_TARGET_AVX512_VNNI QGEMM_ALWAYS_INLINE void dot_group(__m512i (&acc)[R][P],
                                                            const __m512i (&w)[P],
                                                            const std::uint8_t* ap) {
  QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r) {
    const __m512i x = _mm512_set1_epi32(static_cast<int>(x86::load_u32(ap + r * 4)));
    QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) acc[r][p] =
        _mm512_dpbusd_epi32(acc[r][p], x, w[p]);
  }
}

/// s8 weights (S4 false): one 192-byte group per step. s4 weights (S4 true): 192 bytes hold
/// two groups; the low nibbles are group g, the high nibbles g + 1, offset binary, so
/// w = (nibble & 15) - 8 exactly, in bytes.
template <std::size_t R, std::size_t P, bool S4>
struct TileImpl {
  QGEMM_TARGET_AVX512_VNNI static void run(const std::uint8_t* a, const std::int8_t* b,
                                           std::size_t group_stride, std::size_t g0, std::size_t g1,
                                           std::int32_t* out, std::size_t ldt, bool accumulate) {
    __m512i acc[R][P];
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_si512();
    const std::uint8_t* ap = a + g0 * R * 4;
    if constexpr (S4) {
      const __m512i nibble = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
      const std::int8_t* bp = b + g0 / 2 * group_stride;
      for (std::size_t g = g0; g < g1; g += 2, ap += 2 * R * 4, bp += group_stride) {
        __m512i v[P], w[P];
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) {
          v[p] = _mm512_loadu_si512(bp + p * 64);
          w[p] = _mm512_sub_epi8(_mm512_and_si512(v[p], nibble), eight);
        }
        dot_group<R, P>(acc, w, ap);
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) w[p] =
            _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v[p], 4), nibble), eight);
        dot_group<R, P>(acc, w, ap + R * 4);
      }
    } else {
      const std::int8_t* bp = b + g0 * group_stride;
      _Pragma("GCC unroll 2") for (std::size_t g = g0; g < g1;
                                   ++g, ap += R * 4, bp += group_stride) {
        __m512i w[P];
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) w[p] = _mm512_loadu_si512(bp + p * 64);
        dot_group<R, P>(acc, w, ap);
      }
    }
    QGEMM_UNROLL for (std::size_t r = 0; r < R; ++r)
        QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) {
      std::int32_t* o = out + r * ldt + p * 16;
      _mm512_storeu_si512(
          o, accumulate ? _mm512_add_epi32(acc[r][p], _mm512_loadu_si512(o)) : acc[r][p]);
    }
  }
};
template <std::size_t R, std::size_t P>
using Tile = TileImpl<R, P, false>;
template <std::size_t R, std::size_t P>
using TileS4 = TileImpl<R, P, true>;

}  // namespace x86_avx512_vnni

template <>
struct IntKernels<Isa::avx512_vnni>
    : x86_avx512::Epilogue,
      Int8Types,
      x86::TileDispatch<x86_avx512_vnni::Tile, 8, 3, std::uint8_t>,
      x86::S4TileDispatch<x86_avx512_vnni::TileS4, 8, 3, std::uint8_t> {
  using AElem = std::uint8_t;
};

}  // namespace kernels
}  // namespace qgemm
#endif
