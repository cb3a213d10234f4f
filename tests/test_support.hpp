// Shared test helpers: seeded data, padded matrices, and the 64-bit / Eigen references.
#pragma once

#include <gtest/gtest.h>
#include <Eigen/Core>
#include <qgemm/qgemm.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace qgemm_test {

using Rng = std::mt19937_64;

/// Row-major storage with a leading dimension larger than a row; padding holds a sentinel so a
/// test can see that nothing was written outside the view.
template <class T>
struct Matrix {
  std::size_t rows = 0, cols = 0, ld = 0;
  std::vector<T> storage;

  Matrix(std::size_t r, std::size_t c, std::size_t pad = 0, T fill = T{})
      : rows(r),
        cols(c),
        ld(qgemm::row_units<T>(c) + pad),
        storage(std::max<std::size_t>(1, r * ld), fill) {}

  qgemm::MatrixView<T> view() { return {storage.data(), rows, cols, ld}; }
  qgemm::MatrixView<const T> cview() const { return {storage.data(), rows, cols, ld}; }
  T& at(std::size_t r, std::size_t c) { return storage[r * ld + c]; }
  const T& at(std::size_t r, std::size_t c) const { return storage[r * ld + c]; }
};

template <class T>
void fill_uniform_int(Rng& rng, Matrix<T>& m, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t c = 0; c < m.cols; ++c) m.at(r, c) = static_cast<T>(dist(rng));
}

inline void fill_int4(Rng& rng, Matrix<qgemm::int4x2>& m, int lo = -8, int hi = 7) {
  std::uniform_int_distribution<int> dist(lo, hi);
  for (std::size_t r = 0; r < m.rows; ++r) {
    std::vector<std::int8_t> row(m.cols);
    for (auto& v : row) v = static_cast<std::int8_t>(dist(rng));
    qgemm::pack_int4(row.data(), m.cols, &m.at(r, 0));
  }
}

inline int int_at(const Matrix<qgemm::int4x2>& m, std::size_t r, std::size_t c) {
  return qgemm::int4_at(&m.at(r, 0), c);
}
template <class T>
int int_at(const Matrix<T>& m, std::size_t r, std::size_t c) {
  return static_cast<int>(m.at(r, c));
}

inline void fill_normal(Rng& rng, Matrix<float>& m, float mean = 0.0f, float stddev = 1.0f) {
  std::normal_distribution<float> dist(mean, stddev);
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t c = 0; c < m.cols; ++c) m.at(r, c) = dist(rng);
}

/// The specification of the integer gemm, in 64-bit arithmetic.
template <class TA, class TB>
std::vector<std::int64_t> reference_gemm(const Matrix<TA>& A, int za, const Matrix<TB>& B, int zb) {
  std::vector<std::int64_t> C(A.rows * B.rows, 0);
  for (std::size_t m = 0; m < A.rows; ++m)
    for (std::size_t n = 0; n < B.rows; ++n) {
      std::int64_t s = 0;
      for (std::size_t k = 0; k < A.cols; ++k)
        s += (static_cast<std::int64_t>(int_at(A, m, k)) - za) *
             (static_cast<std::int64_t>(int_at(B, n, k)) - zb);
      C[m * B.rows + n] = s;
    }
  return C;
}

using EigenRowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using EigenStrided = Eigen::Map<const EigenRowMajor, 0, Eigen::OuterStride<>>;

inline EigenStrided eigen_view(const Matrix<float>& m) {
  return EigenStrided(m.storage.data(), static_cast<Eigen::Index>(m.rows),
                      static_cast<Eigen::Index>(m.cols),
                      Eigen::OuterStride<>(static_cast<Eigen::Index>(m.ld)));
}

/// gamma_n = n u / (1 - n u), u = 2^-24: the classic bound on the relative error of an fp32
/// dot product of length n in any summation order (Higham, Accuracy and Stability, 3.1).
inline double gamma(std::size_t n) {
  const double u = std::ldexp(1.0, -24);
  return static_cast<double>(n) * u / (1.0 - static_cast<double>(n) * u);
}

/// Sets `target` to `value` for one scope, then puts the old value back (the library's tunable
/// thresholds, lowered so that small tests reach the paths large calls take).
template <class T>
class ScopedSetting {
 public:
  ScopedSetting(T& target, T value) : target_(target), saved_(target) { target_ = value; }
  ~ScopedSetting() { target_ = saved_; }
  ScopedSetting(const ScopedSetting&) = delete;
  ScopedSetting& operator=(const ScopedSetting&) = delete;

 private:
  T& target_;
  T saved_;
};

/// Every padding element of `m` still holds `sentinel`.
template <class T>
bool padding_untouched(const Matrix<T>& m, T sentinel) {
  const std::size_t units = qgemm::row_units<T>(m.cols);
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t c = units; c < m.ld; ++c)
      if (!(m.storage[r * m.ld + c] == sentinel)) return false;
  return true;
}

/// Shapes: empty, 1, primes, tile tails, deep K. One row over several blocks of channels
/// (1 x 101): one-row tiles of every width, 3, 3 and 1 panels of which the last is partial. A
/// few rows over blocks and blocks of K (5 x 100 x 1500), and 2-4 tiles of rows over deep K
/// (20 x 50 x 1500: s4 tiles of up to three tiles take all of K, blocking.hpp).
struct Shape {
  std::size_t M, N, K;
};
inline std::vector<Shape> shapes() {
  return {{0, 5, 7},     {5, 0, 7},       {5, 7, 0},    {1, 1, 1},      {1, 17, 33},   {3, 5, 7},
          {13, 31, 63},  {17, 65, 129},   {16, 16, 64}, {31, 33, 257},  {2, 3, 1031},  {65, 7, 11},
          {1, 40, 4099}, {263, 97, 1100}, {1, 101, 67}, {5, 100, 1500}, {20, 50, 1500}};
}
inline std::string shape_name(const Shape& s) {
  return std::to_string(s.M) + "x" + std::to_string(s.N) + "x" + std::to_string(s.K);
}
inline void PrintTo(const Shape& s, std::ostream* os) {
  *os << shape_name(s);
}

inline std::string isa_param_name(const testing::TestParamInfo<qgemm::Isa>& info) {
  return qgemm::isa_name(info.param);
}

}  // namespace qgemm_test
