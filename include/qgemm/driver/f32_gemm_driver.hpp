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
  const std::size_t nb = std::clamp<std::size_t>(
      Kernels::block_bytes / (sizeof(float) * std::max<std::size_t>(K, 1)), 1, N);
  const std::size_t n_blocks = (N + nb - 1) / nb;
  const std::size_t workers = static_cast<std::size_t>(std::max(threads, 1));
  const std::size_t m_chunks =
      n_blocks >= workers ? 1 : std::min(M, (workers + n_blocks - 1) / n_blocks);
  parallel_for(n_blocks * m_chunks, threads, [&](std::size_t task) {
    const std::size_t n0 = (task / m_chunks) * nb, n1 = std::min(N, n0 + nb);
    const std::size_t chunk = task % m_chunks;
    const std::size_t m0 = M * chunk / m_chunks, m1 = M * (chunk + 1) / m_chunks;
    for (std::size_t m = m0; m < m1; ++m)
      for (std::size_t n = n0; n < n1; ++n)
        C(m, n) = epilogue.apply(Kernels::dot(A.row(m), B.row(n), K), n);
  });
}

}  // namespace detail
}  // namespace qgemm
