// The fused epilogue, written once over a SIMD vocabulary `Ops` and compiled per path.
//
// Deliberately without include guard: a path's header opens its own namespace, defines `Ops`
// (lanes, loads, stores, arithmetic) and QGEMM_EPILOGUE_TARGET (its target attribute), then
// includes this file, which defines `struct Epilogue` (the path's IntKernels inherit it), so
// every path runs the same sequence of operations (EpilogueArgs) and
// produces the same numbers.
//
// Requires: EpilogueArgs, EpilogueRoute, OutputKind, Activation, TileExtras visible; std::size_t,
// std::int32_t, std::is_same_v, std::numeric_limits.

#ifndef QGEMM_EPILOGUE_ALWAYS_INLINE
#define QGEMM_EPILOGUE_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

struct Epilogue {
  using vi = typename Ops::vi;
  using vf = typename Ops::vf;

  /// The per-channel terms of the output stage for channels n .. n + lanes: loaded once per
  /// column of a tile and used for all its rows.
  struct OutputTerms {
    vf bias, shift;
  };
  QGEMM_EPILOGUE_TARGET static OutputTerms output_terms(const EpilogueArgs& e, std::size_t n) {
    const vf zero = Ops::set1_f(0.0f);
    return {e.bias != nullptr ? Ops::load_f(e.bias + n) : zero,
            e.col_shift != nullptr ? Ops::load_f(e.col_shift + n) : zero};
  }
  /// ... and of the whole-K sums: the column correction and (dequantizing) the scales.
  struct SumTerms {
    vi corr;
    vf scale;
    OutputTerms out;
  };
  QGEMM_EPILOGUE_TARGET static SumTerms sum_terms(const EpilogueArgs& e, std::size_t n) {
    const bool dequantize = e.kind != OutputKind::Int32;
    return {Ops::load_i(e.col_corr + n),
            dequantize ? Ops::load_f(e.col_scale + n) : Ops::set1_f(1.0f), output_terms(e, n)};
  }

  /// y = act(v + bias[n]), then stored as float or requantized.
  QGEMM_EPILOGUE_TARGET static void write_output(const EpilogueArgs& e, const OutputTerms& t, vf v,
                                                 std::size_t m, std::size_t n,
                                                 typename Ops::mask valid) {
    if (e.col_shift != nullptr) v = Ops::add_f(v, Ops::mul_f(Ops::set1_f(e.row_sum[m]), t.shift));
    if (e.bias != nullptr) v = Ops::add_f(v, t.bias);
    if (e.activation == Activation::ReLU) v = Ops::max_f(v, Ops::set1_f(0.0f));
    if (e.activation == Activation::Clamp)
      v = Ops::min_f(Ops::max_f(v, Ops::set1_f(e.clamp_min)), Ops::set1_f(e.clamp_max));
    if (e.kind == OutputKind::Float) {
      Ops::store_f(static_cast<float*>(e.out) + m * e.ldo + n, v, valid);
      return;
    }
    v = Ops::mul_f(v, Ops::set1_f(e.out_inv_scale));
    v = Ops::min_f(Ops::max_f(v, Ops::set1_f(e.out_lo)), Ops::set1_f(e.out_hi));
    const vi q = Ops::add_i(Ops::round_i(v), Ops::set1_i(e.out_zero_point));
    if (e.kind == OutputKind::S8)
      Ops::store_s8(static_cast<std::int8_t*>(e.out) + m * e.ldo + n, q, valid);
    else
      Ops::store_u8(static_cast<std::uint8_t*>(e.out) + m * e.ldo + n, q, valid);
  }

  /// One vector of whole-K sums t of row m, channels n ..: S = t - col_corr[n] - row_corr[m];
  /// Int32 stores S, otherwise v = col_scale[n] * float(S) (times row_scale[m] first when set)
  /// goes through write_output.
  QGEMM_EPILOGUE_TARGET static void store_sums(const EpilogueArgs& e, const SumTerms& t, vi sums,
                                               std::size_t m, std::size_t n,
                                               typename Ops::mask valid) {
    vi s = Ops::sub_i(sums, t.corr);
    if (e.row_corr != nullptr) s = Ops::sub_i(s, Ops::set1_i(e.row_corr[m]));
    if (e.kind == OutputKind::Int32) {
      Ops::store_i(static_cast<std::int32_t*>(e.out) + m * e.ldo + n, s, valid);
      return;
    }
    vf scale = t.scale;
    if (e.row_scale != nullptr) scale = Ops::mul_f(Ops::set1_f(e.row_scale[m]), scale);
    write_output(e, t.out, Ops::mul_f(scale, Ops::cvt_f(s)), m, n, valid);
  }

