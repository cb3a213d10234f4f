// The loop nest of the integer GEMM, written once for every path.
//
//   task (jc, ic): a block of output channels [n0, n1) whose packed weights fit
//                  IntKernels<I>::block_bytes (kept in L2), and a chunk of rows [m0, m1)
//                  (rows are chunked only when there are fewer channel blocks than threads)
//   pack:          the task's rows of A into micro-panels of mr rows, K grouped by 4, s8
//                  activations shifted to u8 (+128); s4 weights of the block unpacked to s8
//   ir:            micro-panels of mr rows (the micro-panel stays in L1 across jr)
//   jr:            tiles of np panels of 16 channels
//   g:             groups of K (per-group weights only): one int32 tile per group, scaled in fp32
//
// The tile's int32 sums go through the path's fused epilogue (kernels/epilogue_args.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "../cpu/cpu_features.hpp"
#include "../kernels/epilogue_args.hpp"
#include "../matrix_view.hpp"
#include "../pack/packed_weights.hpp"
#include "../pack/panel_layout.hpp"
#include "dispatch.hpp"
#include "parallel.hpp"

namespace qgemm {
namespace detail {

/// The shift that makes an activation unsigned: 0 for u8, 128 for s8 (vpdpbusd wants u8).
template <class TA>
constexpr std::int32_t activation_shift() {
  return std::is_same_v<TA, std::int8_t> ? 128 : 0;
}

/// Packs rows [0, rows) of A (row stride lda, K columns) into micro-panels of `mr` rows (the
/// last may be shorter): element (r, k) of micro-panel t lies at
///   out[t * mr * kp + (k / 4) * rows_t * 4 + r * 4 + k % 4],
/// shifted to unsigned, K padded with zeros to kp.
template <class AElem, class TA>
void pack_activations(const TA* a, std::size_t lda, std::size_t rows, std::size_t K,
                      std::size_t kp, std::size_t mr, AElem* out) {
  constexpr std::size_t G = pack::kKGroup;
  const std::size_t k_full = K / G * G;  // groups with no padding
  for (std::size_t r0 = 0; r0 < rows; r0 += mr) {
    const std::size_t rows_t = std::min(mr, rows - r0);
    AElem* panel = out + r0 * kp;
    for (std::size_t r = 0; r < rows_t; ++r) {
      const TA* src = a + (r0 + r) * lda;
      AElem* dst = panel + r * G;
      if constexpr (sizeof(AElem) == 1) {
        // Bytes: s8 -> u8 by flipping the sign bit (a + 128 mod 256), four at a time.
        constexpr std::uint32_t flip = activation_shift<TA>() ? 0x80808080u : 0u;
        for (std::size_t k = 0; k < k_full; k += G) {
          std::uint32_t v;
          std::memcpy(&v, src + k, 4);
          v ^= flip;
          std::memcpy(dst + (k / G) * rows_t * G, &v, 4);
        }
      } else {
        for (std::size_t k = 0; k < k_full; ++k)
          dst[(k / G) * rows_t * G + k % G] =
              static_cast<AElem>(static_cast<std::int32_t>(src[k]) + activation_shift<TA>());
      }
      for (std::size_t k = k_full; k < kp; ++k)
        dst[(k / G) * rows_t * G + k % G] = static_cast<AElem>(
            k < K ? static_cast<std::int32_t>(src[k]) + activation_shift<TA>() : 0);
    }
  }
}

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

/// s8 weights of blocks [b0, b1): the packed array itself, or (s4) unpacked into `buffer`.
inline const std::int8_t* s8_blocks(const PackedWeights& W, std::size_t b0, std::size_t b1,
                                    std::int8_t* buffer) {
  if (W.format() == WeightFormat::s8) return reinterpret_cast<const std::int8_t*>(W.block_data(b0));
  unpack_s4_blocks(W, b0, b1, buffer);
  return buffer;
}

/// The epilogue's vectors for one call, owned here and pointed to by `args`.
struct EpiloguePlan {
  kernels::EpilogueArgs args;
  std::vector<std::int32_t> col_corr, row_corr;
  std::vector<float> col_scale, bias;
  bool grouped = false;  ///< one int32 tile per group of K, scaled in fp32
};

inline std::int32_t wrap_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(a) *
                                                              static_cast<std::uint64_t>(b)));
}

/// Corrections for activations with zero point za (before the shift) against W:
/// col_corr[g][n] = (za + shift) * sum_{k in g} W[n][k]  (mod 2^32; one group unless grouped).
template <class TA>
void plan_corrections(EpiloguePlan& plan, const PackedWeights& W, std::int32_t za, bool grouped) {
  const std::size_t stride = W.padded_rows();
  const std::size_t groups = grouped ? W.params().groups_per_row() : 1;
  const std::size_t all = W.params().groups_per_row();
  const std::int64_t za_eff = static_cast<std::int64_t>(za) + activation_shift<TA>();
  plan.col_corr.assign(groups * stride, 0);
  for (std::size_t g = 0; g < all; ++g) {
    const std::int32_t* sums = W.column_sums(g);
    std::int32_t* corr = plan.col_corr.data() + (grouped ? g : 0) * stride;
    for (std::size_t n = 0; n < stride; ++n)
      corr[n] = static_cast<std::int32_t>(static_cast<std::uint32_t>(corr[n]) +
                                          static_cast<std::uint32_t>(wrap_mul(za_eff, sums[n])));
  }
  plan.grouped = grouped;
  plan.args.stride = stride;
  plan.args.col_corr = plan.col_corr.data();
}

