#include "bulwark/core/hex.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bulwark {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Hex, DecodesWithOrWithoutPrefixInAnyCase) {
  EXPECT_EQ(hex_decode("0x00ff10Ab").value(), (Bytes{0x00, 0xff, 0x10, 0xab}));
  EXPECT_EQ(hex_decode("0X00FF10AB").value(), (Bytes{0x00, 0xff, 0x10, 0xab}));
  EXPECT_EQ(hex_decode("deadBEEF").value(), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_TRUE(hex_decode("").value().empty());
  EXPECT_TRUE(hex_decode("0x").value().empty());
}

TEST(Hex, RejectsOddLength) {
  auto r = hex_decode("0xabc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("even number of hex digits, got 3"), std::string::npos)
      << r.error().message;
}

TEST(Hex, RejectsNonHexCharactersNamingThePosition) {
  auto r = hex_decode("0x12zz");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("'z' at position 4"), std::string::npos) << r.error().message;
  EXPECT_FALSE(hex_decode("0x 1"));
  EXPECT_FALSE(hex_decode("1 "));
  EXPECT_FALSE(hex_decode("0x0x"));
  EXPECT_FALSE(hex_decode(std::string("0\0", 2)));
  auto nonprint = hex_decode(std::string("a\x01", 2));
  ASSERT_FALSE(nonprint);
  EXPECT_NE(nonprint.error().message.find("\\x01"), std::string::npos) << nonprint.error().message;
}

TEST(Hex, EncodesLowercase) {
  const Bytes b = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(hex_encode(b), "0x0001abff");
  EXPECT_EQ(hex_encode(b, false), "0001abff");
  EXPECT_EQ(hex_encode({}), "0x");
  EXPECT_EQ(hex_encode({}, false), "");
}

TEST(Hex, RoundTripsEveryByte) {
  Bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(hex_decode(hex_encode(all)).value(), all);
  EXPECT_EQ(hex_decode(hex_encode(all, false)).value(), all);
}

TEST(Hex, PrefixHelpers) {
  EXPECT_TRUE(has_hex_prefix("0x"));
  EXPECT_TRUE(has_hex_prefix("0X1"));
  EXPECT_FALSE(has_hex_prefix("0"));
  EXPECT_FALSE(has_hex_prefix("x0"));
  EXPECT_EQ(strip_hex_prefix("0xab"), "ab");
  EXPECT_EQ(strip_hex_prefix("ab"), "ab");
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
}

TEST(Hex, PrintableExcerptEscapesAndTruncates) {
  EXPECT_EQ(printable_excerpt("abc"), "abc");
  EXPECT_EQ(printable_excerpt(std::string("a\nb", 3)), "a\\x0ab");
  EXPECT_EQ(printable_excerpt(std::string(100, 'x'), 5), "xxxxx...(100 chars)");
}

}  // namespace
}  // namespace bulwark
