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

template <Isa I>
void run_f32_gemm(MatrixView<const float> A, const PackedFloatWeights& W,
                  const kernels::EpilogueArgs& e, int threads) {
  using Kernels = kernels::F32Kernels<I>;
  constexpr std::size_t MR = Kernels::mr;
  const std::size_t M = A.rows(), N = W.rows(), K = W.cols();
  if (M == 0 || N == 0) return;
  const auto weights = [&W](std::size_t b0, std::size_t, ScratchBuffer<float>&) {
    return W.block_data(b0);
  };
  if (read_a_in_place<Kernels>(M, N, K, threads, A.ld() * sizeof(float))) {
    run_blocked<Kernels>(A.data(), M, N, K, weights, e, threads, A.ld());
    return;
  }
  ScratchBuffer<float> a_packed(M * K);
  parallel_for((M + MR - 1) / MR, threads, [&](std::size_t t) {
    const std::size_t m = t * MR;
    pack_activation_panel<Kernels, 1>(A.row(m), A.ld(), std::min(MR, M - m), K, K,
                                      a_packed.data() + m * K);
  });
  run_blocked<Kernels>(a_packed.data(), M, N, K, weights, e, threads);
}

}  // namespace detail
}  // namespace qgemm