/// A buffer whose elements start uninitialised: packing and the kernels write before reading.
template <class T>
class ScratchBuffer {
 public:
  explicit ScratchBuffer(std::size_t n) : data_(n ? new T[n] : nullptr) {}
  T* data() const { return data_.get(); }

 private:
  std::unique_ptr<T[]> data_;
};

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

/// Block sizes of one call, all in units the loops use.
struct IntBlocking {
  std::size_t kc_groups;  ///< pc: k groups (of 4) per K block: a weight micro-panel fills 5/8 of L1
  std::size_t mc;         ///< ic: rows per A block (a multiple of mr): A block in a quarter of L2
  std::size_t nc;         ///< jc: channels per task (a multiple of 48)
  bool split_rows;        ///< threads share the rows (large M) rather than the channels
};

template <class Kernels>
IntBlocking int_blocking(std::size_t M, std::size_t N, std::size_t kp, int threads) {
  constexpr std::size_t MR = Kernels::mr, NR = Kernels::np * pack::kPanelWidth;
  constexpr std::size_t BW = pack::kBlockWidth;
  const CacheSizes c = cache_sizes();
  IntBlocking b{};
  b.kc_groups = std::max<std::size_t>(16, c.l1 * 5 / 8 / (NR * pack::kKGroup));
  b.kc_groups = std::min(b.kc_groups, std::max<std::size_t>(kp / 4, 1));
  const std::size_t a_row_bytes = b.kc_groups * pack::kKGroup * sizeof(typename Kernels::AElem);
  // A multiple of mr: row blocks must start where the packed micro-panels start.
  b.mc = std::clamp<std::size_t>(c.l2 / 4 / a_row_bytes, MR, 256) / MR * MR;
  b.mc = std::min(b.mc, pack::round_up(M, MR));
  // The int32 partial sums of an mc x nc block take another quarter of L2.
  std::size_t nc = std::max(BW, c.l2 / 4 / (b.mc * sizeof(std::int32_t)) / BW * BW);
  // Threads: with many rows each takes its own row range over every channel block; with few
  // rows (decode) the channels are cut finely enough for dynamic scheduling to even them out.
  b.split_rows = threads > 1 && M >= static_cast<std::size_t>(threads) * MR * 8;
  if (threads > 1 && !b.split_rows) {
    const std::size_t per_task = pack::round_up((N + 4 * threads - 1) / (4 * threads), BW);
    nc = std::min(nc, std::max(BW, per_task));
  }
  b.nc = nc;
  return b;
}

/// Per-channel weights (one scale per output channel) and plain int32 output: BLIS loop order,
/// K blocked so a weight micro-panel stays in L1 while the micro-panels of activations stream
/// past it from L2; int32 partial sums accumulate in a per-task scratch block.
template <Isa I, class TA>
void run_int_gemm_blocked(const ScratchBuffer<typename kernels::IntKernels<I>::AElem>& a_packed,
                          std::size_t M, const PackedWeights& W, const EpiloguePlan& plan,
                          int threads) {
  using Kernels = kernels::IntKernels<I>;
  constexpr std::size_t MR = Kernels::mr, NR = Kernels::np * pack::kPanelWidth;
  constexpr std::size_t BW = pack::kBlockWidth, GS = pack::kGroupStride;
  const std::size_t N = W.rows(), kp = W.padded_k(), k_groups = kp / 4;
  const IntBlocking blk = int_blocking<Kernels>(M, N, kp, threads);
  const TaskGrid grid(M, N, blk.nc, threads, MR, blk.split_rows);
  const kernels::EpilogueArgs& e = plan.args;
  const bool s4 = W.format() == WeightFormat::s4;

  parallel_for(grid.tasks(), threads, [&](std::size_t task) {
    std::size_t m0, m1, n0, n1;
    grid.range(task, m0, m1, n0, n1);
    if (m0 >= m1) return;
    const std::size_t b0 = n0 / BW, b1 = pack::block_count(n1);
    ScratchBuffer<std::int8_t> b_unpacked(s4 ? (b1 - b0) * pack::s8_block_bytes(kp) : 0);
    const std::int8_t* b = s8_blocks(W, b0, b1, b_unpacked.data());
    const std::size_t lds = pack::round_up(n1 - n0, BW);
    const std::size_t sums_size = std::min(blk.mc, pack::round_up(m1 - m0, MR)) * lds;
    ScratchBuffer<std::int32_t> sums(sums_size);
    if (k_groups == 0) std::fill(sums.data(), sums.data() + sums_size, 0);  // K = 0: empty sums
    for (std::size_t ic = m0; ic < m1; ic += blk.mc) {                 // ic: rows of A
      const std::size_t ic1 = std::min(m1, ic + blk.mc);
      for (std::size_t pg = 0; pg < k_groups; pg += blk.kc_groups) {  // pc: K blocks
        const std::size_t pg1 = std::min(k_groups, pg + blk.kc_groups);
        for (std::size_t jr = n0; jr < n1; jr += NR) {               // jr: weight micro-panels
          const std::size_t panels = pack::panel_count(std::min(NR, n1 - jr));
          const std::int8_t* bp = b + pack::s8_panel_offset(jr - n0, kp);
          for (std::size_t ir = ic; ir < ic1; ir += MR)              // ir: activation micro-panels
            Kernels::tile(std::min(MR, ic1 - ir), panels, a_packed.data() + ir * kp, bp, GS, pg,
                          pg1, sums.data() + (ir - ic) * lds + (jr - n0), lds, pg > 0);
        }
      }
      for (std::size_t ir = ic; ir < ic1; ir += MR)
        for (std::size_t jr = n0; jr < n1; jr += NR) {
          const std::int32_t* t = sums.data() + (ir - ic) * lds + (jr - n0);
          const std::size_t rows = std::min(MR, ic1 - ir), cols = std::min(NR, n1 - jr);
          if (e.kind == kernels::OutputKind::Int32)
            Kernels::store_int32(e, t, lds, ir, rows, jr, cols);
          else
            Kernels::store_dequantized(e, t, lds, ir, rows, jr, cols);
        }
    }
  });
}

