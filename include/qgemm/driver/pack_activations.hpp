// Packing of activations (A) into the micro-panels the kernels broadcast from.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../matrix_view.hpp"
#include "../pack/panel_layout.hpp"
#include "parallel.hpp"
#include "scratch.hpp"

namespace qgemm {
namespace detail {

/// The shift that makes an activation unsigned: 0 for u8 (and fp32), 128 for s8 (vpdpbusd
/// wants u8).
template <class TA>
constexpr std::int32_t activation_shift() {
  return std::is_same_v<TA, std::int8_t> ? 128 : 0;
}
/// The same shift on four packed bytes: s8 -> u8 by flipping each sign bit (a + 128 mod 256).
template <class TA>
constexpr std::uint32_t activation_flip_word() {
  return activation_shift<TA>() ? 0x80808080u : 0u;
}

/// Packs rows [0, rows) of A (row stride lda, K columns) into micro-panels of `mr` rows (the
/// last may be shorter), K in groups of G (4 for int8, 1 for fp32): element (r, k) of the
/// micro-panel starting at row t*mr lies at
///   out[t * mr * kp + (k / G) * rows_t * G + r * G + k % G],
/// integers shifted to unsigned, K padded with zeros to kp. Columns before k_begin (a multiple
/// of G) are left as they are (already packed).
template <std::size_t G, class AElem, class TA>
void pack_activations(const TA* a, std::size_t lda, std::size_t rows, std::size_t K, std::size_t kp,
                      std::size_t mr, AElem* out, std::size_t k_begin = 0) {
  const std::size_t k_full = K / G * G;  // groups with no padding
  for (std::size_t r0 = 0; r0 < rows; r0 += mr) {
    const std::size_t rows_t = std::min(mr, rows - r0);
    AElem* panel = out + r0 * kp;
    for (std::size_t r = 0; r < rows_t; ++r) {
      const TA* src = a + (r0 + r) * lda;
      AElem* dst = panel + r * G;
      if constexpr (sizeof(AElem) == 1 && G == 4) {
        // Bytes, four at a time.
        constexpr std::uint32_t flip = activation_flip_word<TA>();
        for (std::size_t k = k_begin; k < k_full; k += G) {
          std::uint32_t v;
          std::memcpy(&v, src + k, 4);
          v ^= flip;
          std::memcpy(dst + (k / G) * rows_t * G, &v, 4);
        }
      } else if constexpr (std::is_floating_point_v<AElem>) {
        for (std::size_t k = k_begin; k < k_full; ++k) dst[(k / G) * rows_t * G + k % G] = src[k];
      } else {
        for (std::size_t k = k_begin; k < k_full; ++k)
          dst[(k / G) * rows_t * G + k % G] =
              static_cast<AElem>(static_cast<std::int32_t>(src[k]) + activation_shift<TA>());
      }
      for (std::size_t k = k_full; k < kp; ++k) {
        AElem v{};
        if (k < K) {
          if constexpr (std::is_floating_point_v<AElem>)
            v = src[k];
          else
            v = static_cast<AElem>(static_cast<std::int32_t>(src[k]) + activation_shift<TA>());
        }
        dst[(k / G) * rows_t * G + k % G] = v;
      }
    }
  }
}

/// Whether the path has a word-transposing activation packer (kernel_traits.hpp).
template <class Kernels, class = void>
struct has_pack_words : std::false_type {};
template <class Kernels>
struct has_pack_words<Kernels, std::void_t<decltype(&Kernels::pack_words)>> : std::true_type {};

/// One micro-panel of `rows` rows for Kernels: the path's Kernels::pack_words for the bulk of a
/// whole panel where it has one and a group of K is a 32-bit word (one fp32, or G = 4 int8,
/// packed as bytes or widened to the path's int16), then pack_activations for the rest.
template <class Kernels, std::size_t G, class AElem, class TA>
void pack_activation_panel(const TA* a, std::size_t lda, std::size_t rows, std::size_t K,
                           std::size_t kp, AElem* out) {
  std::size_t k_begin = 0;
  if constexpr (has_pack_words<Kernels>::value && sizeof(TA) * G == 4) {
    // pack_words packs whole micro-panels of its own height (not those of RowKernels).
    if (Kernels::pack_rows == Kernels::mr && rows == Kernels::mr)
      k_begin =
          G * Kernels::pack_words(a, lda * sizeof(TA), K / G, activation_flip_word<TA>(), out);
  }
  pack_activations<G>(a, lda, rows, K, kp, Kernels::mr, out, k_begin);
}

/// Packed activations per thread in a chunk (chunk_rows), in elements. Tests lower it, so
/// that small products run in many chunks.
///
/// 1 Mi: 1 MiB of int8, half the L2 of a Sapphire Rapids core, so a chunk's packed rows are read
/// back from L2 (AVX-512 VNNI s8 there, pinned qgemm-bench, ratio to oneDNN's s8s8 in the same
/// run, against 4 MiB: 8192 x 64 x 1024 0.67 -> 0.80, 4096 x 64 x 4096 0.62-0.66 -> 0.77-0.81;
/// 2048^3, 1024 x 4096 x 4096 and 512 x 4096 x 14336 the same). 4 MiB of fp32: in 1 MiB chunks
/// fp32 2048^3 and 512 x 4096 x 14336 lost 3-5% there. On Zen 3 1-8 MiB of fp32 ran the same.
inline std::size_t& packed_chunk_elements_per_thread() {
  static std::size_t elements = std::size_t{1} << 20;
  return elements;
}

/// Rows of A, `row_elements` elements each once packed, that for_each_packed_chunk packs at a
/// time: whole `unit`s of rows, at least `fewest`, and packed_chunk_elements_per_thread() per
/// thread (for at most 8 threads), in equal chunks; M when A fits in one.
///
/// Why chunks: all of a large A packed at once went to memory and came back before the
/// kernels read it, and past ScratchCache's 64 MiB it faulted on fresh pages on every call
/// (AVX2 fp32 4096 x 64 x 4096 on Zen 3, in-process: 30 GFLOP/s packed whole, 75-77 in chunks
/// of 1-8 MiB; 1024^3, 2048^3 and 4096 x 4096 x 64 the same within 1-2%).
inline std::size_t chunk_rows(std::size_t M, std::size_t row_elements, std::size_t unit,
                              std::size_t fewest, int threads) {
  const std::size_t t = static_cast<std::size_t>(std::clamp(threads, 1, 8));
  const std::size_t budget = t * packed_chunk_elements_per_thread();
  unit = std::max<std::size_t>(unit, 1);
  const std::size_t rows = pack::round_up(
      std::max({budget / std::max<std::size_t>(row_elements, 1), unit, fewest}), unit);
  if (rows >= M) return M;
  const std::size_t chunks = (M + rows - 1) / rows;
  const std::size_t even = pack::round_up((M + chunks - 1) / chunks, unit);
  return even >= fewest ? even : rows;
}

/// A packed for Tiles (K in groups of G, padded to kp) `rows` rows at a time (chunk_rows), in
/// parallel over its micro-panels; `run(a_packed, m0, n)` then runs rows [m0, m0 + n) on it.
template <class Tiles, std::size_t G, class TA, class Run>
void for_each_packed_chunk(MatrixView<const TA> A, std::size_t kp, std::size_t rows, int threads,
                           const Run& run) {
  constexpr std::size_t MR = Tiles::mr;
  const std::size_t M = A.rows(), K = A.cols();
  ScratchBuffer<typename Tiles::AElem> a_packed(std::min(M, rows) * kp);
  for (std::size_t m0 = 0; m0 < M; m0 += rows) {
    const std::size_t chunk = std::min(rows, M - m0);
    parallel_for((chunk + MR - 1) / MR, threads, [&](std::size_t t) {
      const std::size_t m = t * MR;
      pack_activation_panel<Tiles, G>(A.row(m0 + m), A.ld(), std::min(MR, chunk - m), K, kp,
                                      a_packed.data() + m * kp);
    });
    run(static_cast<const typename Tiles::AElem*>(a_packed.data()), m0, chunk);
  }
}

/// sum_k (A[m][k] - za) for every row, exact in int64: the zero-point correction of raw integer
/// weights and the weight bias correction both need it.
template <class TA>
std::vector<std::int64_t> activation_row_sums(MatrixView<const TA> A, std::int32_t za) {
  std::vector<std::int64_t> sums(A.rows(), 0);
  for (std::size_t m = 0; m < A.rows(); ++m)
    for (std::size_t k = 0; k < A.cols(); ++k) sums[m] += static_cast<std::int64_t>(A(m, k)) - za;
  return sums;
}

}  // namespace detail
}  // namespace qgemm
