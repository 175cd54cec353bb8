#include "bulwark/cover/settlement.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "bulwark/core/hex.hpp"
#include "bulwark/cover/events.hpp"
#include "bulwark/cover/json_fields.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using nlohmann::json;
using namespace jsonf;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

std::string key_of(const Settlement& s) {
  return "payout (incident " + str(s.incident_id) + ", policy " + str(s.policy_id) + ")";
}

bool json_column(const std::string& c) {
  return c == "attempts" || c == "reasons";
}

/// Chain id and token of an asset key ("1:native", "1:0x..."). Errors: kInvalidArgument.
Result<std::pair<std::uint64_t, std::optional<Address>>> parse_asset_key(const std::string& key) {
  const auto colon = key.find(':');
  std::uint64_t chain = 0;
  if (colon == std::string::npos || colon == 0 ||
      std::from_chars(key.data(), key.data() + colon, chain).ptr != key.data() + colon)
    return fail(ErrorCode::kInvalidArgument, "asset key '" + key + "' is not <chain id>:<native or token>");
  const std::string rest = key.substr(colon + 1);
  if (rest == "native") return std::pair{chain, std::optional<Address>()};
  BULWARK_TRY(token, Address::parse(rest));
  return std::pair{chain, std::optional<Address>(token)};
}

/// x * (100 + percent) / 100, rounded up.
U256 bumped(const U256& x, unsigned percent) {
  return U256::mul_div(x, 100 + percent, 100, U256::Rounding::kUp).value_or(U256::max());
}

}  // namespace

std::string_view to_string(SettlementStatus s) {
  switch (s) {
    case SettlementStatus::kSigned: return "signed";
    case SettlementStatus::kMined: return "mined";
    case SettlementStatus::kConfirmed: return "confirmed";
    case SettlementStatus::kFailed: return "failed";
  }
  return "signed";
}

Result<SettlementStatus> parse_settlement_status(std::string_view s) {
  for (auto v : {SettlementStatus::kSigned, SettlementStatus::kMined, SettlementStatus::kConfirmed,
                 SettlementStatus::kFailed})
    if (s == to_string(v)) return v;
  return fail(ErrorCode::kInvalidArgument,
              "unknown settlement status '" + std::string(s) + "': use signed, mined, confirmed or failed");
}

json to_json(const Settlement& s) {
  json attempts = json::array();
  for (const auto& a : s.attempts)
    attempts.push_back({{"hash", a.hash.to_hex()},
                        {"nonce", std::int64_t(a.nonce)},
                        {"max_fee", a.max_fee.to_dec()},
                        {"max_priority_fee", a.max_priority_fee.to_dec()},
                        {"gas", std::int64_t(a.gas)},
                        {"time", a.time}});
  return {{"incident_id", s.incident_id},
          {"policy_id", s.policy_id},
          {"chain_id", std::int64_t(s.chain_id)},
          {"asset", s.asset},
          {"recipient", s.recipient.to_checksum()},
          {"amount", s.amount.to_dec()},
          {"treasury", s.treasury.to_checksum()},
          {"nonce", std::int64_t(s.nonce)},
          {"status", std::string(to_string(s.status))},
          {"attempts", attempts},
          {"raw", s.raw},
          {"mined_tx", s.mined_tx ? s.mined_tx->to_hex() : ""},
          {"block", std::int64_t(s.block)},
          {"block_hash", s.block_hash ? s.block_hash->to_hex() : ""},
          {"fee_paid", s.fee_paid.to_dec()},
          {"reasons", s.reasons},
          {"created_at", s.created_at},
          {"updated_at", s.updated_at}};
}

