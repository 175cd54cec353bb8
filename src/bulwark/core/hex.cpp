#include "bulwark/core/hex.hpp"

namespace bulwark {

namespace {

constexpr char kLowerDigits[] = "0123456789abcdef";

std::string describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  std::string out = "byte 0x";
  out += kLowerDigits[u >> 4];
  out += kLowerDigits[u & 0xf];
  return out;
}

}  // namespace

Result<std::vector<std::uint8_t>> hex_decode(std::string_view s) {
  const std::string_view digits = strip_hex_prefix(s);
  const std::size_t offset = s.size() - digits.size();
  if (digits.size() % 2 != 0) {
    return fail(ErrorCode::kInvalidArgument, "hex string " + printable_excerpt(s) +
                                                 ": expected an even number of hex digits, got " +
                                                 std::to_string(digits.size()));
  }
  std::vector<std::uint8_t> out(digits.size() / 2);
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const int hi = hex_digit_value(digits[i]);
    const int lo = hex_digit_value(digits[i + 1]);
    if (hi < 0 || lo < 0) {
      const std::size_t bad = hi < 0 ? i : i + 1;
      return fail(ErrorCode::kInvalidArgument,
                  "hex string " + printable_excerpt(s) + ": " + describe_char(digits[bad]) + " at position " +
                      std::to_string(bad + offset) + " is not a hex digit (0-9, a-f)");
    }
    out[i / 2] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string hex_encode(std::span<const std::uint8_t> bytes, bool prefix) {
  std::string out;
  out.reserve(bytes.size() * 2 + (prefix ? 2 : 0));
  if (prefix) out += "0x";
  for (const std::uint8_t b : bytes) {
    out += kLowerDigits[b >> 4];
    out += kLowerDigits[b & 0xf];
  }
  return out;
}

std::string printable_excerpt(std::string_view s, std::size_t max_chars) {
  std::string out;
  const std::size_t shown = s.size() > max_chars ? max_chars : s.size();
  out.reserve(shown + 16);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7f) {
      out += s[i];
    } else {
      out += "\\x";
      out += kLowerDigits[u >> 4];
      out += kLowerDigits[u & 0xf];
    }
  }
  if (shown < s.size()) out += "...(" + std::to_string(s.size()) + " chars)";
  return out;
}

}  // namespace bulwark
