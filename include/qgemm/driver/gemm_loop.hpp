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
// last K block every tile goes through the path's fused epilogue.
#pragma once

#include <algorithm>
#include <cstddef>

#include "../kernels/epilogue_args.hpp"
#include "../pack/panel_layout.hpp"
#include "blocking.hpp"
#include "parallel.hpp"

namespace qgemm {
namespace detail {

/// `a` holds all M rows packed for Kernels (pack_activations); `weights(b0, b1, buffer)` returns
/// the blocks [b0, b1) of the weights in panel layout (`groups` groups of K per block), using
/// `buffer` when they must be unpacked first. S4: the blocks are s4 (two groups per 192 bytes),
/// read by Kernels::tile_s4.
template <class Kernels, bool S4 = false, class WeightBlocks>
void run_blocked(const typename Kernels::AElem* a, std::size_t M, std::size_t N, std::size_t groups,
                 const WeightBlocks& weights, const kernels::EpilogueArgs& e, int threads) {
  using BElem = typename Kernels::BElem;
  using Acc = typename Kernels::Acc;
  constexpr std::size_t MR = Kernels::mr, NR = Kernels::np * pack::kPanelWidth;
  constexpr std::size_t BW = pack::kBlockWidth, GS = pack::kGroupStride;
  const std::size_t kp = groups * Kernels::k_group;  // padded K: elements per packed A row
  const Blocking blk = blocking<Kernels>(M, N, groups, threads);
  const TaskGrid grid(M, N, blk.nc, threads, MR, blk.split_rows);

  parallel_for(grid.tasks(), threads, [&](std::size_t task) {
    std::size_t m0, m1, n0, n1;
    grid.range(task, m0, m1, n0, n1);
    if (m0 >= m1) return;
    const std::size_t b0 = n0 / BW, b1 = pack::block_count(n1);
    ScratchBuffer<BElem> unpacked;
    const char* b = reinterpret_cast<const char*>(weights(b0, b1, unpacked));
    const std::size_t lds = pack::round_up(n1 - n0, BW);
    const std::size_t sums_size = std::min(blk.mc, pack::round_up(m1 - m0, MR)) * lds;
    ScratchBuffer<Acc> sums(sums_size);
    if (groups == 0) std::fill(sums.data(), sums.data() + sums_size, Acc{});  // K = 0
    for (std::size_t ic = m0; ic < m1; ic += blk.mc) {                        // ic: rows of A
      const std::size_t ic1 = std::min(m1, ic + blk.mc);
      for (std::size_t pg = 0; pg < groups; pg += blk.kc_groups) {  // pc: K blocks
        const std::size_t pg1 = std::min(groups, pg + blk.kc_groups);
        for (std::size_t jr = n0; jr < n1; jr += NR) {  // jr: weight micro-panels
          const std::size_t panels = pack::panel_count(std::min(NR, n1 - jr));
          const auto* bp = reinterpret_cast<const BElem*>(
              b + pack::panel_offset(jr - n0, S4 ? groups / 2 : groups));
          for (std::size_t ir = ic; ir < ic1; ir += MR) {  // ir: activation micro-panels
            Acc* t = sums.data() + (ir - ic) * lds + (jr - n0);
            if constexpr (S4)
              Kernels::tile_s4(std::min(MR, ic1 - ir), panels, a + ir * kp, bp, GS, pg, pg1, t, lds,
                               pg > 0);
            else
              Kernels::tile(std::min(MR, ic1 - ir), panels, a + ir * kp, bp, GS, pg, pg1, t, lds,
                            pg > 0);
          }
        }
      }
      for (std::size_t ir = ic; ir < ic1; ir += MR)
        for (std::size_t jr = n0; jr < n1; jr += NR)
          Kernels::store_tile(e, sums.data() + (ir - ic) * lds + (jr - n0), lds, ir,
                              std::min(MR, ic1 - ir), jr, std::min(NR, n1 - jr));
    }
  });
}

}  // namespace detail
}  // namespace qgemm
