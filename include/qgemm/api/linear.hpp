// linear: Y = act(X * W^T + bias) with quantized weights, the call an inference engine makes.
//
// With activation params (sa, za) and weight scales sw[n][g] (one group per channel, or groups
// of K), each output is
//
//   v[m][n] = sa * sum_g sw[n][g] * S[m][n][g],   S[m][n][g] = sum_{k in g} (qx[m][k] - za) *
//   qw[n][k] Y[m][n] = act(v[m][n] + bias[n])                                   (fp32 output), or
//   Yq[m][n] = clamp(nearbyint(Y[m][n] / so) + zo, qmin, qmax)         (requantized output)
//
// S is exact in int32 (K bound, see max_exact_k); the scaling is fp32. With a weight bias
// correction (LinearOptions::weight_shift) v[m][n] += shift[n] * sum_k xhat[m][k] before the bias.
// Per channel the order is (sa * sw[n]) * S; per group the group terms are summed in order of g,
// then multiplied by sa. With per-row activation params (ActivationQuant::DynamicPerRow) sa is
// sa[m] and zero points are 0: the same formulas with sa[m] for sa, so row m's output equals a
// per-tensor call on that row alone with its params.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../driver/int_gemm_driver.hpp"
#include "../driver/kernel_instances.hpp"
#include "../driver/scratch.hpp"
#include "../epilogue.hpp"
#include "../kernels/epilogue_args.hpp"
#include "../matrix_view.hpp"
#include "../pack/packed_weights.hpp"
#include "../quant/calibrate.hpp"
#include "../quant/quantize.hpp"
#include "checks.hpp"
#include "options.hpp"

