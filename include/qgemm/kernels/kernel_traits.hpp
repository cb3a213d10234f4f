// The seam between the driver and the per-ISA kernels.
//
// Each path specialises these class templates in its own folder; the driver (driver/) is written
// once against them and never names an ISA. An IntKernels<I> specialisation provides:
//
//   AElem          element type of packed activations (u8, or int16 for the AVX2 madd path)
//   mr, np         tile: up to mr rows x np panels of 16 channels
//   row_np, s4_row_np   (optional) panels of one-row tiles on s8 (or fp32) and on s4 weights,
//                  np or more: a call of one row (decode) runs tiles of up to that many panels
//   tile(rows, panels, a, b, group_stride, g0, g1, out, ldt, accumulate)
//                  out[r][c] (+= when accumulate) = sum over k groups g in [g0, g1) of the 4
//                  products a * w, wrapping int32; `a` is a micro-panel of `rows` rows (per k
//                  group: rows x 4 AElem), `b` the first of `panels` consecutive s8 panels of one
//                  block (64 bytes apart, group_stride bytes from one k group to the next;
//                  pack/panel_layout.hpp)
//   tile_fused(rows, panels, a, b, group_stride, g0, g1, out, ldt, accumulate, extras)
//                  (optional) `tile` that also hints the lines of extras.prefetch towards L2
//                  while it runs, up to two per group of K, so the next weight micro-panel
//                  streams in behind the arithmetic rather than in bursts; and, given
//                  extras.epilogue (the last block of K), sends its sums through the fused
//                  epilogue straight to the output instead of writing `out`; runs a strip of
//                  extras.tiles such tiles of mr rows down the micro-panel (TileExtras)
//   tile_in_place(rows, panels, a, b, group_stride, g0, g1, out, ldt, accumulate, extras)
//                  (optional) tile_fused on A as the user holds it, unpacked: row r of the tile
//                  starts at a + r * extras.a_ld, its group g k_group * g elements on (fp32
//                  activations, or u8 activations whose K is whole groups: nothing to flip or
//                  pad)
//   StagedElem, tile_staged(...)   (optional)
//                  tile_fused given extras.stage_out also copies the weights of its groups
//                  [g0, g1) there, as its tiles read them (AVX2: widened to int16), panels *
//                  64 StagedElem per group; tile_staged is tile_fused on such a copy, which
//                  holds group g0 on (group_stride in StagedElem). Where two or more tiles read
//                  a micro-panel in one block of K, the first one copies and the rest read the
//                  copy.
//   tile_s4(...)   (optional: without it s4 weights are unpacked to s8 blocks) the same
//                  contract on s4 weights: group_stride bytes hold two k groups (low
//                  nibbles g, high nibbles g + 1, offset binary); g0 and g1 even
//   tile_grouped(rows, panels, a, b, group_stride, s4, args, out, ldo), grouped_rows  (optional)
//                  per-group scales over the whole K in one call for up to grouped_rows rows,
//                  int32 sums kept in registers: out[r][c] = the fp32 sum over groups g that
//                  accumulate_group forms, with S_g = the group's products less
//                  factor * (sum of the group's weights) (GroupedTileArgs). Otherwise (more rows,
//                  or paths without it) the driver runs tile / tile_s4 group by group and
//                  accumulate_group.
//   WideInPlace    (optional) a second kernel set for u8 activations read in place, with its
//                  own mr and np: np may pass the 3 panels of a block (tiles then take
//                  TileExtras::block_bytes), and whole_k = true has blocking() keep all of K
//                  in one block up to an eighth of L2 (driver/gemm_loop.hpp:
//                  wide_tiles_pay says where the driver runs it)
//   SignedWideInPlace  (optional) WideInPlace on s8 activations read in place, each flipped
//                  to u8 as the tiles read it (AElem int8_t), where signed_activations_in_place
//                  (driver/blocking.hpp) says the flip costs less than a packed copy
//   pack_words(src, ld_bytes, words, flip, out), pack_rows   (optional)
//                  packs the first words (32-bit: one fp32 or 4 int8 of K, XORed with flip) of
//                  a whole micro-panel of pack_rows (= mr) rows into AElem, returns how many;
//                  the driver packs the rest (driver/pack_activations.hpp)
//   BElem, Acc, k_group   weight element, partial-sum type and k per group (Int8Types)
//   store_tile, accumulate_group, store_grouped
//                  the fused epilogue of a tile (kernels/epilogue_args.hpp, epilogue_inl.hpp)
//
// F32Kernels<I> provides the same with F32Types: fp32 weights in the same panel geometry
// (a group is one k), fp32 partial sums, and store_tile = bias + activation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../cpu/isa.hpp"

