#include "bulwark/core/signature.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "bulwark/core/keccak.hpp"
#include "bulwark/core/u256.hpp"

namespace bulwark {
namespace {

// Anvil / Hardhat development accounts #0 and #1 (publicly known keys; never hold real funds).
constexpr const char* kKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr const char* kAddr0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr const char* kKey1 = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
constexpr const char* kAddr1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

// Computed independently with ethers v6: new ethers.Wallet(kKey0).signMessage(message), and
// ethers.hashMessage(message).
constexpr const char* kMessage = "Bulwark: claim 42 approved";
constexpr const char* kMessageHash = "0x11b4f019d8c9e2cd82b6d6a504bea1593902aae90616f5a0f304ef10aff8db73";
constexpr const char* kEthersSig =
    "0x32b972ebc644f26fbd6013211f07bbbad2b20837f28c613bff63a519e1e28d49"
    "4253e185588540325b5b79ac2b1d8c9f2484a1f45d7066fa4138a9692ca42e0b1c";  // v = 28
constexpr const char* kEthersSigEmpty =                                    // signMessage("")
    "0xc1977b761f1dd36c29795783460d241885c8e7f9d962dbe7bba2753fd94e89b4"
    "44a1cd9ed855dd09afa3b73f7c2bd097ec9abc2d2775d737505a02d3f0cafa591b";  // v = 27
// ethers: wallet.signingKey.sign(ethers.keccak256(ethers.toUtf8Bytes("digest"))).serialized
constexpr const char* kEthersDigestSig =
    "0x179f6c47c2a0e987779158a03cb964ba2e3143bf112473abd59fe3b4701465be"
    "6e33c283659909851677fe0e9a2861b9c3e0b684caf2202fe1e03f847fdfae4e1b";

// The secp256k1 group order n.
constexpr const char* kOrder = "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

PrivateKey key0() {
  return PrivateKey::parse(kKey0).value();
}
Address addr0() {
  return Address::parse(kAddr0).value();
}
Signature sig(std::string_view hex) {
  return Signature::parse(hex).value();
}

/// The same signature with s replaced by n - s and the recovery bit flipped: an equally valid
/// ECDSA signature for the same key, which EIP-2 nevertheless forbids.
Signature malleate(const Signature& s) {
  const U256 order = U256::from_hex(kOrder).value();
  const U256 low_s = U256::from_be_bytes(std::span<const std::uint8_t>(s.rsv.data() + 32, 32));
  const auto high_s = order.checked_sub(low_s).value().to_be_bytes();
  Signature out = s;
  std::copy(high_s.begin(), high_s.end(), out.rsv.begin() + 32);
  out.rsv[64] = s.rsv[64] == 27 ? 28 : 27;
  return out;
}

TEST(Signature, PrivateKeyAddresses) {
  EXPECT_EQ(key0().address().to_checksum(), kAddr0);
  EXPECT_EQ(PrivateKey::parse(kKey1).value().address().to_checksum(), kAddr1);
}

TEST(Signature, Eip191HashMatchesEthers) {
  EXPECT_EQ(eip191_hash(kMessage).to_hex(), kMessageHash);
  // The prefix counts bytes, not characters.
  EXPECT_EQ(eip191_hash("é"), keccak256("\x19"
                                        "Ethereum Signed Message:\n2é"));
}

TEST(Signature, SignPersonalMatchesEthersByteForByte) {
  const Signature ours = sign_personal(key0(), kMessage).value();
  EXPECT_EQ(ours.to_hex(), kEthersSig);
  EXPECT_EQ(ours, sig(kEthersSig));
  EXPECT_EQ(sign_personal(key0(), "").value().to_hex(), kEthersSigEmpty);
  EXPECT_EQ(key0().sign_digest(keccak256("digest")).value().to_hex(), kEthersDigestSig);
}

TEST(Signature, EthersSignaturesRecoverToTheSigner) {
  EXPECT_EQ(recover_personal(kMessage, sig(kEthersSig)).value(), addr0());
  EXPECT_EQ(recover_personal("", sig(kEthersSigEmpty)).value(), addr0());
  EXPECT_EQ(recover_address(keccak256("digest"), sig(kEthersDigestSig)).value(), addr0());
  EXPECT_TRUE(verify_personal(kMessage, sig(kEthersSig), addr0()));
}

TEST(Signature, OwnSignaturesRecover) {
  const PrivateKey k1 = PrivateKey::parse(kKey1).value();
  for (const std::string& m : {std::string("hello"), std::string("Grüße, 世界"), std::string(1000, 'x'),
                               std::string("\0binary\xff", 8)}) {
    for (const PrivateKey& k : {key0(), k1}) {
      const Signature s = sign_personal(k, m).value();
      EXPECT_TRUE(s.rsv[64] == 27 || s.rsv[64] == 28);
      EXPECT_EQ(recover_personal(m, s).value(), k.address());
      EXPECT_TRUE(verify_personal(m, s, k.address()));
      EXPECT_EQ(sign_personal(k, m).value(), s) << "RFC 6979 signing is deterministic";
    }
  }
}

TEST(Signature, TamperedMessageFailsVerification) {
  const Signature s = sig(kEthersSig);
  auto recovered = recover_personal("Bulwark: claim 43 approved", s);
  ASSERT_TRUE(recovered) << "any message recovers some key";
  EXPECT_NE(*recovered, addr0());
  auto status = verify_personal("Bulwark: claim 43 approved", s, addr0());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message.find(kAddr0), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find(recovered->to_checksum()), std::string::npos)
      << status.error().message;
}

TEST(Signature, TamperedSignatureFailsVerification) {
  for (std::size_t byte : {std::size_t{0}, std::size_t{17}, std::size_t{40}, std::size_t{63}}) {
    Signature s = sig(kEthersSig);
    s.rsv[byte] ^= 0x01;
    auto status = verify_personal(kMessage, s, addr0());
    EXPECT_FALSE(status) << "flipped a bit of byte " << byte;
  }
  Signature wrong_v = sig(kEthersSig);
  wrong_v.rsv[64] = 27;
  EXPECT_FALSE(verify_personal(kMessage, wrong_v, addr0()));
  // Someone else's key.
  EXPECT_FALSE(verify_personal(kMessage, sig(kEthersSig), Address::parse(kAddr1).value()));
}

TEST(Signature, HighSIsRejected) {
  const Signature high = malleate(sig(kEthersSig));
  auto r = recover_personal(kMessage, high);
  ASSERT_FALSE(r) << "recovered " << r->to_checksum();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("high-s"), std::string::npos) << r.error().message;
  // Parsing accepts it (format only); recovery is where EIP-2 is enforced.
  EXPECT_TRUE(Signature::parse(high.to_hex()));
  EXPECT_FALSE(recover_personal("", malleate(sig(kEthersSigEmpty))));
  // s = (n - 1) / 2 is the largest s allowed; one more, and n - 1, are high.
  Signature edge = sig(kEthersSig);
  const auto half = U256::from_hex(kOrder).value().checked_div(U256(2)).value().to_be_bytes();
  std::copy(half.begin(), half.end(), edge.rsv.begin() + 32);
  auto at_half = recover_personal(kMessage, edge);
  ASSERT_TRUE(at_half) << at_half.error().message;
  EXPECT_NE(*at_half, addr0());
  const auto half_plus_one = U256::from_be_bytes(half).checked_add(U256(1)).value().to_be_bytes();
  std::copy(half_plus_one.begin(), half_plus_one.end(), edge.rsv.begin() + 32);
  auto above_half = recover_personal(kMessage, edge);
  ASSERT_FALSE(above_half);
  EXPECT_NE(above_half.error().message.find("high-s"), std::string::npos);
  const auto n_minus_one = U256::from_hex(kOrder).value().checked_sub(U256(1)).value().to_be_bytes();
  std::copy(n_minus_one.begin(), n_minus_one.end(), edge.rsv.begin() + 32);
  EXPECT_FALSE(recover_personal(kMessage, edge));
}