  /// Rows `rows` x columns `cols` of the whole-K int32 tile of an integer product (row stride
  /// ldt) at output (m0, n0).
  QGEMM_EPILOGUE_TARGET static void store_tile(const EpilogueArgs& e, const std::int32_t* tile,
                                               std::size_t ldt, std::size_t m0, std::size_t rows,
                                               std::size_t n0, std::size_t cols) {
    for (std::size_t c = 0; c < cols; c += Ops::lanes) {
      const SumTerms t = sum_terms(e, n0 + c);
      for (std::size_t r = 0; r < rows; ++r)
        store_sums(e, t, Ops::load_i(tile + r * ldt + c), m0 + r, n0 + c, Ops::first(cols - c));
    }
  }

  /// The tile of an fp32 product: y = act(v + bias[n]).
  QGEMM_EPILOGUE_TARGET static void store_tile(const EpilogueArgs& e, const float* tile,
                                               std::size_t ldt, std::size_t m0, std::size_t rows,
                                               std::size_t n0, std::size_t cols) {
    for (std::size_t c = 0; c < cols; c += Ops::lanes) {
      const OutputTerms t = output_terms(e, n0 + c);
      for (std::size_t r = 0; r < rows; ++r)
        write_output(e, t, Ops::load_f(tile + r * ldt + c), m0 + r, n0 + c, Ops::first(cols - c));
    }
  }

  /// Vector v of row r of a tile's sums, plus the partial sums in `out` when accumulating.
  template <std::size_t R, std::size_t V, class Vec, class Acc>
  QGEMM_EPILOGUE_TARGET static QGEMM_EPILOGUE_ALWAYS_INLINE Vec
  tile_sums(const Vec (&acc)[R][V], const Acc* out, std::size_t ldt, bool accumulate, std::size_t r,
            std::size_t v) {
    if (!accumulate) return acc[r][v];  // `out` may be null: the only block of K
    const Acc* o = out + r * ldt + v * Ops::lanes;
    if constexpr (std::is_same_v<Acc, std::int32_t>)
      return Ops::add_i(acc[r][v], Ops::load_i(o));
    else
      return Ops::add_f(acc[r][v], Ops::load_f(o));
  }

  /// finish_tile for int32 output with no per-row correction (EpilogueRoute::int32): the same
  /// operations as the general sequence (so the same bits), without its tests. Stream: whole
  /// vectors stored non-temporally (EpilogueArgs::stream).
  template <bool Stream, std::size_t R, std::size_t V, class Vec>
  QGEMM_EPILOGUE_TARGET static QGEMM_EPILOGUE_ALWAYS_INLINE void int32_tile(
      const Vec (&acc)[R][V], const std::int32_t* out, std::size_t ldt, bool accumulate,
      const TileExtras& x, const EpilogueArgs& e) {
    _Pragma("GCC unroll 32") for (std::size_t v = 0; v < V; ++v) {
      if (v * Ops::lanes >= x.cols) break;
      const std::size_t n = x.n0 + v * Ops::lanes;
      const auto valid = Ops::first(x.cols - v * Ops::lanes);
      const bool whole = Stream && (v + 1) * Ops::lanes <= x.cols;
      const vi corr = Ops::load_i(e.col_corr + n);
      std::int32_t* o = static_cast<std::int32_t*>(e.out) + x.m0 * e.ldo + n;
      _Pragma("GCC unroll 32") for (std::size_t r = 0; r < R; ++r) {
        const vi s = Ops::sub_i(tile_sums(acc, out, ldt, accumulate, r, v), corr);
        if (whole)
          Ops::stream_i(o + r * e.ldo, s);
        else
          Ops::store_i(o + r * e.ldo, s, valid);
      }
    }
  }

