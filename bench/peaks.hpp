// Machine yardsticks measured in the same run as the products: the vpdpbusd and FMA instruction
// peaks of one core, and the read bandwidth of a buffer. A ratio to these says how close a kernel
// is to what this core can do today (the machines are shared; absolute figures drift).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qgemm_bench {

/// Seconds-independent work units: the loops below return their op counts, or 0 where this CPU
/// lacks the instructions.
/// 24 independent accumulators (latency 4-5 x 2 ports) keep both vector ports busy.
std::uint64_t peak_vnni512(std::size_t iterations);  ///< ops = 2 * 64 MACs per vpdpbusd
std::uint64_t peak_fma512(std::size_t iterations);   ///< ops = 2 * 16 flops per vfmadd
/// The ymm yardsticks of CPUs without AVX-512 (12 accumulators).
std::uint64_t peak_vnni256(std::size_t iterations);  ///< AVX-VNNI: 2 * 32 MACs per vpdpbusd
std::uint64_t peak_fma256(std::size_t iterations);   ///< ops = 2 * 8 flops per vfmadd
/// The exact AVX2 int8 pair of the kernels: ops = 2 * 16 MACs per vpmaddwd + vpaddd.
std::uint64_t peak_madd256(std::size_t iterations);

/// Sums `bytes` of a buffer (8 independent accumulators): returns a checksum to keep the loads.
std::uint64_t read_buffer(const std::uint64_t* data, std::size_t words);

}  // namespace qgemm_bench
