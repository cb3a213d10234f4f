// Every refused input: a qgemm::Error naming the argument and its value, outputs untouched.
#include "test_support.hpp"

#include <cstdlib>
#include <functional>

namespace {

using namespace qgemm_test;
using qgemm::PackedWeights;
using qgemm::QuantParams;

/// Runs f, expects a qgemm::Error whose argument() is `argument` and whose message contains
/// `value_text`.
void expect_error(const std::function<void()>& f, const std::string& argument,
                  const std::string& value_text) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one about " << argument;
  } catch (const qgemm::Error& e) {
    EXPECT_EQ(e.argument(), argument) << e.what();
    EXPECT_NE(std::string(e.what()).find(value_text), std::string::npos)
        << "message '" << e.what() << "' lacks '" << value_text << "'";
  }
}

TEST(Errors, ErrorIsAnInvalidArgument) {
  const float x[1] = {NAN};
  std::int8_t q[1];
  EXPECT_THROW(qgemm::quantize(x, 1, QuantParams{}, q), std::invalid_argument);
}

struct IntGemmFixture : testing::Test {
  Matrix<std::uint8_t> A{4, 6};
  Matrix<std::int8_t> B{5, 6};
  Matrix<std::int32_t> C{4, 5, 0, 1234};
  bool c_untouched() const {
    for (auto v : C.storage)
      if (v != 1234) return false;
    return true;
  }
};

TEST_F(IntGemmFixture, MismatchedKIsRefused) {
  Matrix<std::int8_t> B7(5, 7);
  expect_error([&] { qgemm::gemm(A.cview(), 0, B7.cview(), 0, C.view()); }, "B.cols", "7");
  EXPECT_TRUE(c_untouched());
}

TEST_F(IntGemmFixture, MismatchedOutputIsRefused) {
  Matrix<std::int32_t> C3(3, 5), C6(4, 6);
  expect_error([&] { qgemm::gemm(A.cview(), 0, B.cview(), 0, C3.view()); }, "C.rows", "3");
  expect_error([&] { qgemm::gemm(A.cview(), 0, B.cview(), 0, C6.view()); }, "C.cols", "6");
}

TEST_F(IntGemmFixture, NullDataWithElementsIsRefused) {
  qgemm::MatrixView<const std::uint8_t> null_a(nullptr, 4, 6);
  expect_error([&] { qgemm::gemm(null_a, 0, B.cview(), 0, C.view()); }, "A.data", "4 x 6");
  qgemm::MatrixView<std::int32_t> null_c(nullptr, 4, 5);
  expect_error([&] { qgemm::gemm(A.cview(), 0, B.cview(), 0, null_c); }, "C.data", "null");
}

TEST_F(IntGemmFixture, LeadingDimensionBelowRowIsRefused) {
  qgemm::MatrixView<const std::uint8_t> a(A.storage.data(), 4, 6, 5);
  expect_error([&] { qgemm::gemm(a, 0, B.cview(), 0, C.view()); }, "A.ld", "5");
  qgemm::MatrixView<std::int32_t> c(C.storage.data(), 4, 5, 4);
  expect_error([&] { qgemm::gemm(A.cview(), 0, B.cview(), 0, c); }, "C.ld", "4");
  EXPECT_TRUE(c_untouched());
  std::vector<qgemm::int4x2> b4(5 * 3);
  qgemm::MatrixView<const qgemm::int4x2> b(b4.data(), 5, 6, 2);  // 6 int4 need 3 bytes
  expect_error([&] { qgemm::gemm(A.cview(), 0, b, 0, C.view()); }, "B.ld", "2");
}

TEST_F(IntGemmFixture, ZeroPointOutsideTheOperandRangeIsRefused) {
  expect_error([&] { qgemm::gemm(A.cview(), 256, B.cview(), 0, C.view()); }, "a_zero_point", "256");
  expect_error([&] { qgemm::gemm(A.cview(), 0, B.cview(), -129, C.view()); }, "b_zero_point",
               "-129");
  Matrix<qgemm::int4x2> B4(5, 6);
  expect_error([&] { qgemm::gemm(A.cview(), 0, B4.cview(), 8, C.view()); }, "b_zero_point", "8");
  EXPECT_TRUE(c_untouched());
}