namespace qgemm {
namespace detail {

inline Epilogue linear_epilogue(const float* bias, const LinearOptions& o) {
  return Epilogue{bias, o.activation, o.clamp_min, o.clamp_max};
}

/// Checks everything that does not depend on the activations' values.
template <class Y>
void check_linear(const char* fn, std::size_t x_rows, std::size_t x_cols, const PackedWeights& W,
                  const float* bias, MatrixView<Y> out, const QuantParams* output_params,
                  const LinearOptions& o) {
  check_view(fn, "Y", out);
  check_dims(fn, "W.cols", W.cols(), "X.cols = K", x_cols);
  check_dims(fn, "Y.rows", out.rows(), "X.rows = M", x_rows);
  check_dims(fn, "Y.cols", out.cols(), "W.rows = N", W.rows());
  check_epilogue(fn, linear_epilogue(bias, o), W.rows());
  if (o.weight_shift != nullptr)
    for (std::size_t n = 0; n < W.rows(); ++n)
      if (!std::isfinite(o.weight_shift[n]))
        fail(fn, "options.weight_shift[" + std::to_string(n) + "]", o.weight_shift[n],
             ": must be finite");
  if (output_params != nullptr) {
    check_params(fn, "output_params", *output_params);
    check_storage<Y>(fn, "output_params", output_params->bits, output_params->is_signed);
  }
  (void)thread_count(fn, o.threads);
  (void)resolve_isa(o.isa, fn);
}

/// Runs the integer product on quantized activations and the fused epilogue. All checked.
/// `row_scales`: null, or one activation scale per row of Xq (then xp.scale is 1).
template <class TA, class Y>
void run_linear(const char* fn, MatrixView<const TA> Xq, const QuantParams& xp,
                const PackedWeights& W, const float* bias, MatrixView<Y> out,
                const QuantParams* output_params, const LinearOptions& o,
                const float* row_scales = nullptr) {
  check_k_bound(fn, Xq.cols(), max_abs_offset(xp.qmin(), xp.qmax(), xp.zero_point),
                std::int64_t{1} << (W.bits() - 1));
  const int threads = thread_count(fn, o.threads);
  const Isa isa = resolve_isa(o.isa, fn);
  const GroupedQuantParams& wp = W.params();
  const bool grouped = wp.groups_per_row() > 1;
  EpiloguePlan plan;
  plan_corrections<TA>(plan, W, xp.zero_point, grouped);
  kernels::EpilogueArgs& e = plan.args;
  const std::size_t stride = e.stride, N = W.rows();
  if (grouped) {
    e.col_scale = W.group_scales_data();  // kept by the weights, pack::group_vector_index
  } else {
    plan.col_scale.assign(stride, 0.0f);
    for (std::size_t n = 0; n < N; ++n) plan.col_scale[n] = xp.scale * wp.scales[n];
    e.col_scale = plan.col_scale.data();
  }
  e.a_scale = xp.scale;
  e.row_scale = row_scales;
  plan.set_output_stage(bias, N, linear_epilogue(nullptr, o));
  if (o.weight_shift != nullptr) {
    // sum_k xhat[m][k] = sa * sum_k (q[m][k] - za), exact in int64 before the scaling.
    plan.col_shift.assign(stride, 0.0f);
    std::copy(o.weight_shift, o.weight_shift + N, plan.col_shift.begin());
    const std::vector<std::int64_t> sums = activation_row_sums(Xq, xp.zero_point);
    for (std::size_t m = 0; m < sums.size(); ++m)
      plan.row_sum.push_back((row_scales != nullptr ? row_scales[m] : xp.scale) *
                             static_cast<float>(sums[m]));
    e.col_shift = plan.col_shift.data();
    e.row_sum = plan.row_sum.data();
  }
  e.out = out.data();
  e.ldo = out.ld();
  if constexpr (std::is_same_v<Y, float>) {
    e.kind = kernels::OutputKind::Float;
  } else {
    e.kind = std::is_same_v<Y, std::int8_t> ? kernels::OutputKind::S8 : kernels::OutputKind::U8;
    e.out_inv_scale = 1.0f / output_params->scale;
    e.out_lo = static_cast<float>(output_params->qmin() - output_params->zero_point);
    e.out_hi = static_cast<float>(output_params->qmax() - output_params->zero_point);
    e.out_zero_point = output_params->zero_point;
  }
  dispatch(isa, [&](auto tag) { run_int_gemm<decltype(tag)::value>(Xq, W, plan, threads); });
}

template <class TA>
void check_quantized_activations(const char* fn, MatrixView<const TA> Xq, const QuantParams& xp) {
  check_view(fn, "X", Xq);
  check_params(fn, "x_params", xp);
  check_storage<TA>(fn, "x_params", xp.bits, xp.is_signed);
  // With 8-bit params every value of the storage type is in range: nothing to scan.
  if (xp.bits < 8)
    for (std::size_t m = 0; m < Xq.rows(); ++m)
      check_range(fn, ("X row " + std::to_string(m)).c_str(), Xq.row(m), Xq.cols(), xp);
}

/// fp32 activations quantized row by row (symmetric, s8): row m gets scale sa[m] from its own
/// range, and the epilogue applies sa[m]. Arguments are checked by the caller.
template <class Y>
void linear_per_row(const char* fn, MatrixView<const float> X, const PackedWeights& W,
                    const float* bias, MatrixView<Y> out, const QuantParams* output_params,
                    const LinearOptions& o) {
  check_bits(fn, "options.activation_bits", o.activation_bits);
  const QuantParams xp{1.0f, 0, o.activation_bits, true};
  check_k_bound(fn, X.cols(), max_abs_offset(xp.qmin(), xp.qmax(), 0),
                std::int64_t{1} << (W.bits() - 1));
  const std::size_t M = X.rows(), K = X.cols();
  std::vector<float> row_scales(M, 1.0f);
  ScratchBuffer<std::int8_t> q(M * K);
  const CalibrationOptions row_options{o.activation_bits, Clip::MinMax, true};
  for (std::size_t m = 0; m < M && K > 0; ++m) {
    const QuantParams p = calibrate(X.row(m), K, row_options);
    row_scales[m] = p.scale;
    quantize(X.row(m), K, p, q.data() + m * K);
  }
  run_linear(fn, MatrixView<const std::int8_t>(q.data(), M, K), xp, W, bias, out, output_params, o,
             row_scales.data());
}

/// fp32 activations: choose or take params, check them, quantize X, run.
template <class Y>
void linear_from_float(MatrixView<const float> X, const PackedWeights& W, const float* bias,
                       MatrixView<Y> out, const QuantParams* output_params,
                       const LinearOptions& o) {
  constexpr const char* fn = "qgemm::linear";
  check_view(fn, "X", X);
  check_linear(fn, X.rows(), X.cols(), W, bias, out, output_params, o);
  check_finite(fn, "X", X);
  if (o.activation_quant == ActivationQuant::DynamicPerRow) {
    linear_per_row(fn, X, W, bias, out, output_params, o);
    return;
  }
  QuantParams xp;
  if (o.activation_quant == ActivationQuant::Static) {
    xp = o.activation_params;
    check_params(fn, "options.activation_params", xp);
  } else {
    check_bits(fn, "options.activation_bits", o.activation_bits);
    xp = X.empty() ? QuantParams{1.0f, 0, o.activation_bits, o.signed_activations}
                   : calibrate(X, CalibrationOptions{o.activation_bits, Clip::MinMax,
                                                     o.signed_activations});
  }
  check_k_bound(fn, X.cols(), max_abs_offset(xp.qmin(), xp.qmax(), xp.zero_point),
                std::int64_t{1} << (W.bits() - 1));
  const std::size_t M = X.rows(), K = X.cols();
  if (xp.is_signed) {
    ScratchBuffer<std::int8_t> q(M * K);
    if (!X.empty()) quantize(X, xp, MatrixView<std::int8_t>(q.data(), M, K));
    run_linear(fn, MatrixView<const std::int8_t>(q.data(), M, K), xp, W, bias, out, output_params,
               o);
  } else {
    ScratchBuffer<std::uint8_t> q(M * K);
    if (!X.empty()) quantize(X, xp, MatrixView<std::uint8_t>(q.data(), M, K));
    run_linear(fn, MatrixView<const std::uint8_t>(q.data(), M, K), xp, W, bias, out, output_params,
               o);
  }
}

template <class TA, class Y>
void linear_from_quantized(MatrixView<const TA> Xq, const QuantParams& xp, const PackedWeights& W,
                           const float* bias, MatrixView<Y> out, const QuantParams* output_params,
                           const LinearOptions& o) {
  constexpr const char* fn = "qgemm::linear";
  check_quantized_activations(fn, Xq, xp);
  check_linear(fn, Xq.rows(), Xq.cols(), W, bias, out, output_params, o);
  run_linear(fn, Xq, xp, W, bias, out, output_params, o);
}

}  // namespace detail

/// fp32 activations X [M x K] (quantized per tensor or per row, as options say) times packed
/// weights W [N x K] into fp32 Y [M x N]. `bias` is null or holds N floats.
inline void linear(MatrixView<const float> X, const PackedWeights& W, const float* bias,
                   MatrixView<float> Y, const LinearOptions& options = {}) {
  detail::linear_from_float(X, W, bias, Y, nullptr, options);
}

/// The same, requantized into int8 or uint8 with `output_params` (signedness must match Y).
inline void linear(MatrixView<const float> X, const PackedWeights& W, const float* bias,
                   MatrixView<std::int8_t> Y, const QuantParams& output_params,
                   const LinearOptions& options = {}) {
  detail::linear_from_float(X, W, bias, Y, &output_params, options);
}
inline void linear(MatrixView<const float> X, const PackedWeights& W, const float* bias,
                   MatrixView<std::uint8_t> Y, const QuantParams& output_params,
                   const LinearOptions& options = {}) {
  detail::linear_from_float(X, W, bias, Y, &output_params, options);
}

/// Already-quantized activations Xq with params x_params (u8 or s8 storage).
inline void linear(MatrixView<const std::uint8_t> Xq, const QuantParams& x_params,
                   const PackedWeights& W, const float* bias, MatrixView<float> Y,
                   const LinearOptions& options = {}) {
  detail::linear_from_quantized(Xq, x_params, W, bias, Y, nullptr, options);
}
inline void linear(MatrixView<const std::int8_t> Xq, const QuantParams& x_params,
                   const PackedWeights& W, const float* bias, MatrixView<float> Y,
                   const LinearOptions& options = {}) {
  detail::linear_from_quantized(Xq, x_params, W, bias, Y, nullptr, options);
}

}  // namespace qgemm
