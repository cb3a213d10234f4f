// quantize / dequantize for per-tensor, per-channel and per-group parameters.
//
//   quantize:    q = clamp(nearbyint(x * (1 / scale)) + zero_point, qmin, qmax)
//   dequantize:  x = scale * (q - zero_point)
//
// Rounding is to nearest, ties to even (the default floating-point rounding mode, and what the
// SIMD conversions do). The reciprocal 1 / scale is taken once in float, so every path that
// quantizes (scalar here, SIMD later) can reproduce the same integers exactly.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "../error.hpp"
#include "../int4.hpp"
#include "../matrix_view.hpp"
#include "quant_params.hpp"

namespace qgemm {
namespace detail {

/// Throws naming the first element that is NaN or infinite.
inline void check_finite(const char* function, const char* name, const float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]))
      fail(function, std::string(name) + "[" + std::to_string(i) + "]", x[i],
           ": data to quantize must be finite");
}

inline void check_finite(const char* function, const char* name, MatrixView<const float> x) {
  for (std::size_t r = 0; r < x.rows(); ++r)
    for (std::size_t c = 0; c < x.cols(); ++c)
      if (!std::isfinite(x(r, c)))
        fail(function, std::string(name) + "(" + std::to_string(r) + ", " + std::to_string(c) + ")",
             x(r, c), ": data to quantize must be finite");
}

/// One value; x must be finite. Clamping before rounding keeps the float->int conversion in range.
inline std::int32_t quantize_value(float x, float inv_scale, std::int32_t zero_point,
                                   std::int32_t qmin, std::int32_t qmax) {
  const float lo = static_cast<float>(qmin - zero_point);
  const float hi = static_cast<float>(qmax - zero_point);
  const float v = std::min(std::max(x * inv_scale, lo), hi);
  return static_cast<std::int32_t>(std::nearbyint(v)) + zero_point;
}

/// Whether integer storage type T holds signed values (int8_t, int4x2) or not (uint8_t).
template <class T>
constexpr bool storage_is_signed() {
  return !std::is_same_v<std::remove_const_t<T>, std::uint8_t>;
}
template <class T>
constexpr int storage_bits() {
  return std::is_same_v<std::remove_const_t<T>, int4x2> ? 4 : 8;
}

/// The params must describe integers that fit the storage type.
template <class T>
void check_storage(const char* function, const std::string& name, int bits, bool is_signed) {
  if (is_signed != storage_is_signed<T>())
    fail(function, name + ".is_signed", is_signed ? "true" : "false", ": the output type holds ",
         storage_is_signed<T>() ? "signed" : "unsigned", " integers");
  if (bits > storage_bits<T>())
    fail(function, name + ".bits", bits, ": more than the ", storage_bits<T>(),
         " bits the storage type holds");
}

template <class T>
void check_range(const char* function, const char* name, const T* q, std::size_t n,
                 const QuantParams& p) {
  for (std::size_t i = 0; i < n; ++i)
    if (q[i] < p.qmin() || q[i] > p.qmax())
      fail(function, std::string(name) + "[" + std::to_string(i) + "]", static_cast<int>(q[i]),
           ": outside the range [", p.qmin(), ", ", p.qmax(), "] of ", p.bits, "-bit params");
}

inline int load_integer(const std::int8_t* row, std::size_t c) {
  return row[c];
}
inline int load_integer(const std::uint8_t* row, std::size_t c) {
  return row[c];
}
inline int load_integer(const int4x2* row, std::size_t c) {
  return int4_at(row, c);
}

template <class T>
void store_integer(T* row, std::size_t c, std::int32_t v) {
  if constexpr (std::is_same_v<T, int4x2>) {
    // Writes one nibble; the other keeps its value (padding nibbles are zeroed by the caller).
    const unsigned shift = (c & 1) ? 4u : 0u;
    unsigned byte = row[c / 2].bits;
    byte = (byte & ~(0xFu << shift)) | ((static_cast<unsigned>(v) & 0xFu) << shift);
    row[c / 2].bits = static_cast<std::uint8_t>(byte);
  } else {
    row[c] = static_cast<T>(v);
  }
}

