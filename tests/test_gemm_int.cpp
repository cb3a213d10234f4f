// Integer gemm on every available path, bit-exact against the 64-bit reference.
#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::int4x2;
using qgemm::Isa;

class IntGemm : public testing::TestWithParam<std::tuple<Isa, Shape>> {
 protected:
  Isa isa() const { return std::get<0>(GetParam()); }
  Shape shape() const { return std::get<1>(GetParam()); }
  qgemm::GemmOptions options(int threads = 1) const { return {threads, isa()}; }

  /// Runs gemm on A x B with random data and several zero points; checks every element and
  /// that the padding of C is untouched.
  template <class TA, class TB>
  void check(int a_lo, int a_hi, int b_lo, int b_hi, std::vector<std::pair<int, int>> zero_points,
             int threads = 1) {
    check_filled<TA, TB>(
        a_lo, a_hi,
        [&](Rng& rng, Matrix<TB>& B) {
          if constexpr (std::is_same_v<TB, int4x2>)
            fill_int4(rng, B, b_lo, b_hi);
          else
            fill_uniform_int(rng, B, b_lo, b_hi);
        },
        zero_points, threads);
  }
  /// The same with B filled by fill_b(rng, B).
  template <class TA, class TB, class FillB>
  void check_filled(int a_lo, int a_hi, const FillB& fill_b,
                    std::vector<std::pair<int, int>> zero_points, int threads = 1) {
    const Shape s = shape();
    Rng rng(1234 + s.M * 7 + s.N * 13 + s.K);
    Matrix<TA> A(s.M, s.K, 3);
    Matrix<TB> B(s.N, s.K, 5);
    fill_uniform_int(rng, A, a_lo, a_hi);
    fill_b(rng, B);
    for (auto [za, zb] : zero_points) {
      Matrix<std::int32_t> C(s.M, s.N, 2, -77);
      qgemm::gemm(A.cview(), za, B.cview(), zb, C.view(), options(threads));
      const auto ref = reference_gemm(A, za, B, zb);
      for (std::size_t m = 0; m < s.M; ++m)
        for (std::size_t n = 0; n < s.N; ++n)
          ASSERT_EQ(C.at(m, n), ref[m * s.N + n])
              << "m=" << m << " n=" << n << " za=" << za << " zb=" << zb;
      EXPECT_TRUE(padding_untouched(C, -77));
    }
  }
  /// gemm on u8 A (zero point za) and random s8 B packed with `params` gives the bits of the
  /// reference on B itself.
  void check_packed(std::uint32_t seed, int za, const qgemm::GroupedQuantParams& params) {
    const Shape s = shape();
    Rng rng(seed + s.K);
    Matrix<std::uint8_t> A(s.M, s.K, 1);
    Matrix<std::int8_t> B(s.N, s.K);
    fill_uniform_int(rng, A, 0, 255);
    fill_uniform_int(rng, B, -128, 127);
    const auto W = qgemm::PackedWeights::pack(B.cview(), params);
    Matrix<std::int32_t> C(s.M, s.N);
    qgemm::gemm(A.cview(), za, W, C.view(), options());
    const auto ref = reference_gemm(A, za, B, 0);
    for (std::size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(C.storage[i], ref[i]) << i;
  }
};

TEST_P(IntGemm, U8S8RandomWithZeroPoints) {
  check<std::uint8_t, std::int8_t>(0, 255, -128, 127, {{0, 0}, {128, 0}, {255, -3}, {17, 127}});
}
TEST_P(IntGemm, S8S8RandomWithZeroPoints) {
  check<std::int8_t, std::int8_t>(-128, 127, -128, 127, {{0, 0}, {-128, 0}, {5, -128}, {127, 1}});
}
TEST_P(IntGemm, U8S4RandomWithZeroPoints) {
  check<std::uint8_t, int4x2>(0, 255, -8, 7, {{0, 0}, {200, 0}, {3, -8}, {255, 7}});
}
TEST_P(IntGemm, S8S4RandomWithZeroPoints) {
  check<std::int8_t, int4x2>(-128, 127, -8, 7, {{0, 0}, {-128, 0}, {9, 3}, {127, -8}});
}
// Extreme values only: the products that break a saturating int16 sequence.
TEST_P(IntGemm, U8S8Extremes) {
  check<std::uint8_t, std::int8_t>(254, 255, -128, -127, {{0, 0}});
}
TEST_P(IntGemm, S8S8Extremes) {
  check<std::int8_t, std::int8_t>(-128, -128, -128, 127, {{0, 0}});
}
// The largest products of nibbles and u8 (one-row s4 tiles add them in int16 pairs).
TEST_P(IntGemm, U8S4Extremes) {
  check<std::uint8_t, int4x2>(254, 255, 7, 7, {{0, 0}});
}
TEST_P(IntGemm, S8S4Extremes) {
  check<std::int8_t, int4x2>(-128, -127, -8, -8, {{0, 0}});
}
// 7-bit weights: every pair k = 2j, 2j + 1 has |w0| + |w1| <= 128, so the AVX2 path multiplies
// them as bytes (vpmaddubsw, avx2_byte_pairs.hpp) where its pair sums cannot saturate.
TEST_P(IntGemm, U8S7RandomWithZeroPoints) {
  check<std::uint8_t, std::int8_t>(0, 255, -64, 63, {{0, 0}, {128, 0}, {255, -3}, {17, 63}});
}
TEST_P(IntGemm, S8S7RandomWithZeroPoints) {
  check<std::int8_t, std::int8_t>(-128, 127, -64, 63, {{0, 0}, {-128, 0}, {5, -64}, {127, 1}});
}
// Pairs of weights at the bound, |w0| + |w1| = 128, times the largest activations: pair sums
// of +-32640, the closest to int16's limits that the byte products reach.
TEST_P(IntGemm, PairsAtTheInt16Bound) {
  const auto fill_pairs = [](Rng& rng, Matrix<std::int8_t>& B) {
    static constexpr int pairs[][2] = {{-128, 0}, {0, -128},  {64, 64},   {-64, -64},
                                       {127, 1},  {-1, -127}, {100, -28}, {-100, 28}};
    std::uniform_int_distribution<int> pick(0, 7);
    for (std::size_t n = 0; n < B.rows; ++n)
      for (std::size_t k = 0; k < B.cols; k += 2) {
        const int* p = pairs[pick(rng)];
        B.at(n, k) = static_cast<std::int8_t>(p[0]);
        if (k + 1 < B.cols) B.at(n, k + 1) = static_cast<std::int8_t>(p[1]);
      }
  };
  check_filled<std::uint8_t, std::int8_t>(254, 255, fill_pairs, {{0, 0}, {255, 0}});
  check_filled<std::int8_t, std::int8_t>(126, 127, fill_pairs, {{0, 0}, {-128, 0}});
  check_filled<std::int8_t, std::int8_t>(-128, -127, fill_pairs, {{0, 0}, {127, 0}});
}
TEST_P(IntGemm, U8S7TwoThreads) {
  check<std::uint8_t, std::int8_t>(0, 255, -64, 63, {{3, 0}}, 2);
}
TEST_P(IntGemm, U8S8TwoThreads) {
  check<std::uint8_t, std::int8_t>(0, 255, -128, 127, {{3, 0}}, 2);
}

TEST_P(IntGemm, PackedWeightsMatchRawWeights) {
  const Shape s = shape();
  check_packed(99, 7,
               qgemm::GroupedQuantParams::per_channel(s.N, s.K, 8, std::vector<float>(s.N, 0.5f)));
}

// Weights quantized in groups of 8 along K: a call's per-channel correction sums the column
// sums of every group of every block (plan_corrections), here with a zero point, over blocks of
// channels and their padding.
TEST_P(IntGemm, PackedPerGroupWeightsMatchRawWeights) {
  const Shape s = shape();
  const std::size_t groups = std::max<std::size_t>(1, (s.K + 7) / 8);  // K = 0: one group
  check_packed(
      77, 201,
      qgemm::GroupedQuantParams::per_group(s.N, s.K, 8, 8, std::vector<float>(s.N * groups, 0.5f)));
}

std::string int_gemm_name(const testing::TestParamInfo<std::tuple<Isa, Shape>>& info) {
  return std::string(qgemm::isa_name(std::get<0>(info.param))) + "_" +
         shape_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllPaths, IntGemm,
                         testing::Combine(testing::ValuesIn(qgemm::available_isas()),
                                          testing::ValuesIn(shapes())),
                         int_gemm_name);

// u8 activations whose K is whole groups of 4 are read in place (paths with tile_in_place):
// always for up to 128 channels, and for more unless rows 128 KiB apart would crowd the L2 sets
// they share (then packed, as K = 301 always is). Rows 4 KiB apart, which crowd a tile's L1
// set, with 64 and 128 channels (one tile of 3 panels and one of 1 or 2: in place) and 150
// (packed). Every layout gives the reference's bits on every path, on 1 and 2 threads.
TEST(IntGemmLayout, U8ActivationsInPlaceOrPackedAreExact) {
  struct Case {
    std::size_t N, K, row_bytes;  ///< row_bytes: the far layout's distance between rows
  };
  for (const Case c : {Case{70, 300, 131072}, Case{70, 301, 131072}, Case{150, 300, 131072},
                       Case{64, 4096, 4096}, Case{128, 4096, 4096}, Case{150, 2048, 4096}}) {
    SCOPED_TRACE(testing::Message() << "N=" << c.N << " K=" << c.K << " far=" << c.row_bytes);
    Rng rng(21 + c.K + c.N);
    const std::size_t M = 40, N = c.N, K = c.K;
    Matrix<std::uint8_t> far(M, K, c.row_bytes - K), near(M, K, 4);
    Matrix<std::int8_t> B(N, K);
    fill_uniform_int(rng, near, 0, 255);
    fill_uniform_int(rng, B, -128, 127);
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t k = 0; k < K; ++k) far.at(m, k) = near.at(m, k);
    const auto ref = reference_gemm(near, 131, B, 0);
    for (const Isa isa : qgemm::available_isas())
      for (const Matrix<std::uint8_t>* A : {&far, &near})
        for (const int threads : {1, 2}) {
          Matrix<std::int32_t> C(M, N);
          qgemm::gemm(A->cview(), 131, B.cview(), 0, C.view(), {threads, isa});
          for (std::size_t i = 0; i < ref.size(); ++i)
            ASSERT_EQ(C.storage[i], ref[i]) << qgemm::isa_name(isa) << " threads=" << threads
                                            << " i=" << i << (A == &far ? " far" : " near");
        }
  }
}

