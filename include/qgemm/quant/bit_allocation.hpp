// ACIQ's per-channel bit allocation under a total bit budget.
//
// Channel i, clipped at a_i with M_i bits, has rounding noise a_i^2 / (3 * 4^M_i) (2^M_i bins over
// [-a_i, a_i]). Minimising the sum over channels with the total number of bins fixed,
// sum_i 2^M_i = B, gives with a Lagrange multiplier
//     d/dn_i [ a_i^2 / (3 n_i^2) + lambda n_i ] = 0   =>   n_i = 2^M_i  proportional to  a_i^(2/3)
// (Banner, Nahshan, Soudry, NeurIPS 2019, "per-channel bit allocation"). Bit widths are integers,
// so M_i = clamp(round(log2(s * a_i^(2/3))), min_bits, max_bits) with the largest s whose mean
// width stays within the budget.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "../error.hpp"

namespace qgemm {

/// Bit widths for channels clipped at `clip_values` (alpha_i >= 0), mean at most `mean_bits`,
/// each in [min_bits, max_bits] (2..8).
inline std::vector<int> allocate_bits(const std::vector<double>& clip_values, double mean_bits,
                                      int min_bits = 2, int max_bits = 8) {
  constexpr const char* fn = "qgemm::allocate_bits";
  if (clip_values.empty()) detail::fail(fn, "clip_values", "empty: no channels");
  if (min_bits < 2 || max_bits > 8 || min_bits > max_bits)
    detail::fail(fn, "min_bits, max_bits", min_bits, ", ", max_bits, ": need 2 <= min <= max <= 8");
  if (!(mean_bits >= min_bits && mean_bits <= max_bits))
    detail::fail(fn, "mean_bits", mean_bits, ": must lie in [", min_bits, ", ", max_bits, "]");
  for (std::size_t i = 0; i < clip_values.size(); ++i)
    if (!(clip_values[i] >= 0.0) || !std::isfinite(clip_values[i]))
      detail::fail(fn, "clip_values[" + std::to_string(i) + "]", clip_values[i],
                   ": must be finite and >= 0");
  const std::size_t n = clip_values.size();
  auto widths = [&](double log2_s, std::vector<int>& out) {
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double a = clip_values[i];
      const double m = a > 0.0 ? std::round(log2_s + std::log2(a) * 2.0 / 3.0) : min_bits;
      out[i] = static_cast<int>(
          std::clamp(m, static_cast<double>(min_bits), static_cast<double>(max_bits)));
      total += out[i];
    }
    return total / static_cast<double>(n);
  };
  // The mean width grows with s: bisect on log2(s) for the largest s within the budget.
  std::vector<int> best(n, min_bits), trial(n);
  double lo = -200.0, hi = 200.0;
  for (int it = 0; it < 200; ++it) {
    const double mid = (lo + hi) / 2.0;
    if (widths(mid, trial) <= mean_bits + 1e-12) {
      lo = mid;
      best = trial;
    } else {
      hi = mid;
    }
  }
  return best;
}

}  // namespace qgemm
