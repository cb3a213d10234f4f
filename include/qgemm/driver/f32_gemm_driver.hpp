// The loop nest of the fp32 GEMM (C = act(A * B^T + bias)), written once for every path.
#pragma once

#include <algorithm>
#include <cstddef>

#include "../epilogue.hpp"
#include "../matrix_view.hpp"
#include "dispatch.hpp"
#include "parallel.hpp"

namespace qgemm {
namespace detail {

template <Isa I>
void run_f32_gemm(MatrixView<const float> A, MatrixView<const float> B, MatrixView<float> C,
                  const Epilogue& epilogue, int threads) {
  using Kernels = kernels::F32Kernels<I>;
  const std::size_t M = A.rows(), N = B.rows(), K = A.cols();
  if (M == 0 || N == 0) return;
  // jc: blocks of rows of B kept hot; ic: rows of A, chunked only to feed idle threads.
  const TaskGrid grid(M, N, Kernels::block_bytes / (sizeof(float) * std::max<std::size_t>(K, 1)),
                      threads);
  parallel_for(grid.tasks(), threads, [&](std::size_t task) {
    std::size_t m0, m1, n0, n1;
    grid.range(task, m0, m1, n0, n1);
    for (std::size_t m = m0; m < m1; ++m)
      for (std::size_t n = n0; n < n1; ++n)
        C(m, n) = epilogue.apply(Kernels::dot(A.row(m), B.row(n), K), n);
  });
}

}  // namespace detail
}  // namespace qgemm
