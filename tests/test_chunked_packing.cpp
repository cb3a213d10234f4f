// Activations packed a chunk of rows at a time (driver/pack_activations.hpp): the chunk sizes,
// and calls run in many chunks giving the same bits as in one, on every path.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::Isa;
using qgemm::detail::chunk_rows;
using qgemm::detail::packed_chunk_elements_per_thread;

constexpr std::size_t kMi = std::size_t{1} << 20;  // elements

/// Sets the per-thread chunk budget (elements) for one scope.
struct ChunkBudget : ScopedSetting<std::size_t> {
  explicit ChunkBudget(std::size_t elements)
      : ScopedSetting(packed_chunk_elements_per_thread(), elements) {}
};

TEST(ChunkRows, AnAThatFitsIsOneChunk) {
  ChunkBudget budget(4 * kMi);
  EXPECT_EQ(chunk_rows(1024, 4096, 6, 0, 1), 1024u);  // exactly 4 Mi elements
  EXPECT_EQ(chunk_rows(1, 1 << 30, 6, 0, 1), 1u);
  EXPECT_EQ(chunk_rows(0, 4096, 6, 0, 1), 0u);
}

TEST(ChunkRows, ChunksAreWholeUnitsNearTheBudgetAndEven) {
  ChunkBudget budget(4 * kMi);
  // 4096 rows of 16 Ki elements in row blocks of 108: 256 rows fit, rounded up to 324 (3 blocks);
  // 13 chunks, evened to 4096 / 13 -> 316 -> 324.
  EXPECT_EQ(chunk_rows(4096, 16384, 108, 0, 1), 324u);
  // 1000 rows of 8 Ki elements in units of 4: 512 fit; two chunks of 500.
  EXPECT_EQ(chunk_rows(1000, 8192, 4, 0, 1), 500u);
  for (std::size_t M : {257u, 1000u, 4099u, 100000u})
    for (std::size_t unit : {1u, 4u, 6u, 96u, 256u}) {
      const std::size_t rows = chunk_rows(M, 4096, unit, 0, 1);
      ASSERT_GT(rows, 0u);
      if (rows == M) continue;
      EXPECT_EQ(rows % unit, 0u) << M << " " << unit;
      EXPECT_LE(rows * 4096, 4 * kMi + unit * 4096) << M << " " << unit;  // a unit past at most
    }
}

TEST(ChunkRows, ThreadsGetTheirRowsAndTheBudgetGrowsWithThem) {
  ChunkBudget budget(4 * kMi);
  // Never fewer rows than `fewest`, even when that is past the budget.
  EXPECT_EQ(chunk_rows(100000, 1 << 20, 8, 64, 2), 64u);
  // 4 Mi elements per thread, for at most 8 threads (81920 rows: 40 and 10 equal chunks).
  EXPECT_EQ(chunk_rows(81920, 4096, 1, 0, 2), 2048u);
  EXPECT_EQ(chunk_rows(81920, 4096, 1, 0, 8), 8192u);
  EXPECT_EQ(chunk_rows(81920, 4096, 1, 0, 64), 8192u);
}

/// Products whose A is packed (rows 4 KiB apart crowd the L1 sets a tile reads them in, or s8
/// activations, which are shifted): run with the default budget (one chunk at these sizes) and
/// with a budget of one byte (chunks of one row block, or of one micro-panel), the outputs must
/// be the same bits. 301 rows pass the 256 up to which s4 weights are read as nibbles.
class ChunkedPacking : public testing::TestWithParam<Isa> {
 protected:
  static constexpr std::size_t M = 301, N = 37, K = 1024;

  /// fn() run in one chunk and in many; `out` is compared element by element.
  template <class T, class Fn>
  void expect_same_bits(Matrix<T>& out, const Fn& fn) {
    for (int threads : {1, 2}) {
      fn(threads);
      const std::vector<T> whole = out.storage;
      {
        ChunkBudget tiny(1);
        fn(threads);
      }
      ASSERT_EQ(out.storage.size(), whole.size());
      for (std::size_t i = 0; i < whole.size(); ++i)
        ASSERT_EQ(std::memcmp(&out.storage[i], &whole[i], sizeof(T)), 0)
            << "element " << i << ", threads " << threads;
    }
  }
  qgemm::GemmOptions options(int threads) const { return {threads, GetParam()}; }
  qgemm::LinearOptions linear_options(int threads) const {
    qgemm::LinearOptions o;
    o.threads = threads;
    o.isa = GetParam();
    return o;
  }
};

