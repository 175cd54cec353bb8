#pragma once
/// Hash32 (a 32-byte hash such as a transaction hash) and Address (a 20-byte Ethereum account).

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "bulwark/core/error.hpp"

namespace bulwark {

/// A 32-byte hash (Keccak-256 output, transaction or block hash). Zero by default.
struct Hash32 {
  std::array<std::uint8_t, 32> bytes{};

  /// Parses "0x" (or "0X") followed by exactly 64 hex digits in any case.
  /// Errors: kInvalidArgument for a missing prefix, a wrong digit count or a non-hex character.
  static Result<Hash32> parse(std::string_view s);
  /// "0x" followed by 64 lowercase hex digits.
  std::string to_hex() const;
  /// True when every byte is zero.
  bool is_zero() const;
  /// Byte-wise (big-endian numeric) order.
  auto operator<=>(const Hash32&) const = default;
};

/// A 20-byte Ethereum account address. The zero address by default.
class Address {
 public:
  /// The zero address 0x0000000000000000000000000000000000000000.
  Address() = default;

  /// Parses "0x" followed by exactly 40 hex digits. All-lowercase and all-uppercase digits are
  /// accepted as is; mixed case must match the EIP-55 checksum. Errors: kInvalidArgument for a
  /// missing prefix, a wrong digit count, a non-hex character, or a bad EIP-55 checksum.
  static Result<Address> parse(std::string_view s);
  /// The address with these bytes.
  static Address from_bytes(std::span<const std::uint8_t, 20> b);

  /// The 20 raw bytes.
  const std::array<std::uint8_t, 20>& bytes() const { return bytes_; }
  /// The EIP-55 mixed-case checksum form, e.g. "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".
  std::string to_checksum() const;
  /// "0x" followed by 40 lowercase hex digits (the canonical form used in keys and storage).
  std::string to_lower_hex() const;
  /// True for the zero address.
  bool is_zero() const;
  /// Byte-wise order.
  auto operator<=>(const Address&) const = default;

 private:
  std::array<std::uint8_t, 20> bytes_{};
};

namespace detail {
/// Folds a byte string into a size_t for std::hash (not cryptographic).
inline std::size_t hash_bytes(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, 64-bit
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return static_cast<std::size_t>(h);
}
}  // namespace detail

}  // namespace bulwark

/// Hashing, so Hash32 can key unordered containers.
template <>
struct std::hash<bulwark::Hash32> {
  std::size_t operator()(const bulwark::Hash32& h) const noexcept {
    return bulwark::detail::hash_bytes(h.bytes.data(), h.bytes.size());
  }
};

/// Hashing, so Address can key unordered containers.
template <>
struct std::hash<bulwark::Address> {
  std::size_t operator()(const bulwark::Address& a) const noexcept {
    return bulwark::detail::hash_bytes(a.bytes().data(), a.bytes().size());
  }
};
