#include "bulwark/cover/ledger.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "bulwark/cover/events.hpp"
#include "bulwark/risk/pricing.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using nlohmann::json;

constexpr std::int64_t kBps = 10'000;
constexpr std::int64_t kMaxWeight = 100;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

Result<U256> mul_div(const U256& a, const U256& b, const U256& d, U256::Rounding r) {
  return U256::mul_div(a, b, d, r);
}

/// Capacity a pool offers a product: capital * ratio/10000 * weight/100 (Nexus Mutual v2, StakingProducts).
Result<U256> capacity_of(const U256& capital, const Pool& pool, std::int64_t weight) {
  return mul_div(capital, U256(std::uint64_t(pool.capacity_ratio_bps * weight)),
                 U256(std::uint64_t(kBps * kMaxWeight)), U256::Rounding::kDown);
}

/// Capital that must stay in the pool so that every backing still covers its allocation.
Result<U256> locked_of(const U256& capital, const Pool& pool,
                       const std::map<Id, std::pair<std::int64_t, U256>>& by_product) {
  U256 locked;
  for (const auto& [_, wa] : by_product) {
    const auto& [weight, allocated] = wa;
    if (allocated.is_zero()) continue;
    if (weight == 0 || pool.capacity_ratio_bps == 0) return capital;
    BULWARK_TRY(need, mul_div(allocated, U256(std::uint64_t(kBps * kMaxWeight)),
                              U256(std::uint64_t(pool.capacity_ratio_bps * weight)), U256::Rounding::kUp));
    locked = std::max(locked, need);
  }
  return std::min(locked, capital);
}

U256 saturating_sub(const U256& a, const U256& b) {
  return a > b ? *a.checked_sub(b) : U256{};
}

Status validate_name(const std::string& name, std::string_view what) {
  if (name.empty()) return fail(ErrorCode::kInvalidArgument, std::string(what) + " name must not be empty");
  if (name.size() > 200)
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " name is longer than 200 characters");
  return {};
}

// The claim and price terms a product sells under, whether set at creation or changed later.
Status validate_terms(CoverType type, bool parametric, std::int64_t grace_days, std::int64_t base_rate_bps,
                      std::int64_t cooling_off, const U256& trigger_min_loss) {
  if (grace_days < 0 || grace_days > 365)
    return fail(ErrorCode::kInvalidArgument, "grace period must be 0..365 days");
  if (base_rate_bps < 1 || base_rate_bps > kBps)
    return fail(ErrorCode::kInvalidArgument,
                "base rate must be 1..10000 basis points a year, got " + str(base_rate_bps));
  if (cooling_off < 0 || cooling_off > kMaxCoolingOff)
    return fail(ErrorCode::kInvalidArgument,
                "cooling-off period must be 0..365 days, got " + str(cooling_off) + " seconds");
  if (!trigger_min_loss.is_zero() && type != CoverType::kSmartContract &&
      type != CoverType::kGovernanceAttack)
    return fail(ErrorCode::kInvalidArgument,
                "a loss trigger applies to smart_contract and governance cover only, not " +
                    std::string(to_string(type)) + " (its incidents prove no loss)");
  if (!trigger_min_loss.is_zero() && !parametric)
    return fail(ErrorCode::kInvalidArgument,
                "a loss trigger applies to parametric cover only: a discretionary claim is paid its "
                "proven loss less the deductible once the assessors accept the incident");
  return {};
}

json allocations_json(const std::vector<QuotedAllocation>& allocs) {
  json out = json::array();
  for (const auto& a : allocs)
    out.push_back({{"pool", a.pool_id}, {"cover", a.cover.to_dec()}, {"reward", a.reward.to_dec()}});
  return out;
}

Status emit(Repo& repo, UnixTime now, std::string_view kind, const json& payload) {
  auto e = record_event(repo, now, kind, payload);
  if (!e) return std::unexpected(e.error());
  return {};
}

/// Payload of a deposited/withdrawn event.
json share_event(const DepositReceipt& r) {
  return json{{"pool", r.pool_id},
              {"owner", r.owner.to_checksum()},
              {"amount", r.amount.to_dec()},
              {"shares", r.shares.to_dec()}};
}

std::string fmt_percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * x);
  return buf;
}
std::string fmt_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

/// A U256 amount of the asset's smallest unit, in whole units (for the capital model).
double to_units(const U256& v, std::uint8_t decimals) {
  return std::stod(format_units(v, decimals));
}

/// ceil(amount * rate) for a rate given as a double, through a 1e-12 grid (rounded up).
Result<U256> part_of(const U256& amount, double rate) {
  if (!(rate > 0)) return U256{};
  const double scaled = std::ceil(std::min(rate, 1e6) * 1e12);
  return mul_div(amount, U256(std::uint64_t(scaled)), U256(std::uint64_t(1'000'000'000'000)),
                 U256::Rounding::kUp);
}

/// The multiplier of a product's open findings (incident-grade ones suspend instead).
double signals_multiplier(const std::vector<OpenSignal>& signals) {
  double m = 1;
  for (const auto& s : signals) m *= risk::signal_multiplier(s.signal.severity);
  return std::min(m, 10.0);
}