Result<Settlement> settlement_from_json(const json& j) {
  Settlement s;
  BULWARK_TRY(incident, get_int(j, "incident_id"));
  BULWARK_TRY(policy, get_int(j, "policy_id"));
  BULWARK_TRY(chain, get_int(j, "chain_id"));
  BULWARK_TRY(asset, get_str(j, "asset"));
  BULWARK_TRY(recipient, get_address(j, "recipient"));
  BULWARK_TRY(amount, get_amount(j, "amount"));
  BULWARK_TRY(treasury, get_address(j, "treasury"));
  BULWARK_TRY(nonce, get_int(j, "nonce"));
  BULWARK_TRY(status_s, get_str(j, "status"));
  BULWARK_TRY(status, parse_settlement_status(status_s));
  BULWARK_TRY(attempts, get_array(j, "attempts"));
  for (const auto& a : *attempts) {
    SettlementAttempt at;
    BULWARK_TRY(h, get_hash(a, "hash"));
    BULWARK_TRY(n, get_int(a, "nonce"));
    BULWARK_TRY(fee, get_amount(a, "max_fee"));
    BULWARK_TRY(tip, get_amount(a, "max_priority_fee"));
    BULWARK_TRY(gas, get_int(a, "gas"));
    BULWARK_TRY(t, get_int(a, "time"));
    at.hash = h;
    at.nonce = std::uint64_t(n);
    at.max_fee = fee;
    at.max_priority_fee = tip;
    at.gas = std::uint64_t(gas);
    at.time = t;
    s.attempts.push_back(at);
  }
  BULWARK_TRY(raw, get_str(j, "raw"));
  BULWARK_TRY(mined, get_str(j, "mined_tx"));
  BULWARK_TRY(block, get_int(j, "block"));
  BULWARK_TRY(block_hash, get_str(j, "block_hash"));
  BULWARK_TRY(fee_paid, get_amount(j, "fee_paid"));
  BULWARK_TRY(reasons, get_strings(j, "reasons"));
  BULWARK_TRY(created, get_int(j, "created_at"));
  BULWARK_TRY(updated, get_int(j, "updated_at"));
  if (incident <= 0 || policy <= 0 || chain < 0 || nonce < 0 || block < 0)
    return fail(ErrorCode::kInvalidArgument, "settlement ids, chain, nonce and block must not be negative");
  s.incident_id = incident;
  s.policy_id = policy;
  s.chain_id = std::uint64_t(chain);
  s.asset = asset;
  s.recipient = recipient;
  s.amount = amount;
  s.treasury = treasury;
  s.nonce = std::uint64_t(nonce);
  s.status = status;
  s.raw = raw;
  if (!mined.empty()) {
    BULWARK_TRY(h, Hash32::parse(mined));
    s.mined_tx = h;
  }
  s.block = std::uint64_t(block);
  if (!block_hash.empty()) {
    BULWARK_TRY(h, Hash32::parse(block_hash));
    s.block_hash = h;
  }
  s.fee_paid = fee_paid;
  s.reasons = reasons;
  s.created_at = created;
  s.updated_at = updated;
  return s;
}

store::Row to_row(const Settlement& s) {
  return row_of(sc::settlements(), to_json(s), json_column);
}

Result<Settlement> settlement_from_row(const store::Row& r) {
  BULWARK_TRY(j, json_of(sc::settlements(), r, json_column));
  auto s = settlement_from_json(j);
  if (!s) return fail(ErrorCode::kCorrupt, "stored settlement row: " + s.error().message);
  return s;
}

// ---- events ----

namespace {
constexpr const char* kSettlementKinds[] = {"settlement_signed",  "settlement_resigned",  "settlement_mined",
                                            "settlement_unmined", "settlement_confirmed", "settlement_failed",
                                            "settlement_retry"};

Result<std::vector<Settlement>> select_settlements(store::Tx& tx, const store::Query& q) {
  BULWARK_TRY(rows, tx.select(sc::settlements(), q));
  std::vector<Settlement> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    BULWARK_TRY(s, settlement_from_row(r));
    out.push_back(std::move(s));
  }
  return out;
}
}  // namespace

bool is_settlement_event(std::string_view kind) {
  return std::ranges::any_of(kSettlementKinds, [&](const char* k) { return kind == k; });
}

Status apply_settlement_event(Repo& repo, std::string_view kind, const json& payload) {
  BULWARK_TRY(sj, field(payload, "settlement"));
  auto parsed = settlement_from_json(*sj);
  if (!parsed) return std::unexpected(with_context(parsed.error(), "settlement"));
  const Settlement& s = *parsed;
  ClaimsRepo cr(repo);
  BULWARK_TRY(payout, cr.find_payout(s.incident_id, s.policy_id));
  if (!payout) return fail(ErrorCode::kInvalidArgument, key_of(s) + " was never made");
  if (payout->asset != s.asset || payout->holder != s.recipient || payout->amount != s.amount)
    return fail(ErrorCode::kInvalidArgument, "the settlement of " + key_of(s) + " does not match the payout");
  if (s.attempts.empty() || s.attempts.back().nonce != s.nonce)
    return fail(ErrorCode::kInvalidArgument,
                "the settlement of " + key_of(s) + " has no attempt at its nonce");
  BULWARK_TRY(row, repo.tx().get(sc::settlements(), {str(s.incident_id), str(s.policy_id)}));
  if (kind == "settlement_signed") {
    if (row) return fail(ErrorCode::kAlreadyExists, key_of(s) + " is already being settled");
  } else {
    if (!row) return fail(ErrorCode::kNotFound, key_of(s) + " was never signed");
    BULWARK_TRY(before, settlement_from_row(*row));
    if (s.attempts.size() < before.attempts.size())
      return fail(ErrorCode::kInvalidArgument, "the settlement of " + key_of(s) + " lost attempts");
  }
  return repo.tx().put(sc::settlements(), to_row(s));
}

