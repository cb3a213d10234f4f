// The AVX-512 kernel paths of the test binary (see kernel_instances.cpp).
#include <qgemm/qgemm.hpp>

#ifdef QGEMM_X86_KERNELS
QGEMM_INSTANTIATE_PATH(qgemm::Isa::avx512)
QGEMM_INSTANTIATE_PATH(qgemm::Isa::avx512_vnni)
#endif
