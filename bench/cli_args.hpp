// The little command-line vocabulary shared by qgemm-bench, qgemm-cuda-mlp and the examples:
// "--flag=value" lookup and comma (or 'x') separated lists.
#pragma once

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace qgemm_cli {

/// The text after "flag=" when arg starts with it, else nullptr.
inline const char* flag_value(const char* arg, const char* flag) {
  const std::string a = arg, f = std::string(flag) + "=";
  return a.rfind(f, 0) == 0 ? arg + f.size() : nullptr;
}

/// The non-empty items of s between separators.
inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

/// "2048,1024,64" -> {2048, 1024, 64}; anything that is not a list of numbers is an error naming
/// the flag.
inline std::vector<std::size_t> parse_sizes(const std::string& s, const char* flag) {
  std::vector<std::size_t> out;
  for (const std::string& item : split(s, ',')) {
    if (item.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument(std::string(flag) + ": '" + s + "' is not a list of numbers");
    out.push_back(std::stoul(item));
  }
  return out;
}

}  // namespace qgemm_cli
