// gemm: C = A * B^T for fp32, and for u8/s8 activations times s8/s4 weights into int32.
//
// Layout: A is [M x K], B is [N x K] (the nn.Linear weight layout, "B transposed"), C is [M x N],
// all row-major with leading dimensions. Outputs must not overlap inputs. Every argument is
// checked before anything is written: a call that throws leaves C untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../driver/f32_gemm_driver.hpp"
#include "../driver/int_gemm_driver.hpp"
#include "../driver/kernel_instances.hpp"
#include "../epilogue.hpp"
#include "../int4.hpp"
#include "../kernels/epilogue_args.hpp"
#include "../matrix_view.hpp"
#include "../pack/packed_float_weights.hpp"
#include "../pack/packed_weights.hpp"
#include "checks.hpp"
#include "options.hpp"

namespace qgemm {
namespace detail {

/// The integer range an operand's storage type holds.
template <class T>
struct OperandRange;
template <>
struct OperandRange<std::uint8_t> {
  static constexpr std::int32_t lo = 0, hi = 255;
};
template <>
struct OperandRange<std::int8_t> {
  static constexpr std::int32_t lo = -128, hi = 127;
};
template <>
struct OperandRange<int4x2> {
  static constexpr std::int32_t lo = -8, hi = 7;
};

inline void check_product_shapes(const char* fn, std::size_t a_rows, std::size_t a_cols,
                                 std::size_t b_rows, std::size_t b_cols, std::size_t c_rows,
                                 std::size_t c_cols) {
  check_dims(fn, "B.cols", b_cols, "A.cols = K", a_cols);
  check_dims(fn, "C.rows", c_rows, "A.rows = M", a_rows);
  check_dims(fn, "C.cols", c_cols, "B.rows = N", b_rows);
}

template <class TA>
void gemm_packed(const char* fn, MatrixView<const TA> A, std::int32_t za, const PackedWeights& W,
                 MatrixView<std::int32_t> C, const GemmOptions& options,
                 std::vector<std::int32_t> row_correction = {}) {
  check_view(fn, "A", A);
  check_view(fn, "C", C);
  check_product_shapes(fn, A.rows(), A.cols(), W.rows(), W.cols(), C.rows(), C.cols());
  check_zero_point(fn, "a_zero_point", za, OperandRange<TA>::lo, OperandRange<TA>::hi);
  check_k_bound(fn, A.cols(), max_abs_offset(OperandRange<TA>::lo, OperandRange<TA>::hi, za),
                std::int64_t{1} << (W.bits() - 1));
  const int threads = thread_count(fn, options.threads);
  const Isa isa = resolve_isa(options.isa, fn);
  EpiloguePlan plan;
  plan_corrections<TA>(plan, W, za, false);
  plan.row_corr = std::move(row_correction);
  plan.args.kind = kernels::OutputKind::Int32;
  plan.args.out = C.data();
  plan.args.ldo = C.ld();
  plan.args.row_corr = plan.row_corr.empty() ? nullptr : plan.row_corr.data();
  dispatch(isa, [&](auto tag) { run_int_gemm<decltype(tag)::value>(A, W, plan, threads); });
}

template <class TA, class TB>
void gemm_raw(MatrixView<const TA> A, std::int32_t za, MatrixView<const TB> B, std::int32_t zb,
              MatrixView<std::int32_t> C, const GemmOptions& options) {
  constexpr const char* fn = "qgemm::gemm";
  check_view(fn, "A", A);
  check_view(fn, "B", B);
  check_view(fn, "C", C);
  check_product_shapes(fn, A.rows(), A.cols(), B.rows(), B.cols(), C.rows(), C.cols());
  check_zero_point(fn, "a_zero_point", za, OperandRange<TA>::lo, OperandRange<TA>::hi);
  check_zero_point(fn, "b_zero_point", zb, OperandRange<TB>::lo, OperandRange<TB>::hi);
  // (b - zb) has the larger range, and |b| <= max|b - zb|, so the zb-free product and the
  // correction below are bounded by the same K bound; both are taken mod 2^32 and their
  // difference, the exact result, fits int32.
  check_k_bound(fn, A.cols(), max_abs_offset(OperandRange<TA>::lo, OperandRange<TA>::hi, za),
                max_abs_offset(OperandRange<TB>::lo, OperandRange<TB>::hi, zb));
  (void)thread_count(fn, options.threads);
  (void)resolve_isa(options.isa, fn);
  // sum_k (a - za)(b - zb) = sum_k (a - za) b  -  zb * sum_k (a - za)
  std::vector<std::int32_t> correction;
  if (zb != 0)
    for (const std::int64_t s : activation_row_sums(A, za)) correction.push_back(wrap_mul(s, zb));
  const PackedWeights W = PackedWeights::pack_unscaled(fn, B);
  gemm_packed(fn, A, za, W, C, options, std::move(correction));
}

inline void gemm_f32_packed(const char* fn, MatrixView<const float> A, const PackedFloatWeights& W,
                            MatrixView<float> C, const GemmOptions& options,
                            const Epilogue& epilogue) {
  check_view(fn, "A", A);
  check_view(fn, "C", C);
  check_product_shapes(fn, A.rows(), A.cols(), W.rows(), W.cols(), C.rows(), C.cols());
  check_epilogue(fn, epilogue, W.rows());
  const int threads = thread_count(fn, options.threads);
  const Isa isa = resolve_isa(options.isa, fn);
  const EpiloguePlan plan = plan_f32_epilogue(W, epilogue, C);
  dispatch(isa, [&](auto tag) { run_f32_gemm<decltype(tag)::value>(A, W, plan.args, threads); });
}

}  // namespace detail

/// fp32:  C[m][n] = act( sum_k A[m][k] * B[n][k] + bias[n] ), the epilogue optional.
/// B is packed on every call; pack it once with PackedFloatWeights when it is reused. The
/// summation order depends on K and the CPU's L1 size only (not on M, N or threads).
inline void gemm(MatrixView<const float> A, MatrixView<const float> B, MatrixView<float> C,
                 const GemmOptions& options = {}, const Epilogue& epilogue = {}) {
  constexpr const char* fn = "qgemm::gemm";
  detail::check_view(fn, "A", A);
  detail::check_view(fn, "B", B);
  detail::check_view(fn, "C", C);
  detail::check_product_shapes(fn, A.rows(), A.cols(), B.rows(), B.cols(), C.rows(), C.cols());
  detail::check_epilogue(fn, epilogue, B.rows());
  (void)detail::thread_count(fn, options.threads);
  (void)resolve_isa(options.isa, fn);
  detail::gemm_f32_packed(fn, A, PackedFloatWeights::pack(B), C, options, epilogue);
}

/// fp32 with weights packed once: the same formula.
inline void gemm(MatrixView<const float> A, const PackedFloatWeights& W, MatrixView<float> C,
                 const GemmOptions& options = {}, const Epilogue& epilogue = {}) {
  detail::gemm_f32_packed("qgemm::gemm", A, W, C, options, epilogue);
}

/// Integer:  C[m][n] = sum_k (A[m][k] - a_zero_point) * (B[n][k] - b_zero_point), exact in int32
/// within the K bound of max_exact_k (else Error). Zero points must lie in each operand's range.
inline void gemm(MatrixView<const std::uint8_t> A, std::int32_t a_zero_point,
                 MatrixView<const std::int8_t> B, std::int32_t b_zero_point,
                 MatrixView<std::int32_t> C, const GemmOptions& options = {}) {
  detail::gemm_raw(A, a_zero_point, B, b_zero_point, C, options);
}
inline void gemm(MatrixView<const std::int8_t> A, std::int32_t a_zero_point,
                 MatrixView<const std::int8_t> B, std::int32_t b_zero_point,
                 MatrixView<std::int32_t> C, const GemmOptions& options = {}) {
  detail::gemm_raw(A, a_zero_point, B, b_zero_point, C, options);
}
/// The same with int4 weights (int4x2 rows, two's complement, low nibble first).
inline void gemm(MatrixView<const std::uint8_t> A, std::int32_t a_zero_point,
                 MatrixView<const int4x2> B, std::int32_t b_zero_point, MatrixView<std::int32_t> C,
                 const GemmOptions& options = {}) {
  detail::gemm_raw(A, a_zero_point, B, b_zero_point, C, options);
}
inline void gemm(MatrixView<const std::int8_t> A, std::int32_t a_zero_point,
                 MatrixView<const int4x2> B, std::int32_t b_zero_point, MatrixView<std::int32_t> C,
                 const GemmOptions& options = {}) {
  detail::gemm_raw(A, a_zero_point, B, b_zero_point, C, options);
}

/// Integer with pre-packed weights:  C[m][n] = sum_k (A[m][k] - a_zero_point) * W[n][k].
/// The weights' scales are not applied (see linear for that).
inline void gemm(MatrixView<const std::uint8_t> A, std::int32_t a_zero_point,
                 const PackedWeights& W, MatrixView<std::int32_t> C,
                 const GemmOptions& options = {}) {
  detail::gemm_packed("qgemm::gemm", A, a_zero_point, W, C, options);
}
inline void gemm(MatrixView<const std::int8_t> A, std::int32_t a_zero_point, const PackedWeights& W,
                 MatrixView<std::int32_t> C, const GemmOptions& options = {}) {
  detail::gemm_packed("qgemm::gemm", A, a_zero_point, W, C, options);
}

}  // namespace qgemm