Result<std::vector<Settlement>> all_settlements(store::Store& store) {
  std::vector<Settlement> out;
  BULWARK_CHECK(store.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    BULWARK_TRY(v, select_settlements(tx, {}));
    out = std::move(v);
    return {};
  }));
  return out;
}

Result<SettlementConfig> settlement_config_from_json(const json& j) {
  if (!j.is_object())
    return fail(ErrorCode::kInvalidArgument, "the settlement settings are not a JSON object");
  SettlementConfig c;
  for (const auto& [key, v] : j.items()) {
    const bool whole = v.is_number_integer();
    const std::int64_t n = whole ? v.get<std::int64_t>() : -1;
    if (key == "confirmations" && whole && n >= 1)
      c.confirmations = std::uint64_t(n);
    else if (key == "resend_after" && whole && n >= 0)
      c.resend_after = n;
    else if (key == "fee_bump_percent" && whole && n >= 10 && n <= 1000)
      c.fee_bump_percent = unsigned(n);
    else if (key == "batch" && whole && n >= 1)
      c.batch = std::size_t(n);
    else if (key == "max_fee_cap" && v.is_string() && U256::from_dec(v.get<std::string>()))
      c.max_fee_cap = *U256::from_dec(v.get<std::string>());
    else if (key == "confirmations" || key == "resend_after" || key == "fee_bump_percent" || key == "batch" ||
             key == "max_fee_cap")
      return fail(ErrorCode::kInvalidArgument,
                  "settlement." + key + " has a bad value: " + v.dump() +
                      " (confirmations >= 1, resend_after >= 0 s, fee_bump_percent 10..1000, batch >= 1, "
                      "max_fee_cap a decimal string of wei per gas)");
    else
      return fail(ErrorCode::kInvalidArgument, "unknown settlement setting '" + key + "'");
  }
  return c;
}

// ---- the settler ----

Settler::Settler(store::Store& store, const Clock& clock, SettlementChain& chain, PrivateKey treasury,
                 SettlementConfig config)
    : store_(store), clock_(clock), chain_(chain), key_(std::move(treasury)), config_(std::move(config)) {}

Status Settler::write(const char* kind, const Settlement& s) {
  return store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    BULWARK_CHECK(record_event(repo, clock_.now(), kind, json{{"settlement", to_json(s)}}));
    return {};
  });
}

Result<SettlementAttempt> Settler::sign_attempt(Settlement& s, std::uint64_t nonce,
                                                const SettlementChain::Fees& fees, std::uint64_t gas) {
  BULWARK_TRY(asset, parse_asset_key(s.asset));
  TxFields tx;
  tx.chain_id = chain_id_;
  tx.nonce = nonce;
  tx.max_fee = fees.max_fee;
  tx.max_priority_fee = std::min(fees.max_priority_fee, fees.max_fee);
  tx.gas = gas;
  if (asset.second) {
    tx.to = *asset.second;
    tx.data = erc20_transfer_data(s.recipient, s.amount);
  } else {
    tx.to = s.recipient;
    tx.value = s.amount;
  }
  BULWARK_TRY(signed_tx, sign_eip1559(key_, tx));
  SettlementAttempt a{signed_tx.hash, nonce, tx.max_fee, tx.max_priority_fee, gas, clock_.now()};
  s.nonce = nonce;
  s.attempts.push_back(a);
  s.raw = hex_encode(signed_tx.raw);
  s.updated_at = a.time;
  return a;
}

Result<SettlementPass> Settler::run_once() {
  if (chain_id_ == 0) {
    BULWARK_TRY(id, chain_.chain_id());
    chain_id_ = id;
  }
  SettlementPass pass;
  std::vector<Settlement> open;
  BULWARK_CHECK(store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    BULWARK_TRY(v, select_settlements(tx, store::Query{.equal = {{2, str(std::int64_t(chain_id_))}}}));
    open = std::move(v);
    return {};
  }));
  for (auto& s : open)
    if (s.treasury == key_.address() &&
        (s.status == SettlementStatus::kSigned || s.status == SettlementStatus::kMined))
      BULWARK_CHECK(follow(std::move(s), pass));
  BULWARK_CHECK(sign_new(pass));
  return pass;
}

