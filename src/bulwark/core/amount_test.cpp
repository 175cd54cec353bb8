#include "bulwark/core/amount.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bulwark {
namespace {

constexpr const char* kUsdcAddress = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";

Asset usdc() {
  return Asset{1, Address::parse(kUsdcAddress).value(), "USDC", 6};
}

Asset eth() {
  return Asset{1, std::nullopt, "ETH", 18};
}

U256 units(std::string_view s, std::uint8_t decimals) {
  auto r = parse_units(s, decimals);
  EXPECT_TRUE(r) << s << ": " << r.error().message;
  return r.value_or(U256{});
}

/// Expects parse_units to fail with `code` and a message containing `fragment`.
void expect_rejected(std::string_view s, std::uint8_t decimals, ErrorCode code, std::string_view fragment) {
  auto r = parse_units(s, decimals);
  ASSERT_FALSE(r) << "\"" << s << "\" was accepted as " << *r;
  EXPECT_EQ(r.error().code, code) << s;
  EXPECT_NE(r.error().message.find(fragment), std::string::npos)
      << "\"" << s << "\": message \"" << r.error().message << "\" lacks \"" << fragment << "\"";
}

TEST(Amount, ParseUnitsIsExact) {
  EXPECT_EQ(units("1.5", 6), U256(1'500'000));
  EXPECT_EQ(units("1", 6), U256(1'000'000));
  EXPECT_EQ(units("0", 6), U256{});
  EXPECT_EQ(units("0.0", 6), U256{});
  EXPECT_EQ(units("000.000001", 6), U256(1));
  EXPECT_EQ(units("0.000001", 6), U256(1));
  EXPECT_EQ(units("1.123456", 6), U256(1'123'456));
  EXPECT_EQ(units("42", 0), U256(42));
  // 0.1 has no exact binary floating-point form, but is exact here.
  EXPECT_EQ(units("0.1", 18), U256(100'000'000'000'000'000ULL));
  EXPECT_EQ(units("123456789.123456789123456789", 18).to_dec(), "123456789123456789123456789");
  // The largest amount: every raw unit of a uint256.
  EXPECT_EQ(units("115792089237316195423570985008687907853269984665640564039457.584007913129639935", 18),
            U256::max());
  EXPECT_EQ(units("0", 200), U256{});
}

TEST(Amount, FormatUnitsIsExactAndTrimsZeros) {
  EXPECT_EQ(format_units(U256(1'500'000), 6), "1.5");
  EXPECT_EQ(format_units(U256(2'000'000), 6), "2");
  EXPECT_EQ(format_units(U256{}, 6), "0");
  EXPECT_EQ(format_units(U256{}, 0), "0");
  EXPECT_EQ(format_units(U256(1), 18), "0.000000000000000001");
  EXPECT_EQ(format_units(U256(1'000'100), 6), "1.0001");
  EXPECT_EQ(format_units(U256(123), 0), "123");
  EXPECT_EQ(format_units(U256(10), 1), "1");
  EXPECT_EQ(format_units(U256::max(), 18),
            "115792089237316195423570985008687907853269984665640564039457.584007913129639935");
  EXPECT_EQ(format_units(U256(5), 255), "0." + std::string(254, '0') + "5");
}

TEST(Amount, RoundTrips) {
  for (const char* s : {"0", "1", "1.5", "0.000001", "999999.999999", "1000000", "12.34"}) {
    EXPECT_EQ(format_units(units(s, 6), 6), s);
  }
  for (const U256& raw :
       {U256{}, U256(1), U256(1'000'000'000'000'000'000ULL), U256(123'456'789), U256::max()}) {
    for (std::uint8_t d : {std::uint8_t{0}, std::uint8_t{6}, std::uint8_t{18}, std::uint8_t{77}}) {
      EXPECT_EQ(units(format_units(raw, d), d), raw) << raw << " with " << int{d} << " decimals";
    }
  }
}

TEST(Amount, ParseUnitsRejections) {
  expect_rejected("", 6, ErrorCode::kInvalidArgument, "empty");
  expect_rejected("-1", 6, ErrorCode::kInvalidArgument, "amount must not be negative");
  expect_rejected("-0.5", 6, ErrorCode::kInvalidArgument, "amount must not be negative");
  expect_rejected("+1", 6, ErrorCode::kInvalidArgument, "'+'");
  expect_rejected("1.1234567", 6, ErrorCode::kInvalidArgument, "1.1234567 has more than 6 decimal places");
  expect_rejected("1.5", 0, ErrorCode::kInvalidArgument, "has more than 0 decimal places");
  expect_rejected(".5", 6, ErrorCode::kInvalidArgument, "leading '.'");
  expect_rejected("5.", 6, ErrorCode::kInvalidArgument, "trailing '.'");
  expect_rejected(".", 6, ErrorCode::kInvalidArgument, "leading '.'");
  expect_rejected("1e18", 18, ErrorCode::kInvalidArgument, "exponent notation");
  expect_rejected("1.5E-3", 18, ErrorCode::kInvalidArgument, "exponent notation");
  expect_rejected("1.2.3", 6, ErrorCode::kInvalidArgument, "more than one '.'");
  expect_rejected("abc", 6, ErrorCode::kInvalidArgument, "position 0");
  expect_rejected("one", 6, ErrorCode::kInvalidArgument, "position 0");
  expect_rejected("1,000", 6, ErrorCode::kInvalidArgument, "',' at position 1");
  expect_rejected(" 1", 6, ErrorCode::kInvalidArgument, "position 0");
  expect_rejected("1 ", 6, ErrorCode::kInvalidArgument, "position 1");
  expect_rejected("0x10", 6, ErrorCode::kInvalidArgument, "'x' at position 1");
  expect_rejected("1_000", 6, ErrorCode::kInvalidArgument, "position 1");
  expect_rejected("115792089237316195423570985008687907853269984665640564039457.584007913129639936", 18,
                  ErrorCode::kOverflow, "exceeds");
  expect_rejected("1", 78, ErrorCode::kOverflow, "exceeds");
  expect_rejected(std::string(100, '9'), 0, ErrorCode::kOverflow, "exceeds");
}

TEST(Amount, AssetKeys) {
  EXPECT_EQ(eth().key(), "1:native");
  EXPECT_EQ(usdc().key(), "1:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
  const Asset arb_usdc{42161, Address::parse("0xaf88d065e77c8cC2239327C5EDb3A432268e5831").value(), "USDC",
                       6};
  EXPECT_EQ(arb_usdc.key(), "42161:0xaf88d065e77c8cc2239327c5edb3a432268e5831");

  for (const Asset& a : {eth(), usdc(), arb_usdc}) {
    auto back = Asset::parse_key(a.key(), a.symbol, a.decimals);
    ASSERT_TRUE(back) << a.key() << ": " << back.error().message;
    EXPECT_EQ(*back, a);
  }
  // Checksummed addresses are accepted and normalised.
  EXPECT_EQ(Asset::parse_key(std::string("1:") + kUsdcAddress, "USDC", 6).value(), usdc());

  for (const char* bad : {"", "native", "1", "1:", "1:NATIVE", "x:native", "-1:native", "01:native",
                          "18446744073709551616:native", "1:0x1234", " 1:native"}) {
    auto r = Asset::parse_key(bad, "X", 18);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  auto bad_checksum = Asset::parse_key("1:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB49", "USDC", 6);
  ASSERT_FALSE(bad_checksum);
  EXPECT_NE(bad_checksum.error().message.find("bad EIP-55 checksum"), std::string::npos);
}

TEST(Amount, SameAsIgnoresDisplayData) {
  Asset renamed = usdc();
  renamed.symbol = "USDC.e";
  EXPECT_TRUE(renamed.same_as(usdc()));
  EXPECT_FALSE(renamed == usdc());
  Asset other_chain = usdc();
  other_chain.chain_id = 10;
  EXPECT_FALSE(other_chain.same_as(usdc()));
  EXPECT_FALSE(eth().same_as(usdc()));
  Asset polygon_native{137, std::nullopt, "POL", 18};
  EXPECT_FALSE(polygon_native.same_as(eth()));
}

TEST(Amount, ArithmeticAndDisplay) {
  const Amount a{usdc(), U256(1'500'000)};
  const Amount b{usdc(), U256(250'000)};
  EXPECT_EQ(a.to_string(), "1.5 USDC");
  EXPECT_EQ(a.checked_add(b).value(), (Amount{usdc(), U256(1'750'000)}));
  EXPECT_EQ(a.checked_sub(b).value().to_string(), "1.25 USDC");
  auto below = b.checked_sub(a);
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().code, ErrorCode::kOverflow);
  EXPECT_NE(below.error().message.find("would go below zero"), std::string::npos) << below.error().message;
  auto over = Amount{usdc(), U256::max()}.checked_add(Amount{usdc(), U256(1)});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kOverflow);
  EXPECT_EQ((Amount{Asset{5, std::nullopt, "", 18}, U256(1'000'000'000'000'000'000ULL)}).to_string(),
            "1 5:native");
}

TEST(Amount, AssetMismatchIsRejected) {
  const Amount dollars{usdc(), U256(1'000'000)};
  const Amount ether{eth(), U256(1)};
  for (auto r : {dollars.checked_add(ether), dollars.checked_sub(ether)}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message.rfind("asset mismatch: ", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find("ETH (1:native)"), std::string::npos) << r.error().message;
  }
  // Same key but disagreeing decimals would silently mis-scale: also a mismatch.
  Asset wrong_decimals = usdc();
  wrong_decimals.decimals = 18;
  auto r = dollars.checked_add(Amount{wrong_decimals, U256(1)});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("decimals"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace bulwark
