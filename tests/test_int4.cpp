// int4 storage: nibble order, sign extension, pack/unpack round trips.
#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::int4x2;

TEST(Int4, LowNibbleHoldsTheEvenElement) {
  const int4x2 b = int4x2::from(-3, 5);
  EXPECT_EQ(b.bits, 0x5D);  // 5 in the high nibble, -3 = 0xD in the low
  EXPECT_EQ(b.low(), -3);
  EXPECT_EQ(b.high(), 5);
  EXPECT_EQ(b.get(0), -3);
  EXPECT_EQ(b.get(1), 5);
}

TEST(Int4, SignExtendsEveryNibble) {
  for (int v = -8; v <= 7; ++v) {
    EXPECT_EQ(int4x2::from(v, 0).low(), v);
    EXPECT_EQ(int4x2::from(0, v).high(), v);
  }
}

class Int4RoundTrip : public testing::TestWithParam<std::size_t> {};

TEST_P(Int4RoundTrip, PackThenUnpackGivesTheValuesBack) {
  const std::size_t n = GetParam();
  Rng rng(n);
  std::uniform_int_distribution<int> dist(-8, 7);
  std::vector<std::int8_t> values(n), back(n, 99);
  for (auto& v : values) v = static_cast<std::int8_t>(dist(rng));
  std::vector<int4x2> packed(qgemm::int4_bytes(n) + 1, int4x2{0xAB});
  qgemm::pack_int4(values.data(), n, packed.data());
  qgemm::unpack_int4(packed.data(), n, back.data());
  EXPECT_EQ(values, back);
  EXPECT_EQ(packed[qgemm::int4_bytes(n)].bits, 0xAB) << "wrote past int4_bytes(n)";
  if (n % 2) {
    EXPECT_EQ(packed[n / 2].bits >> 4, 0) << "padding nibble must be zero";
  }
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(qgemm::int4_at(packed.data(), i), values[i]);
}

INSTANTIATE_TEST_SUITE_P(Lengths, Int4RoundTrip, testing::Values(0, 1, 2, 3, 16, 31, 64, 1001));

TEST(Int4, PackRejectsValuesOutsideTheRange) {
  const std::int8_t values[3] = {1, 8, -2};
  int4x2 out[2] = {int4x2{0x11}, int4x2{0x22}};
  try {
    qgemm::pack_int4(values, 3, out);
    FAIL() << "no error";
  } catch (const qgemm::Error& e) {
    EXPECT_EQ(e.argument(), "values[1]");
    EXPECT_NE(std::string(e.what()).find("8"), std::string::npos);
  }
  EXPECT_EQ(out[0].bits, 0x11);  // untouched
  EXPECT_EQ(out[1].bits, 0x22);
  const std::int8_t low[1] = {-9};
  EXPECT_THROW(qgemm::pack_int4(low, 1, out), qgemm::Error);
}

TEST(Int4, NullPointersWithElementsAreRefused) {
  int4x2 out[1];
  std::int8_t v[2] = {0, 0};
  EXPECT_THROW(qgemm::pack_int4(nullptr, 2, out), qgemm::Error);
  EXPECT_THROW(qgemm::pack_int4(v, 2, nullptr), qgemm::Error);
  EXPECT_THROW(qgemm::unpack_int4(nullptr, 2, v), qgemm::Error);
  EXPECT_NO_THROW(qgemm::pack_int4(nullptr, 0, nullptr));
}

}  // namespace
