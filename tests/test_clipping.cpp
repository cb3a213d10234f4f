// Clipping methods: ACIQ's constants against the paper, and the measured MSE claims of each
// method on seeded samples of 2^20 values.
#include "test_support.hpp"

#include <map>

namespace {

using namespace qgemm_test;
using qgemm::Clip;
using qgemm::Prior;

std::vector<float> laplace_samples(std::size_t n, double b, std::uint64_t seed) {
  Rng rng(seed);
  std::exponential_distribution<double> e(1.0 / b);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> x(n);
  for (auto& v : x) v = static_cast<float>(sign(rng) ? e(rng) : -e(rng));
  return x;
}
std::vector<float> gauss_samples(std::size_t n, double sigma, std::uint64_t seed) {
  Rng rng(seed);
  std::normal_distribution<double> d(0.0, sigma);
  std::vector<float> x(n);
  for (auto& v : x) v = static_cast<float>(d(rng));
  return x;
}

/// Fake-quantization MSE of x with symmetric `bits`-bit params chosen by `method`.
double mse_of(const std::vector<float>& x, int bits, Clip method) {
  const qgemm::QuantParams p = qgemm::calibrate(x.data(), x.size(), bits, method);
  EXPECT_TRUE(p.is_signed);
  EXPECT_EQ(p.zero_point, 0);
  return qgemm::fake_quant_mse(x.data(), x.size(), p);
}

TEST(Aciq, ClipRatiosMatchThePapersTableWithinOnePercent) {
  const double laplace[] = {2.83, 3.89, 5.03, 6.2, 7.41, 8.64, 9.89};
  const double gauss[] = {1.71, 2.15, 2.55, 2.94, 3.29, 3.61, 3.92};
  for (int bits = 2; bits <= 8; ++bits) {
    EXPECT_NEAR(qgemm::aciq_clip_ratio(Prior::Laplace, bits), laplace[bits - 2],
                0.01 * laplace[bits - 2])
        << bits;
    EXPECT_NEAR(qgemm::aciq_clip_ratio(Prior::Gauss, bits), gauss[bits - 2], 0.01 * gauss[bits - 2])
        << bits;
  }
}

TEST(Aciq, RatiosGrowWithBitsAndMinimiseTheModel) {
  for (Prior prior : {Prior::Laplace, Prior::Gauss}) {
    double previous = 0.0;
    for (int bits = 1; bits <= 16; ++bits) {
      const double c = qgemm::aciq_clip_ratio(prior, bits);
      EXPECT_GT(c, previous);
      previous = c;
      const double at = qgemm::aciq_expected_mse(prior, c, bits);
      EXPECT_LE(at, qgemm::aciq_expected_mse(prior, c * 1.05, bits));
      EXPECT_LE(at, qgemm::aciq_expected_mse(prior, c * 0.95, bits));
    }
  }
  EXPECT_THROW(qgemm::aciq_clip_ratio(Prior::Laplace, 0), qgemm::Error);
  EXPECT_THROW(qgemm::aciq_clip_ratio(Prior::Gauss, 17), qgemm::Error);
}

class ClippingClaims : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    laplace_ = new std::vector<float>(laplace_samples(std::size_t{1} << 20, 1.0, 2019));
    gauss_ = new std::vector<float>(gauss_samples(std::size_t{1} << 20, 1.0, 2019));
  }
  static void TearDownTestSuite() {
    delete laplace_;
    delete gauss_;
  }
  static std::map<Clip, double> all_methods(const std::vector<float>& x, int bits) {
    std::map<Clip, double> m;
    for (Clip c :
         {Clip::MinMax, Clip::Percentile, Clip::MSE, Clip::KL, Clip::AciqLaplace, Clip::AciqGauss})
      m[c] = mse_of(x, bits, c);
    return m;
  }
  static std::vector<float>* laplace_;
  static std::vector<float>* gauss_;
};
std::vector<float>* ClippingClaims::laplace_ = nullptr;
std::vector<float>* ClippingClaims::gauss_ = nullptr;

