// The CUDA tensor-core path in one include, for .cu files: #include <qgemm/cuda/qgemm_cuda.cuh>.
// Built only where CMake finds a CUDA compiler (QGEMM_ENABLE_CUDA); the CPU library never needs it.
#pragma once

#include "device_weights.cuh"
#include "gemm.cuh"
#include "runtime.hpp"
#include "s4_layout.hpp"
