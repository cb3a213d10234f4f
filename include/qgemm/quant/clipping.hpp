// Clip values: the threshold a beyond which |x| is saturated, chosen by min-max, percentile,
// MSE search, KL divergence or ACIQ (Banner, Nahshan, Soudry, "Post training 4-bit quantization
// of convolutional networks for rapid-deployment", NeurIPS 2019).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "../error.hpp"
#include "quant_params.hpp"
#include "quantize.hpp"

namespace qgemm {

/// How the clip range is chosen from the data.
enum class Clip {
  MinMax,       ///< the full observed range: nothing is clipped
  Percentile,   ///< the given percentile of |x| (default 99.99)
  MSE,          ///< the threshold of least quantization MSE on the data itself
  KL,           ///< TensorRT's entropy calibration: least KL(P || Q) of the |x| histogram
  AciqLaplace,  ///< ACIQ: a = c_M * b, b = mean |x - mean(x)| (Laplace prior)
  AciqGauss,    ///< ACIQ: a = c_M * sigma (Gaussian prior)
};

/// The distribution ACIQ assumes.
enum class Prior { Laplace, Gauss };

/// ACIQ's expected MSE of quantizing a unit Laplace (b = 1) or Gaussian (sigma = 1) variable to
/// `bits` bits over [-alpha, alpha]: clipping noise plus rounding noise alpha^2 / (3 * 4^bits)
/// (2^bits bins of width 2 alpha / 2^bits, each with uniform noise width^2 / 12).
///   Laplace: 2 e^-alpha + alpha^2 / (3 * 4^M)
///   Gauss:   (alpha^2 + 1) erfc(alpha / sqrt 2) - sqrt(2 / pi) alpha e^(-alpha^2 / 2)
///            + alpha^2 / (3 * 4^M)
inline double aciq_expected_mse(Prior prior, double alpha, int bits) {
  const double rounding = alpha * alpha / (3.0 * std::pow(4.0, bits));
  if (prior == Prior::Laplace) return 2.0 * std::exp(-alpha) + rounding;
  const double pi = 3.14159265358979323846;
  return (alpha * alpha + 1.0) * std::erfc(alpha / std::sqrt(2.0)) -
         std::sqrt(2.0 / pi) * alpha * std::exp(-alpha * alpha / 2.0) + rounding;
}

/// The ACIQ clip ratio c_M = alpha / b (Laplace) or alpha / sigma (Gauss) for `bits` in 1..16,
/// found by minimising aciq_expected_mse (a golden-section search on a unimodal function).
/// For 2..8 bits: Laplace 2.83 3.90 5.03 6.20 7.41 8.65 9.90, Gauss 1.71 2.15 2.56 2.94 3.29 3.62
/// 3.92, the paper's table.
inline double aciq_clip_ratio(Prior prior, int bits) {
  if (bits < 1 || bits > 16)
    detail::fail("qgemm::aciq_clip_ratio", "bits", bits, ": must be in 1..16");
  double lo = 0.0, hi = prior == Prior::Laplace ? 40.0 : 20.0;
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
  for (int it = 0; it < 200; ++it) {
    if (aciq_expected_mse(prior, c, bits) < aciq_expected_mse(prior, d, bits))
      hi = d;
    else
      lo = c;
    c = hi - g * (hi - lo);
    d = lo + g * (hi - lo);
  }
  return (lo + hi) / 2.0;
}

/// Symmetric signed params of `bits` bits clipping at `alpha` (scale = alpha / (2^(bits-1) - 1),
/// in float). alpha = 0 gets scale 1 and tiny scales are raised to the smallest normal float, so
/// nothing ever divides by zero. calibrate() uses exactly this rule.
inline QuantParams symmetric_params(double alpha, int bits) {
  QuantParams p{1.0f, 0, bits, true};
  const auto a = static_cast<float>(alpha);
  if (a > 0.0f)
    p.scale = std::max(a / static_cast<float>(p.qmax()), std::numeric_limits<float>::min());
  return p;
}

/// Mean squared error of quantize-then-dequantize of n finite values with params p.
inline double fake_quant_mse(const float* x, std::size_t n, const QuantParams& p) {
  if (n == 0) return 0.0;
  const float inv = 1.0f / p.scale;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t q = detail::quantize_value(x[i], inv, p.zero_point, p.qmin(), p.qmax());
    const double e = static_cast<double>(x[i]) - static_cast<double>(p.scale) * (q - p.zero_point);
    sum += e * e;
  }
  return sum / static_cast<double>(n);
}

namespace detail {

struct Moments {
  double mean = 0, mean_abs_dev = 0, stddev = 0, max_abs = 0;
};

inline Moments moments(const float* x, std::size_t n) {
  Moments m;
  for (std::size_t i = 0; i < n; ++i) {
    m.mean += x[i];
    m.max_abs = std::max(m.max_abs, static_cast<double>(std::abs(x[i])));
  }
  m.mean /= static_cast<double>(n);
  double var = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = x[i] - m.mean;
    m.mean_abs_dev += std::abs(d);
    var += d * d;
  }
  m.mean_abs_dev /= static_cast<double>(n);
  m.stddev = std::sqrt(var / static_cast<double>(n));
  return m;
}

