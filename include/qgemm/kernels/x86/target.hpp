// Per-function target attributes: SIMD code is compiled for its ISA inside the user's translation
// unit, whatever -m flags that unit has, and only ever called after the CPU check.
#pragma once

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define QGEMM_X86_KERNELS 1
// GCC 12 warns "__Y may be used uninitialized" inside its own AVX-512 headers wherever
// intrinsics built on _mm512_undefined_* are inlined (GCC bug 105593); users' -Wall builds
// should not see it. The pragma covers the header's lines, so it must wrap the first include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "../../pack/panel_layout.hpp"
#include "../epilogue_args.hpp"
#include "../kernel_traits.hpp"

#define QGEMM_TARGET_AVX2 __attribute__((target("avx2,fma,popcnt")))
#define QGEMM_TARGET_AVX_VNNI __attribute__((target("avx2,fma,popcnt,avxvnni")))
// prfchw: every CPU with AVX-512 has PREFETCHW (prefetch for writing).
#define QGEMM_TARGET_AVX512 \
  __attribute__((target("avx2,fma,popcnt,prfchw,avx512f,avx512bw,avx512dq,avx512vl")))
#define QGEMM_TARGET_AVX512_VNNI \
  __attribute__((target("avx2,fma,popcnt,prfchw,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))

// Register tiles are arrays indexed by constants; unrolling keeps them in registers.
#define QGEMM_UNROLL _Pragma("GCC unroll 32")
// Helpers of a kernel's inner loop take its register arrays by reference: they must inline.
#define QGEMM_ALWAYS_INLINE inline __attribute__((always_inline))

namespace qgemm {
namespace kernels {
namespace x86 {

inline std::uint32_t load_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint64_t load_u64(const void* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// The hints of a tile_fused call (TileExtras), issued in the first groups of its K loop: two
/// lines of the next weight micro-panel, one line of the next block of A and one row of output
/// lines (for writing: PREFETCHW where the caller's target has it; or into L2,
/// OutputPrefetch::to_l2) per group. The groups after those run without the bookkeeping, so the
/// fewer hinted groups the better: a row's lines go out together.
class TileHints {
 public:
  TileHints(const TileExtras& x, std::size_t groups)
      : panel_(x.prefetch.data),
        panel_bytes_(64 * x.prefetch.lines),
        activations_(x.activations),
        out_(x.output.data),
        out_stride_(x.output.stride),
        out_rows_(x.output.rows),
        row_lines_(x.output.row_lines),
        out_to_l2_(x.output.to_l2) {
    groups_ =
        std::min(std::max({(x.prefetch.lines + 1) / 2, activations_.left(), out_rows_}), groups);
  }
  /// Groups of K, from the first, that issue hints.
  std::size_t groups() const { return groups_; }
  /// The hints of one group.
  QGEMM_ALWAYS_INLINE void step() {
    if (at_ < panel_bytes_) _mm_prefetch(panel_ + at_, _MM_HINT_T1);
    if (at_ + 64 < panel_bytes_) _mm_prefetch(panel_ + at_ + 64, _MM_HINT_T1);
    at_ += 128;
    if (activations_.left() > 0) _mm_prefetch(activations_.next(), _MM_HINT_T1);
    if (out_rows_ == 0) return;
    if (out_to_l2_)
      for (std::size_t l = 0; l < row_lines_; ++l) _mm_prefetch(out_ + 64 * l, _MM_HINT_T1);
    else
      for (std::size_t l = 0; l < row_lines_; ++l) __builtin_prefetch(out_ + 64 * l, 1, 3);
    out_ += out_stride_;
    --out_rows_;
  }

 private:
  const char* panel_;
  std::size_t panel_bytes_, at_ = 0;
  StridedLines activations_;
  const char* out_;
  std::size_t out_stride_, out_rows_, row_lines_, groups_ = 0;
  bool out_to_l2_;
};

/// Where a tile's P panels lie, in bytes from its first: 64 apart within one block (Wide
/// false); or, for tiles of more panels than a block (4: 64 channels), across the end of the
/// block into the next (pack::panel_distance, from TileExtras::n0 and block_bytes).
template <std::size_t P, bool Wide>
struct PanelPlaces {
  PanelPlaces() = default;
  explicit PanelPlaces(const TileExtras&) {}
  static constexpr std::ptrdiff_t at(std::size_t p) { return static_cast<std::ptrdiff_t>(p * 64); }
};
template <std::size_t P>
struct PanelPlaces<P, true> {
  explicit PanelPlaces(const TileExtras& x) {
    const std::size_t first = x.n0 % pack::kBlockWidth / pack::kPanelWidth;
    QGEMM_UNROLL for (std::size_t p = 0; p < P; ++p) at_[p] =
        pack::panel_distance(first, p, x.block_bytes);
  }
  std::ptrdiff_t at(std::size_t p) const { return at_[p]; }
  std::ptrdiff_t at_[P];
};

/// The tiles of a strip (TileExtras::tiles), R rows each: for tile i, where it reads A, where
/// it keeps partial sums and the TileExtras of that one tile; and the call's epilogue, copied
/// once for all of them. TileEntry::run_fused (tile_entry_inl.hpp) walks it.
template <std::size_t R>
class StripTiles {
 public:
  StripTiles(const TileExtras& x, std::size_t ldt)
      : x_(x),
        e_(x.epilogue != nullptr ? *x.epilogue : EpilogueArgs{}),
        first_(x.prefetch.data),
        panel_(0, x.prefetch.lines, x.tiles),
        activations_(x.activations.first, x.activations.lines, x.tiles),
        left_(x.tiles),
        ldt_(ldt) {
    x_.tiles = 1;
    x_.prefetch.lines = panel_.lines();
    x_.activations.lines = activations_.lines();
  }
  /// The extras of the current tile.
  const TileExtras& extras() const { return x_; }
  /// The epilogue of every tile (meaningless when there is none: EpilogueRoute::sums).
  const EpilogueArgs& epilogue() const { return e_; }
  /// Moves to the next tile of the strip (A by a_step, sums by R rows of ldt); false after the
  /// last.
  template <class AElem, class Acc>
  QGEMM_ALWAYS_INLINE bool next(const AElem*& a, Acc*& out) {
    if (--left_ <= 0) return false;
    a += x_.a_step;
    if (out != nullptr) out += R * ldt_;
    x_.m0 += R;
    if (x_.output.rows > 0) x_.output.data += R * x_.output.stride;
    panel_.next(), activations_.next();
    x_.prefetch = {first_ + 64 * panel_.at, panel_.lines()};
    x_.activations.first = activations_.at, x_.activations.lines = activations_.lines();
    return true;
  }

 private:
  /// A tile's share of a range of hinted lines [first, first + lines): `each` lines, tile
  /// after tile, from `at`.
  struct Share {
    Share(std::size_t first, std::size_t lines, std::size_t tiles)
        : at(first),
          end(first + lines),
          each((lines + tiles - 1) / std::max<std::size_t>(tiles, 1)) {}
    std::size_t lines() const { return std::min(each, end - at); }
    void next() { at = std::min(end, at + each); }
    std::size_t at, end, each;
  };

  TileExtras x_;
  EpilogueArgs e_;
  const char* first_;
  Share panel_, activations_;
  std::ptrdiff_t left_;
  std::size_t ldt_;
};

/// The tile shapes of a path's tables: rows 1..MR with panels 1..NP, and one-row tiles up to
/// NP1 >= NP panels. A one-row (decode) tile as wide as a block reads its weights as one
/// contiguous stream; a one-panel tile reads every third line of a block, in three passes.
/// Entries 0..NP1-1 hold one row, the rest rows 2..MR.
template <std::size_t MR, std::size_t NP, std::size_t NP1>
struct TileShapes {
  static_assert(NP1 >= NP, "one-row tiles are at least as wide as the others");
  static constexpr std::size_t size = NP1 + (MR - 1) * NP;
  static constexpr std::size_t rows(std::size_t i) { return i < NP1 ? 1 : (i - NP1) / NP + 2; }
  static constexpr std::size_t panels(std::size_t i) {
    return i < NP1 ? i + 1 : (i - NP1) % NP + 1;
  }
  static constexpr std::size_t index(std::size_t rows, std::size_t panels) {
    return rows == 1 ? panels - 1 : NP1 + (rows - 2) * NP + (panels - 1);
  }
};

/// The tile_fused entry of tile class T: T::run_fused<Rt> for the route of the call's
/// epilogue, one instantiation per route, each with a strip loop free of the others' tests.
template <class T, class AElem, class BElem, class Acc>
void run_routed(const AElem* a, const BElem* b, std::size_t group_stride, std::size_t g0,
                std::size_t g1, Acc* out, std::size_t ldt, bool accumulate,
                const TileExtras& extras) {
  constexpr bool integer = std::is_same_v<Acc, std::int32_t>;
  switch (epilogue_route(extras.epilogue, integer)) {
    case EpilogueRoute::sums:
      return T::template run_fused<EpilogueRoute::sums>(a, b, group_stride, g0, g1, out, ldt,
                                                        accumulate, extras);
    case EpilogueRoute::int32:
      if constexpr (integer)
        return T::template run_fused<EpilogueRoute::int32>(a, b, group_stride, g0, g1, out, ldt,
                                                           accumulate, extras);
      break;  // not a route of float sums
    case EpilogueRoute::per_channel:
      return T::template run_fused<EpilogueRoute::per_channel>(a, b, group_stride, g0, g1, out, ldt,
                                                               accumulate, extras);
    case EpilogueRoute::general:
      break;
  }
  T::template run_fused<EpilogueRoute::general>(a, b, group_stride, g0, g1, out, ldt, accumulate,
                                                extras);
}
/// Its pointer for Tile<rows, panels>, whose run_fused takes these element types.
template <class T, class AElem, class BElem, class Acc>
constexpr auto routed_entry(void (*)(const AElem*, const BElem*, std::size_t, std::size_t,
                                     std::size_t, Acc*, std::size_t, bool, const TileExtras&)) {
  return &run_routed<T, AElem, BElem, Acc>;
}
template <class T>
constexpr auto routed_entry_of() {
  return routed_entry<T>(&T::template run_fused<EpilogueRoute::sums>);
}

/// Function pointers to Tile<rows, panels>::run (Fused: the routed run_fused) for the shapes
/// of `Shapes`, so an edge tile runs a kernel specialised to its shape instead of a padded full
/// tile.
template <template <std::size_t, std::size_t> class Tile, class Shapes, bool Fused,
          std::size_t... I>
constexpr auto make_tile_table(std::index_sequence<I...>) {
  if constexpr (Fused)
    return std::array<decltype(routed_entry_of<Tile<1, 1>>()), Shapes::size>{
        routed_entry_of<Tile<Shapes::rows(I), Shapes::panels(I)>>()...};
  else
    return std::array<decltype(&Tile<1, 1>::run), Shapes::size>{
        &Tile<Shapes::rows(I), Shapes::panels(I)>::run...};
}
template <template <std::size_t, std::size_t> class Tile, class Shapes, bool Fused = false>
constexpr auto tile_table() {
  return make_tile_table<Tile, Shapes, Fused>(std::make_index_sequence<Shapes::size>{});
}

/// `tile` and `tile_fused` of a path whose Tile<rows, panels>::run_fused takes TileExtras:
/// one table serves both (`tile` asks for nothing extra). One-row tiles go up to NP1 panels
/// (row_np).
template <template <std::size_t, std::size_t> class Tile, std::size_t MR, std::size_t NP,
          class AElem, class BElem = std::int8_t, class Acc = std::int32_t, std::size_t NP1 = NP>
struct FusedTileDispatch {
  using Shapes = TileShapes<MR, NP, NP1>;
  static constexpr std::size_t mr = MR;
  static constexpr std::size_t np = NP;
  static constexpr std::size_t row_np = NP1;
  static void tile_fused(std::size_t rows, std::size_t panels, const AElem* a, const BElem* b,
                         std::size_t group_stride, std::size_t g0, std::size_t g1, Acc* out,
                         std::size_t ldt, bool accumulate, const TileExtras& extras) {
    static constexpr auto table = tile_table<Tile, Shapes, true>();
    table[Shapes::index(rows, panels)](a, b, group_stride, g0, g1, out, ldt, accumulate, extras);
  }
  static void tile(std::size_t rows, std::size_t panels, const AElem* a, const BElem* b,
                   std::size_t group_stride, std::size_t g0, std::size_t g1, Acc* out,
                   std::size_t ldt, bool accumulate = false) {
    tile_fused(rows, panels, a, b, group_stride, g0, g1, out, ldt, accumulate, {});
  }
  /// The tile_fused of one shape alone (tests: the whole table is slow to compile).
  template <std::size_t R, std::size_t P>
  static constexpr auto tile_entry = routed_entry_of<Tile<R, P>>();
};

/// The `tile_in_place` entry point (kernel_traits.hpp) of a path whose InPlaceTile<rows,
/// panels>::run_fused reads A unpacked, TileExtras::a_ld elements from row to row: the same
/// table as tile_fused, of the other instantiation.
template <template <std::size_t, std::size_t> class InPlaceTile, std::size_t MR, std::size_t NP,
          class AElem, class BElem, class Acc, std::size_t NP1 = NP>
struct InPlaceTileDispatch {
  static constexpr auto tile_in_place =
      &FusedTileDispatch<InPlaceTile, MR, NP, AElem, BElem, Acc, NP1>::tile_fused;
  /// The tile_in_place of one shape alone.
  template <std::size_t R, std::size_t P>
  static constexpr auto in_place_tile_entry = routed_entry_of<InPlaceTile<R, P>>();
};

/// The `tile_staged` entry point (kernel_traits.hpp) of a path whose StagedTile<rows, panels>
/// reads the copy of a weight micro-panel that a tile_fused call left (StagedElem): the
/// tile_fused table of the other instantiation, of the same shapes (one-row tiles up to NP1
/// panels).
template <template <std::size_t, std::size_t> class StagedTile, std::size_t MR, std::size_t NP,
          class AElem, class Staged, std::size_t NP1 = NP>
struct StagedTileDispatch {
  using StagedElem = Staged;
  static constexpr auto tile_staged =
      &FusedTileDispatch<StagedTile, MR, NP, AElem, Staged, std::int32_t, NP1>::tile_fused;
};

/// The `tile_s4` entry point: the same contract as `tile` on s4 weights (two groups per
/// group_stride bytes, pack/panel_layout.hpp); g0 and g1 are even. One-row tiles go up to NP1
/// panels (s4_row_np).
template <template <std::size_t, std::size_t> class TileS4, std::size_t MR, std::size_t NP,
          class AElem, std::size_t NP1 = NP>
struct S4TileDispatch {
  using Shapes = TileShapes<MR, NP, NP1>;
  static constexpr std::size_t s4_row_np = NP1;
  static void tile_s4(std::size_t rows, std::size_t panels, const AElem* a, const std::int8_t* b,
                      std::size_t group_stride, std::size_t g0, std::size_t g1, std::int32_t* out,
                      std::size_t ldt, bool accumulate = false) {
    static constexpr auto table = tile_table<TileS4, Shapes>();
    table[Shapes::index(rows, panels)](a, b, group_stride, g0, g1, out, ldt, accumulate);
  }
};

/// The `tile_grouped` entry point (kernel_traits.hpp): GroupedTile<rows, panels> on s8
/// weights, GroupedTileS4 on s4 weights, for up to MR rows (grouped_rows).
template <template <std::size_t, std::size_t> class GroupedTile,
          template <std::size_t, std::size_t> class GroupedTileS4, std::size_t MR, std::size_t NP,
          class AElem>
struct GroupedTileDispatch {
  static constexpr std::size_t grouped_rows = MR;
  static void tile_grouped(std::size_t rows, std::size_t panels, const AElem* a,
                           const std::int8_t* b, std::size_t group_stride, bool s4,
                           const GroupedTileArgs& args, float* out, std::size_t ldo) {
    using Shapes = TileShapes<MR, NP, NP>;
    static constexpr auto s8_table = tile_table<GroupedTile, Shapes>();
    static constexpr auto s4_table = tile_table<GroupedTileS4, Shapes>();
    (s4 ? s4_table : s8_table)[Shapes::index(rows, panels)](a, b, group_stride, args, out, ldo);
  }
};

}  // namespace x86
}  // namespace kernels
}  // namespace qgemm
#endif
