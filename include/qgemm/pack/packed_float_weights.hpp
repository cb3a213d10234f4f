// fp32 weights laid out once for many fp32 GEMM calls (as a weight reorder in other libraries).
#pragma once

#include <cstddef>

#include "../error.hpp"
#include "../matrix_view.hpp"
#include "aligned_vector.hpp"
#include "panel_layout.hpp"

namespace qgemm {

/// A weight matrix W [N x K] (nn.Linear layout) in the panel geometry of pack/panel_layout.hpp
/// with groups of one k: for each k a 48-channel block stores 48 floats (192 bytes), 16 per
/// panel. N is padded with zero weights to whole blocks.
class PackedFloatWeights {
 public:
  PackedFloatWeights() = default;

  static PackedFloatWeights pack(MatrixView<const float> w) {
    detail::check_view("qgemm::PackedFloatWeights::pack", "w", w);
    PackedFloatWeights p;
    p.rows_ = w.rows();
    p.cols_ = w.cols();
    p.data_.assign(p.blocks() * p.block_floats(), 0.0f);
    for (std::size_t n = 0; n < w.rows(); ++n)
      for (std::size_t k = 0; k < w.cols(); ++k) p.data_[p.offset(n, k)] = w(n, k);
    return p;
  }

  std::size_t rows() const { return rows_; }  ///< N
  std::size_t cols() const { return cols_; }  ///< K
  std::size_t blocks() const { return pack::block_count(rows_); }
  std::size_t padded_rows() const { return blocks() * pack::kBlockWidth; }
  const float* block_data(std::size_t block) const { return data_.data() + block * block_floats(); }
  float value(std::size_t n, std::size_t k) const { return data_[offset(n, k)]; }

 private:
  std::size_t block_floats() const { return cols_ * pack::kBlockWidth; }
  std::size_t offset(std::size_t n, std::size_t k) const {
    return pack::panel_offset(n - n % pack::kPanelWidth, cols_) / sizeof(float) +
           k * (pack::kGroupStride / sizeof(float)) + n % pack::kPanelWidth;
  }

  std::size_t rows_ = 0, cols_ = 0;
  pack::AlignedVector<float> data_;
};

}  // namespace qgemm
