// The layout of packed weights that every kernel path reads.
//
//   N is split into panels of 16 output channels, and panels into blocks of 3 (48 channels);
//   K is padded with zero weights to a multiple of 4 (s8) or 8 (s4). For each group of 4 k a
//   block stores 192 bytes, 64 per panel:
//
//     byte 192*g + 64*q + 4*j + i  =  W[48*b + 16*q + j][4*g + i]
//       (b: block, g: group of 4 k, q: panel in the block, j: channel in the panel, i: k in group)
//
//   fp32 weights use the same geometry with groups of one k: 16 floats of a panel are 64 bytes.
//
//   64 bytes are one zmm (or two ymm): the operand layout of vpdpbusd, whose 32-bit lane j sums
//   the 4 products of channel j. A 48-channel tile reads one contiguous 192-byte stream per
//   group; a 16-channel tile reads one panel with a stride of 192 bytes.
//   s4 blocks hold two groups per 192 bytes, nibbles in offset binary (w + 8): the low nibble of
//   byte 192*g8 + 64*q + 4*j + i is W[.][8*g8 + i], the high nibble W[.][8*g8 + 4 + i], so a mask
//   and a shift turn them into two s8 groups.
#pragma once

#include <cstddef>

namespace qgemm {
namespace pack {

inline constexpr std::size_t kPanelWidth = 16;  ///< output channels per panel (one zmm of int32)
inline constexpr std::size_t kBlockPanels = 3;  ///< panels interleaved per block
inline constexpr std::size_t kBlockWidth = kPanelWidth * kBlockPanels;  ///< 48 channels
inline constexpr std::size_t kKGroup = 4;  ///< k values per 32-bit lane (vpdpbusd)
inline constexpr std::size_t kPanelBytes = kPanelWidth * kKGroup;        ///< 64: one zmm
inline constexpr std::size_t kGroupStride = kPanelBytes * kBlockPanels;  ///< 192 bytes per group

constexpr std::size_t round_up(std::size_t v, std::size_t m) {
  return (v + m - 1) / m * m;
}
constexpr std::size_t panel_count(std::size_t n) {
  return (n + kPanelWidth - 1) / kPanelWidth;
}
constexpr std::size_t block_count(std::size_t n) {
  return (n + kBlockWidth - 1) / kBlockWidth;
}

/// K padded for the storage: s8 to a multiple of 4, s4 to a multiple of 8.
constexpr std::size_t padded_k(std::size_t k, bool s4) {
  return round_up(k, s4 ? 8 : 4);
}

/// Bytes of one block of an s8 array of padded depth kp (s4: half).
constexpr std::size_t s8_block_bytes(std::size_t kp) {
  return kp * kBlockWidth;
}

/// Byte offset of the first group of the panel holding channel n (a multiple of 16), in an
/// array of `groups` groups per block (s8: kp / 4; fp32: K).
constexpr std::size_t panel_offset(std::size_t n, std::size_t groups) {
  return (n / kBlockWidth) * groups * kGroupStride +
         ((n % kBlockWidth) / kPanelWidth) * kPanelBytes;
}
/// Bytes from panel `first` of a block (0..2) to the panel `p` places after it, in an array whose
/// blocks are `block_bytes` apart: tiles wider than a block (4 panels) reach into the next one.
constexpr std::ptrdiff_t panel_distance(std::size_t first, std::size_t p, std::size_t block_bytes) {
  const std::size_t at = first + p;
  return static_cast<std::ptrdiff_t>((at / kBlockPanels) * block_bytes) +
         (static_cast<std::ptrdiff_t>(at % kBlockPanels) - static_cast<std::ptrdiff_t>(first)) *
             static_cast<std::ptrdiff_t>(kPanelBytes);
}
constexpr std::size_t s8_panel_offset(std::size_t n, std::size_t kp) {
  return panel_offset(n, kp / kKGroup);
}

/// Byte offset of weight (n, k) in an s8 array of padded depth kp.
constexpr std::size_t s8_offset(std::size_t n, std::size_t k, std::size_t kp) {
  return s8_panel_offset(n - n % kPanelWidth, kp) + (k / kKGroup) * kGroupStride +
         (n % kPanelWidth) * kKGroup + k % kKGroup;
}

/// Index of (channel n, group g) in a vector per channel and group of K stored block by block,
/// [block][group][48]: while a tile walks the groups of one block its scales and column sums
/// come from consecutive memory.
constexpr std::size_t group_vector_index(std::size_t n, std::size_t g, std::size_t groups) {
  return (n / kBlockWidth) * groups * kBlockWidth + g * kBlockWidth + n % kBlockWidth;
}

/// Byte offset and nibble (0 low, 1 high) of weight (n, k) in an s4 array of depth kp.
constexpr std::size_t s4_offset(std::size_t n, std::size_t k, std::size_t kp) {
  return (n / kBlockWidth) * s8_block_bytes(kp) / 2 +
         ((n % kBlockWidth) / kPanelWidth) * kPanelBytes + (k / 8) * kGroupStride +
         (n % kPanelWidth) * kKGroup + k % kKGroup;
}
constexpr unsigned s4_nibble(std::size_t k) {
  return (k % 8) >= 4 ? 1u : 0u;
}

}  // namespace pack
}  // namespace qgemm
