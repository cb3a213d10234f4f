// Dispatch: detection, names, and the path the process runs on.
#include "test_support.hpp"

#include <cstdlib>

namespace {

TEST(Isa, NamesRoundTrip) {
  for (qgemm::Isa isa : qgemm::all_isas()) EXPECT_EQ(qgemm::parse_isa(qgemm::isa_name(isa)), isa);
}

TEST(Isa, ScalarIsAlwaysAvailableAndFirst) {
  const auto isas = qgemm::available_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), qgemm::Isa::scalar);
  EXPECT_EQ(qgemm::best_isa(), isas.back());
}

TEST(Isa, ActivePathFollowsTheEnvironment) {
  const char* forced = std::getenv("QGEMM_ISA");
  if (forced != nullptr && *forced != '\0' && std::string(forced) != "automatic")
    EXPECT_STREQ(qgemm::isa_name(qgemm::active_isa()), forced);
  else
    EXPECT_EQ(qgemm::active_isa(), qgemm::best_isa());
}

TEST(Isa, SupportFollowsCpuFeatures) {
  const qgemm::CpuFeatures& f = qgemm::cpu_features();
  EXPECT_EQ(qgemm::isa_supported_by_cpu(qgemm::Isa::avx512_vnni),
            qgemm::isa_supported_by_cpu(qgemm::Isa::avx512) && f.avx512_vnni);
  if (qgemm::isa_supported_by_cpu(qgemm::Isa::avx512)) {
    EXPECT_TRUE(qgemm::isa_supported_by_cpu(qgemm::Isa::avx2));
  }
  std::printf("CPU: %s; paths available:", f.brand.c_str());
  for (qgemm::Isa isa : qgemm::available_isas()) std::printf(" %s", qgemm::isa_name(isa));
  std::printf("\n");
}

}  // namespace
