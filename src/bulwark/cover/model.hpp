#pragma once
/// The cover ledger's entities and their mapping to store rows.
///
/// Money is always a U256 count of the asset's smallest unit; each entity names its asset by key
/// ("1:native", "1:0x..."), and the `assets` table holds the symbol and decimals.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bulwark/core/address.hpp"
#include "bulwark/core/amount.hpp"
#include "bulwark/core/clock.hpp"
#include "bulwark/core/u256.hpp"
#include "bulwark/risk/score.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

using Id = std::int64_t;

/// What a product covers.
enum class CoverType { kSmartContract, kStablecoinDepeg, kGovernanceAttack, kOracleFailure };
std::string_view to_string(CoverType t);
Result<CoverType> parse_cover_type(
    std::string_view s);  ///< "smart_contract", "depeg", "governance", "oracle"

/// What a payout pays: the holder's proven loss (capped by the cover), or the cover amount itself
/// (a fixed sum, paid on the trigger). kByCoverType: smart-contract cover pays losses, depeg,
/// governance and oracle covers pay fixed sums.
enum class PayoutBasis { kByCoverType, kLoss, kFixed };
std::string_view to_string(PayoutBasis b);  ///< "", "loss", "fixed"
/// Parses "", "by_cover_type", "loss" or "fixed".
Result<PayoutBasis> parse_payout_basis(std::string_view s);
/// True when a payout under these terms is the cover amount rather than the proven loss.
bool pays_fixed_sum(CoverType type, PayoutBasis basis);

/// A cover product: a protocol or set of contracts on one chain, sold in one asset.
/// The longest cooling-off a product may have (seconds): a product term, and the deployment's
/// default for new products (claims.cooling_off).
inline constexpr std::int64_t kMaxCoolingOff = 365 * kSecondsPerDay;

struct Product {
  Id id = 0;
  std::string name;
  std::uint64_t chain_id = 1;
  std::vector<Address> contracts;  ///< The covered contracts (at least one).
  CoverType cover_type = CoverType::kSmartContract;
  bool parametric = false;  ///< Pays on the trigger alone, without a claim.
  std::string asset;        ///< Asset key the cover is sold and paid in.
  std::int64_t min_period_days = 28;
  std::int64_t max_period_days = 365;
  std::int64_t grace_days = 30;      ///< Days after expiry in which a claim is still accepted.
  U256 deductible;                   ///< Subtracted from every payout, in the asset's smallest unit.
  std::int64_t base_rate_bps = 200;  ///< Annual premium rate in basis points (200 = 2%/year).
  bool on_sale = true;
  UnixTime created_at = 0;
  PayoutBasis payout = PayoutBasis::kByCoverType;
  /// Cover bought less than this many seconds before an incident pays nothing (anti
  /// front-running). None for products made before it was a product term: the deployment's
  /// claims.cooling_off applies to them.
  std::optional<std::int64_t> cooling_off;
  /// A parametric exploit trigger fires only when the chain proves at least this loss to the
  /// product's contracts in the product's asset (smallest units); 0 = any proven loss.
  U256 trigger_min_loss;
};

/// A capital pool: underwriters deposit its asset and receive shares; it backs products.
struct Pool {
  Id id = 0;
  std::string name;
  std::string asset;
  std::int64_t capacity_ratio_bps = 20'000;  ///< Nexus Mutual v2: 20000 = capacity is 2x the stake.
  U256 total_shares;
  UnixTime created_at = 0;
};

/// A pool's backing of one product.
struct Backing {
  Id pool_id = 0;
  Id product_id = 0;
  std::int64_t weight = 0;  ///< 0..100: percentage of the pool's leveraged stake offered to the product.
  U256 allocated;           ///< Cover currently allocated from this pool to this product.
};

/// An underwriter's shares in a pool.
struct Holding {
  Id pool_id = 0;
  Address owner;
  U256 shares;
};

enum class PolicyStatus { kActive, kExpired, kCancelled };
std::string_view to_string(PolicyStatus s);
Result<PolicyStatus> parse_policy_status(std::string_view s);

/// The terms a policy was sold under, frozen at purchase: later product changes never alter them.
struct Terms {
  CoverType cover_type = CoverType::kSmartContract;
  bool parametric = false;
  std::int64_t grace_days = 30;
  U256 deductible;
  std::int64_t base_rate_bps = 0;
  PayoutBasis payout = PayoutBasis::kByCoverType;
  std::optional<std::int64_t> cooling_off;  ///< Seconds; none: the deployment's claims.cooling_off.
  U256 trigger_min_loss;                    ///< The product's trigger_min_loss at purchase.
};

/// A product's terms as a policy bought now would freeze them.
Terms terms_of(const Product& p, std::int64_t rate_bps);