// Activations read in place by tiles of 6 rows x 64 channels (AVX-512 VNNI, from 48 rows:
// wide_tiles_pay): u8, and on AMD s8 flipped to u8 as the tiles read them
// (signed_activations_in_place; elsewhere s8 is packed). Tiles whose last panels lie in the next
// block of weights, starting at each of a block's three panels (N = 100, 176, 1040: a last tile
// of 2, 3 and 1 panels); short tiles of 1-5 rows (M = 53, 97, 50); K whole and, past an eighth
// of L2 (N <= 128 only), in blocks (K = 8200); every product at the extremes (u8: 255 x -128,
// 255 x 127; s8: -128 x -128, -128 x 127) in two rows; zero points 0 and 131 (s8: -3); rows
// not 4-byte aligned; 1 and 2 threads. Other paths run their own tiles on the same calls.
template <class TA>
void check_wide_in_place_tiles(int extreme_a, int lo_a, int hi_a, int za_nonzero) {
  struct Case {
    std::size_t M, N, K;
  };
  for (const Case c : {Case{53, 100, 8200}, Case{48, 64, 8}, Case{97, 176, 1024},
                       Case{50, 1040, 64}, Case{61, 112, 300}}) {
    SCOPED_TRACE(testing::Message() << "M=" << c.M << " N=" << c.N << " K=" << c.K);
    Rng rng(41 + c.M + c.N);
    Matrix<TA> A(c.M, c.K, 5);  // rows K + 5 bytes apart: not 4-byte aligned
    Matrix<std::int8_t> B(c.N, c.K);
    fill_uniform_int(rng, A, lo_a, hi_a);
    fill_uniform_int(rng, B, -128, 127);
    for (std::size_t k = 0; k < c.K; ++k) {
      A.at(0, k) = A.at(c.M - 1, k) = static_cast<TA>(extreme_a);
      B.at(0, k) = -128;
      B.at(c.N - 1, k) = 127;
    }
    for (const int za : {0, za_nonzero}) {
      const auto ref = reference_gemm(A, za, B, 0);
      for (const Isa isa : qgemm::available_isas())
        for (const int threads : {1, 2}) {
          Matrix<std::int32_t> C(c.M, c.N);
          qgemm::gemm(A.cview(), za, B.cview(), 0, C.view(), {threads, isa});
          for (std::size_t i = 0; i < ref.size(); ++i)
            ASSERT_EQ(C.storage[i], ref[i])
                << qgemm::isa_name(isa) << " za=" << za << " threads=" << threads << " i=" << i;
        }
    }
  }
}

