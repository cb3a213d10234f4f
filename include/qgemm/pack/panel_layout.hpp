// The layout of packed weights that every kernel path reads.
//
//   N is split into panels of 16 output channels; K is padded with zero weights to a multiple of
//   kKGroup (4 for s8, 8 for s4). A panel stores, for each group of 4 k, 64 bytes:
//
//     byte 4*j + i  =  W[16*p + j][4*g + i]        (j: channel in the panel, i: k in the group)
//
//   which is one zmm (or two ymm) per group: exactly the operand layout of vpdpbusd, whose 32-bit
//   lane j sums 4 products of channel j. s4 panels hold two such groups per 64 bytes, nibbles in
//   offset binary (w + 8): the low nibble of byte 4*j + i is W[.][8*g + i], the high nibble
//   W[.][8*g + 4 + i], so a mask and a shift turn 64 bytes into two s8 groups.
#pragma once

#include <cstddef>

namespace qgemm {
namespace pack {

inline constexpr std::size_t kPanelWidth = 16;  ///< output channels per panel
inline constexpr std::size_t kKGroup = 4;       ///< k values per 32-bit lane (vpdpbusd)
inline constexpr std::size_t kGroupBytes = kPanelWidth * kKGroup;  ///< 64: one zmm

constexpr std::size_t round_up(std::size_t v, std::size_t m) { return (v + m - 1) / m * m; }
constexpr std::size_t panel_count(std::size_t n) { return (n + kPanelWidth - 1) / kPanelWidth; }

/// K padded for the storage: s8 to a multiple of 4, s4 to a multiple of 8.
constexpr std::size_t padded_k(std::size_t k, bool s4) { return round_up(k, s4 ? 8 : 4); }

/// Byte offset of weight (n, k) in an s8 panel array of padded depth kp.
constexpr std::size_t s8_offset(std::size_t n, std::size_t k, std::size_t kp) {
  return (n / kPanelWidth) * kp * kPanelWidth + (k / kKGroup) * kGroupBytes +
         (n % kPanelWidth) * kKGroup + k % kKGroup;
}

/// Byte offset and nibble (0 low, 1 high) of weight (n, k) in an s4 panel array of depth kp.
constexpr std::size_t s4_offset(std::size_t n, std::size_t k, std::size_t kp) {
  return (n / kPanelWidth) * (kp / 2) * kPanelWidth + (k / 8) * kGroupBytes +
         (n % kPanelWidth) * kKGroup + k % kKGroup;
}
constexpr unsigned s4_nibble(std::size_t k) { return (k % 8) >= 4 ? 1u : 0u; }

}  // namespace pack
}  // namespace qgemm
