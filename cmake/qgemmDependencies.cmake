# Test and benchmark dependencies: the system's packages first (Debian: libeigen3-dev,
# libgtest-dev, libbenchmark-dev), else a pinned download through FetchContent.
# The library itself needs none of them.
include(FetchContent)

if(CMAKE_VERSION VERSION_LESS 3.24)
  # No FIND_PACKAGE_ARGS before 3.24: the system packages are required.
  find_package(Eigen3 3.3 REQUIRED NO_MODULE)
  if(QGEMM_BUILD_TESTS)
    find_package(GTest REQUIRED)
  endif()
  if(QGEMM_BUILD_BENCH)
    find_package(benchmark REQUIRED)
  endif()
else()
  # Eigen's own CMake project (tests, docs) is skipped: SOURCE_SUBDIR names no CMakeLists, so a
  # download is only unpacked and gets a plain include-directory target below.
  FetchContent_Declare(Eigen3
    URL https://gitlab.com/libeigen/eigen/-/archive/3.4.0/eigen-3.4.0.tar.gz
    URL_HASH SHA256=8586084f71f9bde545ee7fa6d00288b264a2b7ac3607b974e54d13e7162c1c72
    DOWNLOAD_EXTRACT_TIMESTAMP TRUE
    SOURCE_SUBDIR qgemm-headers-only
    FIND_PACKAGE_ARGS 3.3 NO_MODULE)
  set(_qgemm_deps Eigen3)
  if(QGEMM_BUILD_TESTS)
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    set(gtest_force_shared_crt ON CACHE BOOL "" FORCE)
    FetchContent_Declare(googletest
      URL https://github.com/google/googletest/archive/refs/tags/release-1.12.1.tar.gz
      URL_HASH SHA256=81964fe578e9bd7c94dfdb09c8e4d6e6759e19967e397dbea48d1c10e45d0df2
    DOWNLOAD_EXTRACT_TIMESTAMP TRUE
      FIND_PACKAGE_ARGS NAMES GTest)
    list(APPEND _qgemm_deps googletest)
  endif()
  if(QGEMM_BUILD_BENCH)
    set(BENCHMARK_ENABLE_TESTING OFF CACHE BOOL "" FORCE)
    set(BENCHMARK_ENABLE_GTEST_TESTS OFF CACHE BOOL "" FORCE)
    set(BENCHMARK_ENABLE_INSTALL OFF CACHE BOOL "" FORCE)
    FetchContent_Declare(benchmark
      URL https://github.com/google/benchmark/archive/refs/tags/v1.7.1.tar.gz
      URL_HASH SHA256=6430e4092653380d9dc4ccb45a1e2dc9259d581f4866dc0759713126056bc1d7
    DOWNLOAD_EXTRACT_TIMESTAMP TRUE
      FIND_PACKAGE_ARGS NAMES benchmark)
    list(APPEND _qgemm_deps benchmark)
  endif()
  FetchContent_MakeAvailable(${_qgemm_deps})
endif()

if(NOT TARGET Eigen3::Eigen)
  add_library(qgemm_eigen INTERFACE)
  target_include_directories(qgemm_eigen SYSTEM INTERFACE "${eigen3_SOURCE_DIR}")
  add_library(Eigen3::Eigen ALIAS qgemm_eigen)
endif()
if(QGEMM_BUILD_TESTS AND NOT TARGET GTest::gtest_main AND TARGET gtest_main)
  add_library(GTest::gtest_main ALIAS gtest_main)
  add_library(GTest::gtest ALIAS gtest)
endif()

# oneDNN is an optional peer for qgemm-bench (its CPU engine only).
if(QGEMM_BUILD_BENCH)
  # Debian's dnnl-config.cmake (GPU runtime OCL) calls find_package(OpenCL REQUIRED), a fatal
  # error even under QUIET when libdnnl-dev came without its recommended ocl-icd-opencl-dev.
  # So the config is read only where OpenCL is there; otherwise the library and header are
  # looked up directly, which is all the CPU engine needs.
  find_package(OpenCL QUIET)
  if(OpenCL_FOUND OR DEFINED dnnl_DIR)
    find_package(dnnl CONFIG QUIET)
  endif()
  if(NOT dnnl_FOUND)
    find_path(QGEMM_DNNL_INCLUDE_DIR dnnl.hpp)
    find_library(QGEMM_DNNL_LIBRARY dnnl)
    if(QGEMM_DNNL_INCLUDE_DIR AND QGEMM_DNNL_LIBRARY)
      add_library(DNNL::dnnl UNKNOWN IMPORTED)
      set_target_properties(DNNL::dnnl PROPERTIES
        IMPORTED_LOCATION "${QGEMM_DNNL_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${QGEMM_DNNL_INCLUDE_DIR}")
      set(dnnl_FOUND TRUE)
      set(dnnl_VERSION "(${QGEMM_DNNL_LIBRARY}, no CMake config)")
    endif()
  endif()
  if(dnnl_FOUND)
    message(STATUS "qgemm: oneDNN ${dnnl_VERSION} found: qgemm-bench gets onednn_* rows")
  else()
    message(STATUS "qgemm: oneDNN not found (Debian: libdnnl-dev): no onednn_* rows in qgemm-bench")
  endif()
endif()
