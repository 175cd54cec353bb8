#pragma once
/// The cover ledger: pools, products, policies and the money between them.
///
/// Every command runs in one store transaction: it first retires policies whose period has ended,
/// then validates, then records one or more events (events.hpp), which change the books and extend
/// the hash-chained journal together. A rejected command returns an error and writes nothing.
/// Thread-safe (the store serialises writers); several processes may share one PostgreSQL store.

#include <optional>
#include <string>
#include <vector>

#include "bulwark/core/clock.hpp"
#include "bulwark/cover/model.hpp"
#include "bulwark/cover/repo.hpp"
#include "bulwark/risk/capital_model.hpp"
#include "bulwark/risk/score.hpp"

namespace bulwark::cover {

/// Deployment-wide settings.
struct LedgerConfig {
  /// Share of every premium kept as protocol fee and as reserve, in basis points; the rest is the
  /// stakers' reward.
  std::int64_t fee_bps = 1'000;
  std::int64_t reserve_bps = 500;
  /// Most policies retired per command (the rest on the next one).
  std::size_t expiry_batch = 1'000;
  /// Market price (Nexus Mutual v2): each product's target is its base rate; a purchase bumps the
  /// price by bump * amount / capacity, which decays by decay per day; never below the minimum.
  std::int64_t market_bump_bps = 500;
  std::int64_t market_decay_bps_per_day = 200;
  std::int64_t market_min_price_bps = 100;
  /// Actuarial floor of scored products (Ensuro's structure): annual return asked on the marginal
  /// capital a cover consumes.
  double cost_of_capital = 0.10;
  /// A scored sale must leave capital / SCR of the asset's book at least this.
  double solvency_target = 1.0;
  /// Monte Carlo years per scored quote, and their seed (the same every quote: common random
  /// numbers, so prices move with the book and not with sampling noise).
  std::size_t risk_years = 20'000;
  std::uint64_t risk_seed = 1;
};

struct ProductSpec {
  std::string name;
  std::uint64_t chain_id = 1;
  std::vector<Address> contracts;
  CoverType cover_type = CoverType::kSmartContract;
  bool parametric = false;
  std::string asset;  ///< A registered asset's key.
  std::int64_t min_period_days = 28;
  std::int64_t max_period_days = 365;
  std::int64_t grace_days = 30;
  U256 deductible;
  std::int64_t base_rate_bps = 200;
  bool on_sale = true;
  PayoutBasis payout =
      PayoutBasis::kByCoverType;              ///< Loss-based or fixed sum (frozen in each policy's terms).
  std::int64_t cooling_off = kSecondsPerDay;  ///< Seconds, 0..365 days (frozen in each policy's terms).
  U256 trigger_min_loss;  ///< Parametric exploit trigger (smart_contract and governance cover only).
};

/// A change of a product's terms for the policies sold from now on (those sold keep theirs).
/// Absent members stay as they are.
struct TermsChange {
  std::optional<std::int64_t> grace_days;
  std::optional<U256> deductible;
  std::optional<std::int64_t> base_rate_bps;
  std::optional<std::int64_t> cooling_off;
  std::optional<U256> trigger_min_loss;
};

struct PoolSpec {
  std::string name;
  std::string asset;  ///< A registered asset's key.
  std::int64_t capacity_ratio_bps = 20'000;
};

struct QuoteRequest {
  Id product_id = 0;
  U256 amount;
  std::string asset;  ///< Must be the product's asset.
  std::int64_t period_days = 0;
};

/// One pool's part of a quoted or bought cover.
struct QuotedAllocation {
  Id pool_id = 0;
  U256 cover;
  U256 reward;
};

/// How a premium was reached: premium = max(floor, market), rounded up to the asset's unit.
/// Always pure_premium + capital_cost + fees + market_loading == premium, and
/// market_at_target + utilisation_bump == market.
struct PriceBreakdown {
  bool scored = false;  ///< The product has risk factors; else the floor is not computed (all zero).
  U256 pure_premium;    ///< Expected loss over the period.
  U256 capital_cost;    ///< max(0, marginal capital - pure premium) x cost of capital x duration.
  U256 fees;            ///< Gross-up so that the ledger's fee and reserve come on top of the two above.
  U256 floor;           ///< pure_premium + capital_cost + fees.
  std::int64_t target_price_bps = 0;  ///< The product's base rate, raised by open signals.
  std::int64_t market_price_bps = 0;  ///< The market price now (target plus the undecayed bump).
  U256 market_at_target;              ///< The cover at the target price.
  U256 utilisation_bump;              ///< What the recent purchases' bump adds.
  U256 market;                        ///< market_at_target + utilisation_bump.
  U256 market_loading;                ///< premium - floor when the market price is higher, else 0.
  std::string binding;                ///< "floor" or "market".
  double signal_multiplier = 1;       ///< Open findings' multiplier on the target and frequency.
  // The capital model on the asset's book with this cover added (scored products only), in asset units.
  double deductible_share = 0;  ///< The product's deductible over the cover amount, at most 1.
  double expected_loss = 0;     ///< Annual expected loss of the cover, after its deductible.
  double marginal_capital = 0;  ///< The cover's Euler share of the book's 99.5% tail capital.
  double capital = 0, scr = 0, solvency_ratio = 0;
  std::optional<risk::RiskScore> score;
};

/// A price, with its parts and where the cover would come from.
struct Quote {
  Id product_id = 0;
  std::string asset;
  U256 amount;
  std::int64_t period_days = 0;
  std::int64_t rate_bps = 0;  ///< Annual rate used.
  U256 premium;               ///< ceil(amount * rate * days / (10000 * 365)).
  U256 reward;                ///< Stakers' part.
  U256 fee;
  U256 reserve;
  U256 capacity_available;  ///< Free capacity for the product before this cover.
  U256 capacity_total;      ///< The product's whole capacity (what the market bump is measured against).
  std::vector<QuotedAllocation> allocations;
  PriceBreakdown breakdown;
  std::int64_t market_price_after_bps = 0;  ///< The market price once this cover is bought.
};

struct BuyRequest {
  Address holder;
  QuoteRequest quote;
  /// The most the buyer pays; the purchase fails if the premium is higher. Required: the premium
  /// is taken from this payment, and nothing beyond the premium is taken.
  U256 max_premium;
};

struct DepositReceipt {
  Id pool_id = 0;
  Address owner;
  U256 amount;
  U256 shares;
};

/// How much of a pool's capital is locked behind active cover, and when it frees up.
struct Unlock {
  UnixTime time = 0;  ///< A policy end time.
  U256 free_after;    ///< Free capital once every policy ending by `time` has expired.
};

struct ProductCapacity {
  Id product_id = 0;
  std::int64_t weight = 0;
  U256 capacity;   ///< capital * ratio * weight.
  U256 allocated;  ///< Active cover.
  U256 available;  ///< capacity - allocated (0 if negative).
};

struct PoolView {
  Pool pool;
  Asset asset;
  U256 capital;
  U256 unearned;
  U256 locked;
  U256 free;
  std::vector<ProductCapacity> products;
  std::vector<Holding> holdings;
  std::vector<Unlock> unlocks;  ///< Next times at which more capital frees up (at most 10).
};

/// One product of an asset's book, as the capital model sees it.
struct RiskBookEntry {
  Product product;
  ProductRisk risk;
  risk::RiskScore score;  ///< From its factors, or from the reference factors on its chain if unscored.
  double exposure = 0;    ///< Active cover, in asset units.
  double capacity_available = 0;
  double deductible = 0;   ///< The product's deductible for new cover, in asset units.
  double deductibles = 0;  ///< Sum over its active policies of min(their deductible, their amount).
};

/// Sets the capital model's view of entry `entry`'s product (`product`, its ProductExposure in the
/// book) to its active cover plus `amount` (asset units, >= 0) sold as one new policy under the
/// product's deductible: exposure = entry.exposure + amount, deductible share = (entry.deductibles
/// + min(deductible, amount)) / exposure. The share is a bound: it counts each payout as (1 - D/A)
/// of the loss, never less than the min(loss, A) - D a policy of amount A with deductible D pays.
/// Returns the new cover's part of the product's payouts in that model, (amount - its deductible)
/// / (exposure - deductibles), or 0 when the product pays nothing.
double set_cover(risk::ProductExposure& product, const RiskBookEntry& entry, double amount);

/// Everything sold in one asset: the capital model's book (products in the same order) and the
/// capital of the asset's pools.
struct RiskBook {
  Asset asset;
  std::vector<RiskBookEntry> entries;
  risk::Book book;
};

/// The books: every account, and for each asset whether they add up.
struct Books {
  std::vector<Account> accounts;
  std::vector<Asset> assets;
};

class Ledger {
 public:
  Ledger(store::Store& store, const Clock& clock, LedgerConfig config = {});

