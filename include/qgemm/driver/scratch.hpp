// Scratch memory of a call (packed activations, partial sums, unpacked weights, quantized
// activations), kept by each thread from one call to the next.
//
// Why: a call's scratch blocks are often hundreds of KiB. glibc serves blocks that size by
// mmap, or from the top of the heap, which it hands back to the kernel when they are freed;
// the next call then faults on fresh zeroed pages. At 256 x 240 x 256 fp32 that cost a third
// of the time. Kept blocks make the second call onward fault-free.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace qgemm {
namespace detail {

// Under AddressSanitizer every block is fresh and exactly sized, so it can see overruns and
// reads of freed scratch.
#if defined(__SANITIZE_ADDRESS__)
#define QGEMM_SCRATCH_KEEPS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QGEMM_SCRATCH_KEEPS 0
#endif
#endif
#ifndef QGEMM_SCRATCH_KEEPS
#define QGEMM_SCRATCH_KEEPS 1
#endif

/// The blocks one thread keeps: up to kSlots, the largest seen, each at most kMaxKeptBytes
/// (larger calls amortise their page faults over their own arithmetic).
class ScratchCache {
 public:
  static constexpr std::size_t kSlots = QGEMM_SCRATCH_KEEPS ? 4 : 0;
  static constexpr std::size_t kMaxKeptBytes = std::size_t{64} << 20;

  static ScratchCache& local() {
    thread_local ScratchCache cache;
    return cache;
  }
  ScratchCache() = default;
  ScratchCache(const ScratchCache&) = delete;
  ScratchCache& operator=(const ScratchCache&) = delete;
  ~ScratchCache() { clear(); }

  /// A 64-byte aligned block of at least `bytes` (> 0); its size goes to `capacity`.
  void* take(std::size_t bytes, std::size_t& capacity) {
    Slot* best = nullptr;
    for (Slot& s : slots_)
      if (s.data != nullptr && s.bytes >= bytes && (best == nullptr || s.bytes < best->bytes))
        best = &s;
    if (best != nullptr) {
      capacity = best->bytes;
      return std::exchange(*best, Slot{}).data;
    }
    // A little headroom, so calls whose sizes differ slightly reuse the same block.
    capacity = QGEMM_SCRATCH_KEEPS ? round_up(bytes + bytes / 8, 4096) : bytes;
    return ::operator new (capacity, std::align_val_t{64});
  }
  /// Keeps a block from take() for a later call, or frees it: a full cache drops its smallest.
  void give(void* data, std::size_t bytes) {
    Slot* smallest = nullptr;
    for (Slot& s : slots_)
      if (smallest == nullptr || s.bytes < smallest->bytes) smallest = &s;  // empty: 0 bytes
    if (bytes > kMaxKeptBytes || smallest == nullptr || smallest->bytes >= bytes) {
      free(data);
      return;
    }
    if (smallest->data != nullptr) free(smallest->data);
    *smallest = Slot{data, bytes};
  }
  /// Frees every kept block.
  void clear() {
    for (Slot& s : slots_)
      if (s.data != nullptr) free(std::exchange(s, Slot{}).data);
  }

 private:
  struct Slot {
    void* data = nullptr;
    std::size_t bytes = 0;
  };
  static std::size_t round_up(std::size_t n, std::size_t m) { return (n + m - 1) / m * m; }
  static void free(void* data) { ::operator delete (data, std::align_val_t{64}); }
  Slot slots_[kSlots > 0 ? kSlots : 1];
};

/// Scratch of n elements whose values start undefined: packing and the kernels write before
/// they read. Its block goes back to the thread's ScratchCache when it dies.
template <class T>
class ScratchBuffer {
  static_assert(std::is_trivial_v<T>, "scratch holds plain numbers");

 public:
  explicit ScratchBuffer(std::size_t n = 0) {
    if (n > 0) data_ = static_cast<T*>(ScratchCache::local().take(n * sizeof(T), bytes_));
  }
  ScratchBuffer(ScratchBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  ScratchBuffer& operator=(ScratchBuffer&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() {
    if (data_ != nullptr) ScratchCache::local().give(data_, bytes_);
  }
  T* data() const { return data_; }

 private:
  T* data_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace detail

/// Frees the scratch memory that qgemm calls keep between calls (per thread, up to four blocks
/// of at most 64 MiB each: the largest the thread's recent calls needed), in the calling thread
/// and, with OpenMP, in the threads of its default team. Later calls allocate again.
inline void release_scratch() {
  detail::ScratchCache::local().clear();
#if defined(_OPENMP)
#pragma omp parallel
  detail::ScratchCache::local().clear();
#endif
}

}  // namespace qgemm
