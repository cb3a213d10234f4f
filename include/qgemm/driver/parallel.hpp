// The one place that knows about threads: OpenMP when the user's build enables it, else serial.
#pragma once

#include <algorithm>
#include <cstddef>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "../error.hpp"

namespace qgemm {
namespace detail {

/// Threads a call asks for: 0 means "all OpenMP threads" (1 without OpenMP).
inline int thread_count(const char* function, int requested) {
  if (requested < 0) fail(function, "options.threads", requested, ": must be >= 0 (0 = all)");
#if defined(_OPENMP)
  return requested == 0 ? omp_get_max_threads() : requested;
#else
  return 1;
#endif
}

/// The tasks of a loop nest over an [M x N] output: jc blocks of `nb` columns (output channels),
/// each split into ic chunks of rows only when there are fewer blocks than threads.
struct TaskGrid {
  std::size_t M = 0, N = 0, nb = 1, align = 1, n_blocks = 0, m_chunks = 1;

  /// Row chunks start at multiples of `row_align` (the kernel's micro-panel height). With
  /// `split_rows`, every column block is cut into one row chunk per thread, which balances the
  /// threads to within a micro-panel whatever the column blocks' sizes.
  TaskGrid(std::size_t rows, std::size_t cols, std::size_t block, int threads,
           std::size_t row_align = 1, bool split_rows = false)
      : M(rows), N(cols), nb(block < 1 ? 1 : block), align(row_align < 1 ? 1 : row_align) {
    n_blocks = (N + nb - 1) / nb;
    const std::size_t workers = threads < 1 ? 1 : static_cast<std::size_t>(threads);
    const std::size_t row_units = (M + align - 1) / align;
    std::size_t want = 1;
    if (split_rows)
      want = workers;
    else if (n_blocks < workers)
      want = (workers + n_blocks - 1) / n_blocks;
    if (row_units > 1) m_chunks = want < row_units ? want : row_units;
  }
  std::size_t tasks() const { return n_blocks * m_chunks; }
  /// Rows [m0, m1) and columns [n0, n1) of a task.
  void range(std::size_t task, std::size_t& m0, std::size_t& m1, std::size_t& n0,
             std::size_t& n1) const {
    n0 = (task / m_chunks) * nb;
    n1 = n0 + nb < N ? n0 + nb : N;
    const std::size_t chunk = task % m_chunks, units = (M + align - 1) / align;
    m0 = std::min(M, units * chunk / m_chunks * align);
    m1 = std::min(M, units * (chunk + 1) / m_chunks * align);
  }
};

/// Runs body(task) for task in [0, tasks), spread over `threads` threads.
template <class Body>
void parallel_for(std::size_t tasks, int threads, const Body& body) {
#if defined(_OPENMP)
  if (threads > 1 && tasks > 1) {
    const long long count = static_cast<long long>(tasks);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (long long t = 0; t < count; ++t) body(static_cast<std::size_t>(t));
    return;
  }
#else
  (void)threads;
#endif
  for (std::size_t t = 0; t < tasks; ++t) body(t);
}

}  // namespace detail
}  // namespace qgemm
