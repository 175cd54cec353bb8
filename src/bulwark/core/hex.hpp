#pragma once
/// Hexadecimal encoding and decoding of byte strings.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bulwark/core/error.hpp"

namespace bulwark {

/// Decodes a hex string into bytes. An optional "0x"/"0X" prefix is skipped; digits may be in
/// any case; the number of digits must be even ("" and "0x" decode to no bytes).
/// Errors: kInvalidArgument for an odd number of digits or a character that is not a hex digit.
Result<std::vector<std::uint8_t>> hex_decode(std::string_view s);

/// Encodes bytes as lowercase hex, with a leading "0x" when `prefix` is true.
std::string hex_encode(std::span<const std::uint8_t> bytes, bool prefix = true);

/// The value (0..15) of the hex digit `c` in either case, or -1 when `c` is not a hex digit.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// True when `s` starts with "0x" or "0X".
constexpr bool has_hex_prefix(std::string_view s) {
  return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/// `s` without a leading "0x"/"0X" (unchanged when it has none).
constexpr std::string_view strip_hex_prefix(std::string_view s) {
  return has_hex_prefix(s) ? s.substr(2) : s;
}

/// A copy of user input that is safe to put inside an error message: bytes that are not
/// printable ASCII are written as \xNN, and input longer than `max_chars` is cut short with
/// "...(N chars)" appended so that a huge argument cannot flood a log.
std::string printable_excerpt(std::string_view s, std::size_t max_chars = 80);

}  // namespace bulwark
