#include "bulwark/core/u256.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace bulwark {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr const char* kMaxDec =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";
constexpr const char* kMaxHex = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

U256 dec(std::string_view s) {
  auto v = U256::from_dec(s);
  EXPECT_TRUE(v.has_value()) << s << ": " << v.error().message;
  return v.value_or(U256{});
}

U256 hex(std::string_view s) {
  auto v = U256::from_hex(s);
  EXPECT_TRUE(v.has_value()) << s << ": " << v.error().message;
  return v.value_or(U256{});
}

U256 from_u128(u128 v) {
  return U256::from_limbs({static_cast<std::uint64_t>(v), static_cast<std::uint64_t>(v >> 64), 0, 0});
}

U256 pow2(unsigned n) {
  std::array<std::uint64_t, 4> limbs{};
  limbs[n / 64] = std::uint64_t{1} << (n % 64);
  return U256::from_limbs(limbs);
}

TEST(U256, DefaultIsZeroAndSmallValuesConvert) {
  constexpr U256 zero;
  static_assert(zero.is_zero());
  constexpr U256 five = 5;
  static_assert(five.fits_u64() && five.low_u64() == 5);
  EXPECT_EQ(U256{}.to_dec(), "0");
  EXPECT_EQ(U256{}.to_hex(), "0x0");
  EXPECT_FALSE(pow2(64).fits_u64());
  EXPECT_TRUE(U256(~std::uint64_t{0}).fits_u64());
  EXPECT_EQ(pow2(64).low_u64(), 0u);
}

TEST(U256, DecimalRoundTripIncludingMax) {
  EXPECT_EQ(dec(kMaxDec), U256::max());
  EXPECT_EQ(U256::max().to_dec(), kMaxDec);
  for (const char* s :
       {"0", "1", "9", "10", "18446744073709551615", "18446744073709551616", "10000000000000000000",
        "9999999999999999999", "340282366920938463463374607431768211456",
        "1000000000000000000000000000000000000000000000000000000000000000000000000000",
        "115792089237316195423570985008687907853269984665640564039457584007913129639934"}) {
    EXPECT_EQ(dec(s).to_dec(), s);
  }
  EXPECT_EQ(dec("18446744073709551616"), pow2(64));
  EXPECT_EQ(dec("000123"), U256(123));
  EXPECT_EQ(dec(std::string(200, '0') + "7"), U256(7));
  EXPECT_EQ(dec(std::string(100, '0')), U256{});
}

TEST(U256, HexRoundTripIncludingMax) {
  EXPECT_EQ(hex(kMaxHex), U256::max());
  EXPECT_EQ(U256::max().to_hex(), kMaxHex);
  EXPECT_EQ(hex("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"), U256::max());
  EXPECT_EQ(hex("0x0"), U256{});
  EXPECT_EQ(hex("0X00ff"), U256(255));
  EXPECT_EQ(hex("aBc"), U256(0xabc));
  EXPECT_EQ(hex("0x10000000000000000"), pow2(64));
  EXPECT_EQ(pow2(255).to_hex(), "0x8000000000000000000000000000000000000000000000000000000000000000");
  EXPECT_EQ(U256(0xdeadbeef).to_hex(), "0xdeadbeef");
  EXPECT_EQ(hex("0x" + std::string(64, '0')), U256{});
}

TEST(U256, FromDecRejectsMalformedInput) {
  auto empty = U256::from_dec("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);

  auto negative = U256::from_dec("-5");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(negative.error().message.find("negative"), std::string::npos) << negative.error().message;

  for (const char* s : {"+5", " 5", "5 ", "1_000", "12a", "0x12", "1.0", "1e3", "٣"}) {
    auto r = U256::from_dec(s);
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << s;
  }
  auto junk = U256::from_dec("12a");
  EXPECT_NE(junk.error().message.find("'a' at position 2"), std::string::npos) << junk.error().message;
}

TEST(U256, FromDecOverflow) {
  auto one_more =
      U256::from_dec("115792089237316195423570985008687907853269984665640564039457584007913129639936");
  ASSERT_FALSE(one_more);
  EXPECT_EQ(one_more.error().code, ErrorCode::kOverflow);
  auto longer = U256::from_dec(std::string(79, '1'));
  ASSERT_FALSE(longer);
  EXPECT_EQ(longer.error().code, ErrorCode::kOverflow);
  auto way_longer = U256::from_dec(std::string(5000, '9'));
  ASSERT_FALSE(way_longer);
  EXPECT_EQ(way_longer.error().code, ErrorCode::kOverflow);
  EXPECT_LT(way_longer.error().message.size(), 300u) << "long input must be cut short in messages";
}

TEST(U256, FromHexRejectsMalformedInput) {
  for (const char* s : {"", "0x", "0X", "0xg", "0x12 ", "-0x1", "x12"}) {
    auto r = U256::from_hex(s);
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << s;
  }
  auto too_long = U256::from_hex("0x1" + std::string(64, '0'));
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("at most 64 hex digits, got 65"), std::string::npos)
      << too_long.error().message;
}

TEST(U256, ParseDispatchesOnPrefix) {
  EXPECT_EQ(U256::parse("0x10").value(), U256(16));
  EXPECT_EQ(U256::parse("0X10").value(), U256(16));
  EXPECT_EQ(U256::parse("10").value(), U256(10));
  EXPECT_FALSE(U256::parse("ff"));
  EXPECT_EQ(U256::parse(kMaxHex).value(), U256::parse(kMaxDec).value());
}

