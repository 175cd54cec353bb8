#include "bulwark/cover/model.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "bulwark/core/keccak.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

using nlohmann::json;
using store::Row;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

Result<std::int64_t> to_i64(const std::string& s, std::string_view what) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    return fail(ErrorCode::kCorrupt, "stored " + std::string(what) + " is not an integer: '" + s + "'");
  return v;
}

Result<U256> to_u256(const std::string& s, std::string_view what) {
  auto v = U256::from_dec(s);
  if (!v) return fail(ErrorCode::kCorrupt, "stored " + std::string(what) + " is not an amount: '" + s + "'");
  return *v;
}

Result<Address> to_address(const std::string& s, std::string_view what) {
  auto a = Address::parse(s);
  if (!a)
    return fail(ErrorCode::kCorrupt,
                "stored " + std::string(what) + " is not an address: " + a.error().message);
  return *a;
}

Result<Hash32> to_hash(const std::string& s, std::string_view what) {
  auto h = Hash32::parse(s);
  if (!h) return fail(ErrorCode::kCorrupt, "stored " + std::string(what) + " is not a hash: '" + s + "'");
  return *h;
}

Status expect_width(const Row& r, const store::TableDef& t) {
  if (r.size() != t.columns.size())
    return fail(ErrorCode::kCorrupt, "row of " + t.name + " has " + str(std::int64_t(r.size())) + " columns");
  return {};
}

// Reads fields from a JSON object with a clear error instead of an exception.
class JsonReader {
 public:
  explicit JsonReader(const json& j) : j_(j) {}
  template <class T>
  Result<T> get(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end()) return fail(ErrorCode::kInvalidArgument, std::string("missing field '") + key + "'");
    try {
      return it->template get<T>();
    } catch (const std::exception&) {
      return fail(ErrorCode::kInvalidArgument, std::string("field '") + key + "' has the wrong type");
    }
  }
  Result<U256> amount(const char* key) const {
    BULWARK_TRY(s, get<std::string>(key));
    auto v = U256::from_dec(s);
    if (!v) return std::unexpected(with_context(v.error(), key));
    return *v;
  }

 private:
  const json& j_;
};

}  // namespace

std::string_view to_string(CoverType t) {
  switch (t) {
    case CoverType::kSmartContract: return "smart_contract";
    case CoverType::kStablecoinDepeg: return "depeg";
    case CoverType::kGovernanceAttack: return "governance";
    case CoverType::kOracleFailure: return "oracle";
  }
  return "smart_contract";
}

Result<CoverType> parse_cover_type(std::string_view s) {
  for (auto t : {CoverType::kSmartContract, CoverType::kStablecoinDepeg, CoverType::kGovernanceAttack,
                 CoverType::kOracleFailure})
    if (s == to_string(t)) return t;
  return fail(ErrorCode::kInvalidArgument,
              "unknown cover type '" + std::string(s) + "': use smart_contract, depeg, governance or oracle");
}

std::string_view to_string(PayoutBasis b) {
  switch (b) {
    case PayoutBasis::kByCoverType: return "";
    case PayoutBasis::kLoss: return "loss";
    case PayoutBasis::kFixed: return "fixed";
  }
  return "";
}

Result<PayoutBasis> parse_payout_basis(std::string_view s) {
  if (s.empty() || s == "by_cover_type") return PayoutBasis::kByCoverType;
  if (s == "loss") return PayoutBasis::kLoss;
  if (s == "fixed") return PayoutBasis::kFixed;
  return fail(ErrorCode::kInvalidArgument,
              "unknown payout basis '" + std::string(s) + "': use loss, fixed or by_cover_type");
}

bool pays_fixed_sum(CoverType type, PayoutBasis basis) {
  if (basis == PayoutBasis::kByCoverType) return type != CoverType::kSmartContract;
  return basis == PayoutBasis::kFixed;
}

std::string_view to_string(PolicyStatus s) {
  switch (s) {
    case PolicyStatus::kActive: return "active";
    case PolicyStatus::kExpired: return "expired";
    case PolicyStatus::kCancelled: return "cancelled";
  }
  return "active";
}

Result<PolicyStatus> parse_policy_status(std::string_view s) {
  for (auto v : {PolicyStatus::kActive, PolicyStatus::kExpired, PolicyStatus::kCancelled})
    if (s == to_string(v)) return v;
  return fail(ErrorCode::kInvalidArgument, "unknown policy status '" + std::string(s) + "'");
}

