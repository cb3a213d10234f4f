// The bench's result writers and the Pareto frontier of the mixed-precision example.
#include <gtest/gtest.h>

#include <sstream>

#include "pareto.hpp"
#include "results_io.hpp"

namespace {

using qgemm_bench::pareto_frontier;
using qgemm_bench::Result;

TEST(ResultsIo, CsvHasAHeaderAndOneQuotedLinePerResult) {
  std::ostringstream os;
  qgemm_bench::write_csv(os,
                         {{"qgemm", "u8s8", 1, 4096, 4096, 52.5}, {"a,b", "x\"y", 2, 3, 4, 0.25}});
  EXPECT_EQ(os.str(),
            "impl,dtype,M,N,K,gops\n"
            "qgemm,u8s8,1,4096,4096,52.5\n"
            "\"a,b\",\"x\"\"y\",2,3,4,0.25\n");
}

TEST(ResultsIo, JsonCarriesTheRunAndEscapesStrings) {
  std::ostringstream os;
  qgemm_bench::RunInfo info{"Xeon \"SPR\"\\1", "avx512_vnni", "2026-11-23", "2.6.3", 1};
  qgemm_bench::write_json(os, info, {{"qgemm", "s8s4", 1, 2, 3, 100.0}});
  EXPECT_EQ(os.str(),
            "{\n  \"cpu\": \"Xeon \\\"SPR\\\"\\\\1\",\n  \"isa\": \"avx512_vnni\",\n"
            "  \"threads\": 1,\n  \"date\": \"2026-11-23\",\n  \"onednn\": \"2.6.3\",\n"
            "  \"results\": [\n    {\"impl\": \"qgemm\", \"dtype\": \"s8s4\", \"M\": 1, \"N\": 2, "
            "\"K\": 3, \"gops\": 100}\n  ]\n}\n");
}

TEST(ResultsIo, JsonOfNoResultsIsAnEmptyArrayAndControlCharactersAreEscaped) {
  std::ostringstream os;
  qgemm_bench::write_json(os, {std::string("a\nb\x01"), "scalar", "", "", 2}, {});
  EXPECT_NE(os.str().find("\"cpu\": \"a\\u000ab\\u0001\""), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("\"results\": []\n}"), std::string::npos) << os.str();
}

TEST(ResultsIo, NumbersReadBackExactly) {
  const double v = 0.1 + 0.2;
  EXPECT_EQ(std::stod(qgemm_bench::number_text(v)), v);
}

TEST(Pareto, KeepsOnlyPointsNothingBeatsOnBothAxes) {
  //                         0    1    2    3    4    5
  const std::vector<double> latency = {5.0, 1.0, 3.0, 3.0, 2.0, 6.0};
  const std::vector<double> capacity = {90, 10, 50, 40, 50, 90};
  // 1 (fastest); 4 (cap 50 at 2.0) beats 2 and 3; 0 (cap 90 at 5.0) beats 5.
  EXPECT_EQ(pareto_frontier(latency, capacity), (std::vector<std::size_t>{1, 4, 0}));
}

TEST(Pareto, EqualLatencyKeepsTheMostCapableAndDuplicatesOnce) {
  EXPECT_EQ(pareto_frontier({2, 2, 2}, {1, 3, 3}), (std::vector<std::size_t>{1}));
  EXPECT_TRUE(pareto_frontier({}, {}).empty());
  EXPECT_EQ(pareto_frontier({4}, {7}), (std::vector<std::size_t>{0}));
}

TEST(Pareto, MonotoneInputIsAllFrontier) {
  EXPECT_EQ(pareto_frontier({1, 2, 3, 4}, {1, 2, 3, 4}), (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(pareto_frontier({1, 2, 3, 4}, {4, 3, 2, 1}), (std::vector<std::size_t>{0}));
}

}  // namespace