/// The factors a product is scored with: its own, or the reference ones on its chain.
risk::RiskFactors factors_of(const Product& p, const ProductRisk& r) {
  if (r.factors) return *r.factors;
  risk::RiskFactors f;
  f.chain = std::to_string(p.chain_id);
  return f;
}

}  // namespace

Ledger::Ledger(store::Store& store, const Clock& clock, LedgerConfig config)
    : store_(store), clock_(clock), config_(config) {}

Status Ledger::write(const std::function<Status(Repo&, UnixTime)>& body) {
  return store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    const UnixTime now = clock_.now();
    BULWARK_CHECK(expire(repo, now));
    return body(repo, now);
  });
}

Status Ledger::read(const std::function<Status(Repo&)>& body) {
  return store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    return body(repo);
  });
}

Result<Asset> Ledger::register_asset(const Asset& asset) {
  if (asset.symbol.empty() || asset.symbol.size() > 32)
    return fail(ErrorCode::kInvalidArgument, "asset symbol must be 1 to 32 characters");
  if (asset.decimals > 77) return fail(ErrorCode::kInvalidArgument, "asset decimals must be at most 77");
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(existing, repo.find_asset(asset.key()));
    if (existing) {
      if (existing->symbol == asset.symbol && existing->decimals == asset.decimals) return {};
      return fail(ErrorCode::kAlreadyExists, "asset " + asset.key() + " is already registered as " +
                                                 existing->symbol + " with " + str(existing->decimals) +
                                                 " decimals");
    }
    return emit(repo, now, "asset_registered",
                json{{"key", asset.key()}, {"symbol", asset.symbol}, {"decimals", asset.decimals}});
  });
  if (!s) return std::unexpected(s.error());
  return asset;
}

Result<Product> Ledger::add_product(const ProductSpec& spec) {
  BULWARK_CHECK(validate_name(spec.name, "product"));
  if (spec.contracts.empty())
    return fail(ErrorCode::kInvalidArgument, "a product covers at least one contract address");
  if (spec.min_period_days < 1 || spec.max_period_days < spec.min_period_days || spec.max_period_days > 3650)
    return fail(ErrorCode::kInvalidArgument, "period limits must satisfy 1 <= min <= max <= 3650 days, got " +
                                                 str(spec.min_period_days) + ".." +
                                                 str(spec.max_period_days));
  BULWARK_CHECK(validate_terms(spec.cover_type, spec.parametric, spec.grace_days, spec.base_rate_bps,
                               spec.cooling_off, spec.trigger_min_loss));
  Product product;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(asset, repo.find_asset(spec.asset));
    if (!asset) return fail(ErrorCode::kNotFound, "asset " + spec.asset + " is not registered");
    if (asset->chain_id != spec.chain_id && asset->token)
      return fail(ErrorCode::kInvalidArgument, "asset " + spec.asset + " lives on chain " +
                                                   str(std::int64_t(asset->chain_id)) +
                                                   ", product on chain " + str(std::int64_t(spec.chain_id)));
    BULWARK_TRY(id, repo.next_id(sc::products()));
    product = Product{id,
                      spec.name,
                      spec.chain_id,
                      spec.contracts,
                      spec.cover_type,
                      spec.parametric,
                      spec.asset,
                      spec.min_period_days,
                      spec.max_period_days,
                      spec.grace_days,
                      spec.deductible,
                      spec.base_rate_bps,
                      spec.on_sale,
                      now,
                      spec.payout,
                      spec.cooling_off,
                      spec.trigger_min_loss};
    return emit(repo, now, "product_added", to_json(product));
  });
  if (!s) return std::unexpected(s.error());
  return product;
}

Result<Product> Ledger::set_on_sale(Id id, bool on_sale) {
  Product product;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(p, repo.get_product(id));
    product = p;
    if (product.on_sale == on_sale) return {};
    product.on_sale = on_sale;
    return emit(repo, now, "product_updated", to_json(product));
  });
  if (!s) return std::unexpected(s.error());
  return product;
}

Result<Product> Ledger::change_terms(Id id, const TermsChange& change) {
  if (!change.grace_days && !change.deductible && !change.base_rate_bps && !change.cooling_off &&
      !change.trigger_min_loss)
    return fail(ErrorCode::kInvalidArgument, "no term to change was given");
  Product product;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(p, repo.get_product(id));
    product = p;
    if (change.grace_days) product.grace_days = *change.grace_days;
    if (change.deductible) product.deductible = *change.deductible;
    if (change.base_rate_bps) product.base_rate_bps = *change.base_rate_bps;
    if (change.cooling_off) product.cooling_off = *change.cooling_off;
    if (change.trigger_min_loss) product.trigger_min_loss = *change.trigger_min_loss;
    BULWARK_CHECK(validate_terms(product.cover_type, product.parametric, product.grace_days,
                                 product.base_rate_bps, product.cooling_off.value_or(0),
                                 product.trigger_min_loss));
    return emit(repo, now, "product_updated", to_json(product));
  });
  if (!s) return std::unexpected(s.error());
  return product;
}

