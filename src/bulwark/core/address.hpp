#pragma once
/// Hash32 (a 32-byte hash such as a transaction hash) and Address (a 20-byte Ethereum account).

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
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
  /// Byte-wise (big-endian numeric) order; compared eight bytes at a time.
  std::strong_ordering operator<=>(const Hash32& o) const noexcept;
  /// The same bytes.
  bool operator==(const Hash32& o) const noexcept;
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
  static Address from_bytes(std::span<const std::uint8_t, 20> b) {
    Address a;
    std::memcpy(a.bytes_.data(), b.data(), 20);
    return a;
  }

  /// The 20 raw bytes.
  const std::array<std::uint8_t, 20>& bytes() const { return bytes_; }
  /// The EIP-55 mixed-case checksum form, e.g. "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".
  std::string to_checksum() const;
  /// "0x" followed by 40 lowercase hex digits (the canonical form used in keys and storage).
  std::string to_lower_hex() const;
  /// True for the zero address.
  bool is_zero() const noexcept;
  /// Byte-wise order; compared eight bytes at a time.
  std::strong_ordering operator<=>(const Address& o) const noexcept;
  /// The same bytes.
  bool operator==(const Address& o) const noexcept;

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

/// The 8 bytes at `p` as a big-endian number: comparing two of them orders the bytes as memcmp does.
inline std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  if constexpr (std::endian::native == std::endian::little) x = std::byteswap(x);
  return x;
}
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  std::uint32_t x;
  std::memcpy(&x, p, 4);
  if constexpr (std::endian::native == std::endian::little) x = std::byteswap(x);
  return x;
}
}  // namespace detail

// Comparisons a word at a time (addresses and hashes key most of the detectors' maps and sets); the same
// results as comparing the bytes one by one.
inline bool Address::operator==(const Address& o) const noexcept {
  std::uint64_t a0, a1, b0, b1;
  std::uint32_t a2, b2;
  std::memcpy(&a0, bytes_.data(), 8);
  std::memcpy(&a1, bytes_.data() + 8, 8);
  std::memcpy(&a2, bytes_.data() + 16, 4);
  std::memcpy(&b0, o.bytes_.data(), 8);
  std::memcpy(&b1, o.bytes_.data() + 8, 8);
  std::memcpy(&b2, o.bytes_.data() + 16, 4);
  return ((a0 ^ b0) | (a1 ^ b1) | std::uint64_t{a2 ^ b2}) == 0;
}

inline std::strong_ordering Address::operator<=>(const Address& o) const noexcept {
  for (std::size_t i = 0; i < 16; i += 8) {
    const std::uint64_t a = detail::load_be64(bytes_.data() + i), b = detail::load_be64(o.bytes_.data() + i);
    if (a != b) return a <=> b;
  }
  return detail::load_be32(bytes_.data() + 16) <=> detail::load_be32(o.bytes_.data() + 16);
}

inline bool Address::is_zero() const noexcept {
  std::uint64_t a0, a1;
  std::uint32_t a2;
  std::memcpy(&a0, bytes_.data(), 8);
  std::memcpy(&a1, bytes_.data() + 8, 8);
  std::memcpy(&a2, bytes_.data() + 16, 4);
  return (a0 | a1 | a2) == 0;
}

inline bool Hash32::operator==(const Hash32& o) const noexcept {
  std::uint64_t d = 0;
  for (std::size_t i = 0; i < 32; i += 8) {
    std::uint64_t a, b;
    std::memcpy(&a, bytes.data() + i, 8);
    std::memcpy(&b, o.bytes.data() + i, 8);
    d |= a ^ b;
  }
  return d == 0;
}

inline std::strong_ordering Hash32::operator<=>(const Hash32& o) const noexcept {
  for (std::size_t i = 0; i < 32; i += 8) {
    const std::uint64_t a = detail::load_be64(bytes.data() + i), b = detail::load_be64(o.bytes.data() + i);
    if (a != b) return a <=> b;
  }
  return std::strong_ordering::equal;
}

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