namespace accounts {
std::string pool_capital(Id pool) {
  return "pool:" + str(pool) + ":capital";
}
std::string pool_unearned(Id pool) {
  return "pool:" + str(pool) + ":unearned";
}
std::string fees(const std::string& asset) {
  return "fees:" + asset;
}
std::string reserve(const std::string& asset) {
  return "reserve:" + asset;
}
std::string flow_deposits(const std::string& asset) {
  return "flow:deposits:" + asset;
}
std::string flow_premiums(const std::string& asset) {
  return "flow:premiums:" + asset;
}
std::string flow_withdrawals(const std::string& asset) {
  return "flow:withdrawals:" + asset;
}
std::string flow_refunds(const std::string& asset) {
  return "flow:refunds:" + asset;
}
bool is_flow(std::string_view key) {
  return key.starts_with("flow:");
}
}  // namespace accounts

Hash32 entry_hash(const Hash32& prev_hash, std::int64_t seq, UnixTime time, std::string_view kind,
                  std::string_view payload) {
  std::vector<std::uint8_t> buf;
  buf.reserve(32 + 16 + kind.size() + 1 + payload.size());
  buf.insert(buf.end(), prev_hash.bytes.begin(), prev_hash.bytes.end());
  for (std::uint64_t v : {std::uint64_t(seq), std::uint64_t(time)})
    for (int shift = 56; shift >= 0; shift -= 8) buf.push_back(std::uint8_t(v >> shift));
  buf.insert(buf.end(), kind.begin(), kind.end());
  buf.push_back(0);
  buf.insert(buf.end(), payload.begin(), payload.end());
  return keccak256(std::span<const std::uint8_t>(buf));
}

// ---- rows ----

Row to_row(const Product& p) {
  json contracts = json::array();
  for (const auto& a : p.contracts) contracts.push_back(a.to_checksum());
  return {str(p.id),
          p.name,
          str(std::int64_t(p.chain_id)),
          contracts.dump(),
          std::string(to_string(p.cover_type)),
          p.parametric ? "1" : "0",
          p.asset,
          str(p.min_period_days),
          str(p.max_period_days),
          str(p.grace_days),
          p.deductible.to_dec(),
          str(p.base_rate_bps),
          p.on_sale ? "1" : "0",
          str(p.created_at),
          std::string(to_string(p.payout)),
          str(p.cooling_off.value_or(-1)),
          p.trigger_min_loss.to_dec()};
}

Result<Product> product_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::products()));
  Product p;
  BULWARK_TRY(id, to_i64(r[0], "product id"));
  p.id = id;
  p.name = r[1];
  BULWARK_TRY(chain, to_i64(r[2], "chain id"));
  p.chain_id = std::uint64_t(chain);
  json contracts = json::parse(r[3], nullptr, false);
  if (!contracts.is_array())
    return fail(ErrorCode::kCorrupt, "stored product contracts are not a JSON array");
  for (const auto& c : contracts) {
    if (!c.is_string()) return fail(ErrorCode::kCorrupt, "stored product contract is not a string");
    BULWARK_TRY(a, to_address(c.get<std::string>(), "product contract"));
    p.contracts.push_back(a);
  }
  auto ct = parse_cover_type(r[4]);
  if (!ct) return fail(ErrorCode::kCorrupt, ct.error().message);
  p.cover_type = *ct;
  p.parametric = r[5] == "1";
  p.asset = r[6];
  BULWARK_TRY(minp, to_i64(r[7], "min period"));
  BULWARK_TRY(maxp, to_i64(r[8], "max period"));
  BULWARK_TRY(grace, to_i64(r[9], "grace days"));
  BULWARK_TRY(deductible, to_u256(r[10], "deductible"));
  BULWARK_TRY(rate, to_i64(r[11], "base rate"));
  BULWARK_TRY(created, to_i64(r[13], "created_at"));
  p.min_period_days = minp;
  p.max_period_days = maxp;
  p.grace_days = grace;
  p.deductible = deductible;
  p.base_rate_bps = rate;
  p.on_sale = r[12] == "1";
  p.created_at = created;
  auto basis = parse_payout_basis(r[14]);
  if (!basis) return fail(ErrorCode::kCorrupt, basis.error().message);
  p.payout = *basis;
  BULWARK_TRY(cooling, to_i64(r[15], "cooling_off"));
  if (cooling >= 0) p.cooling_off = cooling;
  BULWARK_TRY(trigger, to_u256(r[16], "trigger_min_loss"));
  p.trigger_min_loss = trigger;
  return p;
}

