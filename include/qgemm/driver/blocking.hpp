// Block sizes of the GEMM loop nest, derived from the CPU's cache sizes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <type_traits>

#include "../cpu/cpu_features.hpp"
#include "../pack/panel_layout.hpp"

namespace qgemm {
namespace detail {

/// Cache sizes the blocking is derived from (conservative defaults when CPUID says nothing).
struct CacheSizes {
  std::size_t l1 = 32 * 1024, l2 = 512 * 1024;
};
inline CacheSizes cache_sizes() {
  CacheSizes c;
  const CpuFeatures& f = cpu_features();
  if (f.l1d_bytes >= 16 * 1024) c.l1 = f.l1d_bytes;
  if (f.l2_bytes >= 128 * 1024) c.l2 = f.l2_bytes;
  return c;
}

/// Whether `rows` rows `row_bytes` apart crowd the L2 sets they map to: rows a multiple of a
/// large power of two apart share sets, and when more than half an L2 set's ways hold rows of an
/// A block, its lines evict each other and the weights. Paths that can read A in place
/// (tile_in_place) pack such A; other A they read in place, which saves the copy (fp32 in-process
/// A/B: 256^3 and 512^3 +3.5%, 1000^3 +3%), while in place 256 or more fp32 rows of K = 4096
/// (16 KiB apart: 8 set offsets) lose 3-6%.
inline bool rows_crowd_l2(std::size_t row_bytes, std::size_t rows) {
  const CpuFeatures& f = cpu_features();
  const std::size_t ways = f.l2_ways ? f.l2_ways : 16;
  const std::size_t way_bytes = cache_sizes().l2 / ways;  // the span of one way's sets
  const std::size_t offsets = way_bytes / std::gcd(row_bytes, way_bytes);
  return rows > offsets * (ways / 2);
}

/// Whether the `rows` rows of a tile, `row_bytes` apart, crowd an L1 set when a kernel reads
/// them in place: an x86 L1 way spans 4 KiB (the cache is indexed within a page), so rows a
/// multiple of 4 KiB apart all share one set, and with more than four of them there the rows'
/// lines and the weights' evict each other (AVX2 fp32 16 x 1024 x 1024 on Zen 3, in-process:
/// in place 1.70x oneDNN, packed 1.78x).
inline bool tile_rows_crowd_l1(std::size_t row_bytes, std::size_t rows) {
  constexpr std::size_t way_bytes = 4096;
  const std::size_t offsets = way_bytes / std::gcd(row_bytes, way_bytes);
  return (rows + offsets - 1) / offsets > 4;
}

/// Whether a path's tiles read copies of weight micro-panels (tile_staged,
/// kernel_traits.hpp); `elem`: the element they read, staged or not.
template <class Kernels, class = void>
struct has_tile_staged : std::false_type {
  using elem = typename Kernels::BElem;
};
template <class Kernels>
struct has_tile_staged<Kernels, std::void_t<decltype(&Kernels::tile_staged)>> : std::true_type {
  using elem = typename Kernels::StagedElem;
};

/// Whether the tiles of a path with tile_staged read staged copies on this CPU. On Intel they
/// do: the AVX2 tiles of 2 rows spend 4 vpmovsxbw per 8 vpmaddwd on the port the others leave
/// them (Sapphire Rapids, one tile in L1: 76-79% -> 91-94% of peak/madd256; pinned qgemm-bench,
/// u8s8 / oneDNN AVX2: 512^3 0.60-0.62 -> 0.64-0.66, 16 x 4096 x 14336 1.19-1.20 -> 1.55-1.79).
/// Not on AMD: on Zen 3 a tile reading pre-widened weights ran slower than one widening its own
/// (README, "Why exactness costs").
template <class Kernels>
bool stages_weights() {
  return has_tile_staged<Kernels>::value && !cpu_features().amd;
}

/// Whether s8 activations are read in place by the tiles that flip them to u8 as they broadcast
/// them (Kernels::SignedWideInPlace), rather than flipped into a packed copy. On AMD: on Zen 5
/// 24 zmm vpdpbusd run as fast with the tile's 6 vpxord among them as alone (7.1-7.4 G/s)
/// (pinned qgemm-bench, s8s8 ratio to oneDNN: 4096 x 64 x 4096 0.61 -> 0.89-0.98, 100^3
/// 0.75-0.81 -> 1.01-1.12; README, "s8 activations in place"). Not on
/// Intel, where zmm vpdpbusd and vpxord share ports 0 and 5: the flips would cost a fifth of
/// the tile's issue slots.
inline bool signed_activations_in_place() {
  return cpu_features().amd;
}

/// Whether a path's kernels take all of K in one block whatever its length (Kernels::whole_k):
/// their weight micro-panel streams from L2 rather than staying in L1.
template <class Kernels, class = void>
struct takes_whole_k : std::false_type {};
template <class Kernels>
struct takes_whole_k<Kernels, std::void_t<decltype(Kernels::whole_k)>>
    : std::bool_constant<Kernels::whole_k> {};

/// Block sizes of one call. A group is the unit of K of the layout (4 k of int8, 1 k of fp32);
/// a group of one channel is 4 bytes for every element type.
struct Blocking {
  std::size_t kc_groups;  ///< pc: groups per K block: a weight micro-panel fills 5/8 of L1
                          ///< (int8: all of K where that fits in L1; takes_whole_k: all of K
                          ///< up to an eighth of L2)
  std::size_t mc;         ///< ic: rows per A block (a multiple of mr): A block in a quarter of L2
  std::size_t nc;         ///< jc: channels per task (a multiple of 48 and of the tile width)
  bool split_rows;        ///< threads share the rows (large M) rather than the channels
};

/// Tiles of a row block from which the driver hints the next weight micro-panel to the tiles
/// that do not hint it themselves (gemm_loop.hpp: run_blocked); with fewer its hints come too
/// late to pay.
inline constexpr std::size_t kHintedFromTiles = 4;

/// S4: the tiles read s4 weights (two groups of K per 192 bytes of a micro-panel).
template <class Kernels, bool S4 = false>
Blocking blocking(std::size_t M, std::size_t N, std::size_t groups, int threads) {
  constexpr std::size_t MR = Kernels::mr, NR = Kernels::np * pack::kPanelWidth;
  // One channel's group of a weight micro-panel as the tiles read it: 4 bytes, or 4 staged
  // elements.
  constexpr std::size_t BW = pack::kBlockWidth;
  const std::size_t group_bytes =
      stages_weights<Kernels>() ? 4 * sizeof(typename has_tile_staged<Kernels>::elem) : 4;
  const CacheSizes c = cache_sizes();
  Blocking b{};
  // One micro-panel of rows (decode): the weights are read once whatever kc is, so K is not
  // cut, and no partial sums go back and forth through memory. int8 whose whole K fits one
  // micro-panel in L1 (K up to 1024 on a 48 KiB L1) is not cut either, though A's lines then
  // pass through a full L1: the partial sums' round trip and a second pass of calls cost more
  // (Sapphire Rapids AVX-512 VNNI, pinned qgemm-bench, ratio to oneDNN, medians of three runs of
  // each build alternating: u8s8 768^3 0.98 -> 1.00, 1000^3 0.95 -> 0.99, 128 x 768 x 768 0.94 ->
  // 1.01, 1024^3 0.97 -> 0.99; s8s8 768^3 1.11 -> 1.17, 128 x 768 x 768 1.11 -> 1.20). Beyond L1
  // the blocks stay (two of 256 groups at K = 2048 were slower in-process than four of 128), and
  // fp32 (K up to 256) gained on some shapes and lost on others, so keeps its K blocks.
  // Otherwise even: s4 weights hold two groups per byte, so a K block starts at an even group.
  // Kernels that stream their micro-panel from L2 (takes_whole_k) cut K only where the
  // micro-panel would pass an eighth of L2: the next one comes in while a strip reads it, and
  // with the block of A both must stay (K = 14336 whole, 917 KB: 0.6x).
  const std::size_t l1_groups = std::max<std::size_t>(16, c.l1 * 5 / 8 / (NR * group_bytes));
  const std::size_t l2_groups = std::max<std::size_t>(16, c.l2 / 8 / (NR * group_bytes));
  const bool whole_k = takes_whole_k<Kernels>::value
                           ? groups <= l2_groups
                           : Kernels::k_group == 4 && groups * NR * group_bytes <= c.l1;
  // s4 tiles (S4) of fewer rows than the driver hints weights for (kHintedFromTiles tiles) take
  // all of K where a micro-panel (2 bytes per channel and group) fits in half of L2: in K blocks
  // each tile hopped from micro-panel to micro-panel in pieces of 15 KB that nothing fetched
  // ahead, so every piece waited for memory. u8s4 / s8s4 GOP/s, pinned qgemm-bench, rule off
  // and on alternating twice (Zen 5): AVX-512 VNNI 9 x 4096 x 14336 248-316 -> 531-612,
  // 16 x 4096 x 14336 360-506 -> 639-742, 24 rows 511-587 -> 631-737, 16 x 4096 x 4096
  // 640-828 -> 823-897; AVX-VNNI 9 rows 136-145 -> 206-249, 16 rows 171-186 -> 203-270; AVX2
  // 9 rows 99-118 -> 144-168. From four tiles on the hints serve (AVX-VNNI 24 rows ran 175-204
  // with whole K against 260-286 without).
  const bool s4_streams = S4 && M <= (kHintedFromTiles - 1) * MR && groups * NR * 2 <= c.l2 / 2;
  b.kc_groups = M <= MR || whole_k || s4_streams ? groups
                : takes_whole_k<Kernels>::value  ? l2_groups / 2 * 2
                                                 : l1_groups / 2 * 2;
  b.kc_groups = std::clamp<std::size_t>(b.kc_groups, 1, std::max<std::size_t>(groups, 1));
  // Equal K blocks: a short last block would pay the partial sums' round trip and the
  // epilogue's stores over too little work.
  if (groups > b.kc_groups) {
    const std::size_t blocks = (groups + b.kc_groups - 1) / b.kc_groups;
    b.kc_groups = pack::round_up((groups + blocks - 1) / blocks, 2);
  }
  const std::size_t a_row_bytes = b.kc_groups * Kernels::k_group * sizeof(typename Kernels::AElem);
  // A multiple of mr: row blocks must start where the packed micro-panels start.
  b.mc = std::clamp<std::size_t>(c.l2 / 4 / a_row_bytes, MR, 256) / MR * MR;
  b.mc = std::min(b.mc, pack::round_up(M, MR));
  // The partial sums of an mc x nc block take another quarter of L2. Channel blocks start where
  // weight blocks and tiles both start (tiles of 64 channels: every 192).
  constexpr std::size_t unit = std::lcm(BW, NR);
  std::size_t nc = std::max(unit, c.l2 / 4 / (b.mc * sizeof(typename Kernels::Acc)) / unit * unit);
  // Kernels that take whole K keep no partial sums: one block of all the channels.
  if (takes_whole_k<Kernels>::value && b.kc_groups >= groups)
    nc = std::max(nc, pack::round_up(N, unit));
  // Threads: with many rows each takes its own row range over every channel block; with few
  // rows (decode) the channels are cut finely enough for dynamic scheduling to even them out.
  b.split_rows = threads > 1 && M >= static_cast<std::size_t>(threads) * MR * 8;
  if (threads > 1 && !b.split_rows) {
    const std::size_t per_task = pack::round_up((N + 4 * threads - 1) / (4 * threads), unit);
    nc = std::min(nc, std::max(unit, per_task));
  }
  b.nc = nc;
  return b;
}

}  // namespace detail
}  // namespace qgemm
