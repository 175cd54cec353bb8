#include "bulwark/cover/events.hpp"

#include "bulwark/cover/claims_events.hpp"
#include "bulwark/cover/settlement.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using nlohmann::json;

Result<U256> amount_of(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string())
    return fail(ErrorCode::kInvalidArgument,
                std::string("event field '") + key + "' missing or not a string");
  auto v = U256::from_dec(j[key].get<std::string>());
  if (!v) return std::unexpected(with_context(v.error(), key));
  return *v;
}

Result<std::int64_t> int_of(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer())
    return fail(ErrorCode::kInvalidArgument,
                std::string("event field '") + key + "' missing or not an integer");
  return j[key].get<std::int64_t>();
}

Result<Address> address_of(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string())
    return fail(ErrorCode::kInvalidArgument,
                std::string("event field '") + key + "' missing or not a string");
  return Address::parse(j[key].get<std::string>());
}

Result<Allocation> get_allocation(Repo& repo, Id policy, Id pool) {
  BULWARK_TRY(all, repo.allocations(policy));
  for (auto& a : all)
    if (a.pool_id == pool) return a;
  return fail(ErrorCode::kNotFound,
              "policy " + std::to_string(policy) + " has no allocation in pool " + std::to_string(pool));
}

Result<Backing> get_backing(Repo& repo, Id pool, Id product) {
  BULWARK_TRY(b, repo.find_backing(pool, product));
  if (!b)
    return fail(ErrorCode::kNotFound,
                "pool " + std::to_string(pool) + " does not back product " + std::to_string(product));
  return *b;
}

// Moves `earned` of a pool's unearned rewards into its capital and onto the allocation.
Status earn(Repo& repo, Allocation& a, const std::string& asset, const U256& earned) {
  BULWARK_CHECK(repo.debit(accounts::pool_unearned(a.pool_id), asset, earned));
  BULWARK_CHECK(repo.credit(accounts::pool_capital(a.pool_id), asset, earned));
  auto total = a.earned.checked_add(earned);
  if (!total || *total > a.reward)
    return fail(ErrorCode::kOverflow,
                "policy " + std::to_string(a.policy_id) + " would earn more than its reward");
  a.earned = *total;
  return {};
}

// Ends an allocation: releases its cover from the backing.
Status release(Repo& repo, Allocation& a, Id product) {
  BULWARK_TRY(b, get_backing(repo, a.pool_id, product));
  auto left = b.allocated.checked_sub(a.cover);
  if (!left) return fail(ErrorCode::kOverflow, "backing allocation would go below zero");
  b.allocated = *left;
  a.active = false;
  return repo.put(sc::backings(), b);
}

Status share_change(Repo& repo, const json& p, bool deposit) {
  BULWARK_TRY(pool_id, int_of(p, "pool"));
  BULWARK_TRY(owner, address_of(p, "owner"));
  BULWARK_TRY(amount, amount_of(p, "amount"));
  BULWARK_TRY(shares, amount_of(p, "shares"));
  BULWARK_TRY(pool, repo.get_pool(pool_id));
  BULWARK_TRY(holding, repo.holding(pool_id, owner));
  auto total = deposit ? pool.total_shares.checked_add(shares) : pool.total_shares.checked_sub(shares);
  auto mine = deposit ? holding.shares.checked_add(shares) : holding.shares.checked_sub(shares);
  if (!total || !mine) return fail(ErrorCode::kOverflow, "share balance out of range");
  pool.total_shares = *total;
  holding.shares = *mine;
  BULWARK_CHECK(repo.put(sc::pools(), pool));
  BULWARK_CHECK(repo.put(sc::holdings(), holding));
  if (deposit) {
    BULWARK_CHECK(repo.credit(accounts::pool_capital(pool_id), pool.asset, amount));
    return repo.credit(accounts::flow_deposits(pool.asset), pool.asset, amount);
  }
  BULWARK_CHECK(repo.debit(accounts::pool_capital(pool_id), pool.asset, amount));
  return repo.credit(accounts::flow_withdrawals(pool.asset), pool.asset, amount);
}

Status policy_bought(Repo& repo, const json& p) {
  if (!p.contains("policy") || !p.contains("allocations") || !p["allocations"].is_array())
    return fail(ErrorCode::kInvalidArgument, "policy_bought needs policy and allocations");
  BULWARK_TRY(policy, policy_from_json(p["policy"]));
  const Id id = policy.id;
  const Id product = policy.product_id;
  BULWARK_CHECK(repo.put(sc::policies(), policy));
  const std::string& asset = policy.asset;
  for (const json& aj : p["allocations"]) {
    BULWARK_TRY(pool, int_of(aj, "pool"));
    BULWARK_TRY(cover, amount_of(aj, "cover"));
    BULWARK_TRY(pool_reward, amount_of(aj, "reward"));
    BULWARK_TRY(b, get_backing(repo, pool, product));
    auto allocated = b.allocated.checked_add(cover);
    if (!allocated) return std::unexpected(allocated.error());
    b.allocated = *allocated;
    BULWARK_CHECK(repo.put(sc::backings(), b));
    BULWARK_CHECK(repo.put(sc::allocations(), Allocation{id, pool, cover, pool_reward, U256{}, true}));
    BULWARK_CHECK(repo.credit(accounts::pool_unearned(pool), asset, pool_reward));
  }
  BULWARK_CHECK(repo.credit(accounts::fees(asset), asset, policy.fee));
  BULWARK_CHECK(repo.credit(accounts::reserve(asset), asset, policy.reserve));
  // The market price after the purchase (absent in journals written before schema 2).
  if (p.contains("market")) {
    BULWARK_TRY(price, int_of(p["market"], "price_bps"));
    BULWARK_TRY(at, int_of(p["market"], "at"));
    BULWARK_CHECK(repo.put(sc::market_prices(), MarketPrice{product, price, at}));
  }
  return repo.credit(accounts::flow_premiums(asset), asset, policy.premium);
}

