// The CUDA tensor-core path against the CPU: integer outputs bit-exact against 64-bit sums,
// the fused epilogue against Eigen fp32. Every test skips cleanly where no GPU is present.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <qgemm/cuda/s4_layout.hpp>
#include <qgemm/error.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cuda_calls.hpp"

namespace {

#define SKIP_WITHOUT_GPU() \
  if (!cuda_calls::available()) GTEST_SKIP() << "no CUDA device on this machine"

/// Sets an environment variable for one scope (QGEMM_CUDA_TILE, QGEMM_CUDA_INT4_MMA).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value.empty())
      unsetenv(name);
    else
      setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_)
      setenv(name_, old_.c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

std::vector<std::int8_t> random_values(std::mt19937& rng, std::size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<std::int8_t> v(n);
  for (auto& x : v) x = static_cast<std::int8_t>(d(rng));
  return v;
}

/// 64-bit sums of A (rows of lda) times W^T (rows of K).
std::vector<std::int64_t> reference(const std::vector<std::int8_t>& A, std::size_t lda,
                                    const std::vector<std::int8_t>& W, std::size_t M, std::size_t N,
                                    std::size_t K) {
  std::vector<std::int64_t> C(M * N, 0);
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t n = 0; n < N; ++n) {
      std::int64_t s = 0;
      for (std::size_t k = 0; k < K; ++k) s += std::int64_t(A[m * lda + k]) * W[n * K + k];
      C[m * N + n] = s;
    }
  return C;
}

struct Shape {
  std::size_t M, N, K;
};
// M on both sides of each tile switch (16, 64); N, K off every block size; primes; K past the
// 128/256 stages with tails; the s4 segment (32) cut.
const std::vector<Shape> kShapes = {
    {1, 1, 1},      {1, 8, 32},     {2, 33, 47},    {3, 17, 33},    {16, 64, 256},
    {17, 65, 257},  {31, 127, 129}, {64, 128, 512}, {65, 129, 300}, {130, 257, 1000},
    {1, 300, 4099}, {200, 96, 64},  {257, 31, 385}, {5, 7, 0}};

struct IntCase {
  bool s4;
  std::string tile;  // "" = auto
  bool extremes;
};

class CudaGemmExact : public testing::TestWithParam<IntCase> {};

TEST_P(CudaGemmExact, MatchesSixtyFourBitReference) {
  SKIP_WITHOUT_GPU();
  const IntCase p = GetParam();
  if ((p.tile == "large4" || p.tile == "wide") && cuda_calls::shared_memory_optin() < 144 * 1024)
    GTEST_SKIP() << "tile " << p.tile << " needs more shared memory than this device has";
  ScopedEnv tile("QGEMM_CUDA_TILE", p.tile);
  std::mt19937 rng(1234);
  for (const Shape& s : kShapes) {
    for (int variant = 0; variant < 3; ++variant) {
      // variant 0: dense aligned; 1: lda not a multiple of 16 and A off by one byte (staged
      // through scratch); 2: weights packed on the device, ldc > N.
      cuda_calls::GemmCase c;
      c.M = s.M, c.N = s.N, c.K = s.K;
      c.lda = variant == 1 ? s.K + 3 : (s.K + 15) / 16 * 16;
      c.ldc = variant == 2 ? s.N + 5 : s.N;
      c.a_offset = variant == 1 ? 1 : 0;
      c.s4_weights = p.s4;
      c.pack_on_device = variant == 2;
      const int wlo = p.s4 ? -8 : -128, whi = p.s4 ? 7 : 127;
      std::vector<std::int8_t> A = p.extremes ? std::vector<std::int8_t>(c.M * c.lda, -128)
                                              : random_values(rng, c.M * c.lda, -128, 127);
      std::vector<std::int8_t> W = p.extremes
                                       ? std::vector<std::int8_t>(c.N * c.K, std::int8_t(wlo))
                                       : random_values(rng, c.N * c.K, wlo, whi);
      if (p.extremes)  // mix the extremes so both signs meet
        for (std::size_t i = 0; i < W.size(); i += 3) W[i] = std::int8_t(whi);
      const std::int32_t poison = 0x5a5a5a5a;
      const auto C = cuda_calls::gemm(c, A, W, poison);
      const auto ref = reference(A, c.lda, W, c.M, c.N, c.K);
      std::size_t wrong = 0, untouched = 0;
      for (std::size_t m = 0; m < c.M; ++m)
        for (std::size_t n = 0; n < c.ldc; ++n) {
          const std::int32_t got = C[m * c.ldc + n];
          if (n >= c.N) {
            untouched += got != poison;
          } else if (got != ref[m * c.N + n]) {
            if (wrong++ < 3)
              ADD_FAILURE() << s.M << "x" << s.N << "x" << s.K << " variant " << variant << " C["
                            << m << "][" << n << "] = " << got << ", expected " << ref[m * c.N + n];
          }
        }
      EXPECT_EQ(wrong, 0u) << s.M << "x" << s.N << "x" << s.K << " variant " << variant;
      EXPECT_EQ(untouched, 0u) << "wrote past N: " << s.M << "x" << s.N << "x" << s.K;
    }
  }
}

