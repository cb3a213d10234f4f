// A strip of tiles in one tile_fused (or tile_in_place) call (TileExtras::tiles) against the
// same tiles one call each, bit for bit, on every path this CPU runs: partial sums written and
// accumulated, and the fused epilogue with and without partial sums, columns that end inside a
// vector, output rows that start past row 0.
#include "test_support.hpp"

#include <cstring>
#include <limits>

#ifdef QGEMM_X86_KERNELS
namespace {

using qgemm::Isa;
using qgemm::kernels::EpilogueArgs;
using qgemm::kernels::OutputKind;
using qgemm::kernels::TileExtras;

template <class T>
void fill_random(qgemm_test::Rng& rng, std::vector<T>& v) {
  if constexpr (std::is_floating_point_v<T>) {
    std::normal_distribution<float> d(0.0f, 1.0f);
    for (auto& x : v) x = d(rng);
  } else if constexpr (std::is_same_v<T, std::int16_t>) {  // widened u8 activations
    std::uniform_int_distribution<int> d(0, 255);
    for (auto& x : v) x = static_cast<T>(d(rng));
  } else {
    std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(),
                                         std::numeric_limits<T>::max());
    for (auto& x : v) x = static_cast<T>(d(rng));
  }
}

/// One call of `tiles` tiles of mr rows (rows P panels wide) against `tiles` calls of one, for
/// each way a driver calls them. The tiles' entries of one shape (tile_entry), not the tables:
/// those instantiate every shape of every path, which took this file 90 s to compile.
template <class Kernels, bool InPlace, std::size_t P>
void expect_strip_equals_tiles(qgemm_test::Rng& rng, std::size_t tiles) {
  using AElem = typename Kernels::AElem;
  using BElem = typename Kernels::BElem;
  using Acc = typename Kernels::Acc;
  constexpr bool integer = std::is_same_v<Acc, std::int32_t>;
  constexpr std::size_t MR = Kernels::mr, GS = qgemm::pack::kGroupStride;
  const std::size_t g0 = 2, g1 = 9, kp = 10 * Kernels::k_group, rows = tiles * MR;
  const std::size_t ldt = 3 * qgemm::pack::kPanelWidth + 5, ldo = ldt + 2, m0 = 1;
  constexpr std::size_t panels = P;
  const std::size_t cols = panels * qgemm::pack::kPanelWidth - 3;

  std::vector<AElem> a(rows * kp);
  std::vector<BElem> b(g1 * GS / sizeof(BElem));
  std::vector<Acc> sums(rows * ldt);
  std::vector<std::int32_t> col_corr(64);
  std::vector<float> bias(64);
  fill_random(rng, a), fill_random(rng, b), fill_random(rng, sums), fill_random(rng, col_corr);
  fill_random(rng, bias);
  const Acc sentinel = Acc(-7);
  std::vector<Acc> out((m0 + rows + 1) * ldo, sentinel);

  EpilogueArgs e;
  e.kind = integer ? OutputKind::Int32 : OutputKind::Float;
  e.out = out.data();
  e.ldo = ldo;
  e.stride = col_corr.size();
  e.col_corr = col_corr.data();
  if constexpr (!integer) e.bias = bias.data();

  auto call = [&](const AElem* ap, Acc* t, bool accumulate, const TileExtras& x) {
    if constexpr (InPlace)
      Kernels::template in_place_tile_entry<MR, P>(ap, b.data(), GS, g0, g1, t, ldt, accumulate, x);
    else
      Kernels::template tile_entry<MR, P>(ap, b.data(), GS, g0, g1, t, ldt, accumulate, x);
  };
  // With and without the epilogue, with and without partial sums in `sums`.
  for (int mode = 0; mode < 4; ++mode) {
    const bool epilogue = mode >= 2, accumulate = mode % 2 == 1;
    TileExtras x;
    x.prefetch = {reinterpret_cast<const char*>(b.data()), 2 * tiles + 1};
    x.n0 = 0, x.cols = epilogue ? cols : panels * qgemm::pack::kPanelWidth;
    x.m0 = m0, x.a_ld = InPlace ? kp : 0, x.a_step = MR * kp;
    if (epilogue) {
      x.epilogue = &e;
      x.output = {reinterpret_cast<const char*>(out.data() + m0 * ldo), ldo * sizeof(Acc), MR, 2,
                  false};
    }
    const bool keeps_sums = !epilogue || accumulate;
    std::vector<Acc> strip_sums = sums, tile_sums = sums;
    std::fill(out.begin(), out.end(), sentinel);
    x.tiles = tiles;
    call(a.data(), keeps_sums ? strip_sums.data() : nullptr, accumulate, x);
    const std::vector<Acc> strip_out = out;

    std::fill(out.begin(), out.end(), sentinel);
    for (std::size_t i = 0; i < tiles; ++i) {
      TileExtras one = x;
      one.tiles = 1;
      one.m0 = m0 + i * MR;
      one.output.data += i * MR * one.output.stride;
      call(a.data() + i * MR * kp, keeps_sums ? tile_sums.data() + i * MR * ldt : nullptr,
           accumulate, one);
    }
    ASSERT_EQ(0, std::memcmp(strip_sums.data(), tile_sums.data(), sums.size() * sizeof(Acc)))
        << "partial sums, mode " << mode << ", " << panels << " panels, " << tiles << " tiles";
    ASSERT_EQ(0, std::memcmp(strip_out.data(), out.data(), out.size() * sizeof(Acc)))
        << "output, mode " << mode << ", " << panels << " panels, " << tiles << " tiles";
    if (epilogue) {  // the strip wrote its rows, and only its columns
      EXPECT_NE(strip_out[m0 * ldo], sentinel);
      EXPECT_EQ(strip_out[m0 * ldo + cols], sentinel);
      EXPECT_EQ(strip_out[(m0 + rows) * ldo], sentinel);
    }
  }
}

