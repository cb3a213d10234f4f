// Storage for packed weights that starts on a cache line, and large weights on huge pages.
//
// Why a cache line: a panel group is 192 bytes, three cache lines, and the kernels load it as
// 64-byte vectors. std::vector gives 16-byte alignment (large blocks come from mmap at a page
// plus 16 bytes), which splits every such load over two lines: 8-10% of a tile's speed.
//
// Why huge pages: the kernels stream large weights from memory once per call, a 4 KiB page every
// 64 lines, and each new page costs a TLB miss and a page walk. On Linux, blocks of
// kHugePageMinBytes or more start on a 2 MiB boundary and are marked MADV_HUGEPAGE, so that
// transparent huge pages back them where the system allows it ("madvise" or "always" in
// /sys/kernel/mm/transparent_hugepage/enabled). Measured in-process (taskset -c 0, the same
// weights packed with THP off and on): s8 / fp32 16 x 4096 x 14336 +9% / +6%, 64 x 2048 x 8192
// +6% / +10%, 1 x 4096 x 14336 +4% / +5%, 128 x 4096 x 4096 +2% / +6%, 512 x 4096 x 14336
// neutral. The cost: up to 2 MiB more resident memory per matrix (the last huge page may be
// part empty), at most a quarter of the block.
// Define QGEMM_NO_HUGE_PAGES to keep every block on ordinary pages.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

#if defined(__linux__) && !defined(QGEMM_NO_HUGE_PAGES)
#define QGEMM_HUGE_PAGES 1
#include <stdlib.h>
#include <sys/mman.h>
#else
#define QGEMM_HUGE_PAGES 0
#endif

namespace qgemm {
namespace pack {

inline constexpr std::size_t kCacheLine = 64;
/// Blocks of this many bytes or more go on huge pages (Linux): 8 MiB, so that the part-empty
/// last huge page adds at most a quarter.
inline constexpr std::size_t kHugePageMinBytes = std::size_t{8} << 20;
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

/// Whether a block of `bytes` is placed on huge pages. Allocation and deallocation both ask,
/// with the same size, so each block is freed the way it was allocated.
constexpr bool on_huge_pages(std::size_t bytes) {
  return QGEMM_HUGE_PAGES && bytes >= kHugePageMinBytes;
}

/// std::allocator, but every block starts on a cache line, and large ones on a huge page.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}  // NOLINT: rebinding converts
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
#if QGEMM_HUGE_PAGES
    if (on_huge_pages(bytes)) {
      void* p = nullptr;
      if (::posix_memalign(&p, kHugePageBytes, bytes) != 0) throw std::bad_alloc();
      // A hint: where the system has no transparent huge pages the block stays on 4 KiB pages.
      ::madvise(p, bytes, MADV_HUGEPAGE);
      return static_cast<T*>(p);
    }
#endif
    return static_cast<T*>(::operator new (bytes, std::align_val_t{kCacheLine}));
  }
  void deallocate(T* p, std::size_t n) noexcept {
#if QGEMM_HUGE_PAGES
    if (on_huge_pages(n * sizeof(T))) {
      ::free(p);
      return;
    }
#endif
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
