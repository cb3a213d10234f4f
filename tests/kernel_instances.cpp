// The kernel paths of the test binary, compiled once, in this unit and kernel_instances_avx512.cpp
// (two units, so both cores compile them): every unit of qgemm_tests is built with
// QGEMM_EXTERN_KERNELS (tests/CMakeLists.txt) and only declares them. Without this the sanitizer
// build compiled every path in each unit, 4-5 minutes a unit on a 2-core CI machine.
#include <qgemm/qgemm.hpp>

QGEMM_INSTANTIATE_PATH(qgemm::Isa::scalar)
#ifdef QGEMM_X86_KERNELS
QGEMM_INSTANTIATE_PATH(qgemm::Isa::avx2)
QGEMM_INSTANTIATE_PATH(qgemm::Isa::avx_vnni)
#endif
