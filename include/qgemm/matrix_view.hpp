// Non-owning row-major matrix views with a leading dimension.
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>

#include "error.hpp"
#include "int4.hpp"

namespace qgemm {

/// Storage units (elements of T) taken by one row of `cols` logical elements.
/// For int4x2 a unit holds two elements; for every other type one.
template <class T>
constexpr std::size_t row_units(std::size_t cols) {
  if constexpr (std::is_same_v<std::remove_const_t<T>, int4x2>) {
    return int4_bytes(cols);
  } else {
    return cols;
  }
}

/// A row-major view of `rows` x `cols` elements; row r starts at data + r * ld.
/// `ld` (leading dimension) counts storage units of T: elements, or bytes for int4x2, whose
/// `cols` still counts int4 elements. The view owns nothing and never reallocates.
template <class T>
class MatrixView {
 public:
  using element_type = T;

  constexpr MatrixView() = default;
  /// A dense view: ld = the storage of one row.
  constexpr MatrixView(T* data, std::size_t rows, std::size_t cols)
      : data_(data), rows_(rows), cols_(cols), ld_(row_units<T>(cols)) {}
  constexpr MatrixView(T* data, std::size_t rows, std::size_t cols, std::size_t ld)
      : data_(data), rows_(rows), cols_(cols), ld_(ld) {}
  /// A view of mutable data converts to a view of const data.
  template <class U, class = std::enable_if_t<std::is_same_v<const U, T> && !std::is_same_v<U, T>>>
  constexpr MatrixView(const MatrixView<U>& other)  // NOLINT(google-explicit-constructor)
      : data_(other.data()), rows_(other.rows()), cols_(other.cols()), ld_(other.ld()) {}

  constexpr T* data() const { return data_; }
  constexpr std::size_t rows() const { return rows_; }
  constexpr std::size_t cols() const { return cols_; }
  constexpr std::size_t ld() const { return ld_; }
  constexpr bool empty() const { return rows_ == 0 || cols_ == 0; }

  constexpr T* row(std::size_t r) const { return data_ + r * ld_; }
  /// Element access for byte-or-wider types (int4 rows are read with int4_at).
  constexpr T& operator()(std::size_t r, std::size_t c) const { return data_[r * ld_ + c]; }

 private:
  T* data_ = nullptr;
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::size_t ld_ = 0;
};

template <class T>
using ConstMatrixView = MatrixView<const T>;

namespace detail {

/// Checks a view before any work: non-null data when it holds elements, a leading dimension
/// that covers a row, and a span whose size fits in size_t.
template <class T>
void check_view(const char* function, const char* name, const MatrixView<T>& v) {
  if (v.empty()) return;
  if (v.data() == nullptr)
    fail(function, member(name, "data"), "null with ", v.rows(), " x ", v.cols(), " elements");
  const std::size_t units = row_units<T>(v.cols());
  if (v.ld() < units)
    fail(function, member(name, "ld"), v.ld(), ": must be >= the ", units,
         " storage units of one row (cols = ", v.cols(), ")");
  if (v.rows() > 1 && v.ld() > std::numeric_limits<std::size_t>::max() / sizeof(T) / v.rows())
    fail(function, member(name, "rows"), v.rows(), ": rows * ld overflows size_t");
}

}  // namespace detail
}  // namespace qgemm
