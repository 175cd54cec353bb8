#include "bulwark/cover/repo.hpp"

#include <charconv>

#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using store::Query;
using store::Row;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

template <class Parse>
auto find_one(store::Tx& tx, const store::TableDef& t, const Row& key, Parse parse)
    -> Result<std::optional<typename std::invoke_result_t<Parse, const Row&>::value_type>> {
  using T = typename std::invoke_result_t<Parse, const Row&>::value_type;
  BULWARK_TRY(row, tx.get(t, key));
  if (!row) return std::optional<T>{};
  BULWARK_TRY(value, parse(*row));
  return std::optional<T>{std::move(value)};
}

template <class Parse>
auto select_all(store::Tx& tx, const store::TableDef& t, const Query& q, Parse parse)
    -> Result<std::vector<typename std::invoke_result_t<Parse, const Row&>::value_type>> {
  using T = typename std::invoke_result_t<Parse, const Row&>::value_type;
  BULWARK_TRY(rows, tx.select(t, q));
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    BULWARK_TRY(value, parse(r));
    out.push_back(std::move(value));
  }
  return out;
}

template <class T>
Result<T> required(Result<std::optional<T>> found, const std::string& what) {
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(ErrorCode::kNotFound, what + " does not exist");
  return std::move(**found);
}

}  // namespace

Result<std::optional<Asset>> Repo::find_asset(const std::string& key) {
  return find_one(tx_, sc::assets(), {key}, asset_from_row);
}
Result<Asset> Repo::get_asset(const std::string& key) {
  return required(find_asset(key), "asset " + key);
}
Result<std::vector<Asset>> Repo::assets() {
  return select_all(tx_, sc::assets(), {}, asset_from_row);
}

Result<std::optional<Product>> Repo::find_product(Id id) {
  return find_one(tx_, sc::products(), {str(id)}, product_from_row);
}
Result<Product> Repo::get_product(Id id) {
  return required(find_product(id), "product " + str(id));
}
Result<std::vector<Product>> Repo::products() {
  return select_all(tx_, sc::products(), {}, product_from_row);
}

Result<std::optional<Pool>> Repo::find_pool(Id id) {
  return find_one(tx_, sc::pools(), {str(id)}, pool_from_row);
}
Result<Pool> Repo::get_pool(Id id) {
  return required(find_pool(id), "pool " + str(id));
}
Result<std::vector<Pool>> Repo::pools() {
  return select_all(tx_, sc::pools(), {}, pool_from_row);
}

Result<std::optional<Backing>> Repo::find_backing(Id pool, Id product) {
  return find_one(tx_, sc::backings(), {str(pool), str(product)}, backing_from_row);
}
Result<std::vector<Backing>> Repo::backings_of_pool(Id pool) {
  return select_all(tx_, sc::backings(), Query{.equal = {{0, str(pool)}}}, backing_from_row);
}
Result<std::vector<Backing>> Repo::backings_of_product(Id product) {
  return select_all(tx_, sc::backings(), Query{.equal = {{1, str(product)}}}, backing_from_row);
}

Result<Holding> Repo::holding(Id pool, const Address& owner) {
  BULWARK_TRY(found, find_one(tx_, sc::holdings(), {str(pool), owner.to_checksum()}, holding_from_row));
  if (found) return *found;
  return Holding{pool, owner, U256{}};
}
Result<std::vector<Holding>> Repo::holdings(Id pool) {
  return select_all(tx_, sc::holdings(), Query{.equal = {{0, str(pool)}}}, holding_from_row);
}

Result<std::optional<Policy>> Repo::find_policy(Id id) {
  return find_one(tx_, sc::policies(), {str(id)}, policy_from_row);
}
Result<Policy> Repo::get_policy(Id id) {
  return required(find_policy(id), "policy " + str(id));
}

Result<std::vector<Policy>> Repo::policies(const PolicyFilter& f) {
  const auto& t = sc::policies();
  Query q;
  if (f.holder) q.equal.emplace_back(t.column("holder"), f.holder->to_checksum());
  if (f.product_id) q.equal.emplace_back(t.column("product_id"), str(*f.product_id));
  if (f.status) q.equal.emplace_back(t.column("status"), std::string(to_string(*f.status)));
  q.limit = f.limit;
  return select_all(tx_, t, q, policy_from_row);
}