  /// Registers an asset (idempotent for the same symbol and decimals; a clash is kAlreadyExists).
  Result<Asset> register_asset(const Asset& asset);
  Result<Product> add_product(const ProductSpec& spec);
  /// Puts a product on sale or takes it off; a policy already sold keeps its terms.
  Result<Product> set_on_sale(Id product, bool on_sale);
  /// Changes the terms future policies of `product` are sold under; policies already sold keep
  /// the terms frozen in them. Errors: kNotFound, kInvalidArgument (a value out of range, or no
  /// change given).
  Result<Product> change_terms(Id product, const TermsChange& change);
  Result<Pool> create_pool(const PoolSpec& spec);
  /// Sets the weight (0..100) with which a pool backs a product. The pool and product must share an asset.
  Status set_backing(Id pool, Id product, std::int64_t weight);
  Result<DepositReceipt> deposit(Id pool, const Address& owner, const U256& amount);
  /// Withdraws `amount` of the owner's capital. Fails with kFailedPrecondition, saying how much is
  /// free and when more frees up, if the amount exceeds the pool's unlocked capital or the owner's holding.
  Result<DepositReceipt> withdraw(Id pool, const Address& owner, const U256& amount);

  /// A product's risk record (an empty one if it was never scored or flagged).
  Result<ProductRisk> product_risk(Id product);
  /// Sets a product's risk factors: from then on its premium has an actuarial floor and its sales
  /// a solvency limit.
  Result<ProductRisk> set_risk_factors(Id product, const risk::RiskFactors& factors);
  /// Records a live finding (time 0: now). An incident-grade one suspends sales; others raise the
  /// price until reviewed.
  Result<OpenSignal> record_signal(Id product, const risk::LiveSignal& signal);
  /// Closes an open finding.
  Status review_signal(Id product, std::int64_t signal_id);
  /// The book of one asset (every product sold in it, with its active cover) for the capital model.
  Result<RiskBook> risk_book(const std::string& asset);
  const LedgerConfig& config() const { return config_; }