// 4-bit Laplace: ACIQ <= 0.35 x min-max MSE.
TEST_F(ClippingClaims, AciqLaplaceBeatsMinMaxOnLaplaceData) {
  const auto m = all_methods(*laplace_, 4);
  EXPECT_LE(m.at(Clip::AciqLaplace), 0.35 * m.at(Clip::MinMax))
      << m.at(Clip::AciqLaplace) << " vs " << m.at(Clip::MinMax);
}

// 4-bit Gaussian: ACIQ <= 0.6 x min-max MSE.
TEST_F(ClippingClaims, AciqGaussBeatsMinMaxOnGaussianData) {
  const auto m = all_methods(*gauss_, 4);
  EXPECT_LE(m.at(Clip::AciqGauss), 0.6 * m.at(Clip::MinMax))
      << m.at(Clip::AciqGauss) << " vs " << m.at(Clip::MinMax);
}

// MSE search is never worse than ACIQ by more than 2%; KL and percentile lie between min-max
// and MSE search. Checked for both distributions at 3, 4 and 8 bits.
TEST_F(ClippingClaims, MethodsOrderAsClaimed) {
  for (const std::vector<float>* data : {laplace_, gauss_})
    for (int bits : {3, 4, 8}) {
      SCOPED_TRACE(bits);
      const auto m = all_methods(*data, bits);
      const double best_aciq = std::min(m.at(Clip::AciqLaplace), m.at(Clip::AciqGauss));
      EXPECT_LE(m.at(Clip::MSE), 1.02 * best_aciq);
      for (Clip c : {Clip::KL, Clip::Percentile}) {
        EXPECT_LE(m.at(c), m.at(Clip::MinMax) * 1.0001) << static_cast<int>(c);
        EXPECT_GE(m.at(c), m.at(Clip::MSE) * 0.9999) << static_cast<int>(c);
      }
    }
}

TEST(Clipping, PercentileIsThePercentileOfMagnitudes) {
  std::vector<float> x(1000);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = (i % 2 ? -1.0f : 1.0f) * static_cast<float>(i + 1);
  qgemm::CalibrationOptions o{8, Clip::Percentile, true, 90.0};
  const qgemm::QuantParams p = qgemm::calibrate(x.data(), x.size(), o);
  EXPECT_FLOAT_EQ(p.scale, 900.0f / 127.0f);
}

TEST(Clipping, PerChannelThresholdsFollowEachChannelsSpread) {
  Matrix<float> w(4, 4096);
  for (std::size_t r = 0; r < 4; ++r) {
    const auto row = laplace_samples(4096, 0.1 * double(r + 1), 7 + r);
    std::copy(row.begin(), row.end(), &w.at(r, 0));
  }
  const auto p = qgemm::calibrate_grouped(w.cview(), 0, {4, Clip::AciqLaplace});
  for (std::size_t r = 1; r < 4; ++r)
    EXPECT_NEAR(p.scales[r] / p.scales[0], double(r + 1), 0.15 * double(r + 1)) << r;
}

TEST(Clipping, ConstantAndZeroTensorsAreWellDefined) {
  const std::vector<float> constant(100, 3.0f), zeros(100, 0.0f);
  for (Clip c :
       {Clip::MinMax, Clip::Percentile, Clip::MSE, Clip::KL, Clip::AciqLaplace, Clip::AciqGauss}) {
    SCOPED_TRACE(static_cast<int>(c));
    const qgemm::QuantParams p = qgemm::calibrate(constant.data(), constant.size(), 4, c);
    EXPECT_FLOAT_EQ(p.scale, 3.0f / 7.0f);
    EXPECT_NEAR(qgemm::fake_quant_mse(constant.data(), constant.size(), p), 0.0, 1e-10);
    const qgemm::QuantParams z = qgemm::calibrate(zeros.data(), zeros.size(), 4, c);
    EXPECT_EQ(z.scale, 1.0f);
  }
}