Status Settler::follow(Settlement s, SettlementPass& pass) {
  const std::uint64_t confirmations = std::max<std::uint64_t>(config_.confirmations, 1);
  BULWARK_TRY(head, chain_.head());
  // Receipts of every attempt, newest first: only one can be mined, as they share the nonce.
  std::optional<std::pair<Hash32, SettlementChain::Mined>> found;
  for (auto it = s.attempts.rbegin(); it != s.attempts.rend() && !found; ++it) {
    BULWARK_TRY(r, chain_.receipt(it->hash));
    if (!r) continue;
    BULWARK_TRY(canonical, chain_.block_hash(r->block));
    if (canonical && *canonical == r->block_hash) found.emplace(it->hash, *r);
  }
  if (found) {
    const auto& [tx_hash, mined] = *found;
    if (s.status != SettlementStatus::kMined || s.block != mined.block || s.block_hash != mined.block_hash ||
        s.mined_tx != tx_hash) {
      s.status = SettlementStatus::kMined;
      s.mined_tx = tx_hash;
      s.block = mined.block;
      s.block_hash = mined.block_hash;
      s.fee_paid = mined.fee_paid;
      s.updated_at = clock_.now();
      s.reasons.push_back("mined: " + tx_hash.to_hex() + " in block " + str(std::int64_t(mined.block)));
      BULWARK_CHECK(write("settlement_mined", s));
      ++pass.mined;
    }
    if (head + 1 >= mined.block + confirmations) {
      s.updated_at = clock_.now();
      if (mined.success) {
        s.status = SettlementStatus::kConfirmed;
        s.reasons.push_back("confirmed: " + str(std::int64_t(head + 1 - mined.block)) +
                            " confirmation(s) at head " + str(std::int64_t(head)));
        BULWARK_CHECK(write("settlement_confirmed", s));
        ++pass.confirmed;
      } else {
        s.status = SettlementStatus::kFailed;
        s.reasons.push_back("failed: the transfer " + tx_hash.to_hex() + " reverted in block " +
                            str(std::int64_t(mined.block)) + "; nothing was paid (retry to pay again)");
        BULWARK_CHECK(write("settlement_failed", s));
        ++pass.failed;
      }
      return {};
    }
    ++pass.pending;
    return {};
  }
  if (s.status == SettlementStatus::kMined) {  // its block left the chain
    s.reasons.push_back("reorg: block " + str(std::int64_t(s.block)) + " (" +
                        (s.block_hash ? s.block_hash->to_hex() : std::string("?")) +
                        ") left the canonical chain; sending again with nonce " + str(std::int64_t(s.nonce)));
    s.status = SettlementStatus::kSigned;
    s.mined_tx.reset();
    s.block = 0;
    s.block_hash.reset();
    s.fee_paid = U256{};
    s.updated_at = clock_.now();
    BULWARK_CHECK(write("settlement_unmined", s));
    ++pass.reorged;
  }
  const SettlementAttempt& last = s.attempts.back();
  // The nonce consumed, confirmed, by a transaction that is none of ours: this payout was not paid
  // and can no longer be paid with it. Only when the node no longer holds any of our attempts, the
  // nonce was used a block before the confirmations' depth, and — asked again after seeing that —
  // no attempt has a receipt: a node's views of state, pool and receipts need not move together.
  if (head >= confirmations) {
    BULWARK_TRY(used, chain_.nonce_at(s.treasury, head - confirmations));
    bool ours_known = false;
    if (used > s.nonce)
      for (const auto& a : s.attempts) {
        BULWARK_TRY(k, chain_.known(a.hash));
        BULWARK_TRY(r, chain_.receipt(a.hash));
        if (k || r) ours_known = true;
        if (ours_known) break;
      }
    if (used > s.nonce && !ours_known) {
      BULWARK_TRY(fees, chain_.fees());
      BULWARK_TRY(nonce, next_nonce());
      BULWARK_TRY(a, sign_attempt(s, std::max(nonce, used), fees, last.gas));
      s.reasons.push_back("nonce " + str(std::int64_t(s.attempts[s.attempts.size() - 2].nonce)) +
                          " was used by another transaction of the treasury; paying with nonce " +
                          str(std::int64_t(a.nonce)));
      BULWARK_CHECK(write("settlement_resigned", s));
      ++pass.renonced;
      broadcast(s, pass);
      ++pass.pending;
      return {};
    }
  }
  // Stuck: no receipt for resend_after seconds: the same nonce with higher fees.
  if (clock_.now() - last.time >= config_.resend_after) {
    BULWARK_TRY(suggested, chain_.fees());
    SettlementChain::Fees fees{
        std::max(suggested.max_fee, bumped(last.max_fee, config_.fee_bump_percent)),
        std::max(suggested.max_priority_fee, bumped(last.max_priority_fee, config_.fee_bump_percent))};
    if (!config_.max_fee_cap.is_zero()) fees.max_fee = std::min(fees.max_fee, config_.max_fee_cap);
    if (fees.max_fee > last.max_fee && fees.max_priority_fee >= last.max_priority_fee) {
      const std::uint64_t gas = last.gas;
      BULWARK_TRY(a, sign_attempt(s, s.nonce, fees, gas));
      s.reasons.push_back("no receipt after " + str(clock_.now() - last.time) + " s: fee cap raised to " +
                          a.max_fee.to_dec() + " wei/gas (tip " + a.max_priority_fee.to_dec() +
                          "), same nonce " + str(std::int64_t(s.nonce)));
      BULWARK_CHECK(write("settlement_resigned", s));
      ++pass.bumped;
    } else {
      pass.notes.push_back(key_of(s) + ": stuck at the fee cap " + last.max_fee.to_dec() + " wei/gas");
    }
  }
  BULWARK_TRY(known, chain_.known(s.attempts.back().hash));
  if (!known) {
    broadcast(s, pass);
  }
  ++pass.pending;
  return {};
}

