// A user's program: int8 and int4 linear layers through the installed / added package.
#include <qgemm/qgemm.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  const std::size_t M = 2, N = 5, K = 40;
  std::vector<float> x(M * K), w(N * K), y8(M * N), y4(M * N), ref(M * N, 0.0f);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3f * static_cast<float>(i));
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::cos(0.7f * static_cast<float>(i));
  qgemm::gemm(qgemm::MatrixView<const float>(x.data(), M, K),
              qgemm::MatrixView<const float>(w.data(), N, K), {ref.data(), M, N});

  const auto w8 = qgemm::PackedWeights::quantize({w.data(), N, K});
  const auto w4 = qgemm::PackedWeights::quantize(
      {w.data(), N, K}, {qgemm::WeightFormat::s4, 4, qgemm::Granularity::PerGroup, 8});
  qgemm::linear({x.data(), M, K}, w8, nullptr, {y8.data(), M, N});
  qgemm::linear({x.data(), M, K}, w4, nullptr, {y4.data(), M, N});

  double err8 = 0, err4 = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    err8 = std::fmax(err8, std::fabs(y8[i] - ref[i]));
    err4 = std::fmax(err4, std::fabs(y4[i] - ref[i]));
  }
  std::printf("path %s, max |error| int8 %.4f, int4 %.4f\n", qgemm::isa_name(qgemm::active_isa()),
              err8, err4);
  if (!(err8 < 0.2 && err4 < 1.0)) return 1;
  std::printf("consumer ok\n");
  return 0;
}
