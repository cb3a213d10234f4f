// quantize / dequantize: formula, rounding, saturation, error bounds, per-channel and per-group.
#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::GroupedQuantParams;
using qgemm::QuantParams;

TEST(QuantParams, RangesFollowBitsAndSignedness) {
  EXPECT_EQ((QuantParams{1, 0, 8, true}).qmin(), -128);
  EXPECT_EQ((QuantParams{1, 0, 8, true}).qmax(), 127);
  EXPECT_EQ((QuantParams{1, 0, 8, false}).qmax(), 255);
  EXPECT_EQ((QuantParams{1, 0, 4, true}).qmin(), -8);
  EXPECT_EQ((QuantParams{1, 0, 2, false}).qmax(), 3);
}

TEST(Quantize, RoundsToNearestTiesToEvenAndSaturates) {
  const QuantParams p{0.5f, 0, 8, true};
  const float x[] = {0.0f, 0.24f, 0.25f, 0.75f, -0.25f, -0.75f, 63.5f, 64.0f, 1e6f, -1e6f};
  std::int8_t q[10];
  qgemm::quantize(x, 10, p, q);
  const int expected[] = {0, 0, 0, 2, 0, -2, 127, 127, 127, -128};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(q[i], expected[i]) << "x=" << x[i];
}

TEST(Quantize, UnsignedWithZeroPoint) {
  const QuantParams p{0.1f, 100, 8, false};
  const float x[] = {0.0f, -10.0f, -10.1f, 15.5f, 15.6f, 20.0f};
  std::uint8_t q[6];
  qgemm::quantize(x, 6, p, q);
  const int expected[] = {100, 0, 0, 255, 255, 255};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(q[i], expected[i]) << "x=" << x[i];
}

class QuantizeBits : public testing::TestWithParam<std::tuple<int, bool>> {};

// Inside the clip range the round trip errs by at most scale / 2.
TEST_P(QuantizeBits, RoundTripErrorIsAtMostHalfAStep) {
  const auto [bits, is_signed] = GetParam();
  Rng rng(bits * 10 + is_signed);
  std::uniform_real_distribution<float> dist(-3.0f, 5.0f);
  std::vector<float> x(20000);
  for (auto& v : x) v = dist(rng);
  QuantParams p = qgemm::calibrate(x.data(), x.size(), {bits, qgemm::Clip::MinMax, is_signed});
  std::vector<float> back(x.size());
  double worst = 0;
  if (is_signed) {
    std::vector<std::int8_t> q(x.size());
    qgemm::quantize(x.data(), x.size(), p, q.data());
    qgemm::dequantize(q.data(), q.size(), p, back.data());
  } else {
    std::vector<std::uint8_t> q(x.size());
    qgemm::quantize(x.data(), x.size(), p, q.data());
    qgemm::dequantize(q.data(), q.size(), p, back.data());
  }
  const float lo = p.scale * static_cast<float>(p.qmin() - p.zero_point);
  const float hi = p.scale * static_cast<float>(p.qmax() - p.zero_point);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] < lo || x[i] > hi) continue;  // clipped
    worst = std::max(worst, std::abs(double(x[i]) - double(back[i])));
  }
  // scale/2, plus the float rounding of x * (1/scale) and of the dequantize product.
  EXPECT_LE(worst, 0.5 * p.scale * (1 + 1e-5) + 1e-6 * 5.0);
  EXPECT_GT(worst, 0.3 * p.scale) << "suspiciously exact";
}

INSTANTIATE_TEST_SUITE_P(BitsAndSign, QuantizeBits,
                         testing::Combine(testing::Values(2, 3, 4, 5, 6, 7, 8), testing::Bool()));

TEST(Quantize, AllZerosNeedNoDivision) {
  std::vector<float> x(100, 0.0f);
  for (bool symmetric : {true, false}) {
    const QuantParams p = qgemm::calibrate(x.data(), x.size(), {8, qgemm::Clip::MinMax, symmetric});
    EXPECT_EQ(p.scale, 1.0f);
    EXPECT_EQ(p.zero_point, 0);
    std::vector<std::uint8_t> u(100, 9);
    std::vector<std::int8_t> s(100, 9);
    if (symmetric) {
      qgemm::quantize(x.data(), x.size(), p, s.data());
      for (auto v : s) EXPECT_EQ(v, 0);
    } else {
      qgemm::quantize(x.data(), x.size(), p, u.data());
      for (auto v : u) EXPECT_EQ(v, 0);
    }
  }
}

