// The epilogue's vocabulary on zmm registers (16 lanes, masked stores), and its instantiation.
#pragma once

#include "target.hpp"

#ifdef QGEMM_X86_KERNELS
#include <algorithm>
#include <limits>
#include <type_traits>

#include "../epilogue_args.hpp"

namespace qgemm {
namespace kernels {
namespace x86_avx512 {

struct Ops {
  static constexpr std::size_t lanes = 16;
  using vi = __m512i;
  using vf = __m512;
  using mask = __mmask16;

  QGEMM_TARGET_AVX512 static mask first(std::size_t n) {
    return n >= 16 ? static_cast<mask>(0xFFFF) : static_cast<mask>((1u << n) - 1u);
  }
  QGEMM_TARGET_AVX512 static vi load_i(const std::int32_t* p) { return _mm512_loadu_si512(p); }
  QGEMM_TARGET_AVX512 static vf load_f(const float* p) { return _mm512_loadu_ps(p); }
  QGEMM_TARGET_AVX512 static vi set1_i(std::int32_t v) { return _mm512_set1_epi32(v); }
  QGEMM_TARGET_AVX512 static vf set1_f(float v) { return _mm512_set1_ps(v); }
  QGEMM_TARGET_AVX512 static vi sub_i(vi a, vi b) { return _mm512_sub_epi32(a, b); }
  QGEMM_TARGET_AVX512 static vi mullo_i(vi a, vi b) { return _mm512_mullo_epi32(a, b); }
  QGEMM_TARGET_AVX512 static vi add_i(vi a, vi b) { return _mm512_add_epi32(a, b); }
  QGEMM_TARGET_AVX512 static vf cvt_f(vi a) { return _mm512_cvtepi32_ps(a); }
  // The product is rounded on its own: GCC would otherwise fuse it with a following add
  // (-ffp-contract=fast) where it inlines both, and the bits would depend on inlining.
  QGEMM_TARGET_AVX512 static vf mul_f(vf a, vf b) {
    vf p = _mm512_mul_ps(a, b);
    __asm__("" : "+v"(p));
    return p;
  }
  QGEMM_TARGET_AVX512 static vf add_f(vf a, vf b) { return _mm512_add_ps(a, b); }
  QGEMM_TARGET_AVX512 static vf fma_f(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
  QGEMM_TARGET_AVX512 static vf max_f(vf a, vf b) { return _mm512_max_ps(a, b); }
  QGEMM_TARGET_AVX512 static vf min_f(vf a, vf b) { return _mm512_min_ps(a, b); }
  // Rounds by MXCSR: to nearest, ties to even, as std::nearbyint does by default.
  QGEMM_TARGET_AVX512 static vi round_i(vf a) { return _mm512_cvtps_epi32(a); }
  QGEMM_TARGET_AVX512 static void store_i(std::int32_t* p, vi v, mask m) {
    _mm512_mask_storeu_epi32(p, m, v);
  }
  QGEMM_TARGET_AVX512 static void store_f(float* p, vf v, mask m) {
    _mm512_mask_storeu_ps(p, m, v);
  }
  QGEMM_TARGET_AVX512 static void store_f_all(float* p, vf v) { _mm512_storeu_ps(p, v); }
  // Non-temporal stores of whole aligned vectors (EpilogueArgs::stream).
  QGEMM_TARGET_AVX512 static void stream_i(std::int32_t* p, vi v) {
    _mm512_stream_si512(reinterpret_cast<__m512i*>(p), v);
  }
  QGEMM_TARGET_AVX512 static void stream_f(float* p, vf v) { _mm512_stream_ps(p, v); }
  QGEMM_TARGET_AVX512 static void store_i_all(std::int32_t* p, vi v) { _mm512_storeu_si512(p, v); }
  // Values are already clamped to the byte range: truncation keeps them.
  QGEMM_TARGET_AVX512 static void store_s8(std::int8_t* p, vi v, mask m) {
    _mm512_mask_cvtepi32_storeu_epi8(p, m, v);
  }
  QGEMM_TARGET_AVX512 static void store_u8(std::uint8_t* p, vi v, mask m) {
    _mm512_mask_cvtepi32_storeu_epi8(p, m, v);
  }
};

#define QGEMM_EPILOGUE_TARGET QGEMM_TARGET_AVX512
#include "../epilogue_inl.hpp"
#undef QGEMM_EPILOGUE_TARGET

#define QGEMM_TILE_TARGET QGEMM_TARGET_AVX512
#include "tile_entry_inl.hpp"
#undef QGEMM_TILE_TARGET

}  // namespace x86_avx512
}  // namespace kernels
}  // namespace qgemm
#endif
