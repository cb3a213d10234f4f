// Compiling the kernels in one translation unit rather than in every one.
//
// gemm and linear dispatch at run time over every kernel path, so each translation unit that
// calls them instantiates all of them: most of its compile time. A project with many such units
// can compile the paths once:
//   - every unit that includes <qgemm/qgemm.hpp> is built with QGEMM_EXTERN_KERNELS defined
//     (it then only declares the paths' entry points);
//   - exactly one of them also defines QGEMM_INSTANTIATE_KERNELS before the include (it
//     instantiates every path, and the linker finds them there); or, to spread the work over
//     several units, each of them writes QGEMM_INSTANTIATE_PATH(qgemm::Isa::...) at namespace
//     scope after the include, once per path (every path dispatch() can reach: scalar, and on
//     x86 avx2, avx_vnni, avx512, avx512_vnni).
// With neither macro, as by default, every unit instantiates what it uses: header-only as usual.
// With CMake, qgemm_add_kernel_library (cmake/qgemmKernelLibrary.cmake) sets all this up.
#pragma once

#include <cstdint>

#include "../cpu/isa.hpp"
#include "f32_gemm_driver.hpp"
#include "int_gemm_driver.hpp"

// The entry points of one path: the integer product for each activation type, and the fp32 one.
#define QGEMM_DETAIL_PATH_ENTRIES(KEYWORD, ISA)                           \
  KEYWORD template void qgemm::detail::run_int_gemm<ISA, std::uint8_t>(   \
      qgemm::MatrixView<const std::uint8_t>, const qgemm::PackedWeights&, \
      const qgemm::detail::EpiloguePlan&, int);                           \
  KEYWORD template void qgemm::detail::run_int_gemm<ISA, std::int8_t>(    \
      qgemm::MatrixView<const std::int8_t>, const qgemm::PackedWeights&,  \
      const qgemm::detail::EpiloguePlan&, int);                           \
  KEYWORD template void qgemm::detail::run_f32_gemm<ISA>(                 \
      qgemm::MatrixView<const float>, const qgemm::PackedFloatWeights&,   \
      const qgemm::kernels::EpilogueArgs&, int);

/// Instantiates the entry points of path ISA here (see above).
#define QGEMM_INSTANTIATE_PATH(ISA) QGEMM_DETAIL_PATH_ENTRIES(, ISA)

#if defined(QGEMM_EXTERN_KERNELS) || defined(QGEMM_INSTANTIATE_KERNELS)
#if defined(QGEMM_INSTANTIATE_KERNELS)
#define QGEMM_DETAIL_KEYWORD
#else
#define QGEMM_DETAIL_KEYWORD extern
#endif
QGEMM_DETAIL_PATH_ENTRIES(QGEMM_DETAIL_KEYWORD, qgemm::Isa::scalar)
#ifdef QGEMM_X86_KERNELS
QGEMM_DETAIL_PATH_ENTRIES(QGEMM_DETAIL_KEYWORD, qgemm::Isa::avx2)
QGEMM_DETAIL_PATH_ENTRIES(QGEMM_DETAIL_KEYWORD, qgemm::Isa::avx_vnni)
QGEMM_DETAIL_PATH_ENTRIES(QGEMM_DETAIL_KEYWORD, qgemm::Isa::avx512)
QGEMM_DETAIL_PATH_ENTRIES(QGEMM_DETAIL_KEYWORD, qgemm::Isa::avx512_vnni)
#endif
#undef QGEMM_DETAIL_KEYWORD
#endif
