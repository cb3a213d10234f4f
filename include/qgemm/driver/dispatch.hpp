// Turns a run-time Isa into a compile-time one: the only switch over paths in the library.
#pragma once

#include "../cpu/isa.hpp"
#include "../kernels/scalar/f32_kernels.hpp"
#include "../kernels/scalar/int8_kernels.hpp"
#include "../kernels/x86/avx2_byte_pairs.hpp"
#include "../kernels/x86/avx2_f32.hpp"
#include "../kernels/x86/avx2_s8.hpp"
#include "../kernels/x86/avx512_f32.hpp"
#include "../kernels/x86/avx512_vnni_s8.hpp"
#include "../kernels/x86/avx_vnni_s8.hpp"

namespace qgemm {

namespace detail {

template <Isa I>
struct IsaTag {
  static constexpr Isa value = I;
};

/// Calls f(IsaTag<isa>{}). `isa` comes from resolve_isa, so it is always available.
template <class F>
decltype(auto) dispatch(Isa isa, F&& f) {
  switch (isa) {
#ifdef QGEMM_X86_KERNELS
    case Isa::avx2:
      return f(IsaTag<Isa::avx2>{});
    case Isa::avx_vnni:
      return f(IsaTag<Isa::avx_vnni>{});
    case Isa::avx512:
      return f(IsaTag<Isa::avx512>{});
    case Isa::avx512_vnni:
      return f(IsaTag<Isa::avx512_vnni>{});
#endif
    case Isa::scalar:
    default:
      return f(IsaTag<Isa::scalar>{});
  }
}

}  // namespace detail
}  // namespace qgemm
