#pragma once
/// Typed access to the ledger's tables inside one store transaction.

#include <optional>
#include <vector>

#include "bulwark/cover/model.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

/// Filter for listing policies; unset fields match everything.
struct PolicyFilter {
  std::optional<Address> holder;
  std::optional<Id> product_id;
  std::optional<PolicyStatus> status;
  std::size_t limit = 0;  ///< 0 = no limit
};

/// Reads and writes ledger entities through a Tx. Holds no state of its own; cheap to construct.
/// `get_*` return kNotFound with a message naming the missing entity; `find_*` return nullopt.
class Repo {
 public:
  explicit Repo(store::Tx& tx) : tx_(tx) {}

  Result<std::optional<Asset>> find_asset(const std::string& key);
  Result<Asset> get_asset(const std::string& key);
  Result<std::vector<Asset>> assets();

  Result<std::optional<Product>> find_product(Id id);
  Result<Product> get_product(Id id);
  Result<std::vector<Product>> products();

  Result<std::optional<Pool>> find_pool(Id id);
  Result<Pool> get_pool(Id id);
  Result<std::vector<Pool>> pools();

  Result<std::optional<Backing>> find_backing(Id pool, Id product);
  Result<std::vector<Backing>> backings_of_pool(Id pool);
  Result<std::vector<Backing>> backings_of_product(Id product);

  /// The owner's holding; zero shares if none.
  Result<Holding> holding(Id pool, const Address& owner);
  Result<std::vector<Holding>> holdings(Id pool);

  Result<std::optional<Policy>> find_policy(Id id);
  Result<Policy> get_policy(Id id);
  Result<std::vector<Policy>> policies(const PolicyFilter& filter);
  /// Active policies whose end time is at or before `now`, oldest id first.
  Result<std::vector<Policy>> due_policies(UnixTime now, std::size_t limit);

  /// The product's risk record; nullopt if it has never been scored or flagged.
  Result<std::optional<ProductRisk>> find_product_risk(Id product);
  /// The product's market price state; nullopt before its first purchase.
  Result<std::optional<MarketPrice>> find_market_price(Id product);

  Result<std::vector<Allocation>> allocations(Id policy);
  Result<std::vector<Allocation>> active_allocations_of_pool(Id pool);

  /// Balance of an account; zero if it has never been written.
  Result<U256> balance(const std::string& key);
  Result<std::vector<Account>> accounts();
  /// Adds to an account. kOverflow past 2^256-1.
  Status credit(const std::string& key, const std::string& asset, const U256& amount);
  /// Subtracts from an account. kOverflow ("would go below zero") if the balance is too small.
  Status debit(const std::string& key, const std::string& asset, const U256& amount);

  /// 1 + the largest id in the table (products, pools or policies).
  Result<Id> next_id(const store::TableDef& table);

  Result<std::optional<JournalEntry>> journal_head();
  /// Entries with seq >= from, at most `limit` (0 = all), in order.
  Result<std::vector<JournalEntry>> journal(std::int64_t from, std::size_t limit);

  /// Inserts or replaces any entity that has a to_row().
  template <class T>
  Status put(const store::TableDef& table, const T& value) {
    return tx_.put(table, to_row(value));
  }
  /// store::Tx::insert: the value's key must be new (kAlreadyExists, perhaps only at commit).
  template <class T>
  Status insert(const store::TableDef& table, const T& value) {
    return tx_.insert(table, to_row(value));
  }

  store::Tx& tx() { return tx_; }

 private:
  store::Tx& tx_;
};

/// Runs `f` (Repo& -> Result<T>) in a read transaction of `store` and returns what it returned.
template <class T, class F>
Result<T> read_value(store::Store& store, F f) {
  T out{};
  Status s = store.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    auto r = f(repo);
    if (!r) return std::unexpected(r.error());
    out = std::move(*r);
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

}  // namespace bulwark::cover
