// Host entry points of the CUDA path, mirroring the CPU API on device pointers and a stream:
// gemm (s8 x s8 or s4 weights -> s32), gemm_s4 (s4 x s4 -> s32), linear (fused dequantize,
// bias, ReLU -> fp32 / fp16, or requantize -> s8), and the s4 activation packers.
//
// Every call checks all of its arguments before it launches anything and throws qgemm::Error;
// launches are asynchronous on `stream`, like cuBLAS.
#pragma once

#include <cuda_fp16.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "device_weights.cuh"
#include "mma_gemm_kernel.cuh"

namespace qgemm::cuda {

/// Bytes of one row of K s4 values in the s4 layout (whole 32-value segments).
inline std::size_t s4_row_bytes(std::size_t K) {
  return detail::round_up(K, 32) / 2;
}

/// Packs host activations X[M x K] (values in [-8, 7], else qgemm::Error) into rows of
/// s4_row_bytes(K) bytes, ready to upload for gemm_s4.
inline std::vector<std::uint8_t> pack_s4_rows_host(const std::int8_t* x, std::size_t M,
                                                   std::size_t K, std::size_t ldx) {
  const char* fn = "qgemm::cuda::pack_s4_rows_host";
  if (ldx < K) qgemm::detail::fail(fn, "ldx", ldx, ": must be at least K = ", K);
  const std::size_t rb = s4_row_bytes(K);
  std::vector<std::uint8_t> out(M * rb, 0);
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t k = 0; k < K; ++k) {
      const int v = x[m * ldx + k];
      if (v < -8 || v > 7)
        qgemm::detail::fail(fn, "x[" + std::to_string(m) + "][" + std::to_string(k) + "]", v,
                            ": an s4 value must lie in [-8, 7]");
      const S4Slot slot = s4_slot(k);
      out[m * rb + slot.byte] |= static_cast<std::uint8_t>((v & 15) << (4 * slot.high));
    }
  return out;
}

/// Which block tile a call uses; Auto picks by M and the device's shared memory
/// (QGEMM_CUDA_TILE=small|decode|medium|large|large4|wide forces one, for tuning).
enum class Tile { Auto, Small, Decode, Medium, Large, Large4, Wide };

using SmallTile = TileShape<16, 32, 1, 2, 8>;     // decode, 2 warps, deep pipeline on few rows
using DecodeTile = TileShape<16, 64, 1, 4, 6>;    // decode, 4 warps
using MediumTile = TileShape<64, 64, 2, 2, 4>;    // M <= 64
using LargeTile = TileShape<128, 128, 2, 2, 3>;   // 96 KB of stages: fits sm_86/89 too
using Large4Tile = TileShape<128, 128, 2, 2, 4>;  // 128 KB: sm_80 / sm_90
using WideTile = TileShape<128, 256, 2, 4, 3>;    // 8 warps, 144 KB: sm_80 / sm_90

