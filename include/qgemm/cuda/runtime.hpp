// CUDA runtime helpers of the GPU path: errors as qgemm::Error, what the device can do, and an
// owning device buffer. Include only from code compiled with a CUDA compiler or linked to cudart.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>

#include "../error.hpp"

namespace qgemm::cuda {

/// Throws qgemm::Error naming the call and CUDA's own message when status is not cudaSuccess.
inline void check(cudaError_t status, const char* function, const char* what) {
  if (status != cudaSuccess)
    detail::fail(function, what, cudaGetErrorName(status), " (", cudaGetErrorString(status), ")");
}

/// True when a CUDA device can run work: used by the tests to GTEST_SKIP on machines without one.
inline bool device_available() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky "no driver" status
    return false;
  }
  return count > 0;
}

/// What the kernels need to know about the current device.
struct DeviceCaps {
  int major = 0, minor = 0;
  int multiprocessors = 0;
  std::size_t shared_memory_per_block_optin = 0;
  std::string name;

  int compute_capability() const { return major * 10 + minor; }
  /// Native 4-bit integer tensor cores (mma .s4/.u4): Ampere (8.0, 8.6, 8.7) and Ada (8.9).
  /// Turing (7.5) has them too but qgemm's kernels need cp.async (8.0+). Hopper (9.0) dropped
  /// them: there the s4 path unpacks to s8 on chip and feeds the int8 mma instead.
  bool int4_tensor_cores() const {
    const int cc = compute_capability();
    return cc == 80 || cc == 86 || cc == 87 || cc == 89;
  }
};

/// The current device's properties (cudaGetDeviceProperties once per call).
inline DeviceCaps device_caps() {
  int device = 0;
  check(cudaGetDevice(&device), "qgemm::cuda::device_caps", "cudaGetDevice");
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "qgemm::cuda::device_caps",
        "cudaGetDeviceProperties");
  DeviceCaps caps;
  caps.major = prop.major;
  caps.minor = prop.minor;
  caps.multiprocessors = prop.multiProcessorCount;
  caps.shared_memory_per_block_optin = prop.sharedMemPerBlockOptin;
  caps.name = prop.name;
  return caps;
}

/// The current device has native int4 tensor cores (see DeviceCaps::int4_tensor_cores); cheap
/// enough to ask on every call (two attribute reads, no property query).
inline bool device_has_int4_tensor_cores() {
  const char* fn = "qgemm::cuda::device_has_int4_tensor_cores";
  int device = 0, major = 0, minor = 0;
  check(cudaGetDevice(&device), fn, "cudaGetDevice");
  check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), fn, "major");
  check(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device), fn, "minor");
  DeviceCaps caps;
  caps.major = major;
  caps.minor = minor;
  return caps.int4_tensor_cores();
}

/// Device memory owned by one object (cudaMalloc / cudaFree), movable, not copyable.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count)
      check(cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T)),
            "qgemm::cuda::DeviceBuffer", "cudaMalloc");
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { release(); }

  T* data() const { return data_; }
  std::size_t size() const { return count_; }

  void upload(const T* host, std::size_t count) {
    if (count > count_)
      detail::fail("qgemm::cuda::DeviceBuffer::upload", "count", count, " > size ", count_);
    check(cudaMemcpy(data_, host, count * sizeof(T), cudaMemcpyHostToDevice),
          "qgemm::cuda::DeviceBuffer::upload", "cudaMemcpy");
  }
  void download(T* host, std::size_t count) const {
    if (count > count_)
      detail::fail("qgemm::cuda::DeviceBuffer::download", "count", count, " > size ", count_);
    check(cudaMemcpy(host, data_, count * sizeof(T), cudaMemcpyDeviceToHost),
          "qgemm::cuda::DeviceBuffer::download", "cudaMemcpy");
  }

 private:
  void release() {
    if (data_) (void)cudaFree(data_);
    data_ = nullptr;
    count_ = 0;
  }
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace qgemm::cuda
