// The Pareto frontier of (latency, capacity) points: the choices nothing else beats on both.
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

namespace qgemm_bench {

/// A point is on the frontier when no other point is at least as fast and at least as capable
/// while strictly better in one of the two. Returns the indices of the frontier, fastest first
/// (capacity then rises strictly along it). Of exact duplicates the first index is kept.
inline std::vector<std::size_t> pareto_frontier(const std::vector<double>& latency,
                                                const std::vector<double>& capacity) {
  std::vector<std::size_t> order(latency.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (latency[a] != latency[b]) return latency[a] < latency[b];
    return capacity[a] > capacity[b];  // at equal latency the most capable first
  });
  std::vector<std::size_t> frontier;
  for (std::size_t i : order)
    if (frontier.empty() || capacity[i] > capacity[frontier.back()]) frontier.push_back(i);
  return frontier;
}

}  // namespace qgemm_bench