Terms terms_of(const Product& p, std::int64_t rate_bps) {
  return Terms{p.cover_type, p.parametric, p.grace_days,  p.deductible,
               rate_bps,     p.payout,     p.cooling_off, p.trigger_min_loss};
}

Row to_row(const Pool& p) {
  return {str(p.id), p.name, p.asset, str(p.capacity_ratio_bps), p.total_shares.to_dec(), str(p.created_at)};
}

Result<Pool> pool_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::pools()));
  Pool p;
  BULWARK_TRY(id, to_i64(r[0], "pool id"));
  BULWARK_TRY(ratio, to_i64(r[3], "capacity ratio"));
  BULWARK_TRY(shares, to_u256(r[4], "total shares"));
  BULWARK_TRY(created, to_i64(r[5], "created_at"));
  p.id = id;
  p.name = r[1];
  p.asset = r[2];
  p.capacity_ratio_bps = ratio;
  p.total_shares = shares;
  p.created_at = created;
  return p;
}

Row to_row(const Backing& b) {
  return {str(b.pool_id), str(b.product_id), str(b.weight), b.allocated.to_dec()};
}

Result<Backing> backing_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::backings()));
  BULWARK_TRY(pool, to_i64(r[0], "pool id"));
  BULWARK_TRY(product, to_i64(r[1], "product id"));
  BULWARK_TRY(weight, to_i64(r[2], "weight"));
  BULWARK_TRY(allocated, to_u256(r[3], "allocated"));
  return Backing{pool, product, weight, allocated};
}

Row to_row(const Holding& h) {
  return {str(h.pool_id), h.owner.to_checksum(), h.shares.to_dec()};
}

Result<Holding> holding_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::holdings()));
  BULWARK_TRY(pool, to_i64(r[0], "pool id"));
  BULWARK_TRY(owner, to_address(r[1], "owner"));
  BULWARK_TRY(shares, to_u256(r[2], "shares"));
  return Holding{pool, owner, shares};
}

json to_json(const Terms& t) {
  json j{{"cover_type", to_string(t.cover_type)},
         {"parametric", t.parametric},
         {"grace_days", t.grace_days},
         {"deductible", t.deductible.to_dec()},
         {"base_rate_bps", t.base_rate_bps}};
  if (t.payout != PayoutBasis::kByCoverType) j["payout"] = to_string(t.payout);
  if (t.cooling_off) j["cooling_off"] = *t.cooling_off;
  if (!t.trigger_min_loss.is_zero()) j["trigger_min_loss"] = t.trigger_min_loss.to_dec();
  return j;
}

Result<Terms> terms_from_json(const json& j) {
  JsonReader r(j);
  Terms t;
  BULWARK_TRY(ct, r.get<std::string>("cover_type"));
  BULWARK_TRY(type, parse_cover_type(ct));
  BULWARK_TRY(parametric, r.get<bool>("parametric"));
  BULWARK_TRY(grace, r.get<std::int64_t>("grace_days"));
  BULWARK_TRY(deductible, r.amount("deductible"));
  BULWARK_TRY(rate, r.get<std::int64_t>("base_rate_bps"));
  t.cover_type = type;
  t.parametric = parametric;
  t.grace_days = grace;
  t.deductible = deductible;
  t.base_rate_bps = rate;
  if (j.contains("payout")) {
    BULWARK_TRY(v, r.get<std::string>("payout"));
    BULWARK_TRY(basis, parse_payout_basis(v));
    t.payout = basis;
  }
  // Terms frozen before these were product terms carry neither.
  if (j.contains("cooling_off")) {
    BULWARK_TRY(v, r.get<std::int64_t>("cooling_off"));
    t.cooling_off = v;
  }
  if (j.contains("trigger_min_loss")) {
    BULWARK_TRY(v, r.amount("trigger_min_loss"));
    t.trigger_min_loss = v;
  }
  return t;
}