/// Per-group weights: one int32 tile per group of K, scaled in fp32 group by group.
template <Isa I, class TA>
void run_int_gemm_grouped(const ScratchBuffer<typename kernels::IntKernels<I>::AElem>& a_packed,
                          std::size_t M, const PackedWeights& W, const EpiloguePlan& plan,
                          int threads) {
  using Kernels = kernels::IntKernels<I>;
  constexpr std::size_t MR = Kernels::mr, NR = Kernels::np * pack::kPanelWidth;
  constexpr std::size_t BW = pack::kBlockWidth, GS = pack::kGroupStride;
  const std::size_t N = W.rows(), kp = W.padded_k();
  const std::size_t groups = W.params().groups_per_row(), group_k4 = W.params().group_size / 4;
  const kernels::EpilogueArgs& e = plan.args;
  const bool s4 = W.format() == WeightFormat::s4;
  const std::size_t nb = std::max(BW, cache_sizes().l2 / 2 / std::max<std::size_t>(kp, 1) / BW * BW);
  const TaskGrid grid(M, N, nb, threads, MR);

  parallel_for(grid.tasks(), threads, [&](std::size_t task) {
    std::size_t m0, m1, n0, n1;
    grid.range(task, m0, m1, n0, n1);
    const std::size_t b0 = n0 / BW, b1 = pack::block_count(n1);
    ScratchBuffer<std::int8_t> b_unpacked(s4 ? (b1 - b0) * pack::s8_block_bytes(kp) : 0);
    const std::int8_t* b = s8_blocks(W, b0, b1, b_unpacked.data());
    alignas(64) std::int32_t tile[MR * NR];
    alignas(64) float acc[MR * NR];
    for (std::size_t ir = m0; ir < m1; ir += MR) {
      const std::size_t rows = std::min(MR, m1 - ir);
      const auto* a = a_packed.data() + ir * kp;
      for (std::size_t jr = n0; jr < n1; jr += NR) {
        const std::size_t cols = std::min(NR, n1 - jr);
        const std::size_t panels = pack::panel_count(cols);
        const std::int8_t* bp = b + pack::s8_panel_offset(jr - n0, kp);
        for (std::size_t g = 0; g < groups; ++g) {
          const std::size_t g1 = g + 1 == groups ? kp / 4 : (g + 1) * group_k4;
          Kernels::tile(rows, panels, a, bp, GS, g * group_k4, g1, tile, NR);
          Kernels::accumulate_group(e, g, tile, NR, rows, jr, cols, acc, NR);
        }
        Kernels::store_grouped(e, acc, NR, ir, rows, jr, cols);
      }
    }
  });
}

template <Isa I, class TA>
void run_int_gemm(MatrixView<const TA> A, const PackedWeights& W, const EpiloguePlan& plan,
                  int threads) {
  using Kernels = kernels::IntKernels<I>;
  constexpr std::size_t MR = Kernels::mr;
  const std::size_t M = A.rows(), N = W.rows(), K = W.cols(), kp = W.padded_k();
  if (M == 0 || N == 0) return;
  // A is packed once, in parallel over micro-panels; every channel block reads it.
  ScratchBuffer<typename Kernels::AElem> a_packed(M * kp);
  parallel_for((M + MR - 1) / MR, threads, [&](std::size_t t) {
    const std::size_t m = t * MR;
    pack_activations(A.row(m), A.ld(), std::min(MR, M - m), K, kp, MR, a_packed.data() + m * kp);
  });
  if (plan.grouped)
    run_int_gemm_grouped<I, TA>(a_packed, M, W, plan, threads);
  else
    run_int_gemm_blocked<I, TA>(a_packed, M, W, plan, threads);
}

}  // namespace detail
}  // namespace qgemm
