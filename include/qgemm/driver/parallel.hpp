// The one place that knows about threads: OpenMP when the user's build enables it, else serial.
#pragma once

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