Row to_row(const Policy& p) {
  return {str(p.id),         p.holder.to_checksum(), str(p.product_id),
          p.asset,           p.amount.to_dec(),      p.premium.to_dec(),
          p.reward.to_dec(), p.fee.to_dec(),         p.reserve.to_dec(),
          str(p.start_time), str(p.end_time),        std::string(to_string(p.status)),
          str(p.closed_at),  p.refund.to_dec(),      to_json(p.terms).dump()};
}

namespace {

/// A policy from the columns of its row, the terms column (r[14]) already parsed as `terms`.
Result<Policy> policy_from_columns(const Row& r, const json& terms) {
  BULWARK_CHECK(expect_width(r, store::schema::policies()));
  Policy p;
  BULWARK_TRY(id, to_i64(r[0], "policy id"));
  BULWARK_TRY(holder, to_address(r[1], "holder"));
  BULWARK_TRY(product, to_i64(r[2], "product id"));
  BULWARK_TRY(amount, to_u256(r[4], "amount"));
  BULWARK_TRY(premium, to_u256(r[5], "premium"));
  BULWARK_TRY(reward, to_u256(r[6], "reward"));
  BULWARK_TRY(fee, to_u256(r[7], "fee"));
  BULWARK_TRY(reserve, to_u256(r[8], "reserve"));
  BULWARK_TRY(start, to_i64(r[9], "start"));
  BULWARK_TRY(end, to_i64(r[10], "end"));
  auto status = parse_policy_status(r[11]);
  if (!status) return fail(ErrorCode::kCorrupt, status.error().message);
  BULWARK_TRY(closed, to_i64(r[12], "closed_at"));
  BULWARK_TRY(refund, to_u256(r[13], "refund"));
  auto t = terms_from_json(terms);
  if (!t) return fail(ErrorCode::kCorrupt, "stored policy terms: " + t.error().message);
  p.id = id;
  p.holder = holder;
  p.product_id = product;
  p.asset = r[3];
  p.amount = amount;
  p.premium = premium;
  p.reward = reward;
  p.fee = fee;
  p.reserve = reserve;
  p.start_time = start;
  p.end_time = end;
  p.status = *status;
  p.closed_at = closed;
  p.refund = refund;
  p.terms = *t;
  return p;
}

}  // namespace

Result<Policy> policy_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::policies()));
  return policy_from_columns(r, json::parse(r[14], nullptr, false));
}

Row to_row(const Allocation& a) {
  return {str(a.policy_id),  str(a.pool_id),    a.cover.to_dec(),
          a.reward.to_dec(), a.earned.to_dec(), a.active ? "1" : "0"};
}

Result<Allocation> allocation_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::allocations()));
  BULWARK_TRY(policy, to_i64(r[0], "policy id"));
  BULWARK_TRY(pool, to_i64(r[1], "pool id"));
  BULWARK_TRY(cover, to_u256(r[2], "cover"));
  BULWARK_TRY(reward, to_u256(r[3], "reward"));
  BULWARK_TRY(earned, to_u256(r[4], "earned"));
  return Allocation{policy, pool, cover, reward, earned, r[5] == "1"};
}

Row to_row(const Account& a) {
  return {a.key, a.asset, a.balance.to_dec()};
}

Result<Account> account_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::accounts()));
  BULWARK_TRY(balance, to_u256(r[2], "balance of " + r[0]));
  return Account{r[0], r[1], balance};
}

Row to_row(const JournalEntry& e) {
  return {str(e.seq), str(e.time), e.kind, e.payload, e.prev_hash.to_hex(), e.hash.to_hex()};
}

Result<JournalEntry> journal_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::journal()));
  JournalEntry e;
  BULWARK_TRY(seq, to_i64(r[0], "journal seq"));
  BULWARK_TRY(time, to_i64(r[1], "journal time"));
  BULWARK_TRY(prev, to_hash(r[4], "journal prev_hash"));
  BULWARK_TRY(hash, to_hash(r[5], "journal hash"));
  e.seq = seq;
  e.time = time;
  e.kind = r[2];
  e.payload = r[3];
  e.prev_hash = prev;
  e.hash = hash;
  return e;
}

Row to_row(const Asset& a) {
  return {a.key(), str(std::int64_t(a.chain_id)), a.token ? a.token->to_checksum() : "", a.symbol,
          str(a.decimals)};
}

Result<Asset> asset_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::assets()));
  BULWARK_TRY(decimals, to_i64(r[4], "decimals"));
  auto a = Asset::parse_key(r[0], r[3], std::uint8_t(decimals));
  if (!a) return fail(ErrorCode::kCorrupt, "stored asset: " + a.error().message);
  return *a;
}