void Settler::broadcast(const Settlement& s, SettlementPass& pass) {
  // The stored transaction is valid hex: it was written by sign_attempt.
  auto sent = chain_.send(std::vector<std::uint8_t>(*hex_decode(s.raw)));
  if (sent)
    ++pass.sent;
  else
    pass.notes.push_back(key_of(s) + ": the node refused the transaction: " + sent.error().message);
}

Result<std::uint64_t> Settler::next_nonce() {
  std::optional<std::uint64_t> highest;
  BULWARK_CHECK(store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    BULWARK_TRY(settled, select_settlements(tx, store::Query{.equal = {{2, str(std::int64_t(chain_id_))}}}));
    for (const auto& s : settled)
      if (s.treasury == key_.address())
        for (const auto& a : s.attempts) highest = std::max(highest.value_or(0), a.nonce);
    return {};
  }));
  BULWARK_TRY(pending, chain_.pending_nonce(key_.address()));
  return std::max(pending, highest ? *highest + 1 : 0);
}

Status Settler::sign_new(SettlementPass& pass) {
  // Payouts of this chain with no settlement yet, and the highest nonce this treasury ever used.
  std::vector<Payout> todo;
  BULWARK_CHECK(store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    ClaimsRepo cr(repo);
    BULWARK_TRY(payouts, cr.payouts());
    BULWARK_TRY(settled, select_settlements(tx, {}));
    std::set<std::pair<Id, Id>> done;
    for (const auto& s : settled) done.insert({s.incident_id, s.policy_id});
    for (auto& p : payouts) {
      auto asset = parse_asset_key(p.asset);
      if (!asset || asset->first != chain_id_ || p.amount.is_zero()) continue;
      if (!done.contains({p.incident_id, p.policy_id})) todo.push_back(std::move(p));
    }
    return {};
  }));
  if (todo.empty()) return {};
  BULWARK_TRY(fees, chain_.fees());
  BULWARK_TRY(next, next_nonce());
  // What the treasury can pay: native (value and gas) and per token.
  std::map<std::string, U256> available;
  auto funds = [&](const std::optional<Address>& token) -> Result<U256*> {
    const std::string k = token ? token->to_lower_hex() : "native";
    auto it = available.find(k);
    if (it == available.end()) {
      BULWARK_TRY(b, chain_.balance(key_.address(), token));
      it = available.emplace(k, b).first;
    }
    return &it->second;
  };
  for (std::size_t begin = 0; begin < todo.size(); begin += std::max<std::size_t>(config_.batch, 1)) {
    const std::size_t end = std::min(todo.size(), begin + std::max<std::size_t>(config_.batch, 1));
    std::vector<Settlement> batch;
    for (std::size_t i = begin; i < end; ++i) {
      const Payout& p = todo[i];
      BULWARK_TRY(asset, parse_asset_key(p.asset));
      const auto& token = asset.second;
      std::uint64_t gas = 21'000;
      if (token) {
        auto est =
            chain_.estimate_gas(key_.address(), *token, U256{}, erc20_transfer_data(p.holder, p.amount));
        if (!est) {
          pass.notes.push_back("payout (incident " + str(p.incident_id) + ", policy " + str(p.policy_id) +
                               "): the transfer would fail: " + est.error().message);
          ++pass.waiting;
          continue;
        }
        gas = *est + *est / 4;  // a margin over the estimate
      }
      BULWARK_TRY(native, funds(std::nullopt));
      const U256 gas_cost = U256(gas).checked_mul(fees.max_fee).value_or(U256::max());
      U256 need_native = gas_cost;
      if (!token) need_native = need_native.checked_add(p.amount).value_or(U256::max());
      U256* tokens = nullptr;
      if (token) {
        BULWARK_TRY(t, funds(token));
        tokens = t;
      }
      if (*native < need_native || (tokens && *tokens < p.amount)) {
        pass.notes.push_back("payout (incident " + str(p.incident_id) + ", policy " + str(p.policy_id) +
                             "): the treasury " + key_.address().to_checksum() + " holds too little of " +
                             (tokens && *tokens < p.amount ? p.asset : std::string("the native asset")) +
                             " to send " + p.amount.to_dec() + " of " + p.asset + " with gas; waiting");
        ++pass.waiting;
        continue;
      }
      *native = *native->checked_sub(need_native);
      if (tokens) *tokens = *tokens->checked_sub(p.amount);
      Settlement s;
      s.incident_id = p.incident_id;
      s.policy_id = p.policy_id;
      s.chain_id = chain_id_;
      s.asset = p.asset;
      s.recipient = p.holder;
      s.amount = p.amount;
      s.treasury = key_.address();
      s.created_at = clock_.now();
      BULWARK_TRY(a, sign_attempt(s, next++, fees, gas));
      s.reasons.push_back("signed: nonce " + str(std::int64_t(a.nonce)) + ", " + a.hash.to_hex());
      batch.push_back(std::move(s));
    }
    if (batch.empty()) continue;
    // Written before anything is sent: a crash after this commit re-sends the same transactions.
    BULWARK_CHECK(store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
      Repo repo(tx);
      for (const auto& s : batch)
        BULWARK_CHECK(
            record_event(repo, clock_.now(), "settlement_signed", json{{"settlement", to_json(s)}}));
      return {};
    }));
    pass.signed_new += batch.size();
    for (const auto& s : batch) {
      broadcast(s, pass);
      ++pass.pending;
    }
  }
  return {};
}

