#include "bulwark/core/amount.hpp"

#include <charconv>

#include "bulwark/core/hex.hpp"

namespace bulwark {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// True for things like "1e18", "1.5E-3": digits and '.', then e/E, an optional sign, digits.
bool looks_like_exponent(std::string_view s) {
  const std::size_t e = s.find_first_of("eE");
  if (e == std::string_view::npos || e == 0) return false;
  if (s.substr(0, e).find_first_not_of("0123456789.") != std::string_view::npos) return false;
  std::string_view exponent = s.substr(e + 1);
  if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) exponent.remove_prefix(1);
  return !exponent.empty() && exponent.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string asset_label(const Asset& a) {
  return a.symbol.empty() ? a.key() : a.symbol + " (" + a.key() + ")";
}

/// OK when `a` and `b` are amounts of the same asset; `verb` and `preposition` phrase the error
/// ("add" b "to" a).
Status check_same_asset(const Amount& a, const Amount& b, std::string_view verb,
                        std::string_view preposition) {
  if (a.asset.same_as(b.asset) && a.asset.decimals == b.asset.decimals) return {};
  std::string why = "asset mismatch: cannot " + std::string(verb) + " " + asset_label(b.asset) + " " +
                    std::string(preposition) + " " + asset_label(a.asset);
  if (a.asset.same_as(b.asset)) {
    why += " (same asset key but " + std::to_string(b.asset.decimals) + " vs " +
           std::to_string(a.asset.decimals) + " decimals)";
  }
  return fail(ErrorCode::kInvalidArgument, std::move(why));
}

}  // namespace

std::string Asset::key() const {
  return std::to_string(chain_id) + ":" + (token ? token->to_lower_hex() : std::string("native"));
}

Result<Asset> Asset::parse_key(std::string_view key, std::string symbol, std::uint8_t decimals) {
  const std::size_t colon = key.find(':');
  if (colon == std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "asset key " + printable_excerpt(key) +
                                                 ": expected <chain id>:native or <chain id>:0x<address>");
  }
  const std::string_view chain = key.substr(0, colon);
  const std::string_view rest = key.substr(colon + 1);
  Asset asset;
  const bool digits_only = !chain.empty() && chain.find_first_not_of("0123456789") == std::string_view::npos;
  const auto [ptr, ec] = std::from_chars(chain.data(), chain.data() + chain.size(), asset.chain_id);
  if (!digits_only || ec != std::errc() || ptr != chain.data() + chain.size() ||
      (chain.size() > 1 && chain[0] == '0')) {
    return fail(ErrorCode::kInvalidArgument,
                "asset key " + printable_excerpt(key) + ": chain id " + printable_excerpt(chain) +
                    " is not a decimal number in 0..18446744073709551615 without leading zeros");
  }
  if (rest != "native") {
    auto addr = Address::parse(rest);
    if (!addr) {
      return std::unexpected(with_context(
          addr.error(), "asset key " + printable_excerpt(key) + ": expected \"native\" or a token address"));
    }
    asset.token = *addr;
  }
  asset.symbol = std::move(symbol);
  asset.decimals = decimals;
  return asset;
}

bool Asset::same_as(const Asset& o) const {
  return chain_id == o.chain_id && token == o.token;
}

Result<U256> parse_units(std::string_view decimal, std::uint8_t decimals) {
  const std::string shown = printable_excerpt(decimal);
  if (decimal.empty()) {
    return fail(ErrorCode::kInvalidArgument, "amount is empty; expected a decimal number such as 1.5");
  }
  if (decimal[0] == '-') {
    return fail(ErrorCode::kInvalidArgument, "amount " + shown + ": amount must not be negative");
  }
  if (decimal[0] == '+') {
    return fail(ErrorCode::kInvalidArgument, "amount " + shown + ": write it without a '+' sign");
  }
  if (looks_like_exponent(decimal)) {
    return fail(ErrorCode::kInvalidArgument,
                "amount " + shown + ": exponent notation is not supported; write the number out in full");
  }
  const std::size_t dot = decimal.find('.');
  const std::string_view whole = decimal.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : decimal.substr(dot + 1);
  for (std::size_t i = 0; i < decimal.size(); ++i) {
    const char c = decimal[i];
    if (is_digit(c) || (c == '.' && i == dot)) continue;
    if (c == '.') {
      return fail(ErrorCode::kInvalidArgument, "amount " + shown + ": has more than one '.'");
    }
    return fail(ErrorCode::kInvalidArgument,
                "amount " + shown + ": character '" + printable_excerpt(decimal.substr(i, 1)) +
                    "' at position " + std::to_string(i) + " is not allowed; use only digits and one '.'");
  }
  if (whole.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "amount " + shown + ": a leading '.' is not allowed; write 0" + shown);
  }
  if (dot != std::string_view::npos && frac.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "amount " + shown + ": a trailing '.' is not allowed; write " + std::string(whole));
  }
  if (frac.size() > decimals) {
    return fail(ErrorCode::kInvalidArgument, shown + " has more than " + std::to_string(decimals) +
                                                 " decimal places (the asset's smallest unit is 10^-" +
                                                 std::to_string(decimals) + ")");
  }
  // Raw units are the digits with the '.' removed and the fraction padded to `decimals` places.
  const std::size_t first = whole.find_first_not_of('0');
  std::string digits(first == std::string_view::npos ? std::string_view{} : whole.substr(first));
  digits.append(frac);
  digits.append(decimals - frac.size(), '0');
  if (digits.empty()) return U256{};
  auto raw = U256::from_dec(digits);
  if (!raw) {
    if (raw.error().code == ErrorCode::kOverflow) {
      return fail(ErrorCode::kOverflow, "amount " + shown + " with " + std::to_string(decimals) +
                                            " decimals exceeds 2^256-1 raw units");
    }
    return std::unexpected(with_context(raw.error(), "amount " + shown));
  }
  return *raw;
}

std::string format_units(const U256& raw, std::uint8_t decimals) {
  std::string digits = raw.to_dec();
  if (decimals == 0 || raw.is_zero()) return digits;
  if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
  const std::size_t point = digits.size() - decimals;
  std::string whole = digits.substr(0, point);
  std::string frac = digits.substr(point);
  const std::size_t last = frac.find_last_not_of('0');
  if (last == std::string::npos) return whole;
  frac.resize(last + 1);
  return whole + "." + frac;
}

Result<Amount> Amount::checked_add(const Amount& o) const {
  BULWARK_CHECK(check_same_asset(*this, o, "add", "to"));
  auto sum = value.checked_add(o.value);
  if (!sum) {
    return fail(ErrorCode::kOverflow,
                "cannot add " + o.to_string() + " to " + to_string() + ": the sum exceeds 2^256-1 raw units");
  }
  return Amount{asset, *sum};
}

Result<Amount> Amount::checked_sub(const Amount& o) const {
  BULWARK_CHECK(check_same_asset(*this, o, "subtract", "from"));
  auto diff = value.checked_sub(o.value);
  if (!diff) {
    return fail(ErrorCode::kOverflow, "cannot subtract " + o.to_string() + " from " + to_string() +
                                          ": the result would go below zero");
  }
  return Amount{asset, *diff};
}

std::string Amount::to_string() const {
  return format_units(value, asset.decimals) + " " + (asset.symbol.empty() ? asset.key() : asset.symbol);
}

}  // namespace bulwark
