#include "bulwark/cli/context.hpp"

#include <sstream>

#include <fstream>

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

Result<std::string> read_text(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, std::string(what) + ": cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<DeploymentConfig> load_deployment_config(const std::string& path) {
  DeploymentConfig out;
  if (path.empty()) return out;
  BULWARK_TRY(text, read_text(path, "--config"));
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(ErrorCode::kInvalidArgument, "--config " + path + ": not a JSON object");
  for (const auto& [key, v] : j.items()) {
    if (key == "claims") {
      auto c = cover::claims_config_from_json(v);
      if (!c) return std::unexpected(with_context(c.error(), "--config " + path));
      out.claims = std::move(*c);
    } else if (key == "settlement") {
      auto c = cover::settlement_config_from_json(v);
      if (!c) return std::unexpected(with_context(c.error(), "--config " + path));
      out.settlement = std::move(*c);
    } else {
      return fail(ErrorCode::kInvalidArgument,
                  "--config " + path + ": unknown section '" + key + "' (use claims, settlement)");
    }
  }
  return out;
}

Result<PrivateKey> read_treasury_key(const std::string& file) {
  std::string hex;
  if (!file.empty()) {
    BULWARK_TRY(text, read_text(file, "--treasury-key-file"));
    hex = std::move(text);
  } else if (const char* k = std::getenv("BULWARK_TREASURY_KEY")) {
    hex = k;
  } else {
    return fail(
        ErrorCode::kInvalidArgument,
        "give the treasury key: --treasury-key-file FILE or the environment variable BULWARK_TREASURY_KEY");
  }
  const auto first = hex.find_first_not_of(" \t\r\n");
  const auto last = hex.find_last_not_of(" \t\r\n");
  hex = first == std::string::npos ? std::string() : hex.substr(first, last - first + 1);
  auto key = PrivateKey::parse(hex);
  if (!key)
    return fail(ErrorCode::kInvalidArgument, "the treasury key is not a secp256k1 key (64 hex digits)");
  return *key;
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
