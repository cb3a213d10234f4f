// The per-call vectors of the fused epilogue, owned in one place and pointed to by its args.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../epilogue.hpp"
#include "../kernels/epilogue_args.hpp"

namespace qgemm {
namespace detail {

struct EpiloguePlan {
  kernels::EpilogueArgs args;
  std::vector<std::int32_t> col_corr, row_corr;
  std::vector<float> col_scale, bias, col_shift, row_sum;
  bool grouped = false;  ///< one int32 tile per group of K, scaled in fp32

  /// The output stage shared by every product: `bias` (null or `channels` floats) padded with
  /// zeros to args.stride, the activation and its clamp bounds. Set args.stride first.
  void set_output_stage(const float* bias_values, std::size_t channels, const Epilogue& stage) {
    if (bias_values != nullptr) {
      bias.assign(args.stride, 0.0f);
      std::copy(bias_values, bias_values + channels, bias.begin());
      args.bias = bias.data();
    }
    args.activation = stage.activation;
    args.clamp_min = stage.clamp_min;
    args.clamp_max = stage.clamp_max;
  }
};

}  // namespace detail
}  // namespace qgemm
