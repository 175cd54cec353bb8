#include "bulwark/core/u256.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <ostream>

#include "bulwark/core/hex.hpp"

namespace bulwark {

namespace {

__extension__ typedef unsigned __int128 u128;

using Limbs = std::array<std::uint64_t, 4>;

constexpr std::uint64_t kTen19 = 10'000'000'000'000'000'000ULL;  // largest power of 10 in a limb
constexpr int kTen19Digits = 19;

/// The number of limbs up to and including the most significant non-zero one.
int significant_limbs(const std::uint64_t* x, int n) {
  while (n > 0 && x[n - 1] == 0) --n;
  return n;
}

bool fits_u128(const Limbs& l) {
  return (l[2] | l[3]) == 0;
}
u128 to_u128(const Limbs& l) {
  return (static_cast<u128>(l[1]) << 64) | l[0];
}
U256 from_u128(u128 v) {
  return U256::from_limbs({static_cast<std::uint64_t>(v), static_cast<std::uint64_t>(v >> 64), 0, 0});
}

/// (hi * 2^64 + lo) / d with the remainder in `rem`. Requires hi < d, so the quotient fits in
/// 64 bits. One DIV instruction on x86-64 instead of a call to the generic 128-bit division.
inline std::uint64_t div_128_by_64(std::uint64_t hi, std::uint64_t lo, std::uint64_t d, std::uint64_t& rem) {
#if defined(__x86_64__)
  std::uint64_t q = 0;
  __asm__("divq %[d]" : "=a"(q), "=d"(rem) : [d] "r"(d), "a"(lo), "d"(hi) : "cc");
  return q;
#else
  const u128 n = (static_cast<u128>(hi) << 64) | lo;
  rem = static_cast<std::uint64_t>(n % d);
  return static_cast<std::uint64_t>(n / d);
#endif
}

/// out[0..8) = a * b (the full 512-bit product).
void mul_full(const Limbs& a, const Limbs& b, std::uint64_t out[8]) {
  std::fill(out, out + 8, std::uint64_t{0});
  const int na = significant_limbs(a.data(), 4);
  const int nb = significant_limbs(b.data(), 4);
  for (int i = 0; i < na; ++i) {
    std::uint64_t carry = 0;
    for (int j = 0; j < nb; ++j) {
      // (2^64-1)^2 + 2*(2^64-1) = 2^128 - 1: no overflow.
      const u128 t = static_cast<u128>(a[i]) * b[j] + out[i + j] + carry;
      out[i + j] = static_cast<std::uint64_t>(t);
      carry = static_cast<std::uint64_t>(t >> 64);
    }
    out[i + nb] = carry;
  }
}

/// Long division of u (m limbs) by v (n limbs, v[n-1] != 0, n <= 4, m <= 8).
/// Writes the quotient to q[0..max(m-n+1,0)) and the remainder to r[0..n).
/// Knuth, TAOCP vol. 2, 4.3.1, Algorithm D, with 64-bit digits.
void divmod_limbs(const std::uint64_t* u, int m, const std::uint64_t* v, int n, std::uint64_t* q,
                  std::uint64_t* r) {
  if (m < n) {
    std::copy(u, u + m, r);
    std::fill(r + m, r + n, std::uint64_t{0});
    return;
  }
  if (n == 1) {
    std::uint64_t rem = 0;
    for (int i = m - 1; i >= 0; --i) q[i] = div_128_by_64(rem, u[i], v[0], rem);  // rem < v[0]
    r[0] = rem;
    return;
  }
  // D1: normalise so the divisor's top bit is set.
  const int s = std::countl_zero(v[n - 1]);
  std::uint64_t vn[4] = {};
  std::uint64_t un[9] = {};
  for (int i = n - 1; i > 0; --i) {
    vn[i] = s == 0 ? v[i] : (v[i] << s) | (v[i - 1] >> (64 - s));
  }
  vn[0] = v[0] << s;
  un[m] = s == 0 ? 0 : u[m - 1] >> (64 - s);
  for (int i = m - 1; i > 0; --i) {
    un[i] = s == 0 ? u[i] : (u[i] << s) | (u[i - 1] >> (64 - s));
  }
  un[0] = u[0] << s;

  constexpr u128 kBase = static_cast<u128>(1) << 64;
  for (int j = m - n; j >= 0; --j) {
    // D3: estimate the quotient digit from the top two digits, then refine with the third.
    u128 qhat;
    u128 rhat;
    if (un[j + n] < vn[n - 1]) {
      std::uint64_t r64 = 0;
      qhat = div_128_by_64(un[j + n], un[j + n - 1], vn[n - 1], r64);
      rhat = r64;
    } else {  // the estimate is at least 2^64: use full 128-bit arithmetic
      const u128 num = (static_cast<u128>(un[j + n]) << 64) | un[j + n - 1];
      qhat = num / vn[n - 1];
      rhat = num % vn[n - 1];
    }
    while (qhat >= kBase || qhat * vn[n - 2] > ((rhat << 64) | un[j + n - 2])) {
      --qhat;
      rhat += vn[n - 1];
      if (rhat >= kBase) break;
    }
    // D4: multiply and subtract.
    const auto qd = static_cast<std::uint64_t>(qhat);
    std::uint64_t mul_carry = 0;
    std::uint64_t borrow = 0;
    for (int i = 0; i < n; ++i) {
      const u128 p = static_cast<u128>(qd) * vn[i] + mul_carry;
      mul_carry = static_cast<std::uint64_t>(p >> 64);
      const auto plo = static_cast<std::uint64_t>(p);
      const std::uint64_t t = un[i + j] - plo;
      const std::uint64_t b1 = un[i + j] < plo ? 1 : 0;
      un[i + j] = t - borrow;
      borrow = b1 + (t < borrow ? 1 : 0);
    }
    const std::uint64_t top = un[j + n];
    const std::uint64_t t = top - mul_carry;
    const bool negative = top < mul_carry || t < borrow;
    un[j + n] = t - borrow;
    q[j] = qd;
    // D6: the estimate was one too large (rare); add the divisor back.
    if (negative) {
      q[j] = qd - 1;
      std::uint64_t carry = 0;
      for (int i = 0; i < n; ++i) {
        const u128 sum = static_cast<u128>(un[i + j]) + vn[i] + carry;
        un[i + j] = static_cast<std::uint64_t>(sum);
        carry = static_cast<std::uint64_t>(sum >> 64);
      }
      un[j + n] += carry;
    }
  }
  // D8: unnormalise the remainder.
  for (int i = 0; i < n; ++i) {
    r[i] = s == 0 ? un[i] : (un[i] >> s) | (un[i + 1] << (64 - s));
  }
}

/// quotient and remainder of a / d for d != 0.
void divmod(const U256& a, const U256& d, U256& quotient, U256& remainder) {
  const Limbs& al = a.limbs();
  const Limbs& dl = d.limbs();
  if (fits_u128(al) && fits_u128(dl)) {
    const u128 x = to_u128(al);
    const u128 y = to_u128(dl);
    quotient = from_u128(x / y);
    remainder = from_u128(x % y);
    return;
  }
  std::uint64_t q[4] = {};
  std::uint64_t r[4] = {};
  const int m = significant_limbs(al.data(), 4);
  const int n = significant_limbs(dl.data(), 4);
  divmod_limbs(al.data(), m, dl.data(), n, q, r);
  quotient = U256::from_limbs({q[0], q[1], q[2], q[3]});
  remainder = U256::from_limbs({r[0], r[1], r[2], r[3]});
}

/// x = x * mul + add over the four limbs; returns the carry out of the top limb.
std::uint64_t mul_add_small(Limbs& x, std::uint64_t mul, std::uint64_t add) {
  std::uint64_t carry = add;
  for (auto& limb : x) {
    const u128 t = static_cast<u128>(limb) * mul + carry;
    limb = static_cast<std::uint64_t>(t);
    carry = static_cast<std::uint64_t>(t >> 64);
  }
  return carry;
}

std::uint64_t pow10_u64(int n) {
  std::uint64_t p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

std::string describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  return "a non-printable byte";
}

}  // namespace

Result<U256> U256::from_dec(std::string_view s) {
  if (s.empty()) {
    return fail(ErrorCode::kInvalidArgument, "expected a decimal number, got an empty string");
  }
  if (s[0] == '-') {
    return fail(ErrorCode::kInvalidArgument,
                "number " + printable_excerpt(s) + ": negative values are not allowed");
  }
  if (s[0] == '+') {
    return fail(ErrorCode::kInvalidArgument,
                "number " + printable_excerpt(s) + ": write it without a '+' sign");
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return fail(ErrorCode::kInvalidArgument, "number " + printable_excerpt(s) + ": " + describe_char(s[i]) +
                                                   " at position " + std::to_string(i) +
                                                   " is not a decimal digit");
    }
  }
  // Skip leading zeros so that long zero-padded input costs nothing extra.
  std::size_t start = s.find_first_not_of('0');
  if (start == std::string_view::npos) return U256{};
  const std::string_view digits = s.substr(start);
  if (digits.size() > 78) {
    return fail(ErrorCode::kOverflow,
                "number " + printable_excerpt(s) + " is larger than 2^256-1 (the largest uint256)");
  }
  Limbs limbs{};
  std::size_t pos = 0;
  // A first chunk of (size mod 19) digits, then whole 19-digit chunks.
  std::size_t chunk = digits.size() % kTen19Digits;
  if (chunk == 0) chunk = kTen19Digits;
  while (pos < digits.size()) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < chunk; ++i)
      value = value * 10 + static_cast<std::uint64_t>(digits[pos + i] - '0');
    if (mul_add_small(limbs, pow10_u64(static_cast<int>(chunk)), value) != 0) {
      return fail(ErrorCode::kOverflow,
                  "number " + printable_excerpt(s) + " is larger than 2^256-1 (the largest uint256)");
    }
    pos += chunk;
    chunk = kTen19Digits;
  }
  return from_limbs(limbs);
}

