// How the GPU path stores 4-bit integers: plain C++, shared by the host packers, the device
// packers and the tests.
//
// A row of K values is cut into segments of 32. Byte j (0..15) of a segment holds value j in its
// low nibble and value j + 16 in its high nibble, two's complement. Why this order: the int8 mma
// (m16n8k32) wants lane t's B register pair to hold k = 4t..4t+3 and k = 16+4t..16+4t+3; with this
// order both come out of one 32-bit word (the bytes 4t..4t+3 ldmatrix hands lane t) by a mask and
// a shift. The native s4 mma (m16n8k64) pairs A and B nibbles by position, so activations packed
// in the same order give the same dot products.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qgemm::cuda {

/// Values per segment, and bytes per segment.
inline constexpr int kS4SegmentValues = 32;
inline constexpr int kS4SegmentBytes = 16;

/// Byte offset (within a row) and nibble (0 low, 1 high) that hold value k of the row.
struct S4Slot {
  std::size_t byte;
  int high;
};
#if defined(__CUDACC__)
__host__ __device__
#endif
    inline S4Slot
    s4_slot(std::size_t k) {
  const std::size_t segment = k / kS4SegmentValues, r = k % kS4SegmentValues;
  return {segment * kS4SegmentBytes + (r & 15), int(r >> 4)};
}

/// The signed value held by nibble `high` of byte b.
#if defined(__CUDACC__)
__host__ __device__
#endif
    inline int
    s4_read(std::uint8_t b, int high) {
  const int v = high ? (b >> 4) : (b & 15);
  return v >= 8 ? v - 16 : v;
}

}  // namespace qgemm::cuda