TEST(U256, BigEndianBytes) {
  const U256 v = hex("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  const auto bytes = v.to_be_bytes();
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(bytes[i], i + 1);
  EXPECT_EQ(U256::from_be_bytes(bytes), v);
  const std::vector<std::uint8_t> short_input = {0x01, 0x00};
  EXPECT_EQ(U256::from_be_bytes(short_input), U256(256));
  EXPECT_EQ(U256::from_be_bytes({}), U256{});
  std::vector<std::uint8_t> long_input(40, 0xee);
  std::copy(bytes.begin(), bytes.end(), long_input.begin() + 8);
  EXPECT_EQ(U256::from_be_bytes(long_input), v) << "only the last 32 bytes count";
  EXPECT_EQ(U256(1).to_be_bytes()[31], 1);
  EXPECT_EQ(U256(1).to_be_bytes()[0], 0);
}

TEST(U256, Pow10AndBitLength) {
  EXPECT_EQ(U256::pow10(0).value(), U256(1));
  EXPECT_EQ(U256::pow10(18).value(), U256(1'000'000'000'000'000'000ULL));
  EXPECT_EQ(U256::pow10(77).value().to_dec(), "1" + std::string(77, '0'));
  auto too_big = U256::pow10(78);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kOverflow);
  EXPECT_EQ(U256{}.bit_length(), 0u);
  EXPECT_EQ(U256(1).bit_length(), 1u);
  EXPECT_EQ(pow2(64).bit_length(), 65u);
  EXPECT_EQ(U256::max().bit_length(), 256u);
}

TEST(U256, AddOverflowsAtTheTop) {
  auto over = U256::max().checked_add(U256(1));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kOverflow);
  EXPECT_FALSE(U256::max().checked_add(U256::max()));
  EXPECT_FALSE(pow2(255).checked_add(pow2(255)));
  EXPECT_EQ(U256::max().checked_add(U256{}).value(), U256::max());
  EXPECT_EQ(dec("115792089237316195423570985008687907853269984665640564039457584007913129639934")
                .checked_add(U256(1))
                .value(),
            U256::max());
  // Carries ripple through every limb.
  EXPECT_EQ(hex("0xffffffffffffffffffffffffffffffffffffffffffffffff").checked_add(U256(1)).value(),
            pow2(192));
}

TEST(U256, SubBelowZeroFails) {
  auto under = U256{}.checked_sub(U256(1));
  ASSERT_FALSE(under);
  EXPECT_EQ(under.error().code, ErrorCode::kOverflow);
  EXPECT_NE(under.error().message.find("would go below zero"), std::string::npos) << under.error().message;
  EXPECT_FALSE(pow2(128).checked_sub(pow2(192)));
  EXPECT_EQ(pow2(192).checked_sub(U256(1)).value(),
            hex("0xffffffffffffffffffffffffffffffffffffffffffffffff"));
  EXPECT_EQ(U256::max().checked_sub(U256::max()).value(), U256{});
}

TEST(U256, MulOverflowsAtTheTop) {
  auto over = pow2(128).checked_mul(pow2(128));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kOverflow);
  EXPECT_FALSE(U256::max().checked_mul(U256(2)));
  EXPECT_FALSE(pow2(255).checked_mul(U256(2)));
  EXPECT_EQ(pow2(127).checked_mul(pow2(128)).value(), pow2(255));
  EXPECT_EQ(U256::max().checked_mul(U256(1)).value(), U256::max());
  EXPECT_EQ(U256::max().checked_mul(U256{}).value(), U256{});
  EXPECT_EQ(dec("340282366920938463463374607431768211455")
                .checked_mul(dec("340282366920938463463374607431768211457"))
                .value(),
            U256::max());  // (2^128-1)(2^128+1)
}

TEST(U256, DivisionByZeroIsInvalidArgument) {
  auto div = U256(7).checked_div(U256{});
  ASSERT_FALSE(div);
  EXPECT_EQ(div.error().code, ErrorCode::kInvalidArgument);
  auto mod = U256::max().checked_mod(U256{});
  ASSERT_FALSE(mod);
  EXPECT_EQ(mod.error().code, ErrorCode::kInvalidArgument);
  auto md = U256::mul_div(U256(1), U256(2), U256{}, Rounding::kDown);
  ASSERT_FALSE(md);
  EXPECT_EQ(md.error().code, ErrorCode::kInvalidArgument);
}

TEST(U256, MulDivExactWithIntermediateAbove2To256) {
  EXPECT_EQ(U256::mul_div(U256::max(), U256::max(), U256::max(), Rounding::kDown).value(), U256::max());
  EXPECT_EQ(U256::mul_div(U256::max(), U256::max(), U256::max(), Rounding::kUp).value(), U256::max());
  EXPECT_EQ(U256::mul_div(U256::max(), U256(2), U256(2), Rounding::kUp).value(), U256::max());
  EXPECT_EQ(U256::mul_div(pow2(200), pow2(200), pow2(150), Rounding::kDown).value(), pow2(250));
  // 1e30 * 1e60 / 1e36 = 1e54: the product (1e90) needs 299 bits.
  EXPECT_EQ(U256::mul_div(U256::pow10(30).value(), U256::pow10(60).value(), U256::pow10(36).value(),
                          Rounding::kDown)
                .value(),
            U256::pow10(54).value());
}