Status Settler::retry(Id incident, Id policy, const std::string& reason) {
  if (chain_id_ == 0) {
    BULWARK_TRY(id, chain_.chain_id());
    chain_id_ = id;
  }
  std::optional<Settlement> found;
  BULWARK_CHECK(store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    BULWARK_TRY(row, tx.get(sc::settlements(), {str(incident), str(policy)}));
    if (!row)
      return fail(ErrorCode::kNotFound,
                  "payout (incident " + str(incident) + ", policy " + str(policy) + ") has no settlement");
    BULWARK_TRY(s, settlement_from_row(*row));
    found = std::move(s);
    return {};
  }));
  Settlement& s = *found;
  if (s.status != SettlementStatus::kFailed)
    return fail(ErrorCode::kFailedPrecondition,
                key_of(s) + " is " + std::string(to_string(s.status)) + ", not failed: nothing to retry");
  BULWARK_TRY(fees, chain_.fees());
  BULWARK_TRY(nonce, next_nonce());
  BULWARK_TRY(a, sign_attempt(s, nonce, fees, s.attempts.back().gas));
  s.status = SettlementStatus::kSigned;
  s.mined_tx.reset();
  s.block = 0;
  s.block_hash.reset();
  s.fee_paid = U256{};
  s.reasons.push_back("retry (" + reason + "): nonce " + str(std::int64_t(a.nonce)));
  BULWARK_CHECK(write("settlement_retry", s));
  return chain_.send(std::vector<std::uint8_t>(*hex_decode(s.raw)));
}

Result<std::vector<Settlement>> Settler::settlements(std::optional<Id> incident) {
  BULWARK_TRY(all, all_settlements(store_));
  std::erase_if(all, [&](const Settlement& s) {
    return s.chain_id != chain_id_ || (incident && s.incident_id != *incident);
  });
  return all;
}

}  // namespace bulwark::cover
