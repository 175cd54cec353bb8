#include "bulwark/core/signature.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <random>

#include "bulwark/core/hex.hpp"
#include "bulwark/core/keccak.hpp"

namespace bulwark {

namespace {

/// (n - 1) / 2 for the secp256k1 group order n: the largest s EIP-2 allows.
constexpr std::array<std::uint8_t, 32> kHalfOrder = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

/// The library context, created and randomised once (thread-safe static initialisation), then
/// only used through const operations, which libsecp256k1 documents as safe to share between
/// threads. Intentionally never destroyed, so it outlives every other static.
const secp256k1_context* context() {
  static const secp256k1_context* const ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::random_device rd;
    std::array<unsigned char, 32> seed{};
    for (auto& b : seed) b = static_cast<unsigned char>(rd());
    // Randomisation only hardens against side channels; failure leaves a working context.
    [[maybe_unused]] const int randomized = secp256k1_context_randomize(c, seed.data());
    return c;
  }();
  return ctx;
}

void wipe(std::span<std::uint8_t> bytes) {
  volatile std::uint8_t* p = bytes.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = 0;
}

Address address_of(const secp256k1_pubkey& pubkey) {
  std::array<unsigned char, 65> serialized{};
  std::size_t len = serialized.size();
  secp256k1_ec_pubkey_serialize(context(), serialized.data(), &len, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  // Drop the 0x04 tag; the address is the last 20 bytes of keccak256(x || y).
  const Hash32 h = keccak256(std::span<const std::uint8_t>(serialized.data() + 1, 64));
  return Address::from_bytes(std::span<const std::uint8_t, 20>(h.bytes.data() + 12, 20));
}

bool all_zero(std::span<const std::uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

}  // namespace

Result<Signature> Signature::parse(std::string_view hex) {
  if (!(hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))) {
    return fail(ErrorCode::kInvalidArgument,
                "signature " + printable_excerpt(hex) + ": expected 0x followed by 130 hex digits");
  }
  if (hex.size() != 132) {
    return fail(ErrorCode::kInvalidArgument, "signature " + printable_excerpt(hex) +
                                                 ": expected 130 hex digits after 0x, got " +
                                                 std::to_string(hex.size() - 2));
  }
  auto bytes = hex_decode(hex);
  if (!bytes) return std::unexpected(with_context(bytes.error(), "signature"));
  Signature sig;
  std::copy(bytes->begin(), bytes->end(), sig.rsv.begin());
  std::uint8_t& v = sig.rsv[64];
  if (v == 0 || v == 1) v = static_cast<std::uint8_t>(v + 27);
  if (v != 27 && v != 28) {
    return fail(ErrorCode::kInvalidArgument, "signature " + printable_excerpt(hex) +
                                                 ": recovery byte v must be 27 or 28 (or 0 or 1), got " +
                                                 std::to_string(v));
  }
  return sig;
}

std::string Signature::to_hex() const {
  return hex_encode(rsv);
}

Result<PrivateKey> PrivateKey::parse(std::string_view hex) {
  // Never echo the input: it is a secret.
  const std::string_view digits = strip_hex_prefix(hex);
  if (digits.size() != 64) {
    return fail(
        ErrorCode::kInvalidArgument,
        "private key: expected 64 hex digits (optionally after 0x), got " + std::to_string(digits.size()));
  }
  std::array<std::uint8_t, 32> secret{};
  for (std::size_t i = 0; i < 64; ++i) {
    const int d = hex_digit_value(digits[i]);
    if (d < 0) {
      wipe(secret);
      return fail(ErrorCode::kInvalidArgument, "private key: the character at position " +
                                                   std::to_string(i + (hex.size() - digits.size())) +
                                                   " is not a hex digit (0-9, a-f)");
    }
    secret[i / 2] = static_cast<std::uint8_t>(secret[i / 2] | (d << (i % 2 == 0 ? 4 : 0)));
  }
  auto key = from_bytes(secret);
  wipe(secret);
  return key;
}

Result<PrivateKey> PrivateKey::from_bytes(std::span<const std::uint8_t, 32> secret) {
  if (secp256k1_ec_seckey_verify(context(), secret.data()) != 1) {
    return fail(ErrorCode::kInvalidArgument,
                "private key: not a valid secp256k1 secret (it must be non-zero and below the curve order)");
  }
  PrivateKey key;
  std::copy(secret.begin(), secret.end(), key.secret_.begin());
  secp256k1_pubkey pubkey;
  if (secp256k1_ec_pubkey_create(context(), &pubkey, key.secret_.data()) != 1) {
    return fail(ErrorCode::kInternal, "private key: could not derive the public key");
  }
  key.address_ = address_of(pubkey);
  return key;
}

PrivateKey::~PrivateKey() {
  wipe(secret_);
}

Result<Signature> PrivateKey::sign_digest(const Hash32& digest) const {
  secp256k1_ecdsa_recoverable_signature rsig;
  // A null nonce function selects RFC 6979; libsecp256k1 always produces low-s signatures.
  if (secp256k1_ecdsa_sign_recoverable(context(), &rsig, digest.bytes.data(), secret_.data(), nullptr,
                                       nullptr) != 1) {
    return fail(ErrorCode::kInternal, "signing failed in libsecp256k1");
  }
  Signature sig;
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), sig.rsv.data(), &recid, &rsig);
  if (recid != 0 && recid != 1) {
    // Only possible when r overflowed the order (probability ~2^-127); Ethereum cannot encode it.
    return fail(ErrorCode::kInternal, "signing produced recovery id " + std::to_string(recid) +
                                          ", which an Ethereum v byte cannot encode");
  }
  sig.rsv[64] = static_cast<std::uint8_t>(27 + recid);
  return sig;
}