TEST(Calibrate, MinMaxSymmetricUsesTheLargestMagnitude) {
  const float x[] = {-2.0f, 0.5f, 1.0f};
  const QuantParams p = qgemm::calibrate(x, 3, 8);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 127.0f);
  EXPECT_EQ(p.zero_point, 0);
  EXPECT_TRUE(p.is_signed);
}

TEST(Calibrate, MinMaxAsymmetricCoversZero) {
  const float x[] = {1.0f, 3.0f};  // range is widened to [0, 3] so zero stays exact
  const QuantParams p = qgemm::calibrate(x, 2, {8, qgemm::Clip::MinMax, false});
  EXPECT_FLOAT_EQ(p.scale, 3.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 0);
  const float y[] = {-1.0f, 3.0f};
  const QuantParams q = qgemm::calibrate(y, 2, {8, qgemm::Clip::MinMax, false});
  EXPECT_EQ(q.zero_point, 64);  // round(1 / (4/255))
}

TEST(Calibrate, TinyValuesGetANormalScale) {
  const float x[] = {1e-42f, -2e-42f};
  const QuantParams p = qgemm::calibrate(x, 2, 8);
  EXPECT_GE(p.scale, std::numeric_limits<float>::min());
  std::int8_t q[2];
  EXPECT_NO_THROW(qgemm::quantize(x, 2, p, q));
}

class GroupedQuantize : public testing::TestWithParam<std::size_t> {};

// Per-channel (group 0 = whole row) and per-group params: each element uses its own group's
// params, and the round trip stays within half of that group's step.
TEST_P(GroupedQuantize, EachGroupUsesItsOwnParams) {
  const std::size_t group = GetParam();
  Rng rng(group + 1);
  Matrix<float> w(7, 45, 3);
  fill_normal(rng, w);
  for (std::size_t c = 0; c < w.cols; ++c) w.at(2, c) *= 50.0f;  // one loud channel
  const GroupedQuantParams p = qgemm::calibrate_grouped(w.cview(), group, {8});
  EXPECT_EQ(p.groups_per_row(), group == 0 ? 1u : (45 + group - 1) / group);
  Matrix<std::int8_t> q(7, 45, 2, 55);
  qgemm::quantize(w.cview(), p, q.view());
  EXPECT_TRUE(padding_untouched(q, std::int8_t{55}));
  Matrix<float> back(7, 45);
  qgemm::dequantize(q.cview(), p, back.view());
  for (std::size_t r = 0; r < 7; ++r)
    for (std::size_t c = 0; c < 45; ++c) {
      const QuantParams g = p.at(r, c / p.group_size);
      const float x = w.at(r, c);
      const std::int32_t expect = std::clamp(
          static_cast<std::int32_t>(std::nearbyint(x * (1.0f / g.scale))), g.qmin(), g.qmax());
      ASSERT_EQ(q.at(r, c), expect) << r << "," << c;
      ASSERT_LE(std::abs(back.at(r, c) - x), 0.5f * g.scale * 1.0001f + 1e-7f);
    }
}

INSTANTIATE_TEST_SUITE_P(GroupSizes, GroupedQuantize, testing::Values(0, 4, 8, 16, 32, 45, 64));

TEST(GroupedQuantize, Int4StorageRoundTrips) {
  Rng rng(3);
  Matrix<float> w(5, 33);
  fill_normal(rng, w);
  const GroupedQuantParams p = qgemm::calibrate_grouped(w.cview(), 8, {4});
  Matrix<qgemm::int4x2> q(5, 33, 1, qgemm::int4x2{0xEE});
  qgemm::quantize(w.cview(), p, q.view());
  EXPECT_TRUE(padding_untouched(q, qgemm::int4x2{0xEE}));
  Matrix<std::int8_t> q8(5, 33);
  qgemm::quantize(w.cview(), p, q8.view());
  for (std::size_t r = 0; r < 5; ++r) {
    for (std::size_t c = 0; c < 33; ++c) EXPECT_EQ(int_at(q, r, c), q8.at(r, c));
    EXPECT_EQ(q.at(r, 16).bits >> 4, 0) << "odd row's padding nibble";
  }
  Matrix<float> a(5, 33), b(5, 33);
  qgemm::dequantize(q.cview(), p, a.view());
  qgemm::dequantize(q8.cview(), p, b.view());
  EXPECT_EQ(a.storage, b.storage);
}

}  // namespace
