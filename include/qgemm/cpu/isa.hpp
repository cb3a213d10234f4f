// Kernel paths, and the choice of one at run time.
//
// A path is used only if this build has kernels for it AND the CPU supports it; the best such
// path wins unless the environment variable QGEMM_ISA (or a per-call option) names another.
// Asking for a path that is not available is an error, never a silent fallback, so a test that
// forces a path really runs it.
#pragma once

#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "../error.hpp"
#include "cpu_features.hpp"

namespace qgemm {

enum class Isa {
  automatic,    ///< the process-wide choice: QGEMM_ISA if set, else the best available path
  scalar,       ///< portable C++, no SIMD intrinsics; the twin of the test reference
  avx2,         ///< AVX2 + FMA
  avx_vnni,     ///< AVX2 + VEX vpdpbusd on ymm
  avx512,       ///< AVX-512 F/BW/DQ/VL
  avx512_vnni,  ///< AVX-512 + vpdpbusd on zmm
};

/// The paths from slowest to fastest (the order "best" follows).
inline const std::vector<Isa>& all_isas() {
  static const std::vector<Isa> isas = {Isa::scalar, Isa::avx2, Isa::avx_vnni, Isa::avx512,
                                        Isa::avx512_vnni};
  return isas;
}

inline const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::automatic:
      return "automatic";
    case Isa::scalar:
      return "scalar";
    case Isa::avx2:
      return "avx2";
    case Isa::avx_vnni:
      return "avx_vnni";
    case Isa::avx512:
      return "avx512";
    case Isa::avx512_vnni:
      return "avx512_vnni";
  }
  return "unknown";
}

inline std::ostream& operator<<(std::ostream& os, Isa isa) {
  return os << isa_name(isa);
}

/// Parses a name as isa_name prints it. Throws Error for anything else.
inline Isa parse_isa(const std::string& name) {
  for (Isa isa : all_isas())
    if (name == isa_name(isa)) return isa;
  if (name == "automatic") return Isa::automatic;
  detail::fail("qgemm::parse_isa", "name", "'", name, "'",
               ": expected one of scalar, avx2, avx_vnni, avx512, avx512_vnni, automatic");
}

/// Whether the CPU and OS can run the path's instructions.
inline bool isa_supported_by_cpu(Isa isa) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.os_saves_ymm;
  const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.os_saves_zmm;
  switch (isa) {
    case Isa::scalar:
      return true;
    case Isa::avx2:
      return avx2;
    case Isa::avx_vnni:
      return avx2 && f.avx_vnni;
    case Isa::avx512:
      return avx512;
    case Isa::avx512_vnni:
      return avx512 && f.avx512_vnni;
    case Isa::automatic:
      return true;
  }
  return false;
}

/// Whether this build of the library has kernels for the path: the x86 SIMD paths need GCC or
/// Clang on x86-64 (per-function target attributes); scalar is always there.
inline bool isa_implemented(Isa isa) {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
  return isa != Isa::automatic;
#else
  return isa == Isa::scalar;
#endif
}

/// The paths this process can run, slowest first.
inline std::vector<Isa> available_isas() {
  std::vector<Isa> out;
  for (Isa isa : all_isas())
    if (isa_implemented(isa) && isa_supported_by_cpu(isa)) out.push_back(isa);
  return out;
}

inline Isa best_isa() {
  return available_isas().back();
}

namespace detail {

inline void check_available(const char* function, const std::string& what, Isa isa) {
  if (!isa_implemented(isa))
    fail(function, what, isa_name(isa), ": this build of qgemm has no kernels for that path");
  if (!isa_supported_by_cpu(isa))
    fail(function, what, isa_name(isa), ": this CPU does not support that path");
}

inline Isa isa_from_environment() {
  const char* value = std::getenv("QGEMM_ISA");
  if (value == nullptr || *value == '\0') return best_isa();
  Isa isa = Isa::automatic;
  try {
    isa = parse_isa(value);
  } catch (const Error&) {
    fail("qgemm::active_isa", "QGEMM_ISA", "'", value, "'",
         ": expected one of scalar, avx2, avx_vnni, avx512, avx512_vnni, automatic");
  }
  if (isa == Isa::automatic) return best_isa();
  check_available("qgemm::active_isa", "QGEMM_ISA", isa);
  return isa;
}

}  // namespace detail

/// The process-wide path, resolved on first use from QGEMM_ISA or the CPU. Throws Error if
/// QGEMM_ISA names a path that is unknown or unavailable (on every call, not just the first).
inline Isa active_isa() {
  static const Isa isa = [] {
    try {
      return detail::isa_from_environment();
    } catch (const Error&) {
      return Isa::automatic;  // remembered as "invalid"; the error is re-raised below
    }
  }();
  if (isa == Isa::automatic) return detail::isa_from_environment();
  return isa;
}

/// The path a call asking for `requested` runs on; throws Error if it is unavailable.
inline Isa resolve_isa(Isa requested, const char* function = "qgemm::resolve_isa") {
  if (requested == Isa::automatic) return active_isa();
  detail::check_available(function, "options.isa", requested);
  return requested;
}

}  // namespace qgemm
