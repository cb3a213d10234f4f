// Bias correction of quantized weights (Banner, Nahshan, Soudry, NeurIPS 2019): quantization
// shifts each channel's mean and shrinks or widens its spread; correct both per channel.
//
// For channel n with fp32 weights w and dequantized weights w^ (over K):
//     xi[n]    = std(w) / std(w^)                          (1 if std(w^) = 0)
//     shift[n] = mean(w) - xi[n] * mean(w^)
//     w~       = xi[n] * w^ + shift[n]     has the mean and the spread of w.
// xi folds into the channel's scales (the integers stay); shift reaches the output as
// shift[n] * sum_k x[k] through LinearOptions::weight_shift.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "../error.hpp"
#include "../matrix_view.hpp"
#include "../pack/packed_weights.hpp"
#include "quantize.hpp"

namespace qgemm {

struct WeightBiasCorrection {
  PackedWeights weights;     ///< the packed weights with every channel's scales times xi[n]
  std::vector<float> shift;  ///< shift[n], for LinearOptions::weight_shift
};

/// Corrects `packed` (quantized from `w`) channel by channel; `correct_spread` false keeps xi = 1
/// (mean shift only).
inline WeightBiasCorrection correct_weight_bias(MatrixView<const float> w,
                                                const PackedWeights& packed,
                                                bool correct_spread = true) {
  constexpr const char* fn = "qgemm::correct_weight_bias";
  detail::check_view(fn, "w", w);
  if (w.rows() != packed.rows() || w.cols() != packed.cols())
    detail::fail(fn, "w.rows x w.cols", w.rows(), " x ", w.cols(), ": must match the packed ",
                 packed.rows(), " x ", packed.cols());
  detail::check_finite(fn, "w", w);
  const GroupedQuantParams& p = packed.params();
  const std::size_t K = w.cols(), groups = p.groups_per_row();
  const std::size_t group_size = groups == 1 ? K : p.group_size;
  std::vector<float> xi(w.rows(), 1.0f), shift(w.rows(), 0.0f);
  for (std::size_t n = 0; n < w.rows() && K > 0; ++n) {
    double mean_w = 0, mean_q = 0;
    for (std::size_t k = 0; k < K; ++k) {
      mean_w += w(n, k);
      mean_q += p.at(n, k / group_size).scale * packed.value(n, k);
    }
    mean_w /= double(K);
    mean_q /= double(K);
    double var_w = 0, var_q = 0;
    for (std::size_t k = 0; k < K; ++k) {
      const double dq = p.at(n, k / group_size).scale * packed.value(n, k) - mean_q;
      var_w += (w(n, k) - mean_w) * (w(n, k) - mean_w);
      var_q += dq * dq;
    }
    if (correct_spread && var_q > 0.0 && var_w > 0.0)
      xi[n] = static_cast<float>(std::sqrt(var_w / var_q));
    shift[n] = static_cast<float>(mean_w - xi[n] * mean_q);
  }
  return WeightBiasCorrection{packed.with_scaled_channels(xi), std::move(shift)};
}

}  // namespace qgemm
