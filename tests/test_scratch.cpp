// Scratch memory kept between calls (driver/scratch.hpp) and the alignment of packed weights
// (pack/aligned_vector.hpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <qgemm/qgemm.hpp>
#include <vector>

#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::detail::ScratchBuffer;
using qgemm::detail::ScratchCache;

bool line_aligned(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 64 == 0;
}

TEST(Scratch, BlocksAreLineAlignedAndEmptyBuffersHoldNothing) {
  const ScratchBuffer<float> none;
  EXPECT_EQ(none.data(), nullptr);
  const ScratchBuffer<std::int8_t> zero(0);
  EXPECT_EQ(zero.data(), nullptr);
  for (std::size_t n : {1u, 3u, 1000u, 300000u}) {
    ScratchBuffer<std::int32_t> b(n);
    ASSERT_NE(b.data(), nullptr);
    EXPECT_TRUE(line_aligned(b.data())) << n;
    b.data()[n - 1] = 7;  // the whole range is writable
    EXPECT_EQ(b.data()[n - 1], 7);
  }
}

TEST(Scratch, ABlockGoesBackToTheThreadAndServesTheNextCall) {
  qgemm::release_scratch();
  const void* first;
  {
    ScratchBuffer<float> a(100000);
    first = a.data();
  }
  ScratchBuffer<float> again(90000);  // smaller: the kept block fits
  if (ScratchCache::kSlots == 0) GTEST_SKIP() << "blocks are not kept under AddressSanitizer";
  EXPECT_EQ(again.data(), first);
  ScratchBuffer<float> other(90000);  // the kept block is in use: a fresh one
  EXPECT_NE(other.data(), first);
}

TEST(Scratch, MovedBuffersKeepTheirBlock) {
  ScratchBuffer<std::int16_t> a(5000);
  std::int16_t* p = a.data();
  p[4999] = 3;
  ScratchBuffer<std::int16_t> b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): the moved-from state
  ScratchBuffer<std::int16_t> c(10);
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(c.data()[4999], 3);
}

TEST(Scratch, ReleaseFreesTheKeptBlocksAndResultsDoNotChange) {
  Rng rng(5);
  Matrix<float> A(40, 300, 1), B(70, 300, 1), C1(40, 70), C2(40, 70);
  fill_normal(rng, A);
  fill_normal(rng, B);
  const auto W = qgemm::PackedFloatWeights::pack(B.cview());
  qgemm::gemm(A.cview(), W, C1.view());
  qgemm::release_scratch();
  qgemm::release_scratch();  // twice: nothing left to free is fine
  qgemm::gemm(A.cview(), W, C2.view());
  EXPECT_EQ(C1.storage, C2.storage);
}

TEST(PackedWeightsStorage, StartsOnACacheLine) {
  // A 192-byte group is three lines: aligned storage keeps every 64-byte load within a line.
  Rng rng(6);
  for (std::size_t K : {1u, 7u, 300u, 5000u}) {
    Matrix<float> B(50, K, 1);
    fill_normal(rng, B);
    const auto F = qgemm::PackedFloatWeights::pack(B.cview());
    EXPECT_TRUE(line_aligned(F.block_data(0))) << K;
    EXPECT_TRUE(line_aligned(F.block_data(1))) << K;
    for (qgemm::WeightFormat f : {qgemm::WeightFormat::s8, qgemm::WeightFormat::s4}) {
      qgemm::WeightQuantOptions o;
      o.format = f;
      const auto W = qgemm::PackedWeights::quantize(B.cview(), o);
      EXPECT_TRUE(line_aligned(W.block_data(0))) << K;
      EXPECT_TRUE(line_aligned(W.block_data(1))) << K;
    }
  }
}

}  // namespace