Result<U256> U256::from_hex(std::string_view s) {
  const std::string_view digits = strip_hex_prefix(s);
  if (digits.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "hex number " + printable_excerpt(s) + ": expected at least one hex digit");
  }
  if (digits.size() > 64) {
    return fail(ErrorCode::kInvalidArgument, "hex number " + printable_excerpt(s) +
                                                 ": expected at most 64 hex digits, got " +
                                                 std::to_string(digits.size()));
  }
  Limbs limbs{};
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const int d = hex_digit_value(digits[i]);
    if (d < 0) {
      return fail(ErrorCode::kInvalidArgument,
                  "hex number " + printable_excerpt(s) + ": " + describe_char(digits[i]) + " at position " +
                      std::to_string(i + (s.size() - digits.size())) + " is not a hex digit (0-9, a-f)");
    }
    const std::size_t nibble = digits.size() - 1 - i;  // position counted from the right
    limbs[nibble / 16] |= static_cast<std::uint64_t>(d) << (4 * (nibble % 16));
  }
  return from_limbs(limbs);
}

Result<U256> U256::parse(std::string_view s) {
  return has_hex_prefix(s) ? from_hex(s) : from_dec(s);
}

U256 U256::from_be_bytes(std::span<const std::uint8_t> b) {
  if (b.size() > 32) b = b.subspan(b.size() - 32);
  Limbs limbs{};
  for (std::size_t i = 0; i < b.size(); ++i) {
    const std::size_t byte_from_right = b.size() - 1 - i;
    limbs[byte_from_right / 8] |= static_cast<std::uint64_t>(b[i]) << (8 * (byte_from_right % 8));
  }
  return from_limbs(limbs);
}

