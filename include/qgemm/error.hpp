// The one exception type of the library, and the helpers that build its messages.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace qgemm {

/// Thrown for every invalid argument. what() reads
///   "<function>: <argument> = <value>: <rule that was broken>"
/// so that a log line alone says what to fix. Calls that throw leave their outputs untouched:
/// every public entry point checks all of its arguments before it writes anything.
class Error : public std::invalid_argument {
 public:
  Error(const std::string& function, const std::string& argument, const std::string& message)
      : std::invalid_argument(function + ": " + argument + ": " + message),
        function_(function),
        argument_(argument) {}

  /// The public function that refused the call, e.g. "qgemm::gemm".
  const std::string& function() const noexcept { return function_; }
  /// The argument at fault, e.g. "A.cols" or "x[17]".
  const std::string& argument() const noexcept { return argument_; }

 private:
  std::string function_;
  std::string argument_;
};

namespace detail {

/// Throws Error(function, argument, concatenation of parts).
template <class... Parts>
[[noreturn]] void fail(const char* function, const std::string& argument, const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw Error(function, argument, message.str());
}

/// "name.field" without pulling std::string concatenation into every call site.
inline std::string member(const char* name, const char* field) {
  return std::string(name) + "." + field;
}

}  // namespace detail
}  // namespace qgemm
