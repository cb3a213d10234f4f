// The epilogue's vocabulary on ymm registers (8 lanes), and its instantiation.
#pragma once

#include "target.hpp"

#ifdef QGEMM_X86_KERNELS
#include <limits>
#include <type_traits>

#include "../epilogue_args.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx2 {

struct Ops {
  static constexpr std::size_t lanes = 8;
  using vi = __m256i;
  using vf = __m256;
  using mask = std::size_t;  ///< number of leading lanes to store

  QGEMM_TARGET_AVX2 static mask first(std::size_t n) { return n < 8 ? n : 8; }
  QGEMM_TARGET_AVX2 static __m256i lane_mask(mask n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  QGEMM_TARGET_AVX2 static vi load_i(const std::int32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  QGEMM_TARGET_AVX2 static vf load_f(const float* p) { return _mm256_loadu_ps(p); }
  QGEMM_TARGET_AVX2 static vi set1_i(std::int32_t v) { return _mm256_set1_epi32(v); }
  QGEMM_TARGET_AVX2 static vf set1_f(float v) { return _mm256_set1_ps(v); }
  QGEMM_TARGET_AVX2 static vi sub_i(vi a, vi b) { return _mm256_sub_epi32(a, b); }
  QGEMM_TARGET_AVX2 static vi mullo_i(vi a, vi b) { return _mm256_mullo_epi32(a, b); }
  QGEMM_TARGET_AVX2 static vi add_i(vi a, vi b) { return _mm256_add_epi32(a, b); }
  QGEMM_TARGET_AVX2 static vf cvt_f(vi a) { return _mm256_cvtepi32_ps(a); }
  // Rounded on its own, not fused with a following add (see x86_avx512::Ops::mul_f).
  QGEMM_TARGET_AVX2 static vf mul_f(vf a, vf b) {
    vf p = _mm256_mul_ps(a, b);
    __asm__("" : "+x"(p));
    return p;
  }
  QGEMM_TARGET_AVX2 static vf add_f(vf a, vf b) { return _mm256_add_ps(a, b); }
  QGEMM_TARGET_AVX2 static vf fma_f(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
  QGEMM_TARGET_AVX2 static vf max_f(vf a, vf b) { return _mm256_max_ps(a, b); }
  QGEMM_TARGET_AVX2 static vf min_f(vf a, vf b) { return _mm256_min_ps(a, b); }
  QGEMM_TARGET_AVX2 static vi round_i(vf a) { return _mm256_cvtps_epi32(a); }
  QGEMM_TARGET_AVX2 static void store_i(std::int32_t* p, vi v, mask n) {
    if (n == 8)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
    else
      _mm256_maskstore_epi32(reinterpret_cast<int*>(p), lane_mask(n), v);
  }
  QGEMM_TARGET_AVX2 static void store_f(float* p, vf v, mask n) {
    if (n == 8)
      _mm256_storeu_ps(p, v);
    else
      _mm256_maskstore_ps(p, lane_mask(n), v);
  }
  QGEMM_TARGET_AVX2 static void store_f_all(float* p, vf v) { _mm256_storeu_ps(p, v); }
  // Non-temporal stores of whole aligned vectors (EpilogueArgs::stream).
  QGEMM_TARGET_AVX2 static void stream_i(std::int32_t* p, vi v) {
    _mm256_stream_si256(reinterpret_cast<__m256i*>(p), v);
  }
  QGEMM_TARGET_AVX2 static void stream_f(float* p, vf v) { _mm256_stream_ps(p, v); }
  QGEMM_TARGET_AVX2 static void store_i_all(std::int32_t* p, vi v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
  }
  /// The first n of the 8 bytes `b` holds in the low dword of each 128-bit lane.
  QGEMM_TARGET_AVX2 static void store_lane_bytes(void* p, vi b, mask n) {
    const std::uint64_t bytes =
        static_cast<std::uint32_t>(_mm256_cvtsi256_si32(b)) |
        static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_extract_epi32(b, 4))) << 32;
    if (n == 8)
      std::memcpy(p, &bytes, 8);  // one store (a run-time size would call memcpy)
    else
      std::memcpy(p, &bytes, n);  // little-endian: lane 0 first
  }
  // The epilogue clamps the lanes into the output's range first, so the saturating packs change
  // nothing: the same bytes as truncating them one by one, in one store instead of eight.
  QGEMM_TARGET_AVX2 static void store_s8(std::int8_t* p, vi v, mask n) {
    const vi words = _mm256_packs_epi32(v, v);  // per 128-bit lane: 4 words, twice
    store_lane_bytes(p, _mm256_packs_epi16(words, words), n);
  }
  QGEMM_TARGET_AVX2 static void store_u8(std::uint8_t* p, vi v, mask n) {
    const vi words = _mm256_packs_epi32(v, v);
    store_lane_bytes(p, _mm256_packus_epi16(words, words), n);
  }
};

#define QGEMM_EPILOGUE_TARGET QGEMM_TARGET_AVX2
#include "../epilogue_inl.hpp"
#undef QGEMM_EPILOGUE_TARGET

#define QGEMM_TILE_TARGET QGEMM_TARGET_AVX2
#include "tile_entry_inl.hpp"
#undef QGEMM_TILE_TARGET

/// ymm v of a group of 4 k of s8 weights (pack/panel_layout.hpp): channels 8 (v % 2) ..
/// 8 (v % 2) + 7 of panel v / 2, 4 bytes each.
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m256i load_half_panel(const std::int8_t* p, std::size_t v) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + (v / 2) * 64 + (v % 2) * 32));
}

/// The low (High false) or high nibble of each byte of v, as bytes in [0, 15].
template <bool High>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m256i nibbles(__m256i v) {
  return _mm256_and_si256(High ? _mm256_srli_epi16(v, 4) : v, _mm256_set1_epi8(0x0F));
}

/// The s4 weights of the low or high nibbles of v (offset binary, w = nibble - 8) as bytes.
template <bool High>
QGEMM_TARGET_AVX2 QGEMM_ALWAYS_INLINE __m256i s4_weights(__m256i v) {
  return _mm256_sub_epi8(nibbles<High>(v), _mm256_set1_epi8(8));
}

}  // namespace x86_avx2
}  // namespace kernels
}  // namespace qgemm
#endif
