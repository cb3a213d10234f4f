// Weights packed once for the tensor-core kernels, on the device: rows of W[N x K] (one row per
// output channel) padded with zeros to whole tiles (N to kWeightRowAlign, K to kWeightKAlign),
// s8 one byte per value or s4 two per byte in the order of s4_layout.hpp, plus optional
// per-channel fp32 scales for linear().
#pragma once

#include <cstdint>
#include <vector>

#include "runtime.hpp"
#include "s4_layout.hpp"

namespace qgemm::cuda {

enum class WeightType { S8, S4 };

inline constexpr std::size_t kWeightRowAlign = 256;  // largest block tile in N
inline constexpr std::size_t kWeightKAlign = 256;    // largest pipeline stage in K (s4 x s4)

namespace detail {

inline std::size_t round_up(std::size_t v, std::size_t to) {
  return (v + to - 1) / to * to;
}

/// One thread per packed byte: rows/cols past N/K are zero; s4 values outside [-8, 7] are
/// counted in *bad (and stored clamped, but the host wrapper throws before anyone reads them).
__global__ void pack_weights_kernel(const std::int8_t* w, long long ldw, int N, int K,
                                    WeightType type, std::uint8_t* out, long long row_bytes,
                                    long long padded_rows, int* bad) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= padded_rows * row_bytes) return;
  const long long n = i / row_bytes, j = i % row_bytes;
  auto value = [&](long long k) -> int {
    return (n < N && k < K) ? static_cast<int>(w[n * ldw + k]) : 0;
  };
  if (type == WeightType::S8) {
    out[i] = static_cast<std::uint8_t>(value(j));
    return;
  }
  const long long k_lo = (j / kS4SegmentBytes) * kS4SegmentValues + (j % kS4SegmentBytes);
  int lo = value(k_lo), hi = value(k_lo + 16);
  if (lo < -8 || lo > 7 || hi < -8 || hi > 7) {
    atomicAdd(bad, 1);
    lo = lo < -8 ? -8 : (lo > 7 ? 7 : lo);
    hi = hi < -8 ? -8 : (hi > 7 ? 7 : hi);
  }
  out[i] = static_cast<std::uint8_t>((lo & 15) | ((hi & 15) << 4));
}

}  // namespace detail

class DeviceWeights {
 public:
  DeviceWeights() = default;

  /// Packs host weights W[N x K] (row n at w + n * ldw), s8 values; for S4 each value must lie in
  /// [-8, 7] (qgemm::Error names the first that does not). scales: N host floats or nullptr.
  static DeviceWeights from_host(WeightType type, const std::int8_t* w, std::size_t N,
                                 std::size_t K, std::size_t ldw, const float* scales = nullptr) {
    const char* fn = "qgemm::cuda::DeviceWeights::from_host";
    DeviceWeights dw(type, N, K, ldw, fn);
    std::vector<std::uint8_t> packed(dw.padded_rows_ * dw.row_bytes_, 0);
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t k = 0; k < K; ++k) {
        const int v = w[n * ldw + k];
        std::uint8_t* row = packed.data() + n * dw.row_bytes_;
        if (type == WeightType::S8) {
          row[k] = static_cast<std::uint8_t>(v);
          continue;
        }
        if (v < -8 || v > 7)
          qgemm::detail::fail(fn, "w[" + std::to_string(n) + "][" + std::to_string(k) + "]", v,
                              ": an s4 weight must lie in [-8, 7]");
        const S4Slot slot = s4_slot(k);
        row[slot.byte] |= static_cast<std::uint8_t>((v & 15) << (4 * slot.high));
      }
    dw.data_.upload(packed.data(), packed.size());
    if (scales) dw.set_scales_from_host(scales);
    return dw;
  }

  /// Packs weights already on the device (w: device pointer, stream-ordered on `stream`, which
  /// this call synchronizes to check the s4 range). scales: N device floats or nullptr.
  static DeviceWeights from_device(WeightType type, const std::int8_t* w, std::size_t N,
                                   std::size_t K, std::size_t ldw, const float* scales = nullptr,
                                   cudaStream_t stream = nullptr) {
    const char* fn = "qgemm::cuda::DeviceWeights::from_device";
    DeviceWeights dw(type, N, K, ldw, fn);
    DeviceBuffer<int> bad(1);
    check(cudaMemsetAsync(bad.data(), 0, sizeof(int), stream), fn, "cudaMemsetAsync");
    const long long total = static_cast<long long>(dw.padded_rows_ * dw.row_bytes_);
    const int threads = 256;
    detail::pack_weights_kernel<<<static_cast<unsigned>((total + threads - 1) / threads), threads,
                                  0, stream>>>(
        w, static_cast<long long>(ldw), int(N), int(K), type, dw.data_.data(),
        static_cast<long long>(dw.row_bytes_), static_cast<long long>(dw.padded_rows_), bad.data());
    check(cudaGetLastError(), fn, "pack_weights_kernel launch");
    if (scales) {
      dw.scales_ = DeviceBuffer<float>(N);
      check(cudaMemcpyAsync(dw.scales_.data(), scales, N * sizeof(float), cudaMemcpyDeviceToDevice,
                            stream),
            fn, "cudaMemcpyAsync(scales)");
    }
    int bad_count = 0;
    check(cudaMemcpyAsync(&bad_count, bad.data(), sizeof(int), cudaMemcpyDeviceToHost, stream), fn,
          "cudaMemcpyAsync");
    check(cudaStreamSynchronize(stream), fn, "cudaStreamSynchronize");
    if (bad_count)
      qgemm::detail::fail(fn, "w", bad_count, " values outside [-8, 7]: not s4 weights");
    return dw;
  }

  /// Per-channel scales (N host floats) used by linear().
  void set_scales_from_host(const float* scales) {
    scales_ = DeviceBuffer<float>(rows_);
    scales_.upload(scales, rows_);
  }

  WeightType type() const { return type_; }
  std::size_t rows() const { return rows_; }  // N
  std::size_t cols() const { return cols_; }  // K
  std::size_t padded_rows() const { return padded_rows_; }
  std::size_t padded_cols() const { return padded_cols_; }
  std::size_t row_bytes() const { return row_bytes_; }
  const std::uint8_t* data() const { return data_.data(); }
  const float* scales() const { return scales_.data(); }  // nullptr when none were given
  bool empty() const { return rows_ == 0 || cols_ == 0; }

 private:
  DeviceWeights(WeightType type, std::size_t N, std::size_t K, std::size_t ldw, const char* fn)
      : type_(type), rows_(N), cols_(K) {
    if (ldw < K) qgemm::detail::fail(fn, "ldw", ldw, ": must be at least K = ", K);
    if (N > (1u << 30) || K > (1u << 30))
      qgemm::detail::fail(fn, "N x K", N, " x ", K, ": each must be below 2^30");
    padded_rows_ = detail::round_up(N ? N : 1, kWeightRowAlign);
    padded_cols_ = detail::round_up(K ? K : 1, kWeightKAlign);
    row_bytes_ = type == WeightType::S8 ? padded_cols_ : padded_cols_ / 2;
    data_ = DeviceBuffer<std::uint8_t>(padded_rows_ * row_bytes_);
  }

  WeightType type_ = WeightType::S8;
  std::size_t rows_ = 0, cols_ = 0, padded_rows_ = 0, padded_cols_ = 0, row_bytes_ = 0;
  DeviceBuffer<std::uint8_t> data_;
  DeviceBuffer<float> scales_;
};

}  // namespace qgemm::cuda
