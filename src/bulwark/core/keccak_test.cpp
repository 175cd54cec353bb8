#include "bulwark/core/keccak.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bulwark {
namespace {

TEST(Keccak, EmptyInput) {
  EXPECT_EQ(keccak256(std::string_view{}).to_hex(),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(keccak256(std::span<const std::uint8_t>{}).to_hex(),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

TEST(Keccak, Erc20TransferEventTopic) {
  EXPECT_EQ(keccak256("Transfer(address,address,uint256)").to_hex(),
            "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
}

TEST(Keccak, IsNotNistSha3) {
  // SHA3-256("") is a7ffc6f8...; Ethereum's Keccak-256 uses the original padding.
  EXPECT_NE(keccak256("").to_hex(), "0xa7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
}

TEST(Keccak, MultiBlockInputMatchesEthers) {
  // 200 bytes (rate is 136 bytes, so two blocks): byte i = (7i + 3) mod 256.
  // Expected value from ethers v6: ethers.keccak256(Uint8Array of those bytes).
  std::vector<std::uint8_t> data(200);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>((i * 7 + 3) & 0xff);
  EXPECT_EQ(keccak256(data).to_hex(), "0x66d2cdf3ab4c5bd3c75add9b60b14ac5b7789534fa2da3f348853b847359a3a0");
}

TEST(Keccak, ExactlyOneRateBlockMatchesEthers) {
  // 136 x 'a': the padding goes into a block of its own. Expected value from ethers v6.
  EXPECT_EQ(keccak256(std::string(136, 'a')).to_hex(),
            "0xa6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e");
}

TEST(Keccak, StringAndByteOverloadsAgree) {
  const std::string text = "bulwark";
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  EXPECT_EQ(keccak256(text), keccak256(bytes));
  EXPECT_NE(keccak256("bulwark"), keccak256("Bulwark"));
}

}  // namespace
}  // namespace bulwark
