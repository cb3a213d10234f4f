// The process-wide path forced by QGEMM_ISA (ctest runs this suite once per path): calls with
// default options run on that path, bit-exact.
#include "test_support.hpp"

#include <cstdlib>

namespace {

using namespace qgemm_test;

/// The path QGEMM_ISA names, or skip when unset or not runnable here.
qgemm::Isa forced_path() {
  const char* name = std::getenv("QGEMM_ISA");
  if (name == nullptr || *name == '\0') return qgemm::Isa::automatic;
  return qgemm::parse_isa(name);
}

TEST(ForcedPath, DefaultCallsRunOnTheForcedPathAndAreExact) {
  const qgemm::Isa isa = forced_path();
  if (isa == qgemm::Isa::automatic) GTEST_SKIP() << "QGEMM_ISA not set";
  if (!qgemm::isa_supported_by_cpu(isa)) {
    EXPECT_THROW(qgemm::active_isa(), qgemm::Error);
    GTEST_SKIP() << qgemm::isa_name(isa) << " is not supported by this CPU";
  }
  ASSERT_EQ(qgemm::active_isa(), isa);
  for (const Shape& s : {Shape{37, 101, 515}, Shape{1, 300, 4096}, Shape{270, 50, 33}}) {
    Rng rng(s.M + s.N + s.K);
    Matrix<std::int8_t> A(s.M, s.K, 2);
    Matrix<std::int8_t> B(s.N, s.K);
    fill_uniform_int(rng, A, -128, 127);
    fill_uniform_int(rng, B, -128, 127);
    Matrix<std::int32_t> C(s.M, s.N);
    qgemm::gemm(A.cview(), -3, B.cview(), 5, C.view());  // default options: the forced path
    const auto ref = reference_gemm(A, -3, B, 5);
    for (std::size_t i = 0; i < ref.size(); ++i)
      ASSERT_EQ(C.storage[i], ref[i]) << shape_name(s) << " element " << i;
  }
}

}  // namespace