namespace qgemm {
namespace kernels {

/// Element types and the K group of int8 products (vpdpbusd sums 4 k per 32-bit lane).
struct Int8Types {
  using BElem = std::int8_t;
  using Acc = std::int32_t;
  static constexpr std::size_t k_group = 4;
};
/// ... and of fp32 products (one k per FMA).
struct F32Types {
  using AElem = float;
  using BElem = float;
  using Acc = float;
  static constexpr std::size_t k_group = 1;
};

/// The per-group data of one tile for tile_grouped: `groups` groups of group_k4 groups of 4 k
/// (the last one ends at k4_end), and per group a vector of column sums and of scales for the
/// tile's channels, vector_stride elements from one group to the next.
struct GroupedTileArgs {
  std::size_t groups = 0, group_k4 = 0, k4_end = 0;
  const std::int32_t* col_sums = nullptr;
  const float* col_scales = nullptr;
  std::size_t vector_stride = 0;
  /// Activation zero point plus shift: in [0, 255], as zero points are checked to lie in the
  /// activations' range (tiles may use it as a byte).
  std::int32_t factor = 0;
};

/// Consecutive 64-byte lines from `data` that a tile_fused call hints towards L2, up to
/// two per group of K it runs (a hint: the memory need not be read, and nothing is read when
/// lines is 0).
struct PanelPrefetch {
  const char* data = nullptr;
  std::size_t lines = 0;
};

/// Lines of an output tile that a tile_fused call running the epilogue hints, one row per group
/// of K: `rows` rows `stride` bytes apart, `row_lines` lines from `data` in each. For writing,
/// into L1; or, with `to_l2`, into L2 only, for outputs that come from beyond L2: a write hint
/// that misses L2 holds one of the few L1 fill buffers for the whole memory latency, and a
/// tile's 24 of them starve its own loads of A and B.
struct OutputPrefetch {
  const char* data = nullptr;
  std::size_t stride = 0, rows = 0, row_lines = 0;
  bool to_l2 = false;
};

/// Lines of a strided range that a tile_fused call hints towards L2, one per group of K: the
/// range is chunks of `chunk_lines` lines, `stride` bytes apart, from `data`; the call hints its
/// lines [first, first + lines), line l at data + (l / chunk_lines) * stride + (l % chunk_lines)
/// * 64. The driver's next block of A: packed micro-panels, or rows in place, each a chunk.
struct StridedPrefetch {
  const char* data = nullptr;
  std::size_t chunk_lines = 1, stride = 0, first = 0, lines = 0;
};

/// The lines of a StridedPrefetch range in order, without a division per line (the driver's own
/// hints, Prefetcher::advance, and the x86 tiles' TileHints): next() returns the next one's
/// address.
class StridedLines {
 public:
  explicit StridedLines(const StridedPrefetch& r) : left_(r.lines) {
    if (left_ == 0) return;
    chunk_lines_ = r.chunk_lines;
    in_chunk_ = r.chunk_lines - r.first % r.chunk_lines;
    jump_ = static_cast<std::ptrdiff_t>(r.stride) - static_cast<std::ptrdiff_t>(64 * r.chunk_lines);
    at_ = r.data + r.first / r.chunk_lines * r.stride + r.first % r.chunk_lines * 64;
  }
  std::size_t left() const { return left_; }
  /// Requires left() > 0.
  const char* next() {
    const char* line = at_;
    --left_;
    at_ += 64;
    if (--in_chunk_ == 0) at_ += jump_, in_chunk_ = chunk_lines_;
    return line;
  }

 private:
  const char* at_ = nullptr;
  std::size_t left_, chunk_lines_ = 1, in_chunk_ = 1;
  std::ptrdiff_t jump_ = 0;
};

struct EpilogueArgs;

/// What a tile_fused call does besides its sums. With `epilogue` set the tile runs the last
/// block of K: its sums (plus those already in `out` when accumulating) go through the path's
/// epilogue at output row m0, column n0, `cols` columns, and `out` is not written (it is null
/// when the call runs the only block of K). The partial sums then never make the round trip
/// through memory that a separate pass costs.
///
/// A call may run a strip of `tiles` tiles of mr rows each down one weight micro-panel: tile i
/// reads A at a + i * a_step, keeps its partial sums at out + i * mr * ldt, writes output rows
/// from m0 + i * mr, hints its own output rows (`output` describes tile 0's) and lines
/// [i * each, (i + 1) * each) of the `prefetch` range, each = ceil(prefetch.lines / tiles), and
/// likewise of the `activations` range.
/// The kernel's entry, its constants and the driver's bookkeeping are then paid once per strip
/// rather than once per tile, which is most of a tile's time when K is short.
struct TileExtras {
  PanelPrefetch prefetch;
  StridedPrefetch activations;  ///< the next block of A
  OutputPrefetch output;        ///< the output lines the epilogue will write (the first tile's)
  const EpilogueArgs* epilogue = nullptr;
  std::size_t m0 = 0, n0 = 0, cols = 0;
  std::size_t a_ld = 0;  ///< tile_in_place: elements from one row of A to the next
  std::size_t tiles = 1, a_step = 0;
  void* stage_out = nullptr;  ///< paths with tile_staged: the copy of the weights to write
  /// Bytes from one block of weights to the next: tiles of more panels than a block (np 4)
  /// find their last panels there (pack::panel_distance; column n0 says where in its block the
  /// tile starts).
  std::size_t block_bytes = 0;
};

template <Isa I>
struct IntKernels;

template <Isa I>
struct F32Kernels;

}  // namespace kernels
}  // namespace qgemm
