// linear: against Eigen fp32 on the dequantized operands, against the exact integer sums, and
// the requantized output against quantize() of the fp32 output.
#include "test_support.hpp"

namespace {

using namespace qgemm_test;
using qgemm::Granularity;
using qgemm::Isa;
using qgemm::PackedWeights;
using qgemm::QuantParams;
using qgemm::WeightFormat;

struct WeightCase {
  const char* name;
  qgemm::WeightQuantOptions options;
};
void PrintTo(const WeightCase& w, std::ostream* os) {
  *os << w.name;
}
std::vector<WeightCase> weight_cases() {
  return {{"s8_channel", {WeightFormat::s8, 0, Granularity::PerChannel, 0}},
          {"s8_tensor", {WeightFormat::s8, 0, Granularity::PerTensor, 0}},
          {"s4_channel", {WeightFormat::s4, 0, Granularity::PerChannel, 0}},
          {"s4_group32", {WeightFormat::s4, 0, Granularity::PerGroup, 32}},
          {"s4_group128", {WeightFormat::s4, 0, Granularity::PerGroup, 128}},
          // Groups that end inside a byte of s4 storage: the unpacking path, at every M.
          {"s4_group12", {WeightFormat::s4, 0, Granularity::PerGroup, 12}}};
}
std::vector<Shape> linear_shapes() {
  // M = 40 is above the rows that read s4 weights in registers (kFusedS4MaxRows). 12 x 700:
  // two blocks of K, the last of which runs the epilogue inside the tiles (tile_fused). 1 x 101:
  // one-row tiles of every width, their epilogue inside the tile. 64 x 100: u8 activations in
  // the wide tiles of AVX-512 VNNI (6 rows x 64 channels), every epilogue in them.
  return {{1, 1, 1}, {3, 5, 7}, {17, 65, 129}, {2, 3, 1031}, {1, 40, 4099}, {40, 50, 300},
          {0, 5, 7}, {5, 7, 0}, {12, 40, 700}, {1, 101, 67}, {64, 100, 300}};
}

/// Activations as linear quantizes them: the params of each row and the dequantized values.
struct QuantizedX {
  std::vector<QuantParams> row_params;
  Matrix<float> dequantized{0, 0};
};
QuantizedX quantize_like_linear(const Matrix<float>& X, const qgemm::LinearOptions& o) {
  QuantizedX out;
  const bool empty = X.rows * X.cols == 0;
  const QuantParams tensor =
      o.activation_quant == qgemm::ActivationQuant::Static
          ? o.activation_params
          : (empty ? QuantParams{1.0f, 0, o.activation_bits, o.signed_activations}
                   : qgemm::calibrate(X.cview(), {o.activation_bits, qgemm::Clip::MinMax,
                                                  o.signed_activations}));
  out.dequantized = Matrix<float>(X.rows, X.cols);
  for (std::size_t m = 0; m < X.rows; ++m) {
    QuantParams p = tensor;
    if (o.activation_quant == qgemm::ActivationQuant::DynamicPerRow)
      p = X.cols == 0 ? QuantParams{1.0f, 0, o.activation_bits, true}
                      : qgemm::calibrate(&X.at(m, 0), X.cols,
                                         {o.activation_bits, qgemm::Clip::MinMax, true});
    out.row_params.push_back(p);
    for (std::size_t k = 0; k < X.cols; ++k) {
      const int q = qgemm::detail::quantize_value(X.at(m, k), 1.0f / p.scale, p.zero_point,
                                                  p.qmin(), p.qmax());
      out.dequantized.at(m, k) = p.scale * static_cast<float>(q - p.zero_point);
    }
  }
  return out;
}

Matrix<float> dequantized_weights(const PackedWeights& W) {
  Matrix<float> w(W.rows(), W.cols());
  Matrix<std::int8_t> q(W.rows(), W.cols());
  W.unpack(q.view());
  qgemm::dequantize(q.cview(), W.params(), w.view());
  return w;
}

using LinearParam = std::tuple<Isa, WeightCase, Shape, int>;

class Linear : public testing::TestWithParam<LinearParam> {
 protected:
  Isa isa() const { return std::get<0>(GetParam()); }
  const WeightCase& weights() const { return std::get<1>(GetParam()); }
  Shape shape() const { return std::get<2>(GetParam()); }
  /// 0: dynamic u8, 1: dynamic s8, 2: static u8 params, 3: dynamic per row (s8).
  qgemm::LinearOptions options() const {
    qgemm::LinearOptions o;
    o.isa = isa();
    o.threads = 1;
    switch (std::get<3>(GetParam())) {
      case 1:
        o.signed_activations = true;
        break;
      case 2:
        o.activation_quant = qgemm::ActivationQuant::Static;
        o.activation_params = QuantParams{0.02f, 120, 8, false};  // clips part of N(0.3, 1)
        break;
      case 3:
        o.activation_quant = qgemm::ActivationQuant::DynamicPerRow;
        break;
      default:
        break;
    }
    return o;
  }
  /// X [M x K], w [N x K], bias [N], and w packed as the case says.
  struct Data {
    Matrix<float> X, w;
    std::vector<float> bias;
    PackedWeights W;
  };
  Data make() const {
    const Shape s = shape();
    Data d{Matrix<float>(s.M, s.K), Matrix<float>(s.N, s.K), std::vector<float>(s.N), {}};
    make_data(d.X, d.w, d.bias);
    d.W = PackedWeights::quantize(d.w.cview(), weights().options);
    return d;
  }
  void make_data(Matrix<float>& X, Matrix<float>& w, std::vector<float>& bias) const {
    Rng rng(11 + shape().M * 3 + shape().N * 5 + shape().K * 7);
    fill_normal(rng, X, 0.3f, 1.0f);
    fill_normal(rng, w, 0.0f, 0.2f);
    std::normal_distribution<float> b(0.0f, 0.5f);
    for (auto& v : bias) v = b(rng);
  }
};

// Tolerance: the reference is Eigen's fp32 product of the dequantized operands x^ and w^. qgemm
// computes the exact integer sums S, then scales in fp32. The two differ by the rounding of
// x^, w^ (2u each term), Eigen's dot product (gamma_K), and qgemm's scaling (gamma_{G+3}, G
// groups), all relative to sum |x^||w^| + |bias|; ReLU and clamp are 1-Lipschitz and keep the
// bound.
TEST_P(Linear, MatchesEigenOnDequantizedOperands) {
  const Shape s = shape();
  Matrix<float> X(s.M, s.K, 3), w(s.N, s.K), Y(s.M, s.N, 2, 7.0f);
  std::vector<float> bias(s.N);
  make_data(X, w, bias);
  const auto W = PackedWeights::quantize(w.cview(), weights().options);
  for (qgemm::Activation act : {qgemm::Activation::None, qgemm::Activation::ReLU}) {
    qgemm::LinearOptions o = options();
    o.activation = act;
    qgemm::linear(X.cview(), W, bias.data(), Y.view(), o);
    EXPECT_TRUE(padding_untouched(Y, 7.0f));

    const QuantizedX xq = quantize_like_linear(X, o);
    const Matrix<float> wd = dequantized_weights(W);
    const EigenRowMajor ref = eigen_view(xq.dequantized) * eigen_view(wd).transpose();
    const EigenRowMajor mag =
        eigen_view(xq.dequantized).cwiseAbs() * eigen_view(wd).cwiseAbs().transpose();
    const double u = std::ldexp(1.0, -24);
    const std::size_t groups = W.params().groups_per_row();
    for (std::size_t m = 0; m < s.M; ++m)
      for (std::size_t n = 0; n < s.N; ++n) {
        double expected = static_cast<double>(ref(m, n)) + bias[n];
        if (act == qgemm::Activation::ReLU) expected = std::max(expected, 0.0);
        const double bound =
            (gamma(s.K) + gamma(groups + 3) + 4 * u) * (mag(m, n) + std::abs(bias[n])) + 1e-30;
        ASSERT_NEAR(Y.at(m, n), expected, bound) << "m=" << m << " n=" << n;
      }
  }
}

// The integer part is exact: v = sa * sum_g sw[n][g] * S_g with S_g from 64-bit loops, up to the
// fp32 rounding of the scaling alone.
TEST_P(Linear, ScalesExactIntegerSums) {
  const Shape s = shape();
  Matrix<float> X(s.M, s.K), w(s.N, s.K), Y(s.M, s.N);
  std::vector<float> bias(s.N);
  make_data(X, w, bias);
  const auto W = PackedWeights::quantize(w.cview(), weights().options);
  const qgemm::LinearOptions o = options();
  qgemm::linear(X.cview(), W, nullptr, Y.view(), o);
  const QuantizedX xq = quantize_like_linear(X, o);
  const auto& wp = W.params();
  const std::size_t groups = wp.groups_per_row();
  const double u = std::ldexp(1.0, -24);
  for (std::size_t m = 0; m < s.M; ++m)
    for (std::size_t n = 0; n < s.N; ++n) {
      const QuantParams& xp = xq.row_params[m];
      double v = 0, mag = 0;
      for (std::size_t g = 0; g < groups; ++g) {
        std::int64_t S = 0;
        const std::size_t k1 = std::min(s.K, (g + 1) * wp.group_size);
        for (std::size_t k = g * wp.group_size; k < k1; ++k) {
          const int q = qgemm::detail::quantize_value(X.at(m, k), 1.0f / xp.scale, xp.zero_point,
                                                      xp.qmin(), xp.qmax());
          S += static_cast<std::int64_t>(q - xp.zero_point) * W.value(n, k);
        }
        const double term = double(xp.scale) * double(wp.at(n, g).scale) * double(S);
        v += term;
        mag += std::abs(term);
      }
      ASSERT_NEAR(Y.at(m, n), v, gamma(groups + 4) * mag + 4 * u * std::abs(v) + 1e-30)
          << "m=" << m << " n=" << n;
    }
}

// Every activation, with and without bias: requantized outputs without per-row terms run one
// sequence for all of them (a missing bias adds 0, a missing clamp is one to [-inf, +inf]).
TEST_P(Linear, RequantizedOutputEqualsQuantizedFloatOutput) {
  const Shape s = shape();
  Matrix<float> X(s.M, s.K), w(s.N, s.K);
  std::vector<float> bias(s.N);
  make_data(X, w, bias);
  const auto W = PackedWeights::quantize(w.cview(), weights().options);
  const QuantParams s8_out{0.05f, 0, 8, true}, u8_out{0.04f, 75, 8, false};
  for (const qgemm::Activation act :
       {qgemm::Activation::None, qgemm::Activation::ReLU, qgemm::Activation::Clamp})
    for (const float* b :
         {static_cast<const float*>(bias.data()), static_cast<const float*>(nullptr)}) {
      SCOPED_TRACE(::testing::Message() << "activation " << static_cast<int>(act)
                                        << (b != nullptr ? ", bias" : ", no bias"));
      qgemm::LinearOptions o = options();
      o.activation = act;
      o.clamp_min = -3.0f;
      o.clamp_max = 6.0f;
      Matrix<float> Y(s.M, s.N);
      qgemm::linear(X.cview(), W, b, Y.view(), o);
      Matrix<std::int8_t> Ys(s.M, s.N, 1, 33), expect_s(s.M, s.N);
      Matrix<std::uint8_t> Yu(s.M, s.N), expect_u(s.M, s.N);
      qgemm::linear(X.cview(), W, b, Ys.view(), s8_out, o);
      qgemm::linear(X.cview(), W, b, Yu.view(), u8_out, o);
      if (s.M * s.N > 0) {
        qgemm::quantize(Y.cview(), s8_out, expect_s.view());
        qgemm::quantize(Y.cview(), u8_out, expect_u.view());
      }
      for (std::size_t m = 0; m < s.M; ++m)
        for (std::size_t n = 0; n < s.N; ++n) {
          ASSERT_EQ(Ys.at(m, n), expect_s.at(m, n));
          ASSERT_EQ(Yu.at(m, n), expect_u.at(m, n));
        }
      EXPECT_TRUE(padding_untouched(Ys, std::int8_t{33}));
    }
}

/// linear on Xq rows [m0, m1) quantized with xp, into the same rows of Y.
void linear_on_quantized_rows(const Matrix<float>& X, std::size_t m0, std::size_t m1,
                              const QuantParams& xp, const PackedWeights& W, const float* bias,
                              Matrix<float>& Y, const qgemm::LinearOptions& o) {
  const std::size_t rows = m1 - m0, K = X.cols;
  const qgemm::MatrixView<const float> x(X.storage.data() + m0 * X.ld, rows, K, X.ld);
  const qgemm::MatrixView<float> y(Y.storage.data() + m0 * Y.ld, rows, Y.cols, Y.ld);
  if (xp.is_signed) {
    Matrix<std::int8_t> q(rows, K);
    if (rows * K > 0) qgemm::quantize(x, xp, q.view());
    qgemm::linear(q.cview(), xp, W, bias, y, o);
  } else {
    Matrix<std::uint8_t> q(rows, K);
    if (rows * K > 0) qgemm::quantize(x, xp, q.view());
    qgemm::linear(q.cview(), xp, W, bias, y, o);
  }
}

// The pre-quantized overload gives the same bits; per-row params equal per-tensor calls on each
// row alone.
TEST_P(Linear, QuantizedActivationsOverloadAgrees) {
  const Shape s = shape();
  const Data d = make();
  Matrix<float> Y1(s.M, s.N), Y2(s.M, s.N);
  const qgemm::LinearOptions o = options();
  qgemm::linear(d.X.cview(), d.W, d.bias.data(), Y1.view(), o);
  const QuantizedX xq = quantize_like_linear(d.X, o);
  if (o.activation_quant == qgemm::ActivationQuant::DynamicPerRow)
    for (std::size_t m = 0; m < s.M; ++m)
      linear_on_quantized_rows(d.X, m, m + 1, xq.row_params[m], d.W, d.bias.data(), Y2, o);
  else if (s.M > 0)
    linear_on_quantized_rows(d.X, 0, s.M, xq.row_params[0], d.W, d.bias.data(), Y2, o);
  EXPECT_EQ(Y1.storage, Y2.storage);
}

TEST_P(Linear, ThreadsGiveIdenticalResults) {
  const Shape s = shape();
  const Data d = make();
  Matrix<float> Y1(s.M, s.N), Y2(s.M, s.N);
  qgemm::LinearOptions o = options();
  qgemm::linear(d.X.cview(), d.W, d.bias.data(), Y1.view(), o);
  o.threads = 2;
  qgemm::linear(d.X.cview(), d.W, d.bias.data(), Y2.view(), o);
  EXPECT_EQ(Y1.storage, Y2.storage);
}

std::string linear_name(const testing::TestParamInfo<LinearParam>& info) {
  static const char* modes[] = {"dyn_u8", "dyn_s8", "static_u8", "dyn_row_s8"};
  return std::string(qgemm::isa_name(std::get<0>(info.param))) + "_" +
         std::get<1>(info.param).name + "_" + shape_name(std::get<2>(info.param)) + "_" +
         modes[std::get<3>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(AllPaths, Linear,
                         testing::Combine(testing::ValuesIn(qgemm::available_isas()),
                                          testing::ValuesIn(weight_cases()),
                                          testing::ValuesIn(linear_shapes()),
                                          testing::Values(0, 1, 2, 3)),
                         linear_name);

TEST(LinearEdge, EmptyKGivesActivationOfBias) {
  std::vector<float> w;  // 3 x 0
  const auto W = PackedWeights::quantize(qgemm::MatrixView<const float>(w.data(), 3, 0));
  std::vector<float> x, bias = {-1.0f, 0.5f, 2.0f}, y(6, 9.0f);
  qgemm::LinearOptions o;
  o.activation = qgemm::Activation::ReLU;
  qgemm::linear(qgemm::MatrixView<const float>(x.data(), 2, 0), W, bias.data(), {y.data(), 2, 3},
                o);
  EXPECT_EQ(y, (std::vector<float>{0.0f, 0.5f, 2.0f, 0.0f, 0.5f, 2.0f}));
}

/// sqrt(sum (Y - exact)^2 / sum exact^2) over rows [m0, m1).
double relative_rms_error(const Matrix<float>& Y, const EigenRowMajor& exact, std::size_t m0,
                          std::size_t m1) {
  double err = 0, ref = 0;
  for (std::size_t m = m0; m < m1; ++m)
    for (std::size_t n = 0; n < Y.cols; ++n) {
      err += std::pow(double(Y.at(m, n)) - exact(m, n), 2);
      ref += std::pow(double(exact(m, n)), 2);
    }
  return std::sqrt(err / ref);
}

// Rows of very different magnitude: per-tensor params spend the int8 range on the largest row,
// per-row params give every row its own. Error relative to each row's exact fp32 output.
TEST(LinearPerRow, KeepsSmallRowsAccurateNextToLargeOnes) {
  const std::size_t M = 4, N = 24, K = 256;
  Rng rng(21);
  Matrix<float> X(M, K), w(N, K);
  fill_normal(rng, X, 0.0f, 1.0f);
  fill_normal(rng, w, 0.0f, 1.0f);
  const float row_gain[M] = {1000.0f, 1.0f, 0.01f, 0.0001f};
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t k = 0; k < K; ++k) X.at(m, k) *= row_gain[m];
  const auto W = PackedWeights::quantize(w.cview(), {WeightFormat::s8});
  const Matrix<float> wd = dequantized_weights(W);
  const EigenRowMajor exact = eigen_view(X) * eigen_view(wd).transpose();
  const auto worst_row_error = [&](qgemm::ActivationQuant mode) {
    Matrix<float> Y(M, N);
    qgemm::LinearOptions o;
    o.activation_quant = mode;
    o.signed_activations = true;
    qgemm::linear(X.cview(), W, nullptr, Y.view(), o);
    double worst = 0;
    for (std::size_t m = 0; m < M; ++m)
      worst = std::max(worst, relative_rms_error(Y, exact, m, m + 1));
    return worst;
  };
  const double per_row = worst_row_error(qgemm::ActivationQuant::DynamicPerRow);
  const double per_tensor = worst_row_error(qgemm::ActivationQuant::Dynamic);
  // 8-bit symmetric rounding of N(0,1) rows: ~0.6% relative error; a row 1e7 times smaller
  // than the largest rounds to zero per tensor (100%).
  EXPECT_LT(per_row, 0.02);
  EXPECT_GT(per_tensor, 0.9);
}

TEST(LinearPerRow, ChecksBitsAndWorksAtFourBits) {
  std::vector<float> x(2 * 8, 1.0f), w(3 * 8, 0.5f), y(6);
  const auto W = PackedWeights::quantize(qgemm::MatrixView<const float>(w.data(), 3, 8));
  qgemm::LinearOptions o;
  o.activation_quant = qgemm::ActivationQuant::DynamicPerRow;
  o.activation_bits = 9;
  EXPECT_THROW(qgemm::linear({x.data(), 2, 8}, W, nullptr, {y.data(), 2, 3}, o), qgemm::Error);
  o.activation_bits = 4;
  qgemm::linear({x.data(), 2, 8}, W, nullptr, {y.data(), 2, 3}, o);
  for (float v : y) EXPECT_FLOAT_EQ(v, 4.0f);  // 8 * 1.0 * 0.5, exact at 4 bits
}

// Per-group decode (M up to a path's grouped_rows) runs one kernel call per tile that counts the
// zero-point correction in its K loop; more rows run a tile per group. Both must give the same
// bits, at the extreme activation zero points, for s4 and s8 weights and group ends inside K's
// padding.
template <class TA>
void expect_decode_rows_equal_batch(const QuantParams& xp) {
  const std::size_t M = 11, N = 100, K = 1000;
  Rng rng(5);
  Matrix<TA> Xq(M, K);
  fill_uniform_int(rng, Xq, xp.qmin(), xp.qmax());
  Matrix<float> w(N, K);
  fill_normal(rng, w, 0.0f, 1.0f);
  for (const qgemm::WeightQuantOptions& wo :
       {qgemm::WeightQuantOptions{WeightFormat::s4, 0, Granularity::PerGroup, 128},
        qgemm::WeightQuantOptions{WeightFormat::s4, 0, Granularity::PerGroup, 12},
        qgemm::WeightQuantOptions{WeightFormat::s8, 0, Granularity::PerGroup, 64}}) {
    const auto W = PackedWeights::quantize(w.cview(), wo);
    for (Isa isa : qgemm::available_isas()) {
      qgemm::LinearOptions o;
      o.isa = isa;
      Matrix<float> batch(M, N), rows(M, N);
      qgemm::linear(Xq.cview(), xp, W, nullptr, batch.view(), o);
      for (std::size_t m0 = 0; m0 < M; m0 += 2) {  // decode calls of 2 rows (1 at the end)
        const std::size_t m1 = std::min(M, m0 + 2);
        qgemm::linear(qgemm::MatrixView<const TA>(&Xq.at(m0, 0), m1 - m0, K, Xq.ld), xp, W, nullptr,
                      qgemm::MatrixView<float>(&rows.at(m0, 0), m1 - m0, N, rows.ld), o);
      }
      EXPECT_EQ(batch.storage, rows.storage)
          << qgemm::isa_name(isa) << " group " << wo.group_size << " za " << xp.zero_point;
    }
  }
}

TEST(LinearPerGroup, DecodeCallsMatchBatchCallsAtExtremeZeroPoints) {
  expect_decode_rows_equal_batch<std::uint8_t>({0.03f, 255, 8, false});
  expect_decode_rows_equal_batch<std::uint8_t>({0.03f, 0, 8, false});
  expect_decode_rows_equal_batch<std::int8_t>({0.03f, -128, 8, true});
  expect_decode_rows_equal_batch<std::int8_t>({0.03f, 127, 8, true});
}

// int4 accuracy on Gaussian data against Eigen's fp32 product of the unquantized operands.
// Rounding noise of a b-bit symmetric min-max grid is step/sqrt(12), step = max|w|/7: the max of
// a whole row of K = 2048 Gaussians (~3.5 sigma) gives ~0.14 relative error, the max of a group
// of 128 (~2.7 sigma) ~0.11. Measured with seed 31: per channel 0.1469, group 128 0.1145
// (8-bit activations add ~0.01). Every path computes the same integers, so the figures hold on
// each.
TEST(LinearInt4Accuracy, PerGroup128BeatsPerChannelOnGaussians) {
  const std::size_t M = 16, N = 96, K = 2048;
  Rng rng(31);
  Matrix<float> X(M, K), w(N, K);
  fill_normal(rng, X, 0.0f, 1.0f);
  fill_normal(rng, w, 0.0f, 1.0f);
  const EigenRowMajor exact = eigen_view(X) * eigen_view(w).transpose();
  const auto error_of = [&](const qgemm::WeightQuantOptions& wo, Isa isa) {
    const auto W = PackedWeights::quantize(w.cview(), wo);
    Matrix<float> Y(M, N);
    qgemm::LinearOptions o;
    o.activation_quant = qgemm::ActivationQuant::DynamicPerRow;
    o.isa = isa;
    qgemm::linear(X.cview(), W, nullptr, Y.view(), o);
    return relative_rms_error(Y, exact, 0, M);
  };
  for (Isa isa : qgemm::available_isas()) {
    const double channel = error_of({WeightFormat::s4, 0, Granularity::PerChannel, 0}, isa);
    const double group128 = error_of({WeightFormat::s4, 0, Granularity::PerGroup, 128}, isa);
    std::printf("%s: int4 relative RMS error per channel %.4f, per group of 128 %.4f\n",
                qgemm::isa_name(isa), channel, group128);
    EXPECT_LT(group128, channel) << qgemm::isa_name(isa);
    EXPECT_LT(channel, 0.16) << qgemm::isa_name(isa);
    EXPECT_LT(group128, 0.125) << qgemm::isa_name(isa);
    EXPECT_GT(channel - group128, 0.02) << qgemm::isa_name(isa);
  }
}

}  // namespace