Result<Pool> Ledger::create_pool(const PoolSpec& spec) {
  BULWARK_CHECK(validate_name(spec.name, "pool"));
  if (spec.capacity_ratio_bps < 1 || spec.capacity_ratio_bps > 10 * kBps)
    return fail(ErrorCode::kInvalidArgument,
                "capacity ratio must be 1..100000 basis points, got " + str(spec.capacity_ratio_bps));
  Pool pool;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(asset, repo.find_asset(spec.asset));
    if (!asset) return fail(ErrorCode::kNotFound, "asset " + spec.asset + " is not registered");
    BULWARK_TRY(id, repo.next_id(sc::pools()));
    pool = Pool{id, spec.name, spec.asset, spec.capacity_ratio_bps, U256{}, now};
    return emit(repo, now, "pool_created", to_json(pool));
  });
  if (!s) return std::unexpected(s.error());
  return pool;
}

Status Ledger::set_backing(Id pool_id, Id product_id, std::int64_t weight) {
  if (weight < 0 || weight > kMaxWeight)
    return fail(ErrorCode::kInvalidArgument, "weight must be 0..100, got " + str(weight));
  return write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(pool, repo.get_pool(pool_id));
    BULWARK_TRY(product, repo.get_product(product_id));
    if (pool.asset != product.asset)
      return fail(ErrorCode::kInvalidArgument, "pool " + str(pool_id) + " holds " + pool.asset +
                                                   " but product " + str(product_id) + " is sold in " +
                                                   product.asset);
    return emit(repo, now, "backing_set",
                json{{"pool", pool_id}, {"product", product_id}, {"weight", weight}});
  });
}

Status Ledger::accrue(Repo& repo, const Pool& pool, UnixTime now) {
  BULWARK_TRY(allocs, repo.active_allocations_of_pool(pool.id));
  json items = json::array();
  for (const auto& a : allocs) {
    BULWARK_TRY(policy, repo.get_policy(a.policy_id));
    const std::int64_t duration = policy.end_time - policy.start_time;
    const std::int64_t elapsed = std::clamp<std::int64_t>(now - policy.start_time, 0, duration);
    if (duration <= 0) continue;
    BULWARK_TRY(target, mul_div(a.reward, U256(std::uint64_t(elapsed)), U256(std::uint64_t(duration)),
                                U256::Rounding::kDown));
    if (target > a.earned)
      items.push_back({{"policy", a.policy_id}, {"amount", saturating_sub(target, a.earned).to_dec()}});
  }
  if (items.empty()) return {};
  return emit(repo, now, "rewards_earned", json{{"pool", pool.id}, {"items", items}});
}

Result<DepositReceipt> Ledger::deposit(Id pool_id, const Address& owner, const U256& amount) {
  if (amount.is_zero()) return fail(ErrorCode::kInvalidArgument, "deposit amount must be greater than zero");
  if (owner.is_zero()) return fail(ErrorCode::kInvalidArgument, "owner must not be the zero address");
  DepositReceipt receipt{pool_id, owner, amount, U256{}};
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(pool, repo.get_pool(pool_id));
    BULWARK_CHECK(accrue(repo, pool, now));
    BULWARK_TRY(capital, repo.balance(accounts::pool_capital(pool_id)));
    if (pool.total_shares.is_zero()) {
      receipt.shares = amount;
    } else {
      if (capital.is_zero())
        return fail(ErrorCode::kFailedPrecondition,
                    "pool " + str(pool_id) + " has shares but no capital left");
      BULWARK_TRY(shares, mul_div(amount, pool.total_shares, capital, U256::Rounding::kDown));
      receipt.shares = shares;
    }
    if (receipt.shares.is_zero())
      return fail(ErrorCode::kInvalidArgument, "deposit is too small to buy one pool share");
    return emit(repo, now, "deposited", share_event(receipt));
  });
  if (!s) return std::unexpected(s.error());
  return receipt;
}

Result<DepositReceipt> Ledger::withdraw(Id pool_id, const Address& owner, const U256& amount) {
  if (amount.is_zero())
    return fail(ErrorCode::kInvalidArgument, "withdrawal amount must be greater than zero");
  DepositReceipt receipt{pool_id, owner, amount, U256{}};
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(pool, repo.get_pool(pool_id));
    BULWARK_CHECK(accrue(repo, pool, now));
    BULWARK_TRY(v, view(repo, pool_id, now));
    BULWARK_TRY(holding, repo.holding(pool_id, owner));
    U256 value;
    if (!holding.shares.is_zero()) {
      BULWARK_TRY(x, mul_div(holding.shares, v.capital, v.pool.total_shares, U256::Rounding::kDown));
      value = x;
    }
    auto units = [&](const U256& x) { return format_units(x, v.asset.decimals) + " " + v.asset.symbol; };
    if (amount > value)
      return fail(ErrorCode::kFailedPrecondition, owner.to_checksum() + " holds " + units(value) +
                                                      " in pool " + str(pool_id) + ", cannot withdraw " +
                                                      units(amount));
    if (amount > v.free) {
      std::string msg = "only " + units(v.free) + " of pool " + str(pool_id) + "'s capital of " +
                        units(v.capital) + " is free; " + units(v.locked) + " is locked behind active cover";
      for (const auto& u : v.unlocks)
        if (u.free_after >= amount) {
          msg += "; " + units(u.free_after) + " will be free at unix time " + str(u.time) +
                 " when cover expires";
          break;
        }
      return fail(ErrorCode::kFailedPrecondition, msg);
    }
    BULWARK_TRY(shares, mul_div(amount, v.pool.total_shares, v.capital, U256::Rounding::kUp));
    receipt.shares = std::min(shares, holding.shares);
    return emit(repo, now, "withdrawn", share_event(receipt));
  });
  if (!s) return std::unexpected(s.error());
  return receipt;
}

