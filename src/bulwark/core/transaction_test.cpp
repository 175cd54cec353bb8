#include "bulwark/core/transaction.hpp"

#include <gtest/gtest.h>

#include "bulwark/core/hex.hpp"

namespace bulwark {
namespace {

std::string rlp_hex(void (*f)(std::vector<std::uint8_t>&)) {
  std::vector<std::uint8_t> out;
  f(out);
  return hex_encode(out, false);
}

std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

// The examples of the RLP specification (ethereum.org, "Recursive-length prefix").
TEST(Rlp, SpecificationExamples) {
  EXPECT_EQ(rlp_hex([](auto& o) { rlp::append_bytes(o, bytes_of("dog")); }), "83646f67");
  EXPECT_EQ(rlp_hex([](auto& o) { rlp::append_bytes(o, {}); }), "80");
  EXPECT_EQ(rlp_hex([](auto& o) { rlp::append_list(o, {}); }), "c0");
  EXPECT_EQ(rlp_hex([](auto& o) { rlp::append_uint(o, 0); }), "80");
  EXPECT_EQ(rlp_hex([](auto& o) { rlp::append_uint(o, 15); }), "0f");
  EXPECT_EQ(rlp_hex([](auto& o) { rlp::append_uint(o, 1024); }), "820400");
  EXPECT_EQ(rlp_hex([](auto& o) {
              std::vector<std::uint8_t> items;
              rlp::append_bytes(items, bytes_of("cat"));
              rlp::append_bytes(items, bytes_of("dog"));
              rlp::append_list(o, items);
            }),
            "c88363617483646f67");
  const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  std::vector<std::uint8_t> out;
  rlp::append_bytes(out, bytes_of(lorem));
  ASSERT_EQ(out.size(), lorem.size() + 2);
  EXPECT_EQ(out[0], 0xb8);
  EXPECT_EQ(out[1], 0x38);
  // A single byte below 0x80 is its own encoding; 0x80 itself is not.
  EXPECT_EQ(rlp_hex([](auto& o) { rlp::append_uint(o, 0x7f); }), "7f");
  EXPECT_EQ(rlp_hex([](auto& o) { rlp::append_uint(o, 0x80); }), "8180");
  // A list longer than 55 bytes takes a length of its length.
  std::vector<std::uint8_t> list;
  rlp::append_list(list, std::vector<std::uint8_t>(60, 0x01));
  EXPECT_EQ(list[0], 0xf8);
  EXPECT_EQ(list[1], 60);
}

PrivateKey key(std::string_view hex) {
  auto k = PrivateKey::parse(hex);
  EXPECT_TRUE(k.has_value());
  return *k;
}

// The example of EIP-155 itself: nonce 9, 20 gwei, 21000 gas, 1 ether to 0x3535..., chain 1.
TEST(Transaction, Eip155Example) {
  TxFields tx;
  tx.chain_id = 1;
  tx.nonce = 9;
  tx.max_fee = *U256::from_dec("20000000000");
  tx.gas = 21000;
  tx.to = *Address::parse("0x3535353535353535353535353535353535353535");
  tx.value = *U256::from_dec("1000000000000000000");
  EXPECT_EQ(eip155_signing_hash(tx).to_hex(),
            "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
  auto signed_tx = sign_eip155(key("0x4646464646464646464646464646464646464646464646464646464646464646"), tx);
  ASSERT_TRUE(signed_tx.has_value());
  EXPECT_EQ(
      hex_encode(signed_tx->raw, false),
      "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340b"
      "d939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64"
      "214b297fb1966a3b6d83");
}

constexpr std::string_view kAnvilKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

// Vectors made with ethers v6 (Wallet.signTransaction) for anvil's development key #0.
TEST(Transaction, Eip1559NativeTransfer) {
  TxFields tx;
  tx.chain_id = 31337;
  tx.nonce = 7;
  tx.max_priority_fee = *U256::from_dec("1500000000");
  tx.max_fee = *U256::from_dec("30000000000");
  tx.gas = 21000;
  tx.to = *Address::parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  tx.value = *U256::from_dec("1000000000000000000");
  EXPECT_EQ(eip1559_signing_hash(tx).to_hex(),
            "0x2ddabdbbcd908d7fd6ac4ab1d3bb4d2fd0df7d5f25a7e4991557943a7b23e713");
  auto s = sign_eip1559(key(kAnvilKey0), tx);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(
      hex_encode(s->raw),
      "0x02f875827a69078459682f008506fc23ac008252089470997970c51812dc3a010c7d01b50e0d17dc79c8880de0b6b3a7"
      "64000080c080a0d9e554ed72745068c74a791eeee6eb48d5d4efa8e8cfbe817782648c9ca0dbc0a077a3dea6b0847f0de6bb"
      "f2b5656db1e43ad75cef0d01e8871f3f2e90eafe3c88");
  EXPECT_EQ(s->hash.to_hex(), "0x0c55924db30e780887ff45785eb0934fa7ed94386b6546979df79db65c5c6d33");
  EXPECT_EQ(s->from.to_checksum(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  // Deterministic: signing again gives the same transaction (a re-send is the same transaction).
  EXPECT_EQ(sign_eip1559(key(kAnvilKey0), tx)->raw, s->raw);
}

TEST(Transaction, Eip1559Erc20Transfer) {
  TxFields tx;
  tx.chain_id = 1;
  tx.nonce = 300;
  tx.max_fee = 123456789;
  tx.gas = 65000;
  tx.to = *Address::parse("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
  tx.data = erc20_transfer_data(*Address::parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), 1000000);
  EXPECT_EQ(
      hex_encode(tx.data),
      "0xa9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c80000000000000000000000000000"
      "0000000000000000000000000000000f4240");
  auto s = sign_eip1559(key(kAnvilKey0), tx);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->hash.to_hex(), "0x7552fd280bb274f645150f36b4996ae4d3d0f72719ebd4cdf079884badb23a21");
  EXPECT_EQ(eip1559_signing_hash(tx).to_hex(),
            "0xc52900c2755215166d4c43af76dbd46f2a39580ce13b5fbffac5a99c5f8da6c9");
}

TEST(Transaction, TipAboveFeeCapIsRefused) {
  TxFields tx;
  tx.max_priority_fee = 2;
  tx.max_fee = 1;
  auto s = sign_eip1559(key(kAnvilKey0), tx);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace bulwark