TEST(Clipping, BadInputIsRefused) {
  std::vector<float> x(10, 1.0f);
  for (Clip c : {Clip::Percentile, Clip::MSE, Clip::KL, Clip::AciqLaplace, Clip::AciqGauss}) {
    EXPECT_THROW(qgemm::calibrate(x.data(), 0, 4, c), qgemm::Error);
    EXPECT_THROW(qgemm::calibrate(x.data(), x.size(), 1, c), qgemm::Error);
    x[3] = NAN;
    EXPECT_THROW(qgemm::calibrate(x.data(), x.size(), 4, c), qgemm::Error);
    x[3] = 1.0f;
  }
  EXPECT_THROW(qgemm::calibrate(x.data(), x.size(), {8, Clip::Percentile, true, 0.0}),
               qgemm::Error);
  EXPECT_THROW(qgemm::calibrate(x.data(), x.size(), {8, Clip::Percentile, true, 100.5}),
               qgemm::Error);
  EXPECT_THROW(qgemm::calibrate(x.data(), x.size(), {8, Clip::KL, true, 99.99, 200}), qgemm::Error);
}

}  // namespace

namespace {

using namespace qgemm_test;

// The seeds' W8A4 setting: 8-bit per-channel weights, 4-bit activations with Laplace-like
// statistics. Calibrating the activations with ACIQ instead of min-max must at least halve the
// layer's output error against fp32 (Eigen on the unquantized operands).
TEST(ClippingEndToEnd, AciqHalvesTheW8A4LinearErrorOfMinMax) {
  const std::size_t M = 64, N = 96, K = 512;
  Rng rng(4);
  std::exponential_distribution<float> e(1.0f);
  std::bernoulli_distribution sign(0.5);
  Matrix<float> X(M, K), W(N, K), Y(M, N);
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t k = 0; k < K; ++k) X.at(m, k) = sign(rng) ? e(rng) : -e(rng);
  fill_normal(rng, W, 0.0f, 0.05f);
  const EigenRowMajor ref = eigen_view(X) * eigen_view(W).transpose();
  const auto packed = qgemm::PackedWeights::quantize(W.cview());  // s8, per channel

  auto output_mse = [&](qgemm::Clip method) {
    qgemm::LinearOptions o;
    o.activation_quant = qgemm::ActivationQuant::Static;
    o.activation_params = qgemm::calibrate(X.cview(), {4, method, true});
    qgemm::linear(X.cview(), packed, nullptr, Y.view(), o);
    double s = 0;
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t n = 0; n < N; ++n) {
        const double d = Y.at(m, n) - ref(m, n);
        s += d * d;
      }
    return s / double(M * N);
  };
  const double minmax = output_mse(qgemm::Clip::MinMax);
  const double aciq = output_mse(qgemm::Clip::AciqLaplace);
  EXPECT_LE(2.0 * aciq, minmax) << "ACIQ " << aciq << " vs min-max " << minmax;
  std::printf("W8A4 linear output MSE: min-max %.4g, ACIQ-Laplace %.4g (%.2fx lower)\n", minmax,
              aciq, minmax / aciq);
}

}  // namespace

namespace {

using namespace qgemm_test;

TEST(BitAllocation, FollowsTheTwoThirdsRuleWithinTheBudget) {
  // Clip values a factor 8 apart: bins should differ by 8^(2/3) = 4, i.e. 2 bits.
  const std::vector<double> alphas = {1.0, 8.0, 1.0, 8.0};
  const auto bits = qgemm::allocate_bits(alphas, 5.0);
  EXPECT_EQ(bits, (std::vector<int>{4, 6, 4, 6}));
  const auto even = qgemm::allocate_bits({2.0, 2.0, 2.0}, 4.0);
  EXPECT_EQ(even, (std::vector<int>{4, 4, 4}));
  EXPECT_THROW(qgemm::allocate_bits({}, 4.0), qgemm::Error);
  EXPECT_THROW(qgemm::allocate_bits({1.0}, 9.0), qgemm::Error);
  EXPECT_THROW(qgemm::allocate_bits({1.0, -1.0}, 4.0), qgemm::Error);
  EXPECT_THROW(qgemm::allocate_bits({1.0}, 4.0, 1, 8), qgemm::Error);
}

// Channels of very different ranges: the same mean bit width spent ACIQ's way gives a lower
// total quantization error than the same width on every channel.
TEST(BitAllocation, BeatsUniformWidthsOnChannelsOfDifferentRanges) {
  const std::size_t channels = 16, K = 8192;
  std::vector<std::vector<float>> rows;
  std::vector<double> alphas;
  for (std::size_t c = 0; c < channels; ++c) {
    Rng rng(100 + c);
    std::exponential_distribution<double> e(1.0);
    std::bernoulli_distribution sign(0.5);
    const double b = 0.01 * std::pow(2.0, double(c) / 2.0);  // spreads from 0.01 to 1.8
    std::vector<float> row(K);
    for (auto& v : row) v = static_cast<float>(b * (sign(rng) ? e(rng) : -e(rng)));
    rows.push_back(row);
    alphas.push_back(qgemm::aciq_clip_ratio(qgemm::Prior::Laplace, 4) * b);
  }
  const auto bits = qgemm::allocate_bits(alphas, 4.0);
  double mean = 0;
  for (int b : bits) mean += b;
  EXPECT_LE(mean / channels, 4.0);
  auto total_mse = [&](const std::vector<int>& widths) {
    double s = 0;
    for (std::size_t c = 0; c < channels; ++c) {
      const auto p = qgemm::calibrate(rows[c].data(), K, widths[c], qgemm::Clip::AciqLaplace);
      s += qgemm::fake_quant_mse(rows[c].data(), K, p);
    }
    return s;
  };
  const double allocated = total_mse(bits), uniform = total_mse(std::vector<int>(channels, 4));
  EXPECT_LE(allocated, 0.7 * uniform) << allocated << " vs " << uniform;
  std::printf("bit allocation: total MSE %.4g vs uniform 4-bit %.4g (%.2fx lower)\n", allocated,
              uniform, uniform / allocated);
}

}  // namespace