double set_cover(risk::ProductExposure& product, const RiskBookEntry& entry, double amount) {
  const double own = std::min(entry.deductible, amount);
  product.exposure = entry.exposure + amount;
  const double deductibles = std::min(entry.deductibles + own, product.exposure);
  product.deductible_share = product.exposure > 0 ? deductibles / product.exposure : 0;
  const double payable = product.exposure - deductibles;
  return payable > 0 ? std::max(0.0, amount - own) / payable : 0;
}

Result<RiskBook> Ledger::book_of(Repo& repo, const std::string& asset_key) {
  RiskBook rb;
  BULWARK_TRY(asset, repo.get_asset(asset_key));
  rb.asset = asset;
  rb.book.severity = risk::default_calibration().severity;
  BULWARK_TRY(pools, repo.pools());
  for (const auto& pool : pools) {
    if (pool.asset != asset_key) continue;
    BULWARK_TRY(capital, repo.balance(accounts::pool_capital(pool.id)));
    rb.book.capital += to_units(capital, asset.decimals);
  }
  std::map<std::string, std::size_t> dependency_index;
  BULWARK_TRY(products, repo.products());
  for (const auto& product : products) {
    if (product.asset != asset_key) continue;
    RiskBookEntry e;
    e.product = product;
    BULWARK_TRY(found, repo.find_product_risk(product.id));
    e.risk = found.value_or(ProductRisk{product.id, std::nullopt, {}, 1, 0});
    std::vector<risk::LiveSignal> signals;
    for (const auto& s : e.risk.signals) signals.push_back(s.signal);
    const risk::RiskFactors factors = factors_of(product, e.risk);
    BULWARK_TRY(sc, risk::score(factors, signals));
    e.score = sc;
    BULWARK_TRY(backings, repo.backings_of_product(product.id));
    U256 allocated, available;
    for (const auto& b : backings) {
      allocated = allocated.checked_add(b.allocated).value_or(U256::max());
      if (b.weight == 0) continue;
      BULWARK_TRY(pool, repo.get_pool(b.pool_id));
      BULWARK_TRY(capital, repo.balance(accounts::pool_capital(pool.id)));
      BULWARK_TRY(cap, capacity_of(capital, pool, b.weight));
      available = available.checked_add(saturating_sub(cap, b.allocated)).value_or(U256::max());
    }
    e.exposure = to_units(allocated, asset.decimals);
    e.capacity_available = to_units(available, asset.decimals);
    // Each active policy keeps the deductible it was sold under, up to its amount.
    BULWARK_TRY(active, repo.policies({.product_id = product.id, .status = PolicyStatus::kActive}));
    U256 deductibles;
    for (const auto& policy : active)
      deductibles =
          deductibles.checked_add(std::min(policy.terms.deductible, policy.amount)).value_or(U256::max());
    e.deductible = to_units(product.deductible, asset.decimals);
    e.deductibles = to_units(deductibles, asset.decimals);
    risk::ProductExposure pe;
    pe.name = product.name;
    set_cover(pe, e, 0);
    pe.tvl = factors.tvl_usd / sc.severity_scale;  // a loss X takes min(1, scale * X / TVL) of the cover
    pe.frequency = sc.own_frequency;
    for (const auto& d : factors.dependencies) {
      auto [it, added] = dependency_index.try_emplace(d.key(), rb.book.dependencies.size());
      if (added) rb.book.dependencies.push_back({d.key(), d.rate()});
      pe.dependencies.push_back(it->second);
    }
    rb.book.products.push_back(std::move(pe));
    rb.entries.push_back(std::move(e));
  }
  return rb;
}