  /// finish_tile for outputs with no per-row terms (EpilogueRoute::per_channel): v =
  /// col_scale[n] * float(S) (integer sums) or the fp32 sums, + bias[n] (Bias), then ReLU or
  /// clamp (Clamp: ReLU is a clamp to [0, +inf], the same bits as write_output's max); stored as
  /// fp32 or (Out = S8, U8) requantized: the operations of write_output in its order, so the
  /// same bits.
  template <bool Bias, bool Clamp, OutputKind Out, std::size_t R, std::size_t V, class Vec,
            class Acc>
  QGEMM_EPILOGUE_TARGET static QGEMM_EPILOGUE_ALWAYS_INLINE void per_channel_tile(
      const Vec (&acc)[R][V], const Acc* out, std::size_t ldt, bool accumulate, const TileExtras& x,
      const EpilogueArgs& e) {
    constexpr bool integer = std::is_same_v<Acc, std::int32_t>;
    constexpr float inf = std::numeric_limits<float>::infinity();
    const bool relu = e.activation == Activation::ReLU;
    const vf lo = Ops::set1_f(relu ? 0.0f : e.activation == Activation::None ? -inf : e.clamp_min);
    const vf hi = Ops::set1_f(relu || e.activation == Activation::None ? inf : e.clamp_max);
    const vf inv_scale = Ops::set1_f(e.out_inv_scale), out_lo = Ops::set1_f(e.out_lo),
             out_hi = Ops::set1_f(e.out_hi);
    const vi zero_point = Ops::set1_i(e.out_zero_point);
    _Pragma("GCC unroll 32") for (std::size_t v = 0; v < V; ++v) {
      if (v * Ops::lanes >= x.cols) break;
      const std::size_t n = x.n0 + v * Ops::lanes;
      const auto valid = Ops::first(x.cols - v * Ops::lanes);
      vi corr{};
      vf scale{}, b{};
      if constexpr (integer)
        corr = Ops::load_i(e.col_corr + n), scale = Ops::load_f(e.col_scale + n);
      if constexpr (Bias) b = e.bias != nullptr ? Ops::load_f(e.bias + n) : Ops::set1_f(0.0f);
      _Pragma("GCC unroll 32") for (std::size_t r = 0; r < R; ++r) {
        vf y;
        if constexpr (integer)
          y = Ops::mul_f(scale,
                         Ops::cvt_f(Ops::sub_i(tile_sums(acc, out, ldt, accumulate, r, v), corr)));
        else
          y = tile_sums(acc, out, ldt, accumulate, r, v);
        if constexpr (Bias) y = Ops::add_f(y, b);
        if constexpr (Clamp) y = Ops::min_f(Ops::max_f(y, lo), hi);
        const std::size_t at = (x.m0 + r) * e.ldo + n;
        if constexpr (Out == OutputKind::Float) {
          if (e.stream && (v + 1) * Ops::lanes <= x.cols)
            Ops::stream_f(static_cast<float*>(e.out) + at, y);
          else
            Ops::store_f(static_cast<float*>(e.out) + at, y, valid);
        } else {
          y = Ops::min_f(Ops::max_f(Ops::mul_f(y, inv_scale), out_lo), out_hi);
          const vi q = Ops::add_i(Ops::round_i(y), zero_point);
          if constexpr (Out == OutputKind::S8)
            Ops::store_s8(static_cast<std::int8_t*>(e.out) + at, q, valid);
          else
            Ops::store_u8(static_cast<std::uint8_t*>(e.out) + at, q, valid);
        }
      }
    }
  }
  /// per_channel_tile with Bias and Clamp as the arguments say. Requantized outputs take one
  /// instantiation (fewer to compile): a missing bias adds 0 and a missing clamp is one to
  /// [-inf, +inf], which change no integer they store (the sign of a zero, or a NaN turned into
  /// -inf, ends as the same clamped integer).
  template <OutputKind Out, std::size_t R, std::size_t V, class Vec, class Acc>
  QGEMM_EPILOGUE_TARGET static QGEMM_EPILOGUE_ALWAYS_INLINE void per_channel_output(
      const Vec (&acc)[R][V], const Acc* out, std::size_t ldt, bool accumulate, const TileExtras& x,
      const EpilogueArgs& e) {
    if constexpr (Out != OutputKind::Float) {
      per_channel_tile<true, true, Out>(acc, out, ldt, accumulate, x, e);
      return;
    }
    const bool bias = e.bias != nullptr, clamp = e.activation != Activation::None;
    if (bias && clamp)
      per_channel_tile<true, true, Out>(acc, out, ldt, accumulate, x, e);
    else if (bias)
      per_channel_tile<true, false, Out>(acc, out, ldt, accumulate, x, e);
    else if (clamp)
      per_channel_tile<false, true, Out>(acc, out, ldt, accumulate, x, e);
    else
      per_channel_tile<false, false, Out>(acc, out, ldt, accumulate, x, e);
  }