template <class Kernels>
void check_kernels(qgemm_test::Rng& rng) {
  using qgemm::detail::row_np_of;
  for (const std::size_t tiles : {1, 2, 5}) {
    expect_strip_equals_tiles<Kernels, false, 1>(rng, tiles);
    expect_strip_equals_tiles<Kernels, false, Kernels::np>(rng, tiles);
    if constexpr (qgemm::detail::has_tile_in_place<Kernels>::value) {
      expect_strip_equals_tiles<Kernels, true, Kernels::np>(rng, tiles);
      // One panel in place: the edge tiles of a block.
      expect_strip_equals_tiles<Kernels, true, 1>(rng, tiles);
    }
    // One-row tiles, as wide as they come (decode; RowKernels).
    using Rows = qgemm::detail::RowKernels<Kernels>;
    expect_strip_equals_tiles<Rows, false, row_np_of<Kernels>::value>(rng, tiles);
  }
}

template <Isa I>
void check_path() {
  if (!qgemm::isa_supported_by_cpu(I)) GTEST_SKIP() << qgemm::isa_name(I) << ": not on this CPU";
  qgemm_test::Rng rng(5);
  check_kernels<qgemm::kernels::IntKernels<I>>(rng);
  check_kernels<qgemm::kernels::F32Kernels<I>>(rng);
}

TEST(TileStrips, Avx2) {
  check_path<Isa::avx2>();
}
// The byte-pair tiles of AVX2 (weights whose pairs fit int16; any bytes give the same bits in a
// strip and in single tiles).
TEST(TileStrips, Avx2BytePairs) {
  if (!qgemm::isa_supported_by_cpu(Isa::avx2)) GTEST_SKIP() << "avx2: not on this CPU";
  qgemm_test::Rng rng(6);
  check_kernels<qgemm::kernels::BytePairKernels>(rng);
}
TEST(TileStrips, AvxVnni) {
  check_path<Isa::avx_vnni>();
}
TEST(TileStrips, Avx512) {
  check_path<Isa::avx512>();
}
TEST(TileStrips, Avx512Vnni) {
  check_path<Isa::avx512_vnni>();
}

// The next block of A, handed to the tiles (TileExtras::activations) rather than hinted by the
// driver: the pieces the driver takes, split over the tiles of a strip, walk every line the
// driver would hint, once each and in order. Chunks of 200 bytes (4 lines, the last partly),
// 1000 bytes apart; pieces of 3, 7, 1, 4 and the rest; strips of 1 and 3 tiles; lines the driver
// hints itself in between.
TEST(TileHints, ActivationLinesCoverTheNextBlockOnce) {
  constexpr std::size_t chunks = 5, bytes = 200, stride = 1000, lines = chunks * 4;
  std::vector<char> block(chunks * stride);
  std::vector<const char*> expected;
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t offset = 0; offset < bytes; offset += 64)
      expected.push_back(block.data() + c * stride + offset);
  ASSERT_EQ(expected.size(), lines);
  for (const std::size_t tiles : {1, 3}) {
    qgemm::detail::Prefetcher next(block.data(), chunks, bytes, stride);
    ASSERT_EQ(next.lines(), lines);
    std::vector<const char*> walked;
    for (const std::size_t piece : {3, 7, 1, 4, 100}) {
      TileExtras x;
      x.tiles = tiles;
      x.activations = next.take(piece);
      EXPECT_EQ(x.activations.lines, std::min(piece, lines - walked.size()));
      qgemm::kernels::x86::StripTiles<8> strip(x, 0);
      const std::uint8_t* a = nullptr;
      std::int32_t* out = nullptr;
      do
        for (qgemm::kernels::StridedLines l(strip.extras().activations); l.left() > 0;)
          walked.push_back(l.next());
      while (strip.next(a, out));
    }
    EXPECT_EQ(walked, expected) << tiles << " tiles";
    EXPECT_EQ(next.take(1).lines, 0u);
  }
  // Lines the driver hints itself (advance) between two pieces are passed over by the second.
  qgemm::detail::Prefetcher next(block.data(), chunks, bytes, stride);
  next.take(3);
  next.advance(2);
  std::vector<const char*> walked;
  for (qgemm::kernels::StridedLines l(next.take(4)); l.left() > 0;) walked.push_back(l.next());
  EXPECT_EQ(walked, std::vector<const char*>(expected.begin() + 5, expected.begin() + 9));
}

}  // namespace
#endif
