// Calls of a few rows on weights larger than 8 L2s, which paths with wider one-row tiles (AVX2,
// AVX-VNNI) run a row at a time (driver/row_kernels.hpp): int8 bit-exact against the 64-bit
// reference, fp32 within the K-length bound against Eigen, on every path this CPU has.
#include <algorithm>
#include <utility>

#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::Isa;

/// Channels that make K-deep weights of `bytes_per_weight` larger than 8 L2s, plus a partial
/// block.
std::size_t channels_beyond_l2s(std::size_t K, std::size_t bytes_per_weight) {
  return 8 * qgemm::detail::cache_sizes().l2 / (K * bytes_per_weight) + 101;
}

// 8-bit weights, and 7-bit ones (AVX2 runs them on its byte tiles: avx2_byte_pairs.hpp).
TEST(RowKernels, FewRowsOfLargeInt8WeightsAreExact) {
  const std::size_t K = 1001, N = channels_beyond_l2s(K, 1);
  Rng rng(21);
  Matrix<std::uint8_t> A(16, K, 3);
  Matrix<std::int8_t> B(N, K, 5);
  fill_uniform_int(rng, A, 0, 255);
  for (const int b_lo : {-128, -64}) {
    fill_uniform_int(rng, B, b_lo, -b_lo - 1);
    for (const Isa isa : qgemm::available_isas())
      for (const std::size_t M : {2, 7, 16}) {
        Matrix<std::uint8_t> Am(M, K, 3);
        for (std::size_t m = 0; m < M; ++m)
          for (std::size_t k = 0; k < K; ++k) Am.at(m, k) = A.at(m, k);
        Matrix<std::int32_t> C(M, N, 2, -77);
        qgemm::gemm(Am.cview(), 128, B.cview(), 0, C.view(), {1, isa});
        const auto ref = reference_gemm(Am, 128, B, 0);
        for (std::size_t m = 0; m < M; ++m)
          for (std::size_t n = 0; n < N; ++n)
            ASSERT_EQ(C.at(m, n), ref[m * N + n])
                << qgemm::isa_name(isa) << " M=" << M << " m=" << m << " n=" << n;
        EXPECT_TRUE(padding_untouched(C, -77));
      }
  }
}

// s4 weights, which paths with wider one-row s4 tiles (AVX2, AVX-VNNI) run a row at a time up
// to kS4RowKernelsMaxRows (8) rows, and with their own tiles beyond: u8 activations with a zero
// point and s8 activations, weights at the nibbles' extremes in two channels, K odd.
template <class TA>
void check_few_rows_of_large_int4_weights(int a_lo, int a_hi, int za,
                                          std::initializer_list<std::size_t> rows) {
  const std::size_t K = 1001, N = channels_beyond_l2s((K + 1) / 2, 1);
  Rng rng(23 + a_lo);
  Matrix<qgemm::int4x2> B(N, K, 2);
  fill_int4(rng, B);
  // The nibbles' extremes: every weight of the first channel -8, of the last 7.
  for (const auto& [n, w] : {std::pair<std::size_t, int>{0, -8}, {N - 1, 7}}) {
    Matrix<qgemm::int4x2> row(1, K);
    fill_int4(rng, row, w, w);
    std::copy(row.storage.begin(), row.storage.end(), &B.at(n, 0));
  }
  for (const std::size_t M : rows) {
    Matrix<TA> A(M, K, 3);
    fill_uniform_int(rng, A, a_lo, a_hi);
    const auto ref = reference_gemm(A, za, B, 0);
    for (const Isa isa : qgemm::available_isas()) {
      Matrix<std::int32_t> C(M, N, 2, -77);
      qgemm::gemm(A.cview(), za, B.cview(), 0, C.view(), {1, isa});
      for (std::size_t m = 0; m < M; ++m)
        for (std::size_t n = 0; n < N; ++n)
          ASSERT_EQ(C.at(m, n), ref[m * N + n])
              << qgemm::isa_name(isa) << " M=" << M << " m=" << m << " n=" << n;
      EXPECT_TRUE(padding_untouched(C, -77));
    }
  }
}

TEST(RowKernels, FewRowsOfLargeInt4WeightsAreExact) {
  check_few_rows_of_large_int4_weights<std::uint8_t>(0, 255, 131, {2, 8, 9});
  check_few_rows_of_large_int4_weights<std::int8_t>(-128, 127, 0, {3});
}

TEST(RowKernels, FewRowsOfLargeFloatWeightsMatchEigen) {
  const std::size_t K = 700, N = channels_beyond_l2s(K, 4), M = 5;
  Rng rng(22);
  Matrix<float> A(M, K, 4), B(N, K, 1);
  fill_normal(rng, A);
  fill_normal(rng, B);
  const EigenRowMajor ref = eigen_view(A) * eigen_view(B).transpose();
  const EigenRowMajor abs_ref = eigen_view(A).cwiseAbs() * eigen_view(B).cwiseAbs().transpose();
  for (const Isa isa : qgemm::available_isas()) {
    Matrix<float> C(M, N, 3, -1.5f);
    qgemm::gemm(A.cview(), B.cview(), C.view(), {1, isa});
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t n = 0; n < N; ++n)
        ASSERT_NEAR(C.at(m, n), ref(m, n), 2.0 * gamma(K) * abs_ref(m, n) + 1e-30)
            << qgemm::isa_name(isa) << " m=" << m << " n=" << n;
    EXPECT_TRUE(padding_untouched(C, -1.5f));
  }
}

}  // namespace
