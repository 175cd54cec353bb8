#include "bulwark/core/address.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <unordered_set>

namespace bulwark {
namespace {

// From the EIP-55 specification.
constexpr const char* kMixedCase[] = {
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
};
// Also from the spec: addresses whose checksum form is all caps or all lowercase.
constexpr const char* kSingleCase[] = {
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper_digits(std::string s) {
  for (std::size_t i = 2; i < s.size(); ++i)
    s[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
  return s;
}

TEST(Address, Eip55ExamplesRoundTrip) {
  for (const char* s : kMixedCase) {
    auto a = Address::parse(s);
    ASSERT_TRUE(a) << s << ": " << a.error().message;
    EXPECT_EQ(a->to_checksum(), s);
    EXPECT_EQ(a->to_lower_hex(), lower(s));
    // The same address written in one case is accepted and checksums the same.
    EXPECT_EQ(Address::parse(lower(s)).value(), *a);
    EXPECT_EQ(Address::parse(upper_digits(s)).value(), *a);
    EXPECT_EQ(Address::parse(lower(s)).value().to_checksum(), s);
  }
  for (const char* s : kSingleCase) {
    auto a = Address::parse(s);
    ASSERT_TRUE(a) << s << ": " << a.error().message;
    EXPECT_EQ(a->to_checksum(), s);
    EXPECT_EQ(Address::parse(lower(s)).value().to_checksum(), s);
  }
}

TEST(Address, FlippingOneLettersCaseBreaksTheChecksum) {
  for (const char* s : kMixedCase) {
    const std::string good = s;
    int flipped = 0;
    for (std::size_t i = 2; i < good.size(); ++i) {
      if (!std::isalpha(static_cast<unsigned char>(good[i]))) continue;
      std::string bad = good;
      bad[i] = static_cast<char>(std::isupper(static_cast<unsigned char>(bad[i])) ? std::tolower(bad[i])
                                                                                  : std::toupper(bad[i]));
      auto r = Address::parse(bad);
      ASSERT_FALSE(r) << bad;
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      EXPECT_NE(r.error().message.find("bad EIP-55 checksum"), std::string::npos) << r.error().message;
      ++flipped;
    }
    EXPECT_GT(flipped, 0);
  }
  // A single-case checksum address with one letter flipped becomes mixed case, and wrong.
  std::string caps = kSingleCase[0];
  caps[caps.find('E')] = 'e';
  EXPECT_FALSE(Address::parse(caps));
}

TEST(Address, RejectsMalformedInput) {
  auto short_one = Address::parse("0x12");
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(short_one.error().message.find("expected 40 hex digits after 0x, got 2"), std::string::npos)
      << short_one.error().message;
  auto no_prefix = Address::parse("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  ASSERT_FALSE(no_prefix);
  EXPECT_NE(no_prefix.error().message.find("expected 0x"), std::string::npos) << no_prefix.error().message;
  auto junk = Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg");
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().message.find("position 41"), std::string::npos) << junk.error().message;
  EXPECT_FALSE(Address::parse(""));
  EXPECT_FALSE(Address::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00"));
  EXPECT_FALSE(Address::parse(" 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
}

TEST(Address, ZeroBytesAndOrdering) {
  Address zero;
  EXPECT_TRUE(zero.is_zero());
  EXPECT_EQ(zero.to_lower_hex(), "0x0000000000000000000000000000000000000000");
  EXPECT_EQ(Address::parse("0x0000000000000000000000000000000000000000").value(), zero);
  std::array<std::uint8_t, 20> raw{};
  raw[19] = 1;
  const Address one = Address::from_bytes(raw);
  EXPECT_FALSE(one.is_zero());
  EXPECT_EQ(one.bytes(), raw);
  EXPECT_EQ(one.to_lower_hex(), "0x0000000000000000000000000000000000000001");
  EXPECT_LT(zero, one);
  std::unordered_set<Address> set = {zero, one, one};
  EXPECT_EQ(set.size(), 2u);
}

TEST(Address, ComparisonsAgreeWithTheBytesCompareEverywhere) {
  // ==, < and <=> work a word at a time: a difference in any one byte, in either direction, must order
  // the two addresses (and hashes) as comparing the bytes one by one does.
  for (std::size_t i = 0; i < 20; ++i)
    for (const std::uint8_t v :
         {std::uint8_t{1}, std::uint8_t{0x7f}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
      std::array<std::uint8_t, 20> lo{}, hi{};
      lo.fill(0x55);
      hi.fill(0x55);
      lo[i] = static_cast<std::uint8_t>(v - 1);
      hi[i] = v;
      const Address a = Address::from_bytes(lo), b = Address::from_bytes(hi);
      EXPECT_LT(a, b) << i;
      EXPECT_GT(b, a) << i;
      EXPECT_NE(a, b) << i;
      EXPECT_EQ(a, Address::from_bytes(lo)) << i;
      EXPECT_EQ(a <=> b, lo <=> hi) << i;
      EXPECT_FALSE(b.is_zero());
    }
  for (std::size_t i = 0; i < 32; ++i) {
    Hash32 a, b;
    a.bytes.fill(0xa0);
    b.bytes.fill(0xa0);
    b.bytes[i] = 0xa1;
    EXPECT_LT(a, b) << i;
    EXPECT_NE(a, b) << i;
    EXPECT_EQ((a <=> b), (a.bytes <=> b.bytes)) << i;
    b.bytes[i] = 0xa0;
    EXPECT_EQ(a, b) << i;
  }
}

TEST(Hash32, ParseAndFormat) {
  const std::string h = "0xC5D2460186F7233C927E7DB2DCC703C0E500B653CA82273B7BFAD8045D85A470";
  auto parsed = Hash32::parse(h);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->to_hex(), lower(h));
  EXPECT_EQ(parsed->bytes[0], 0xc5);
  EXPECT_EQ(parsed->bytes[31], 0x70);
  EXPECT_FALSE(parsed->is_zero());
  EXPECT_TRUE(Hash32{}.is_zero());
  EXPECT_EQ(Hash32{}.to_hex(), "0x" + std::string(64, '0'));

  auto wrong_length = Hash32::parse("0x1234");
  ASSERT_FALSE(wrong_length);
  EXPECT_NE(wrong_length.error().message.find("expected 64 hex digits after 0x, got 4"), std::string::npos)
      << wrong_length.error().message;
  EXPECT_FALSE(Hash32::parse(lower(h).substr(2)));  // prefix required
  EXPECT_FALSE(Hash32::parse("0x" + std::string(63, '0') + "g"));
  std::unordered_set<Hash32> set = {*parsed, Hash32{}, *parsed};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_LT(Hash32{}, *parsed);
}

}  // namespace
}  // namespace bulwark
