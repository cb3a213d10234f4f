// Affine quantization parameters: per tensor, and per row-and-group of a [rows x cols] matrix.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../error.hpp"

namespace qgemm {

/// Affine quantization of one tensor:  real = scale * (q - zero_point),
/// q an integer of `bits` bits, in [-2^(bits-1), 2^(bits-1) - 1] when signed, [0, 2^bits - 1] when
/// not.
struct QuantParams {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
  int bits = 8;
  bool is_signed = true;

  constexpr std::int32_t qmin() const { return is_signed ? -(1 << (bits - 1)) : 0; }
  constexpr std::int32_t qmax() const {
    return is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  }
};

/// How many (scale, zero point) pairs a matrix has.
enum class Granularity {
  PerTensor,   ///< one pair for the whole matrix
  PerChannel,  ///< one pair per row (an output channel of an [N x K] weight)
  PerGroup,    ///< one pair per row and run of `group_size` consecutive columns (groups of K)
};

/// Parameters of a [rows x cols] matrix with one (scale, zero point) per row and group of
/// `group_size` consecutive columns: element (r, c) uses index r * groups_per_row() + c /
/// group_size. Per-channel is the case group_size >= cols (one group per row).
struct GroupedQuantParams {
  int bits = 8;
  bool is_signed = true;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::size_t group_size = 0;
  std::vector<float> scales;              ///< rows * groups_per_row(), row-major
  std::vector<std::int32_t> zero_points;  ///< same size as scales, or empty for all zero

  std::size_t groups_per_row() const {
    if (cols == 0) return 1;
    return group_size >= cols ? 1 : (cols + group_size - 1) / group_size;
  }
  Granularity granularity() const {
    return groups_per_row() == 1 ? Granularity::PerChannel : Granularity::PerGroup;
  }
  bool symmetric() const {
    for (std::int32_t z : zero_points)
      if (z != 0) return false;
    return true;
  }
  QuantParams at(std::size_t row, std::size_t group) const {
    const std::size_t i = row * groups_per_row() + group;
    return QuantParams{scales[i], zero_points.empty() ? 0 : zero_points[i], bits, is_signed};
  }

  /// One pair per row: `scales` (and `zero_points`, if given) hold `rows` entries.
  static GroupedQuantParams per_channel(std::size_t rows, std::size_t cols, int bits,
                                        std::vector<float> scales,
                                        std::vector<std::int32_t> zero_points = {},
                                        bool is_signed = true) {
    return GroupedQuantParams{
        bits, is_signed, rows, cols, cols, std::move(scales), std::move(zero_points)};
  }
  /// One pair per row and group of `group_size` columns.
  static GroupedQuantParams per_group(std::size_t rows, std::size_t cols, std::size_t group_size,
                                      int bits, std::vector<float> scales,
                                      std::vector<std::int32_t> zero_points = {},
                                      bool is_signed = true) {
    return GroupedQuantParams{
        bits, is_signed, rows, cols, group_size, std::move(scales), std::move(zero_points)};
  }
};

namespace detail {

inline void check_bits(const char* function, const std::string& name, int bits) {
  if (bits < 2 || bits > 8) fail(function, name, bits, ": bits must be in 2..8");
}

/// A scale must be a positive normal float so that 1 / scale is finite too.
inline void check_scale(const char* function, const std::string& name, float scale) {
  if (!(scale > 0.0f) || !std::isfinite(scale) || scale < std::numeric_limits<float>::min())
    fail(function, name, scale, ": scale must be a finite, positive, normal float");
}

inline void check_params(const char* function, const std::string& name, const QuantParams& p) {
  check_bits(function, name + ".bits", p.bits);
  check_scale(function, name + ".scale", p.scale);
  if (p.zero_point < p.qmin() || p.zero_point > p.qmax())
    fail(function, name + ".zero_point", p.zero_point, ": must lie in the ", p.bits, "-bit ",
         p.is_signed ? "signed" : "unsigned", " range [", p.qmin(), ", ", p.qmax(), "]");
}

inline void check_params(const char* function, const std::string& name,
                         const GroupedQuantParams& p) {
  check_bits(function, name + ".bits", p.bits);
  if (p.cols > 0 && p.group_size == 0)
    fail(function, name + ".group_size", 0, ": must be > 0 (use >= cols for per-channel)");
  const std::size_t expected = p.rows * p.groups_per_row();
  if (p.scales.size() != expected)
    fail(function, name + ".scales.size()", p.scales.size(),
         ": expected rows * groups = ", expected);
  if (!p.zero_points.empty() && p.zero_points.size() != expected)
    fail(function, name + ".zero_points.size()", p.zero_points.size(),
         ": expected 0 (all zero) or rows * groups = ", expected);
  for (std::size_t i = 0; i < p.scales.size(); ++i) {
    QuantParams q{p.scales[i], p.zero_points.empty() ? 0 : p.zero_points[i], p.bits, p.is_signed};
    check_params(function, name + "[" + std::to_string(i) + "]", q);
  }
}

}  // namespace detail
}  // namespace qgemm
