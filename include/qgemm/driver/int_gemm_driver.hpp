// The integer GEMM: corrections for zero points and signed activations, s4 unpacking, the
// per-group loop, and the call into the shared loop nest (gemm_loop.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../kernels/epilogue_args.hpp"
#include "../matrix_view.hpp"
#include "../pack/packed_weights.hpp"
#include "../pack/panel_layout.hpp"
#include "blocking.hpp"
#include "dispatch.hpp"
#include "epilogue_plan.hpp"
#include "gemm_loop.hpp"
#include "pack_activations.hpp"
#include "parallel.hpp"
#include "row_kernels.hpp"
#include "scratch.hpp"

namespace qgemm {
namespace detail {

/// s4 blocks [b0, b1) -> s8 blocks of the same padded depth (see pack/panel_layout.hpp).
inline void unpack_s4_blocks(const PackedWeights& W, std::size_t b0, std::size_t b1,
                             std::int8_t* out) {
  const std::size_t kp = W.padded_k(), G = pack::kGroupStride;
  for (std::size_t blk = b0; blk < b1; ++blk) {
    const std::uint8_t* src = W.block_data(blk);
    std::int8_t* dst = out + (blk - b0) * pack::s8_block_bytes(kp);
    for (std::size_t g8 = 0; g8 < kp / 8; ++g8)
      for (std::size_t i = 0; i < G; ++i) {
        const unsigned byte = src[g8 * G + i];
        dst[(2 * g8) * G + i] = static_cast<std::int8_t>(static_cast<int>(byte & 0xFu) - 8);
        dst[(2 * g8 + 1) * G + i] = static_cast<std::int8_t>(static_cast<int>(byte >> 4) - 8);
      }
  }
}

/// W as s8 blocks for one call: W's own array, or (s4 weights) every block unpacked once, in
/// parallel over the blocks, before the tasks that read them start. Unpacked per task instead,
/// every chunk of rows (for_each_packed_chunk) and every thread that shares the rows repeated
/// the work.
class S8Blocks {
 public:
  S8Blocks(const PackedWeights& W, int threads)
      : W_(&W), block_bytes_(pack::s8_block_bytes(W.padded_k())) {
    if (W.format() == WeightFormat::s8) return;
    unpacked_ = ScratchBuffer<std::int8_t>(W.blocks() * block_bytes_);
    parallel_for(W.blocks(), threads, [&](std::size_t blk) {
      unpack_s4_blocks(W, blk, blk + 1, unpacked_.data() + blk * block_bytes_);
    });
  }
  /// The blocks from b0 on.
  const std::int8_t* from(std::size_t b0) const {
    if (unpacked_.data() != nullptr) return unpacked_.data() + b0 * block_bytes_;
    return reinterpret_cast<const std::int8_t*>(W_->block_data(b0));
  }
  /// The `weights` argument of run_blocked.
  auto blocks() const {
    return [this](std::size_t b0) { return from(b0); };
  }

 private:
  const PackedWeights* W_;
  std::size_t block_bytes_;
  ScratchBuffer<std::int8_t> unpacked_;
};

/// W's s4 blocks as the s4 tiles read them (no copy); the interface of S8Blocks.
class S4Blocks {
 public:
  S4Blocks(const PackedWeights& W, int) : W_(&W) {}
  const std::int8_t* from(std::size_t b0) const {
    return reinterpret_cast<const std::int8_t*>(W_->block_data(b0));
  }
  auto blocks() const {
    return [this](std::size_t b0) { return from(b0); };
  }

 private:
  const PackedWeights* W_;
};

/// The weights of a call as the s4 tiles (S4) or the s8 tiles read them.
template <bool S4>
using WeightBlocksOf = std::conditional_t<S4, S4Blocks, S8Blocks>;

inline std::int32_t wrap_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int32_t>(
      static_cast<std::uint32_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b)));
}

