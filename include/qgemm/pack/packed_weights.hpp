// Weights quantized and laid out once, for many GEMM / linear calls.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../int4.hpp"
#include "../matrix_view.hpp"
#include "../quant/calibrate.hpp"
#include "../quant/quant_params.hpp"
#include "../quant/quantize.hpp"
#include "aligned_vector.hpp"
#include "panel_layout.hpp"

namespace qgemm {

/// Integer storage of packed weights.
enum class WeightFormat {
  s8,  ///< one signed byte per weight, 2..8 bits
  s4,  ///< two weights per byte, 2..4 bits
};

inline const char* weight_format_name(WeightFormat f) {
  return f == WeightFormat::s8 ? "s8" : "s4";
}

/// How PackedWeights::quantize turns fp32 weights into integers (always symmetric, zero point 0,
/// min-max scales: scale = max |w| / (2^(bits-1) - 1) over the tensor, the row or the group).
struct WeightQuantOptions {
  WeightFormat format = WeightFormat::s8;
  int bits = 0;  ///< 0: the format's width (8 for s8, 4 for s4)
  Granularity granularity = Granularity::PerChannel;
  std::size_t group_size = 128;  ///< PerGroup only: columns per group, a multiple of 4
};

/// A weight matrix W [N x K] (nn.Linear layout: out features x in features), quantized
/// symmetrically, with its per-channel or per-group scales, stored in the panel layout the kernels
/// read (pack/panel_layout.hpp), and with the per-group column sums sum_k W[n][k] that the
/// zero-point and signed-activation corrections need. Read values back with value() or unpack().
class PackedWeights {
 public:
  PackedWeights() = default;

  /// Quantizes fp32 weights [N x K] and packs them. Throws Error on NaN/Inf, bad options.
  static PackedWeights quantize(MatrixView<const float> w, const WeightQuantOptions& options = {}) {
    constexpr const char* fn = "qgemm::PackedWeights::quantize";
    detail::check_view(fn, "w", w);
    detail::check_finite(fn, "w", w);
    const int bits =
        options.bits != 0 ? options.bits : (options.format == WeightFormat::s8 ? 8 : 4);
    check_format_bits(fn, "options.bits", options.format, bits);
    std::size_t group_size = 0;  // per channel
    if (options.granularity == Granularity::PerGroup) {
      check_group_size(fn, "options.group_size", options.group_size);
      group_size = options.group_size;
    }
    CalibrationOptions calibration{bits, Clip::MinMax, true};
    GroupedQuantParams params;
    if (w.empty()) {
      params = empty_params(w.rows(), w.cols(), bits, group_size);
    } else if (options.granularity == Granularity::PerTensor) {
      const QuantParams t = calibrate(w, calibration);
      params = GroupedQuantParams::per_channel(w.rows(), w.cols(), bits,
                                               std::vector<float>(w.rows(), t.scale));
    } else {
      params = calibrate_grouped(w, group_size, calibration);
    }
    std::vector<std::int8_t> q(w.rows() * w.cols());
    if (!w.empty())
      qgemm::quantize(w, params, MatrixView<std::int8_t>(q.data(), w.rows(), w.cols()));
    PackedWeights packed(options.format, std::move(params));
    for (std::size_t n = 0; n < w.rows(); ++n) packed.store_row(n, q.data() + n * w.cols());
    return packed;
  }

  /// Packs int8 weights that are already quantized with symmetric `params` (s8 storage).
  static PackedWeights pack(MatrixView<const std::int8_t> q, GroupedQuantParams params) {
    return pack_integers("qgemm::PackedWeights::pack", WeightFormat::s8, q, std::move(params));
  }

  /// Packs int4 weights (int4x2, two's complement) quantized with symmetric `params` (s4 storage).
  static PackedWeights pack(MatrixView<const int4x2> q, GroupedQuantParams params) {
    return pack_integers("qgemm::PackedWeights::pack", WeightFormat::s4, q, std::move(params));
  }

  /// Packs plain integers with unit scales, for the integer gemm on raw weights.
  template <class T>
  static PackedWeights pack_unscaled(const char* function, MatrixView<const T> q) {
    constexpr WeightFormat format =
        detail::storage_bits<T>() == 4 ? WeightFormat::s4 : WeightFormat::s8;
    return pack_integers(
        function, format, q,
        GroupedQuantParams::per_channel(q.rows(), q.cols(), detail::storage_bits<T>(),
                                        std::vector<float>(q.rows(), 1.0f)));
  }

