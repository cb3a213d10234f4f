// Block sizes of the loop nest (driver/blocking.hpp): where K is cut into blocks, on this CPU's
// cache sizes.
#include <cstddef>

#include "test_support.hpp"

namespace {

using qgemm::detail::blocking;
using qgemm::detail::cache_sizes;

/// Bytes of one group of a weight micro-panel of Kernels, as its tiles read it (unstaged).
template <class Kernels>
constexpr std::size_t micro_panel_group_bytes() {
  return Kernels::np * qgemm::pack::kPanelWidth * 4;
}

/// int8: all of K in one block when its micro-panel fits in L1, blocks in 5/8 of L1 beyond
/// that (equal, even); a single micro-panel of rows (decode) never cuts K.
template <class Kernels>
void check_int8_blocks() {
  const std::size_t l1 = cache_sizes().l1, group_bytes = micro_panel_group_bytes<Kernels>();
  const std::size_t fits = l1 / group_bytes;  // groups of a micro-panel that fill L1
  const std::size_t M = 1000, N = 1000;
  for (const std::size_t groups : {std::size_t{1}, fits / 2 + 1, fits}) {
    SCOPED_TRACE(testing::Message() << "groups=" << groups);
    EXPECT_EQ(blocking<Kernels>(M, N, groups, 1).kc_groups, groups);
    EXPECT_EQ(blocking<Kernels>(M, N, groups, 2).kc_groups, groups);
  }
  for (const std::size_t groups : {fits + 1, 2 * fits + 3, 8 * fits}) {
    SCOPED_TRACE(testing::Message() << "groups=" << groups);
    const std::size_t kc = blocking<Kernels>(M, N, groups, 1).kc_groups;
    EXPECT_LT(kc, groups);
    EXPECT_EQ(kc % 2, 0u);                                      // s4 blocks start at even groups
    EXPECT_LE(kc * group_bytes, l1 * 5 / 8 + 2 * group_bytes);  // evened up by at most 2
    const std::size_t blocks = (groups + kc - 1) / kc;
    EXPECT_LT((blocks - 1) * kc, groups);         // no empty block
    EXPECT_LE(blocks * kc - groups, 2 * blocks);  // equal blocks: the last is not short
    EXPECT_EQ(blocking<Kernels>(Kernels::mr, N, groups, 1).kc_groups, groups);  // decode
  }
}

TEST(Blocking, Int8TakesAllOfKWhereItsMicroPanelFitsInL1) {
  check_int8_blocks<qgemm::kernels::IntKernels<qgemm::Isa::scalar>>();
#ifdef QGEMM_X86_KERNELS
  check_int8_blocks<qgemm::kernels::IntKernels<qgemm::Isa::avx512_vnni>>();
#endif
}

// fp32 keeps blocks in 5/8 of L1 even where all of K would fit (it gained and lost by shape).
TEST(Blocking, Fp32CutsKWhereItsMicroPanelPassesFiveEighthsOfL1) {
  using Kernels = qgemm::kernels::F32Kernels<qgemm::Isa::scalar>;
  const std::size_t l1 = cache_sizes().l1, group_bytes = micro_panel_group_bytes<Kernels>();
  const std::size_t groups = l1 / group_bytes;  // all of L1
  const std::size_t kc = blocking<Kernels>(1000, 1000, groups, 1).kc_groups;
  EXPECT_LT(kc, groups);
  EXPECT_LE(kc * group_bytes, l1 * 5 / 8 + 2 * group_bytes);
  EXPECT_EQ(blocking<Kernels>(1000, 1000, groups / 2, 1).kc_groups, groups / 2);
}

#ifdef QGEMM_X86_KERNELS
// Kernels that stream their micro-panel from L2 (takes_whole_k: the wide in-place tiles of
// AVX-512 VNNI, 64 channels): all of K up to an eighth of L2, equal blocks within it beyond;
// with all of K, one block of every channel (no partial sums to hold), and channel blocks that
// start where tiles and blocks of weights both start (every 192).
TEST(Blocking, WideTilesTakeAllOfKUpToAnEighthOfL2) {
  using Wide = qgemm::kernels::IntKernels<qgemm::Isa::avx512_vnni>::WideInPlace;
  static_assert(qgemm::detail::takes_whole_k<Wide>::value);
  const std::size_t group_bytes = micro_panel_group_bytes<Wide>();
  const std::size_t fits = cache_sizes().l2 / 8 / group_bytes;
  for (const std::size_t N : {64, 1000, 5000}) {
    for (const int threads : {1, 2}) {
      SCOPED_TRACE(testing::Message() << "N=" << N << " threads=" << threads);
      const auto whole = blocking<Wide>(1000, N, fits, threads);
      EXPECT_EQ(whole.kc_groups, fits);
      EXPECT_EQ(whole.nc % 192, 0u);
      if (threads == 1) {
        EXPECT_GE(whole.nc, N);
      }
      const auto cut = blocking<Wide>(1000, N, 3 * fits + 5, threads);
      EXPECT_LT(cut.kc_groups, 3 * fits + 5);
      EXPECT_LE(cut.kc_groups, fits + 2);  // evened up by at most 2
      EXPECT_EQ(cut.nc % 192, 0u);
      EXPECT_EQ(cut.mc % Wide::mr, 0u);
    }
  }
}
#endif

}  // namespace
