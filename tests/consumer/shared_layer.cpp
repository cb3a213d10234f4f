// A shared library that calls qgemm (a Python extension, say): the kernel library must link into
// it, so it has to be position-independent. Built, not run: the link is the test.
#include <qgemm/qgemm.hpp>

#include <cstddef>

void consumer_shared_layer(const float* x, const float* w, float* y, std::size_t m, std::size_t n,
                           std::size_t k) {
  qgemm::gemm(qgemm::MatrixView<const float>(x, m, k), qgemm::MatrixView<const float>(w, n, k),
              {y, m, n});
}
