// The tensor-core GEMM: C[M x N] = A[M x K] * W[N x K]^T with int32 sums, one kernel template for
// every operand pair and tile shape.
//
//   S8S8  s8 activations x s8 weights, mma m16n8k32, 128 k per pipeline stage;
//   S8S4  s8 activations x s4 weights (W4A8): nibbles go to shared memory as they are (half the
//         bytes), each warp unpacks its B words to s8 in registers and feeds the int8 mma;
//   S4S4  s4 x s4 on native int4 tensor cores, mma m16n8k64, 256 k per stage.
//
// A thread block computes a BM x BN tile of C. Its warps split it WARPS_M x WARPS_N. Stages of A
// and W go global -> shared with cp.async in a STAGES-deep ring, so loads of stage kt+STAGES-1
// overlap the mma of stage kt. Rows of shared memory are XOR-swizzled in 16-byte chunks so that
// both the cp.async stores and the ldmatrix reads (8 rows, same logical chunk) hit 8 different
// 16-byte bank groups.
#pragma once

#include <cstdint>

#include "epilogue.cuh"
#include "mma_ptx.cuh"

namespace qgemm::cuda {

enum class Operands { S8S8, S8S4, S4S4 };

template <Operands Ops>
struct OperandTraits;
template <>
struct OperandTraits<Operands::S8S8> {
  static constexpr int kStageK = 128, kARowBytes = 128, kBRowBytes = 128;
};
template <>
struct OperandTraits<Operands::S8S4> {
  static constexpr int kStageK = 128, kARowBytes = 128, kBRowBytes = 64;
};
template <>
struct OperandTraits<Operands::S4S4> {
  static constexpr int kStageK = 256, kARowBytes = 128, kBRowBytes = 128;
};

/// A block tile of BM x BN split among WARPS_M x WARPS_N warps, STAGES stages deep.
template <int BM_, int BN_, int WARPS_M_, int WARPS_N_, int STAGES_>
struct TileShape {
  static constexpr int BM = BM_, BN = BN_, WARPS_M = WARPS_M_, WARPS_N = WARPS_N_, STAGES = STAGES_;
  static constexpr int kThreads = 32 * WARPS_M * WARPS_N;
  static constexpr int WM = BM / WARPS_M, WN = BN / WARPS_N;
  static constexpr int MT = WM / 16, NT = WN / 8;  // mma tiles per warp
  static_assert(WM % 16 == 0 && WN % 16 == 0, "a warp covers whole 16x16 pairs of mma tiles");
  static_assert(STAGES >= 2, "the pipeline needs two stages at least");
};

/// Everything a launch needs; pointers are device pointers.
struct GemmArgs {
  const std::uint8_t* A = nullptr;  // M rows of lda bytes, 16-byte aligned
  long long lda = 0;
  const std::uint8_t* W = nullptr;  // padded rows of ldw bytes (DeviceWeights)
  long long ldw = 0;
  int M = 0, N = 0;
  int a_row_bytes = 0;  // bytes of A's rows that hold data; the rest of a stage reads as zeros
  int k_stages = 0;     // padded K / kStageK
  EpilogueParams ep;
};

template <class Tile, Operands Ops>
constexpr int shared_bytes() {
  using T = OperandTraits<Ops>;
  return Tile::STAGES * (Tile::BM * T::kARowBytes + Tile::BN * T::kBRowBytes);
}

namespace detail {

/// Byte offset of 16-byte chunk c of row r in a swizzled tile with rows of RowBytes (64 or 128).
template <int RowBytes>
__device__ __forceinline__ int swizzle(int r, int c) {
  if constexpr (RowBytes == 128)
    return r * 128 + ((c ^ (r & 7)) << 4);
  else
    return r * 64 + ((c ^ ((r >> 1) & 3)) << 4);
}

}  // namespace detail

template <class Tile, Operands Ops>
__global__ void __launch_bounds__(Tile::kThreads) mma_gemm_kernel(const GemmArgs args) {
  using T = OperandTraits<Ops>;
  constexpr int BM = Tile::BM, BN = Tile::BN, MT = Tile::MT, NT = Tile::NT;
  constexpr int kAStage = BM * T::kARowBytes, kBStage = BN * T::kBRowBytes;
  extern __shared__ __align__(128) std::uint8_t smem[];
  std::uint8_t* const sA = smem;
  std::uint8_t* const sB = smem + Tile::STAGES * kAStage;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int warp_m = warp % Tile::WARPS_M, warp_n = warp / Tile::WARPS_M;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;

  auto load_stage = [&](int slot, int kt) {
    constexpr int kAChunks = T::kARowBytes / 16, kBChunks = T::kBRowBytes / 16;
    std::uint8_t* a = sA + slot * kAStage;
    for (int i = tid; i < BM * kAChunks; i += Tile::kThreads) {
      const int r = i / kAChunks, c = i % kAChunks;
      const int kb = kt * T::kARowBytes + c * 16;
      int bytes = args.a_row_bytes - kb;
      bytes = (m0 + r < args.M) ? (bytes < 0 ? 0 : (bytes > 16 ? 16 : bytes)) : 0;
      const std::uint8_t* src = bytes ? args.A + (m0 + r) * args.lda + kb : args.A;
      ptx::cp_async_16(a + detail::swizzle<T::kARowBytes>(r, c), src, bytes);
    }
    std::uint8_t* b = sB + slot * kBStage;
    for (int i = tid; i < BN * kBChunks; i += Tile::kThreads) {
      const int r = i / kBChunks, c = i % kBChunks;
      // Weights are padded to whole blocks in N and K: every chunk exists.
      const std::uint8_t* src = args.W + (n0 + r) * args.ldw + kt * T::kBRowBytes + c * 16;
      ptx::cp_async_16(b + detail::swizzle<T::kBRowBytes>(r, c), src, 16);
    }
  };

  std::int32_t acc[MT][NT][4] = {};

  auto compute_stage = [&](int slot) {
    const std::uint8_t* a = sA + slot * kAStage;
    const std::uint8_t* b = sB + slot * kBStage;
    std::uint32_t b_words[Ops == Operands::S8S4 ? NT : 1][4];
    if constexpr (Ops == Operands::S8S4) {
      // One ldmatrix.x4 per n8 tile: 8 rows x 64 bytes, matrix s = the s4 words of k32 step s.
#pragma unroll
      for (int j = 0; j < NT; ++j) {
        const int row = warp_n * Tile::WN + j * 8 + (lane & 7);
        ptx::ldmatrix_x4(b_words[j], b + detail::swizzle<64>(row, lane >> 3));
      }
    }
#pragma unroll
    for (int s = 0; s < 4; ++s) {
      std::uint32_t af[MT][4];
#pragma unroll
      for (int i = 0; i < MT; ++i) {
        const int row = warp_m * Tile::WM + i * 16 + (lane & 15);
        ptx::ldmatrix_x4(af[i], a + detail::swizzle<128>(row, 2 * s + (lane >> 4)));
      }
      std::uint32_t bf[NT][2];
      if constexpr (Ops == Operands::S8S4) {
#pragma unroll
        for (int j = 0; j < NT; ++j) ptx::unpack_s4_word(b_words[j][s], bf[j][0], bf[j][1]);
      } else {
#pragma unroll
        for (int jj = 0; jj < NT / 2; ++jj) {
          const int row = warp_n * Tile::WN + jj * 16 + (lane & 7) + ((lane >> 4) << 3);
          std::uint32_t r[4];
          ptx::ldmatrix_x4(r, b + detail::swizzle<128>(row, 2 * s + ((lane >> 3) & 1)));
          bf[2 * jj][0] = r[0];
          bf[2 * jj][1] = r[1];
          bf[2 * jj + 1][0] = r[2];
          bf[2 * jj + 1][1] = r[3];
        }
      }
#pragma unroll
      for (int i = 0; i < MT; ++i)
#pragma unroll
        for (int j = 0; j < NT; ++j) {
          if constexpr (Ops == Operands::S4S4)
            ptx::mma_s4(acc[i][j], af[i], bf[j][0], bf[j][1]);
          else
            ptx::mma_s8(acc[i][j], af[i], bf[j][0], bf[j][1]);
        }
    }
  };

  // Pipeline: STAGES-1 stages in flight before the first mma; one group committed per step
  // (possibly empty) so that wait_group<STAGES-2> always means "stage kt has landed".
  const int KT = args.k_stages;
#pragma unroll
  for (int s = 0; s < Tile::STAGES - 1; ++s) {
    if (s < KT) load_stage(s, s);
    ptx::cp_async_commit();
  }
  for (int kt = 0; kt < KT; ++kt) {
    ptx::cp_async_wait<Tile::STAGES - 2>();
    __syncthreads();  // stage kt visible to all; everyone is done with stage kt-1's slot
    const int next = kt + Tile::STAGES - 1;
    if (next < KT) load_stage(next % Tile::STAGES, next);
    ptx::cp_async_commit();
    compute_stage(kt % Tile::STAGES);
  }
  ptx::cp_async_wait<0>();

  // Accumulator (i, j, e) is row g (+8 for e >= 2), column 2t (+1 for odd e) of mma tile (i, j).
  const int g = lane >> 2, t = lane & 3;
  const int m_warp = m0 + warp_m * Tile::WM + g, n_warp = n0 + warp_n * Tile::WN + 2 * t;
  if (args.ep.output == Output::S32) {
    // The raw product, stored inline: no scales to load, no branches beyond the bounds.
    auto* const c = static_cast<std::int32_t*>(args.ep.out);
#pragma unroll
    for (int i = 0; i < MT; ++i)
#pragma unroll
      for (int j = 0; j < NT; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int m = m_warp + i * 16 + (e >= 2 ? 8 : 0), n = n_warp + j * 8 + (e & 1);
          if (m < args.M && n < args.N) c[m * args.ep.ldc + n] = acc[i][j][e];
        }
  } else {
#pragma unroll
    for (int i = 0; i < MT; ++i)
#pragma unroll
      for (int j = 0; j < NT; ++j)
        detail::store_fragment(args.ep, args.M, args.N, m_warp + i * 16, n_warp + j * 8,
                               acc[i][j][0], acc[i][j][1], acc[i][j][2], acc[i][j][3]);
  }
}

}  // namespace qgemm::cuda
