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
  std::printf("CPU: %s; L1d %zu KiB, L2 %zu KiB (%zu ways), L3 %zu KiB; paths available:",
              f.brand.c_str(), f.l1d_bytes >> 10, f.l2_bytes >> 10, f.l2_ways, f.l3_bytes >> 10);
  for (qgemm::Isa isa : qgemm::available_isas()) std::printf(" %s", qgemm::isa_name(isa));
  std::printf("\n");
}

// Register values as an AMD EPYC (Zen 3) returns them for leaf 0x8000001D, whose layout is
// leaf 4's: L1d 32 KiB, L1i (skipped), L2 512 KiB of 8 ways, L3 32 MiB, then type 0.
TEST(CpuFeatures, CacheLeavesDecode) {
  qgemm::CpuFeatures f;
  EXPECT_TRUE(qgemm::detail::add_cache(f, 0x121, 0x01c0003f, 0x3f));
  EXPECT_TRUE(qgemm::detail::add_cache(f, 0x122, 0x01c0003f, 0x3f));
  EXPECT_TRUE(qgemm::detail::add_cache(f, 0x143, 0x01c0003f, 0x3ff));
  EXPECT_TRUE(qgemm::detail::add_cache(f, 0x4163, 0x03c0003f, 0x7fff));
  EXPECT_FALSE(qgemm::detail::add_cache(f, 0, 0, 0));
  EXPECT_EQ(f.l1d_bytes, 32u << 10);
  EXPECT_EQ(f.l2_bytes, 512u << 10);
  EXPECT_EQ(f.l2_ways, 8u);
  EXPECT_EQ(f.l3_bytes, 32u << 20);
  // An L2 of 2 MiB, 16 ways of 2048 sets of 64-byte lines (Sapphire Rapids), from leaf 4.
  EXPECT_TRUE(qgemm::detail::add_cache(f, 0x43, (15u << 22) | 63u, 2047));
  EXPECT_EQ(f.l2_bytes, 2u << 20);
  EXPECT_EQ(f.l2_ways, 16u);
}

// The same CPU's 0x80000005 ECX and 0x80000006 ECX, EDX: L1d 32 KiB, L2 512 KiB with ways code 6
// (8 ways), and L3 512 x 512 KiB (the hypervisor's whole package).
TEST(CpuFeatures, AmdLegacyCacheLeavesDecode) {
  qgemm::CpuFeatures f;
  qgemm::detail::add_amd_legacy_caches(f, 0x20080140, 0x02006140, 0x08009140);
  EXPECT_EQ(f.l1d_bytes, 32u << 10);
  EXPECT_EQ(f.l2_bytes, 512u << 10);
  EXPECT_EQ(f.l2_ways, 8u);
  EXPECT_EQ(f.l3_bytes, std::size_t{256} << 20);
  qgemm::detail::add_amd_legacy_caches(f, 0x20080140, 0x0400F140, 0);  // fully associative
  EXPECT_EQ(f.l2_bytes, 1u << 20);
  EXPECT_EQ(f.l2_ways, 0u);
}

}  // namespace