Result<Address> recover_address(const Hash32& digest, const Signature& sig) {
  const std::uint8_t v = sig.rsv[64];
  int recid = 0;
  if (v == 27 || v == 28) {
    recid = v - 27;
  } else if (v == 0 || v == 1) {
    recid = v;
  } else {
    return fail(ErrorCode::kInvalidArgument,
                "signature: recovery byte v must be 27 or 28 (or 0 or 1), got " + std::to_string(v));
  }
  const std::span<const std::uint8_t> r(sig.rsv.data(), 32);
  const std::span<const std::uint8_t> s(sig.rsv.data() + 32, 32);
  if (all_zero(r) || all_zero(s)) {
    return fail(ErrorCode::kInvalidArgument, "signature: r and s must be non-zero");
  }
  if (std::lexicographical_compare(kHalfOrder.begin(), kHalfOrder.end(), s.begin(), s.end())) {
    return fail(ErrorCode::kInvalidArgument,
                "signature: s is in the upper half of the curve order (high-s), which EIP-2 forbids; "
                "re-sign with a library that produces low-s signatures");
  }
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &rsig, sig.rsv.data(), recid) != 1) {
    return fail(ErrorCode::kInvalidArgument, "signature: r or s is not below the secp256k1 curve order");
  }
  secp256k1_pubkey pubkey;
  if (secp256k1_ecdsa_recover(context(), &pubkey, &rsig, digest.bytes.data()) != 1) {
    return fail(ErrorCode::kInvalidArgument,
                "signature: no public key can be recovered from it (corrupted signature or wrong v)");
  }
  return address_of(pubkey);
}

Hash32 eip191_hash(std::string_view message) {
  std::string data =
      "\x19"
      "Ethereum Signed Message:\n";
  data += std::to_string(message.size());
  data.append(message);
  return keccak256(std::string_view(data));
}

Result<Signature> sign_personal(const PrivateKey& key, std::string_view message) {
  return key.sign_digest(eip191_hash(message));
}

Result<Address> recover_personal(std::string_view message, const Signature& sig) {
  return recover_address(eip191_hash(message), sig);
}

Status verify_personal(std::string_view message, const Signature& sig, const Address& expected) {
  BULWARK_TRY(signer, recover_personal(message, sig));
  if (signer != expected) {
    return fail(ErrorCode::kInvalidArgument, "signature was made by " + signer.to_checksum() + ", not by " +
                                                 expected.to_checksum() +
                                                 " (wrong signer, or the message was changed after signing)");
  }
  return {};
}

}  // namespace bulwark
