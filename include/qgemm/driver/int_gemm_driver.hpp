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

/// s4 panels [p0, p1) -> s8 panels of the same depth kp (see pack/panel_layout.hpp).
inline void unpack_s4_panels(const PackedWeights& W, std::size_t p0, std::size_t p1,
                             std::int8_t* out) {
  const std::size_t kp = W.padded_k();
  for (std::size_t p = p0; p < p1; ++p) {
    const std::uint8_t* src = W.panel_data(p);
    std::int8_t* dst = out + (p - p0) * kp * pack::kPanelWidth;
    for (std::size_t g8 = 0; g8 < kp / 8; ++g8)
      for (std::size_t i = 0; i < pack::kGroupBytes; ++i) {
        const unsigned byte = src[g8 * pack::kGroupBytes + i];
        dst[(2 * g8) * pack::kGroupBytes + i] = static_cast<std::int8_t>(static_cast<int>(byte & 0xFu) - 8);
        dst[(2 * g8 + 1) * pack::kGroupBytes + i] = static_cast<std::int8_t>(static_cast<int>(byte >> 4) - 8);
      }
  }
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
  const std::size_t stride = W.panels() * pack::kPanelWidth;
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

/// Bytes of packed weights one task keeps in L2 while it sweeps its rows: half the L2, so the
/// activations' micro-panels and the output tiles keep the other half.
inline std::size_t weight_block_bytes() {
  const std::size_t l2 = cpu_features().l2_bytes;
  return l2 >= 256 * 1024 ? l2 / 2 : 256 * 1024;
}

template <Isa I, class TA>
void run_int_gemm(MatrixView<const TA> A, const PackedWeights& W, const EpiloguePlan& plan,
                  int threads) {
  using Kernels = kernels::IntKernels<I>;
  using AElem = typename Kernels::AElem;
  constexpr std::size_t MR = Kernels::mr, NR = Kernels::np * pack::kPanelWidth;
  const std::size_t M = A.rows(), N = W.rows(), K = W.cols(), kp = W.padded_k();
  if (M == 0 || N == 0) return;
  const bool s4 = W.format() == WeightFormat::s4;
  const std::size_t s8_stride = kp * pack::kPanelWidth;  // bytes of an s8 panel
  const std::size_t groups = plan.grouped ? W.params().groups_per_row() : 1;
  const std::size_t group_k4 = groups == 1 ? kp / 4 : W.params().group_size / 4;
  const kernels::EpilogueArgs& e = plan.args;

  // A is packed once, in parallel over micro-panels; every channel block reads it.
  std::vector<AElem> a_packed(M * kp);
  const std::size_t micro_panels = (M + MR - 1) / MR;
  parallel_for(micro_panels, threads, [&](std::size_t t) {
    const std::size_t m = t * MR;
    pack_activations(A.row(m), A.ld(), std::min(MR, M - m), K, kp, MR, a_packed.data() + m * kp);
  });

  const std::size_t nb = std::max(NR, weight_block_bytes() / std::max<std::size_t>(kp, 1) / NR * NR);
  const TaskGrid grid(M, N, nb, threads, MR);
  parallel_for(grid.tasks(), threads, [&](std::size_t task) {
    std::size_t m0, m1, n0, n1;
    grid.range(task, m0, m1, n0, n1);
    const std::size_t p0 = n0 / pack::kPanelWidth, p1 = pack::panel_count(n1);
    std::vector<std::int8_t> b_unpacked;
    const std::int8_t* b = reinterpret_cast<const std::int8_t*>(W.panel_data(p0));
    if (s4) {
      b_unpacked.resize((p1 - p0) * s8_stride);
      unpack_s4_panels(W, p0, p1, b_unpacked.data());
      b = b_unpacked.data();
    }
    alignas(64) std::int32_t tile[MR * NR];
    std::vector<float> acc(groups > 1 ? MR * NR : 0);
    for (std::size_t ir = m0; ir < m1; ir += MR) {
      const std::size_t rows = std::min(MR, m1 - ir);
      const AElem* a = a_packed.data() + ir * kp;
      for (std::size_t jr = n0; jr < n1; jr += NR) {
        const std::size_t cols = std::min(NR, n1 - jr);
        const std::size_t panels = pack::panel_count(cols);
        const std::int8_t* bp = b + (jr - n0) / pack::kPanelWidth * s8_stride;
        if (groups == 1) {
          Kernels::tile(rows, panels, a, bp, s8_stride, 0, kp / 4, tile, NR);
          if (e.kind == kernels::OutputKind::Int32)
            Kernels::store_int32(e, tile, NR, ir, rows, jr, cols);
          else
            Kernels::store_dequantized(e, tile, NR, ir, rows, jr, cols);
          continue;
        }
        for (std::size_t g = 0; g < groups; ++g) {
          const std::size_t g1 = g + 1 == groups ? kp / 4 : (g + 1) * group_k4;
          Kernels::tile(rows, panels, a, bp, s8_stride, g * group_k4, g1, tile, NR);
          Kernels::accumulate_group(e, g, tile, NR, rows, jr, cols, acc.data(), NR);
        }
        Kernels::store_grouped(e, acc.data(), NR, ir, rows, jr, cols);
      }
    }
  });
}

}  // namespace detail
}  // namespace qgemm
