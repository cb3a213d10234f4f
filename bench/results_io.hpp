// Raw benchmark results as CSV and JSON, for plotting scripts and for pasting elsewhere.
#pragma once

#include <cstddef>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace qgemm_bench {

/// One timed product: <impl>_<dtype>/M/N/K at `gops` (2*M*N*K per wall-clock second / 1e9).
struct Result {
  std::string impl, dtype;
  std::size_t M = 0, N = 0, K = 0;
  double gops = 0;
};

/// What a table needs to mean something once pasted elsewhere.
struct RunInfo {
  std::string cpu, isa, date, onednn;
  int threads = 1;
};

/// A CSV field: quoted when it holds a comma, quote or line break (quotes doubled).
inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

/// A JSON string literal, with quotes, backslashes and control characters escaped.
inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// A number with enough digits to read back the same double.
inline std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// Header `impl,dtype,M,N,K,gops`, one line per result.
inline void write_csv(std::ostream& os, const std::vector<Result>& results) {
  os << "impl,dtype,M,N,K,gops\n";
  for (const Result& r : results)
    os << csv_field(r.impl) << ',' << csv_field(r.dtype) << ',' << r.M << ',' << r.N << ',' << r.K
       << ',' << number_text(r.gops) << '\n';
}

/// {"cpu", "isa", "threads", "date", "onednn", "results": [{impl, dtype, M, N, K, gops}]}.
inline void write_json(std::ostream& os, const RunInfo& info, const std::vector<Result>& results) {
  os << "{\n  \"cpu\": " << json_string(info.cpu) << ",\n  \"isa\": " << json_string(info.isa)
     << ",\n  \"threads\": " << info.threads << ",\n  \"date\": " << json_string(info.date)
     << ",\n  \"onednn\": " << json_string(info.onednn) << ",\n  \"results\": [";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    os << (i ? ",\n    " : "\n    ") << "{\"impl\": " << json_string(r.impl)
       << ", \"dtype\": " << json_string(r.dtype) << ", \"M\": " << r.M << ", \"N\": " << r.N
       << ", \"K\": " << r.K << ", \"gops\": " << number_text(r.gops) << "}";
  }
  os << (results.empty() ? "]\n}\n" : "\n  ]\n}\n");
}

}  // namespace qgemm_bench