/// Corrections for activations with zero point za (before the shift) against W. Whole K:
/// col_corr[n] = (za + shift) * sum_k W[n][k] (mod 2^32), one vector per call. Grouped: the
/// epilogue multiplies the weights' own per-group column sums by (za + shift) as it goes, so a
/// call does no work proportional to the number of groups.
template <class TA>
void plan_corrections(EpiloguePlan& plan, const PackedWeights& W, std::int32_t za, bool grouped) {
  const std::size_t stride = W.padded_rows();
  const std::int64_t za_eff = static_cast<std::int64_t>(za) + activation_shift<TA>();
  plan.grouped = grouped;
  plan.args.stride = stride;
  const std::size_t groups = W.params().groups_per_row();
  if (grouped) {
    plan.args.groups = groups;
    plan.args.col_sums = W.column_sums_data();
    plan.args.col_sums_factor = static_cast<std::int32_t>(za_eff);
    return;
  }
  // Block by block in the sums' own order ([block][group][48], padding channels summing to 0):
  // contiguous loops the compiler vectorises, where one channel at a time cost a division per
  // channel and 4% of a 100^3 call.
  plan.col_corr.assign(stride, 0);
  constexpr std::size_t BW = pack::kBlockWidth;
  const std::uint32_t factor = static_cast<std::uint32_t>(za_eff);
  const std::int32_t* sums = W.column_sums_data();
  for (std::size_t b = 0; b < stride / BW; ++b) {
    std::int32_t* corr = plan.col_corr.data() + b * BW;
    for (std::size_t g = 0; g < groups; ++g, sums += BW)
      for (std::size_t j = 0; j < BW; ++j)
        corr[j] = static_cast<std::int32_t>(static_cast<std::uint32_t>(corr[j]) +
                                            factor * static_cast<std::uint32_t>(sums[j]));
  }
  plan.args.col_corr = plan.col_corr.data();
}

/// Rows up to which s4 weights are read by the s4 tiles, unpacked in registers on every pass;
/// above it each call unpacks them to s8 once (S8Blocks) and reuses them across the rows.
inline constexpr std::size_t kFusedS4MaxRows = 256;

/// Whether the s4 tiles read W directly: s4, few rows, and groups of K that start on a byte.
inline bool fused_s4(const PackedWeights& W, std::size_t M, bool grouped) {
  return W.format() == WeightFormat::s4 && M <= kFusedS4MaxRows &&
         (!grouped || W.params().group_size % 8 == 0);
}

/// Whether the path has a kernel for per-group scales over the whole K (kernel_traits.hpp).
template <class Kernels, class = void>
struct has_tile_grouped : std::false_type {};
template <class Kernels>
struct has_tile_grouped<Kernels, std::void_t<decltype(&Kernels::tile_grouped)>> : std::true_type {};

/// Rows up to which the path's tile_grouped runs a whole call; 0 without one.
template <class Kernels>
constexpr std::size_t grouped_rows() {
  if constexpr (has_tile_grouped<Kernels>::value)
    return Kernels::grouped_rows;
  else
    return 0;
}
/// Kernels::tile_grouped where the path has it (the call sits behind a run-time test).
template <class Kernels, class... Args>
void grouped_tile(Args&&... args) {
  if constexpr (has_tile_grouped<Kernels>::value) Kernels::tile_grouped(args...);
}