Result<Quote> Ledger::price(Repo& repo, const QuoteRequest& req, UnixTime now) {
  if (req.amount.is_zero())
    return fail(ErrorCode::kInvalidArgument, "cover amount must be greater than zero");
  BULWARK_TRY(product, repo.get_product(req.product_id));
  if (!product.on_sale)
    return fail(ErrorCode::kFailedPrecondition, "product " + str(product.id) + " is not on sale");
  if (req.asset != product.asset)
    return fail(ErrorCode::kInvalidArgument,
                "product " + str(product.id) + " is sold in " + product.asset + ", not " + req.asset);
  if (req.period_days < product.min_period_days || req.period_days > product.max_period_days)
    return fail(ErrorCode::kInvalidArgument, "period " + str(req.period_days) + " days is outside product " +
                                                 str(product.id) + "'s limits of " +
                                                 str(product.min_period_days) + ".." +
                                                 str(product.max_period_days) + " days");
  BULWARK_TRY(found_risk, repo.find_product_risk(product.id));
  const ProductRisk risk_record = found_risk.value_or(ProductRisk{product.id, std::nullopt, {}, 1, 0});
  for (const auto& s : risk_record.signals)
    if (s.signal.severity == risk::SignalSeverity::kIncident)
      return fail(ErrorCode::kFailedPrecondition, "sales of product " + str(product.id) +
                                                      " are suspended: incident-grade finding " + str(s.id) +
                                                      " ('" + s.signal.kind + "') is open until reviewed");
  Quote q;
  q.product_id = product.id;
  q.asset = product.asset;
  q.amount = req.amount;
  q.period_days = req.period_days;
  PriceBreakdown& b = q.breakdown;
  const std::int64_t period = req.period_days * kSecondsPerDay;

  // Market price (Nexus Mutual v2): the product's base rate is the target, raised by open findings.
  b.signal_multiplier = signals_multiplier(risk_record.signals);
  b.target_price_bps = std::min<std::int64_t>(
      kBps, std::int64_t(std::ceil(double(product.base_rate_bps) * b.signal_multiplier - 1e-9)));
  const risk::MarketPriceParams params{b.target_price_bps, config_.market_bump_bps,
                                       config_.market_decay_bps_per_day, config_.market_min_price_bps};
  BULWARK_TRY(market_row, repo.find_market_price(product.id));
  const risk::MarketPriceState state =
      market_row ? risk::MarketPriceState{market_row->price_bps, market_row->updated_at}
                 : risk::MarketPriceState{};
  b.market_price_bps = risk::market_base_price_bps(params, state, now);
  BULWARK_TRY(market, risk::market_premium(req.amount, b.market_price_bps, period));
  BULWARK_TRY(at_target,
              risk::market_premium(req.amount, std::max(b.target_price_bps, params.min_price_bps), period));
  b.market = market;
  b.market_at_target = std::min(at_target, market);
  b.utilisation_bump = *market.checked_sub(b.market_at_target);

  // Free capacity per backing pool; the cover is split pro rata to it, rounding remainders to the
  // pools in id order while they have room.
  BULWARK_TRY(backings, repo.backings_of_product(product.id));
  std::vector<std::pair<Id, U256>> free;
  U256 total_free;
  for (const auto& bk : backings) {
    if (bk.weight == 0) continue;
    BULWARK_TRY(pool, repo.get_pool(bk.pool_id));
    BULWARK_TRY(capital, repo.balance(accounts::pool_capital(pool.id)));
    BULWARK_TRY(cap, capacity_of(capital, pool, bk.weight));
    q.capacity_total = q.capacity_total.checked_add(cap).value_or(U256::max());
    const U256 avail = saturating_sub(cap, bk.allocated);
    if (avail.is_zero()) continue;
    free.emplace_back(pool.id, avail);
    BULWARK_TRY(sum, total_free.checked_add(avail));
    total_free = sum;
  }
  q.capacity_available = total_free;
  if (total_free < req.amount) {
    BULWARK_TRY(asset, repo.get_asset(product.asset));
    return fail(ErrorCode::kInsufficientCapacity, "product " + str(product.id) + " has " +
                                                      format_units(total_free, asset.decimals) + " " +
                                                      asset.symbol + " of capacity left, cannot cover " +
                                                      format_units(req.amount, asset.decimals));
  }
  BULWARK_TRY(after, risk::market_price_after_purchase(params, state, now, req.amount, q.capacity_total));
  q.market_price_after_bps = after.bumped_price_bps;

  // Actuarial floor (Ensuro's structure), for scored products: expected loss, plus the cost of the
  // marginal capital the cover consumes in the asset's book at 99.5%, plus fees; and the solvency limit.
  if (risk_record.factors) {
    b.scored = true;
    BULWARK_TRY(rb, book_of(repo, product.asset));
    std::size_t index = 0;
    while (index < rb.entries.size() && rb.entries[index].product.id != product.id) ++index;
    if (index == rb.entries.size()) return fail(ErrorCode::kInternal, "product missing from its own book");
    const double amount = to_units(req.amount, rb.asset.decimals);
    const double cover_part = set_cover(rb.book.products[index], rb.entries[index], amount);
    b.score = rb.entries[index].score;
    BULWARK_TRY(sim, risk::simulate(rb.book, {.years = config_.risk_years, .seed = config_.risk_seed}));
    const double duration = double(req.period_days) / 365.0;
    // The expected loss of this cover exactly, its deductible taken off every payout: frequency x
    // E[max(0, min(1, scale X / TVL) - deductible / amount)] per unit of cover.
    b.deductible_share = std::min(1.0, rb.entries[index].deductible / amount);
    const double loss_rate =
        b.deductible_share > 0
            ? b.score->frequency * risk::expected_excess_share(rb.book.severity, b.score->severity_scale,
                                                               b.score->tvl_usd, b.deductible_share)
            : b.score->expected_loss_rate;
    b.expected_loss = amount * loss_rate;
    b.marginal_capital = sim.marginal_capital[index] * cover_part;
    b.capital = rb.book.capital;
    b.scr = sim.scr;
    b.solvency_ratio = sim.solvency_ratio;
    if (b.solvency_ratio < config_.solvency_target)
      return fail(ErrorCode::kInsufficientCapacity,
                  "product " + str(product.id) + ": this cover would leave the " + rb.asset.symbol +
                      " book's solvency ratio at " + fmt_percent(b.solvency_ratio) + " (capital " +
                      fmt_number(b.capital) + ", SCR " + fmt_number(b.scr) + "), below the target of " +
                      fmt_percent(config_.solvency_target));
    const double pure_rate = loss_rate * duration;
    const double capital_rate =
        std::max(0.0, b.marginal_capital / amount - pure_rate) * config_.cost_of_capital * duration;
    BULWARK_TRY(pure, part_of(req.amount, pure_rate));
    BULWARK_TRY(capital_cost, part_of(req.amount, capital_rate));
    b.pure_premium = pure;
    b.capital_cost = capital_cost;
    BULWARK_TRY(net, pure.checked_add(capital_cost));
    const std::int64_t cut = config_.fee_bps + config_.reserve_bps;
    BULWARK_TRY(fees,
                mul_div(net, U256(std::uint64_t(cut)), U256(std::uint64_t(kBps - cut)), U256::Rounding::kUp));
    b.fees = fees;
    BULWARK_TRY(floor, net.checked_add(fees));
    b.floor = floor;
  }
  q.premium = std::max(b.floor, b.market);
  b.binding = b.scored && b.floor >= b.market ? "floor" : "market";
  b.market_loading = saturating_sub(q.premium, b.floor);
  // The annual rate the premium amounts to (the market price when that binds), for the policy's terms.
  q.rate_bps = b.market_price_bps;
  if (b.binding == "floor") {
    BULWARK_TRY(per_year,
                mul_div(q.premium, U256(std::uint64_t(kBps * 365)), req.amount, U256::Rounding::kUp));
    BULWARK_TRY(rate, mul_div(per_year, U256(1), U256(std::uint64_t(req.period_days)), U256::Rounding::kUp));
    q.rate_bps = rate.fits_u64() && rate.low_u64() < std::uint64_t(1) << 62 ? std::int64_t(rate.low_u64())
                                                                            : std::int64_t(1) << 62;
  }
  const U256 premium = q.premium;
  BULWARK_TRY(fee, mul_div(premium, U256(std::uint64_t(config_.fee_bps)), U256(std::uint64_t(kBps)),
                           U256::Rounding::kDown));
  BULWARK_TRY(reserve, mul_div(premium, U256(std::uint64_t(config_.reserve_bps)), U256(std::uint64_t(kBps)),
                               U256::Rounding::kDown));
  q.fee = fee;
  q.reserve = reserve;
  q.reward = *premium.checked_sub(fee)->checked_sub(reserve);

  U256 assigned;
  for (const auto& [pool_id, avail] : free) {
    BULWARK_TRY(part, mul_div(req.amount, avail, total_free, U256::Rounding::kDown));
    q.allocations.push_back({pool_id, part, U256{}});
    assigned = *assigned.checked_add(part);
  }
  U256 rest = *req.amount.checked_sub(assigned);
  for (std::size_t i = 0; i < q.allocations.size() && !rest.is_zero(); ++i) {
    const U256 room = saturating_sub(free[i].second, q.allocations[i].cover);
    const U256 add = std::min(room, rest);
    q.allocations[i].cover = *q.allocations[i].cover.checked_add(add);
    rest = *rest.checked_sub(add);
  }
  std::erase_if(q.allocations, [](const QuotedAllocation& a) { return a.cover.is_zero(); });
  // Stakers' reward follows the cover; the rounding remainder goes to the first pool.
  U256 reward_assigned;
  for (auto& a : q.allocations) {
    BULWARK_TRY(r, mul_div(q.reward, a.cover, req.amount, U256::Rounding::kDown));
    a.reward = r;
    reward_assigned = *reward_assigned.checked_add(r);
  }
  q.allocations.front().reward =
      *q.allocations.front().reward.checked_add(*q.reward.checked_sub(reward_assigned));
  return q;
}