TEST(U256, MulDivRounding) {
  EXPECT_EQ(U256::mul_div(U256(10), U256(1), U256(3), Rounding::kDown).value(), U256(3));
  EXPECT_EQ(U256::mul_div(U256(10), U256(1), U256(3), Rounding::kUp).value(), U256(4));
  EXPECT_EQ(U256::mul_div(U256(9), U256(1), U256(3), Rounding::kUp).value(), U256(3));
  EXPECT_EQ(U256::mul_div(U256{}, U256(5), U256(3), Rounding::kUp).value(), U256{});
  // Same, above 128 bits: (2^255 + 1) * 3 / 6 = 2^254 + 0.5.
  const U256 a = pow2(255).checked_add(U256(1)).value();
  EXPECT_EQ(U256::mul_div(a, U256(3), U256(6), Rounding::kDown).value(), pow2(254));
  EXPECT_EQ(U256::mul_div(a, U256(3), U256(6), Rounding::kUp).value(),
            pow2(254).checked_add(U256(1)).value());
  EXPECT_EQ(U256::mul_div(U256(1), U256(1), U256::max(), Rounding::kUp).value(), U256(1));
  EXPECT_EQ(U256::mul_div(U256(1), U256(1), U256::max(), Rounding::kDown).value(), U256{});
  // U256::Rounding names the same enum.
  EXPECT_EQ(U256::mul_div(U256(7), U256(1), U256(2), U256::Rounding::kUp).value(), U256(4));
}

TEST(U256, MulDivOverflow) {
  auto over = U256::mul_div(U256::max(), U256(2), U256(1), Rounding::kDown);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kOverflow);
  EXPECT_FALSE(U256::mul_div(pow2(128), pow2(128), U256(1), Rounding::kDown));
  EXPECT_FALSE(
      U256::mul_div(U256::max(), U256::max(), U256::max().checked_sub(U256(1)).value(), Rounding::kDown));
  // floor(a*b/d) is exactly max but the division leaves a remainder: rounding up overflows.
  const U256 a = hex("0xdb6db6db6db6db6db6db6db6db6db6db6db6db6db6db6db6db6db6db6db6db6d");
  EXPECT_EQ(U256::mul_div(a, U256(7), U256(6), Rounding::kDown).value(), U256::max());
  auto up = U256::mul_div(a, U256(7), U256(6), Rounding::kUp);
  ASSERT_FALSE(up);
  EXPECT_EQ(up.error().code, ErrorCode::kOverflow);
}

TEST(U256, Comparisons) {
  EXPECT_LT(U256(1), U256(2));
  EXPECT_LT(U256(~std::uint64_t{0}), pow2(64));
  EXPECT_GT(pow2(192), hex("0xffffffffffffffffffffffffffffffffffffffffffffffff"));
  EXPECT_LT(hex("0x1ffffffffffffffff"), hex("0x20000000000000000"));
  EXPECT_LT(hex("0x10000000000000000ffffffffffffffff"), hex("0x200000000000000000000000000000000"));
  EXPECT_GT(hex("0x10000000000000000ffffffffffffffff"), hex("0xffffffffffffffffffffffffffffffff"));
  EXPECT_EQ(dec("18446744073709551616"), pow2(64));
  EXPECT_NE(pow2(64), pow2(128));
  EXPECT_LE(U256::max(), U256::max());
  EXPECT_GE(U256::max(), pow2(255));
  EXPECT_TRUE(U256(5) == 5u);
  EXPECT_TRUE(pow2(64) > 5u);
  static_assert(U256(3) < U256(4));
  static_assert((U256::max() <=> U256(0)) == std::strong_ordering::greater);
  std::vector<U256> v = {pow2(200), U256(3), U256::max(), pow2(64), U256{}, U256(~std::uint64_t{0})};
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v,
            (std::vector<U256>{U256{}, U256(3), U256(~std::uint64_t{0}), pow2(64), pow2(200), U256::max()}));
}

TEST(U256, StreamAndHash) {
  std::ostringstream os;
  os << U256::max();
  EXPECT_EQ(os.str(), kMaxDec);
  std::unordered_set<U256> set = {U256(1), pow2(64), pow2(128), pow2(192), U256(1)};
  EXPECT_EQ(set.size(), 4u);
  EXPECT_TRUE(set.contains(pow2(128)));
  EXPECT_FALSE(set.contains(U256(2)));
}

