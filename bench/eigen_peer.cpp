// Eigen fp32 as its users build it: -O3 -march=native (set on this file by CMake).
#include <Eigen/Core>

#include <random>

#include "peers.hpp"

namespace qgemm_bench {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class EigenF32 : public Runner {
 public:
  explicit EigenF32(const Problem& p)
      : a_(static_cast<Eigen::Index>(p.M), static_cast<Eigen::Index>(p.K)),
        b_(static_cast<Eigen::Index>(p.N), static_cast<Eigen::Index>(p.K)),
        c_(static_cast<Eigen::Index>(p.M), static_cast<Eigen::Index>(p.N)) {
    std::mt19937 rng(1);
    std::normal_distribution<float> d(0.0f, 1.0f);
    for (Eigen::Index i = 0; i < a_.size(); ++i) a_.data()[i] = d(rng);
    for (Eigen::Index i = 0; i < b_.size(); ++i) b_.data()[i] = d(rng);
  }
  void run() override { c_.noalias() = a_ * b_.transpose(); }

 private:
  RowMajor a_, b_, c_;
};

}  // namespace

std::unique_ptr<Runner> make_eigen_runner(const std::string& dtype, const Problem& p, int threads) {
  if (dtype != "f32") return nullptr;
  Eigen::setNbThreads(threads);
  return std::make_unique<EigenF32>(p);
}

}  // namespace qgemm_bench