/// The product's risk record, or an empty one (unscored, no signals).
Result<ProductRisk> risk_record(Repo& repo, Id product) {
  BULWARK_TRY(p, repo.get_product(product));
  BULWARK_TRY(found, repo.find_product_risk(p.id));
  if (found) return *found;
  return ProductRisk{p.id, std::nullopt, {}, 1, 0};
}

Status risk_event(Repo& repo, std::string_view kind, const json& p) {
  BULWARK_TRY(product, int_of(p, "product"));
  BULWARK_TRY(time, int_of(p, "time"));
  BULWARK_TRY(r, risk_record(repo, product));
  r.updated_at = time;
  if (kind == "risk_profile_set") {
    if (!p.contains("factors") || !p["factors"].is_object())
      return fail(ErrorCode::kInvalidArgument, "risk_profile_set needs factors");
    BULWARK_TRY(f, risk::factors_from_json(p["factors"].dump()));
    r.factors = f;
  } else if (kind == "risk_signal_recorded") {
    BULWARK_TRY(id, int_of(p, "id"));
    if (id != r.next_signal)
      return fail(ErrorCode::kInvalidArgument, "signal " + std::to_string(id) + " recorded where " +
                                                   std::to_string(r.next_signal) + " was next");
    if (!p.contains("severity") || !p["severity"].is_string() || !p.contains("kind") ||
        !p["kind"].is_string())
      return fail(ErrorCode::kInvalidArgument, "risk_signal_recorded needs severity and kind");
    BULWARK_TRY(severity, risk::parse_signal_severity(p["severity"].get<std::string>()));
    r.signals.push_back({id, risk::LiveSignal{severity, p["kind"].get<std::string>(), time}});
    r.next_signal = id + 1;
  } else {  // risk_signal_reviewed
    BULWARK_TRY(id, int_of(p, "id"));
    const auto before = r.signals.size();
    std::erase_if(r.signals, [&](const OpenSignal& s) { return s.id == id; });
    if (r.signals.size() == before)
      return fail(ErrorCode::kNotFound,
                  "product " + std::to_string(product) + " has no open signal " + std::to_string(id));
  }
  return repo.put(sc::product_risk(), r);
}

Status policy_closed(Repo& repo, const json& p, PolicyStatus status) {
  BULWARK_TRY(id, int_of(p, "policy"));
  BULWARK_TRY(time, int_of(p, "time"));
  BULWARK_TRY(policy, repo.get_policy(id));
  if (policy.status != PolicyStatus::kActive)
    return fail(ErrorCode::kFailedPrecondition, "policy " + std::to_string(id) + " is not active");
  if (!p.contains("pools") || !p["pools"].is_array())
    return fail(ErrorCode::kInvalidArgument, "policy close event needs pools");
  U256 reward_refunds;
  for (const json& pj : p["pools"]) {
    BULWARK_TRY(pool, int_of(pj, "pool"));
    BULWARK_TRY(earned, amount_of(pj, "earned"));
    BULWARK_TRY(refund, amount_of(pj, "refund"));
    BULWARK_TRY(a, get_allocation(repo, id, pool));
    BULWARK_CHECK(earn(repo, a, policy.asset, earned));
    BULWARK_CHECK(repo.debit(accounts::pool_unearned(pool), policy.asset, refund));
    auto sum = reward_refunds.checked_add(refund);
    if (!sum) return std::unexpected(sum.error());
    reward_refunds = *sum;
    BULWARK_CHECK(release(repo, a, policy.product_id));
    BULWARK_CHECK(repo.put(sc::allocations(), a));
  }
  policy.status = status;
  policy.closed_at = time;
  if (status == PolicyStatus::kCancelled) {
    BULWARK_TRY(fee_refund, amount_of(p, "fee_refund"));
    BULWARK_TRY(reserve_refund, amount_of(p, "reserve_refund"));
    BULWARK_CHECK(repo.debit(accounts::fees(policy.asset), policy.asset, fee_refund));
    BULWARK_CHECK(repo.debit(accounts::reserve(policy.asset), policy.asset, reserve_refund));
    auto refund = reward_refunds.checked_add(fee_refund);
    if (refund) refund = refund->checked_add(reserve_refund);
    if (!refund) return std::unexpected(refund.error());
    policy.refund = *refund;
    BULWARK_CHECK(repo.credit(accounts::flow_refunds(policy.asset), policy.asset, policy.refund));
  } else if (!reward_refunds.is_zero()) {
    return fail(ErrorCode::kInvalidArgument, "an expiry refunds nothing");
  }
  return repo.put(sc::policies(), policy);
}

