// What the running x86 CPU and OS support, read once from CPUID and XGETBV.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#define QGEMM_X86_CPUID 1
#endif

namespace qgemm {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx_vnni = false;  ///< VEX-encoded vpdpbusd on ymm (Alder Lake, Sapphire Rapids)
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512_vnni = false;
  bool os_saves_ymm = false;  ///< XCR0 has the SSE and AVX state bits
  bool os_saves_zmm = false;  ///< XCR0 also has the opmask and upper-zmm state bits
  bool amd = false;           ///< vendor "AuthenticAMD" (kernel choices measured per vendor)
  std::string brand;          ///< e.g. "Intel(R) Xeon(R) Platinum 8480+", empty if unknown
  std::size_t l1d_bytes = 0;  ///< per core; 0 if unknown
  std::size_t l2_bytes = 0;   ///< per core (or per cluster); 0 if unknown
  std::size_t l2_ways = 0;    ///< associativity of L2; 0 if unknown
  std::size_t l3_bytes = 0;   ///< shared; 0 if unknown
};

namespace detail {

/// One cache from a subleaf of CPUID leaf 4 (Intel) or 0x8000001D (AMD, same layout): type in
/// EAX[4:0] (0: no more caches, 1 data, 2 instruction, 3 unified), level in EAX[7:5], and
/// ways x partitions x line bytes x sets from EBX and ECX. Returns false at type 0.
inline bool add_cache(CpuFeatures& f, unsigned eax, unsigned ebx, unsigned ecx) {
  const unsigned type = eax & 0x1F, level = (eax >> 5) & 0x7;
  if (type == 0) return false;
  const std::size_t ways = (ebx >> 22) + 1;
  const std::size_t bytes = ways * (((ebx >> 12) & 0x3FF) + 1) * ((ebx & 0xFFF) + 1) *
                            (static_cast<std::size_t>(ecx) + 1);
  if (level == 1 && type == 1) f.l1d_bytes = bytes;
  if (level == 2 && type != 2) f.l2_bytes = bytes, f.l2_ways = ways;
  if (level == 3 && type != 2) f.l3_bytes = bytes;
  return true;
}

/// AMD's older cache leaves, where 0x8000001D is missing: L1d KiB in 0x80000005 ECX[31:24], L2
/// KiB in 0x80000006 ECX[31:16] with its ways coded in ECX[15:12], L3 in 512 KiB units in EDX
/// [31:18] (some hypervisors report the whole package there).
inline void add_amd_legacy_caches(CpuFeatures& f, unsigned ecx5, unsigned ecx6, unsigned edx6) {
  f.l1d_bytes = static_cast<std::size_t>(ecx5 >> 24) << 10;
  f.l2_bytes = static_cast<std::size_t>(ecx6 >> 16) << 10;
  // Codes 1, 2, 4 are the ways themselves; 0, 3, 9 and 15 (none, reserved, see 0x8000001D,
  // fully associative) leave the ways unknown.
  static constexpr unsigned char kWays[16] = {0,  1, 2,  0,  4,  0,  8,   0,
                                              16, 0, 32, 48, 64, 96, 128, 0};
  f.l2_ways = kWays[(ecx6 >> 12) & 0xF];
  f.l3_bytes = static_cast<std::size_t>(edx6 >> 18) << 19;
}

#ifdef QGEMM_X86_CPUID
inline std::uint64_t read_xcr0() {
  std::uint32_t lo = 0, hi = 0;
  // Raw XGETBV: the intrinsic would need the xsave target attribute in the caller.
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}
#endif

inline CpuFeatures read_cpu_features() {
  CpuFeatures f;
#ifdef QGEMM_X86_CPUID
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return f;
  const unsigned max_leaf = a;
  f.amd = b == 0x68747541u && d == 0x69746E65u && c == 0x444D4163u;  // "Auth" "enti" "cAMD"
  __get_cpuid(1, &a, &b, &c, &d);
  const bool osxsave = (c >> 27) & 1;
  f.fma = (c >> 12) & 1;
  if (osxsave) {
    const std::uint64_t xcr0 = read_xcr0();
    f.os_saves_ymm = (xcr0 & 0x6) == 0x6;
    f.os_saves_zmm = (xcr0 & 0xE6) == 0xE6;
  }
  // Deterministic cache parameters, one subleaf per cache until type 0: leaf 4 on Intel
  // (zeros on AMD, whose blocking then ran on guessed sizes).
  if (max_leaf >= 4)
    for (unsigned sub = 0; sub < 16; ++sub) {
      __cpuid_count(4, sub, a, b, c, d);
      if (!add_cache(f, a, b, c)) break;
    }
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = (b >> 5) & 1;
    f.avx512f = (b >> 16) & 1;
    f.avx512dq = (b >> 17) & 1;
    f.avx512bw = (b >> 30) & 1;
    f.avx512vl = (b >> 31) & 1;
    f.avx512_vnni = (c >> 11) & 1;
    __cpuid_count(7, 1, a, b, c, d);
    f.avx_vnni = (a >> 4) & 1;
  }
  __get_cpuid(0x80000000u, &a, &b, &c, &d);
  const unsigned max_extended = a;
  if (f.l1d_bytes == 0 && f.l2_bytes == 0 && max_extended >= 0x80000006u) {
    // AMD: leaf 0x8000001D where the CPU has topology extensions (0x80000001 ECX bit 22),
    // else the older 0x80000005 / 0x80000006.
    __get_cpuid(0x80000001u, &a, &b, &c, &d);
    if (((c >> 22) & 1) && max_extended >= 0x8000001Du) {
      for (unsigned sub = 0; sub < 16; ++sub) {
        __cpuid_count(0x8000001Du, sub, a, b, c, d);
        if (!add_cache(f, a, b, c)) break;
      }
    } else {
      unsigned ecx5 = 0, ecx6 = 0, edx6 = 0;
      __get_cpuid(0x80000005u, &a, &b, &ecx5, &d);
      __get_cpuid(0x80000006u, &a, &b, &ecx6, &edx6);
      add_amd_legacy_caches(f, ecx5, ecx6, edx6);
    }
  }
  if (max_extended >= 0x80000004u) {
    char text[49] = {};
    for (unsigned leaf = 0; leaf < 3; ++leaf) {
      unsigned r[4];
      __get_cpuid(0x80000002u + leaf, &r[0], &r[1], &r[2], &r[3]);
      std::memcpy(text + 16 * leaf, r, 16);
    }
    f.brand = text;
    const auto first = f.brand.find_first_not_of(' ');
    f.brand = first == std::string::npos ? std::string() : f.brand.substr(first);
  }
#endif
  return f;
}

}  // namespace detail

/// The features of the CPU this process runs on (read once, then cached).
inline const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detail::read_cpu_features();
  return features;
}

}  // namespace qgemm