template <class T>
void quantize_span(const float* x, std::size_t n, const QuantParams& p, T* q) {
  const float inv_scale = 1.0f / p.scale;
  for (std::size_t i = 0; i < n; ++i)
    q[i] = static_cast<T>(quantize_value(x[i], inv_scale, p.zero_point, p.qmin(), p.qmax()));
}

inline void check_grouped_shape(const char* function, const GroupedQuantParams& p, std::size_t rows,
                                std::size_t cols) {
  if (p.rows != rows || p.cols != cols)
    fail(function, "params.rows x params.cols", p.rows, " x ", p.cols, ": must match the matrix, ",
         rows, " x ", cols);
}

/// The checks of a (de)quantize call on flat arrays of n values, `in` to `out`: the params, that
/// storage type T holds them, then the arrays (null only with n = 0). False when n = 0.
template <class T, class In, class Out>
bool check_flat(const char* fn, const QuantParams& p, std::size_t n, const char* in_name,
                const In* in, const char* out_name, const Out* out) {
  check_params(fn, "params", p);
  check_storage<T>(fn, "params", p.bits, p.is_signed);
  if (n == 0) return false;
  if (in == nullptr) fail(fn, in_name, "null with n = ", n);
  if (out == nullptr) fail(fn, out_name, "null with n = ", n);
  return true;
}

/// ... on matrices: the params, that storage type T holds them, both views, and that `out` has
/// the shape of `in`.
template <class T, class Params, class In, class Out>
void check_matrices(const char* fn, const Params& p, const char* in_name, const MatrixView<In>& in,
                    const char* out_name, const MatrixView<Out>& out) {
  check_params(fn, "params", p);
  check_storage<T>(fn, "params", p.bits, p.is_signed);
  check_view(fn, in_name, in);
  check_view(fn, out_name, out);
  if (in.rows() != out.rows() || in.cols() != out.cols())
    fail(fn, std::string(out_name) + ".rows x " + out_name + ".cols", out.rows(), " x ", out.cols(),
         ": must match ", in_name, ", ", in.rows(), " x ", in.cols());
}

/// f(r, params, c0, c1) for each group of columns [c0, c1) of each row r of a rows x cols
/// matrix, with the params of that row and group.
template <class F>
void for_each_group(const GroupedQuantParams& p, std::size_t rows, std::size_t cols, F&& f) {
  const std::size_t groups = p.groups_per_row();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t c0 = g * p.group_size;
      f(r, p.at(r, g), c0, std::min(cols, c0 + p.group_size));
    }
}

}  // namespace detail

// ---- flat arrays, one set of params ------------------------------------------------------

namespace detail {
template <class T>
void quantize_flat(const float* x, std::size_t n, const QuantParams& p, T* q) {
  constexpr const char* fn = "qgemm::quantize";
  if (!check_flat<T>(fn, p, n, "x", x, "q", q)) return;
  check_finite(fn, "x", x, n);
  quantize_span(x, n, p, q);
}
}  // namespace detail

/// Quantizes n floats with signed params into int8 (bits <= 8). Throws on NaN/Inf input.
inline void quantize(const float* x, std::size_t n, const QuantParams& p, std::int8_t* q) {
  detail::quantize_flat(x, n, p, q);
}
/// Quantizes n floats with unsigned params into uint8 (bits <= 8). Throws on NaN/Inf input.
inline void quantize(const float* x, std::size_t n, const QuantParams& p, std::uint8_t* q) {
  detail::quantize_flat(x, n, p, q);
}

namespace detail {
template <class T>
void dequantize_flat(const T* q, std::size_t n, const QuantParams& p, float* x) {
  constexpr const char* fn = "qgemm::dequantize";
  if (!check_flat<T>(fn, p, n, "q", q, "x", x)) return;
  check_range(fn, "q", q, n, p);
  for (std::size_t i = 0; i < n; ++i) x[i] = p.scale * static_cast<float>(q[i] - p.zero_point);
}
}  // namespace detail