Status rewards_earned(Repo& repo, const json& p) {
  BULWARK_TRY(pool_id, int_of(p, "pool"));
  BULWARK_TRY(pool, repo.get_pool(pool_id));
  if (!p.contains("items") || !p["items"].is_array())
    return fail(ErrorCode::kInvalidArgument, "rewards_earned needs items");
  for (const json& item : p["items"]) {
    BULWARK_TRY(policy, int_of(item, "policy"));
    BULWARK_TRY(amount, amount_of(item, "amount"));
    BULWARK_TRY(a, get_allocation(repo, policy, pool_id));
    BULWARK_CHECK(earn(repo, a, pool.asset, amount));
    BULWARK_CHECK(repo.put(sc::allocations(), a));
  }
  return {};
}

}  // namespace

Status apply_event(Repo& repo, std::string_view kind, const json& p) {
  if (!p.is_object()) return fail(ErrorCode::kInvalidArgument, "event payload is not a JSON object");
  if (kind == "asset_registered") {
    BULWARK_TRY(decimals, int_of(p, "decimals"));
    if (!p.contains("key") || !p.contains("symbol") || !p["key"].is_string() || !p["symbol"].is_string())
      return fail(ErrorCode::kInvalidArgument, "asset_registered needs key and symbol");
    BULWARK_TRY(asset, Asset::parse_key(p["key"].get<std::string>(), p["symbol"].get<std::string>(),
                                        std::uint8_t(decimals)));
    return repo.put(sc::assets(), asset);
  }
  if (kind == "product_added" || kind == "product_updated") {
    BULWARK_TRY(product, product_from_json(p));
    return repo.put(sc::products(), product);
  }
  if (kind == "pool_created") {
    BULWARK_TRY(pool, pool_from_json(p));
    return repo.put(sc::pools(), pool);
  }
  if (kind == "backing_set") {
    BULWARK_TRY(pool, int_of(p, "pool"));
    BULWARK_TRY(product, int_of(p, "product"));
    BULWARK_TRY(weight, int_of(p, "weight"));
    BULWARK_TRY(existing, repo.find_backing(pool, product));
    Backing b = existing.value_or(Backing{pool, product, 0, U256{}});
    b.weight = weight;
    return repo.put(sc::backings(), b);
  }
  if (kind == "deposited") return share_change(repo, p, true);
  if (kind == "withdrawn") return share_change(repo, p, false);
  if (kind == "rewards_earned") return rewards_earned(repo, p);
  if (kind == "policy_bought") return policy_bought(repo, p);
  if (kind == "policy_expired") return policy_closed(repo, p, PolicyStatus::kExpired);
  if (kind == "policy_cancelled") return policy_closed(repo, p, PolicyStatus::kCancelled);
  if (kind == "risk_profile_set" || kind == "risk_signal_recorded" || kind == "risk_signal_reviewed")
    return risk_event(repo, kind, p);
  if (is_claims_event(kind)) return apply_claims_event(repo, kind, p);
  if (is_settlement_event(kind)) return apply_settlement_event(repo, kind, p);
  return fail(ErrorCode::kInvalidArgument, "unknown event kind '" + std::string(kind) + "'");
}

Result<std::optional<Id>> policy_written_by(std::string_view kind, std::string_view payload) {
  // The kinds whose application (apply_event) puts policies rows; keep the two in step.
  const bool bought = kind == "policy_bought";
  if (!bought && kind != "policy_expired" && kind != "policy_cancelled") return std::optional<Id>{};
  const json p = json::parse(payload, nullptr, false);
  if (!p.is_object() || (bought && !p.contains("policy")))
    return fail(ErrorCode::kInvalidArgument, "journal payload of " + std::string(kind));
  BULWARK_TRY(id, bought ? int_of(p["policy"], "id") : int_of(p, "policy"));
  return std::optional<Id>{id};
}

Result<JournalEntry> record_event(Repo& repo, UnixTime time, std::string_view kind, const json& payload) {
  // Read the head first: applying only buffers writes, and a read after them would flush them early.
  BULWARK_TRY(head, repo.journal_head());
  BULWARK_CHECK(apply_event(repo, kind, payload));
  JournalEntry e;
  e.seq = head ? head->seq + 1 : 1;
  e.time = time;
  e.kind = std::string(kind);
  e.payload = payload.dump();
  if (head) e.prev_hash = head->hash;
  e.hash = entry_hash(e.prev_hash, e.seq, e.time, e.kind, e.payload);
  BULWARK_CHECK(repo.put(sc::journal(), e));
  return e;
}

}  // namespace bulwark::cover