  std::size_t rows() const { return params_.rows; }  ///< N, output channels
  std::size_t cols() const { return params_.cols; }  ///< K, input features
  WeightFormat format() const { return format_; }
  int bits() const { return params_.bits; }
  const GroupedQuantParams& params() const { return params_; }
  /// Blocks of 48 channels (pack/panel_layout.hpp); N is padded with zero weights to a whole
  /// number of blocks.
  std::size_t blocks() const { return pack::block_count(rows()); }
  std::size_t padded_rows() const { return blocks() * pack::kBlockWidth; }
  /// K padded with zero weights to the storage's group (4 for s8, 8 for s4).
  std::size_t padded_k() const { return pack::padded_k(cols(), format_ == WeightFormat::s4); }
  /// Bytes of one block of 48 channels.
  std::size_t block_bytes() const {
    const std::size_t bytes = pack::s8_block_bytes(padded_k());
    return format_ == WeightFormat::s8 ? bytes : bytes / 2;
  }
  const std::uint8_t* block_data(std::size_t block) const {
    return data_.data() + block * block_bytes();
  }
  /// sum_k W[n][k] over group g of K (the whole row unless per group); 0 for padding channels.
  std::int32_t column_sum(std::size_t n, std::size_t group) const {
    return col_sums_[pack::group_vector_index(n, group, params_.groups_per_row())];
  }
  /// Every column sum, at pack::group_vector_index(n, g, groups).
  const std::int32_t* column_sums_data() const { return col_sums_.data(); }

  /// Whether every pair of weights k = 2j, 2j + 1 of every channel has |w0| + |w1| <= 128: true
  /// for weights of up to 7 bits and for s4. A u8 x s8 pair of products then fits int16
  /// (255 * 128 = 32640), and the AVX2 path without VNNI multiplies bytes (vpmaddubsw), exactly,
  /// instead of widening them to int16: about 1.4x its int8 speed (README, "int8 on AVX2").
  bool pairs_fit_int16() const { return pairs_fit_int16_; }

  /// Every scale, at pack::group_vector_index(n, g, groups) (0 for padding channels): the
  /// layout the per-group epilogue reads.
  const float* group_scales_data() const { return group_scales_.data(); }

  /// The integer weight at (n, k).
  int value(std::size_t n, std::size_t k) const {
    if (format_ == WeightFormat::s8)
      return static_cast<std::int8_t>(data_[pack::s8_offset(n, k, padded_k())]);
    const unsigned byte = data_[pack::s4_offset(n, k, padded_k())];
    return static_cast<int>(pack::s4_nibble(k) ? byte >> 4 : byte & 0xFu) - 8;
  }

  /// A copy whose channel n has every scale multiplied by factors[n] (finite, > 0): the same
  /// integers, dequantized to factors[n] times the values.
  PackedWeights with_scaled_channels(const std::vector<float>& factors) const {
    constexpr const char* fn = "qgemm::PackedWeights::with_scaled_channels";
    if (factors.size() != rows())
      detail::fail(fn, "factors.size()", factors.size(), ": must equal rows() = ", rows());
    PackedWeights out = *this;
    const std::size_t groups = params_.groups_per_row();
    for (std::size_t n = 0; n < rows(); ++n) {
      if (!(factors[n] > 0.0f) || !std::isfinite(factors[n]))
        detail::fail(fn, "factors[" + std::to_string(n) + "]", factors[n],
                     ": must be finite and > 0");
      for (std::size_t g = 0; g < groups; ++g) out.params_.scales[n * groups + g] *= factors[n];
    }
    detail::check_params(fn, "scaled params", out.params_);
    out.transpose_scales();
    return out;
  }

  /// Writes the integer weights as int8 into `out` [N x K].
  void unpack(MatrixView<std::int8_t> out) const {
    constexpr const char* fn = "qgemm::PackedWeights::unpack";
    detail::check_view(fn, "out", out);
    if (out.rows() != rows() || out.cols() != cols())
      detail::fail(fn, "out.rows x out.cols", out.rows(), " x ", out.cols(), ": must be ", rows(),
                   " x ", cols());
    for (std::size_t n = 0; n < rows(); ++n)
      for (std::size_t k = 0; k < cols(); ++k) out(n, k) = static_cast<std::int8_t>(value(n, k));
  }

 private:
  PackedWeights(WeightFormat format, GroupedQuantParams params)
      : format_(format), params_(std::move(params)) {
    // s4 padding is code 8 (weight 0), s8 padding is 0.
    data_.assign(block_bytes() * blocks(), format_ == WeightFormat::s4 ? 0x88 : 0);
    col_sums_.assign(params_.groups_per_row() * padded_rows(), 0);
    transpose_scales();
  }