namespace detail {

inline Tile tile_from_environment() {
  const char* v = std::getenv("QGEMM_CUDA_TILE");
  if (!v || !*v) return Tile::Auto;
  const std::pair<const char*, Tile> names[] = {{"small", Tile::Small},   {"decode", Tile::Decode},
                                                {"medium", Tile::Medium}, {"large", Tile::Large},
                                                {"large4", Tile::Large4}, {"wide", Tile::Wide}};
  for (const auto& [name, tile] : names)
    if (!std::strcmp(v, name)) return tile;
  qgemm::detail::fail("qgemm::cuda", "QGEMM_CUDA_TILE", v,
                      ": expected small, decode, medium, large, large4 or wide");
}

inline Tile choose_tile(std::size_t M) {
  const Tile forced = tile_from_environment();
  if (forced != Tile::Auto) return forced;
  // Measured on an H100 (see the issue note): the 4-warp decode tile beat the 2-warp one for
  // W4A8 at M <= 16 (1.13x vs 0.93x of s8s8); 128x128 beat 64x64 from M = 128 up.
  return M <= 16 ? Tile::Decode : (M <= 64 ? Tile::Medium : Tile::Large);
}

template <class Shape, Operands Ops>
void launch(const GemmArgs& args, cudaStream_t stream, const char* fn) {
  constexpr int smem = shared_bytes<Shape, Ops>();
  auto* kernel = &mma_gemm_kernel<Shape, Ops>;
  int device = 0;
  check(cudaGetDevice(&device), fn, "cudaGetDevice");
  // Raise the dynamic shared-memory limit once per device and kernel.
  static std::atomic<unsigned long long> raised{0};
  const unsigned long long bit = 1ull << (device & 63);
  if (smem > 48 * 1024 && !(raised.load() & bit)) {
    check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem), fn,
          "cudaFuncSetAttribute (this device has too little shared memory for the tile)");
    raised.fetch_or(bit);
  }
  const long long grid_m = (args.M + Shape::BM - 1) / Shape::BM;
  if (grid_m > 65535)
    qgemm::detail::fail(fn, "M", args.M, ": too many rows for one launch of this tile");
  const dim3 grid(static_cast<unsigned>((args.N + Shape::BN - 1) / Shape::BN),
                  static_cast<unsigned>(grid_m));
  kernel<<<grid, Shape::kThreads, smem, stream>>>(args);
  check(cudaGetLastError(), fn, "kernel launch");
}

template <Operands Ops>
void launch_tiled(const GemmArgs& args, Tile tile, cudaStream_t stream, const char* fn) {
  switch (tile) {
    case Tile::Small:
      return launch<SmallTile, Ops>(args, stream, fn);
    case Tile::Decode:
      return launch<DecodeTile, Ops>(args, stream, fn);
    case Tile::Medium:
      return launch<MediumTile, Ops>(args, stream, fn);
    case Tile::Large4:
      return launch<Large4Tile, Ops>(args, stream, fn);
    case Tile::Wide:
      return launch<WideTile, Ops>(args, stream, fn);
    default:
      return launch<LargeTile, Ops>(args, stream, fn);
  }
}

/// s4 rows (the s4 layout) -> s8 rows of ld_out bytes, zero past K.
__global__ void unpack_s4_rows_kernel(const std::uint8_t* a, long long lda, int M, int K,
                                      std::int8_t* out, long long ld_out) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(M) * ld_out) return;
  const long long m = i / ld_out, k = i % ld_out;
  int v = 0;
  if (k < K) {
    const S4Slot slot = s4_slot(static_cast<std::size_t>(k));
    v = s4_read(a[m * lda + static_cast<long long>(slot.byte)], slot.high);
  }
  out[i] = static_cast<std::int8_t>(v);
}

/// Scratch memory on the stream's own pool, freed in stream order.
class StreamScratch {
 public:
  StreamScratch(std::size_t bytes, cudaStream_t stream, const char* fn) : stream_(stream) {
    check(cudaMallocAsync(&p_, bytes ? bytes : 1, stream), fn, "cudaMallocAsync(scratch)");
  }
  ~StreamScratch() { (void)cudaFreeAsync(p_, stream_); }
  StreamScratch(const StreamScratch&) = delete;
  StreamScratch& operator=(const StreamScratch&) = delete;
  void* get() const { return p_; }

 private:
  void* p_ = nullptr;
  cudaStream_t stream_;
};

/// Native int4 mma or unpack-to-s8 for s4 x s4: the device decides, QGEMM_CUDA_INT4_MMA=native|
/// unpack overrides (tests run both kernels on one GPU; native on a GPU without int4 tensor cores
/// is for testing only).
inline bool use_native_int4(const char* fn) {
  const char* v = std::getenv("QGEMM_CUDA_INT4_MMA");
  if (v && *v) {
    if (!std::strcmp(v, "native")) return true;
    if (!std::strcmp(v, "unpack")) return false;
    qgemm::detail::fail(fn, "QGEMM_CUDA_INT4_MMA", v, ": expected native or unpack");
  }
  return device_has_int4_tensor_cores();
}

inline bool aligned16(const void* p, std::size_t ld) {
  return (reinterpret_cast<std::uintptr_t>(p) % 16 == 0) && ld % 16 == 0;
}