namespace {

using namespace qgemm_test;

// Weights whose quantization error is biased: most weights sit at 0.4 of a 4-bit step above a
// grid point, so rounding always moves them the same way. With positive activations that bias
// adds up over K; correcting each channel's mean (and spread) removes most of it.
TEST(BiasCorrection, RemovesABiasedQuantizationError) {
  const std::size_t M = 32, N = 24, K = 1024;
  Rng rng(11);
  std::uniform_real_distribution<float> jitter(-0.02f, 0.02f), pos(0.0f, 1.0f);
  Matrix<float> W(N, K), X(M, K), Y0(M, N), Y1(M, N);
  for (std::size_t n = 0; n < N; ++n) {
    const float step = 0.1f * float(n + 1);  // max |w| = 7 steps: the 4-bit scale is `step`
    for (std::size_t k = 0; k < K; ++k)
      W.at(n, k) = step * (float(k % 5) - 2.0f + 0.4f + jitter(rng));
    W.at(n, 0) = 7.0f * step;
  }
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t k = 0; k < K; ++k) X.at(m, k) = pos(rng);
  const EigenRowMajor ref = eigen_view(X) * eigen_view(W).transpose();
  const auto packed = qgemm::PackedWeights::quantize(W.cview(), {qgemm::WeightFormat::s4});
  const auto corrected = qgemm::correct_weight_bias(W.cview(), packed);
  ASSERT_EQ(corrected.shift.size(), N);

  qgemm::LinearOptions o;
  qgemm::linear(X.cview(), packed, nullptr, Y0.view(), o);
  o.weight_shift = corrected.shift.data();
  qgemm::linear(X.cview(), corrected.weights, nullptr, Y1.view(), o);
  double e0 = 0, e1 = 0;
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t n = 0; n < N; ++n) {
      e0 += std::pow(Y0.at(m, n) - ref(m, n), 2);
      e1 += std::pow(Y1.at(m, n) - ref(m, n), 2);
    }
  EXPECT_LE(e1, 0.1 * e0) << "corrected " << e1 << " vs plain " << e0;
  std::printf("bias correction: output MSE %.4g -> %.4g (%.1fx lower)\n", e0 / (M * N),
              e1 / (M * N), e0 / e1);
}

TEST(BiasCorrection, RefusesMismatchedWeights) {
  std::vector<float> w(12, 0.5f), v(8, 0.5f);
  const auto packed = qgemm::PackedWeights::quantize({w.data(), 3, 4});
  EXPECT_THROW(qgemm::correct_weight_bias({v.data(), 2, 4}, packed), qgemm::Error);
  EXPECT_THROW(packed.with_scaled_channels({1.0f, 0.0f, 1.0f}), qgemm::Error);
}

}  // namespace