TEST(Signature, ZeroOrOutOfRangeRAndSAreRejected) {
  Signature zero_r = sig(kEthersSig);
  std::fill(zero_r.rsv.begin(), zero_r.rsv.begin() + 32, std::uint8_t{0});
  EXPECT_FALSE(recover_personal(kMessage, zero_r));
  Signature zero_s = sig(kEthersSig);
  std::fill(zero_s.rsv.begin() + 32, zero_s.rsv.begin() + 64, std::uint8_t{0});
  EXPECT_FALSE(recover_personal(kMessage, zero_s));
  Signature big_r = sig(kEthersSig);
  std::fill(big_r.rsv.begin(), big_r.rsv.begin() + 32, std::uint8_t{0xff});
  auto r = recover_personal(kMessage, big_r);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(Signature, VZeroOrOneIsAcceptedAndNormalised) {
  std::string hex = kEthersSig;  // v = 0x1c = 28
  hex.replace(hex.size() - 2, 2, "01");
  const Signature s = Signature::parse(hex).value();
  EXPECT_EQ(s.rsv[64], 28);
  EXPECT_EQ(s.to_hex(), kEthersSig);
  EXPECT_EQ(recover_personal(kMessage, s).value(), addr0());

  std::string hex0 = kEthersSigEmpty;  // v = 0x1b = 27
  hex0.replace(hex0.size() - 2, 2, "00");
  EXPECT_EQ(Signature::parse(hex0).value().rsv[64], 27);
  EXPECT_EQ(recover_personal("", Signature::parse(hex0).value()).value(), addr0());

  // A Signature built by hand with a raw recovery id also recovers.
  Signature raw = sig(kEthersSig);
  raw.rsv[64] = 1;
  EXPECT_EQ(recover_personal(kMessage, raw).value(), addr0());
}

TEST(Signature, BadVIsRejected) {
  for (const char* v : {"02", "1a", "1d", "25", "ff"}) {
    std::string hex = kEthersSig;
    hex.replace(hex.size() - 2, 2, v);
    auto r = Signature::parse(hex);
    ASSERT_FALSE(r) << v;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("v must be 27 or 28"), std::string::npos) << r.error().message;
  }
  Signature s = sig(kEthersSig);
  s.rsv[64] = 29;
  auto r = recover_personal(kMessage, s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("got 29"), std::string::npos) << r.error().message;
}