Result<U256> U256::pow10(unsigned exponent) {
  if (exponent > 77) {
    return fail(ErrorCode::kOverflow,
                "10^" + std::to_string(exponent) + " is larger than 2^256-1 (the largest uint256)");
  }
  Limbs limbs{1, 0, 0, 0};
  unsigned left = exponent;
  while (left > 0) {
    const unsigned step = left > 19 ? 19 : left;
    mul_add_small(limbs, pow10_u64(static_cast<int>(step)), 0);
    left -= step;
  }
  return from_limbs(limbs);
}

std::string U256::to_dec() const {
  if (fits_u64()) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, limbs_[0]);
    return std::string(buf, res.ptr);
  }
  // Peel off 19 decimal digits at a time, least significant first.
  std::uint64_t chunks[5] = {};
  int count = 0;
  std::uint64_t x[4] = {limbs_[0], limbs_[1], limbs_[2], limbs_[3]};
  int n = significant_limbs(x, 4);
  while (n > 0) {
    std::uint64_t rem = 0;
    for (int i = n - 1; i >= 0; --i) x[i] = div_128_by_64(rem, x[i], kTen19, rem);  // rem < 10^19
    chunks[count++] = rem;
    n = significant_limbs(x, n);
  }
  std::string out;
  out.reserve(static_cast<std::size_t>(count) * kTen19Digits);
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, chunks[count - 1]);
  out.append(buf, res.ptr);
  for (int i = count - 2; i >= 0; --i) {
    res = std::to_chars(buf, buf + sizeof buf, chunks[i]);
    const auto len = static_cast<std::size_t>(res.ptr - buf);
    out.append(kTen19Digits - len, '0');
    out.append(buf, len);
  }
  return out;
}

