// The PTX the tensor-core kernels are built from, one inline-asm wrapper per instruction:
// cp.async (global -> shared, zero-filling what lies past the data), ldmatrix, the int8 and int4
// mma.sync shapes, and the nibble unpacking of the s4 layout (s4_layout.hpp).
#pragma once

#include <cstdint>

namespace qgemm::cuda::ptx {

__device__ __forceinline__ std::uint32_t shared_address(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

/// Copies `bytes` (0..16) from global src to shared dst and zero-fills the rest of the 16.
/// src must be 16-byte aligned when bytes > 0; with bytes == 0 nothing is read.
__device__ __forceinline__ void cp_async_16(void* dst, const void* src, int bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(dst)),
               "l"(src), "r"(bytes));
}
__device__ __forceinline__ void cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::);
}
/// Waits until at most `pending` groups of this thread are still in flight.
template <int pending>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(pending));
}

/// Four 8x8 b16 matrices (here: 8 rows x 16 bytes of int8/int4 each); lanes 8i..8i+7 give the
/// row addresses of matrix i, and lane l receives the word (row l/4, bytes 4(l%4)..) of each.
__device__ __forceinline__ void ldmatrix_x4(std::uint32_t (&r)[4], const void* row_address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(row_address)));
}

/// d += a * b on a 16x8x32 tile of s8, s32 accumulators.
__device__ __forceinline__ void mma_s8(std::int32_t (&d)[4], const std::uint32_t (&a)[4],
                                       std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/// d += a * b on a 16x8x64 tile of s4, s32 accumulators (int4 tensor cores: sm_80/86/89).
__device__ __forceinline__ void mma_s4(std::int32_t (&d)[4], const std::uint32_t (&a)[4],
                                       std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k64.row.col.s32.s4.s4.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/// Four s4 values (one per byte, low nibble, two's complement) sign-extended to four s8 bytes.
/// A byte with bit 3 set gets 0xF0 or-ed in: (0x08 * 0x1E) = 0xF0 never carries into the next byte.
__device__ __forceinline__ std::uint32_t sign_extend_nibbles(std::uint32_t low_nibbles) {
  return low_nibbles | ((low_nibbles & 0x08080808u) * 0x1Eu);
}

/// The two s8 registers of one k32 step from one word of the s4 layout: low nibbles are
/// k = 4t..4t+3, high nibbles k = 16+4t..16+4t+3.
__device__ __forceinline__ void unpack_s4_word(std::uint32_t w, std::uint32_t& lo,
                                               std::uint32_t& hi) {
  lo = sign_extend_nibbles(w & 0x0F0F0F0Fu);
  hi = sign_extend_nibbles((w >> 4) & 0x0F0F0F0Fu);
}

}  // namespace qgemm::cuda::ptx
