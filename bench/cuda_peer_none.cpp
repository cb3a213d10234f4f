// qgemm-bench built without a CUDA compiler: the GPU rows say so instead of running.
#include "peers.hpp"

namespace qgemm_bench {
bool cuda_built() {
  return false;
}
std::string cuda_device() {
  return {};
}
std::unique_ptr<Runner> make_cuda_runner(const std::string&, const std::string&, const Problem&) {
  return nullptr;
}
}  // namespace qgemm_bench
