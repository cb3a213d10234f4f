// The seam between the driver and the per-ISA kernels.
//
// Each path specialises these class templates in its own folder (kernels/<isa>/...); the driver
// is written once against them and never names an ISA. A specialisation provides:
//
//   IntKernels<I>:
//     block_bytes                    bytes of unpacked weights one task keeps hot (the NC block)
//     dot(a, b, len, za)             sum over k < len of (a[k] - za) * b[k], a u8 or s8, b s8
//     unpack_s4(row, len, out)       offset-binary nibbles of a packed s4 row -> int8 weights
//   F32Kernels<I>:
//     block_bytes
//     dot(a, b, len)                 sum over k < len of a[k] * b[k] in fp32
#pragma once

#include "../cpu/isa.hpp"

namespace qgemm {
namespace kernels {

template <Isa I>
struct IntKernels;

template <Isa I>
struct F32Kernels;

}  // namespace kernels
}  // namespace qgemm
