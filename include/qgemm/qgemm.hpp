// qgemm: header-only quantized matrix multiplication. Include this one header.
//
//   qgemm::gemm      fp32 and integer (u8/s8 x s8/s4 -> s32) products, C = A * B^T
//   qgemm::linear    Y = act(X * W^T + bias) with pre-packed quantized weights
//   qgemm::PackedWeights, PackedFloatWeights, quantize / dequantize / calibrate, pack_int4 / unpack_int4
//   qgemm::active_isa, available_isas   which kernel path runs (QGEMM_ISA overrides)
#pragma once

#include "version.hpp"
#include "error.hpp"
#include "int4.hpp"
#include "matrix_view.hpp"
#include "epilogue.hpp"
#include "quant/quant_params.hpp"
#include "quant/quantize.hpp"
#include "quant/calibrate.hpp"
#include "quant/clipping.hpp"
#include "quant/bit_allocation.hpp"
#include "quant/bias_correction.hpp"
#include "pack/packed_weights.hpp"
#include "pack/packed_float_weights.hpp"
#include "cpu/cpu_features.hpp"
#include "cpu/isa.hpp"
#include "api/options.hpp"
#include "api/checks.hpp"
#include "api/gemm.hpp"
#include "api/linear.hpp"