Row to_row(const ProductRisk& r) {
  return {str(r.product_id), r.factors ? risk::factors_to_json(*r.factors) : "",
          signals_to_json(r.signals).dump(), str(r.next_signal), str(r.updated_at)};
}

Result<ProductRisk> product_risk_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::product_risk()));
  ProductRisk out;
  BULWARK_TRY(id, to_i64(r[0], "product id"));
  out.product_id = id;
  if (!r[1].empty()) {
    auto f = risk::factors_from_json(r[1]);
    if (!f) return fail(ErrorCode::kCorrupt, "stored risk factors: " + f.error().message);
    out.factors = *f;
  }
  auto sj = json::parse(r[2], nullptr, false);
  auto signals = signals_from_json(sj);
  if (!signals) return fail(ErrorCode::kCorrupt, "stored signals: " + signals.error().message);
  out.signals = *signals;
  BULWARK_TRY(next, to_i64(r[3], "next signal id"));
  BULWARK_TRY(updated, to_i64(r[4], "updated_at"));
  out.next_signal = next;
  out.updated_at = updated;
  return out;
}

Row to_row(const MarketPrice& m) {
  return {str(m.product_id), str(m.price_bps), str(m.updated_at)};
}

Result<MarketPrice> market_price_from_row(const Row& r) {
  BULWARK_CHECK(expect_width(r, store::schema::market_prices()));
  BULWARK_TRY(id, to_i64(r[0], "product id"));
  BULWARK_TRY(price, to_i64(r[1], "market price"));
  BULWARK_TRY(updated, to_i64(r[2], "updated_at"));
  return MarketPrice{id, price, updated};
}

json signals_to_json(const std::vector<OpenSignal>& signals) {
  json out = json::array();
  for (const auto& s : signals)
    out.push_back({{"id", s.id},
                   {"severity", risk::to_string(s.signal.severity)},
                   {"kind", s.signal.kind},
                   {"time", s.signal.time}});
  return out;
}

Result<std::vector<OpenSignal>> signals_from_json(const json& j) {
  if (!j.is_array()) return fail(ErrorCode::kInvalidArgument, "signals are not a JSON array");
  std::vector<OpenSignal> out;
  for (const auto& e : j) {
    if (!e.is_object()) return fail(ErrorCode::kInvalidArgument, "a signal is not a JSON object");
    JsonReader r(e);
    BULWARK_TRY(id, r.get<std::int64_t>("id"));
    BULWARK_TRY(sev, r.get<std::string>("severity"));
    BULWARK_TRY(kind, r.get<std::string>("kind"));
    BULWARK_TRY(time, r.get<std::int64_t>("time"));
    BULWARK_TRY(severity, risk::parse_signal_severity(sev));
    out.push_back({id, risk::LiveSignal{severity, kind, time}});
  }
  return out;
}

// ---- JSON ----

json to_json(const Product& p) {
  json contracts = json::array();
  for (const auto& a : p.contracts) contracts.push_back(a.to_checksum());
  return {{"id", p.id},
          {"name", p.name},
          {"chain_id", p.chain_id},
          {"contracts", contracts},
          {"cover_type", to_string(p.cover_type)},
          {"parametric", p.parametric},
          {"asset", p.asset},
          {"min_period_days", p.min_period_days},
          {"max_period_days", p.max_period_days},
          {"grace_days", p.grace_days},
          {"deductible", p.deductible.to_dec()},
          {"base_rate_bps", p.base_rate_bps},
          {"on_sale", p.on_sale},
          {"created_at", p.created_at},
          {"payout", to_string(p.payout)},
          {"cooling_off", p.cooling_off ? json(*p.cooling_off) : json(nullptr)},
          {"trigger_min_loss", p.trigger_min_loss.to_dec()}};
}

