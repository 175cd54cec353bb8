#pragma once
/// U256: the unsigned 256-bit word of the EVM, with checked arithmetic.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "bulwark/core/error.hpp"

namespace bulwark {

/// Which way a division that does not come out exact is rounded.
enum class Rounding {
  kDown,  ///< Toward zero (floor): the payer of a share never pays more than owed.
  kUp,    ///< Away from zero (ceiling): a charge never comes out below the exact value.
};

/// An unsigned integer in [0, 2^256 - 1], the EVM's word. A value type: trivially copyable,
/// zero by default. Arithmetic is checked: it returns an error instead of wrapping.
/// Stored as four 64-bit limbs, least significant first.
class U256 {
 public:
  /// `U256::Rounding::kUp` and `Rounding::kUp` name the same thing.
  using Rounding = bulwark::Rounding;

  /// Zero.
  constexpr U256() = default;
  /// The value `v` (implicit, so `U256 x = 5;` works).
  constexpr U256(std::uint64_t v) : limbs_{v, 0, 0, 0} {}  // NOLINT(google-explicit-constructor)

  /// The value limbs[0] + limbs[1]*2^64 + limbs[2]*2^128 + limbs[3]*2^192.
  static constexpr U256 from_limbs(const std::array<std::uint64_t, 4>& limbs) {
    U256 r;
    r.limbs_ = limbs;
    return r;
  }

  /// 2^256 - 1, the largest value.
  static constexpr U256 max() {
    return from_limbs({~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0}});
  }

  /// Parses a decimal number: one or more ASCII digits, nothing else (no sign, no spaces, no
  /// separators; leading zeros are allowed). Errors: kInvalidArgument for empty input, a sign
  /// (negative numbers are called out as such) or any non-digit; kOverflow above 2^256 - 1.
  static Result<U256> from_dec(std::string_view s);

  /// Parses a hex number: an optional "0x"/"0X" prefix, then 1 to 64 hex digits in any case.
  /// Errors: kInvalidArgument for no digits, more than 64 digits, or a non-hex character.
  static Result<U256> from_hex(std::string_view s);

  /// Parses "0x..."/"0X..." as hex (see from_hex) and anything else as decimal (see from_dec).
  static Result<U256> parse(std::string_view s);

  /// The big-endian unsigned integer in `b` (no bytes = 0). At most 32 bytes are meaningful;
  /// if more are given only the last 32 are used (the value is taken modulo 2^256).
  static U256 from_be_bytes(std::span<const std::uint8_t> b);

  /// 10^exponent. Errors: kOverflow when exponent > 77 (10^78 exceeds 2^256 - 1).
  static Result<U256> pow10(unsigned exponent);

  /// The value in decimal, no leading zeros ("0" for zero).
  std::string to_dec() const;
  /// "0x" followed by the minimal number of lowercase hex digits ("0x0" for zero).
  std::string to_hex() const;
  /// The value as 32 big-endian bytes (the EVM's ABI encoding of a uint256).
  std::array<std::uint8_t, 32> to_be_bytes() const;

  /// The four limbs, least significant first.
  constexpr const std::array<std::uint64_t, 4>& limbs() const { return limbs_; }
  /// True for 0.
  constexpr bool is_zero() const { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  /// True when the value is at most 2^64 - 1, so low_u64() is the whole value.
  constexpr bool fits_u64() const { return (limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  /// The value modulo 2^64 (the whole value when fits_u64()).
  constexpr std::uint64_t low_u64() const { return limbs_[0]; }
  /// The number of significant bits: 0 for zero, 256 for max().
  unsigned bit_length() const;

  /// this + o. Errors: kOverflow when the sum exceeds 2^256 - 1.
  Result<U256> checked_add(const U256& o) const;
  /// this - o. Errors: kOverflow when o > this (the result would go below zero).
  Result<U256> checked_sub(const U256& o) const;
  /// this * o. Errors: kOverflow when the product exceeds 2^256 - 1.
  Result<U256> checked_mul(const U256& o) const;
  /// this / o, rounded down. Errors: kInvalidArgument when o is zero.
  Result<U256> checked_div(const U256& o) const;
  /// this % o. Errors: kInvalidArgument when o is zero.
  Result<U256> checked_mod(const U256& o) const;

  /// a * b / d rounded as `r` asks, computed exactly through a 512-bit intermediate, so the
  /// product may exceed 2^256 as long as the quotient does not. Errors: kInvalidArgument when d
  /// is zero; kOverflow when the rounded quotient exceeds 2^256 - 1.
  static Result<U256> mul_div(const U256& a, const U256& b, const U256& d, Rounding r);

  /// Equality of values.
  friend constexpr bool operator==(const U256& a, const U256& b) { return a.limbs_ == b.limbs_; }
  /// Numeric order.
  friend constexpr std::strong_ordering operator<=>(const U256& a, const U256& b) {
    for (std::size_t i = 4; i-- > 0;) {
      if (a.limbs_[i] != b.limbs_[i]) {
        return a.limbs_[i] < b.limbs_[i] ? std::strong_ordering::less : std::strong_ordering::greater;
      }
    }
    return std::strong_ordering::equal;
  }

 private:
  std::array<std::uint64_t, 4> limbs_{};
};

/// Writes the value in decimal.
std::ostream& operator<<(std::ostream& os, const U256& v);

}  // namespace bulwark

/// Hashing, so U256 can key unordered containers.
template <>
struct std::hash<bulwark::U256> {
  std::size_t operator()(const bulwark::U256& v) const noexcept {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (const std::uint64_t limb : v.limbs()) {
      h ^= limb + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
    return static_cast<std::size_t>(h);
  }
};
