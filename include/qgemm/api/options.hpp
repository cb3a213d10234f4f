// Per-call options of gemm and linear.
#pragma once

#include <limits>

#include "../cpu/isa.hpp"
#include "../epilogue.hpp"
#include "../quant/quant_params.hpp"

namespace qgemm {

struct GemmOptions {
  int threads = 0;           ///< 0: every OpenMP thread (1 when built without OpenMP)
  Isa isa = Isa::automatic;  ///< force a kernel path; an unavailable one is an Error
};

/// How `linear` turns fp32 activations into integers.
enum class ActivationQuant {
  Dynamic,  ///< per-tensor min-max params chosen from X on every call
  Static,   ///< LinearOptions::activation_params, calibrated beforehand
  /// Symmetric min-max params for each row of X on every call (s8 storage, zero point 0, so
  /// `signed_activations` does not apply): a row of small values keeps its resolution next to
  /// a row of large ones. The usual choice for decode with int4 weights.
  DynamicPerRow,
};

struct LinearOptions {
  ActivationQuant activation_quant = ActivationQuant::Dynamic;
  /// Dynamic: false gives u8 with a zero point (asymmetric), true gives s8 with zero point 0.
  bool signed_activations = false;
  int activation_bits = 8;          ///< Dynamic: 2..8
  QuantParams activation_params{};  ///< Static: used as given (is_signed picks u8 or s8)

  Activation activation = Activation::None;
  float clamp_min = -std::numeric_limits<float>::infinity();
  float clamp_max = std::numeric_limits<float>::infinity();

  /// Weight bias correction (correct_weight_bias): null, or N floats c[n] adding
  /// c[n] * sum_k xhat[m][k] to output (m, n), xhat the dequantized activations.
  const float* weight_shift = nullptr;

  int threads = 0;
  Isa isa = Isa::automatic;
};

}  // namespace qgemm
