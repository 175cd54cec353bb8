#pragma once
/// secp256k1 ECDSA as Ethereum uses it: recoverable signatures, addresses from public keys, and
/// EIP-191 "personal_sign" messages.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bulwark/core/address.hpp"
#include "bulwark/core/error.hpp"

namespace bulwark {

/// A recoverable ECDSA signature in Ethereum's 65-byte r || s || v layout, v in {27, 28}.
struct Signature {
  std::array<std::uint8_t, 65> rsv{};

  /// Parses "0x" followed by 130 hex digits (any case). A final byte v of 0 or 1 is accepted and
  /// stored as 27 or 28. Errors: kInvalidArgument for a missing prefix, a wrong digit count, a
  /// non-hex character, or v not in {0, 1, 27, 28}. Does not check r and s; recovery does.
  static Result<Signature> parse(std::string_view hex);
  /// "0x" followed by 130 lowercase hex digits.
  std::string to_hex() const;
  /// Byte-wise equality.
  bool operator==(const Signature&) const = default;
};

/// A secp256k1 secret key. The secret is wiped from memory when the object is destroyed and is
/// never printed (error messages about a key never echo it).
class PrivateKey {
 public:
  /// Parses an optional "0x"/"0X" prefix and 64 hex digits. Errors: kInvalidArgument for a wrong
  /// digit count, a non-hex character, or a value that is not a valid secp256k1 secret (zero, or
  /// not below the group order).
  static Result<PrivateKey> parse(std::string_view hex);
  /// The key with this 32-byte big-endian secret. Errors: kInvalidArgument as for parse.
  static Result<PrivateKey> from_bytes(std::span<const std::uint8_t, 32> secret);

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  PrivateKey(PrivateKey&&) = default;
  PrivateKey& operator=(PrivateKey&&) = default;
  ~PrivateKey();

  /// The Ethereum address of the key (last 20 bytes of keccak256 of the public key).
  Address address() const { return address_; }
  /// Signs a 32-byte digest: recoverable, deterministic (RFC 6979) and low-s (EIP-2).
  /// Errors: kInternal if the signing library fails (not expected for a valid key).
  Result<Signature> sign_digest(const Hash32& digest) const;

 private:
  PrivateKey() = default;
  std::array<std::uint8_t, 32> secret_{};
  Address address_;
};

/// The address whose key made `sig` over `digest`. Errors: kInvalidArgument when v is not 27/28
/// (0/1 are also accepted), r or s is zero or not below the group order, s is in the upper half
/// of the order (EIP-2 forbids high-s), or no public key can be recovered.
Result<Address> recover_address(const Hash32& digest, const Signature& sig);

/// The EIP-191 (version 0x45) digest that personal_sign / eth_sign sign:
/// keccak256("\x19Ethereum Signed Message:\n" + decimal byte length of message + message).
Hash32 eip191_hash(std::string_view message);

/// Signs `message` the way wallets' personal_sign does (digest from eip191_hash).
/// Errors: as PrivateKey::sign_digest.
Result<Signature> sign_personal(const PrivateKey& key, std::string_view message);

/// The address that signed `message` with personal_sign. Errors: as recover_address.
Result<Address> recover_personal(std::string_view message, const Signature& sig);

/// OK when `sig` is a personal_sign signature of `message` by `expected`. Errors:
/// kInvalidArgument naming the recovering and the expected addresses when they differ, or the
/// errors of recover_address.
Status verify_personal(std::string_view message, const Signature& sig, const Address& expected);

}  // namespace bulwark
