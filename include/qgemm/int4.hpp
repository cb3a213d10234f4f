// Storage of signed 4-bit integers, two to a byte.
#pragma once

#include <cstddef>
#include <cstdint>

#include "error.hpp"

namespace qgemm {

/// Two signed 4-bit integers in one byte, each in two's complement (range [-8, 7]).
/// Element 2i of a row lives in the low nibble of byte i and element 2i+1 in the high nibble,
/// the order oneDNN, XNNPACK, MLAS and CUTLASS use. A row of an odd number of elements ends
/// with a byte whose high nibble is padding: it is written as 0 and never read.
struct int4x2 {
  std::uint8_t bits = 0;

  static constexpr int min = -8;
  static constexpr int max = 7;

  /// Sign-extends a nibble held in the low four bits of `n` (the XOR-subtract trick: 8 -> -8).
  static constexpr int sign_extend(unsigned n) { return static_cast<int>((n & 0xFu) ^ 8u) - 8; }

  constexpr int low() const { return sign_extend(bits); }
  constexpr int high() const { return sign_extend(static_cast<unsigned>(bits) >> 4); }
  constexpr int get(std::size_t i) const { return (i & 1) ? high() : low(); }

  friend constexpr bool operator==(int4x2 a, int4x2 b) { return a.bits == b.bits; }
  friend constexpr bool operator!=(int4x2 a, int4x2 b) { return a.bits != b.bits; }

  /// Builds a byte from two values already known to lie in [-8, 7].
  static constexpr int4x2 from(int low_value, int high_value) {
    return int4x2{static_cast<std::uint8_t>((static_cast<unsigned>(low_value) & 0xFu) |
                                            ((static_cast<unsigned>(high_value) & 0xFu) << 4))};
  }
};
static_assert(sizeof(int4x2) == 1, "int4x2 must be exactly one byte");

/// Bytes needed for `n` int4 values.
constexpr std::size_t int4_bytes(std::size_t n) {
  return (n + 1) / 2;
}

/// Element i of a packed int4 row.
inline int int4_at(const int4x2* row, std::size_t i) {
  return row[i / 2].get(i);
}

/// Packs n values, each in [-8, 7], into int4_bytes(n) bytes at `out`.
/// Throws Error (and writes nothing) if a value is out of range or a pointer is null with n > 0.
inline void pack_int4(const std::int8_t* values, std::size_t n, int4x2* out) {
  constexpr const char* fn = "qgemm::pack_int4";
  if (n == 0) return;
  if (values == nullptr) detail::fail(fn, "values", "null with n = ", n);
  if (out == nullptr) detail::fail(fn, "out", "null with n = ", n);
  for (std::size_t i = 0; i < n; ++i) {
    if (values[i] < int4x2::min || values[i] > int4x2::max)
      detail::fail(fn, "values[" + std::to_string(i) + "]", static_cast<int>(values[i]),
                   " is outside the int4 range [-8, 7]");
  }
  for (std::size_t i = 0; i + 1 < n; i += 2) out[i / 2] = int4x2::from(values[i], values[i + 1]);
  if (n % 2) out[n / 2] = int4x2::from(values[n - 1], 0);
}

/// Unpacks n values from int4_bytes(n) bytes, sign-extended to int8.
inline void unpack_int4(const int4x2* packed, std::size_t n, std::int8_t* out) {
  constexpr const char* fn = "qgemm::unpack_int4";
  if (n == 0) return;
  if (packed == nullptr) detail::fail(fn, "packed", "null with n = ", n);
  if (out == nullptr) detail::fail(fn, "out", "null with n = ", n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::int8_t>(int4_at(packed, i));
}

}  // namespace qgemm
