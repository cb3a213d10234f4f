// The seam between the driver and the per-ISA kernels.
//
// Each path specialises these class templates in its own folder; the driver (driver/) is written
// once against them and never names an ISA. An IntKernels<I> specialisation provides:
//
//   AElem          element type of packed activations (u8, or int16 for the AVX2 madd path)
//   mr, np         tile: up to mr rows x np panels of 16 channels
//   tile(rows, panels, a, b, group_stride, g0, g1, out, ldt, accumulate)
//                  out[r][c] (+= when accumulate) = sum over k groups g in [g0, g1) of the 4 products a * w, wrapping
//                  int32; `a` is a micro-panel of `rows` rows (per k group: rows x 4 AElem),
//                  `b` the first of `panels` consecutive s8 panels of one block (64 bytes apart,
//                  group_stride bytes from one k group to the next; pack/panel_layout.hpp)
//   store_int32, store_dequantized, accumulate_group, store_grouped
//                  the fused epilogue of a tile (kernels/epilogue_args.hpp)
//
// F32Kernels<I>: block_bytes and dot(a, b, len) = sum of a[k] * b[k] in fp32. Paths without
// their own fp32 kernels inherit the portable one.
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