TEST(Errors, KPastTheInt32BoundIsRefused) {
  const std::size_t K = 65794;  // one past the u8 x s8 bound
  std::vector<std::uint8_t> a(K, 1);
  std::vector<std::int8_t> b(K, 1);
  std::int32_t c = 42;
  expect_error(
      [&] {
        qgemm::gemm({a.data(), 1, K}, 0, {b.data(), 1, K}, 0, {&c, 1, 1});
      },
      "K", "65794");
  EXPECT_EQ(c, 42);
  // The bound follows the zero points: with a_zero_point = 128 it is larger.
  EXPECT_NO_THROW(qgemm::gemm({a.data(), 1, K}, 128, {b.data(), 1, K}, 0, {&c, 1, 1}));
  EXPECT_EQ(c, static_cast<std::int32_t>(K) * (1 - 128));
}

TEST(Errors, BitsOutsideTwoToEightAreRefused) {
  const float x[2] = {1.0f, -1.0f};
  std::int8_t q[2] = {5, 5};
  expect_error(
      [&] {
        qgemm::quantize(x, 2, QuantParams{1.0f, 0, 1, true}, q);
      },
      "params.bits", "1");
  expect_error(
      [&] {
        qgemm::quantize(x, 2, QuantParams{1.0f, 0, 9, true}, q);
      },
      "params.bits", "9");
  expect_error([&] { qgemm::calibrate(x, 2, 9); }, "options.bits", "9");
  expect_error(
      [&] {
        PackedWeights::quantize({x, 1, 2}, {qgemm::WeightFormat::s4, 5});
      },
      "options.bits", "5");
  EXPECT_EQ(q[0], 5);
}

TEST(Errors, BadScalesAreRefused) {
  const float x[2] = {1.0f, -1.0f};
  std::int8_t q[2] = {5, 5};
  for (float s : {0.0f, -1.0f, NAN, INFINITY, 1e-40f}) {
    SCOPED_TRACE(s);
    EXPECT_THROW(qgemm::quantize(x, 2, QuantParams{s, 0, 8, true}, q), qgemm::Error);
  }
  expect_error(
      [&] {
        qgemm::quantize(x, 2, QuantParams{-2.0f, 0, 8, true}, q);
      },
      "params.scale", "-2");
  float back[2];
  expect_error(
      [&] {
        qgemm::dequantize(q, 2, QuantParams{0.0f, 0, 8, true}, back);
      },
      "params.scale", "0");
  EXPECT_EQ(q[0], 5);
}

TEST(Errors, NonFiniteDataToQuantizeIsRefused) {
  float x[4] = {1.0f, 2.0f, 3.0f, NAN};
  std::int8_t q[4] = {9, 9, 9, 9};
  expect_error([&] { qgemm::quantize(x, 4, QuantParams{}, q); }, "x[3]", "nan");
  for (auto v : q) EXPECT_EQ(v, 9) << "output written before the error";
  x[3] = -INFINITY;
  expect_error([&] { qgemm::calibrate(x, 4, 8); }, "x[3]", "inf");
  x[3] = INFINITY;
  expect_error([&] { PackedWeights::quantize({x, 2, 2}); }, "w(1, 1)", "inf");
  x[3] = 4.0f;
  float y[2] = {7.0f, 7.0f};
  const auto W = PackedWeights::quantize({x, 1, 3});
  x[1] = NAN;
  expect_error([&] { qgemm::linear({x, 1, 3}, W, nullptr, {y, 1, 1}); }, "X(0, 1)", "nan");
  EXPECT_EQ(y[0], 7.0f);
}

TEST(Errors, LinearShapeMismatchIsRefused) {
  const float x[6] = {1, 2, 3, 4, 5, 6};
  float y[2] = {7.0f, 7.0f};
  const auto W = PackedWeights::quantize({x, 2, 3});
  expect_error([&] { qgemm::linear({x, 1, 2}, W, nullptr, {y, 1, 2}); }, "W.cols", "3");
  expect_error([&] { qgemm::linear({x, 2, 3}, W, nullptr, {y, 1, 2}); }, "Y.rows", "1");
  EXPECT_EQ(y[0], 7.0f);
}