std::string U256::to_hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  bool started = false;
  for (int nibble = 63; nibble >= 0; --nibble) {
    const auto d = static_cast<unsigned>((limbs_[nibble / 16] >> (4 * (nibble % 16))) & 0xf);
    if (d != 0) started = true;
    if (started) out += kDigits[d];
  }
  if (!started) out += '0';
  return out;
}

std::array<std::uint8_t, 32> U256::to_be_bytes() const {
  // A limb at a time, most significant first, each stored big-endian.
  std::array<std::uint8_t, 32> out;
  for (std::size_t k = 0; k < 4; ++k) {
    std::uint64_t limb = limbs_[3 - k];
    if constexpr (std::endian::native == std::endian::little) limb = std::byteswap(limb);
    std::memcpy(out.data() + 8 * k, &limb, 8);
  }
  return out;
}

unsigned U256::bit_length() const {
  for (int i = 3; i >= 0; --i) {
    if (limbs_[i] != 0) return static_cast<unsigned>(64 * i + (64 - std::countl_zero(limbs_[i])));
  }
  return 0;
}

namespace {

// Error paths are kept out of line so the arithmetic fast paths stay small.
[[gnu::cold, gnu::noinline]] Result<U256> add_overflow(const U256& a, const U256& b) {
  return fail(ErrorCode::kOverflow,
              "addition overflows uint256: " + a.to_dec() + " + " + b.to_dec() + " exceeds 2^256-1");
}

[[gnu::cold, gnu::noinline]] Result<U256> sub_underflow(const U256& a, const U256& b) {
  return fail(ErrorCode::kOverflow,
              "subtraction " + a.to_dec() + " - " + b.to_dec() + " would go below zero");
}

[[gnu::cold, gnu::noinline]] Result<U256> mul_overflow(const U256& a, const U256& b) {
  return fail(ErrorCode::kOverflow,
              "multiplication overflows uint256: " + a.to_dec() + " * " + b.to_dec() + " exceeds 2^256-1");
}

[[gnu::cold, gnu::noinline]] Result<U256> division_by_zero(const U256& a, const char* op) {
  return fail(ErrorCode::kInvalidArgument, "division by zero: " + a.to_dec() + " " + op + " 0");
}

}  // namespace

Result<U256> U256::checked_add(const U256& o) const {
  Limbs r;
  bool c0 = __builtin_add_overflow(limbs_[0], o.limbs_[0], &r[0]);
  bool c1 = __builtin_add_overflow(limbs_[1], o.limbs_[1], &r[1]);
  c1 |= __builtin_add_overflow(r[1], static_cast<std::uint64_t>(c0), &r[1]);
  bool c2 = __builtin_add_overflow(limbs_[2], o.limbs_[2], &r[2]);
  c2 |= __builtin_add_overflow(r[2], static_cast<std::uint64_t>(c1), &r[2]);
  bool c3 = __builtin_add_overflow(limbs_[3], o.limbs_[3], &r[3]);
  c3 |= __builtin_add_overflow(r[3], static_cast<std::uint64_t>(c2), &r[3]);
  if (c3) [[unlikely]]
    return add_overflow(*this, o);
  return from_limbs(r);
}

