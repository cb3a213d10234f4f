// The entry points of a path's tile classes, written once and compiled per target.
//
// A tile's `one` is inlined into its entry point, and GCC 12 and clang 14 inline a function only
// into callers compiled for at least its target; a target attribute is not a template argument
// either. So the shared base is compiled once per target: deliberately without include guard,
// like ../epilogue_inl.hpp, a path's header opens its own namespace, defines QGEMM_TILE_TARGET
// (its target attribute) and includes this file, which defines `struct TileEntry` there.
//
// Requires: EpilogueRoute, TileExtras and x86::StripTiles (target.hpp) visible; std::size_t.

/// The base (CRTP) of a tile class `Tile` of R rows, whose
///   template <EpilogueRoute Rt> static void one(a, b, group_stride, g0, g1, out, ldt,
///                                               accumulate, const TileExtras&,
///                                               const EpilogueArgs&)
/// computes one tile (always inline): the entry points of the dispatch tables (target.hpp).
template <class Tile, std::size_t R, class AElem, class BElem, class Acc>
struct TileEntry {
  /// A strip of TileExtras::tiles tiles, one after another (x86::StripTiles): the entry point
  /// of tile_fused and tile_in_place (run_routed, one instantiation per route).
  template <EpilogueRoute Rt>
  QGEMM_TILE_TARGET static void run_fused(const AElem* a, const BElem* b, std::size_t group_stride,
                                          std::size_t g0, std::size_t g1, Acc* out, std::size_t ldt,
                                          bool accumulate, const TileExtras& extras) {
    x86::StripTiles<R> strip(extras, ldt);
    do
      Tile::template one<Rt>(a, b, group_stride, g0, g1, out, ldt, accumulate, strip.extras(),
                             strip.epilogue());
    while (strip.next(a, out));
  }
  /// One tile of sums, without epilogue or hints: the entry point of tile_s4 (S4TileDispatch).
  QGEMM_TILE_TARGET static void run(const AElem* a, const BElem* b, std::size_t group_stride,
                                    std::size_t g0, std::size_t g1, Acc* out, std::size_t ldt,
                                    bool accumulate) {
    run_fused<EpilogueRoute::sums>(a, b, group_stride, g0, g1, out, ldt, accumulate, {});
  }
};
