// A path's kernels seen one row at a time, for calls of a few rows on paths whose one-row tiles
// are wider than their others.
//
// Why: on AVX2 a tile of 2 (int8) or 6 (fp32) rows, and on AVX-VNNI one of 6, is one
// 16-channel panel wide, so it reads every third line of a block, in three passes, while its
// one-row tiles read a whole block front to back (gemm_loop.hpp). With two to a few rows the
// weights still stream from memory, and the strided passes left 2 x 4096 x 14336 u8s8 no faster
// than one row. Seen one row at a time, a block's first row streams each micro-panel of K into L1
// and the other rows read it from there.
#pragma once

#include <cstddef>

#include "blocking.hpp"
#include "gemm_loop.hpp"

namespace qgemm {
namespace detail {

/// Kernels with micro-panels of one row and tiles as wide as its one-row tiles (s8 or fp32
/// weights): run_blocked and blocking() then cut K so that a weight micro-panel stays in L1
/// across the rows. Activations are packed a row at a time (pack_activations with mr = 1); the
/// path's pack_words, which packs its own micro-panels, is not used (pack_rows != mr).
/// S4: the same for s4 weights, whose one-row tiles are s4_row_np panels wide.
template <class Kernels, bool S4 = false>
struct RowKernels : Kernels {
  static constexpr std::size_t mr = 1;
  static constexpr std::size_t np = S4 ? s4_row_np_of<Kernels>::value : row_np_of<Kernels>::value;
};

/// Rows up to which a call runs RowKernels: the small-M range of decoding with a batch.
/// In-process on Zen 3 (AVX2, one thread, 4096 x 14336, the path's own tiles against
/// RowKernels, best of 5 calls, 4 rounds): u8s8 M = 2: 30-39 -> 51-58 GOP/s, M = 4: 50-59 ->
/// 62-86, M = 8: 63-73 -> 79-114, M = 16 no steady difference; fp32 M = 2: 9.5-10.7 -> 13-14,
/// M = 8: 29-30 -> 35-38, M = 16: 47-54 -> 58-62; M = 24 and 32 no difference. s4 weights: up
/// to kS4RowKernelsMaxRows.
inline constexpr std::size_t kRowKernelsMaxRows = 16;

/// Whether the path's one-row tiles are wider than its others (RowKernels can pay); S4: its
/// one-row s4 tiles (tile_s4).
template <class Kernels, bool S4 = false>
inline constexpr bool has_wider_row_tiles = (S4 ? s4_row_np_of<Kernels>::value
                                                : row_np_of<Kernels>::value) > Kernels::np;

/// Whether a call of M rows of s8 (or fp32) weights of `weight_bytes` runs on RowKernels, on
/// a path with has_wider_row_tiles: more than one row (one row runs the one-row tiles already),
/// at most kRowKernelsMaxRows, and weights larger than 8 L2s, which come from memory on every
/// call. Weights that stay in the caches are faster on the path's own tiles, which do more
/// arithmetic per load (Zen 3, pinned qgemm-bench, old and new builds alternating: fp32
/// 4 x 1024 x 1024 (4 MiB) and 16 x 1024 x 1024 lost 25-30% one row at a time, 4 x 2048 x 2048
/// (16 MiB) gained 15-90%; u8s8 at 1 MiB no steady difference).
inline bool rows_one_at_a_time(std::size_t M, std::size_t weight_bytes) {
  return M > 1 && M <= kRowKernelsMaxRows && weight_bytes > 8 * cache_sizes().l2;
}

/// Rows up to which s4 weights (of a path with has_wider_row_tiles<Kernels, true>) run
/// RowKernels<Kernels, true>, on the same condition of size. Zen 5, pinned qgemm-bench, 4096 x
/// 14336 s4 weights, the path's own s4 tiles and rows one at a time alternating, u8s4 and s8s4
/// GOP/s: AVX-VNNI M = 2 44-60 -> 71-97, M = 4 87-155 -> 173-212, M = 8 105-132 -> 182-234,
/// M = 16 157-198 either way; AVX2 (byte tiles) M = 2 60-123 -> 78-98, M = 3 86-120 -> 88-115,
/// M = 4 126-172 -> 147-174, M = 8 95-120 -> 153-192, M = 16 185-199 -> 185-194.
inline constexpr std::size_t kS4RowKernelsMaxRows = 8;

/// Whether a call of M rows of s4 weights of `weight_bytes` runs on RowKernels<Kernels, true>.
inline bool s4_rows_one_at_a_time(std::size_t M, std::size_t weight_bytes) {
  return M <= kS4RowKernelsMaxRows && rows_one_at_a_time(M, weight_bytes);
}

}  // namespace detail
}  // namespace qgemm
