// fp32 gemm on every available path against Eigen.
//
// Tolerance: both qgemm and Eigen compute each dot product of length K in fp32, in different
// orders; each is within gamma_K * sum|a||b| of the exact value, so they differ by at most
// 2 gamma_K * sum|a||b| (+ the bias/activation rounding, u * |bias|). We check exactly that bound.
#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::Isa;

class F32Gemm : public testing::TestWithParam<std::tuple<Isa, Shape>> {
 protected:
  void run(const qgemm::Epilogue& epilogue, const std::vector<float>& bias, int threads) {
    const Isa isa = std::get<0>(GetParam());
    const Shape s = std::get<1>(GetParam());
    Rng rng(42 + s.M + 3 * s.N + 5 * s.K);
    Matrix<float> A(s.M, s.K, 4), B(s.N, s.K, 1), C(s.M, s.N, 3, -1.5f);
    fill_normal(rng, A);
    fill_normal(rng, B, 0.25f, 2.0f);
    qgemm::gemm(A.cview(), B.cview(), C.view(), {threads, isa}, epilogue);

    const EigenRowMajor ref = eigen_view(A) * eigen_view(B).transpose();
    const EigenRowMajor abs_ref =
        eigen_view(A).cwiseAbs().cast<float>() * eigen_view(B).cwiseAbs().transpose();
    const double u = std::ldexp(1.0, -24);
    for (std::size_t m = 0; m < s.M; ++m)
      for (std::size_t n = 0; n < s.N; ++n) {
        double expected = ref(m, n) + (bias.empty() ? 0.0 : bias[n]);
        if (epilogue.activation == qgemm::Activation::ReLU) expected = std::max(expected, 0.0);
        if (epilogue.activation == qgemm::Activation::Clamp)
          expected =
              std::min(std::max(expected, double(epilogue.clamp_min)), double(epilogue.clamp_max));
        const double bound = 2.0 * gamma(s.K + 2) * abs_ref(m, n) * (1.0 + 4 * u) +
                             2 * u * (bias.empty() ? 0.0 : std::abs(bias[n])) + 1e-30;
        ASSERT_NEAR(C.at(m, n), expected, bound) << "m=" << m << " n=" << n;
      }
    EXPECT_TRUE(padding_untouched(C, -1.5f));
  }
};

TEST_P(F32Gemm, MatchesEigen) {
  run({}, {}, 1);
}

TEST_P(F32Gemm, BiasAndReluMatchEigen) {
  const Shape s = std::get<1>(GetParam());
  std::vector<float> bias(s.N);
  for (std::size_t n = 0; n < s.N; ++n) bias[n] = 0.1f * static_cast<float>(n % 9) - 0.4f;
  qgemm::Epilogue e{bias.data(), qgemm::Activation::ReLU};
  run(e, bias, 1);
}

TEST_P(F32Gemm, ClampMatchesEigen) {
  qgemm::Epilogue e{nullptr, qgemm::Activation::Clamp, -1.0f, 2.5f};
  run(e, {}, 1);
}

TEST_P(F32Gemm, TwoThreadsMatchEigen) {
  run({}, {}, 2);
}

std::string f32_name(const testing::TestParamInfo<std::tuple<Isa, Shape>>& info) {
  return std::string(qgemm::isa_name(std::get<0>(info.param))) + "_" +
         shape_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllPaths, F32Gemm,
                         testing::Combine(testing::ValuesIn(qgemm::available_isas()),
                                          testing::ValuesIn(shapes())),
                         f32_name);

// A read in place by the AVX-512 tiles of 6 rows x 64 channels (from 48 rows: wide_tiles_pay):
// last tiles of 2, 3 and 1 panels that start in each panel of a block and reach into the next
// (N = 100, 176, 1040), short tiles of 1-5 rows, K whole and in blocks (K = 1100, N <= 128).
std::vector<Shape> wide_tile_shapes() {
  return {{53, 100, 1100}, {48, 64, 8}, {97, 176, 1000}, {50, 1040, 64}, {61, 112, 300}};
}
INSTANTIATE_TEST_SUITE_P(WideTiles, F32Gemm,
                         testing::Combine(testing::ValuesIn(qgemm::available_isas()),
                                          testing::ValuesIn(wide_tile_shapes())),
                         f32_name);

