// The loop nest of the integer GEMM, written once for every path.
//
//   jc: blocks of output channels whose (unpacked) weights fit IntKernels<I>::block_bytes
//   ic: rows of A, split into chunks only when there are fewer channel blocks than threads
//   jr: each channel of the block;  g: each group of K (one group = per channel)
//
// The integer partial sum of every (row, channel, group) goes to an Output, which owns the
// epilogue: plain int32, or fp32 dequantize + bias + activation, or requantize.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../epilogue.hpp"
#include "../matrix_view.hpp"
#include "../quant/quantize.hpp"
#include "../pack/packed_weights.hpp"
#include "dispatch.hpp"
#include "parallel.hpp"

namespace qgemm {
namespace detail {

template <Isa I, class TA, class Output>
void run_int_gemm(MatrixView<const TA> A, std::int32_t za, const PackedWeights& W, int threads,
                  const Output& out) {
  using Kernels = kernels::IntKernels<I>;
  const std::size_t M = A.rows(), N = W.rows(), K = W.cols();
  if (M == 0 || N == 0) return;
  const GroupedQuantParams& params = W.params();
  const std::size_t groups = params.groups_per_row();
  const std::size_t group_size = groups == 1 ? K : params.group_size;
  const TaskGrid grid(M, N, Kernels::block_bytes / std::max<std::size_t>(K, 1), threads);
  parallel_for(grid.tasks(), threads, [&](std::size_t task) {
    std::size_t m0, m1, n0, n1;
    grid.range(task, m0, m1, n0, n1);
    std::vector<std::int8_t> unpacked;
    if (W.format() == WeightFormat::s4) {
      unpacked.resize((n1 - n0) * K);
      for (std::size_t n = n0; n < n1; ++n)
        Kernels::unpack_s4(W.row_data(n), K, unpacked.data() + (n - n0) * K);
    }
    for (std::size_t m = m0; m < m1; ++m) {
      const TA* a = A.row(m);
      for (std::size_t n = n0; n < n1; ++n) {
        const std::int8_t* b = W.format() == WeightFormat::s8
                                   ? reinterpret_cast<const std::int8_t*>(W.row_data(n))
                                   : unpacked.data() + (n - n0) * K;
        typename Output::Accumulator acc{};
        for (std::size_t g = 0; g < groups; ++g) {
          const std::size_t k0 = g * group_size;
          const std::size_t len = std::min(group_size, K - k0);
          out.add(acc, n, g, Kernels::dot(a + k0, b + k0, len, za));
        }
        out.finish(acc, m, n);
      }
    }
  });
}

/// C[m][n] = sum_k (A[m][k] - za) * W[n][k] - row_correction[m] (group scales ignored).
struct Int32Output {
  using Accumulator = std::int64_t;
  MatrixView<std::int32_t> C;
  const std::int64_t* row_correction = nullptr;  ///< null: none

  void add(Accumulator& acc, std::size_t, std::size_t, std::int32_t partial) const { acc += partial; }
  void finish(Accumulator acc, std::size_t m, std::size_t n) const {
    if (row_correction != nullptr) acc -= row_correction[m];
    C(m, n) = static_cast<std::int32_t>(acc);
  }
};

/// v = sa * sum_g sw[n][g] * S_g  (per channel: (sa * sw[n]) * S), then the epilogue, then
/// either stored as fp32 or requantized with `output` params.
template <class Y>
struct DequantizeOutput {
  struct Accumulator {
    std::int64_t whole = 0;  ///< per channel: the exact integer sum
    float grouped = 0.0f;    ///< per group: sum of scaled group sums
  };
  MatrixView<Y> out;
  float activation_scale = 1.0f;
  const float* weight_scales = nullptr;  ///< N * groups
  std::size_t groups = 1;
  Epilogue epilogue;
  QuantParams output;  ///< requantization params when Y is an integer type

  void add(Accumulator& acc, std::size_t n, std::size_t g, std::int32_t partial) const {
    if (groups == 1)
      acc.whole += partial;
    else
      acc.grouped += weight_scales[n * groups + g] * static_cast<float>(partial);
  }
  void finish(const Accumulator& acc, std::size_t m, std::size_t n) const {
    const float v = groups == 1
                        ? (activation_scale * weight_scales[n]) * static_cast<float>(acc.whole)
                        : activation_scale * acc.grouped;
    const float y = epilogue.apply(v, n);
    if constexpr (std::is_same_v<Y, float>) {
      out(m, n) = y;
    } else {
      out(m, n) = static_cast<Y>(quantize_value(y, 1.0f / output.scale, output.zero_point,
                                                output.qmin(), output.qmax()));
    }
  }
};

}  // namespace detail
}  // namespace qgemm