TEST(Signature, ParseRejectsMalformedHex) {
  const std::string good = kEthersSig;
  EXPECT_TRUE(Signature::parse("0X" + good.substr(2)));
  auto no_prefix = Signature::parse(good.substr(2));
  ASSERT_FALSE(no_prefix);
  EXPECT_NE(no_prefix.error().message.find("expected 0x"), std::string::npos);
  auto short_one = Signature::parse(good.substr(0, 130));
  ASSERT_FALSE(short_one);
  EXPECT_NE(short_one.error().message.find("expected 130 hex digits after 0x, got 128"), std::string::npos)
      << short_one.error().message;
  std::string junk = good;
  junk[10] = 'q';
  EXPECT_FALSE(Signature::parse(junk));
}

TEST(Signature, PrivateKeyParseRejectsInvalidSecretsWithoutEchoingThem) {
  auto zero = PrivateKey::parse(std::string(64, '0'));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(PrivateKey::parse(kOrder));  // n itself is not a valid secret
  EXPECT_FALSE(PrivateKey::parse("0x" + std::string(64, 'f')));
  auto order_minus_one = "0x" + std::string(kOrder).substr(2, 62) + "40";
  EXPECT_TRUE(PrivateKey::parse(order_minus_one));
  auto short_key = PrivateKey::parse(std::string(kKey0).substr(0, 60));
  ASSERT_FALSE(short_key);
  EXPECT_NE(short_key.error().message.find("got 58"), std::string::npos) << short_key.error().message;
  EXPECT_EQ(short_key.error().message.find("ac0974bec39a17e3"), std::string::npos) << "secret leaked";
  std::string junk = kKey0;
  junk[20] = 'z';
  auto bad_char = PrivateKey::parse(junk);
  ASSERT_FALSE(bad_char);
  EXPECT_NE(bad_char.error().message.find("position 20"), std::string::npos) << bad_char.error().message;
  EXPECT_EQ(bad_char.error().message.find("ac0974bec39a17e3"), std::string::npos) << "secret leaked";
  EXPECT_TRUE(PrivateKey::parse(kKey1));  // prefix is optional
  EXPECT_TRUE(PrivateKey::parse("0XAC0974BEC39A17E36BA4A6B4D238FF944BACB478CBED5EFCAE784D7BF4F2FF80"));
}

TEST(Signature, ConcurrentSigningAndRecoveryAgree) {
  const PrivateKey k = key0();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string m = "thread " + std::to_string(t) + " message " + std::to_string(i);
        auto s = sign_personal(k, m);
        if (!s || !verify_personal(m, *s, k.address())) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace bulwark
