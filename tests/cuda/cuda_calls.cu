// The CUDA half of the tests: every qgemm::cuda entry point, driven from host vectors.
#include "cuda_calls.hpp"

#include <qgemm/cuda/qgemm_cuda.cuh>

namespace cuda_calls {

using namespace qgemm::cuda;

bool available() {
  return device_available();
}
std::string device_name() {
  return device_caps().name;
}
bool int4_tensor_cores() {
  return device_has_int4_tensor_cores();
}
std::size_t shared_memory_optin() {
  return device_caps().shared_memory_per_block_optin;
}

namespace {

DeviceWeights pack(bool s4, bool on_device, std::size_t N, std::size_t K,
                   const std::vector<std::int8_t>& W, const float* host_scales = nullptr) {
  const WeightType type = s4 ? WeightType::S4 : WeightType::S8;
  if (!on_device) return DeviceWeights::from_host(type, W.data(), N, K, K, host_scales);
  DeviceBuffer<std::int8_t> w(W.size());
  w.upload(W.data(), W.size());
  DeviceWeights dw = DeviceWeights::from_device(type, w.data(), N, K, K);
  if (host_scales) dw.set_scales_from_host(host_scales);
  return dw;
}

void sync(const char* what) {
  check(cudaDeviceSynchronize(), "cuda_calls", what);
}

}  // namespace

std::vector<std::int32_t> gemm(const GemmCase& c, const std::vector<std::int8_t>& A,
                               const std::vector<std::int8_t>& W, std::int32_t poison) {
  DeviceWeights dw = pack(c.s4_weights, c.pack_on_device, c.N, c.K, W);
  DeviceBuffer<std::int8_t> a(c.a_offset + A.size() + 1);
  if (!A.empty())
    check(cudaMemcpy(a.data() + c.a_offset, A.data(), A.size(), cudaMemcpyHostToDevice),
          "cuda_calls", "A");
  std::vector<std::int32_t> C(c.M * c.ldc, poison);
  DeviceBuffer<std::int32_t> d_c(C.size() + 1);
  d_c.upload(C.data(), C.size());
  qgemm::cuda::gemm(a.data() + c.a_offset, c.lda, c.M, dw, d_c.data(), c.ldc);
  sync("gemm");
  d_c.download(C.data(), C.size());
  return C;
}

std::vector<std::int32_t> gemm_s4(std::size_t M, std::size_t N, std::size_t K,
                                  const std::vector<std::int8_t>& A,
                                  const std::vector<std::int8_t>& W) {
  DeviceWeights dw = pack(true, false, N, K, W);
  const std::vector<std::uint8_t> a_host = pack_s4_rows_host(A.data(), M, K, K);
  DeviceBuffer<std::uint8_t> a(a_host.size() + 1);
  a.upload(a_host.data(), a_host.size());
  DeviceBuffer<std::int32_t> d_c(M * N + 1);
  qgemm::cuda::gemm_s4(a.data(), s4_row_bytes(K), M, dw, d_c.data(), N);
  sync("gemm_s4");
  std::vector<std::int32_t> C(M * N);
  d_c.download(C.data(), C.size());
  return C;
}

namespace {
template <class Out>
std::vector<float> run_linear(const LinearCase& c, const std::int8_t* a, const DeviceWeights& dw,
                              const LinearParams& p) {
  DeviceBuffer<Out> y(c.M * c.N + 1);
  qgemm::cuda::linear(a, c.K, c.M, dw, p, y.data(), c.N);
  sync("linear");
  std::vector<Out> host(c.M * c.N);
  y.download(host.data(), host.size());
  std::vector<float> out(host.size());
  for (std::size_t i = 0; i < host.size(); ++i) {
    if constexpr (std::is_same_v<Out, __half>)
      out[i] = __half2float(host[i]);
    else
      out[i] = static_cast<float>(host[i]);
  }
  return out;
}
}  // namespace

std::vector<float> linear(const LinearCase& c, const std::vector<std::int8_t>& A,
                          const std::vector<std::int8_t>& W, const std::vector<float>& w_scales) {
  DeviceWeights dw = pack(c.s4_weights, false, c.N, c.K, W, w_scales.data());
  DeviceBuffer<std::int8_t> a(A.size() + 1);
  a.upload(A.data(), A.size());
  DeviceBuffer<float> rows(c.row_scales.size()), bias(c.bias.size());
  LinearParams p;
  p.a_scale = c.a_scale;
  if (!c.row_scales.empty()) {
    rows.upload(c.row_scales.data(), c.row_scales.size());
    p.a_row_scales = rows.data();
  }
  if (!c.bias.empty()) {
    bias.upload(c.bias.data(), c.bias.size());
    p.bias = bias.data();
  }
  p.relu = c.relu;
  p.out_scale = c.out_scale;
  if (c.output == "f16") return run_linear<__half>(c, a.data(), dw, p);
  if (c.output == "s8") return run_linear<std::int8_t>(c, a.data(), dw, p);
  return run_linear<float>(c, a.data(), dw, p);
}

std::vector<std::uint8_t> packed_bytes(bool s4, bool on_device, std::size_t N, std::size_t K,
                                       const std::vector<std::int8_t>& W) {
  DeviceWeights dw = pack(s4, on_device, N, K, W);
  std::vector<std::uint8_t> out(dw.padded_rows() * dw.row_bytes());
  check(cudaMemcpy(out.data(), dw.data(), out.size(), cudaMemcpyDeviceToHost), "cuda_calls",
        "packed bytes");
  return out;
}

}  // namespace cuda_calls