  Result<Quote> quote(const QuoteRequest& request);
  /// Sells cover: all or nothing. kInsufficientCapacity when the backing pools cannot carry it.
  Result<Policy> buy(const BuyRequest& request);
  /// Cancels an active policy before its end; refunds the unexpired part of the premium pro rata.
  Result<Policy> cancel(Id policy, const Address& holder);
  /// Retires every policy whose period has ended. Returns how many it retired.
  Result<std::size_t> expire_due();

  Result<Product> product(Id id);
  Result<std::vector<Product>> products();
  Result<PoolView> pool_view(Id id);
  Result<std::vector<Pool>> pools();
  Result<Policy> policy(Id id);
  Result<std::vector<Allocation>> allocations(Id policy);
  Result<std::vector<Policy>> policies(const PolicyFilter& filter);
  Result<Books> books();
  Result<Asset> asset(const std::string& key);

  const Clock& clock() const { return clock_; }
  store::Store& store() { return store_; }

 private:
  Status write(const std::function<Status(Repo&, UnixTime)>& body);
  Status read(const std::function<Status(Repo&)>& body);
  Result<std::size_t> expire(Repo& repo, UnixTime now);
  Status accrue(Repo& repo, const Pool& pool, UnixTime now);
  Result<Quote> price(Repo& repo, const QuoteRequest& request, UnixTime now);
  Result<RiskBook> book_of(Repo& repo, const std::string& asset);
  Result<PoolView> view(Repo& repo, Id id, UnixTime now);

  store::Store& store_;
  const Clock& clock_;
  LedgerConfig config_;
};

}  // namespace bulwark::cover