TEST(F32Gemm, ThreadCountDoesNotChangeResults) {
  Rng rng(5);
  Matrix<float> A(37, 300), B(29, 300), C1(37, 29), C2(37, 29);
  fill_normal(rng, A);
  fill_normal(rng, B);
  qgemm::gemm(A.cview(), B.cview(), C1.view(), {1});
  qgemm::gemm(A.cview(), B.cview(), C2.view(), {2});
  EXPECT_EQ(C1.storage, C2.storage);
}

// Rows of A 128 KiB apart crowd the L1 and L2 sets they share, so the AVX2 and AVX-512 paths
// pack them (tile_rows_crowd_l1, rows_crowd_l2); 4 elements of padding leave them in place.
// Same FMAs in the same order either way: the same bits, on every path.
TEST(F32Gemm, PackedAndInPlaceActivationsGiveTheSameBits) {
  Rng rng(8);
  const std::size_t M = 40, N = 70, K = 300;
  Matrix<float> far(M, K, 32768 - K), near(M, K, 4), B(N, K);
  fill_normal(rng, near);
  fill_normal(rng, B);
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t k = 0; k < K; ++k) far.at(m, k) = near.at(m, k);
  for (const Isa isa : qgemm::available_isas()) {
    Matrix<float> C1(M, N), C2(M, N);
    qgemm::gemm(far.cview(), B.cview(), C1.view(), {1, isa});
    qgemm::gemm(near.cview(), B.cview(), C2.view(), {1, isa});
    EXPECT_EQ(C1.storage, C2.storage) << qgemm::isa_name(isa);
  }
}

}  // namespace

namespace {

using namespace qgemm_test;

TEST(PackedFloatWeights, HoldsTheWeightsAndGivesTheSameProduct) {
  Rng rng(77);
  for (const Shape& s : {Shape{5, 53, 19}, Shape{70, 100, 700}, Shape{1, 1, 1}}) {
    Matrix<float> A(s.M, s.K, 1), B(s.N, s.K, 3), C1(s.M, s.N), C2(s.M, s.N);
    fill_normal(rng, A);
    fill_normal(rng, B);
    const auto W = qgemm::PackedFloatWeights::pack(B.cview());
    ASSERT_EQ(W.rows(), s.N);
    ASSERT_EQ(W.cols(), s.K);
    EXPECT_EQ(W.padded_rows() % 48, 0u);
    for (std::size_t n = 0; n < s.N; ++n)
      for (std::size_t k = 0; k < s.K; ++k) ASSERT_EQ(W.value(n, k), B.at(n, k));
    std::vector<float> bias(s.N, 0.5f);
    const qgemm::Epilogue e{bias.data(), qgemm::Activation::ReLU};
    for (qgemm::Isa isa : qgemm::available_isas()) {
      qgemm::gemm(A.cview(), B.cview(), C1.view(), {1, isa}, e);
      qgemm::gemm(A.cview(), W, C2.view(), {1, isa}, e);
      EXPECT_EQ(C1.storage, C2.storage) << qgemm::isa_name(isa) << " " << shape_name(s);
    }
  }
}

TEST(PackedFloatWeights, RefusesBadViewsAndShapes) {
  EXPECT_THROW(qgemm::PackedFloatWeights::pack(qgemm::MatrixView<const float>(nullptr, 2, 3)),
               qgemm::Error);
  std::vector<float> w(6, 1.0f), a(4, 1.0f), c(2, 9.0f);
  const auto W = qgemm::PackedFloatWeights::pack({w.data(), 2, 3});
  EXPECT_THROW(qgemm::gemm(qgemm::MatrixView<const float>(a.data(), 1, 4), W, {c.data(), 1, 2}),
               qgemm::Error);
  EXPECT_EQ(c[0], 9.0f);
}

}  // namespace
