#pragma once
/// Keccak-256 as Ethereum uses it (the original Keccak padding, not NIST SHA3-256).

#include <cstdint>
#include <span>
#include <string_view>

#include "bulwark/core/address.hpp"

namespace bulwark {

/// The Keccak-256 digest of `data`. Thread-safe; never fails.
Hash32 keccak256(std::span<const std::uint8_t> data);

/// The Keccak-256 digest of the bytes of `data` (taken as is, e.g. UTF-8 text).
Hash32 keccak256(std::string_view data);

}  // namespace bulwark