/// The checks every entry point shares; then runs the kernel for these operands, staging A into
/// aligned scratch first when its pointer or row stride is not a multiple of 16 bytes.
inline void run(Operands ops, const std::uint8_t* A, std::size_t lda, std::size_t a_row_bytes,
                std::size_t M, const DeviceWeights& W, EpilogueParams ep, std::size_t ldc,
                cudaStream_t stream, const char* fn) {
  if (W.rows() == 0) qgemm::detail::fail(fn, "W", "empty: pack weights first");
  if (M > 0x7fffffff) qgemm::detail::fail(fn, "M", M, ": must be below 2^31");
  if (M && a_row_bytes && !A) qgemm::detail::fail(fn, "A", "null with M = ", M);
  if (M && !ep.out) qgemm::detail::fail(fn, "C", "null with M = ", M);
  if (lda < a_row_bytes)
    qgemm::detail::fail(fn, "lda", lda, ": must be at least ", a_row_bytes,
                        " bytes for K = ", W.cols());
  if (ldc < W.rows()) qgemm::detail::fail(fn, "ldc", ldc, ": must be at least N = ", W.rows());
  if (M == 0) return;
  ep.ldc = static_cast<long long>(ldc);

  GemmArgs args;
  args.M = static_cast<int>(M);
  args.N = static_cast<int>(W.rows());
  args.W = W.data();
  args.ldw = static_cast<long long>(W.row_bytes());
  args.a_row_bytes = static_cast<int>(a_row_bytes);
  args.ep = ep;

  const std::size_t staged_ld = round_up(a_row_bytes ? a_row_bytes : 1, 16);
  std::unique_ptr<StreamScratch> staged;
  if (!aligned16(A, lda)) {
    staged = std::make_unique<StreamScratch>(M * staged_ld, stream, fn);
    check(cudaMemcpy2DAsync(staged->get(), staged_ld, A, lda, a_row_bytes, M,
                            cudaMemcpyDeviceToDevice, stream),
          fn, "cudaMemcpy2DAsync(A)");
    A = static_cast<const std::uint8_t*>(staged->get());
    lda = staged_ld;
  }
  args.A = A;
  args.lda = static_cast<long long>(lda);

  const Tile tile = choose_tile(M);
  if (ops == Operands::S4S4 && !use_native_int4(fn)) {
    // No int4 tensor cores (Hopper): unpack A to s8 and run W4A8, exact all the same.
    const std::size_t ld8 = round_up(W.cols() ? W.cols() : 1, 16);
    StreamScratch a8(M * ld8, stream, fn);
    const long long total = static_cast<long long>(M * ld8);
    unpack_s4_rows_kernel<<<static_cast<unsigned>((total + 255) / 256), 256, 0, stream>>>(
        A, static_cast<long long>(lda), args.M, static_cast<int>(W.cols()),
        static_cast<std::int8_t*>(a8.get()), static_cast<long long>(ld8));
    check(cudaGetLastError(), fn, "unpack_s4_rows_kernel launch");
    args.A = static_cast<const std::uint8_t*>(a8.get());
    args.lda = static_cast<long long>(ld8);
    args.a_row_bytes = static_cast<int>(W.cols());
    args.k_stages = static_cast<int>(W.padded_cols() / OperandTraits<Operands::S8S4>::kStageK);
    launch_tiled<Operands::S8S4>(args, tile, stream, fn);
    return;
  }
  switch (ops) {
    case Operands::S8S8:
      args.k_stages = static_cast<int>(W.padded_cols() / OperandTraits<Operands::S8S8>::kStageK);
      return launch_tiled<Operands::S8S8>(args, tile, stream, fn);
    case Operands::S8S4:
      args.k_stages = static_cast<int>(W.padded_cols() / OperandTraits<Operands::S8S4>::kStageK);
      return launch_tiled<Operands::S8S4>(args, tile, stream, fn);
    case Operands::S4S4:
      args.k_stages = static_cast<int>(W.padded_cols() / OperandTraits<Operands::S4S4>::kStageK);
      return launch_tiled<Operands::S4S4>(args, tile, stream, fn);
  }
}