TEST(Errors, CalibratingNothingIsRefused) {
  expect_error([] { qgemm::calibrate(nullptr, 0, 8); }, "n", "0");
  expect_error([] { qgemm::calibrate(nullptr, 3, 8); }, "x", "null");
}

TEST(Errors, WrongStorageSignednessIsRefused) {
  const float x[1] = {1.0f};
  std::uint8_t u[1];
  expect_error(
      [&] {
        qgemm::quantize(x, 1, QuantParams{1.0f, 0, 8, true}, u);
      },
      "params.is_signed", "true");
}

TEST(Errors, ZeroPointOutsideParamsRangeIsRefused) {
  const float x[1] = {1.0f};
  std::uint8_t u[1];
  expect_error(
      [&] {
        qgemm::quantize(x, 1, QuantParams{1.0f, 16, 4, false}, u);
      },
      "params.zero_point", "16");
}

TEST(Errors, DequantizeRefusesIntegersOutsideTheParamsBits) {
  const std::int8_t q[2] = {3, 9};
  float x[2] = {0, 0};
  expect_error([&] { qgemm::dequantize(q, 2, QuantParams{1.0f, 0, 4, true}, x); }, "q[1]", "9");
  EXPECT_EQ(x[0], 0.0f);
}

TEST(Errors, NullArraysAreRefusedUnlessEmpty) {
  const float x[2] = {1.0f, 2.0f};
  std::int8_t q[2] = {7, 7};
  float back[2] = {5.0f, 5.0f};
  const QuantParams p{1.0f, 0, 8, true};
  expect_error([&] { qgemm::quantize(nullptr, 2, p, q); }, "x", "null with n = 2");
  expect_error([&] { qgemm::quantize(x, 2, p, static_cast<std::int8_t*>(nullptr)); }, "q",
               "null with n = 2");
  expect_error([&] { qgemm::dequantize(static_cast<const std::int8_t*>(nullptr), 2, p, back); },
               "q", "null with n = 2");
  expect_error([&] { qgemm::dequantize(q, 2, p, nullptr); }, "x", "null with n = 2");
  EXPECT_EQ(q[0], 7);
  EXPECT_EQ(back[0], 5.0f);
  // n = 0: nothing to read or write, so null is fine.
  EXPECT_NO_THROW(qgemm::quantize(nullptr, 0, p, static_cast<std::int8_t*>(nullptr)));
  EXPECT_NO_THROW(qgemm::dequantize(static_cast<const std::int8_t*>(nullptr), 0, p, nullptr));
}

TEST(Errors, OutputsOfAnotherShapeAreRefused) {
  Matrix<float> x(2, 8), back(2, 7);
  Matrix<std::int8_t> q(2, 8), narrow(3, 8);
  expect_error(
      [&] {
        qgemm::quantize(x.cview(), QuantParams{1.0f, 0, 8, true}, narrow.view());
      },
      "q.rows x q.cols", "3 x 8: must match x, 2 x 8");
  const auto p = qgemm::GroupedQuantParams::per_channel(2, 8, 8, {1.0f, 1.0f});
  expect_error([&] { qgemm::quantize(x.cview(), p, narrow.view()); }, "q.rows x q.cols",
               "must match x, 2 x 8");
  expect_error([&] { qgemm::dequantize(q.cview(), p, back.view()); }, "x.rows x x.cols",
               "2 x 7: must match q, 2 x 8");
}

TEST(Errors, GroupedDequantizeChecksEveryValueBeforeWriting) {
  // Two rows of two groups of 4; the last value is outside the 4-bit range [-8, 7].
  Matrix<std::int8_t> q(2, 8);
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t c = 0; c < 8; ++c) q.at(r, c) = static_cast<std::int8_t>(c - 4);
  q.at(1, 7) = 9;
  const auto p = qgemm::GroupedQuantParams::per_group(2, 8, 4, 4, {1.0f, 1.0f, 1.0f, 1.0f});
  Matrix<float> x(2, 8, 0, 42.0f);
  expect_error([&] { qgemm::dequantize(q.cview(), p, x.view()); }, "q(1, 7)", "9");
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t c = 0; c < 8; ++c) EXPECT_EQ(x.at(r, c), 42.0f);
  q.at(1, 7) = 3;
  qgemm::dequantize(q.cview(), p, x.view());
  EXPECT_EQ(x.at(0, 0), -4.0f);
  EXPECT_EQ(x.at(1, 7), 3.0f);
}

