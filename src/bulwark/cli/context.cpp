#include "bulwark/cli/context.hpp"

#include <ctime>

namespace bulwark::cli {

using nlohmann::json;
using namespace bulwark::cover;

Result<Address> parse_address(const std::string& s, std::string_view option) {
  auto a = Address::parse(s);
  if (!a) return std::unexpected(with_context(a.error(), option));
  return *a;
}

/// Resolves --asset given as a key ("1:native", "1:0x...") or a registered symbol.
Result<Asset> resolve_asset(Ledger& ledger, const std::string& s) {
  if (s.find(':') != std::string::npos) {
    auto a = ledger.asset(s);
    if (a) return a;
    // Keys are canonical lower-case; accept a checksummed token address too.
    auto parsed = Asset::parse_key(s, "", 0);
    if (parsed) return ledger.asset(parsed->key());
    return std::unexpected(with_context(parsed.error(), "--asset"));
  }
  BULWARK_TRY(books, ledger.books());
  std::optional<Asset> found;
  for (const auto& a : books.assets)
    if (a.symbol == s) {
      if (found)
        return fail(ErrorCode::kInvalidArgument,
                    "--asset " + s + " is ambiguous: give its key (chain:address)");
      found = a;
    }
  if (!found)
    return fail(ErrorCode::kNotFound, "--asset " + s + ": no registered asset has that key or symbol");
  return *found;
}

Result<U256> parse_amount(const std::string& s, const Asset& asset, std::string_view option) {
  auto v = parse_units(s, asset.decimals);
  if (!v) return std::unexpected(with_context(v.error(), option));
  return *v;
}

std::string fmt_amount(const U256& v, const Asset& a) {
  return format_units(v, a.decimals) + " " + a.symbol;
}

json amount_json(const U256& v, const Asset& a) {
  return {{"raw", v.to_dec()}, {"value", format_units(v, a.decimals)}, {"symbol", a.symbol}};
}

std::string iso_time(UnixTime t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace bulwark::cli
