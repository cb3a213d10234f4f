// Choosing quantization parameters from data: a clip threshold by the chosen method
// (quant/clipping.hpp), then the params that cover the clipped range.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "../error.hpp"
#include "../matrix_view.hpp"
#include "clipping.hpp"
#include "quant_params.hpp"
#include "quantize.hpp"

namespace qgemm {

/// Options of `calibrate`.
struct CalibrationOptions {
  int bits = 8;
  Clip method = Clip::MinMax;
  /// true: signed, zero point 0, range [-a, a] with a = max |x|, scale = a / (2^(bits-1) - 1).
  /// false: unsigned with a zero point, range [min(x, 0), max(x, 0)], scale = range / (2^bits - 1).
  /// Clipping methods other than MinMax clip that range to [-a, a] (a: the method's threshold).
  bool symmetric = true;
  double percentile = 99.99;          ///< Clip::Percentile: of |x|, in (0, 100]
  std::size_t histogram_bins = 2048;  ///< Clip::KL: bins of the |x| histogram
};

namespace detail {

struct Range {
  float lo = 0.0f;
  float hi = 0.0f;
};

/// Params covering [lo, hi] (lo <= 0 <= hi). A zero-width range (all zeros) gets scale 1, and
/// scales below the smallest normal float are raised to it, so nothing ever divides by zero.
inline QuantParams params_for_range(Range r, const CalibrationOptions& o) {
  if (o.symmetric) return symmetric_params(std::max(-r.lo, r.hi), o.bits);
  QuantParams p{1.0f, 0, o.bits, false};  // a zero-width range keeps scale 1, zero point 0
  const double width = static_cast<double>(r.hi) - static_cast<double>(r.lo);
  if (width > 0.0) {
    p.scale = std::max(static_cast<float>(width / static_cast<double>(p.qmax())),
                       std::numeric_limits<float>::min());
    const double z = std::nearbyint(-static_cast<double>(r.lo) / p.scale);
    p.zero_point = static_cast<std::int32_t>(std::clamp(z, 0.0, static_cast<double>(p.qmax())));
  }
  return p;
}

inline void include(Range& r, float v) {
  r.lo = std::min(r.lo, v);
  r.hi = std::max(r.hi, v);
}

inline void check_options(const char* function, const CalibrationOptions& o) {
  check_bits(function, "options.bits", o.bits);
  switch (o.method) {
    case Clip::MinMax:
    case Clip::Percentile:
    case Clip::MSE:
    case Clip::KL:
    case Clip::AciqLaplace:
    case Clip::AciqGauss:
      break;
    default:
      fail(function, "options.method", static_cast<int>(o.method), ": unknown clipping method");
  }
  if (o.method == Clip::Percentile && !(o.percentile > 0.0 && o.percentile <= 100.0))
    fail(function, "options.percentile", o.percentile, ": must be in (0, 100]");
  if (o.method == Clip::KL && o.histogram_bins < (std::size_t{2} << (o.bits - 1)))
    fail(function, "options.histogram_bins", o.histogram_bins, ": needs at least twice the ",
         std::size_t{1} << (o.bits - 1), " positive levels of ", o.bits, " bits");
}

/// The clip threshold of n finite values (n > 0) by the options' method.
inline double clip_threshold(const float* x, std::size_t n, const CalibrationOptions& o) {
  const Moments m = moments(x, n);
  switch (o.method) {
    case Clip::MinMax:
      return m.max_abs;
    case Clip::Percentile:
      return percentile_abs(x, n, o.percentile);
    case Clip::MSE:
      return mse_threshold(x, n, m, o.bits);
    case Clip::KL:
      return kl_threshold(x, n, m, o.bits, o.histogram_bins);
    case Clip::AciqLaplace:
      return aciq_threshold(Prior::Laplace, m, o.bits);
    case Clip::AciqGauss:
      return aciq_threshold(Prior::Gauss, m, o.bits);
  }
  return m.max_abs;
}

/// Params for n finite values: the observed range, clipped to the method's threshold.
inline QuantParams calibrate_values(const float* x, std::size_t n, const CalibrationOptions& o) {
  Range r;
  for (std::size_t i = 0; i < n; ++i) include(r, x[i]);
  if (o.method != Clip::MinMax) {
    const auto a = static_cast<float>(clip_threshold(x, n, o));
    r.lo = std::max(r.lo, -a);
    r.hi = std::min(r.hi, a);
  }
  return params_for_range(r, o);
}

}  // namespace detail

/// Per-tensor params for n values by the chosen options. Throws on n = 0, null data, NaN/Inf.
inline QuantParams calibrate(const float* x, std::size_t n, const CalibrationOptions& options) {
  constexpr const char* fn = "qgemm::calibrate";
  detail::check_options(fn, options);
  if (n == 0) detail::fail(fn, "n", 0, ": no data to calibrate on");
  if (x == nullptr) detail::fail(fn, "x", "null with n = ", n);
  detail::check_finite(fn, "x", x, n);
  return detail::calibrate_values(x, n, options);
}

/// Symmetric signed per-tensor params of `bits` bits for n values.
inline QuantParams calibrate(const float* x, std::size_t n, int bits, Clip method = Clip::MinMax) {
  return calibrate(x, n, CalibrationOptions{bits, method, true});
}

/// Per-tensor params for a matrix view (rows may be strided).
inline QuantParams calibrate(MatrixView<const float> x, const CalibrationOptions& options) {
  constexpr const char* fn = "qgemm::calibrate";
  detail::check_options(fn, options);
  detail::check_view(fn, "x", x);
  if (x.empty())
    detail::fail(fn, "x", "empty ", x.rows(), " x ", x.cols(), ": no data to calibrate on");
  detail::check_finite(fn, "x", x);
  std::vector<float> values;
  values.reserve(x.rows() * x.cols());
  for (std::size_t i = 0; i < x.rows(); ++i)
    values.insert(values.end(), x.row(i), x.row(i) + x.cols());
  return detail::calibrate_values(values.data(), values.size(), options);
}

/// Per-channel (group_size = 0, or >= cols) or per-group params for a [rows x cols] matrix:
/// each row and run of group_size columns gets params from its own values.
inline GroupedQuantParams calibrate_grouped(MatrixView<const float> x, std::size_t group_size,
                                            const CalibrationOptions& options) {
  constexpr const char* fn = "qgemm::calibrate_grouped";
  detail::check_options(fn, options);
  detail::check_view(fn, "x", x);
  if (x.empty())
    detail::fail(fn, "x", "empty ", x.rows(), " x ", x.cols(), ": no data to calibrate on");
  detail::check_finite(fn, "x", x);
  GroupedQuantParams p;
  p.bits = options.bits;
  p.is_signed = options.symmetric;
  p.rows = x.rows();
  p.cols = x.cols();
  p.group_size = (group_size == 0 || group_size > x.cols()) ? x.cols() : group_size;
  const std::size_t groups = p.groups_per_row();
  p.scales.resize(p.rows * groups);
  if (!options.symmetric) p.zero_points.resize(p.rows * groups);
  for (std::size_t r = 0; r < x.rows(); ++r)
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t c0 = g * p.group_size, c1 = std::min(x.cols(), c0 + p.group_size);
      const QuantParams q = detail::calibrate_values(x.row(r) + c0, c1 - c0, options);
      p.scales[r * groups + g] = q.scale;
      if (!options.symmetric) p.zero_points[r * groups + g] = q.zero_point;
    }
  return p;
}

}  // namespace qgemm