Result<ProductRisk> Ledger::product_risk(Id id) {
  return read_value<ProductRisk>(store_, [&](Repo& r) -> Result<ProductRisk> {
    BULWARK_TRY(p, r.get_product(id));
    BULWARK_TRY(found, r.find_product_risk(p.id));
    return found.value_or(ProductRisk{p.id, std::nullopt, {}, 1, 0});
  });
}

Result<ProductRisk> Ledger::set_risk_factors(Id id, const risk::RiskFactors& factors) {
  BULWARK_CHECK(risk::validate(factors));
  ProductRisk out;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(p, repo.get_product(id));
    BULWARK_CHECK(emit(
        repo, now, "risk_profile_set",
        json{{"product", p.id}, {"time", now}, {"factors", json::parse(risk::factors_to_json(factors))}}));
    BULWARK_TRY(r, repo.find_product_risk(p.id));
    out = *r;
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<OpenSignal> Ledger::record_signal(Id id, const risk::LiveSignal& signal) {
  if (signal.kind.empty() || signal.kind.size() > 200)
    return fail(ErrorCode::kInvalidArgument, "a signal's kind must be 1 to 200 characters");
  OpenSignal out;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(p, repo.get_product(id));
    BULWARK_TRY(found, repo.find_product_risk(p.id));
    const std::int64_t next = found ? found->next_signal : 1;
    const UnixTime time = signal.time ? signal.time : now;
    BULWARK_CHECK(emit(repo, now, "risk_signal_recorded",
                       json{{"product", p.id},
                            {"id", next},
                            {"severity", risk::to_string(signal.severity)},
                            {"kind", signal.kind},
                            {"time", time}}));
    out = OpenSignal{next, risk::LiveSignal{signal.severity, signal.kind, time}};
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Status Ledger::review_signal(Id id, std::int64_t signal_id) {
  return write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(p, repo.get_product(id));
    BULWARK_TRY(found, repo.find_product_risk(p.id));
    const bool open = found && std::any_of(found->signals.begin(), found->signals.end(),
                                           [&](const OpenSignal& o) { return o.id == signal_id; });
    if (!open)
      return fail(ErrorCode::kNotFound, "product " + str(id) + " has no open signal " + str(signal_id));
    return emit(repo, now, "risk_signal_reviewed", json{{"product", p.id}, {"id", signal_id}, {"time", now}});
  });
}

