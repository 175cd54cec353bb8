#pragma once
/// What every command of the `bulwark` command line shares: global options, the output form, the
/// clock, the opened store and ledger, and the parsing and formatting helpers. Command groups
/// (app.cpp, risk_cmd.cpp, ...) register CLI11 subcommands that set a Command.

#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bulwark/core/clock.hpp"
#include "bulwark/core/signature.hpp"
#include "bulwark/cover/claims_model.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/cover/settlement.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cli {

/// Options shared by every command.
struct Global {
  std::string db = "./data/bulwark.db";
  bool json_out = false;
  std::string config;  ///< --config: the deployment settings file, if any.
};

/// Deployment settings (`--config FILE`, JSON): {"claims": {...}, "settlement": {...}}, each section
/// optional (docs/claims.md lists the members).
struct DeploymentConfig {
  cover::ClaimsConfig claims;
  cover::SettlementConfig settlement;
};

/// The settings in `path`; the defaults when `path` is empty. Errors: kIo for an unreadable file,
/// kInvalidArgument (naming the file) for bad JSON, an unknown section or member, or a bad value.
Result<DeploymentConfig> load_deployment_config(const std::string& path);

/// A whole text file. Errors: kIo naming `what` and the path.
Result<std::string> read_text(const std::string& path, std::string_view what);

/// The treasury's key: from `file` (hex, surrounding white space ignored) when given, else from the
/// environment variable BULWARK_TREASURY_KEY. Errors: kInvalidArgument when neither is set or the
/// text is not a secp256k1 key (the message never echoes it); kIo for an unreadable file.
Result<PrivateKey> read_treasury_key(const std::string& file);

/// What a command produces: text for people and JSON for scripts.
struct Output {
  nlohmann::json data;
  std::string text;
};

/// A clock for the CLI: the system clock unless BULWARK_NOW (Unix seconds) pins it, which scripted
/// tests and replays use to move time deterministically.
class CliClock final : public Clock {
 public:
  CliClock() {
    if (const char* env = std::getenv("BULWARK_NOW")) pinned_ = std::strtoll(env, nullptr, 10);
  }
  UnixTime now() const override { return pinned_ ? *pinned_ : system_.now(); }

 private:
  std::optional<UnixTime> pinned_;
  SystemClock system_;
};

// ---- parsing helpers: each returns an error naming the option ----

/// Everything a command needs; built once the options are parsed.
struct Context {
  Global global;
  CliClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<cover::Ledger> ledger;

  Status open() {
    BULWARK_TRY(s, store::open_store(global.db));
    store = std::move(s);
    ledger = std::make_unique<cover::Ledger>(*store, clock);
    return {};
  }
};

using Command = std::function<Result<Output>(Context&)>;

// ---- parsing helpers: each returns an error naming the option ----
Result<Address> parse_address(const std::string& s, std::string_view option);
/// Resolves --asset given as a key ("1:native", "1:0x...") or a registered symbol.
Result<Asset> resolve_asset(cover::Ledger& ledger, const std::string& s);
Result<U256> parse_amount(const std::string& s, const Asset& asset, std::string_view option);
std::string fmt_amount(const U256& v, const Asset& a);
nlohmann::json amount_json(const U256& v, const Asset& a);
std::string iso_time(UnixTime t);

}  // namespace bulwark::cli