/// Per-group weights: group by group, int32 sums scaled into an fp32 tile. Decode (M up to the
/// path's grouped_rows): one tile_grouped call per tile; otherwise one int32 tile per group and
/// accumulate_group, the same arithmetic.
template <class Kernels, bool S4, class WeightBlocks>
void run_int_gemm_grouped(const typename Kernels::AElem* a_packed, std::size_t M,
                          const PackedWeights& W, const WeightBlocks& weights,
                          const kernels::EpilogueArgs& e, int threads) {
  constexpr std::size_t MR = Kernels::mr, NR = Kernels::np * pack::kPanelWidth;
  constexpr std::size_t BW = pack::kBlockWidth, GS = pack::kGroupStride;
  const std::size_t N = W.rows(), kp = W.padded_k();
  const std::size_t groups = W.params().groups_per_row(), group_k4 = W.params().group_size / 4;
  const std::size_t nb =
      std::max(BW, cache_sizes().l2 / 2 / std::max<std::size_t>(kp, 1) / BW * BW);
  const TaskGrid grid(M, N, nb, threads, MR);
  const bool one_call = M <= grouped_rows<Kernels>();  // M > 0 here

  parallel_for(grid.tasks(), threads, [&](std::size_t task) {
    std::size_t m0, m1, n0, n1;
    grid.range(task, m0, m1, n0, n1);
    const std::int8_t* b = weights(n0 / BW);
    alignas(64) std::int32_t tile[MR * NR];
    alignas(64) float acc[MR * NR];
    for (std::size_t ir = m0; ir < m1; ir += MR) {
      const std::size_t rows = std::min(MR, m1 - ir);
      const auto* a = a_packed + ir * kp;
      for (std::size_t jr = n0; jr < n1; jr += NR) {
        const std::size_t cols = std::min(NR, n1 - jr);
        const std::size_t panels = pack::panel_count(cols);
        const std::int8_t* bp = b + pack::panel_offset(jr - n0, S4 ? kp / 8 : kp / 4);
        if (one_call) {
          const std::size_t at = pack::group_vector_index(jr, 0, groups);
          const kernels::GroupedTileArgs t{
              groups, group_k4, kp / 4, e.col_sums + at, e.col_scale + at, BW, e.col_sums_factor};
          grouped_tile<Kernels>(rows, panels, a, bp, GS, S4, t, acc, NR);
        } else {
          for (std::size_t g = 0; g < groups; ++g) {
            const std::size_t g1 = g + 1 == groups ? kp / 4 : (g + 1) * group_k4;
            if constexpr (S4)
              Kernels::tile_s4(rows, panels, a, bp, GS, g * group_k4, g1, tile, NR);
            else
              Kernels::tile(rows, panels, a, bp, GS, g * group_k4, g1, tile, NR);
            Kernels::accumulate_group(e, g, tile, NR, rows, jr, cols, acc, NR);
          }
        }
        Kernels::store_grouped(e, acc, NR, ir, rows, jr, cols);
      }
    }
  });
}

/// The loop nest on A packed for Tiles: s4 weights through the s4 tiles (S4), else s8
/// (unpacked first where W holds s4).
template <class Tiles, bool S4, class TA>
void run_packed(MatrixView<const TA> A, const PackedWeights& W, const kernels::EpilogueArgs& e,
                int threads) {
  const WeightBlocksOf<S4> weights(W, threads);
  run_blocked_packed<Tiles, S4>(A, W.rows(), W.padded_k() / pack::kKGroup, weights.blocks(), e,
                                threads);
}

/// Per-group scales: A packed, then run_int_gemm_grouped.
template <class Kernels, bool S4, class TA>
void run_grouped(MatrixView<const TA> A, const PackedWeights& W, const EpiloguePlan& plan,
                 int threads) {
  using AElem = typename Kernels::AElem;
  const std::size_t kp = W.padded_k(), mr = Kernels::mr;
  const std::size_t rows = chunk_rows(A.rows(), kp, mr, mr, threads);
  const WeightBlocksOf<S4> weights(W, threads);
  for_each_packed_chunk<Kernels, pack::kKGroup>(
      A, kp, rows, threads, [&](const AElem* a, std::size_t m0, std::size_t n) {
        run_int_gemm_grouped<Kernels, S4>(a, n, W, weights.blocks(),
                                          kernels::rows_from(plan.args, m0), threads);
      });
}

/// Whether Kernels has wide in-place tiles for s8 activations (SignedWideInPlace,
/// kernel_traits.hpp).
template <class Kernels, class = void>
struct has_signed_wide_in_place : std::false_type {};
template <class Kernels>
struct has_signed_wide_in_place<Kernels, std::void_t<typename Kernels::SignedWideInPlace>>
    : std::true_type {};

