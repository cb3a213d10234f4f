// Outputs stored non-temporally (driver/gemm_loop.hpp: streams_output): which calls stream, and
// streamed calls giving the bits of stored ones on every path, tails and padding included.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::Isa;
using qgemm::detail::streamed_output_bytes;
using qgemm::detail::streams_output;
using qgemm::kernels::EpilogueArgs;
using qgemm::kernels::OutputKind;

/// Sets the output size (bytes) from which calls stream for one scope.
struct StreamFrom : ScopedSetting<std::size_t> {
  explicit StreamFrom(std::size_t bytes) : ScopedSetting(streamed_output_bytes(), bytes) {}
};

TEST(StreamsOutput, FromHalfTheLastLevelCacheOnAlignedInt32AndFloatOutputs) {
  const std::size_t l3 = qgemm::cpu_features().l3_bytes;
  if (l3 > 0)
    EXPECT_EQ(streamed_output_bytes(), l3 / 2);
  else
    EXPECT_EQ(streamed_output_bytes(), std::numeric_limits<std::size_t>::max());

  alignas(64) static float line[32];
  StreamFrom always(0);
  EpilogueArgs e;
  e.out = line;
  e.ldo = 16;
  e.kind = OutputKind::Int32;
  EXPECT_TRUE(streams_output(e, true, 1, 1));
  e.kind = OutputKind::Float;  // from int32 sums (linear) or fp32 ones (gemm)
  EXPECT_TRUE(streams_output(e, true, 1, 1));
  EXPECT_TRUE(streams_output(e, false, 1, 1));
  EpilogueArgs off = e;
  off.out = line + 1;  // 4 bytes past a line
  EXPECT_FALSE(streams_output(off, true, 1, 1));
  off = e;
  off.ldo = 100;  // rows 400 bytes apart: a row's vectors would straddle lines
  EXPECT_FALSE(streams_output(off, true, 1, 1));
  for (const OutputKind kind : {OutputKind::S8, OutputKind::U8}) {
    off = e;
    off.kind = kind;
    EXPECT_FALSE(streams_output(off, true, 1, 1));
  }
  // Per-row terms take the general route, which stores normally.
  const std::int32_t row_corr[1] = {0};
  const float row_values[1] = {1.0f};
  off = e;
  off.row_corr = row_corr;
  EXPECT_FALSE(streams_output(off, true, 1, 1));
  off = e;
  off.row_scale = row_values;
  EXPECT_FALSE(streams_output(off, true, 1, 1));
  {
    StreamFrom big(1 << 20);
    EXPECT_FALSE(streams_output(e, true, 511, 512));  // 2 KiB short of 1 MiB
    EXPECT_TRUE(streams_output(e, true, 512, 512));
  }
}

/// An M x N output on a cache line, rows `ld` elements apart, its padding holding a sentinel.
template <class T>
struct AlignedOutput {
  std::size_t rows, cols, ld;
  std::vector<T, qgemm::pack::CacheLineAllocator<T>> storage;
  AlignedOutput(std::size_t r, std::size_t c, std::size_t l, T fill)
      : rows(r), cols(c), ld(l), storage(std::max<std::size_t>(1, r * l), fill) {}
  qgemm::MatrixView<T> view() { return {storage.data(), rows, cols, ld}; }
  T at(std::size_t r, std::size_t c) const { return storage[r * ld + c]; }
  bool padding_untouched(T sentinel) const {
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = cols; c < ld; ++c)
        if (std::memcmp(&storage[r * ld + c], &sentinel, sizeof(T)) != 0) return false;
    return true;
  }
};

/// Shapes whose rows are whole lines apart: K of one block (the wide in-place tiles on AVX-512
/// VNNI at 64 rows and more) and of several (the last block streams), channels in whole vectors
/// and with a partial last one (stored normally, masked), rows past the last whole tile.
struct StreamShape {
  std::size_t M, N, K, ld;
};
const StreamShape kShapes[] = {{1, 48, 64, 48},     {13, 100, 64, 112}, {67, 256, 64, 256},
                               {70, 97, 1100, 112}, {301, 64, 40, 64},  {9, 1000, 300, 1008}};

