// Storage for packed weights that starts on a cache line.
//
// Why: a panel group is 192 bytes, three cache lines, and the kernels load it as 64-byte
// vectors. std::vector gives 16-byte alignment (large blocks come from mmap at a page plus 16
// bytes), which splits every such load over two lines: 8-10% of a tile's speed.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace qgemm {
namespace pack {

inline constexpr std::size_t kCacheLine = 64;

/// std::allocator, but every block starts on a cache line.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}  // NOLINT: rebinding converts
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kCacheLine}));
  }
  void deallocate(T* p, std::size_t) noexcept {
    ::operator delete (p, std::align_val_t{kCacheLine});
  }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const CacheLineAllocator<U>&) const noexcept {
    return false;
  }
};

template <class T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace pack
}  // namespace qgemm