Result<U256> U256::checked_sub(const U256& o) const {
  Limbs r;
  bool b0 = __builtin_sub_overflow(limbs_[0], o.limbs_[0], &r[0]);
  bool b1 = __builtin_sub_overflow(limbs_[1], o.limbs_[1], &r[1]);
  b1 |= __builtin_sub_overflow(r[1], static_cast<std::uint64_t>(b0), &r[1]);
  bool b2 = __builtin_sub_overflow(limbs_[2], o.limbs_[2], &r[2]);
  b2 |= __builtin_sub_overflow(r[2], static_cast<std::uint64_t>(b1), &r[2]);
  bool b3 = __builtin_sub_overflow(limbs_[3], o.limbs_[3], &r[3]);
  b3 |= __builtin_sub_overflow(r[3], static_cast<std::uint64_t>(b2), &r[3]);
  if (b3) [[unlikely]]
    return sub_underflow(*this, o);
  return from_limbs(r);
}

Result<U256> U256::checked_mul(const U256& o) const {
  if (fits_u64() && o.fits_u64()) {
    return from_u128(static_cast<u128>(limbs_[0]) * o.limbs_[0]);
  }
  std::uint64_t p[8];
  mul_full(limbs_, o.limbs_, p);
  if ((p[4] | p[5] | p[6] | p[7]) != 0) [[unlikely]]
    return mul_overflow(*this, o);
  return from_limbs({p[0], p[1], p[2], p[3]});
}

Result<U256> U256::checked_div(const U256& o) const {
  if (o.is_zero()) [[unlikely]]
    return division_by_zero(*this, "/");
  if (fits_u64() && o.fits_u64()) return U256(limbs_[0] / o.limbs_[0]);
  U256 q;
  U256 r;
  divmod(*this, o, q, r);
  return q;
}

Result<U256> U256::checked_mod(const U256& o) const {
  if (o.is_zero()) [[unlikely]]
    return division_by_zero(*this, "%");
  if (fits_u64() && o.fits_u64()) return U256(limbs_[0] % o.limbs_[0]);
  U256 q;
  U256 r;
  divmod(*this, o, q, r);
  return r;
}

Result<U256> U256::mul_div(const U256& a, const U256& b, const U256& d, Rounding r) {
  if (d.is_zero()) {
    return fail(ErrorCode::kInvalidArgument,
                "mul_div: division by zero (" + a.to_dec() + " * " + b.to_dec() + " / 0)");
  }
  // Fast path: everything fits in 128 bits, the product included.
  if (fits_u128(a.limbs_) && fits_u128(b.limbs_) && fits_u128(d.limbs_)) {
    u128 product = 0;
    if (!__builtin_mul_overflow(to_u128(a.limbs_), to_u128(b.limbs_), &product)) {
      const u128 dd = to_u128(d.limbs_);
      u128 q = product / dd;
      if (r == Rounding::kUp && product % dd != 0) ++q;  // q < 2^128: cannot overflow
      return from_u128(q);
    }
  }
  std::uint64_t p[8];
  mul_full(a.limbs_, b.limbs_, p);
  // The quotient fits in 256 bits exactly when the high half of the product is below d.
  const U256 high = from_limbs({p[4], p[5], p[6], p[7]});
  if (high >= d) {
    return fail(ErrorCode::kOverflow,
                "mul_div: " + a.to_dec() + " * " + b.to_dec() + " / " + d.to_dec() + " exceeds 2^256-1");
  }
  std::uint64_t q[8] = {};
  std::uint64_t rem[4] = {};
  const int m = significant_limbs(p, 8);
  const int n = significant_limbs(d.limbs_.data(), 4);
  divmod_limbs(p, m, d.limbs_.data(), n, q, rem);
  U256 quotient = from_limbs({q[0], q[1], q[2], q[3]});
  if (r == Rounding::kUp && (rem[0] | rem[1] | rem[2] | rem[3]) != 0) {
    if (quotient == max()) {
      return fail(ErrorCode::kOverflow, "mul_div: " + a.to_dec() + " * " + b.to_dec() + " / " + d.to_dec() +
                                            " rounded up exceeds 2^256-1");
    }
    auto next = quotient.checked_add(U256(1));
    quotient = *next;
  }
  return quotient;
}

std::ostream& operator<<(std::ostream& os, const U256& v) {
  return os << v.to_dec();
}

}  // namespace bulwark
