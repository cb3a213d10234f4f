// Argument checks shared by gemm and linear; all run before any output is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "../error.hpp"
#include "../matrix_view.hpp"

namespace qgemm {

/// The int32 accumulation bound: a product over K is computed exactly in int32 when
///   K * max|a - za| * max|b - zb| <= 2^31 - 1,
/// the maxima taken over each operand's integer range. u8 (za = 0) x s8: K <= 65793;
/// s8 x s8: K <= 131071; u8 x s4: K <= 1052688. Beyond it a call throws Error.
inline std::size_t max_exact_k(std::int64_t max_abs_a, std::int64_t max_abs_b) {
  const std::int64_t per_term = std::max<std::int64_t>(1, max_abs_a * max_abs_b);
  return static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max() / per_term);
}

namespace detail {

/// Largest |v - zero_point| over v in [lo, hi].
inline std::int64_t max_abs_offset(std::int64_t lo, std::int64_t hi, std::int64_t zero_point) {
  return std::max(std::llabs(lo - zero_point), std::llabs(hi - zero_point));
}

inline void check_k_bound(const char* function, std::size_t K, std::int64_t max_abs_a,
                          std::int64_t max_abs_b) {
  const std::size_t bound = max_exact_k(max_abs_a, max_abs_b);
  if (K > bound)
    fail(function, "K", K, ": exceeds the int32 accumulation bound ", bound,
         " for these operand ranges (K * ", max_abs_a, " * ", max_abs_b, " must be <= 2^31 - 1)");
}

inline void check_zero_point(const char* function, const char* name, std::int32_t zp,
                             std::int32_t lo, std::int32_t hi) {
  if (zp < lo || zp > hi)
    fail(function, name, zp, ": must lie in the operand's range [", lo, ", ", hi, "]");
}

inline void check_dims(const char* function, const char* name, std::size_t got, const char* what,
                       std::size_t expected) {
  if (got != expected) fail(function, name, got, ": must equal ", what, " (", expected, ")");
}

}  // namespace detail
}  // namespace qgemm
