// Output stages applied to each element as it is stored.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "error.hpp"

namespace qgemm {

/// The element-wise function applied last.
enum class Activation {
  None,   ///< y = v
  ReLU,   ///< y = max(v, 0)
  Clamp,  ///< y = min(max(v, clamp_min), clamp_max)
};

/// y[m][n] = act(v[m][n] + bias[n]), where v is the dequantized (or fp32) product.
/// `bias` may be null (no bias); it must hold N floats otherwise.
struct Epilogue {
  const float* bias = nullptr;
  Activation activation = Activation::None;
  float clamp_min = -std::numeric_limits<float>::infinity();
  float clamp_max = std::numeric_limits<float>::infinity();

  float apply(float v, std::size_t n) const {
    if (bias != nullptr) v += bias[n];
    switch (activation) {
      case Activation::None:
        return v;
      case Activation::ReLU:
        return std::max(v, 0.0f);
      case Activation::Clamp:
        return std::min(std::max(v, clamp_min), clamp_max);
    }
    return v;
  }
};

namespace detail {

inline void check_epilogue(const char* function, const Epilogue& e, std::size_t n) {
  if (e.activation == Activation::Clamp &&
      (std::isnan(e.clamp_min) || std::isnan(e.clamp_max) || e.clamp_min > e.clamp_max))
    fail(function, "clamp_min, clamp_max", e.clamp_min, ", ", e.clamp_max,
         ": need clamp_min <= clamp_max, neither NaN");
  if (e.bias != nullptr)
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(e.bias[i]))
        fail(function, "bias[" + std::to_string(i) + "]", e.bias[i], ": bias must be finite");
}

}  // namespace detail
}  // namespace qgemm
