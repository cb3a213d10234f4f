// The GEMM loop nest, written once for every element type and every path.
//
//   jc  task: a block of output channels [n0, n1) and a range of rows [m0, m1) (threads share
//       rows when M is large, channels otherwise)
//   ic  rows of A in blocks of mc (an A block stays in L2)
//   pc  K in blocks of kc groups (a weight micro-panel stays in L1 across ir)
//   jr  weight micro-panels: np panels of 16 channels
//   ir  activation micro-panels: mr rows
//
// Partial sums (int32 or fp32) accumulate in a per-task scratch block across pc; after the
// last K block every tile goes through the path's fused epilogue: inside the tile's last call
// where the path has tile_fused, else in a pass over the block.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../kernels/epilogue_args.hpp"
#include "../matrix_view.hpp"
#include "../pack/panel_layout.hpp"
#include "blocking.hpp"
#include "pack_activations.hpp"
#include "parallel.hpp"
#include "scratch.hpp"

namespace qgemm {
namespace detail {

/// Hints byte ranges towards L2 a few cache lines per call, so data the loop nest reads next
/// arrive while the kernels compute: `chunks` ranges of `bytes` bytes, `stride` bytes apart.
class Prefetcher {
 public:
  Prefetcher() = default;
  Prefetcher(const void* data, std::size_t chunks, std::size_t bytes, std::size_t stride)
      : data_(static_cast<const char*>(data)),
        chunks_(bytes ? chunks : 0),
        bytes_(bytes),
        stride_(stride) {}
  /// Cache lines in all the ranges.
  std::size_t lines() const { return chunks_ * ((bytes_ + 63) / 64); }
  /// Parts [i, i + n) of `parts` equal runs of the lines of a single range, for a kernel to
  /// hint.
  kernels::PanelPrefetch part(std::size_t i, std::size_t parts, std::size_t n = 1) const {
    const std::size_t each = (lines() + parts - 1) / parts, first = std::min(lines(), i * each);
    return {data_ + first * 64, std::min(n * each, lines() - first)};
  }
  /// The next `n` lines, for a kernel to hint (TileExtras::activations), passed over here.
  kernels::StridedPrefetch take(std::size_t n) {
    const std::size_t first = next_, count = std::min(n, lines() - first);
    next_ += count;
    return {data_, std::max<std::size_t>(1, (bytes_ + 63) / 64), stride_, first, count};
  }
  /// Hints the next `n` lines.
  void advance(std::size_t n) {
#if defined(__GNUC__) || defined(__clang__)
    for (kernels::StridedLines l(take(n)); l.left() > 0;) __builtin_prefetch(l.next(), 0, 2);
#else
    take(n);
#endif
  }