class StreamedOutput : public testing::TestWithParam<Isa> {
 protected:
  /// fn(threads) run storing normally and streaming every output: the same bits, padding
  /// untouched.
  template <class T, class Fn>
  void expect_same_bits(AlignedOutput<T>& out, T sentinel, const Fn& fn) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(threads);
      std::vector<T, qgemm::pack::CacheLineAllocator<T>> stored;
      {
        StreamFrom never(std::numeric_limits<std::size_t>::max());
        fn(threads);
        stored = out.storage;
      }
      std::fill(out.storage.begin(), out.storage.end(), sentinel);
      {
        StreamFrom always(0);
        fn(threads);
      }
      ASSERT_TRUE(out.padding_untouched(sentinel));
      ASSERT_EQ(std::memcmp(stored.data(), out.storage.data(), stored.size() * sizeof(T)), 0);
    }
  }
  qgemm::GemmOptions options(int threads) const { return {threads, GetParam()}; }
};

TEST_P(StreamedOutput, IntegerOutputIsExact) {
  Rng rng(11);
  for (const StreamShape& s : kShapes) {
    SCOPED_TRACE(testing::Message() << s.M << "x" << s.N << "x" << s.K);
    Matrix<std::uint8_t> A(s.M, s.K);
    Matrix<std::int8_t> As(s.M, s.K), B(s.N, s.K);
    fill_uniform_int(rng, A, 0, 255);
    fill_uniform_int(rng, As, -128, 127);
    fill_uniform_int(rng, B, -128, 127);
    AlignedOutput<std::int32_t> C(s.M, s.N, s.ld, -77);
    // u8 activations with a zero point (read in place where the path can), s8 ones.
    expect_same_bits(C, -77, [&](int threads) {
      qgemm::gemm(A.cview(), 3, B.cview(), 0, C.view(), options(threads));
    });
    const auto ref = reference_gemm(A, 3, B, 0);
    for (std::size_t m = 0; m < s.M; ++m)
      for (std::size_t n = 0; n < s.N; ++n) ASSERT_EQ(C.at(m, n), ref[m * s.N + n]);
    expect_same_bits(C, -77, [&](int threads) {
      qgemm::gemm(As.cview(), 0, B.cview(), 0, C.view(), options(threads));
    });
    const auto ref_s = reference_gemm(As, 0, B, 0);
    for (std::size_t m = 0; m < s.M; ++m)
      for (std::size_t n = 0; n < s.N; ++n) ASSERT_EQ(C.at(m, n), ref_s[m * s.N + n]);
  }
}

TEST_P(StreamedOutput, FloatOutputsGiveTheStoredBits) {
  Rng rng(12);
  for (const StreamShape& s : kShapes) {
    SCOPED_TRACE(testing::Message() << s.M << "x" << s.N << "x" << s.K);
    Matrix<float> X(s.M, s.K), w(s.N, s.K);
    fill_normal(rng, X, 0.2f, 1.0f);
    fill_normal(rng, w, 0.0f, 0.3f);
    std::vector<float> bias(s.N);
    for (std::size_t n = 0; n < s.N; ++n) bias[n] = 0.01f * static_cast<float>(n % 7) - 0.03f;
    AlignedOutput<float> Y(s.M, s.N, s.ld, -9.0f);
    // fp32 GEMM with bias and ReLU.
    qgemm::Epilogue e;
    e.bias = bias.data();
    e.activation = qgemm::Activation::ReLU;
    expect_same_bits(Y, -9.0f, [&](int threads) {
      qgemm::gemm(X.cview(), w.cview(), Y.view(), options(threads), e);
    });
    // int8 linear dequantized to fp32, s8 and s4 weights.
    for (const auto format : {qgemm::WeightFormat::s8, qgemm::WeightFormat::s4}) {
      const auto W = qgemm::PackedWeights::quantize(w.cview(), {format});
      expect_same_bits(Y, -9.0f, [&](int threads) {
        qgemm::LinearOptions o;
        o.threads = threads;
        o.isa = GetParam();
        o.activation = qgemm::Activation::ReLU;
        qgemm::linear(X.cview(), W, bias.data(), Y.view(), o);
      });
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllPaths, StreamedOutput, testing::ValuesIn(qgemm::available_isas()),
                         isa_param_name);

}  // namespace