TEST(U256, RandomizedAgainstInt128BelowTwoTo64) {
  std::mt19937_64 rng(0xB01A7);
  const std::uint64_t edges[] = {0,
                                 1,
                                 2,
                                 3,
                                 10,
                                 0xffffffffULL,
                                 0x100000000ULL,
                                 ~std::uint64_t{0},
                                 ~std::uint64_t{0} - 1,
                                 std::uint64_t{1} << 63};
  auto pick = [&](int i) -> std::uint64_t {
    switch (i % 4) {
      case 0: return edges[rng() % std::size(edges)];
      case 1: return rng() >> (rng() % 64);
      default: return rng();
    }
  };
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t x = pick(i);
    const std::uint64_t y = pick(i / 4);
    const std::uint64_t z = pick(i / 16);
    const U256 a(x);
    const U256 b(y);
    const U256 d(z);
    EXPECT_EQ(a.checked_add(b).value(), from_u128(static_cast<u128>(x) + y));
    EXPECT_EQ(a.checked_mul(b).value(), from_u128(static_cast<u128>(x) * y));
    auto diff = a.checked_sub(b);
    if (x >= y) {
      EXPECT_EQ(diff.value(), U256(x - y));
    } else {
      EXPECT_FALSE(diff);
    }
    if (z == 0) {
      EXPECT_FALSE(a.checked_div(d));
      EXPECT_FALSE(U256::mul_div(a, b, d, Rounding::kDown));
      continue;
    }
    EXPECT_EQ(a.checked_div(d).value(), U256(x / z));
    EXPECT_EQ(a.checked_mod(d).value(), U256(x % z));
    const u128 p = static_cast<u128>(x) * y;
    const u128 floor = p / z;
    const u128 ceil = floor + (p % z != 0 ? 1 : 0);
    EXPECT_EQ(U256::mul_div(a, b, d, Rounding::kDown).value(), from_u128(floor));
    EXPECT_EQ(U256::mul_div(a, b, d, Rounding::kUp).value(), from_u128(ceil));
    // The 128-bit operands are taken through the general (512-bit) path too: scale by 2^128.
    const U256 a_big = a.checked_mul(pow2(128)).value();
    const U256 d_big = d.checked_mul(pow2(128)).value();
    EXPECT_EQ(U256::mul_div(a_big, b, d_big, Rounding::kDown).value(), from_u128(floor));
    EXPECT_EQ(U256::mul_div(a_big, b, d_big, Rounding::kUp).value(), from_u128(ceil));
    EXPECT_EQ(a_big.checked_div(d_big).value(), U256(x / z));
  }
}

TEST(U256, RandomizedDivisionIdentity) {
  // q*d + r == a and r < d for 256-bit operands of every size, through the Knuth division.
  std::mt19937_64 rng(42);
  auto random_value = [&] {
    std::array<std::uint64_t, 4> limbs{rng(), rng(), rng(), rng()};
    const unsigned bits = 1 + static_cast<unsigned>(rng() % 256);
    for (unsigned i = 0; i < 4; ++i) {
      if (64 * i >= bits) {
        limbs[i] = 0;
      } else if (64 * (i + 1) > bits) {
        limbs[i] &= (std::uint64_t{1} << (bits - 64 * i)) - 1;
      }
    }
    if (rng() % 4 == 0) limbs[rng() % 4] = ~std::uint64_t{0};  // long runs of ones
    return U256::from_limbs(limbs);
  };
  for (int i = 0; i < 5000; ++i) {
    const U256 a = random_value();
    const U256 d = random_value();
    if (d.is_zero()) continue;
    const U256 q = a.checked_div(d).value();
    const U256 r = a.checked_mod(d).value();
    EXPECT_LT(r, d);
    EXPECT_EQ(q.checked_mul(d).value().checked_add(r).value(), a) << a << " / " << d;
    EXPECT_EQ(U256::mul_div(a, U256(1), d, Rounding::kDown).value(), q);
    EXPECT_EQ(U256::mul_div(a, U256(1), d, Rounding::kUp).value(),
              r.is_zero() ? q : q.checked_add(U256(1)).value());
  }
}

/// Independently computed with Python's integers (see the row comment for the columns).
struct Vector {
  const char* a;
  const char* b;
  const char* d;
  const char* product;
  const char* quotient;
  const char* remainder;
  const char* floor;
  const char* ceil;
};