  void transpose_scales() {
    const std::size_t groups = params_.groups_per_row();
    group_scales_.assign(groups * padded_rows(), 0.0f);
    for (std::size_t n = 0; n < rows(); ++n)
      for (std::size_t g = 0; g < groups; ++g)
        group_scales_[pack::group_vector_index(n, g, groups)] = params_.scales[n * groups + g];
  }

  static GroupedQuantParams empty_params(std::size_t rows, std::size_t cols, int bits,
                                         std::size_t group_size) {
    GroupedQuantParams p =
        GroupedQuantParams::per_group(rows, cols, group_size ? group_size : cols, bits, {});
    p.scales.assign(rows * p.groups_per_row(), 1.0f);
    return p;
  }

  static void check_format_bits(const char* fn, const char* name, WeightFormat format, int bits) {
    const int max_bits = format == WeightFormat::s8 ? 8 : 4;
    if (bits < 2 || bits > max_bits)
      detail::fail(fn, name, bits, ": ", weight_format_name(format), " weights take 2..", max_bits,
                   " bits");
  }

  static void check_group_size(const char* fn, const char* name, std::size_t group_size) {
    if (group_size == 0 || group_size % 4 != 0)
      detail::fail(fn, name, group_size, ": a group size must be a positive multiple of 4");
  }

  template <class T>
  static PackedWeights pack_integers(const char* fn, WeightFormat format, MatrixView<const T> q,
                                     GroupedQuantParams params) {
    detail::check_view(fn, "q", q);
    check_format_bits(fn, "params.bits", format, params.bits);
    detail::check_params(fn, "params", params);
    if (!params.is_signed) detail::fail(fn, "params.is_signed", "false", ": weights are signed");
    if (!params.symmetric())
      detail::fail(fn, "params.zero_points", "non-zero",
                   ": weights must be symmetric (zero point 0)");
    detail::check_grouped_shape(fn, params, q.rows(), q.cols());
    if (params.granularity() == Granularity::PerGroup)
      check_group_size(fn, "params.group_size", params.group_size);
    const QuantParams range{1.0f, 0, params.bits, true};  // symmetric: the same for every group
    for (std::size_t n = 0; n < q.rows(); ++n)
      for (std::size_t k = 0; k < q.cols(); ++k) {
        const int v = detail::load_integer(q.row(n), k);
        if (v < range.qmin() || v > range.qmax())
          detail::fail(fn, "q(" + std::to_string(n) + ", " + std::to_string(k) + ")", v,
                       ": outside the ", params.bits, "-bit range [", range.qmin(), ", ",
                       range.qmax(), "]");
      }
    PackedWeights packed(format, std::move(params));
    std::vector<std::int8_t> row(q.cols());
    for (std::size_t n = 0; n < q.rows(); ++n) {
      for (std::size_t k = 0; k < q.cols(); ++k)
        row[k] = static_cast<std::int8_t>(detail::load_integer(q.row(n), k));
      packed.store_row(n, row.data());
    }
    return packed;
  }

  void store_row(std::size_t n, const std::int8_t* values) {
    const std::size_t K = params_.cols, kp = padded_k();
    const std::size_t groups = params_.groups_per_row();
    const std::size_t group_size = groups == 1 ? K : params_.group_size;
    for (std::size_t k = 0; k + 1 < K; k += 2)
      if (std::abs(int{values[k]}) + std::abs(int{values[k + 1]}) > 128) pairs_fit_int16_ = false;
    for (std::size_t k = 0; k < K; ++k) {
      col_sums_[pack::group_vector_index(n, k / group_size, groups)] += values[k];
      if (format_ == WeightFormat::s8) {
        data_[pack::s8_offset(n, k, kp)] = static_cast<std::uint8_t>(values[k]);
      } else {
        std::uint8_t& byte = data_[pack::s4_offset(n, k, kp)];
        const unsigned code = static_cast<unsigned>(values[k] + 8);
        byte = static_cast<std::uint8_t>(pack::s4_nibble(k) ? (byte & 0x0Fu) | (code << 4)
                                                            : (byte & 0xF0u) | code);
      }
    }
  }

  WeightFormat format_ = WeightFormat::s8;
  GroupedQuantParams params_;
  pack::AlignedVector<std::uint8_t> data_;  ///< panels (pack/panel_layout.hpp), line-aligned
  std::vector<std::int32_t> col_sums_;      ///< [block][group][48], pack::group_vector_index
  std::vector<float> group_scales_;         ///< params_.scales in the same layout
  bool pairs_fit_int16_ = true;             ///< see pairs_fit_int16()
};

}  // namespace qgemm
