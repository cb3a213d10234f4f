// The fp32 GEMM (C = act(A * W^T + bias)): packing of A and the call into the shared loop nest.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "../epilogue.hpp"
#include "../kernels/epilogue_args.hpp"
#include "../matrix_view.hpp"
#include "../pack/packed_float_weights.hpp"
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

/// The epilogue of an fp32 product: bias padded to whole blocks, activation, fp32 out.
inline EpiloguePlan plan_f32_epilogue(const PackedFloatWeights& W, const Epilogue& epilogue,
                                      MatrixView<float> C) {
  EpiloguePlan plan;
  plan.args.kind = kernels::OutputKind::Float;
  plan.args.out = C.data();
  plan.args.ldo = C.ld();
  plan.args.stride = W.padded_rows();
  plan.set_output_stage(epilogue.bias, W.rows(), epilogue);
  return plan;
}

/// The loop nest for Tiles (the path's kernels, or RowKernels of them): on A in place where
/// read_a_in_place says so (run_in_place), else on A packed into Tiles' micro-panels.
template <class Tiles>
void run_f32_tiles(MatrixView<const float> A, const PackedFloatWeights& W,
                   const kernels::EpilogueArgs& e, int threads) {
  const std::size_t M = A.rows(), N = W.rows(), K = W.cols();
  const auto weights = [&W](std::size_t b0) { return W.block_data(b0); };
  if (read_a_in_place<Tiles>(M, N, K, threads, A.ld() * sizeof(float))) {
    run_in_place<Tiles>(A.data(), M, N, K, weights, e, threads, A.ld());
    return;
  }
  run_blocked_packed<Tiles>(A, N, K, weights, e, threads);
}

template <Isa I>
void run_f32_gemm(MatrixView<const float> A, const PackedFloatWeights& W,
                  const kernels::EpilogueArgs& e, int threads) {
  if constexpr (I == Isa::avx_vnni || I == Isa::avx512_vnni) {
    // VNNI adds nothing to fp32: the path without it runs, one instantiation of the driver for
    // both (and, with QGEMM_EXTERN_KERNELS, compiled where that path is). The rest is in the
    // else branch so that it is not instantiated for the VNNI paths at all.
    run_f32_gemm<I == Isa::avx_vnni ? Isa::avx2 : Isa::avx512>(A, W, e, threads);
  } else {
    using Kernels = kernels::F32Kernels<I>;
    if (A.rows() == 0 || W.rows() == 0) return;
    // A few rows on a path whose one-row tiles are wider: one row at a time (row_kernels.hpp).
    if constexpr (has_wider_row_tiles<Kernels>) {
      if (rows_one_at_a_time(A.rows(), W.rows() * W.cols() * sizeof(float))) {
        run_f32_tiles<RowKernels<Kernels>>(A, W, e, threads);
        return;
      }
    }
    run_f32_tiles<Kernels>(A, W, e, threads);
  }
}

}  // namespace detail
}  // namespace qgemm
