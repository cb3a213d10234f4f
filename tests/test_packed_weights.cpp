// PackedWeights: quantization options, the values it stores, and its round trips.
#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::Granularity;
using qgemm::PackedWeights;
using qgemm::WeightFormat;

struct PackCase {
  WeightFormat format;
  int bits;
  Granularity granularity;
  std::size_t group;
};

void PrintTo(const PackCase& c, std::ostream* os) {
  *os << qgemm::weight_format_name(c.format) << " bits " << c.bits << " group " << c.group;
}

class PackedWeightsCases : public testing::TestWithParam<PackCase> {};

// The stored integers equal quantize() with the stored params; dequantizing them stays within
// half a step of the fp32 weights (min-max clipping clips nothing).
TEST_P(PackedWeightsCases, StoresTheQuantizedWeights) {
  const PackCase pc = GetParam();
  for (std::size_t K : {1u, 2u, 7u, 64u, 129u, 300u}) {
    Rng rng(K);
    Matrix<float> w(9, K, 2);
    fill_normal(rng, w, 0.0f, 0.3f);
    const auto W =
        PackedWeights::quantize(w.cview(), {pc.format, pc.bits, pc.granularity, pc.group});
    ASSERT_EQ(W.rows(), 9u);
    ASSERT_EQ(W.cols(), K);
    EXPECT_EQ(W.format(), pc.format);
    const int bits = pc.bits ? pc.bits : (pc.format == WeightFormat::s8 ? 8 : 4);
    EXPECT_EQ(W.bits(), bits);
    const auto& p = W.params();
    EXPECT_TRUE(p.symmetric());
    if (pc.granularity == Granularity::PerGroup && pc.group < K) {
      EXPECT_EQ(p.granularity(), Granularity::PerGroup);
    } else {
      EXPECT_EQ(p.groups_per_row(), 1u);
    }
    if (pc.granularity == Granularity::PerTensor) {
      for (float s : p.scales) EXPECT_EQ(s, p.scales[0]);
    }
    Matrix<std::int8_t> q(9, K);
    W.unpack(q.view());
    Matrix<std::int8_t> expect(9, K);
    qgemm::quantize(w.cview(), p, expect.view());
    EXPECT_EQ(q.storage, expect.storage);
    for (std::size_t n = 0; n < 9; ++n)
      for (std::size_t k = 0; k < K; ++k) {
        const float scale = p.at(n, k / p.group_size).scale;
        ASSERT_LE(std::abs(scale * q.at(n, k) - w.at(n, k)), 0.5f * scale * 1.0001f);
        ASSERT_EQ(W.value(n, k), q.at(n, k));
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, PackedWeightsCases,
                         testing::Values(PackCase{WeightFormat::s8, 0, Granularity::PerChannel, 0},
                                         PackCase{WeightFormat::s8, 0, Granularity::PerTensor, 0},
                                         PackCase{WeightFormat::s8, 6, Granularity::PerGroup, 32},
                                         PackCase{WeightFormat::s4, 0, Granularity::PerChannel, 0},
                                         PackCase{WeightFormat::s4, 0, Granularity::PerGroup, 32},
                                         PackCase{WeightFormat::s4, 3, Granularity::PerGroup, 128},
                                         PackCase{WeightFormat::s4, 2, Granularity::PerGroup, 4}));

TEST(PackedWeights, PackInt4RoundTripsThroughTheKernelLayout) {
  Rng rng(8);
  Matrix<qgemm::int4x2> q(6, 37, 3);
  fill_int4(rng, q);
  const auto W = PackedWeights::pack(q.cview(), qgemm::GroupedQuantParams::per_group(
                                                    6, 37, 8, 4, std::vector<float>(6 * 5, 0.1f)));
  EXPECT_EQ(W.format(), WeightFormat::s4);
  EXPECT_EQ(W.padded_k(), 40u);
  EXPECT_EQ(W.block_bytes(), 40u / 2 * 48);
  EXPECT_EQ(W.padded_rows(), 48u);
  for (std::size_t n = 0; n < 6; ++n)
    for (std::size_t k = 0; k < 37; ++k) ASSERT_EQ(W.value(n, k), int_at(q, n, k));
  for (std::size_t k = 37; k < 40; ++k)
    EXPECT_EQ(W.value(0, k), 0) << "padding of K codes weight 0 (offset binary 8)";
  EXPECT_EQ(W.value(6, 0), 0) << "padding channels hold zeros";
}

TEST(PackedWeights, ColumnSumsPerGroup) {
  Rng rng(9);
  Matrix<std::int8_t> q(19, 24);
  fill_uniform_int(rng, q, -128, 127);
  const auto W = PackedWeights::pack(
      q.cview(),
      qgemm::GroupedQuantParams::per_group(19, 24, 8, 8, std::vector<float>(19 * 3, 1.0f)));
  for (std::size_t g = 0; g < 3; ++g) {
    for (std::size_t n = 0; n < 19; ++n) {
      int s = 0;
      for (std::size_t k = 8 * g; k < 8 * g + 8; ++k) s += q.at(n, k);
      EXPECT_EQ(W.column_sum(n, g), s) << n << " " << g;
    }
    for (std::size_t n = 19; n < 48; ++n) EXPECT_EQ(W.column_sum(n, g), 0);
  }
}

TEST(PackedWeights, PackRejectsValuesOutsideTheParamsBits) {
  std::int8_t q[4] = {0, 1, 8, -3};  // 8 does not fit 4 bits
  EXPECT_THROW(PackedWeights::pack(qgemm::MatrixView<const std::int8_t>(q, 1, 4),
                                   qgemm::GroupedQuantParams::per_channel(1, 4, 4, {1.0f})),
               qgemm::Error);
}

TEST(PackedWeights, RejectsAsymmetricOrUnsignedParams) {
  std::int8_t q[4] = {0, 1, 2, 3};
  qgemm::MatrixView<const std::int8_t> v(q, 1, 4);
  EXPECT_THROW(PackedWeights::pack(v, qgemm::GroupedQuantParams::per_channel(1, 4, 8, {1.0f}, {2})),
               qgemm::Error);
  EXPECT_THROW(
      PackedWeights::pack(v, qgemm::GroupedQuantParams::per_channel(1, 4, 8, {1.0f}, {}, false)),
      qgemm::Error);
}

// pairs_fit_int16: |w[2j]| + |w[2j + 1]| <= 128 in every channel (the AVX2 byte products).
TEST(PackedWeights, PairsFitInt16ExactlyWhenEveryPairIsWithinTheBound) {
  using qgemm::GroupedQuantParams;
  using qgemm::PackedWeights;
  const auto pack = [](std::vector<std::int8_t> row) {
    const std::size_t K = row.size();
    return PackedWeights::pack({row.data(), 1, K},
                               GroupedQuantParams::per_channel(1, K, 8, {1.0f}));
  };
  EXPECT_TRUE(pack({127, 1, -128, 0, 64, 64, -64, -64}).pairs_fit_int16());
  EXPECT_FALSE(pack({127, 1, -128, 0, 64, 65}).pairs_fit_int16());
  EXPECT_FALSE(pack({0, 0, -127, -2}).pairs_fit_int16());
  EXPECT_FALSE(pack({5, 5, 0, 0, 0, 0, 0, 0, 100, 29}).pairs_fit_int16());  // a later group
  // Pairs are k = 2j, 2j + 1: 100 and 100 at k = 1, 2 are in different pairs; an odd K's last
  // weight pairs with the zero padding.
  EXPECT_TRUE(pack({0, 100, 100, 0, -128}).pairs_fit_int16());
  // 7-bit weights and s4 weights always fit; 8-bit weights of a normal spread almost never do.
  qgemm_test::Rng rng(3);
  qgemm_test::Matrix<float> w(64, 256);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (auto& x : w.storage) x = d(rng);
  qgemm::WeightQuantOptions o;
  o.bits = 7;
  EXPECT_TRUE(PackedWeights::quantize(w.cview(), o).pairs_fit_int16());
  o.bits = 8;
  EXPECT_FALSE(PackedWeights::quantize(w.cview(), o).pairs_fit_int16());
  o.format = qgemm::WeightFormat::s4;
  o.bits = 0;
  EXPECT_TRUE(PackedWeights::quantize(w.cview(), o).pairs_fit_int16());
  // Rows are checked one by one: a second channel that breaks the bound clears it.
  std::vector<std::int8_t> two = {64, 64, 127, 2};
  EXPECT_FALSE(PackedWeights::pack({two.data(), 2, 2},
                                   GroupedQuantParams::per_channel(2, 2, 8, {1.0f, 1.0f}))
                   .pairs_fit_int16());
}

TEST(PackedWeights, EmptyMatrixIsValid) {
  const auto W = PackedWeights::quantize(qgemm::MatrixView<const float>(nullptr, 0, 16));
  EXPECT_EQ(W.rows(), 0u);
  EXPECT_EQ(W.cols(), 16u);
}

}  // namespace