 private:
  const char* data_ = nullptr;
  std::size_t chunks_ = 0, bytes_ = 0, stride_ = 0;
  std::size_t next_ = 0;  ///< lines hinted or taken so far
};

/// Whether the path's kernels hint the next weight micro-panel themselves and run the epilogue
/// at the end of the last block of K (tile_fused, kernel_traits.hpp).
template <class Kernels, class = void>
struct has_tile_fused : std::false_type {};
template <class Kernels>
struct has_tile_fused<Kernels, std::void_t<decltype(&Kernels::tile_fused)>> : std::true_type {};

/// Panels of the path's one-row tiles on s8 (or fp32) weights and on s4 weights: row_np and
/// s4_row_np (x86/target.hpp), or np.
template <class Kernels, class = void>
struct row_np_of : std::integral_constant<std::size_t, Kernels::np> {};
template <class Kernels>
struct row_np_of<Kernels, std::void_t<decltype(Kernels::row_np)>>
    : std::integral_constant<std::size_t, Kernels::row_np> {};
template <class Kernels, class = void>
struct s4_row_np_of : std::integral_constant<std::size_t, Kernels::np> {};
template <class Kernels>
struct s4_row_np_of<Kernels, std::void_t<decltype(Kernels::s4_row_np)>>
    : std::integral_constant<std::size_t, Kernels::s4_row_np> {};

/// Whether the path's kernels also read A in place, unpacked (tile_in_place, kernel_traits.hpp).
template <class Kernels, class = void>
struct has_tile_in_place : std::false_type {};
template <class Kernels>
struct has_tile_in_place<Kernels, std::void_t<decltype(&Kernels::tile_in_place)>> : std::true_type {
};

/// Whether run_blocked should read A in place (a_ld) rather than packed: the path has
/// tile_in_place, and either the channels are few (each row of A is read once per block of K
/// and micro-panel, so packing would copy it for little use) or the rows, `row_bytes` apart,
/// crowd neither a tile's L1 sets nor an A block's L2 sets (tile_rows_crowd_l1,
/// rows_crowd_l2). The caller also checks that its elements need no packing.
///
/// Few: up to 128 channels, even where the rows crowd the sets. With few channels the kernels
/// do too little with each packed element to pay for the copy (AVX2 fp32 on Zen 3, in-process,
/// best of 4, alternating, M = K = 4096: N = 32, 64, 128 +8-15%, +5-10%, +2-39%; 2048 x 64 x
/// 8192 +18-39%; AVX-512 VNNI u8 on Sapphire Rapids: 4096 x 64 x 4096 +15%, 4096 x 128 x 4096
/// +15-20%, 2048 x 128 x 8192 +10-20%; int8 reads A in place on AVX-512 VNNI only).
template <class Kernels>
bool read_a_in_place(std::size_t M, std::size_t N, std::size_t groups, int threads,
                     std::size_t row_bytes) {
  if constexpr (has_tile_in_place<Kernels>::value) {
    if (N <= std::max<std::size_t>(8, Kernels::np) * pack::kPanelWidth) return true;
    return !tile_rows_crowd_l1(row_bytes, Kernels::mr) &&
           !rows_crowd_l2(row_bytes, std::min(M, blocking<Kernels>(M, N, groups, threads).mc));
  } else {
    return false;
  }
}

/// The kernels that read A in place on Kernels' path (fp32, or u8 with K in whole groups):
/// Kernels::WideInPlace where it has them (tiles of 64 channels that take whole K), else
/// Kernels.
template <class Kernels, class = void>
struct in_place_kernels {
  using type = Kernels;
};
template <class Kernels>
struct in_place_kernels<Kernels, std::void_t<typename Kernels::WideInPlace>> {
  using type = typename Kernels::WideInPlace;
};

/// Whether the wide in-place kernels (Kernels::WideInPlace) beat the path's others on M x N x
/// K (`groups` groups of K: 4 k of int8, 1 k of fp32; 4 bytes of one channel either way).
/// Sapphire Rapids, pinned qgemm-bench, ratio to oneDNN in the same run, three runs each,
/// 8 x 3 tiles -> wide: u8s8 4096 x 64 x 4096 0.79-0.82 -> 1.02-1.06, 4096 x 128 x 4096
/// 0.92-0.93 -> 1.03-1.11, 3136 x 64 x 576 0.85-0.88 -> 0.99-1.03, 2048^3 0.99-1.00 ->
/// 1.02-1.04; f32 4096 x 64 x 4096 0.75-0.81 -> 0.93-0.97, 100^3 0.91-0.94 -> 1.00-1.03. Not with
/// fewer rows, whose last tile of M mod 6 rows weighs more than a tile of 8 does on
/// power-of-two M (u8 32 x 1024 x 1024, in-process: -2 to -4%); nor where K must be cut (its
/// micro-panel would pass an eighth of L2: u8 256 x 1024 x 6144 -3 to -10%, 512 x 4096 x 14336
/// -10 to -15%) unless the channels are few (u8 1024 x 64 x 8192 +13-16%).
template <class Wide>
bool wide_tiles_pay(std::size_t M, std::size_t N, std::size_t groups) {
  const std::size_t panel_bytes = groups * Wide::np * pack::kPanelWidth * 4;
  return M >= 48 && (N <= 128 || panel_bytes <= cache_sizes().l2 / 8);
}

/// Output bytes from which int32 and fp32 outputs go out with non-temporal stores
/// (streams_output): half the last-level cache; never where CPUID names no L3. Smaller outputs
/// could stay cached for the call that reads them next, so they are stored normally, though
/// streaming would speed the GEMM alone there too (Zen 5, 4 MiB of int32: u8s8 1024 x 1024 x 64
/// 543-726 -> 763-833 GOP/s). Tests lower it to run the streamed stores on small outputs.
inline std::size_t& streamed_output_bytes() {
  static std::size_t bytes = cpu_features().l3_bytes > 0 ? cpu_features().l3_bytes / 2
                                                         : std::numeric_limits<std::size_t>::max();
  return bytes;
}

/// Whether an M x N call's int32 or fp32 output goes out with non-temporal stores
/// (EpilogueArgs::stream): from streamed_output_bytes on. Stored normally, each line the tiles
/// write is first read (for ownership) from L3 or memory, and later written back; streamed, it is
/// only written. Zen 5, pinned qgemm-bench, stored -> streamed in the same runs, u8s8 GOP/s:
/// 4096 x 4096 x 64 311-383 -> 733-780 (oneDNN 440-514), 2048 x 4096 x 64 304-479 -> 762-839,
/// 2048 x 2048 x 64 457-565 -> 747-814; AVX-VNNI 4096 x 4096 x 64 223-234 -> 352-402; K >= 1024
/// and AVX2 (compute-bound) within the noise. Whole vectors only, so the output and its row
/// stride must be 64-byte aligned; and only on the routes that stream (kernels::epilogue_route;
/// `integer`: int32 sums): int32, and the per-channel route's fp32.
inline bool streams_output(const kernels::EpilogueArgs& e, bool integer, std::size_t M,
                           std::size_t N) {
  const kernels::EpilogueRoute route = kernels::epilogue_route(&e, integer);
  const bool streamed_route =
      route == kernels::EpilogueRoute::int32 ||
      (route == kernels::EpilogueRoute::per_channel && e.kind == kernels::OutputKind::Float);
  return streamed_route && M * N * 4 >= streamed_output_bytes() &&
         reinterpret_cast<std::uintptr_t>(e.out) % 64 == 0 && e.ldo * 4 % 64 == 0;
}

/// Orders a thread's non-temporal stores before what it does next (its task's end).
inline void order_streamed_stores() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_ia32_sfence();
#endif
}

/// `a` holds all M rows packed for Kernels (pack_activations), or, given a_ld > 0 (paths with
/// tile_in_place only), the M rows of A as the user holds them, a_ld elements apart;
/// `weights(b0)` returns the weights in panel layout from block b0 on (`groups` groups of K per
/// block). S4: the blocks are s4 (two groups per 192 bytes), read by Kernels::tile_s4.
template <class Kernels, bool S4 = false, class WeightBlocks>
void run_blocked(const typename Kernels::AElem* a, std::size_t M, std::size_t N, std::size_t groups,
                 const WeightBlocks& weights, const kernels::EpilogueArgs& call_epilogue,
                 int threads, std::size_t a_ld = 0) {
  using BElem = typename Kernels::BElem;
  using Acc = typename Kernels::Acc;
  constexpr std::size_t MR = Kernels::mr;
  constexpr std::size_t BW = pack::kBlockWidth, GS = pack::kGroupStride;
  // A call of one row (decode) runs the path's one-row tiles, which may be wider: a tile as wide
  // as a block streams its weights front to back, where one-panel tiles pass over each block
  // three times, reading every third line (AVX2 s8, 1 x 4096 x 14336 on Zen 3: 62% -> 88% of
  // the read bandwidth).
  constexpr std::size_t row_np = S4 ? s4_row_np_of<Kernels>::value : row_np_of<Kernels>::value;
  const std::size_t NR = (M == 1 ? row_np : Kernels::np) * pack::kPanelWidth;
  constexpr bool can_read_in_place = has_tile_in_place<Kernels>::value && !S4;
  const bool in_place = can_read_in_place && a_ld > 0;
  constexpr bool can_stage = has_tile_staged<Kernels>::value && !S4;
  const bool stages = can_stage && stages_weights<Kernels>();
  using StagedElem = typename has_tile_staged<Kernels>::elem;
  // Elements from one row of A to the next: a packed row holds K padded to whole groups.
  const std::size_t kp = in_place ? a_ld : groups * Kernels::k_group;
  const Blocking blk = blocking<Kernels, S4>(M, N, groups, threads);
  const TaskGrid grid(M, N, blk.nc, threads, MR, blk.split_rows);
  // An output larger than the threads' L2 was not left there by the last call: its lines are
  // hinted into L2 only (OutputPrefetch::to_l2). int8 2048^3 +4%, 1024^3 +0.6%; at 256^3,
  // whose output stays in L2, write hints into L1 are 3-4% faster.
  const bool output_beyond_l2 = M * N * kernels::output_bytes(call_epilogue.kind) >
                                cache_sizes().l2 * static_cast<std::size_t>(std::max(threads, 1));
  // Only the tiles' own epilogue (tile_fused) streams its stores.
  constexpr bool in_kernel = !S4 && has_tile_fused<Kernels>::value;
  kernels::EpilogueArgs e = call_epilogue;
  e.stream = in_kernel && streams_output(e, std::is_same_v<Acc, std::int32_t>, M, N);

  parallel_for(grid.tasks(), threads, [&](std::size_t task) {
    std::size_t m0, m1, n0, n1;
    grid.range(task, m0, m1, n0, n1);
    if (m0 >= m1) return;
    const char* b = reinterpret_cast<const char*>(weights(n0 / BW));
    const std::size_t lds = pack::round_up(n1 - n0, BW);
    const std::size_t stored_groups = S4 ? groups / 2 : groups;
    const std::size_t a_group_bytes = Kernels::k_group * sizeof(typename Kernels::AElem);
    // Software prefetching, a slice per tile: while the tiles of one weight micro-panel run,
    // the next micro-panel comes into L2, so the first tile of each does not wait for memory;
    // while a block of A is in use, the next block of A. The hardware prefetchers see neither
    // (micro-panels are scattered), and both cost 4-25% at large N or K. Not at decode: one
    // tile per micro-panel streams its weights and the hardware keeps up.
    //
    // The weight micro-panel of channels jr and groups [pg, pg1).
    auto weight_panel = [&](std::size_t jr, std::size_t pg, std::size_t pg1) {
      const std::size_t s0 = S4 ? pg / 2 : pg, s1 = S4 ? (pg1 + 1) / 2 : pg1;
      return Prefetcher(b + pack::panel_offset(jr - n0, stored_groups) + s0 * GS, 1, (s1 - s0) * GS,
                        0);
    };
    // The block of A of rows [ic, ic1) and groups [pg, pg1): its whole micro-panels.
    // In place, each row's groups.
    auto activation_block = [&](std::size_t ic, std::size_t ic1, std::size_t pg, std::size_t pg1) {
      const char* first = reinterpret_cast<const char*>(a + ic * kp);
      if (in_place)
        return Prefetcher(first + pg * a_group_bytes, ic1 - ic, (pg1 - pg) * a_group_bytes,
                          kp * sizeof(typename Kernels::AElem));
      return Prefetcher(first + pg * MR * a_group_bytes, (ic1 - ic) / MR,
                        (pg1 - pg) * MR * a_group_bytes, MR * kp * sizeof(typename Kernels::AElem));
    };
    // Kernels with tile_fused hint the next micro-panel and run the epilogue themselves: with
    // one block of K there are no partial sums to keep.
    const bool keeps_sums = !in_kernel || groups == 0 || groups > blk.kc_groups;
    const std::size_t sums_size =
        keeps_sums ? std::min(blk.mc, pack::round_up(m1 - m0, MR)) * lds : 0;
    ScratchBuffer<Acc> sums(sums_size);
    // The staged copy of one weight micro-panel (tile_staged), for one block of K.
    ScratchBuffer<StagedElem> staged_panel(stages && m1 - m0 > MR ? blk.kc_groups * NR * 4 : 0);
    if (groups == 0) std::fill(sums.data(), sums.data() + sums_size, Acc{});  // K = 0
    for (std::size_t ic = m0; ic < m1; ic += blk.mc) {                        // ic: rows of A
      const std::size_t ic1 = std::min(m1, ic + blk.mc);
      const std::size_t tiles = (ic1 - ic + MR - 1) / MR;
      // Kernels spread the next micro-panel over the tiles' K loops, two lines per group at
      // most, which covers a panel from two tiles on; the driver's own hints come in bursts
      // before each tile, and pay from four tiles on.
      // Not for kernels that stream whole K (takes_whole_k): the hardware prefetchers follow
      // their weights front to back and the rows of A they read in place.
      const bool prefetch =
          !takes_whole_k<Kernels>::value && tiles >= (in_kernel ? 2 : kHintedFromTiles);
      // Staging pays where two or more tiles read the copy (and the CPU gains: stages_weights).
      const bool staged = in_kernel && stages && !in_place && tiles >= 2;
      for (std::size_t pg = 0; pg < groups; pg += blk.kc_groups) {  // pc: K blocks
        const std::size_t pg1 = std::min(groups, pg + blk.kc_groups);
        // The (row block, K block) after this one: the same rows and the next K block, or the
        // next rows and the first K block; none after the last.
        std::size_t next_ic = ic, next_ic1 = ic1, next_pg = pg1;
        if (pg1 >= groups) next_ic = ic1, next_ic1 = std::min(m1, ic1 + blk.mc), next_pg = 0;
        const std::size_t next_pg1 = std::min(groups, next_pg + blk.kc_groups);
        const bool has_next = prefetch && next_ic < m1;
        Prefetcher next_a;
        if (has_next) next_a = activation_block(next_ic, next_ic1, next_pg, next_pg1);
        const std::size_t calls = tiles * ((n1 - n0 + NR - 1) / NR);
        const std::size_t a_lines = (next_a.lines() + calls - 1) / calls;
        for (std::size_t jr = n0; jr < n1; jr += NR) {  // jr: weight micro-panels
          const std::size_t panels = pack::panel_count(std::min(NR, n1 - jr));
          const auto* bp =
              reinterpret_cast<const BElem*>(b + pack::panel_offset(jr - n0, stored_groups));
          Prefetcher next_b;
          if (prefetch && jr + NR < n1)
            next_b = weight_panel(jr + NR, pg, pg1);
          else if (has_next)
            next_b = weight_panel(n0, next_pg, next_pg1);
          const std::size_t b_lines = in_kernel ? 0 : (next_b.lines() + tiles - 1) / tiles;
          // ir: activation micro-panels. Kernels with tile_fused run all the whole tiles of the
          // row block in one call (a strip, TileExtras::tiles), the short last tile in another:
          // per tile, a call and its bookkeeping cost as much as 8-32 groups of K (AVX2 on
          // Zen 3, pinned qgemm-bench, ratio to oneDNN: s8s8 512 x 512 x 32 0.36-0.62 ->
          // 0.67-0.72, u8s8 1024 x 256 x 32 0.42-0.43 -> 0.55-0.62).
          for (std::size_t ir = ic, strip = 1; ir < ic1; ir += strip * MR) {
            Acc* t = keeps_sums ? sums.data() + (ir - ic) * lds + (jr - n0) : nullptr;
            if constexpr (in_kernel) {
              // Staged: the first tile alone, which leaves the copy the others read.
              const bool copies = staged && ir == ic;
              strip = copies ? 1 : std::max<std::size_t>(1, (ic1 - ir) / MR);
              // The last block of K goes through the epilogue inside the tile.
              const std::size_t rows = std::min(MR, ic1 - ir), cols = std::min(NR, n1 - jr);
              const bool last = pg1 == groups;
              kernels::TileExtras x;
              x.prefetch = next_b.part((ir - ic) / MR, tiles, strip);
              // The tiles spread these over their K loops, a line per group: hinted in one burst
              // before the call they filled the L1 miss buffers and stalled it (perf: 2.9% of
              // fp32 1024^3; pinned qgemm-bench, ratio to oneDNN, 3 runs each: fp32 1024^3
              // 0.90-0.96 -> 0.99-1.04, fp32 4096 x 64 x 4096 0.68 -> 0.77-0.79). Lines beyond a
              // line per group (K of a few groups) are still hinted here.
              const std::size_t a_want = a_lines * strip, a_room = strip * (pg1 - pg);
              x.activations = next_a.take(std::min(a_want, a_room));
              if (a_want > a_room) next_a.advance(a_want - a_room);
              x.m0 = ir, x.n0 = jr, x.cols = cols, x.a_ld = in_place ? kp : 0;
              x.tiles = strip, x.a_step = MR * kp, x.block_bytes = stored_groups * GS;
              if (last) {
                // Its output lines come in (to L1 for writing, or to L2) while the tile computes.
                const std::size_t bytes = kernels::output_bytes(e.kind);
                const char* first = static_cast<const char*>(e.out) + (ir * e.ldo + jr) * bytes;
                const std::size_t offset = reinterpret_cast<std::uintptr_t>(first) % 64;
                x.epilogue = &e;
                // Streamed lines are not read: nothing to hint.
                x.output = {first, e.ldo * bytes, e.stream ? 0 : rows,
                            (offset + cols * bytes + 63) / 64, output_beyond_l2};
              }
              if constexpr (can_stage) {
                if (copies) x.stage_out = staged_panel.data();
                if (staged && !copies) {
                  Kernels::tile_staged(rows, panels, a + ir * kp, staged_panel.data(),
                                       panels * pack::kPanelWidth * 4, pg, pg1, t, lds, pg > 0, x);
                  continue;
                }
              }
              if constexpr (can_read_in_place) {
                if (in_place) {
                  Kernels::tile_in_place(rows, panels, a + ir * kp, bp, GS, pg, pg1, t, lds, pg > 0,
                                         x);
                  continue;
                }
              }
              Kernels::tile_fused(rows, panels, a + ir * kp, bp, GS, pg, pg1, t, lds, pg > 0, x);
            } else {
              next_a.advance(a_lines);
              next_b.advance(b_lines);
              if constexpr (S4)
                Kernels::tile_s4(std::min(MR, ic1 - ir), panels, a + ir * kp, bp, GS, pg, pg1, t,
                                 lds, pg > 0);
              else
                Kernels::tile(std::min(MR, ic1 - ir), panels, a + ir * kp, bp, GS, pg, pg1, t, lds,
                              pg > 0);
            }
          }
        }
      }
      if (in_kernel && groups > 0) continue;  // the tiles ran the epilogue
      for (std::size_t ir = ic; ir < ic1; ir += MR)
        for (std::size_t jr = n0; jr < n1; jr += NR)
          Kernels::store_tile(e, sums.data() + (ir - ic) * lds + (jr - n0), lds, ir,
                              std::min(MR, ic1 - ir), jr, std::min(NR, n1 - jr));
    }
    if (e.stream) order_streamed_stores();
  });
}

/// run_blocked on A as the user holds it (a_ld elements from row to row), through the path's
/// wide kernels where they pay (in_place_kernels, wide_tiles_pay).
template <class Kernels, class WeightBlocks>
void run_in_place(const typename Kernels::AElem* a, std::size_t M, std::size_t N,
                  std::size_t groups, const WeightBlocks& weights, const kernels::EpilogueArgs& e,
                  int threads, std::size_t a_ld) {
  using Wide = typename in_place_kernels<Kernels>::type;
  if (!std::is_same_v<Wide, Kernels> && wide_tiles_pay<Wide>(M, N, groups))
    run_blocked<Wide>(a, M, N, groups, weights, e, threads, a_ld);
  else
    run_blocked<Kernels>(a, M, N, groups, weights, e, threads, a_ld);
}

/// run_blocked on A [M x K] packed for Kernels (K padded to `groups` groups) a chunk of rows at a
/// time (for_each_packed_chunk): whole row blocks (mc) for every thread that takes rows of its
/// own, so that chunks add no pass over the weights and divide among the threads as the whole A
/// would.
template <class Kernels, bool S4 = false, class TA, class WeightBlocks>
void run_blocked_packed(MatrixView<const TA> A, std::size_t N, std::size_t groups,
                        const WeightBlocks& weights, const kernels::EpilogueArgs& e, int threads) {
  using AElem = typename Kernels::AElem;
  constexpr std::size_t G = Kernels::k_group;
  const std::size_t M = A.rows();
  const Blocking blk = blocking<Kernels>(M, N, groups, threads);
  const std::size_t t = static_cast<std::size_t>(std::max(threads, 1));
  const std::size_t row = groups * G;  // elements of a packed row
  const std::size_t rows = blk.split_rows
                               ? chunk_rows(M, row, blk.mc * t, t * Kernels::mr * 8, threads)
                               : chunk_rows(M, row, blk.mc, 0, threads);
  for_each_packed_chunk<Kernels, G>(
      A, row, rows, threads, [&](const AElem* a, std::size_t m0, std::size_t n) {
        run_blocked<Kernels, S4>(a, n, N, groups, weights, kernels::rows_from(e, m0), threads);
      });
}

}  // namespace detail
}  // namespace qgemm
