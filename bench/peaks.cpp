// Compiled with target attributes, like the library: no -march on this file either.
#include "peaks.hpp"

#include <qgemm/cpu/isa.hpp>
#include <qgemm/kernels/x86/target.hpp>

namespace qgemm_bench {

#ifdef QGEMM_X86_KERNELS
// The loops are written in assembly: 24 independent accumulators (zmm8-31) updated from two
// zeroed sources, so the figure is the instruction's throughput and nothing else, whatever the
// compiler would do with the register pressure.
#define QGEMM_PEAK_LOOP(insn, n)                                                                  \
  __asm__ volatile(                                                                               \
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"                                                         \
      "vpxord %%zmm1, %%zmm1, %%zmm1\n\t"                                                         \
      "vpxord %%zmm8, %%zmm8, %%zmm8\n\t"                                                         \
      "vpxord %%zmm9, %%zmm9, %%zmm9\n\t"                                                         \
      "vpxord %%zmm10, %%zmm10, %%zmm10\n\t"                                                      \
      "vpxord %%zmm11, %%zmm11, %%zmm11\n\t"                                                      \
      "vpxord %%zmm12, %%zmm12, %%zmm12\n\t"                                                      \
      "vpxord %%zmm13, %%zmm13, %%zmm13\n\t"                                                      \
      "vpxord %%zmm14, %%zmm14, %%zmm14\n\t"                                                      \
      "vpxord %%zmm15, %%zmm15, %%zmm15\n\t"                                                      \
      "vpxord %%zmm16, %%zmm16, %%zmm16\n\t"                                                      \
      "vpxord %%zmm17, %%zmm17, %%zmm17\n\t"                                                      \
      "vpxord %%zmm18, %%zmm18, %%zmm18\n\t"                                                      \
      "vpxord %%zmm19, %%zmm19, %%zmm19\n\t"                                                      \
      "vpxord %%zmm20, %%zmm20, %%zmm20\n\t"                                                      \
      "vpxord %%zmm21, %%zmm21, %%zmm21\n\t"                                                      \
      "vpxord %%zmm22, %%zmm22, %%zmm22\n\t"                                                      \
      "vpxord %%zmm23, %%zmm23, %%zmm23\n\t"                                                      \
      "vpxord %%zmm24, %%zmm24, %%zmm24\n\t"                                                      \
      "vpxord %%zmm25, %%zmm25, %%zmm25\n\t"                                                      \
      "vpxord %%zmm26, %%zmm26, %%zmm26\n\t"                                                      \
      "vpxord %%zmm27, %%zmm27, %%zmm27\n\t"                                                      \
      "vpxord %%zmm28, %%zmm28, %%zmm28\n\t"                                                      \
      "vpxord %%zmm29, %%zmm29, %%zmm29\n\t"                                                      \
      "vpxord %%zmm30, %%zmm30, %%zmm30\n\t"                                                      \
      "vpxord %%zmm31, %%zmm31, %%zmm31\n\t"                                                      \
      "1:\n\t" #insn " %%zmm0, %%zmm1, %%zmm8\n\t" #insn " %%zmm0, %%zmm1, %%zmm9\n\t" #insn      \
      " %%zmm0, %%zmm1, %%zmm10\n\t" #insn " %%zmm0, %%zmm1, %%zmm11\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm12\n\t" #insn " %%zmm0, %%zmm1, %%zmm13\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm14\n\t" #insn " %%zmm0, %%zmm1, %%zmm15\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm16\n\t" #insn " %%zmm0, %%zmm1, %%zmm17\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm18\n\t" #insn " %%zmm0, %%zmm1, %%zmm19\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm20\n\t" #insn " %%zmm0, %%zmm1, %%zmm21\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm22\n\t" #insn " %%zmm0, %%zmm1, %%zmm23\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm24\n\t" #insn " %%zmm0, %%zmm1, %%zmm25\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm26\n\t" #insn " %%zmm0, %%zmm1, %%zmm27\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm28\n\t" #insn " %%zmm0, %%zmm1, %%zmm29\n\t" #insn                   \
      " %%zmm0, %%zmm1, %%zmm30\n\t" #insn                                                        \
      " %%zmm0, %%zmm1, %%zmm31\n\t"                                                              \
      "dec %0\n\t"                                                                                \
      "jnz 1b\n\t"                                                                                \
      : "+r"(n)                                                                                   \
      :                                                                                           \
      : "zmm0", "zmm1", "zmm8", "zmm9", "zmm10", "zmm11", "zmm12", "zmm13", "zmm14", "zmm15",     \
        "zmm16", "zmm17", "zmm18", "zmm19", "zmm20", "zmm21", "zmm22", "zmm23", "zmm24", "zmm25", \
        "zmm26", "zmm27", "zmm28", "zmm29", "zmm30", "zmm31", "cc")

QGEMM_TARGET_AVX512_VNNI static std::uint64_t vnni_loop(std::size_t iterations) {
  std::size_t n = iterations;
  if (n == 0) return 0;
  QGEMM_PEAK_LOOP(vpdpbusd, n);
  return static_cast<std::uint64_t>(iterations) * 24 * 64 * 2;
}

QGEMM_TARGET_AVX512 static std::uint64_t fma_loop(std::size_t iterations) {
  std::size_t n = iterations;
  if (n == 0) return 0;
  QGEMM_PEAK_LOOP(vfmadd231ps, n);
  return static_cast<std::uint64_t>(iterations) * 24 * 16 * 2;
}
// The ymm yardsticks for CPUs without AVX-512: 12 independent accumulators (ymm4-15), which
// cover the latency (4-5 cycles) of two vector ports as the 24 zmm ones do.
#define QGEMM_PEAK_YMM_CLOBBERS                                                            \
  "ymm0", "ymm1", "ymm2", "ymm3", "ymm4", "ymm5", "ymm6", "ymm7", "ymm8", "ymm9", "ymm10", \
      "ymm11", "ymm12", "ymm13", "ymm14", "ymm15", "cc"
#define QGEMM_PEAK_YMM_ZERO                                                \
  "vpxor %%ymm0, %%ymm0, %%ymm0\n\tvpxor %%ymm1, %%ymm1, %%ymm1\n\t"       \
  "vpxor %%ymm4, %%ymm4, %%ymm4\n\tvpxor %%ymm5, %%ymm5, %%ymm5\n\t"       \
  "vpxor %%ymm6, %%ymm6, %%ymm6\n\tvpxor %%ymm7, %%ymm7, %%ymm7\n\t"       \
  "vpxor %%ymm8, %%ymm8, %%ymm8\n\tvpxor %%ymm9, %%ymm9, %%ymm9\n\t"       \
  "vpxor %%ymm10, %%ymm10, %%ymm10\n\tvpxor %%ymm11, %%ymm11, %%ymm11\n\t" \
  "vpxor %%ymm12, %%ymm12, %%ymm12\n\tvpxor %%ymm13, %%ymm13, %%ymm13\n\t" \
  "vpxor %%ymm14, %%ymm14, %%ymm14\n\tvpxor %%ymm15, %%ymm15, %%ymm15\n\t"
#define QGEMM_PEAK_YMM_LOOP(insn, n)                                                       \
  __asm__ volatile(QGEMM_PEAK_YMM_ZERO                                                     \
                   "1:\n\t" insn " %%ymm0, %%ymm1, %%ymm4\n\t" insn                        \
                   " %%ymm0, %%ymm1, %%ymm5\n\t" insn " %%ymm0, %%ymm1, %%ymm6\n\t" insn   \
                   " %%ymm0, %%ymm1, %%ymm7\n\t" insn " %%ymm0, %%ymm1, %%ymm8\n\t" insn   \
                   " %%ymm0, %%ymm1, %%ymm9\n\t" insn " %%ymm0, %%ymm1, %%ymm10\n\t" insn  \
                   " %%ymm0, %%ymm1, %%ymm11\n\t" insn " %%ymm0, %%ymm1, %%ymm12\n\t" insn \
                   " %%ymm0, %%ymm1, %%ymm13\n\t" insn " %%ymm0, %%ymm1, %%ymm14\n\t" insn \
                   " %%ymm0, %%ymm1, %%ymm15\n\t"                                          \
                   "dec %0\n\t"                                                            \
                   "jnz 1b\n\t"                                                            \
                   : "+r"(n)                                                               \
                   :                                                                       \
                   : QGEMM_PEAK_YMM_CLOBBERS)

QGEMM_TARGET_AVX_VNNI static std::uint64_t vnni256_loop(std::size_t iterations) {
  std::size_t n = iterations;
  if (n == 0) return 0;
  QGEMM_PEAK_YMM_LOOP("%{vex%} vpdpbusd", n);  // AVX-VNNI: the VEX encoding, not EVEX
  return static_cast<std::uint64_t>(iterations) * 12 * 32 * 2;
}

QGEMM_TARGET_AVX2 static std::uint64_t fma256_loop(std::size_t iterations) {
  std::size_t n = iterations;
  if (n == 0) return 0;
  QGEMM_PEAK_YMM_LOOP("vfmadd231ps", n);
  return static_cast<std::uint64_t>(iterations) * 12 * 8 * 2;
}

/// The exact AVX2 int8 sequence of the kernels (avx2_s8.hpp): vpmaddwd (16 int16 products into
/// 8 int32 pair sums) and the vpaddd that accumulates them, 8 accumulators.
QGEMM_TARGET_AVX2 static std::uint64_t madd256_loop(std::size_t iterations) {
  std::size_t n = iterations;
  if (n == 0) return 0;
  __asm__ volatile(QGEMM_PEAK_YMM_ZERO
                   "1:\n\t"
                   "vpmaddwd %%ymm0, %%ymm1, %%ymm2\n\tvpaddd %%ymm2, %%ymm4, %%ymm4\n\t"
                   "vpmaddwd %%ymm0, %%ymm1, %%ymm3\n\tvpaddd %%ymm3, %%ymm5, %%ymm5\n\t"
                   "vpmaddwd %%ymm0, %%ymm1, %%ymm12\n\tvpaddd %%ymm12, %%ymm6, %%ymm6\n\t"
                   "vpmaddwd %%ymm0, %%ymm1, %%ymm13\n\tvpaddd %%ymm13, %%ymm7, %%ymm7\n\t"
                   "vpmaddwd %%ymm0, %%ymm1, %%ymm14\n\tvpaddd %%ymm14, %%ymm8, %%ymm8\n\t"
                   "vpmaddwd %%ymm0, %%ymm1, %%ymm15\n\tvpaddd %%ymm15, %%ymm9, %%ymm9\n\t"
                   "vpmaddwd %%ymm0, %%ymm1, %%ymm2\n\tvpaddd %%ymm2, %%ymm10, %%ymm10\n\t"
                   "vpmaddwd %%ymm0, %%ymm1, %%ymm3\n\tvpaddd %%ymm3, %%ymm11, %%ymm11\n\t"
                   "dec %0\n\t"
                   "jnz 1b\n\t"
                   : "+r"(n)
                   :
                   : QGEMM_PEAK_YMM_CLOBBERS);
  return static_cast<std::uint64_t>(iterations) * 8 * 16 * 2;
}

/// The saturating AVX2 int8 sequence that AVX2 peers run (vpmaddubsw: 32 u8 x s8 products
/// added in pairs into int16 that saturate, vpmaddwd by ones, vpaddd), 8 accumulators: the
/// ceiling of a path qgemm does not take (a pair of 255 * 127 products overflows int16); printed
/// next to peak/madd256 so the price of exactness on this CPU is plain.
QGEMM_TARGET_AVX2 static std::uint64_t maddubs256_loop(std::size_t iterations) {
  std::size_t n = iterations;
  if (n == 0) return 0;
#define QGEMM_PEAK_MADDUBS(t, acc)                                                \
  "vpmaddubsw %%ymm0, %%ymm1, %%ymm" t "\n\tvpmaddwd %%ymm3, %%ymm" t ", %%ymm" t \
  "\n\tvpaddd %%ymm" t ", %%ymm" acc ", %%ymm" acc "\n\t"
  __asm__ volatile(QGEMM_PEAK_YMM_ZERO "vpxor %%ymm3, %%ymm3, %%ymm3\n\t"
                   "1:\n\t" QGEMM_PEAK_MADDUBS("2", "4") QGEMM_PEAK_MADDUBS("12", "5")
                       QGEMM_PEAK_MADDUBS("13", "6") QGEMM_PEAK_MADDUBS("14", "7")
                           QGEMM_PEAK_MADDUBS("15", "8") QGEMM_PEAK_MADDUBS("2", "9")
                               QGEMM_PEAK_MADDUBS("12", "10") QGEMM_PEAK_MADDUBS("13", "11")
                   "dec %0\n\t"
                   "jnz 1b\n\t"
                   : "+r"(n)
                   :
                   : QGEMM_PEAK_YMM_CLOBBERS);
#undef QGEMM_PEAK_MADDUBS
  return static_cast<std::uint64_t>(iterations) * 8 * 32 * 2;
}
#undef QGEMM_PEAK_YMM_LOOP
#undef QGEMM_PEAK_YMM_ZERO
#undef QGEMM_PEAK_YMM_CLOBBERS
#undef QGEMM_PEAK_LOOP
#endif

std::vector<InstructionPeak> instruction_peaks() {
  std::vector<InstructionPeak> peaks;
#ifdef QGEMM_X86_KERNELS
  const auto add = [&peaks](qgemm::Isa needs, const char* name,
                            std::uint64_t (*loop)(std::size_t)) {
    if (qgemm::isa_supported_by_cpu(needs)) peaks.push_back({name, loop});
  };
  add(qgemm::Isa::avx512_vnni, "peak/vnni512", &vnni_loop);
  add(qgemm::Isa::avx512, "peak/fma512", &fma_loop);
  add(qgemm::Isa::avx_vnni, "peak/vnni256", &vnni256_loop);
  add(qgemm::Isa::avx2, "peak/fma256", &fma256_loop);
  add(qgemm::Isa::avx2, "peak/madd256", &madd256_loop);
  add(qgemm::Isa::avx2, "peak/maddubs256", &maddubs256_loop);
#endif
  return peaks;
}

std::uint64_t read_buffer(const std::uint64_t* data, std::size_t words) {
  std::uint64_t s[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= words; i += 8)
    for (int j = 0; j < 8; ++j) s[j] += data[i + j];
  for (; i < words; ++i) s[0] += data[i];
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

}  // namespace qgemm_bench