Result<Product> product_from_json(const json& j) {
  // The JSON form carries exactly the row's fields; reuse the row parser for one set of rules.
  JsonReader r(j);
  BULWARK_TRY(id, r.get<std::int64_t>("id"));
  BULWARK_TRY(name, r.get<std::string>("name"));
  BULWARK_TRY(chain, r.get<std::uint64_t>("chain_id"));
  BULWARK_TRY(contracts, r.get<json>("contracts"));
  BULWARK_TRY(type, r.get<std::string>("cover_type"));
  BULWARK_TRY(parametric, r.get<bool>("parametric"));
  BULWARK_TRY(asset, r.get<std::string>("asset"));
  BULWARK_TRY(minp, r.get<std::int64_t>("min_period_days"));
  BULWARK_TRY(maxp, r.get<std::int64_t>("max_period_days"));
  BULWARK_TRY(grace, r.get<std::int64_t>("grace_days"));
  BULWARK_TRY(deductible, r.get<std::string>("deductible"));
  BULWARK_TRY(rate, r.get<std::int64_t>("base_rate_bps"));
  BULWARK_TRY(on_sale, r.get<bool>("on_sale"));
  BULWARK_TRY(created, r.get<std::int64_t>("created_at"));
  // Journals written before the payout basis existed have no "payout": by cover type.
  std::string payout;
  if (j.contains("payout")) {
    BULWARK_TRY(v, r.get<std::string>("payout"));
    payout = v;
  }
  // Nor cooling_off (null: the deployment's setting) and trigger_min_loss.
  std::int64_t cooling = -1;
  if (j.contains("cooling_off") && !j.at("cooling_off").is_null()) {
    BULWARK_TRY(v, r.get<std::int64_t>("cooling_off"));
    if (v < 0) return fail(ErrorCode::kCorrupt, "product cooling_off is negative");
    cooling = v;
  }
  std::string trigger = "0";
  if (j.contains("trigger_min_loss")) {
    BULWARK_TRY(v, r.get<std::string>("trigger_min_loss"));
    trigger = v;
  }
  return product_from_row({str(id), name, str(std::int64_t(chain)), contracts.dump(), type,
                           parametric ? "1" : "0", asset, str(minp), str(maxp), str(grace), deductible,
                           str(rate), on_sale ? "1" : "0", str(created), payout, str(cooling), trigger});
}

json to_json(const Pool& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"asset", p.asset},
          {"capacity_ratio_bps", p.capacity_ratio_bps},
          {"total_shares", p.total_shares.to_dec()},
          {"created_at", p.created_at}};
}

Result<Pool> pool_from_json(const json& j) {
  JsonReader r(j);
  BULWARK_TRY(id, r.get<std::int64_t>("id"));
  BULWARK_TRY(name, r.get<std::string>("name"));
  BULWARK_TRY(asset, r.get<std::string>("asset"));
  BULWARK_TRY(ratio, r.get<std::int64_t>("capacity_ratio_bps"));
  BULWARK_TRY(shares, r.get<std::string>("total_shares"));
  BULWARK_TRY(created, r.get<std::int64_t>("created_at"));
  return pool_from_row({str(id), name, asset, str(ratio), shares, str(created)});
}

json to_json(const Policy& p) {
  return {{"id", p.id},
          {"holder", p.holder.to_checksum()},
          {"product_id", p.product_id},
          {"asset", p.asset},
          {"amount", p.amount.to_dec()},
          {"premium", p.premium.to_dec()},
          {"reward", p.reward.to_dec()},
          {"fee", p.fee.to_dec()},
          {"reserve", p.reserve.to_dec()},
          {"start_time", p.start_time},
          {"end_time", p.end_time},
          {"status", to_string(p.status)},
          {"closed_at", p.closed_at},
          {"refund", p.refund.to_dec()},
          {"terms", to_json(p.terms)}};
}

Result<Policy> policy_from_json(const json& j) {
  // Same fields as the row; one parser for both keeps their rules identical.
  JsonReader r(j);
  Row row;
  for (const char* key : {"id", "product_id", "start_time", "end_time", "closed_at"}) {
    BULWARK_TRY(v, r.get<std::int64_t>(key));
    row.push_back(str(v));
  }
  std::vector<std::string> text;
  for (const char* key :
       {"holder", "asset", "amount", "premium", "reward", "fee", "reserve", "status", "refund"}) {
    BULWARK_TRY(v, r.get<std::string>(key));
    text.push_back(v);
  }
  BULWARK_TRY(terms, r.get<json>("terms"));
  return policy_from_columns({row[0], text[0], row[1], text[1], text[2], text[3], text[4], text[5], text[6],
                              row[2], row[3], text[7], row[4], text[8], ""},
                             terms);
}

}  // namespace bulwark::cover