Result<std::vector<Policy>> Repo::due_policies(UnixTime now, std::size_t limit) {
  const auto& t = sc::policies();
  // Ask first for the active policy that ends soonest: a query that does not depend on `now`, so
  // the row cache answers it for every command until a policy is bought or retired.
  BULWARK_TRY(next, tx_.select(t, Query{.equal = {{t.column("status"), "active"}},
                                        .limit = 1,
                                        .order_by = t.column("end_time")}));
  if (next.empty()) return std::vector<Policy>{};
  UnixTime soonest = 0;
  const std::string& end = next.front()[t.column("end_time")];
  if (auto [p, ec] = std::from_chars(end.data(), end.data() + end.size(), soonest); ec != std::errc())
    return fail(ErrorCode::kCorrupt, "stored policy end_time is not an integer: '" + end + "'");
  if (soonest > now) return std::vector<Policy>{};
  Query q{
      .equal = {{t.column("status"), "active"}}, .at_most = {{t.column("end_time"), now}}, .limit = limit};
  return select_all(tx_, t, q, policy_from_row);
}

Result<std::optional<ProductRisk>> Repo::find_product_risk(Id product) {
  return find_one(tx_, sc::product_risk(), {str(product)}, product_risk_from_row);
}
Result<std::optional<MarketPrice>> Repo::find_market_price(Id product) {
  return find_one(tx_, sc::market_prices(), {str(product)}, market_price_from_row);
}

Result<std::vector<Allocation>> Repo::allocations(Id policy) {
  return select_all(tx_, sc::allocations(), Query{.equal = {{0, str(policy)}}}, allocation_from_row);
}
Result<std::vector<Allocation>> Repo::active_allocations_of_pool(Id pool) {
  return select_all(tx_, sc::allocations(), Query{.equal = {{1, str(pool)}, {5, "1"}}}, allocation_from_row);
}

Result<U256> Repo::balance(const std::string& key) {
  BULWARK_TRY(found, find_one(tx_, sc::accounts(), {key}, account_from_row));
  return found ? found->balance : U256{};
}
Result<std::vector<Account>> Repo::accounts() {
  return select_all(tx_, sc::accounts(), {}, account_from_row);
}

Status Repo::credit(const std::string& key, const std::string& asset, const U256& amount) {
  BULWARK_TRY(current, balance(key));
  auto next = current.checked_add(amount);
  if (!next) return std::unexpected(with_context(next.error(), "account " + key));
  return put(sc::accounts(), Account{key, asset, *next});
}

Status Repo::debit(const std::string& key, const std::string& asset, const U256& amount) {
  BULWARK_TRY(current, balance(key));
  auto next = current.checked_sub(amount);
  if (!next)
    return fail(ErrorCode::kOverflow,
                "account " + key + " holds " + current.to_dec() + ", cannot take " + amount.to_dec());
  return put(sc::accounts(), Account{key, asset, *next});
}

Result<Id> Repo::next_id(const store::TableDef& table) {
  BULWARK_TRY(rows, tx_.select(table, Query{.limit = 1, .descending = true}));
  if (rows.empty()) return Id{1};
  Id last = 0;
  const std::string& s = rows[0][0];
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), last);
      ec != std::errc() || p != s.data() + s.size())
    return fail(ErrorCode::kCorrupt, "stored id in " + table.name + " is not an integer: '" + s + "'");
  return last + 1;
}

Result<std::optional<JournalEntry>> Repo::journal_head() {
  BULWARK_TRY(rows, tx_.select(sc::journal(), Query{.limit = 1, .descending = true}));
  if (rows.empty()) return std::optional<JournalEntry>{};
  BULWARK_TRY(e, journal_from_row(rows[0]));
  return std::optional<JournalEntry>{std::move(e)};
}

Result<std::vector<JournalEntry>> Repo::journal(std::int64_t from, std::size_t limit) {
  const auto& t = sc::journal();
  return select_all(tx_, t, Query{.at_least = {{t.column("seq"), from}}, .limit = limit}, journal_from_row);
}

}  // namespace bulwark::cover