  /// The end of a tile_fused tile of route Rt (epilogue_route of its call): its R x V vectors
  /// of sums (plus those in `out` when accumulating; row stride ldt) go to `out`, or, for the last
  /// block of K, through the epilogue `e` (the call's copy of *x.epilogue, which the compiler
  /// keeps in registers: the output stores could alias the caller's) straight from the
  /// registers, each column's terms loaded once.
  template <EpilogueRoute Rt, std::size_t R, std::size_t V, class Vec, class Acc>
  QGEMM_EPILOGUE_TARGET static QGEMM_EPILOGUE_ALWAYS_INLINE void finish_tile(
      const Vec (&acc)[R][V], Acc* out, std::size_t ldt, bool accumulate, const TileExtras& x,
      const EpilogueArgs& e) {
    constexpr bool integer = std::is_same_v<Acc, std::int32_t>;
    if constexpr (Rt == EpilogueRoute::sums) {
      _Pragma("GCC unroll 32") for (std::size_t r = 0; r < R; ++r)
          _Pragma("GCC unroll 32") for (std::size_t v = 0; v < V; ++v) {
        const Vec t = tile_sums(acc, out, ldt, accumulate, r, v);
        if constexpr (integer)
          Ops::store_i_all(out + r * ldt + v * Ops::lanes, t);
        else
          Ops::store_f_all(out + r * ldt + v * Ops::lanes, t);
      }
    } else if constexpr (Rt == EpilogueRoute::int32) {
      static_assert(integer, "int32 output comes from integer sums");
      if (e.stream)
        int32_tile<true>(acc, out, ldt, accumulate, x, e);
      else
        int32_tile<false>(acc, out, ldt, accumulate, x, e);
    } else if constexpr (Rt == EpilogueRoute::per_channel) {
      if (e.kind == OutputKind::Float)
        per_channel_output<OutputKind::Float>(acc, out, ldt, accumulate, x, e);
      else if constexpr (integer) {  // requantized
        if (e.kind == OutputKind::S8)
          per_channel_output<OutputKind::S8>(acc, out, ldt, accumulate, x, e);
        else
          per_channel_output<OutputKind::U8>(acc, out, ldt, accumulate, x, e);
      }
    } else {
      _Pragma("GCC unroll 32") for (std::size_t v = 0; v < V; ++v) {
        // A 16-channel panel is two 8-lane vectors: the second may hold no column at all.
        if (v * Ops::lanes >= x.cols) break;
        const std::size_t n = x.n0 + v * Ops::lanes;
        const auto valid = Ops::first(x.cols - v * Ops::lanes);
        if constexpr (integer) {
          const SumTerms t = sum_terms(e, n);
          _Pragma("GCC unroll 32") for (std::size_t r = 0; r < R; ++r)
              store_sums(e, t, tile_sums(acc, out, ldt, accumulate, r, v), x.m0 + r, n, valid);
        } else {
          const OutputTerms t = output_terms(e, n);
          _Pragma("GCC unroll 32") for (std::size_t r = 0; r < R; ++r)
              write_output(e, t, tile_sums(acc, out, ldt, accumulate, r, v), x.m0 + r, n, valid);
        }
      }
    }
  }

  /// Per-group scales, group g: acc = col_scale[g][n] * float(S_g) when g == 0, else
  /// acc = fma(col_scale[g][n], float(S_g), acc): one rounding per group, and the sequence a
  /// path's tile_grouped repeats bit for bit. `acc` is a float tile with row stride lda
  /// covering whole vectors.
  QGEMM_EPILOGUE_TARGET static void accumulate_group(const EpilogueArgs& e, std::size_t g,
                                                     const std::int32_t* tile, std::size_t ldt,
                                                     std::size_t rows, std::size_t n0,
                                                     std::size_t cols, float* acc,
                                                     std::size_t lda) {
    // Columns n0 .. n0 + cols lie in one block (tile widths divide the block width).
    const std::size_t at = ::qgemm::pack::group_vector_index(n0, g, e.groups);
    const std::int32_t* sums = e.col_sums + at;
    const float* scale = e.col_scale + at;
    const typename Ops::vi factor = Ops::set1_i(e.col_sums_factor);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; c += Ops::lanes) {
        const typename Ops::vi corr = Ops::mullo_i(factor, Ops::load_i(sums + c));
        const typename Ops::vi s = Ops::sub_i(Ops::load_i(tile + r * ldt + c), corr);
        const typename Ops::vf sc = Ops::load_f(scale + c), x = Ops::cvt_f(s);
        Ops::store_f_all(
            acc + r * lda + c,
            g == 0 ? Ops::mul_f(sc, x) : Ops::fma_f(sc, x, Ops::load_f(acc + r * lda + c)));
      }
  }

  /// Per-group scales, after the last group: v = a_scale (or row_scale[m]) * acc.
  QGEMM_EPILOGUE_TARGET static void store_grouped(const EpilogueArgs& e, const float* acc,
                                                  std::size_t lda, std::size_t m0, std::size_t rows,
                                                  std::size_t n0, std::size_t cols) {
    for (std::size_t c = 0; c < cols; c += Ops::lanes) {
      const OutputTerms t = output_terms(e, n0 + c);
      for (std::size_t r = 0; r < rows; ++r) {
        const float sa = e.row_scale != nullptr ? e.row_scale[m0 + r] : e.a_scale;
        const vf v = Ops::mul_f(Ops::set1_f(sa), Ops::load_f(acc + r * lda + c));
        write_output(e, t, v, m0 + r, n0 + c, Ops::first(cols - c));
      }
    }
  }
};