std::vector<IntCase> int_cases() {
  std::vector<IntCase> v;
  for (bool s4 : {false, true})
    for (const char* tile : {"", "small", "decode", "medium", "large", "large4", "wide"})
      for (bool extremes : {false, true}) v.push_back({s4, tile, extremes});
  return v;
}

INSTANTIATE_TEST_SUITE_P(AllTiles, CudaGemmExact, testing::ValuesIn(int_cases()),
                         [](const testing::TestParamInfo<IntCase>& info) {
                           const IntCase& c = info.param;
                           return std::string(c.s4 ? "s8s4" : "s8s8") + "_" +
                                  (c.tile.empty() ? "auto" : c.tile) +
                                  (c.extremes ? "_extremes" : "_random");
                         });

class CudaGemmS4 : public testing::TestWithParam<std::string> {};

TEST_P(CudaGemmS4, BothOperandsFourBitExact) {
  SKIP_WITHOUT_GPU();
  const std::string mode = GetParam();
  if (mode == "native" && !cuda_calls::int4_tensor_cores() &&
      !std::getenv("QGEMM_CUDA_TEST_NATIVE_S4"))
    GTEST_SKIP() << cuda_calls::device_name()
                 << " has no int4 tensor cores (set QGEMM_CUDA_TEST_NATIVE_S4=1 to run the native "
                    "kernel anyway, where the compiler emulates it)";
  ScopedEnv force("QGEMM_CUDA_INT4_MMA", mode == "auto" ? "" : mode);
  std::mt19937 rng(99);
  for (const Shape& s : kShapes)
    for (bool extremes : {false, true}) {
      auto A = random_values(rng, s.M * s.K, -8, 7);
      auto W = random_values(rng, s.N * s.K, -8, 7);
      if (extremes) {
        std::fill(A.begin(), A.end(), std::int8_t(-8));
        for (std::size_t i = 0; i < W.size(); ++i) W[i] = i % 2 ? 7 : -8;
      }
      const auto C = cuda_calls::gemm_s4(s.M, s.N, s.K, A, W);
      const auto ref = reference(A, s.K, W, s.M, s.N, s.K);
      std::size_t wrong = 0;
      for (std::size_t i = 0; i < ref.size(); ++i) wrong += C[i] != ref[i];
      EXPECT_EQ(wrong, 0u) << mode << " " << s.M << "x" << s.N << "x" << s.K
                           << (extremes ? " extremes" : "");
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, CudaGemmS4, testing::Values("auto", "native", "unpack"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

/// Eigen fp32: Y = act(scale_row * scale_w[n] * (A W^T) + bias).
Eigen::MatrixXf eigen_linear(const cuda_calls::LinearCase& c, const std::vector<std::int8_t>& A,
                             const std::vector<std::int8_t>& W, const std::vector<float>& ws) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMajor a(c.M, c.K), w(c.N, c.K);
  for (std::size_t i = 0; i < c.M * c.K; ++i) a.data()[i] = A[i];
  for (std::size_t i = 0; i < c.N * c.K; ++i) w.data()[i] = W[i];
  Eigen::MatrixXf y = a * w.transpose();
  for (std::size_t m = 0; m < c.M; ++m)
    for (std::size_t n = 0; n < c.N; ++n) {
      const float sa = c.row_scales.empty() ? c.a_scale : c.row_scales[m];
      float v = sa * ws[n] * y(m, n) + (c.bias.empty() ? 0.0f : c.bias[n]);
      y(m, n) = c.relu ? std::max(v, 0.0f) : v;
    }
  return y;
}

struct LinearParam {
  bool s4;
  std::string output;
  bool per_row;
};

class CudaLinear : public testing::TestWithParam<LinearParam> {};

TEST_P(CudaLinear, EpilogueMatchesEigen) {
  SKIP_WITHOUT_GPU();
  const LinearParam p = GetParam();
  std::mt19937 rng(7);
  for (const Shape& s : std::vector<Shape>{{1, 64, 512}, {13, 200, 300}, {100, 130, 1024}}) {
    cuda_calls::LinearCase c;
    c.M = s.M, c.N = s.N, c.K = s.K;
    c.s4_weights = p.s4;
    c.output = p.output;
    c.a_scale = 0.02f;
    if (p.per_row) {
      std::uniform_real_distribution<float> d(0.005f, 0.05f);
      for (std::size_t m = 0; m < c.M; ++m) c.row_scales.push_back(d(rng));
    }
    std::normal_distribution<float> nb(0.0f, 2.0f);
    for (std::size_t n = 0; n < c.N; ++n) c.bias.push_back(nb(rng));
    c.relu = true;
    c.out_scale = 0.5f;
    const auto A = random_values(rng, c.M * c.K, -127, 127);
    const auto W = random_values(rng, c.N * c.K, p.s4 ? -8 : -127, p.s4 ? 7 : 127);
    std::vector<float> ws(c.N);
    std::uniform_real_distribution<float> dw(0.0005f, 0.003f);
    for (auto& x : ws) x = p.s4 ? 16 * dw(rng) : dw(rng);
    const std::vector<float> Y = cuda_calls::linear(c, A, W, ws);
    const Eigen::MatrixXf ref = eigen_linear(c, A, W, ws);
    // Tolerance: the int32 sums are exact on the GPU; Eigen's fp32 sums of K products of at most
    // 127*127 carry a relative error below K * 2^-24 of sum |a w|, about 1e-4 at K = 1024. fp16
    // adds half an ulp (2^-11 relative); s8 output may round the other way at a tie (1 step).
    std::size_t bad = 0;
    for (std::size_t m = 0; m < c.M; ++m)
      for (std::size_t n = 0; n < c.N; ++n) {
        const float r = ref(m, n), got = Y[m * c.N + n];
        bool ok;
        if (p.output == "s8") {
          const float q = std::fmin(std::fmax(std::nearbyint(r / c.out_scale), -128.f), 127.f);
          ok = std::fabs(got - q) <= 1.0f;
        } else {
          const float rel = p.output == "f16" ? 1.5e-3f : 2e-4f;
          ok = std::fabs(got - r) <= rel * std::fabs(r) + 1e-4f;
        }
        if (!ok && bad++ < 3)
          ADD_FAILURE() << "Y[" << m << "][" << n << "] = " << got << ", Eigen " << r;
      }
    EXPECT_EQ(bad, 0u) << s.M << "x" << s.N << "x" << s.K;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Outputs, CudaLinear,
    testing::Values(LinearParam{false, "f32", false}, LinearParam{false, "f16", false},
                    LinearParam{false, "s8", false}, LinearParam{false, "f32", true},
                    LinearParam{true, "f32", false}, LinearParam{true, "f16", true},
                    LinearParam{true, "s8", true}),
    [](const testing::TestParamInfo<LinearParam>& info) {
      return std::string(info.param.s4 ? "s4_" : "s8_") + info.param.output +
             (info.param.per_row ? "_per_row" : "_per_tensor");
    });

TEST(CudaPacking, DeviceMatchesHost) {
  SKIP_WITHOUT_GPU();
  std::mt19937 rng(5);
  for (bool s4 : {false, true})
    for (const Shape& s : std::vector<Shape>{{0, 3, 5}, {0, 300, 1000}, {0, 1, 33}}) {
      const auto W = random_values(rng, s.N * s.K, s4 ? -8 : -128, s4 ? 7 : 127);
      EXPECT_EQ(cuda_calls::packed_bytes(s4, false, s.N, s.K, W),
                cuda_calls::packed_bytes(s4, true, s.N, s.K, W));
    }
}

TEST(CudaErrors, ClearMessagesBeforeAnyLaunch) {
  SKIP_WITHOUT_GPU();
  std::vector<std::int8_t> W(4 * 8, 1), A(2 * 8, 1);
  W[13] = 9;  // not an s4 value
  EXPECT_THROW(cuda_calls::packed_bytes(true, false, 4, 8, W), qgemm::Error);
  EXPECT_THROW(cuda_calls::packed_bytes(true, true, 4, 8, W), qgemm::Error);
  try {
    cuda_calls::packed_bytes(true, false, 4, 8, W);
  } catch (const qgemm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("w[1][5]"), std::string::npos) << e.what();
  }
  W[13] = 1;
  cuda_calls::GemmCase c;
  c.M = 2, c.N = 4, c.K = 8, c.lda = 7, c.ldc = 4;  // lda < K
  EXPECT_THROW(cuda_calls::gemm(c, A, W, 0), qgemm::Error);
  c.lda = 8, c.ldc = 3;  // ldc < N
  EXPECT_THROW(cuda_calls::gemm(c, A, W, 0), qgemm::Error);
  cuda_calls::LinearCase l;
  l.M = 2, l.N = 4, l.K = 8, l.out_scale = 0.0f;
  EXPECT_THROW(cuda_calls::linear(l, A, W, std::vector<float>(4, 1.0f)), qgemm::Error);
}

}  // namespace

// The s4 layout needs no GPU: every value of a row has its own nibble.
TEST(CudaS4Layout, EveryValueHasItsOwnNibble) {
  std::vector<int> seen(2 * 16 * 5, 0);
  for (std::size_t k = 0; k < 32 * 5; ++k) {
    const qgemm::cuda::S4Slot s = qgemm::cuda::s4_slot(k);
    ASSERT_LT(s.byte, 16u * 5);
    ++seen[2 * s.byte + s.high];
  }
  for (int v : seen) EXPECT_EQ(v, 1);
  // lane t's word (bytes 4t..4t+3) holds k = 4t..4t+3 low and k = 16+4t.. high: the int8 mma's
  // b0 and b1 registers.
  for (std::size_t t = 0; t < 4; ++t)
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(qgemm::cuda::s4_slot(4 * t + i).byte, 4 * t + i);
      EXPECT_EQ(qgemm::cuda::s4_slot(16 + 4 * t + i).high, 1);
    }
  EXPECT_EQ(qgemm::cuda::s4_read(0x8F, 0), -1);
  EXPECT_EQ(qgemm::cuda::s4_read(0x8F, 1), -8);
}