TEST_P(ChunkedPacking, Float) {
  // More than 128 channels: fp32 A of fewer is read in place (read_a_in_place).
  constexpr std::size_t Nf = 150;
  Rng rng(5);
  Matrix<float> A(M, K), B(Nf, K), C(M, Nf, 3, -5.0f);
  fill_normal(rng, A);
  fill_normal(rng, B);
  std::vector<float> bias(Nf, 0.25f);
  qgemm::Epilogue e;
  e.bias = bias.data();
  e.activation = qgemm::Activation::ReLU;
  expect_same_bits(
      C, [&](int threads) { qgemm::gemm(A.cview(), B.cview(), C.view(), options(threads), e); });
}

TEST_P(ChunkedPacking, IntegerWithZeroPointsIsExact) {
  Rng rng(6);
  Matrix<std::int8_t> A(M, K), B(N, K);
  Matrix<qgemm::int4x2> B4(N, K);
  fill_uniform_int(rng, A, -128, 127);
  fill_uniform_int(rng, B, -128, 127);
  fill_int4(rng, B4);
  // Both zero points (per-row and per-column corrections); s4 weights unpacked (301 rows) and
  // read as nibbles (the first 200).
  for (const std::size_t rows : {M, std::size_t{200}}) {
    SCOPED_TRACE(rows);
    Matrix<std::int8_t> Ar(rows, K);
    std::copy(A.storage.begin(), A.storage.begin() + rows * K, Ar.storage.begin());
    Matrix<std::int32_t> C(rows, N, 2, -77);
    expect_same_bits(C, [&](int threads) {
      qgemm::gemm(Ar.cview(), -3, B.cview(), 5, C.view(), options(threads));
    });
    const auto ref = reference_gemm(Ar, -3, B, 5);
    for (std::size_t m = 0; m < rows; ++m)
      for (std::size_t n = 0; n < N; ++n) ASSERT_EQ(C.at(m, n), ref[m * N + n]);
    expect_same_bits(C, [&](int threads) {
      qgemm::gemm(Ar.cview(), 7, B4.cview(), -2, C.view(), options(threads));
    });
    const auto ref4 = reference_gemm(Ar, 7, B4, -2);
    for (std::size_t m = 0; m < rows; ++m)
      for (std::size_t n = 0; n < N; ++n) ASSERT_EQ(C.at(m, n), ref4[m * N + n]);
  }
}

TEST_P(ChunkedPacking, LinearWithPerRowTermsAndRequantizedOutput) {
  Rng rng(7);
  Matrix<float> X(M, K), w(N, K), Y(M, N, 1, -9.0f);
  fill_normal(rng, X, 0.3f, 1.0f);
  fill_normal(rng, w, 0.0f, 0.2f);
  std::vector<float> bias(N, -0.1f), shift(N, 0.01f);
  for (const auto& [format, granularity] :
       {std::pair{qgemm::WeightFormat::s8, qgemm::Granularity::PerChannel},
        std::pair{qgemm::WeightFormat::s4, qgemm::Granularity::PerChannel},
        std::pair{qgemm::WeightFormat::s4, qgemm::Granularity::PerGroup}}) {
    SCOPED_TRACE(format == qgemm::WeightFormat::s8 ? "s8" : "s4");
    const auto W = qgemm::PackedWeights::quantize(w.cview(), {format, 0, granularity, 128});
    // Per-row scales and the weight bias correction's per-row sums.
    expect_same_bits(Y, [&](int threads) {
      qgemm::LinearOptions o = linear_options(threads);
      o.activation_quant = qgemm::ActivationQuant::DynamicPerRow;
      o.weight_shift = shift.data();
      qgemm::linear(X.cview(), W, bias.data(), Y.view(), o);
    });
    // Requantized to u8 (dynamic s8 activations: u8 ones of 1 KiB rows are read in place).
    Matrix<std::uint8_t> Yq(M, N, 1, 0xEE);
    expect_same_bits(Yq, [&](int threads) {
      qgemm::LinearOptions o = linear_options(threads);
      o.signed_activations = true;
      qgemm::linear(X.cview(), W, bias.data(), Yq.view(), qgemm::QuantParams{0.05f, 100, 8, false},
                    o);
    });
  }
}

INSTANTIATE_TEST_SUITE_P(AllPaths, ChunkedPacking, testing::ValuesIn(qgemm::available_isas()),
                         isa_param_name);

}  // namespace
