// Packing of activation micro-panels on AVX2: the pack_words hooks (kernel_traits.hpp) of the
// ymm paths.
//
// The scalar packer moves one element at a time and writes each row's elements mr apart, so a
// row pass touches every line of the panel; where N is small it is the larger part of a call
// (Zen 3, one thread: 66% of u8s8 2048 x 16 x 2048, 48% of fp32 2048 x 16 x 2048, 30% of u8s8
// 4096 x 64 x 64). These write each panel once, front to back.
#pragma once

#include "target.hpp"

#ifdef QGEMM_X86_KERNELS

namespace qgemm {
namespace kernels {
namespace x86_avx2 {

/// int8 micro-panels of 2 rows widened to int16 (the madd tiles, avx2_s8.hpp): for each group j
/// of 4 k, row 0's 4 activations then row 1's, out[j * 8 + r * 4 + i] = row_r[4j + i] ^ flip as
/// an unsigned byte.
struct WidenRows2 {
  static constexpr std::size_t pack_rows = 2;

  /// Groups [0, groups / 4 * 4) of 2 rows (row r at src + r * ld_bytes, 4 bytes per group), each
  /// XORed with `flip`, into out (int16) as above. Returns the number of groups packed; the
  /// caller packs the rest.
  QGEMM_TARGET_AVX2 static std::size_t pack_words(const void* src, std::size_t ld_bytes,
                                                  std::size_t groups, std::uint32_t flip,
                                                  void* out) {
    const auto* s = static_cast<const char*>(src);
    auto* o = static_cast<char*>(out);
    const __m128i x = _mm_set1_epi32(static_cast<int>(flip));
    const std::size_t full = groups / 4 * 4;
    for (std::size_t j = 0; j < full; j += 4, o += 64) {
      const __m128i r0 =
          _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 4 * j)), x);
      const __m128i r1 =
          _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + ld_bytes + 4 * j)), x);
      // Groups j, j + 1 of rows 0, 1, then groups j + 2, j + 3.
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o),
                          _mm256_cvtepu8_epi16(_mm_unpacklo_epi32(r0, r1)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 32),
                          _mm256_cvtepu8_epi16(_mm_unpackhi_epi32(r0, r1)));
    }
    return full;
  }
};

/// fp32 micro-panels of 6 rows (avx2_f32.hpp): out[j * 6 + r] = row_r[j].
struct TransposeRows6 {
  static constexpr std::size_t pack_rows = 6;

  /// Elements [0, words / 8 * 8) of 6 rows (row r at src + r * ld_bytes) into out as above.
  /// Returns the number packed; the caller packs the rest. `flip` is 0 (fp32 is not shifted).
  QGEMM_TARGET_AVX2 static std::size_t pack_words(const void* src, std::size_t ld_bytes,
                                                  std::size_t words, std::uint32_t /*flip*/,
                                                  void* out) {
    const auto* s = static_cast<const char*>(src);
    auto* o = static_cast<float*>(out);
    const std::size_t full = words / 8 * 8;
    for (std::size_t j = 0; j < full; j += 8, o += 48) {
      __m256 r[6];
      QGEMM_UNROLL for (std::size_t i = 0; i < 6; ++i) r[i] =
          _mm256_loadu_ps(reinterpret_cast<const float*>(s + i * ld_bytes) + j);
      // Row pairs side by side: lo[p] holds, per 128-bit lane, (rows 2p, 2p+1) of elements
      // 0 and 1 of the lane's four (j, j+1 | j+4, j+5); hi[p] of elements 2 and 3.
      __m256d lo[3], hi[3];
      QGEMM_UNROLL for (std::size_t p = 0; p < 3; ++p) {
        lo[p] = _mm256_castps_pd(_mm256_unpacklo_ps(r[2 * p], r[2 * p + 1]));
        hi[p] = _mm256_castps_pd(_mm256_unpackhi_ps(r[2 * p], r[2 * p + 1]));
      }
      // Per lane, the 6 pairs of two elements in output order: (pair 0, 1), (2, 0'), (1', 2').
      const __m256d u[6] = {_mm256_unpacklo_pd(lo[0], lo[1]),   _mm256_blend_pd(lo[2], lo[0], 0xA),
                            _mm256_unpackhi_pd(lo[1], lo[2]),   _mm256_unpacklo_pd(hi[0], hi[1]),
                            _mm256_blend_pd(hi[2], hi[0], 0xA), _mm256_unpackhi_pd(hi[1], hi[2])};
      // Low lanes hold elements j..j+3, high lanes j+4..j+7: 24 floats each, in order.
      QGEMM_UNROLL for (std::size_t i = 0; i < 6; i += 2) {
        _mm256_storeu_ps(o + 4 * i, _mm256_castpd_ps(_mm256_permute2f128_pd(u[i], u[i + 1], 0x20)));
        _mm256_storeu_ps(o + 24 + 4 * i,
                         _mm256_castpd_ps(_mm256_permute2f128_pd(u[i], u[i + 1], 0x31)));
      }
    }
    return full;
  }
};

}  // namespace x86_avx2
}  // namespace kernels
}  // namespace qgemm
#endif