Result<RiskBook> Ledger::risk_book(const std::string& asset) {
  return read_value<RiskBook>(store_, [&](Repo& r) { return book_of(r, asset); });
}

Result<Quote> Ledger::quote(const QuoteRequest& request) {
  Quote q;
  Status s = read([&](Repo& repo) -> Status {
    BULWARK_TRY(r, price(repo, request, clock_.now()));
    q = std::move(r);
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return q;
}

Result<Policy> Ledger::buy(const BuyRequest& req) {
  if (req.holder.is_zero()) return fail(ErrorCode::kInvalidArgument, "holder must not be the zero address");
  Policy policy;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(q, price(repo, req.quote, now));
    if (q.premium > req.max_premium) {
      BULWARK_TRY(asset, repo.get_asset(q.asset));
      return fail(ErrorCode::kFailedPrecondition, "premium " + format_units(q.premium, asset.decimals) + " " +
                                                      asset.symbol + " is more than the payment offered (" +
                                                      format_units(req.max_premium, asset.decimals) + ")");
    }
    BULWARK_TRY(product, repo.get_product(q.product_id));
    BULWARK_TRY(id, repo.next_id(sc::policies()));
    policy.id = id;
    policy.holder = req.holder;
    policy.product_id = product.id;
    policy.asset = product.asset;
    policy.amount = q.amount;
    policy.premium = q.premium;
    policy.reward = q.reward;
    policy.fee = q.fee;
    policy.reserve = q.reserve;
    policy.start_time = now;
    policy.end_time = now + q.period_days * kSecondsPerDay;
    policy.terms = terms_of(product, q.rate_bps);
    return emit(repo, now, "policy_bought",
                json{{"policy", to_json(policy)},
                     {"allocations", allocations_json(q.allocations)},
                     {"market", {{"price_bps", q.market_price_after_bps}, {"at", now}}}});
  });
  if (!s) return std::unexpected(s.error());
  return policy;
}

Result<Policy> Ledger::cancel(Id id, const Address& holder) {
  Policy policy;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(p, repo.get_policy(id));
    if (p.holder != holder)
      return fail(
          ErrorCode::kFailedPrecondition,
          "policy " + str(id) + " belongs to " + p.holder.to_checksum() + ", not " + holder.to_checksum());
    if (p.status != PolicyStatus::kActive)
      return fail(ErrorCode::kFailedPrecondition, "policy " + str(id) + " is " +
                                                      std::string(to_string(p.status)) +
                                                      ", only an active policy can be cancelled");
    const auto duration = U256(std::uint64_t(p.end_time - p.start_time));
    const auto remaining =
        U256(std::uint64_t(std::clamp<std::int64_t>(p.end_time - now, 0, p.end_time - p.start_time)));
    BULWARK_TRY(allocs, repo.allocations(id));
    json pools = json::array();
    for (const auto& a : allocs) {
      BULWARK_TRY(refund, mul_div(a.reward, remaining, duration, U256::Rounding::kDown));
      const U256 earned = saturating_sub(saturating_sub(a.reward, refund), a.earned);
      pools.push_back({{"pool", a.pool_id}, {"refund", refund.to_dec()}, {"earned", earned.to_dec()}});
    }
    BULWARK_TRY(fee_refund, mul_div(p.fee, remaining, duration, U256::Rounding::kDown));
    BULWARK_TRY(reserve_refund, mul_div(p.reserve, remaining, duration, U256::Rounding::kDown));
    BULWARK_CHECK(emit(repo, now, "policy_cancelled",
                       json{{"policy", id},
                            {"time", now},
                            {"pools", pools},
                            {"fee_refund", fee_refund.to_dec()},
                            {"reserve_refund", reserve_refund.to_dec()}}));
    BULWARK_TRY(after, repo.get_policy(id));
    policy = after;
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return policy;
}

