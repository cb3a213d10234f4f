// Each path's activation packer (its pack_words where it has one, then the scalar packer for the
// rest) against the scalar packer alone, element for element: every K up to three SIMD steps
// past a step, s8 / u8 / fp32, rows a panel or a tail, leading dimensions wider than K.
#include "test_support.hpp"

#include <cstring>
#include <limits>

namespace {

using qgemm::Isa;

/// Packs `rows` rows of random TA (K columns, lda apart) both ways for Kernels: equal bytes.
template <class Kernels, std::size_t G, class TA>
void expect_same_packing(qgemm_test::Rng& rng, std::size_t rows, std::size_t K, std::size_t lda) {
  using AElem = typename Kernels::AElem;
  const std::size_t kp = (K + G - 1) / G * G;
  std::vector<TA> a(rows * lda);
  if constexpr (std::is_floating_point_v<TA>) {
    std::normal_distribution<float> d(0.0f, 1.0f);
    for (auto& x : a) x = d(rng);
  } else {
    std::uniform_int_distribution<int> d(std::numeric_limits<TA>::min(),
                                         std::numeric_limits<TA>::max());
    for (auto& x : a) x = static_cast<TA>(d(rng));
  }
  // Sentinels past the panel: a packer must write exactly rows * kp elements.
  std::vector<AElem> fast(rows * kp + 8, AElem(7)), plain(rows * kp + 8, AElem(7));
  qgemm::detail::pack_activation_panel<Kernels, G>(a.data(), lda, rows, K, kp, fast.data());
  qgemm::detail::pack_activations<G>(a.data(), lda, rows, K, kp, Kernels::mr, plain.data());
  ASSERT_EQ(0, std::memcmp(fast.data(), plain.data(), fast.size() * sizeof(AElem)))
      << "rows " << rows << " K " << K << " lda " << lda;
}

template <Isa I>
void check_path() {
  if (!qgemm::isa_supported_by_cpu(I)) GTEST_SKIP() << qgemm::isa_name(I) << ": not on this CPU";
  using Int = qgemm::kernels::IntKernels<I>;
  using F32 = qgemm::kernels::F32Kernels<I>;
  qgemm_test::Rng rng(11);
  for (const std::size_t rows : {Int::mr, std::size_t{1}})
    for (std::size_t K = 0; K <= 3 * 64 + 5; ++K) {
      expect_same_packing<Int, 4, std::uint8_t>(rng, rows, K, K + 5);
      expect_same_packing<Int, 4, std::int8_t>(rng, rows, K, K + 64);
    }
  for (const std::size_t rows : {F32::mr, F32::mr - 1})
    for (std::size_t K = 0; K <= 3 * 16 + 5; ++K)
      expect_same_packing<F32, 1, float>(rng, rows, K, K + 3);
}

TEST(PackActivations, Scalar) {
  check_path<Isa::scalar>();
}
#ifdef QGEMM_X86_KERNELS
TEST(PackActivations, Avx2) {
  check_path<Isa::avx2>();
}
TEST(PackActivations, AvxVnni) {
  check_path<Isa::avx_vnni>();
}
TEST(PackActivations, Avx512) {
  check_path<Isa::avx512>();
}
TEST(PackActivations, Avx512Vnni) {
  check_path<Isa::avx512_vnni>();
}
#endif

}  // namespace
