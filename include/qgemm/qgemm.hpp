// qgemm: header-only quantized matrix multiplication. Include this one header.
//
//   qgemm::gemm      fp32 and integer (u8/s8 x s8/s4 -> s32) products, C = A * B^T
//   qgemm::linear    Y = act(X * W^T + bias) with pre-packed quantized weights
//   qgemm::PackedWeights, PackedFloatWeights   weights packed once
//   qgemm::quantize, dequantize, calibrate     quantization and clip values (ACIQ, KL, MSE, ...)
//   qgemm::active_isa, available_isas          which kernel path runs (QGEMM_ISA overrides)
//   qgemm::release_scratch                     frees the scratch memory calls keep per thread
#pragma once

#include "api/checks.hpp"
#include "api/gemm.hpp"
#include "api/linear.hpp"
#include "api/options.hpp"
#include "cpu/cpu_features.hpp"
#include "cpu/isa.hpp"
#include "driver/scratch.hpp"
#include "epilogue.hpp"
#include "error.hpp"
#include "int4.hpp"
#include "matrix_view.hpp"
#include "pack/packed_float_weights.hpp"
#include "pack/packed_weights.hpp"
#include "quant/bias_correction.hpp"
#include "quant/bit_allocation.hpp"
#include "quant/calibrate.hpp"
#include "quant/clipping.hpp"
#include "quant/quant_params.hpp"
#include "quant/quantize.hpp"
#include "version.hpp"
