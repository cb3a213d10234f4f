#include <cstdio>
#include <qgemm/qgemm.hpp>
#include <vector>

int main() {
  const std::size_t M = 4, N = 3, K = 64;  // batch, out features, in features
  std::vector<float> x(M * K, 0.5f), w(N * K), bias(N, 0.1f), y(M * N);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) - 3.0f;

  // Quantize the weights once (int8, one scale per output channel), then reuse them.
  auto packed = qgemm::PackedWeights::quantize({w.data(), N, K});
  qgemm::linear({x.data(), M, K}, packed, bias.data(), {y.data(), M, N});  // y = x w^T + bias

  std::printf("y[0][0] = %.3f on the %s path\n", y[0], qgemm::isa_name(qgemm::active_isa()));
}
