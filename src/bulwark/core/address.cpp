#include "bulwark/core/address.hpp"

#include <algorithm>
#include <unordered_map>

#include "bulwark/core/hex.hpp"
#include "bulwark/core/keccak.hpp"

namespace bulwark {

namespace {

/// Checks "0x" + `digits` hex digits and decodes them into out.
Status decode_fixed_hex(std::string_view what, std::string_view s, std::size_t digits, bool allow_upper_x,
                        std::span<std::uint8_t> out) {
  const bool prefixed = s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || (allow_upper_x && s[1] == 'X'));
  if (!prefixed) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " " + printable_excerpt(s) +
                                                 ": expected 0x followed by " + std::to_string(digits) +
                                                 " hex digits");
  }
  const std::string_view hex = s.substr(2);
  if (hex.size() != digits) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " " + printable_excerpt(s) + ": expected " +
                                                 std::to_string(digits) + " hex digits after 0x, got " +
                                                 std::to_string(hex.size()));
  }
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (hex_digit_value(hex[i]) < 0) {
      return fail(ErrorCode::kInvalidArgument, std::string(what) + " " + printable_excerpt(s) +
                                                   ": character '" + printable_excerpt(hex.substr(i, 1)) +
                                                   "' at position " + std::to_string(i + 2) +
                                                   " is not a hex digit (0-9, a-f)");
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>((hex_digit_value(hex[2 * i]) << 4) | hex_digit_value(hex[2 * i + 1]));
  }
  return {};
}

}  // namespace

Result<Hash32> Hash32::parse(std::string_view s) {
  Hash32 h;
  BULWARK_CHECK(decode_fixed_hex("hash", s, 64, true, h.bytes));
  return h;
}

std::string Hash32::to_hex() const {
  return hex_encode(bytes);
}

bool Hash32::is_zero() const {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

Result<Address> Address::parse(std::string_view s) {
  Address a;
  BULWARK_CHECK(decode_fixed_hex("address", s, 40, false, a.bytes_));
  const std::string_view hex = s.substr(2);
  const bool has_lower = std::any_of(hex.begin(), hex.end(), [](char c) { return c >= 'a' && c <= 'f'; });
  const bool has_upper = std::any_of(hex.begin(), hex.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  if (has_lower && has_upper && a.to_checksum().substr(2) != hex) {
    return fail(ErrorCode::kInvalidArgument,
                "address " + std::string(s) +
                    ": bad EIP-55 checksum (the mix of upper- and lowercase letters does not match); "
                    "check the address for typos");
  }
  return a;
}

std::string Address::to_checksum() const {
  // The same few addresses (holders, pools, contracts) are written and read again and again, and a
  // checksum costs a Keccak-256: each thread remembers up to 4,096 of them (then starts over).
  thread_local std::unordered_map<Address, std::string> made;
  if (auto it = made.find(*this); it != made.end()) return it->second;
  if (made.size() >= 4096) made.clear();
  std::string out = to_lower_hex();
  // EIP-55: uppercase the i-th letter when the i-th nibble of keccak256(lowercase hex) >= 8.
  const Hash32 h = keccak256(std::string_view(out).substr(2));
  for (std::size_t i = 0; i < 40; ++i) {
    char& c = out[i + 2];
    const unsigned nibble = (i % 2 == 0) ? (h.bytes[i / 2] >> 4) : (h.bytes[i / 2] & 0xf);
    if (c >= 'a' && c <= 'f' && nibble >= 8) c = static_cast<char>(c - 'a' + 'A');
  }
  return made.emplace(*this, std::move(out)).first->second;
}

std::string Address::to_lower_hex() const {
  return hex_encode(bytes_);
}

}  // namespace bulwark
