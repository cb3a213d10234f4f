// qgemm: header-only quantized matrix multiplication.
// The CMake package reads its version from the three macros below; keep them the only source.
#pragma once

#define QGEMM_VERSION_MAJOR 0
#define QGEMM_VERSION_MINOR 1
#define QGEMM_VERSION_PATCH 0

namespace qgemm {
inline constexpr int version_major = QGEMM_VERSION_MAJOR;
inline constexpr int version_minor = QGEMM_VERSION_MINOR;
inline constexpr int version_patch = QGEMM_VERSION_PATCH;
}  // namespace qgemm
