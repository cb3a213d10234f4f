// Scratch memory kept between calls (driver/scratch.hpp) and the alignment of packed weights
// (pack/aligned_vector.hpp): cache lines, and huge pages for large weights on Linux.
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

TEST(PackedWeightsStorage, LargeBlocksStartOnAHugePageAndKeepTheirValues) {
  using qgemm::pack::AlignedVector;
  using qgemm::pack::kHugePageBytes;
  using qgemm::pack::kHugePageMinBytes;
  static_assert(!qgemm::pack::on_huge_pages(kHugePageMinBytes - 1));
  const AlignedVector<std::uint8_t> small(kHugePageMinBytes - 64, 3);
  EXPECT_TRUE(line_aligned(small.data()));
  AlignedVector<float> large(kHugePageMinBytes / sizeof(float) + 5, 1.5f);
  EXPECT_TRUE(line_aligned(large.data()));
  if (QGEMM_HUGE_PAGES) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(large.data()) % kHugePageBytes, 0u);
  }
  large.back() = 2.5f;
  // Growing moves the values from a huge-page block to another, a copy takes a third, and
  // shrinking moves them to an ordinary block; each block is freed the way it was allocated
  // (ASan checks the pairing).
  large.resize(large.size() * 2, 4.0f);
  EXPECT_EQ(large.front(), 1.5f);
  EXPECT_EQ(large[kHugePageMinBytes / sizeof(float) + 4], 2.5f);
  EXPECT_EQ(large.back(), 4.0f);
  AlignedVector<float> copy = large;
  large.resize(16);
  large.shrink_to_fit();
  EXPECT_TRUE(line_aligned(large.data()));
  EXPECT_EQ(large.front(), 1.5f);
  EXPECT_EQ(copy.back(), 4.0f);
}

TEST(PackedWeightsStorage, WeightsOnHugePagesGiveExactProducts) {
  // 2064 padded channels x 4608 k of s8: 9.1 MiB of panels, past kHugePageMinBytes; decode rows
  // read them once, on every path.
  Rng rng(7);
  const std::size_t M = 3, N = 2050, K = 4608;
  Matrix<std::uint8_t> A(M, K, 1);
  Matrix<std::int8_t> B(N, K);
  fill_uniform_int(rng, A, 0, 255);
  fill_uniform_int(rng, B, -128, 127);
  const auto W = qgemm::PackedWeights::pack(
      B.cview(), qgemm::GroupedQuantParams::per_channel(N, K, 8, std::vector<float>(N, 1.0f)));
  if (QGEMM_HUGE_PAGES) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(W.block_data(0)) % qgemm::pack::kHugePageBytes, 0u);
  }
  const auto ref = reference_gemm(A, 9, B, 0);
  for (qgemm::Isa isa : qgemm::available_isas()) {
    Matrix<std::int32_t> C(M, N);
    qgemm::gemm(A.cview(), 9, W, C.view(), {1, isa});
    for (std::size_t i = 0; i < ref.size(); ++i)
      ASSERT_EQ(C.storage[i], ref[i]) << qgemm::isa_name(isa) << " " << i;
  }
}

}  // namespace
