#pragma once
/// Assets and amounts of them: raw integer units (wei, 10^-6 USDC) and their decimal display.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bulwark/core/address.hpp"
#include "bulwark/core/error.hpp"
#include "bulwark/core/u256.hpp"

namespace bulwark {

/// A fungible asset: a chain's native coin or an ERC-20 token on a chain.
struct Asset {
  std::uint64_t chain_id = 1;    ///< EIP-155 chain id (1 = Ethereum mainnet).
  std::optional<Address> token;  ///< The ERC-20 contract; nullopt = the chain's native coin.
  std::string symbol;            ///< Display symbol, e.g. "ETH", "USDC". Not part of the identity.
  std::uint8_t decimals = 18;    ///< Raw units per whole unit are 10^decimals.

  /// The canonical unique key: "<chain_id>:native" or "<chain_id>:0x<40 lowercase hex digits>".
  std::string key() const;
  /// Rebuilds an asset from key() output plus its display data. The address part may be in any
  /// form Address::parse accepts. Errors: kInvalidArgument for a missing ':', a chain id that is
  /// not a canonical decimal uint64 (no sign, no leading zeros), or a part after ':' that is
  /// neither "native" nor a valid address.
  static Result<Asset> parse_key(std::string_view key, std::string symbol, std::uint8_t decimals);
  /// True when both name the same asset: equal chain_id and token (symbol/decimals ignored).
  bool same_as(const Asset& o) const;
  /// Equality of every field.
  bool operator==(const Asset&) const = default;
};

/// Converts a decimal amount in whole units ("1.5") to raw units given the asset's decimals
/// ("1.5" with 6 decimals -> 1500000), exactly. Accepts digits with at most one '.' that has
/// digits on both sides, and at most `decimals` digits after it.
/// Errors: kInvalidArgument for empty input, a sign ("amount must not be negative"), a leading or
/// trailing '.', exponent notation, more fractional digits than `decimals`, or any other
/// character; kOverflow when the raw value exceeds 2^256 - 1.
Result<U256> parse_units(std::string_view decimal, std::uint8_t decimals);

/// Formats raw units as an exact decimal in whole units with trailing fractional zeros removed:
/// (1500000, 6) -> "1.5", (2000000, 6) -> "2", (1, 18) -> "0.000000000000000001", 0 -> "0".
std::string format_units(const U256& raw, std::uint8_t decimals);

/// A quantity of an asset, in the asset's raw units.
struct Amount {
  Asset asset;
  U256 value;  ///< Raw units (value / 10^asset.decimals whole units).

  /// The sum. Errors: kInvalidArgument "asset mismatch: ..." when the assets differ (per
  /// Asset::same_as, or in decimals); kOverflow above 2^256 - 1.
  Result<Amount> checked_add(const Amount& o) const;
  /// The difference. Errors: kInvalidArgument "asset mismatch: ..." as for checked_add;
  /// kOverflow when o is larger (the result would go below zero).
  Result<Amount> checked_sub(const Amount& o) const;
  /// "<formatted value> <symbol>", e.g. "1.5 USDC" (the asset key stands in for an empty symbol).
  std::string to_string() const;
  /// Equality of asset and value.
  bool operator==(const Amount&) const = default;
};

}  // namespace bulwark