inline double percentile_abs(const float* x, std::size_t n, double percentile) {
  std::vector<float> a(n);
  for (std::size_t i = 0; i < n; ++i) a[i] = std::abs(x[i]);
  const double rank = std::ceil(percentile / 100.0 * static_cast<double>(n));
  const std::size_t k = static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(n))) - 1;
  std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end());
  return a[k];
}

inline double aciq_threshold(Prior prior, const Moments& m, int bits) {
  const double spread = prior == Prior::Laplace ? m.mean_abs_dev : m.stddev;
  const double alpha = aciq_clip_ratio(prior, bits) * spread;
  return alpha > 0.0 ? std::min(alpha, m.max_abs) : m.max_abs;
}

/// Least fake-quantization MSE on the data: a grid of 64 thresholds over (0, max|x|] plus both
/// ACIQ estimates, then a golden-section refinement around the best. Never worse than any
/// candidate it tried, ACIQ's included.
inline double mse_threshold(const float* x, std::size_t n, const Moments& m, int bits) {
  if (m.max_abs == 0.0) return 0.0;
  double best = m.max_abs, best_mse = fake_quant_mse(x, n, symmetric_params(best, bits));
  auto consider = [&](double alpha) {
    if (!(alpha > 0.0)) return std::numeric_limits<double>::infinity();
    const double e = fake_quant_mse(x, n, symmetric_params(alpha, bits));
    if (e < best_mse) best_mse = e, best = alpha;
    return e;
  };
  constexpr int kGrid = 64;
  for (int i = 1; i < kGrid; ++i) consider(m.max_abs * i / kGrid);
  consider(aciq_threshold(Prior::Laplace, m, bits));
  consider(aciq_threshold(Prior::Gauss, m, bits));
  const double step = m.max_abs / kGrid;
  double lo = std::max(best - step, step * 1e-3), hi = std::min(best + step, m.max_abs);
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
  double fc = consider(c), fd = consider(d);
  for (int it = 0; it < 24; ++it) {
    if (fc < fd) {
      hi = d, d = c, fd = fc;
      c = hi - g * (hi - lo), fc = consider(c);
    } else {
      lo = c, c = d, fc = fd;
      d = lo + g * (hi - lo), fd = consider(d);
    }
  }
  return best;
}

/// TensorRT's entropy calibration on a histogram of |x| (`bins` bins over [0, max|x|]): for each
/// candidate edge i (from the number of positive levels 2^(bits-1) up to bins), P is the first
/// i bins with the tail folded into bin i-1 (what clipping at the edge produces), Q is the first
/// i bins without the tail merged into 2^(bits-1) levels and spread back over P's non-empty bins
/// (what the quantized grid can express); the threshold is the edge of least KL(P || Q).
inline double kl_threshold(const float* x, std::size_t n, const Moments& m, int bits,
                           std::size_t bins) {
  if (m.max_abs == 0.0) return 0.0;
  const std::size_t levels = std::size_t{1} << (bits - 1);
  std::vector<double> hist(bins, 0.0);
  const double width = m.max_abs / static_cast<double>(bins);
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = static_cast<std::size_t>(std::abs(x[i]) / width);
    hist[std::min(b, bins - 1)] += 1.0;
  }
  double best_kl = std::numeric_limits<double>::infinity();
  std::size_t best_i = bins;
  std::vector<double> p, q;
  for (std::size_t i = levels; i <= bins; ++i) {
    p.assign(hist.begin(), hist.begin() + static_cast<std::ptrdiff_t>(i));
    for (std::size_t j = i; j < bins; ++j) p[i - 1] += hist[j];
    q.assign(i, 0.0);
    for (std::size_t l = 0; l < levels; ++l) {
      const std::size_t b0 = l * i / levels, b1 = (l + 1) * i / levels;
      double mass = 0.0;
      std::size_t nonzero = 0;
      for (std::size_t j = b0; j < b1; ++j) {
        mass += hist[j];  // the clipped histogram, without the folded tail
        nonzero += p[j] > 0.0 ? 1 : 0;
      }
      for (std::size_t j = b0; j < b1; ++j)
        if (p[j] > 0.0) q[j] = mass / static_cast<double>(nonzero);
    }
    double p_sum = 0.0, q_sum = 0.0;
    for (std::size_t j = 0; j < i; ++j) p_sum += p[j], q_sum += q[j];
    double kl = 0.0;
    for (std::size_t j = 0; j < i; ++j) {
      if (p[j] <= 0.0) continue;
      const double pj = p[j] / p_sum;
      const double qj = q[j] > 0.0 ? q[j] / q_sum : 1e-12;  // Q lost mass P has: heavy penalty
      kl += pj * std::log(pj / qj);
    }
    if (kl < best_kl) best_kl = kl, best_i = i;
  }
  return static_cast<double>(best_i) * width;
}

}  // namespace detail
}  // namespace qgemm