template <class Out>
constexpr Output output_of() {
  if constexpr (std::is_same_v<Out, float>)
    return Output::F32;
  else if constexpr (std::is_same_v<Out, __half>)
    return Output::F16;
  else if constexpr (std::is_same_v<Out, std::int8_t>)
    return Output::S8;
  else
    return Output::S32;
}

}  // namespace detail

/// C[M x N] = A[M x K] * W^T with exact int32 sums. A: s8 rows of lda bytes on the device;
/// W: s8 or s4 DeviceWeights (s4: unpacked to s8 on chip, the W4A8 kernel).
inline void gemm(const std::int8_t* A, std::size_t lda, std::size_t M, const DeviceWeights& W,
                 std::int32_t* C, std::size_t ldc, cudaStream_t stream = nullptr) {
  EpilogueParams ep;
  ep.out = C;
  detail::run(W.type() == WeightType::S8 ? Operands::S8S8 : Operands::S8S4,
              reinterpret_cast<const std::uint8_t*>(A), lda, W.cols(), M, W, ep, ldc, stream,
              "qgemm::cuda::gemm");
}

/// C = A * W^T with s4 activations (rows of lda bytes in the s4 layout, see pack_s4_rows_host)
/// and s4 weights. Native int4 mma where the device has it (sm_80/86/89); elsewhere A is unpacked
/// to s8 and the W4A8 kernel runs. Both are exact.
inline void gemm_s4(const std::uint8_t* A, std::size_t lda, std::size_t M, const DeviceWeights& W,
                    std::int32_t* C, std::size_t ldc, cudaStream_t stream = nullptr) {
  const char* fn = "qgemm::cuda::gemm_s4";
  if (W.type() != WeightType::S4) qgemm::detail::fail(fn, "W", "s8 weights: gemm_s4 needs s4");
  EpilogueParams ep;
  ep.out = C;
  detail::run(Operands::S4S4, A, lda, s4_row_bytes(W.cols()), M, W, ep, ldc, stream, fn);
}

/// What linear() does after the integer product.
struct LinearParams {
  float a_scale = 1.0f;                 // activation scale, per tensor
  const float* a_row_scales = nullptr;  // or one per row (device), used instead of a_scale
  const float* bias = nullptr;          // device, N floats, optional
  bool relu = false;
  float out_scale = 1.0f;  // s8 output only: y is stored as round(y / out_scale)
};

/// Y[M x N] = act((scale_a * scale_w[n]) * (A * W^T)[m][n] + bias[n]), stored as fp32, fp16 or
/// (requantized) s8. W must carry per-channel scales; W may be s8 or s4.
template <class Out>
void linear(const std::int8_t* A, std::size_t lda, std::size_t M, const DeviceWeights& W,
            const LinearParams& p, Out* Y, std::size_t ldy, cudaStream_t stream = nullptr) {
  static_assert(detail::output_of<Out>() != Output::S32, "linear stores float, __half or int8_t");
  const char* fn = "qgemm::cuda::linear";
  if (!W.scales()) qgemm::detail::fail(fn, "W.scales", "none: linear needs per-channel scales");
  if (!(p.out_scale > 0.0f) || p.out_scale > 3.0e38f)
    qgemm::detail::fail(fn, "out_scale", p.out_scale, ": must be finite and positive");
  if (!p.a_row_scales && !(p.a_scale >= 0.0f && p.a_scale < 3.0e38f))
    qgemm::detail::fail(fn, "a_scale", p.a_scale, ": must be finite and non-negative");
  EpilogueParams ep;
  ep.output = detail::output_of<Out>();
  ep.out = Y;
  ep.a_scale = p.a_scale;
  ep.a_row_scales = p.a_row_scales;
  ep.w_scales = W.scales();
  ep.bias = p.bias;
  ep.relu = p.relu;
  ep.out_inv_scale = 1.0f / p.out_scale;
  detail::run(W.type() == WeightType::S8 ? Operands::S8S8 : Operands::S8S4,
              reinterpret_cast<const std::uint8_t*>(A), lda, W.cols(), M, W, ep, ldy, stream, fn);
}

}  // namespace qgemm::cuda