Result<std::size_t> Ledger::expire(Repo& repo, UnixTime now) {
  BULWARK_TRY(due, repo.due_policies(now, config_.expiry_batch));
  for (const auto& p : due) {
    BULWARK_TRY(allocs, repo.allocations(p.id));
    json pools = json::array();
    for (const auto& a : allocs)
      pools.push_back(
          {{"pool", a.pool_id}, {"refund", "0"}, {"earned", saturating_sub(a.reward, a.earned).to_dec()}});
    BULWARK_CHECK(
        emit(repo, now, "policy_expired", json{{"policy", p.id}, {"time", p.end_time}, {"pools", pools}}));
  }
  return due.size();
}

Result<std::size_t> Ledger::expire_due() {
  std::size_t n = 0;
  Status s = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    BULWARK_TRY(count, expire(repo, clock_.now()));
    n = count;
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return n;
}

Result<PoolView> Ledger::view(Repo& repo, Id id, UnixTime now) {
  PoolView v;
  BULWARK_TRY(pool, repo.get_pool(id));
  v.pool = pool;
  BULWARK_TRY(asset, repo.get_asset(pool.asset));
  v.asset = asset;
  BULWARK_TRY(capital, repo.balance(accounts::pool_capital(id)));
  BULWARK_TRY(unearned, repo.balance(accounts::pool_unearned(id)));
  v.capital = capital;
  v.unearned = unearned;
  BULWARK_TRY(backings, repo.backings_of_pool(id));
  std::map<Id, std::pair<std::int64_t, U256>> by_product;
  for (const auto& b : backings) {
    BULWARK_TRY(cap, capacity_of(capital, pool, b.weight));
    v.products.push_back({b.product_id, b.weight, cap, b.allocated, saturating_sub(cap, b.allocated)});
    by_product[b.product_id] = {b.weight, b.allocated};
  }
  BULWARK_TRY(locked, locked_of(capital, pool, by_product));
  v.locked = locked;
  v.free = saturating_sub(capital, locked);
  BULWARK_TRY(holdings, repo.holdings(id));
  for (auto& h : holdings)
    if (!h.shares.is_zero()) v.holdings.push_back(h);
  // When does more free up? Release active allocations in order of their policies' end times.
  BULWARK_TRY(allocs, repo.active_allocations_of_pool(id));
  std::map<UnixTime, std::vector<std::pair<Id, U256>>> releases;
  for (const auto& a : allocs) {
    BULWARK_TRY(policy, repo.get_policy(a.policy_id));
    releases[std::max(policy.end_time, now)].emplace_back(policy.product_id, a.cover);
  }
  for (const auto& [time, items] : releases) {
    for (const auto& [product, cover] : items)
      by_product[product].second = saturating_sub(by_product[product].second, cover);
    BULWARK_TRY(still_locked, locked_of(capital, pool, by_product));
    if (v.unlocks.size() < 10) v.unlocks.push_back({time, saturating_sub(capital, still_locked)});
  }
  return v;
}

Result<PoolView> Ledger::pool_view(Id id) {
  PoolView v;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    BULWARK_TRY(r, view(repo, id, now));
    v = std::move(r);
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return v;
}

Result<Product> Ledger::product(Id id) {
  return read_value<Product>(store_, [&](Repo& r) { return r.get_product(id); });
}
Result<std::vector<Product>> Ledger::products() {
  return read_value<std::vector<Product>>(store_, [&](Repo& r) { return r.products(); });
}
Result<std::vector<Pool>> Ledger::pools() {
  return read_value<std::vector<Pool>>(store_, [&](Repo& r) { return r.pools(); });
}
Result<Policy> Ledger::policy(Id id) {
  return read_value<Policy>(store_, [&](Repo& r) { return r.get_policy(id); });
}
Result<std::vector<Allocation>> Ledger::allocations(Id id) {
  return read_value<std::vector<Allocation>>(store_, [&](Repo& r) { return r.allocations(id); });
}
Result<std::vector<Policy>> Ledger::policies(const PolicyFilter& filter) {
  return read_value<std::vector<Policy>>(store_, [&](Repo& r) { return r.policies(filter); });
}
Result<Asset> Ledger::asset(const std::string& key) {
  return read_value<Asset>(store_, [&](Repo& r) { return r.get_asset(key); });
}
Result<Books> Ledger::books() {
  return read_value<Books>(store_, [&](Repo& r) -> Result<Books> {
    BULWARK_TRY(accounts, r.accounts());
    BULWARK_TRY(assets, r.assets());
    return Books{std::move(accounts), std::move(assets)};
  });
}

}  // namespace bulwark::cover