/// A cover sold.
struct Policy {
  Id id = 0;
  Address holder;
  Id product_id = 0;
  std::string asset;
  U256 amount;   ///< Cover amount.
  U256 premium;  ///< Paid in full at purchase = reward + fee + reserve.
  U256 reward;   ///< Stakers' share, earned pro rata over the period.
  U256 fee;      ///< Protocol fee.
  U256 reserve;  ///< Reserve fund's share.
  UnixTime start_time = 0;
  UnixTime end_time = 0;
  PolicyStatus status = PolicyStatus::kActive;
  UnixTime closed_at = 0;  ///< Expiry or cancellation time; 0 while active.
  U256 refund;             ///< Paid back on cancellation.
  Terms terms;
};

/// One pool's part of a policy: the cover it carries and the reward it earns for that.
struct Allocation {
  Id policy_id = 0;
  Id pool_id = 0;
  U256 cover;
  U256 reward;
  U256 earned;  ///< Part of `reward` already moved to the pool's capital.
  bool active = true;
};

/// A product's risk record: its documented factors (none while unscored) and its open live signals.
struct OpenSignal {
  std::int64_t id = 0;  ///< Per product, 1, 2, 3, ...
  risk::LiveSignal signal;
};
struct ProductRisk {
  Id product_id = 0;
  std::optional<risk::RiskFactors> factors;  ///< nullopt: unscored, sold at the market price alone.
  std::vector<OpenSignal> signals;           ///< Open findings, until reviewed.
  std::int64_t next_signal = 1;
  UnixTime updated_at = 0;
};

/// A product's market price state (Nexus Mutual v2): the price right after the last purchase.
struct MarketPrice {
  Id product_id = 0;
  std::int64_t price_bps = 0;
  UnixTime updated_at = 0;
};

/// A balance of one asset.
struct Account {
  std::string key;
  std::string asset;
  U256 balance;
};

/// Account keys. Pool capital belongs to the pool's shareholders; unearned rewards become capital
/// as cover time passes; fees and reserve are per asset. Every unit the ledger holds is in exactly
/// one of these, and external flows (deposits, premiums in; withdrawals, refunds out) are counted
/// in the `flow:*` accounts so that the books can be checked to balance.
namespace accounts {
std::string pool_capital(Id pool);
std::string pool_unearned(Id pool);
std::string fees(const std::string& asset);
std::string reserve(const std::string& asset);
std::string flow_deposits(const std::string& asset);
std::string flow_premiums(const std::string& asset);
std::string flow_withdrawals(const std::string& asset);
std::string flow_refunds(const std::string& asset);
bool is_flow(std::string_view key);
}  // namespace accounts

/// A journal entry: one state change, hash-chained to the previous entry.
struct JournalEntry {
  std::int64_t seq = 0;  ///< 1, 2, 3, ... without gaps.
  UnixTime time = 0;
  std::string kind;
  std::string payload;  ///< Canonical JSON of the event.
  Hash32 prev_hash;     ///< Hash of entry seq-1 (zero for the first).
  Hash32 hash;          ///< keccak256 of the entry's canonical encoding (see entry_hash).
};

/// keccak256(prev_hash || seq as 8 bytes BE || time as 8 bytes BE || kind || 0x00 || payload).
Hash32 entry_hash(const Hash32& prev_hash, std::int64_t seq, UnixTime time, std::string_view kind,
                  std::string_view payload);

// Row mapping. Parsing a row that the store returned can only fail if the database was edited by
// hand; such errors are kCorrupt.
store::Row to_row(const Product& p);
store::Row to_row(const Pool& p);
store::Row to_row(const Backing& b);
store::Row to_row(const Holding& h);
store::Row to_row(const Policy& p);
store::Row to_row(const Allocation& a);
store::Row to_row(const Account& a);
store::Row to_row(const JournalEntry& e);
store::Row to_row(const Asset& a);
store::Row to_row(const ProductRisk& r);
store::Row to_row(const MarketPrice& m);
Result<Product> product_from_row(const store::Row& r);
Result<Pool> pool_from_row(const store::Row& r);
Result<Backing> backing_from_row(const store::Row& r);
Result<Holding> holding_from_row(const store::Row& r);
Result<Policy> policy_from_row(const store::Row& r);
Result<Allocation> allocation_from_row(const store::Row& r);
Result<Account> account_from_row(const store::Row& r);
Result<JournalEntry> journal_from_row(const store::Row& r);
Result<Asset> asset_from_row(const store::Row& r);
Result<ProductRisk> product_risk_from_row(const store::Row& r);
Result<MarketPrice> market_price_from_row(const store::Row& r);
/// The open signals as a JSON array [{id, severity, kind, time}], and back.
nlohmann::json signals_to_json(const std::vector<OpenSignal>& signals);
Result<std::vector<OpenSignal>> signals_from_json(const nlohmann::json& j);

// JSON forms (for events, CLI --json output and the journal export). Amounts are decimal strings.
nlohmann::json to_json(const Product& p);
nlohmann::json to_json(const Pool& p);
nlohmann::json to_json(const Policy& p);
nlohmann::json to_json(const Terms& t);
Result<Terms> terms_from_json(const nlohmann::json& j);
Result<Product> product_from_json(const nlohmann::json& j);
Result<Pool> pool_from_json(const nlohmann::json& j);
Result<Policy> policy_from_json(const nlohmann::json& j);

}  // namespace bulwark::cover