TEST(IntGemmLayout, WideInPlaceTilesAreExact) {
  check_wide_in_place_tiles<std::uint8_t>(255, 0, 255, 131);
}

TEST(IntGemmLayout, WideInPlaceTilesOnSignedActivationsAreExact) {
  check_wide_in_place_tiles<std::int8_t>(-128, -128, 127, -3);
}

// Paths with staged weights on Intel CPUs (AVX2, and AVX-512 without VNNI, which runs its tiles;
// stages_weights): where two or more tiles read a weight micro-panel, the first writes its
// widened copy and the others read that. Rows 3 (a full tile and a short one), 4, 33 and 64, K of
// one and of several K blocks, extreme operands (255 x -128 and 255 x 127 in every product of a
// row), 1 and 2 threads: the reference's bits on every path. (Rows one at a time, which stage too:
// test_row_kernels.cpp.)
TEST(IntGemmLayout, StagedWeightCopiesAreExact) {
  struct Case {
    std::size_t M, N, K;
  };
  for (const Case c :
       {Case{3, 100, 300}, Case{4, 50, 3001}, Case{33, 70, 1001}, Case{64, 48, 2050}}) {
    SCOPED_TRACE(testing::Message() << "M=" << c.M << " N=" << c.N << " K=" << c.K);
    Rng rng(31 + c.M + c.K);
    Matrix<std::uint8_t> A(c.M, c.K, 5);
    Matrix<std::int8_t> B(c.N, c.K);
    fill_uniform_int(rng, A, 0, 255);
    fill_uniform_int(rng, B, -128, 127);
    for (std::size_t k = 0; k < c.K; ++k) {
      A.at(0, k) = 255;
      B.at(0, k) = -128;
      B.at(c.N - 1, k) = 127;
    }
    const auto ref = reference_gemm(A, 0, B, 0);
    for (const Isa isa : qgemm::available_isas())
      for (const int threads : {1, 2}) {
        Matrix<std::int32_t> C(c.M, c.N, 3, -9);
        qgemm::gemm(A.cview(), 0, B.cview(), 0, C.view(), {threads, isa});
        for (std::size_t m = 0; m < c.M; ++m)
          for (std::size_t n = 0; n < c.N; ++n)
            ASSERT_EQ(C.at(m, n), ref[m * c.N + n])
                << qgemm::isa_name(isa) << " threads=" << threads << " m=" << m << " n=" << n;
        EXPECT_TRUE(padding_untouched(C, -9));
      }
  }
}

// At the K bound the result is exact at the edge of int32; one past it is refused.
TEST(IntGemmBound, ExactAtTheInt32Bound) {
  const std::size_t K = qgemm::max_exact_k(255, 128);
  ASSERT_EQ(K, 65793u);
  std::vector<std::uint8_t> a(K, 255);
  std::vector<std::int8_t> b(K, -128);
  std::int32_t c = 0;
  for (Isa isa : qgemm::available_isas()) {
    qgemm::gemm({a.data(), 1, K}, 0, {b.data(), 1, K}, 0, {&c, 1, 1}, {1, isa});
    EXPECT_EQ(c, -2147483520) << qgemm::isa_name(isa);
  }
}

TEST(IntGemmBound, StatedBoundsPerOperandPair) {
  EXPECT_EQ(qgemm::max_exact_k(128, 128), 131071u);  // s8 x s8
  EXPECT_EQ(qgemm::max_exact_k(255, 8), 1052688u);   // u8 x s4
  EXPECT_EQ(qgemm::max_exact_k(255, 255), 33025u);   // u8 x s8 with the worst zero points
}

}  // namespace
