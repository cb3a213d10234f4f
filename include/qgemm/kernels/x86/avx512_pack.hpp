// Packing of 8-row activation micro-panels on AVX-512: a transpose of 32-bit words.
//
// A micro-panel of 8 rows stores, for each word j of K (one fp32, or one group of 4 int8), the
// 8 rows' words side by side: out[j * 8 + r] = row_r[j]. Sixteen words of 8 rows are 8 zmm
// loads; unpacks of 32- and 64-bit elements gather 4 rows of one word per 128-bit lane, and a
// two-source permute joins rows 0-3 and 4-7, giving 32 contiguous bytes per word. The scalar
// loop this replaces stores one word at a time with a stride of 32 bytes.
#pragma once

#include "target.hpp"

#ifdef QGEMM_X86_KERNELS

namespace qgemm {
namespace kernels {
namespace x86_avx512 {

struct PackRows8 {
  static constexpr std::size_t pack_rows = 8;

  /// Words [0, words / 16 * 16) of 8 rows (row r at src + r * ld_bytes), each XORed with
  /// `flip`, into out as above. Returns the number of words packed; the caller packs the rest.
  QGEMM_TARGET_AVX512 static std::size_t pack_words(const void* src, std::size_t ld_bytes,
                                                    std::size_t words, std::uint32_t flip,
                                                    void* out) {
    const auto* s = static_cast<const char*>(src);
    auto* o = static_cast<char*>(out);
    const __m512i x = _mm512_set1_epi32(static_cast<int>(flip));
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i hi = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    const std::size_t full = words / 16 * 16;
    for (std::size_t j = 0; j < full; j += 16, o += 16 * 32) {
      __m512i r[8], t[8], u[8];
      QGEMM_UNROLL for (std::size_t i = 0; i < 8; ++i) r[i] =
          _mm512_xor_si512(_mm512_loadu_si512(s + i * ld_bytes + j * 4), x);
      QGEMM_UNROLL for (std::size_t i = 0; i < 8; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);      // lane L: words 4L, 4L+1
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);  // lane L: words 4L+2, 4L+3
      }
      QGEMM_UNROLL for (std::size_t h = 0; h < 8; h += 4) {    // rows 0-3, then 4-7
        u[h] = _mm512_unpacklo_epi64(t[h], t[h + 2]);          // lane L: word 4L
        u[h + 1] = _mm512_unpackhi_epi64(t[h], t[h + 2]);      // word 4L+1
        u[h + 2] = _mm512_unpacklo_epi64(t[h + 1], t[h + 3]);  // word 4L+2
        u[h + 3] = _mm512_unpackhi_epi64(t[h + 1], t[h + 3]);  // word 4L+3
      }
      QGEMM_UNROLL for (std::size_t c = 0; c < 4; ++c) {
        const __m512i a = _mm512_permutex2var_epi64(u[c], lo, u[4 + c]);  // words c, 4+c
        const __m512i b = _mm512_permutex2var_epi64(u[c], hi, u[4 + c]);  // words 8+c, 12+c
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + c * 32), _mm512_castsi512_si256(a));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + (4 + c) * 32),
                            _mm512_extracti64x4_epi64(a, 1));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + (8 + c) * 32),
                            _mm512_castsi512_si256(b));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + (12 + c) * 32),
                            _mm512_extracti64x4_epi64(b, 1));
      }
    }
    return full;
  }
};

}  // namespace x86_avx512
}  // namespace kernels
}  // namespace qgemm
#endif
