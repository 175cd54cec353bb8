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

namespace bulwark::cover {

/// Deployment-wide settings.
struct LedgerConfig {
  /// Share of every premium kept as protocol fee and as reserve, in basis points; the rest is the
  /// stakers' reward.
  std::int64_t fee_bps = 1'000;
  std::int64_t reserve_bps = 500;
  /// Most policies retired per command (the rest on the next one).
  std::size_t expiry_batch = 1'000;
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
  std::vector<QuotedAllocation> allocations;
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
  Result<Pool> create_pool(const PoolSpec& spec);
  /// Sets the weight (0..100) with which a pool backs a product. The pool and product must share an asset.
  Status set_backing(Id pool, Id product, std::int64_t weight);
  Result<DepositReceipt> deposit(Id pool, const Address& owner, const U256& amount);
  /// Withdraws `amount` of the owner's capital. Fails with kFailedPrecondition, saying how much is
  /// free and when more frees up, if the amount exceeds the pool's unlocked capital or the owner's holding.
  Result<DepositReceipt> withdraw(Id pool, const Address& owner, const U256& amount);

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
  Result<Quote> price(Repo& repo, const QuoteRequest& request);
  Result<PoolView> view(Repo& repo, Id id, UnixTime now);

  store::Store& store_;
  const Clock& clock_;
  LedgerConfig config_;
};

}  // namespace bulwark::cover