/// The first two rows make Knuth's algorithm D overestimate a quotient digit and take the
/// rare add-back step (checked by instrumenting the division once).
constexpr Vector kVectors[] = {
    {"0x7fffffffffffffff800000000000000000000000000000000000000000000000", "0x1",
     "0x800000000000000000000000000000000000000000000001",
     "0x7fffffffffffffff800000000000000000000000000000000000000000000000", "0xfffffffffffffffe",
     "0x7fffffffffffffffffffffffffffffff0000000000000002", "0xfffffffffffffffe", "0xffffffffffffffff"},
    {"0x8000000000000000000000000000000000000000000000000000000000000000", "0xffffffffffffffff",
     "0x800000000000000000000000000000000000000000000001", "", "0xffffffffffffffff",
     "0x7fffffffffffffffffffffffffffffff0000000000000001", "0xfffffffffffffffeffffffffffffffff",
     "0xffffffffffffffff0000000000000000"},
    {"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe", "", "0x1", "0x1", "", ""},
    {"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "", "0x1", "0x0",
     "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
    {"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0x1",
     "0x100000000000000000000000000000001",
     "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0xffffffffffffffffffffffffffffffff", "0x0", "0xffffffffffffffffffffffffffffffff",
     "0xffffffffffffffffffffffffffffffff"},
    {"0x8000000000000000000000000000000000000000000000000000000000000000",
     "0x8000000000000000000000000000000000000000000000000000000000000000",
     "0x4000000000000000000000000000000000000000000000000000000000000003", "", "0x1",
     "0x3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd",
     "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff4",
     "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff5"},
    {"0xffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x6082c084826f652bafcaba920f0ac5c57b39e4dbda513bd2d38de7c3bec5519",
     "0x98d00ba6b51d8b61ea81606d70db71c4a6d5169ee2c532cf", "", "0x1",
     "0x672ff4594ae2749e157e9f928f248e3b592ae9611d3acd30",
     "0xa1ae13bdd1017cf3d30481f0f0ee6b0a7491b1997ce04f3eb6d56f25624cae8",
     "0xa1ae13bdd1017cf3d30481f0f0ee6b0a7491b1997ce04f3eb6d56f25624cae9"},
    {"0x4e9ac62aa1b018a7", "0x22d5189bb4d343a84b68f1c71dba5858", "0x1837a0c109c3572d8d8a33341189c32bf",
     "0xab1fca6dcc19770964b700dc65816bc708d93c9f157e168", "0x0", "0x4e9ac62aa1b018a7", "0x710f244e5ab4e55",
     "0x710f244e5ab4e56"},
    {"0x51fc914b999753ea56fca68d353e81ce74592c37f7525481775fdcc1ade2c9db",
     "0x13ddf5687b4ae07d487e15dc4738be54072ce2b9581ba40bb", "0x9c0109457924d5d6", "",
     "0x8689e2458284b02c37929cae69eeddf8fc2d7a740e548878", "0x4153f71574ccdd8b", "", ""},
    {"0xb9dbe79ceb56d9160effb82f3660c08c2c0cf0e7f31f3257b05dee562bfc05a", "0x0", "0x10", "0x0",
     "0xb9dbe79ceb56d9160effb82f3660c08c2c0cf0e7f31f3257b05dee562bfc05", "0xa", "0x0", "0x0"},
    {"0xe7e56d537bafa7fc", "0xc42416dda1204208daa0e46bb15779ced056c66c37316c0088cea9fee945a791",
     "0x5e8e4418be873bab0c7450763c375d474032fe3bfee1ca68", "", "0x0", "0xe7e56d537bafa7fc",
     "0x1e1083c561bfc60bfc281a3171dbcb6ad", "0x1e1083c561bfc60bfc281a3171dbcb6ae"},
    {"0x67ee10799b43380af1de1d008d1af78861e2412c3741f3ae", "0x20c2335a78fa89d5", "0xf530d78640c58b8c",
     "0xd4c9950d7a762cac7c0db2957e768ba4c638463e5ea6d59dfcd1929cd33ddc6",
     "0x6c82fd731d0c7c1175d3f022d9348c66", "0x98ee92405bcbc9e6",
     "0xde2b0b6e6b0355fc1b894e92cf985035ade91a3defa62be",
     "0xde2b0b6e6b0355fc1b894e92cf985035ade91a3defa62bf"},
    {"0xffffffffffffffff", "0xffffffffffffffff",
     "0x62d8d255cb1bb61960448e56b134aa70ff0ec4a8df91e44a7ee9d805131dad12",
     "0xfffffffffffffffe0000000000000001", "0x0", "0xffffffffffffffff", "0x0", "0x1"},
    {"0x973f83deb892e89ac98b708c43c12b59204c1bfd485a61c204c711fe703b43bf", "0x0",
     "0x3fffffffffffffffffffffffffffffff", "0x0", "0x25cfe0f7ae24ba26b262dc2310f04ad6d",
     "0x3d4a2b782aa6042d2af4d42f7f3ff12c", "0x0", "0x0"},
    {"0x2bd02a34390cd117", "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x748616c500b736912e66c8972214e09c45cbee010622d292", "", "0x0", "0x2bd02a34390cd117",
     "0x3020d31127c0928c418b2a2f344487bb", "0x3020d31127c0928c418b2a2f344487bc"},
    {"0x7fffffffffffffff", "0x3fffffffffffffff", "0xc87f217e82396a7", "0x1fffffffffffffff4000000000000001",
     "0xa", "0x2b08b10ee9c1d79", "0x28dbc9c07f678f751", "0x28dbc9c07f678f752"},
    {"0xa268ae9318ab4fd0", "0xffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x2d391aeefa945f20397334accb9d7a58213dbadc75088a2f",
     "0xa268ae9318ab4fcfffffffffffffffffffffffffffffffff5d97516ce754b030", "0x0", "0xa268ae9318ab4fd0",
     "0x3975e70c2510ef06b", "0x3975e70c2510ef06c"},
    {"0x0", "0xfdb11d28a9a34063", "0x1423279e6233fc5c99657ec10737bc2c6", "0x0", "0x0", "0x0", "0x0", "0x0"},
    {"0x777af89689167314b4f05a285bf05b2561bc5602a2547e826a5246ede2048a4d",
     "0x67ccb7cc25eabd18efb5f6b89c1e1189",
     "0x3fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "", "0x1",
     "0x377af89689167314b4f05a285bf05b2561bc5602a2547e826a5246ede2048a4e",
     "0xc1c8172b62053aeeef347d31474832a4", "0xc1c8172b62053aeeef347d31474832a5"},
    {"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x1ffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x78e5d26c91ac3fe42e65be59d22c6c0a2a54a294f3d9c815b8fe74b812b5bc84", "", "0x2",
     "0xe345b26dca78037a334834c5ba727ebab56bad6184c6fd48e03168fda9486f7",
     "0x43c27e8de386426a44340166f93311d1b2f72afc418dcc31e",
     "0x43c27e8de386426a44340166f93311d1b2f72afc418dcc31f"},
    {"0x3fffffffffffffffffffffffffffffffffffffffffffffff",
     "0x5df1eec9b2bf3b64dd33d7019a79d52930b5ccc4d2cc8ad1",
     "0x4094c9921a6b0179848fbb646f6232f6179bd6421a95a7dd", "", "0x0",
     "0x3fffffffffffffffffffffffffffffffffffffffffffffff",
     "0x5d197e9c4f0ea86ca716623da84dd27ae87b142510668a2f",
     "0x5d197e9c4f0ea86ca716623da84dd27ae87b142510668a30"},
    {"0x3646901c07ee601e", "0x3fffffffffffffff",
     "0x28a2d9e0719ad0e06cf250c88707f6a53f69265ca33d850960874b564c29d23a",
     "0xd91a40701fb980749b96fe3f8119fe2", "0x0", "0x3646901c07ee601e", "0x0", "0x1"},
    {"0x7fffffffffffffffffffffffffffffffffffffffffffffff", "0x4bfee19dc5652f67804b72867bc237f1",
     "0xc969c88779d12ad59bd160b94b18f49", "", "0xa2b0bf21a87089189", "0xae11ebe762b4d94b5edcd0ee189f8ee",
     "0x304bc2be1b923571facedb1b86532ce0373848851b72e1d4c",
     "0x304bc2be1b923571facedb1b86532ce0373848851b72e1d4d"},
    {"0x7f", "0x7fffffffffffffff", "0x9e", "0x3f7fffffffffffff81", "0x0", "0x7f", "0x66e2d5df984dc5aa",
     "0x66e2d5df984dc5ab"},
    {"0x5247058a6a39dabae9af693ca083224ef3966e3c2c2e439dab889bec38122462",
     "0xa9125acce3a65bf7b7a1a6e747419e5958a84feedcf1443",
     "0x3fffffffffffffffffffffffffffffffffffffffffffffff", "", "0x1491c1629a8e76aeb",
     "0x29af693ca083224ef3966e3c2c2e439ef4a4b215e0f98f4d",
     "0xd95b23565644ba87cb7ac7cf02392441003b2785033629391ec9577f5362145",
     "0xd95b23565644ba87cb7ac7cf02392441003b2785033629391ec9577f5362146"},
    {"0x3fffffffffffffffffffffffffffffff", "0x44", "0xffffffffffffffff",
     "0x10ffffffffffffffffffffffffffffffbc", "0x4000000000000000", "0x3fffffffffffffff",
     "0x110000000000000010", "0x110000000000000011"},
    {"0x1ffffffffffffffffffffffffffffffff", "0xffffffffffffffffffffffffffffffff",
     "0x1aca53f807d3f0b209cefe8d48fe06ebe", "", "0x1", "0x535ac07f82c0f4df6310172b701f9141",
     "0x131c8252c728f510e3c92f1d6de2d15a6", "0x131c8252c728f510e3c92f1d6de2d15a7"},
    {"0xfc96c7b35a7aefbb5c63276c5a4529c", "0x7fffffffffffffffffffffffffffffffffffffffffffffff",
     "0x3fffffffffffffffffffffffffffffff", "", "0x0", "0xfc96c7b35a7aefbb5c63276c5a4529c",
     "0x1f92d8f66b4f5df76b8c64ed8b48a5387e4b63d9ad3d77dd",
     "0x1f92d8f66b4f5df76b8c64ed8b48a5387e4b63d9ad3d77de"},
    {"0x3fffffffffffffffffffffffffffffffffffffffffffffff", "0xf3", "0xffffffffffffffffffffffffffffffff",
     "0x3cbfffffffffffffffffffffffffffffffffffffffffffff0d", "0x4000000000000000", "0x3fffffffffffffff",
     "0x3cc000000000000000", "0x3cc000000000000001"},
    {"0x5e22d3af7e31ec94", "0xd38659fc8ea99cb654455181fe75da2016b0162a19c52be6",
     "0x7fffffffffffffffffffffffffffffff",
     "0x4dc81bcb6d3547c8c174b05adf2adcd20a46e5cf58385e67d27d2eab457b68f8", "0x0", "0x5e22d3af7e31ec94",
     "0x9b903796da6a8f9182e960b5be55b9a5", "0x9b903796da6a8f9182e960b5be55b9a6"},
    {"0xa5", "0x138c1b3eec77e7bb", "0x6538a57d020e9e75f59184de276291ffbb486ee8165f1602",
     "0xc994d8f8e69485b87", "0x0", "0xa5", "0x0", "0x1"},
    {"0x129cce46eca92be3ab051cb2500fe4403", "0x1ffffffffffffffff",
     "0x72fdd1d09e0af3456dc7a6134649c3a55b8e9f209241f5434235b409d4769638",
     "0x25399c8dd95257c7436d6b1db3769c9cb4fae34daff01bbfd", "0x0", "0x129cce46eca92be3ab051cb2500fe4403",
     "0x0", "0x1"},
    {"0x167897de28715608f4b8505e464ed6e", "0xf78b385f08cec61d73031d09d7159159", "0x55",
     "0x15ba92f487642f03291b27fe95551c2c78e2a255750a3071ca1e3f66d97d93e", "0x43ad750f88dcdef9d800f20cdfcc5",
     "0x5", "0x41712a079dca5760dc2da5a16160b53aa54d343493b24398f7521044d14a0",
     "0x41712a079dca5760dc2da5a16160b53aa54d343493b24398f7521044d14a1"},
    {"0x598e875ec760e01f5d53dd220d3bb91ff962e112524bda0",
     "0x5a87a8a98a4bdc888635cdea79c617654c0812e2a8dae915", "0x770257e932d49d43da435404a10837dc", "",
     "0xc0a524692a38d3a", "0x6904d7e3ee4e3a692b89a214196fe9c8",
     "0x442024cf2149677c058ee99875eec6c0662c906ebb6e2d3e9418af7b1186747",
     "0x442024cf2149677c058ee99875eec6c0662c906ebb6e2d3e9418af7b1186748"},
    {"0xffffffffffffffff", "0x4f5a8fe457d4a96c", "0x13ee7bc5b32c116a61d9dde19d6f52725",
     "0x4f5a8fe457d4a96bb0a5701ba82b5694", "0x0", "0xffffffffffffffff", "0x0", "0x1"},
    {"0xe9", "0x1ffffffffffffffff", "0x26acc3d5b8c233f3", "0x1d1ffffffffffffff17", "0x0", "0xe9", "0xc0c",
     "0xc0d"},
    {"0x3fffffffffffffffffffffffffffffff", "0x183f972c71e0af55d902e6a7135caae72",
     "0x1efd8bed775b6231d46faaf010043659",
     "0x60fe5cb1c782bd57640b9a9c4d72ab9afc068d38e1f50aa26fd1958eca35518e", "0x2",
     "0x204e82511493b9c5720aa1fdff7934d", "0x3213a2498190ca5c0d59f54425ff59e57",
     "0x3213a2498190ca5c0d59f54425ff59e58"},
    {"0x1", "0x233b12dec5320b5d09b1f2c9975d24dc", "0x211f5396b3f86db11e17a8d14292960c2f1e5771c4041ccf",
     "0x233b12dec5320b5d09b1f2c9975d24dc", "0x0", "0x1", "0x0", "0x1"},
    {"0xffffffffffffffff", "0x7f429d43bad0b09ad35261621c18fdee300c3ed2064c56cf",
     "0x9a93b2982b82c614156efc8ab04451e592639ff8a46fb5743b258878d4f39a4c",
     "0x7f429d43bad0b09a540fc41e61484d535cb9dd6fea3358e0cff3c12df9b3a931", "0x0", "0xffffffffffffffff", "0x0",
     "0x1"},
    {"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0xa541016bcf532da8",
     "0x1eb539e9a751a2f69", "", "0x8562c437c2adf54e975bb0d89599decdea7a06d3b8625e54", "0x1a54c0ead57cde38b",
     "0x561a874951b4fbd096fab7458993eeb0550a29d7a321006bd486faec4a5d41bd",
     "0x561a874951b4fbd096fab7458993eeb0550a29d7a321006bd486faec4a5d41be"},
    {"0x1ffffffffffffffff", "0xbfcfe4aab8c0041ff78776613bcb7155", "0x7cc54dc2464231c8e7cfdc0547d73140",
     "0x17f9fc9557180083f2f3f0817bed6de8a0878899ec4348eab", "0x0", "0x1ffffffffffffffff",
     "0x3131b25e8d76239c9", "0x3131b25e8d76239ca"},
    {"0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x12eb4fc4941d8d5d6cff272bdc42f30c4bdd0f6837c03caf1", "0x2849c6c0eaa9f54a", "",
     "0x32d57115849f38ff02bf1e7fe77a979d62e814e124c55fd43", "0x189229243488aba1", "", ""},
    {"0x190fe66239c972254f6ceb77334d7de665d8c51aead7834cb03802a176cd94c6",
     "0x1195feba88eb603f5b1b6d37bdaea4b1967a349082f4336c", "0x1c3b5696e1912d838e0ba0afdd9bf7145", "",
     "0xe3420bd5aa4e3b61846e335c2695687", "0xb9a79321e5cda7848658e9f8937eab63", "", ""},
    {"0x713cbc8973ade1ea82628e02ebdb21dc27ff942447fa42548fc876a40d71baad",
     "0xc61553c3600d4113d528273733f0b649", "0x1924d05242c9ae0b9", "",
     "0x480eaeea95b492cfcc7d303fac9c7d4e3c165093877eeb39", "0xfe87a1acc89dde7c", "", ""},
    {"0x4fb05e5d8fb2e443e503babb7cfbb5ebdb11605ff90dbff71ff10734def78437", "0x62b98fce90c08d6f",
     "0x3d13e83981e47897", "", "0x14e01a8f1428124b68e34836d3ca2099c22b38df38d8d5499", "0xc25aa0afaee5f8",
     "0x80cebd7fe15f5e7938ea0a57bef248569e1088d09c24dbe5f71a0ba292d43d43",
     "0x80cebd7fe15f5e7938ea0a57bef248569e1088d09c24dbe5f71a0ba292d43d44"},
    {"0x1d75c9d2cb78276e7", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x50fd5c0173815e0649ceb6c53b4304f30d49b725b414a9f6", "", "0x0", "0x1d75c9d2cb78276e7",
     "0x5d1ecfb2f9034ca5fb47053a7de7aa7e1", "0x5d1ecfb2f9034ca5fb47053a7de7aa7e2"},
    {"0xf4caa314940588a1068db1424005308a77020e631e0beb22", "0xffffffffffffffff",
     "0x576cfa7e0e8484c9f51634281f8976ffa8a69cfbf1fcf2a0",
     "0xf4caa314940588a011c30e2dabffa7e970745d20de06ba9788fdf19ce1f414de", "0x2",
     "0x45f0ae1876fc7f0d1c6148f200f2428b25b4d46b3a1205e2", "0x2cccc7fcb099c26cf", "0x2cccc7fcb099c26d0"},
    {"0x23", "0x32d77540714a89bb464e813d77e1bd98d76eca15cc861abc",
     "0x7fffffffffffffffffffffffffffffffffffffffffffffff",
     "0x6f37507cf7d30d49a9cbbab6763dcebe57425a0faf655a7b4", "0x0", "0x23", "0xd", "0xe"},
    {"0x1d19aa5cc081786b15f3a3ad17ccaabc6f91e6d9696764dcebffd23eab2ccc48",
     "0x80a8b6ce9ec54e88bb224d9e8df086e3c6c5de993dfa7d8", "0xea5f87d56f40b1d", "",
     "0x1fc915be838557d641c1babd45bdfba71131ed007f09b47df", "0xdff4bf952f31305", "", ""},
    {"0xffffffffffffffffffffffffffffffff", "0xffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x8e8e344ae27a92a", "", "0x1cbb9063e27c666988", "0x248e94377cfe7af", "", ""},
    {"0x1ffffffffffffffffffffffffffffffffffffffffffffffff", "0x60",
     "0xbc872e1e989a455f449a4acbe582e219d0824fb161cb12c",
     "0xbfffffffffffffffffffffffffffffffffffffffffffffffa0", "0x2b",
     "0x554b40dc5e1658ff7a156fc0730405a9fa1c9d3492e3d9b", "0x104b", "0x104c"},
    {"0x7fffffffffffffffffffffffffffffff", "0x1ffffffffffffffff", "0x7fffffffffffffff",
     "0xffffffffffffffff7ffffffffffffffe0000000000000001", "0x10000000000000002", "0x1",
     "0x200000000000000030000000000000002", "0x200000000000000030000000000000003"},
    {"0x0", "0x458383a2bab0e0b54d3ac7947a16f0aa",
     "0x4dcd9ec3b5adba846fed5a3bcbe3a5c9a149d89acefd3fb31506732aedc170c3", "0x0", "0x0", "0x0", "0x0", "0x0"},
    {"0xec108b75c46c9f47d6f92b20ad0a40e66cc5ea119585d1f3", "0xaf0f27a27b91dd9d",
     "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0xa16d48da06d6696debc94e23d48c997f73ec6f672a3c770c0326984ee4f38907", "0x0",
     "0xec108b75c46c9f47d6f92b20ad0a40e66cc5ea119585d1f3", "0x1", "0x2"},
    {"0x7f", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0xe7227aae6439bbbe", "",
     "0x0", "0x7f", "0x8ca99e8bf45c19dbc70112772aeb7eb671dae202233d872fe7",
     "0x8ca99e8bf45c19dbc70112772aeb7eb671dae202233d872fe8"},
    {"0x421cc9a5f5a4c8b0eb988421f70b5d04c345e54a4c9ba6d98219f6d943335174",
     "0x376a4f638d32192ed39bee807c19d60e2282be23e3841da188579d51fe8cc66b", "0x1", "",
     "0x421cc9a5f5a4c8b0eb988421f70b5d04c345e54a4c9ba6d98219f6d943335174", "0x0", "", ""},
    {"0x1ffffffffffffffff", "0x7f", "0x3f517ef19d4400d3d334a22d27b95d2841fc0485ca0392ad71cf49a508781681",
     "0xfdffffffffffffff81", "0x0", "0x1ffffffffffffffff", "0x0", "0x1"},
    {"0x7f", "0x7fffffffffffffffffffffffffffffffffffffffffffffff", "0x75f9bfdeebd5787e",
     "0x3f7fffffffffffffffffffffffffffffffffffffffffffff81", "0x0", "0x7f",
     "0x89ca8d9758c0d5949a1711cac166e12dc7", "0x89ca8d9758c0d5949a1711cac166e12dc8"},
    {"0x50637f10a5e552a2431be3ad2730f47d", "0xffffffffffffffffffffffffffffffff", "0x1d1f575c032531f4",
     "0x50637f10a5e552a2431be3ad2730f47caf9c80ef5a1aad5dbce41c52d8cf0b83", "0x2c2a792ca77f3a5ba",
     "0x53843bd0e5c6535", "0x2c2a792ca77f3a5ba2de266f8877494cf7baf78d64f5b2d49",
     "0x2c2a792ca77f3a5ba2de266f8877494cf7baf78d64f5b2d4a"},
    {"0xedb695409190fc2c", "0x1", "0x2fabb44a839d510871df3210490c4fb6e25e873970d1d43c9a3cf89660d7da64",
     "0xedb695409190fc2c", "0x0", "0xedb695409190fc2c", "0x0", "0x1"},
};

TEST(U256, VectorsFromPython) {
  // Columns: a, b, d, a*b, a/d, a%d, floor(a*b/d), ceil(a*b/d); "" means overflow.
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(std::string(v.a) + " " + v.b + " " + v.d);
    const U256 a = hex(v.a);
    const U256 b = hex(v.b);
    const U256 d = hex(v.d);
    auto product = a.checked_mul(b);
    if (*v.product == '\0') {
      ASSERT_FALSE(product);
      EXPECT_EQ(product.error().code, ErrorCode::kOverflow);
    } else {
      EXPECT_EQ(product.value(), hex(v.product));
    }
    EXPECT_EQ(a.checked_div(d).value(), hex(v.quotient));
    EXPECT_EQ(a.checked_mod(d).value(), hex(v.remainder));
    auto floor = U256::mul_div(a, b, d, Rounding::kDown);
    auto ceil = U256::mul_div(a, b, d, Rounding::kUp);
    if (*v.floor == '\0') {
      EXPECT_FALSE(floor);
    } else {
      EXPECT_EQ(floor.value(), hex(v.floor));
    }
    if (*v.ceil == '\0') {
      ASSERT_FALSE(ceil);
      EXPECT_EQ(ceil.error().code, ErrorCode::kOverflow);
    } else {
      EXPECT_EQ(ceil.value(), hex(v.ceil));
    }
    EXPECT_EQ(hex(v.a).to_hex(), U256::from_dec(a.to_dec()).value().to_hex());
  }
}

}  // namespace
}  // namespace bulwark