/// x[i] = scale * (q[i] - zero_point). Throws if a q[i] lies outside the params' range.
inline void dequantize(const std::int8_t* q, std::size_t n, const QuantParams& p, float* x) {
  detail::dequantize_flat(q, n, p, x);
}
inline void dequantize(const std::uint8_t* q, std::size_t n, const QuantParams& p, float* x) {
  detail::dequantize_flat(q, n, p, x);
}

// ---- matrices -------------------------------------------------------------------------

/// Quantizes a matrix with one set of params (per tensor) into int8 or uint8 storage.
template <class T, class = std::enable_if_t<std::is_same_v<T, std::int8_t> ||
                                            std::is_same_v<T, std::uint8_t>>>
void quantize(MatrixView<const float> x, const QuantParams& p, MatrixView<T> q) {
  constexpr const char* fn = "qgemm::quantize";
  detail::check_matrices<T>(fn, p, "x", x, "q", q);
  detail::check_finite(fn, "x", x);
  for (std::size_t r = 0; r < x.rows(); ++r) detail::quantize_span(x.row(r), x.cols(), p, q.row(r));
}

/// Quantizes a [rows x cols] matrix with per-channel or per-group params into int8, uint8 or
/// int4x2 storage (int4x2 takes signed params of at most 4 bits; odd rows get a zero pad nibble).
template <class T,
          class = std::enable_if_t<std::is_same_v<T, std::int8_t> ||
                                   std::is_same_v<T, std::uint8_t> || std::is_same_v<T, int4x2>>>
void quantize(MatrixView<const float> x, const GroupedQuantParams& p, MatrixView<T> q) {
  constexpr const char* fn = "qgemm::quantize";
  detail::check_matrices<T>(fn, p, "x", x, "q", q);
  detail::check_grouped_shape(fn, p, x.rows(), x.cols());
  detail::check_finite(fn, "x", x);
  if constexpr (std::is_same_v<T, int4x2>) {
    if (x.cols() % 2)  // zero the padding nibbles
      for (std::size_t r = 0; r < x.rows(); ++r) q.row(r)[x.cols() / 2] = int4x2{};
  }
  detail::for_each_group(
      p, x.rows(), x.cols(),
      [&](std::size_t r, const QuantParams& gp, std::size_t c0, std::size_t c1) {
        const float inv_scale = 1.0f / gp.scale;
        for (std::size_t c = c0; c < c1; ++c)
          detail::store_integer(
              q.row(r), c,
              detail::quantize_value(x(r, c), inv_scale, gp.zero_point, gp.qmin(), gp.qmax()));
      });
}

/// Dequantizes a matrix quantized with per-channel or per-group params.
template <class Q, class T = std::remove_const_t<Q>,
          class = std::enable_if_t<std::is_same_v<T, std::int8_t> ||
                                   std::is_same_v<T, std::uint8_t> || std::is_same_v<T, int4x2>>>
void dequantize(MatrixView<Q> q, const GroupedQuantParams& p, MatrixView<float> x) {
  constexpr const char* fn = "qgemm::dequantize";
  detail::check_matrices<T>(fn, p, "q", q, "x", x);
  detail::check_grouped_shape(fn, p, q.rows(), q.cols());
  // Every value is checked before any is written: a throw leaves x as it was.
  detail::for_each_group(p, q.rows(), q.cols(),
                         [&](std::size_t r, const QuantParams& gp, std::size_t c0, std::size_t c1) {
                           for (std::size_t c = c0; c < c1; ++c) {
                             const int v = detail::load_integer(q.row(r), c);
                             if (v < gp.qmin() || v > gp.qmax())
                               detail::fail(
                                   fn, "q(" + std::to_string(r) + ", " + std::to_string(c) + ")", v,
                                   ": outside the range [", gp.qmin(), ", ", gp.qmax(), "] of ",
                                   gp.bits, "-bit params");
                           }
                         });
  detail::for_each_group(
      p, q.rows(), q.cols(),
      [&](std::size_t r, const QuantParams& gp, std::size_t c0, std::size_t c1) {
        for (std::size_t c = c0; c < c1; ++c)
          x(r, c) =
              gp.scale * static_cast<float>(detail::load_integer(q.row(r), c) - gp.zero_point);
      });
}

}  // namespace qgemm
