// Machine yardsticks measured in the same run as the products: the vpdpbusd and FMA instruction
// peaks of one core, and the read bandwidth of a buffer. A ratio to these says how close a kernel
// is to what this core can do today (the machines are shared; absolute figures drift).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qgemm_bench {

/// An instruction peak of one core: `loop(iterations)` runs the instruction in a loop of
/// independent accumulators (24 zmm or 12 ymm: the latency of two vector ports) and returns the
/// ops it did, so the figure is the instruction's throughput and seconds-independent.
struct InstructionPeak {
  const char* name;
  std::uint64_t (*loop)(std::size_t iterations);
};
/// The peaks this CPU can run, of: peak/vnni512 (2 * 64 MACs per vpdpbusd zmm), peak/fma512
/// (2 * 16 flops per vfmadd zmm), peak/vnni256 (AVX-VNNI, 2 * 32 MACs per vpdpbusd ymm),
/// peak/fma256 (2 * 8 flops per vfmadd ymm), peak/madd256 (the exact int8 pair of the AVX2
/// kernels: 2 * 16 MACs per vpmaddwd + vpaddd), peak/maddubs256 (the saturating sequence of AVX2
/// peers, which qgemm does not run: 2 * 32 MACs per vpmaddubsw + vpmaddwd + vpaddd).
std::vector<InstructionPeak> instruction_peaks();

/// Sums `bytes` of a buffer (8 independent accumulators): returns a checksum to keep the loads.
std::uint64_t read_buffer(const std::uint64_t* data, std::size_t words);

}  // namespace qgemm_bench
