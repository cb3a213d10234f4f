# Fails unless README.md contains examples/quickstart.cpp verbatim inside a ```cpp block.
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "```cpp\n${example}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not show examples/quickstart.cpp verbatim in a ```cpp block; "
                      "paste the file into the README's usage section.")
endif()
message(STATUS "README usage example matches examples/quickstart.cpp")