TEST(Errors, GroupedParamsOfTheWrongSizeAreRefused) {
  Matrix<float> w(2, 8);
  Matrix<std::int8_t> q(2, 8);
  auto p = qgemm::GroupedQuantParams::per_group(2, 8, 4, 8, {1.0f, 1.0f, 1.0f});
  expect_error([&] { qgemm::quantize(w.cview(), p, q.view()); }, "params.scales.size()", "3");
  auto shape = qgemm::GroupedQuantParams::per_channel(3, 8, 8, {1.0f, 1.0f, 1.0f});
  expect_error([&] { qgemm::quantize(w.cview(), shape, q.view()); }, "params.rows x params.cols",
               "3 x 8");
}

TEST(Errors, GroupSizeMustBeAPositiveMultipleOfFour) {
  const float w[8] = {};
  expect_error(
      [&] {
        PackedWeights::quantize({w, 1, 8},
                                {qgemm::WeightFormat::s4, 0, qgemm::Granularity::PerGroup, 6});
      },
      "options.group_size", "6");
}

TEST(Errors, LinearRefusesBadEpilogueAndOutputParams) {
  const float x[4] = {1, 2, 3, 4};
  const auto W = PackedWeights::quantize({x, 2, 2});
  float y[2] = {5, 5};
  qgemm::LinearOptions o;
  o.activation = qgemm::Activation::Clamp;
  o.clamp_min = 1.0f;
  o.clamp_max = 0.0f;
  expect_error(
      [&] {
        qgemm::linear({x, 1, 2}, W, nullptr, {y, 1, 2}, o);
      },
      "clamp_min, clamp_max", "1");
  const float bias[2] = {0.0f, NAN};
  expect_error([&] { qgemm::linear({x, 1, 2}, W, bias, {y, 1, 2}); }, "bias[1]", "nan");
  std::int8_t yq[2] = {3, 3};
  expect_error(
      [&] {
        qgemm::linear({x, 1, 2}, W, nullptr, {yq, 1, 2}, QuantParams{1.0f, 0, 8, false});
      },
      "output_params.is_signed", "false");
  o = {};
  o.activation_quant = qgemm::ActivationQuant::Static;
  o.activation_params = QuantParams{0.0f, 0, 8, false};
  expect_error(
      [&] {
        qgemm::linear({x, 1, 2}, W, nullptr, {y, 1, 2}, o);
      },
      "options.activation_params.scale", "0");
  EXPECT_EQ(y[0], 5.0f);
  EXPECT_EQ(yq[0], 3);
}

TEST(Errors, NegativeThreadCountIsRefused) {
  const float a[1] = {1};
  float c[1] = {0};
  expect_error(
      [&] {
        qgemm::gemm({a, 1, 1}, {a, 1, 1}, {c, 1, 1}, {-1});
      },
      "options.threads", "-1");
}

TEST(Errors, UnknownIsaNamesAreRefused) {
  expect_error([] { qgemm::parse_isa("avx9000"); }, "name", "avx9000");
#if !defined(_WIN32)
  // Restore whatever the process was started with: other tests read QGEMM_ISA too.
  const char* before = std::getenv("QGEMM_ISA");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("QGEMM_ISA", "sse9", 1);
  expect_error([] { qgemm::detail::isa_from_environment(); }, "QGEMM_ISA", "sse9");
  if (before != nullptr)
    ::setenv("QGEMM_ISA", saved.c_str(), 1);
  else
    ::unsetenv("QGEMM_ISA");
#endif
}

TEST(Errors, UnavailableIsaIsRefusedNotSilentlyReplaced) {
  const auto available = qgemm::available_isas();
  for (qgemm::Isa isa : qgemm::all_isas()) {
    if (std::find(available.begin(), available.end(), isa) != available.end()) continue;
    const float a[1] = {1};
    float c[1] = {0};
    expect_error(
        [&] {
          qgemm::gemm({a, 1, 1}, {a, 1, 1}, {c, 1, 1}, {1, isa});
        },
        "options.isa", qgemm::isa_name(isa));
    EXPECT_EQ(c[0], 0.0f);
    return;
  }
  GTEST_SKIP() << "every path is available on this CPU and build";
}

}  // namespace
