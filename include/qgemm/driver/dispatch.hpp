// Turns a run-time Isa into a compile-time one: the only switch over paths in the library.
#pragma once

#include "../cpu/isa.hpp"
#include "../kernels/scalar/f32_kernels.hpp"
#include "../kernels/scalar/int8_kernels.hpp"

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
    case Isa::scalar:
    default:
      return f(IsaTag<Isa::scalar>{});
  }
}

}  // namespace detail
}  // namespace qgemm
