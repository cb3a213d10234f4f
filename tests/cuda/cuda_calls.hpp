// A plain C++ face of the CUDA path for the tests: host vectors in, host vectors out. It keeps
// nvcc away from GoogleTest, Eigen and the CPU library; cuda_calls.cu is the only CUDA source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cuda_calls {

bool available();
std::string device_name();
bool int4_tensor_cores();
/// Shared memory one block may opt in to (bytes): the large4 and wide tiles need 128 / 144 KiB.
std::size_t shared_memory_optin();

struct GemmCase {
  std::size_t M = 0, N = 0, K = 0;
  std::size_t lda = 0;       // bytes between rows of A (>= K)
  std::size_t ldc = 0;       // elements between rows of C (>= N)
  std::size_t a_offset = 0;  // A starts this many bytes into its allocation (alignment tests)
  bool s4_weights = false;
  bool pack_on_device = false;
};

/// C (M x ldc, only the first N of each row written) = A * W^T through qgemm::cuda::gemm.
/// A: M rows of lda bytes; W: N rows of K. C's other elements keep `poison`.
std::vector<std::int32_t> gemm(const GemmCase& c, const std::vector<std::int8_t>& A,
                               const std::vector<std::int8_t>& W, std::int32_t poison);

/// s4 x s4 through qgemm::cuda::gemm_s4 (A, W values in [-8, 7], dense M x K and N x K).
std::vector<std::int32_t> gemm_s4(std::size_t M, std::size_t N, std::size_t K,
                                  const std::vector<std::int8_t>& A,
                                  const std::vector<std::int8_t>& W);

struct LinearCase {
  std::size_t M = 0, N = 0, K = 0;
  bool s4_weights = false;
  std::string output = "f32";  // f32 | f16 | s8
  float a_scale = 1.0f;
  std::vector<float> row_scales;  // empty: per tensor
  std::vector<float> bias;        // empty: none
  bool relu = false;
  float out_scale = 1.0f;
};

/// Y (M x N, as float) through qgemm::cuda::linear with W's per-channel scales w_scales.
std::vector<float> linear(const LinearCase& c, const std::vector<std::int8_t>& A,
                          const std::vector<std::int8_t>& W, const std::vector<float>& w_scales);

/// The packed bytes of W as DeviceWeights holds them, packed on the host or on the device.
std::vector<std::uint8_t> packed_bytes(bool s4, bool on_device, std::size_t N, std::size_t K,
                                       const std::vector<std::int8_t>& W);

}  // namespace cuda_calls