/// W's weights as s8 (s4 unpacked block by block) on Kernels: per group, A read in place, a
/// row at a time, or A packed.
template <class Kernels, class TA>
void run_s8_weights(MatrixView<const TA> A, const PackedWeights& W, const EpiloguePlan& plan,
                    int threads) {
  const std::size_t M = A.rows(), N = W.rows(), K = W.cols(), kp = W.padded_k();
  if (plan.grouped) {
    run_grouped<Kernels, false>(A, W, plan, threads);
    return;
  }
  // u8 activations with K in whole groups need no shift and no padding: the s8 tiles of paths
  // that can read them in place do, unless their rows would crowd the L2 sets.
  const std::size_t groups = kp / pack::kKGroup;
  const auto in_place = [&] {
    return K == kp && K > 0 && read_a_in_place<Kernels>(M, N, groups, threads, A.ld());
  };
  if constexpr (std::is_same_v<TA, typename Kernels::AElem>) {
    if (in_place()) {
      const S8Blocks s8(W, threads);
      run_in_place<Kernels>(A.data(), M, N, groups, s8.blocks(), plan.args, threads, A.ld());
      return;
    }
  }
  // s8 activations likewise, through the wide tiles that flip them as they read them, where
  // those run and the flip costs less than the copy (signed_activations_in_place).
  if constexpr (std::is_same_v<TA, std::int8_t> && has_signed_wide_in_place<Kernels>::value) {
    using Wide = typename Kernels::SignedWideInPlace;
    if (signed_activations_in_place() && wide_tiles_pay<Wide>(M, N, groups) && in_place()) {
      const S8Blocks s8(W, threads);
      run_blocked<Wide>(A.data(), M, N, groups, s8.blocks(), plan.args, threads, A.ld());
      return;
    }
  }
  // A few rows on a path whose one-row tiles are wider: one row at a time (row_kernels.hpp).
  if constexpr (has_wider_row_tiles<Kernels>) {
    if (rows_one_at_a_time(M, N * kp)) {
      run_packed<RowKernels<Kernels>, false>(A, W, plan.args, threads);
      return;
    }
  }
  run_packed<Kernels, false>(A, W, plan.args, threads);
}

/// Whether Kernels has s4 tiles (tile_s4, kernel_traits.hpp).
template <class Kernels, class = void>
struct has_tile_s4 : std::false_type {};
template <class Kernels>
struct has_tile_s4<Kernels, std::void_t<decltype(&Kernels::tile_s4)>> : std::true_type {};

/// W on Kernels: s4 weights of a few rows through its s4 tiles where it has them, else
/// run_s8_weights.
template <class Kernels, class TA>
void run_int_weights(MatrixView<const TA> A, const PackedWeights& W, const EpiloguePlan& plan,
                     int threads) {
  if constexpr (has_tile_s4<Kernels>::value) {
    if (fused_s4(W, A.rows(), plan.grouped)) {
      if (plan.grouped) {
        run_grouped<Kernels, true>(A, W, plan, threads);
        return;
      }
      if constexpr (has_wider_row_tiles<Kernels, true>) {
        if (s4_rows_one_at_a_time(A.rows(), W.rows() * W.padded_k() / 2)) {
          run_packed<RowKernels<Kernels, true>, true>(A, W, plan.args, threads);
          return;
        }
      }
      run_packed<Kernels, true>(A, W, plan.args, threads);
      return;
    }
  }
  run_s8_weights<Kernels>(A, W, plan, threads);
}

template <Isa I, class TA>
void run_int_gemm(MatrixView<const TA> A, const PackedWeights& W, const EpiloguePlan& plan,
                  int threads) {
  if (A.rows() == 0 || W.rows() == 0) return;
#ifdef QGEMM_X86_KERNELS
  if constexpr (I == Isa::avx512) {
    // AVX-512 without VNNI runs the integer kernels of AVX2 (avx2_s8.hpp), and so their calls:
    // one instantiation of the driver for both.
    run_int_gemm<Isa::avx2>(A, W, plan, threads);
    return;
  } else if constexpr (I == Isa::avx2) {
    // Without VNNI, weights whose pairs fit int16 (7-bit, every s4) multiply as bytes
    // (avx2_byte_pairs.hpp); the int16 tiles (avx2_s8.hpp) take the other s8 weights.
    if (W.pairs_fit_int16()) {
      run_int_weights<kernels::BytePairKernels>(A, W, plan, threads);
      return;
    }
  }
#endif
  if constexpr (I != Isa::avx512) run_int_weights<kernels::IntKernels<I>>(A, W, plan, threads);
}

}  // namespace detail
}  // namespace qgemm
