#include "bulwark/cover/claims_model.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "bulwark/cover/claims_view.hpp"
#include "bulwark/cover/json_fields.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using nlohmann::json;
using store::Row;
using namespace jsonf;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

json addresses_json(const std::vector<Address>& v) {
  json out = json::array();
  for (const auto& a : v) out.push_back(a.to_checksum());
  return out;
}

json hashes_json(const std::vector<Hash32>& v) {
  json out = json::array();
  for (const auto& h : v) out.push_back(h.to_hex());
  return out;
}

json losses_json(const std::vector<ProvenLoss>& v) {
  json out = json::array();
  for (const auto& l : v)
    out.push_back({{"holder", l.holder.to_checksum()}, {"asset", l.asset}, {"amount", l.amount.to_dec()}});
  return out;
}

Result<std::vector<ProvenLoss>> get_losses(const json& j, const char* key) {
  BULWARK_TRY(arr, get_array(j, key));
  std::vector<ProvenLoss> out;
  for (const auto& e : *arr) {
    BULWARK_TRY(holder, get_address(e, "holder"));
    BULWARK_TRY(asset, get_str(e, "asset"));
    BULWARK_TRY(amount, get_amount(e, "amount"));
    out.push_back({holder, asset, amount});
  }
  return out;
}

// ---- rows as JSON objects: one column per field of the same name ----

/// Text columns that hold JSON (arrays, objects, null) rather than a plain string.
bool json_column(const store::TableDef& t, const std::string& col) {
  static const std::set<std::pair<std::string, std::string>> cols{
      {"incidents", "reporters"}, {"incidents", "txs"}, {"incidents", "proof"}, {"incidents", "reasons"},
      {"claims", "addresses"},    {"claims", "txs"},    {"claims", "reasons"},  {"payouts", "burns"}};
  return cols.contains({t.name, col});
}

Row row_of(const store::TableDef& t, const json& j) {
  return jsonf::row_of(t, j, [&](const std::string& c) { return json_column(t, c); });
}

Result<json> json_of(const store::TableDef& t, const Row& r) {
  return jsonf::json_of(t, r, [&](const std::string& c) { return json_column(t, c); });
}

template <class T, class F>
Result<T> from_row_via_json(const store::TableDef& t, const Row& r, F parse) {
  BULWARK_TRY(j, json_of(t, r));
  auto v = parse(j);
  if (!v) return fail(ErrorCode::kCorrupt, "stored " + t.name + " row: " + v.error().message);
  return std::move(*v);
}

template <class T, class F>
Result<std::optional<T>> find_one(store::Tx& tx, const store::TableDef& t, const Row& key, F parse) {
  BULWARK_TRY(row, tx.get(t, key));
  if (!row) return std::optional<T>{};
  BULWARK_TRY(v, parse(*row));
  return std::optional<T>{std::move(v)};
}

template <class T, class F>
Result<std::vector<T>> select_all(store::Tx& tx, const store::TableDef& t, const store::Query& q, F parse) {
  BULWARK_TRY(rows, tx.select(t, q));
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    BULWARK_TRY(v, parse(r));
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

Result<ClaimsConfig> claims_config_from_json(const json& j) {
  if (!j.is_object()) return fail(ErrorCode::kInvalidArgument, "the claims settings are not a JSON object");
  ClaimsConfig c;
  for (const auto& [key, v] : j.items()) {
    auto seconds = [&](std::int64_t& out) -> Status {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
        return fail(ErrorCode::kInvalidArgument, "claims." + key + " must be a whole number >= 0");
      out = v.get<std::int64_t>();
      return {};
    };
    auto count = [&](std::size_t& out) -> Status {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1)
        return fail(ErrorCode::kInvalidArgument, "claims." + key + " must be a whole number >= 1");
      out = std::size_t(v.get<std::int64_t>());
      return {};
    };
    auto amount = [&](U256& out) -> Status {
      auto a = v.is_string() ? U256::from_dec(v.get<std::string>()) : fail(ErrorCode::kInvalidArgument, "");
      if (!a)
        return fail(ErrorCode::kInvalidArgument,
                    "claims." + key + " must be a decimal string in the asset's smallest unit");
      out = *a;
      return {};
    };
    if (key == "challenge_window")
      BULWARK_CHECK(seconds(c.challenge_window));
    else if (key == "parametric_min_loss")
      BULWARK_CHECK(amount(c.parametric_min_loss));
    else if (key == "cooling_off") {
      BULWARK_CHECK(seconds(c.cooling_off));
      // The default of every new product's cooling-off term.
      if (c.cooling_off > kMaxCoolingOff)
        return fail(ErrorCode::kInvalidArgument, "claims.cooling_off must be at most 365 days (" +
                                                     std::to_string(kMaxCoolingOff) + " seconds)");
    } else if (key == "reward_bps")
      BULWARK_CHECK(seconds(c.reward_bps));
    else if (key == "voting_period")
      BULWARK_CHECK(seconds(c.voting_period));
    else if (key == "silent_extension")
      BULWARK_CHECK(seconds(c.silent_extension));
    else if (key == "cooldown")
      BULWARK_CHECK(seconds(c.cooldown));
    else if (key == "stake_lock")
      BULWARK_CHECK(seconds(c.stake_lock));
    else if (key == "quorum")
      BULWARK_CHECK(amount(c.quorum));
    else if (key == "payout_batch")
      BULWARK_CHECK(count(c.payout_batch));
    else if (key == "max_txs")
      BULWARK_CHECK(count(c.max_txs));
    else if (key == "min_deposit") {
      if (!v.is_object())
        return fail(ErrorCode::kInvalidArgument, "claims.min_deposit must map asset keys to amounts");
      for (const auto& [asset, a] : v.items()) {
        auto x = a.is_string() ? U256::from_dec(a.get<std::string>()) : fail(ErrorCode::kInvalidArgument, "");
        if (!x)
          return fail(ErrorCode::kInvalidArgument,
                      "claims.min_deposit." + asset + " must be a decimal string");
        c.min_deposit.emplace_back(asset, *x);
      }
    } else if (key == "min_challenge_bond") {
      if (!v.is_object())
        return fail(ErrorCode::kInvalidArgument, "claims.min_challenge_bond must map asset keys to amounts");
      for (const auto& [asset, a] : v.items()) {
        auto x = a.is_string() ? U256::from_dec(a.get<std::string>()) : fail(ErrorCode::kInvalidArgument, "");
        if (!x)
          return fail(ErrorCode::kInvalidArgument,
                      "claims.min_challenge_bond." + asset + " must be a decimal string");
        c.min_challenge_bond.emplace_back(asset, *x);
      }
    } else {
      return fail(ErrorCode::kInvalidArgument, "unknown claims setting '" + key + "'");
    }
  }
  // A vote reversed in its cooldown reopens for silent_extension; its voters' stakes, locked for
  // stake_lock from the original end, must still be locked when it decides again.
  if (c.stake_lock < c.cooldown + c.silent_extension)
    return fail(ErrorCode::kInvalidArgument,
                "claims.stake_lock (" + std::to_string(c.stake_lock) +
                    " s) must be at least claims.cooldown + claims.silent_extension (" +
                    std::to_string(c.cooldown + c.silent_extension) +
                    " s): a vote reopened in its cooldown must find its voters' stakes still locked");
  return c;
}

std::string_view to_string(IncidentStatus s) {
  switch (s) {
    case IncidentStatus::kOpen: return "open";
    case IncidentStatus::kVerified: return "verified";
    case IncidentStatus::kConfirmed: return "confirmed";
    case IncidentStatus::kRejected: return "rejected";
    case IncidentStatus::kDenied: return "denied";
  }
  return "open";
}

Result<IncidentStatus> parse_incident_status(std::string_view s) {
  for (auto v : {IncidentStatus::kOpen, IncidentStatus::kVerified, IncidentStatus::kConfirmed,
                 IncidentStatus::kRejected, IncidentStatus::kDenied})
    if (s == to_string(v)) return v;
  return fail(ErrorCode::kInvalidArgument, "unknown incident status '" + std::string(s) +
                                               "': use open, verified, confirmed, rejected or denied");
}

std::string_view to_string(ClaimStatus s) {
  switch (s) {
    case ClaimStatus::kPending: return "pending";
    case ClaimStatus::kApproved: return "approved";
    case ClaimStatus::kRejected: return "rejected";
    case ClaimStatus::kPaid: return "paid";
  }
  return "pending";
}

Result<ClaimStatus> parse_claim_status(std::string_view s) {
  for (auto v : {ClaimStatus::kPending, ClaimStatus::kApproved, ClaimStatus::kRejected, ClaimStatus::kPaid})
    if (s == to_string(v)) return v;
  return fail(ErrorCode::kInvalidArgument,
              "unknown claim status '" + std::string(s) + "': use pending, approved, rejected or paid");
}

U256 Proof::loss_of(const Address& holder, const std::string& asset) const {
  for (const auto& l : losses)
    if (l.holder == holder && l.asset == asset) return l.amount;
  for (const auto& l : net_losses)
    if (l.holder == holder && l.asset == asset) return l.amount;
  return U256{};
}

bool Proof::is_attacker(const Address& a) const {
  for (const auto& x : attackers)
    if (x == a) return true;
  return false;
}

std::optional<Funding> Proof::funding_of(const Address& a) const {
  for (const auto& f : funded)
    if (f.recipient == a) return f;
  return std::nullopt;
}

U256 Proof::loss_to(std::span<const Address> contracts, const std::string& asset) const {
  U256 total;
  for (const auto& l : losses)
    if (l.asset == asset && std::find(contracts.begin(), contracts.end(), l.holder) != contracts.end())
      total = total.checked_add(l.amount).value_or(U256::max());
  return total;
}

ProofIndex::ProofIndex(std::shared_ptr<const Incident> incident) : incident_(std::move(incident)) {
  if (!incident_ || !incident_->proof) return;
  const Proof& p = *incident_->proof;
  for (const auto& l : p.losses) losses_[l.holder].push_back(&l);
  for (const auto& l : p.net_losses) net_losses_[l.holder].push_back(&l);
  for (const auto& a : p.attackers) attackers_.emplace(a, true);
  for (const auto& f : p.funded) funded_.try_emplace(f.recipient, &f);
}

U256 ProofIndex::loss_of(const Address& holder, const std::string& asset) const {
  for (const auto* index : {&losses_, &net_losses_})
    if (auto it = index->find(holder); it != index->end())
      for (const ProvenLoss* l : it->second)
        if (l->asset == asset) return l->amount;
  return U256{};
}

bool ProofIndex::is_attacker(const Address& a) const {
  return attackers_.contains(a);
}

std::optional<Funding> ProofIndex::funding_of(const Address& a) const {
  const auto it = funded_.find(a);
  if (it == funded_.end()) return std::nullopt;
  return *it->second;
}

namespace accounts {
std::string claim_deposits(const std::string& asset) {
  return "claims:deposits:" + asset;
}
std::string flow_claim_deposits(const std::string& asset) {
  return "flow:claim_deposits:" + asset;
}
std::string assessor_rewards(const Address& assessor, const std::string& asset) {
  return "assessor:" + assessor.to_lower_hex() + ":rewards:" + asset;
}
std::string challenge_bonds(const std::string& asset) {
  return "claims:bonds:" + asset;
}
std::string flow_challenge_bonds(const std::string& asset) {
  return "flow:challenge_bonds:" + asset;
}
std::string flow_bond_refunds(const std::string& asset) {
  return "flow:bond_refunds:" + asset;
}
std::string flow_deposit_refunds(const std::string& asset) {
  return "flow:deposit_refunds:" + asset;
}
std::string flow_reward_withdrawals(const std::string& asset) {
  return "flow:reward_withdrawals:" + asset;
}
std::string flow_payouts(const std::string& asset) {
  return "flow:payouts:" + asset;
}
}  // namespace accounts

std::string asset_key(std::uint64_t chain_id, bool native, const Address& token) {
  return std::to_string(chain_id) + ":" + (native ? std::string("native") : token.to_lower_hex());
}

// ---- JSON ----

json to_json(const Proof& p) {
  json funded = json::array();
  for (const auto& f : p.funded)
    funded.push_back({{"attacker", f.attacker.to_checksum()},
                      {"recipient", f.recipient.to_checksum()},
                      {"tx", f.tx.to_hex()}});
  json txs = json::array();
  for (const auto& t : p.txs)
    txs.push_back({{"tx", t.tx.to_hex()},
                   {"block", std::int64_t(t.block)},
                   {"time", t.time},
                   {"kind", t.kind},
                   {"severity", t.severity}});
  return {{"kind", p.kind},
          {"block", std::int64_t(p.block)},
          {"time", p.time},
          {"losses", losses_json(p.losses)},
          {"net_losses", losses_json(p.net_losses)},
          {"attackers", addresses_json(p.attackers)},
          {"funded", funded},
          {"txs", txs}};
}

Result<Proof> proof_from_json(const json& j) {
  Proof p;
  BULWARK_TRY(kind, get_str(j, "kind"));
  BULWARK_TRY(block, get_int(j, "block"));
  BULWARK_TRY(time, get_int(j, "time"));
  BULWARK_TRY(losses, get_losses(j, "losses"));
  BULWARK_TRY(net, get_losses(j, "net_losses"));
  BULWARK_TRY(attackers, get_addresses(j, "attackers"));
  BULWARK_TRY(funded, get_array(j, "funded"));
  BULWARK_TRY(txs, get_array(j, "txs"));
  p.kind = kind;
  p.block = std::uint64_t(block);
  p.time = time;
  p.losses = std::move(losses);
  p.net_losses = std::move(net);
  p.attackers = std::move(attackers);
  for (const auto& f : *funded) {
    BULWARK_TRY(a, get_address(f, "attacker"));
    BULWARK_TRY(r, get_address(f, "recipient"));
    BULWARK_TRY(tx, get_hash(f, "tx"));
    p.funded.push_back({a, r, tx});
  }
  for (const auto& t : *txs) {
    EvidenceTx e;
    BULWARK_TRY(tx, get_hash(t, "tx"));
    BULWARK_TRY(b, get_int(t, "block"));
    BULWARK_TRY(tm, get_int(t, "time"));
    BULWARK_TRY(k, get_str(t, "kind"));
    BULWARK_TRY(s, get_str(t, "severity"));
    e.tx = tx;
    e.block = std::uint64_t(b);
    e.time = tm;
    e.kind = k;
    e.severity = s;
    p.txs.push_back(std::move(e));
  }
  return p;
}

json to_json(const Incident& i) {
  return {{"id", i.id},
          {"product_id", i.product_id},
          {"chain_id", std::int64_t(i.chain_id)},
          {"status", to_string(i.status)},
          {"source", i.source},
          {"kind", i.kind},
          {"block", std::int64_t(i.block)},
          {"time", i.time},
          {"opened_at", i.opened_at},
          {"verified_at", i.verified_at},
          {"decided_at", i.decided_at},
          {"challenge_ends", i.challenge_ends},
          {"vote_ends", i.vote_ends},
          {"payable_from", i.payable_from},
          {"accept_weight", i.accept_weight.to_dec()},
          {"deny_weight", i.deny_weight.to_dec()},
          {"reporters", addresses_json(i.reporters)},
          {"description", i.description},
          {"txs", hashes_json(i.txs)},
          {"proof", i.proof ? to_json(*i.proof) : json(nullptr)},
          {"reasons", i.reasons},
          {"haircut_num", i.haircut_num.to_dec()},
          {"haircut_den", i.haircut_den.to_dec()}};
}

Result<Incident> incident_from_json(const json& j) {
  Incident i;
  BULWARK_TRY(id, get_int(j, "id"));
  BULWARK_TRY(product, get_int(j, "product_id"));
  BULWARK_TRY(chain, get_int(j, "chain_id"));
  BULWARK_TRY(status_s, get_str(j, "status"));
  BULWARK_TRY(status, parse_incident_status(status_s));
  BULWARK_TRY(source, get_str(j, "source"));
  BULWARK_TRY(kind, get_str(j, "kind"));
  BULWARK_TRY(block, get_int(j, "block"));
  BULWARK_TRY(time, get_int(j, "time"));
  BULWARK_TRY(opened, get_int(j, "opened_at"));
  BULWARK_TRY(verified, get_int(j, "verified_at"));
  BULWARK_TRY(decided, get_int(j, "decided_at"));
  BULWARK_TRY(challenge, get_int(j, "challenge_ends"));
  BULWARK_TRY(vote_ends, get_int(j, "vote_ends"));
  BULWARK_TRY(payable_from, get_int(j, "payable_from"));
  BULWARK_TRY(accept, get_amount(j, "accept_weight"));
  BULWARK_TRY(deny, get_amount(j, "deny_weight"));
  BULWARK_TRY(reporters, get_addresses(j, "reporters"));
  BULWARK_TRY(description, get_str(j, "description"));
  BULWARK_TRY(txs, get_hashes(j, "txs"));
  BULWARK_TRY(proof_j, field(j, "proof"));
  BULWARK_TRY(reasons, get_strings(j, "reasons"));
  BULWARK_TRY(hnum, get_amount(j, "haircut_num"));
  BULWARK_TRY(hden, get_amount(j, "haircut_den"));
  i.id = id;
  i.product_id = product;
  i.chain_id = std::uint64_t(chain);
  i.status = status;
  i.source = source;
  i.kind = kind;
  i.block = std::uint64_t(block);
  i.time = time;
  i.opened_at = opened;
  i.verified_at = verified;
  i.decided_at = decided;
  i.challenge_ends = challenge;
  i.vote_ends = vote_ends;
  i.payable_from = payable_from;
  i.accept_weight = accept;
  i.deny_weight = deny;
  i.reporters = std::move(reporters);
  i.description = description;
  i.txs = std::move(txs);
  if (!proof_j->is_null()) {
    BULWARK_TRY(proof, proof_from_json(*proof_j));
    i.proof = std::move(proof);
  }
  i.reasons = std::move(reasons);
  i.haircut_num = hnum;
  i.haircut_den = hden;
  return i;
}

json to_json(const Claim& c) {
  return {{"id", c.id},
          {"policy_id", c.policy_id},
          {"incident_id", c.incident_id},
          {"holder", c.holder.to_checksum()},
          {"asset", c.asset},
          {"claimed", c.claimed.to_dec()},
          {"proven", c.proven.to_dec()},
          {"payable", c.payable.to_dec()},
          {"paid", c.paid.to_dec()},
          {"deposit", c.deposit.to_dec()},
          {"reward", c.reward.to_dec()},
          {"status", to_string(c.status)},
          {"addresses", addresses_json(c.addresses)},
          {"txs", hashes_json(c.txs)},
          {"reasons", c.reasons},
          {"submitted_at", c.submitted_at},
          {"decided_at", c.decided_at}};
}

namespace {

/// A claim from its fields, read from a JSON object (jsonf::JsonFields) or a claims row
/// (jsonf::RowFields) by the same rules.
template <class Fields>
Result<Claim> claim_from(const Fields& f) {
  Claim c;
  BULWARK_TRY(id, f.get_int("id"));
  BULWARK_TRY(policy, f.get_int("policy_id"));
  BULWARK_TRY(incident, f.get_int("incident_id"));
  BULWARK_TRY(holder, f.get_address("holder"));
  BULWARK_TRY(asset, f.get_str("asset"));
  BULWARK_TRY(claimed, f.get_amount("claimed"));
  BULWARK_TRY(proven, f.get_amount("proven"));
  BULWARK_TRY(payable, f.get_amount("payable"));
  BULWARK_TRY(paid, f.get_amount("paid"));
  BULWARK_TRY(deposit, f.get_amount("deposit"));
  BULWARK_TRY(reward, f.get_amount("reward"));
  BULWARK_TRY(status_s, f.get_str("status"));
  BULWARK_TRY(status, parse_claim_status(status_s));
  BULWARK_TRY(addresses, f.get_addresses("addresses"));
  BULWARK_TRY(txs, f.get_hashes("txs"));
  BULWARK_TRY(reasons, f.get_strings("reasons"));
  BULWARK_TRY(submitted, f.get_int("submitted_at"));
  BULWARK_TRY(decided, f.get_int("decided_at"));
  c.id = id;
  c.policy_id = policy;
  c.incident_id = incident;
  c.holder = holder;
  c.asset = asset;
  c.claimed = claimed;
  c.proven = proven;
  c.payable = payable;
  c.paid = paid;
  c.deposit = deposit;
  c.reward = reward;
  c.status = status;
  c.addresses = std::move(addresses);
  c.txs = std::move(txs);
  c.reasons = std::move(reasons);
  c.submitted_at = submitted;
  c.decided_at = decided;
  return c;
}

}  // namespace

Result<Claim> claim_from_json(const json& j) {
  return claim_from(jsonf::JsonFields{j});
}

json to_json(const Payout& p) {
  json burns = json::array();
  for (const auto& b : p.burns) burns.push_back({{"pool", b.pool_id}, {"amount", b.amount.to_dec()}});
  return {{"incident_id", p.incident_id},
          {"policy_id", p.policy_id},
          {"claim_id", p.claim_id},
          {"holder", p.holder.to_checksum()},
          {"asset", p.asset},
          {"entitled", p.entitled.to_dec()},
          {"amount", p.amount.to_dec()},
          {"ratio_num", p.ratio_num.to_dec()},
          {"ratio_den", p.ratio_den.to_dec()},
          {"burns", burns},
          {"time", p.time}};
}

Result<Payout> payout_from_json(const json& j) {
  Payout p;
  BULWARK_TRY(incident, get_int(j, "incident_id"));
  BULWARK_TRY(policy, get_int(j, "policy_id"));
  BULWARK_TRY(claim, get_int(j, "claim_id"));
  BULWARK_TRY(holder, get_address(j, "holder"));
  BULWARK_TRY(asset, get_str(j, "asset"));
  BULWARK_TRY(entitled, get_amount(j, "entitled"));
  BULWARK_TRY(amount, get_amount(j, "amount"));
  BULWARK_TRY(num, get_amount(j, "ratio_num"));
  BULWARK_TRY(den, get_amount(j, "ratio_den"));
  BULWARK_TRY(burns, get_array(j, "burns"));
  BULWARK_TRY(time, get_int(j, "time"));
  p.incident_id = incident;
  p.policy_id = policy;
  p.claim_id = claim;
  p.holder = holder;
  p.asset = asset;
  p.entitled = entitled;
  p.amount = amount;
  p.ratio_num = num;
  p.ratio_den = den;
  for (const auto& b : *burns) {
    BULWARK_TRY(pool, get_int(b, "pool"));
    BULWARK_TRY(a, get_amount(b, "amount"));
    p.burns.push_back({pool, a});
  }
  p.time = time;
  return p;
}

json to_json(const Assessor& a) {
  return {{"address", a.address.to_checksum()},
          {"stake", a.stake.to_dec()},
          {"locked_until", a.locked_until},
          {"slashed", a.slashed.to_dec()},
          {"registered_at", a.registered_at}};
}

Result<Assessor> assessor_from_json(const json& j) {
  Assessor a;
  BULWARK_TRY(address, get_address(j, "address"));
  BULWARK_TRY(stake, get_amount(j, "stake"));
  BULWARK_TRY(locked, get_int(j, "locked_until"));
  BULWARK_TRY(slashed, get_amount(j, "slashed"));
  BULWARK_TRY(registered, get_int(j, "registered_at"));
  a.address = address;
  a.stake = stake;
  a.locked_until = locked;
  a.slashed = slashed;
  a.registered_at = registered;
  return a;
}

json to_json(const Vote& v) {
  return {{"incident_id", v.incident_id},
          {"assessor", v.assessor.to_checksum()},
          {"accept", v.accept ? 1 : 0},
          {"weight", v.weight.to_dec()},
          {"nonce", v.nonce},
          {"time", v.time}};
}

Result<Vote> vote_from_json(const json& j) {
  Vote v;
  BULWARK_TRY(incident, get_int(j, "incident_id"));
  BULWARK_TRY(assessor, get_address(j, "assessor"));
  BULWARK_TRY(accept, get_int(j, "accept"));
  BULWARK_TRY(weight, get_amount(j, "weight"));
  BULWARK_TRY(nonce, get_int(j, "nonce"));
  BULWARK_TRY(time, get_int(j, "time"));
  v.incident_id = incident;
  v.assessor = assessor;
  v.accept = accept != 0;
  v.weight = weight;
  v.nonce = nonce;
  v.time = time;
  return v;
}

json to_json(const SignatureUse& s) {
  return {{"digest", s.digest.to_hex()},
          {"signer", s.signer.to_checksum()},
          {"purpose", s.purpose},
          {"time", s.time}};
}

Result<SignatureUse> signature_from_json(const json& j) {
  SignatureUse s;
  BULWARK_TRY(digest, get_hash(j, "digest"));
  BULWARK_TRY(signer, get_address(j, "signer"));
  BULWARK_TRY(purpose, get_str(j, "purpose"));
  BULWARK_TRY(time, get_int(j, "time"));
  s.digest = digest;
  s.signer = signer;
  s.purpose = purpose;
  s.time = time;
  return s;
}

// ---- rows ----

Row to_row(const Incident& i) {
  return row_of(sc::incidents(), to_json(i));
}
Row to_row(const Claim& c) {
  // Column by column what row_of(claims, to_json(c)) gives, without the object in between (claims
  // are written by the thousand in a payout run).
  return {str(c.id),
          str(c.policy_id),
          str(c.incident_id),
          c.holder.to_checksum(),
          c.asset,
          c.claimed.to_dec(),
          c.proven.to_dec(),
          c.payable.to_dec(),
          c.paid.to_dec(),
          c.deposit.to_dec(),
          c.reward.to_dec(),
          std::string(to_string(c.status)),
          addresses_json(c.addresses).dump(),
          hashes_json(c.txs).dump(),
          json(c.reasons).dump(),
          str(c.submitted_at),
          str(c.decided_at)};
}
Row to_row(const Payout& p) {
  return row_of(sc::payouts(), to_json(p));
}
Row to_row(const Assessor& a) {
  return row_of(sc::assessors(), to_json(a));
}
Row to_row(const Vote& v) {
  return row_of(sc::votes(), to_json(v));
}
Row to_row(const SignatureUse& s) {
  return row_of(sc::signatures(), to_json(s));
}
Result<Incident> incident_from_row(const Row& r) {
  return from_row_via_json<Incident>(sc::incidents(), r, incident_from_json);
}
Result<Claim> claim_from_row(const Row& r) {
  const jsonf::RowFields f(sc::claims(), r,
                           [](const std::string& c) { return json_column(sc::claims(), c); });
  BULWARK_CHECK(f.check_width());
  auto c = claim_from(f);
  if (!c) return fail(ErrorCode::kCorrupt, "stored claims row: " + c.error().message);
  return std::move(*c);
}
Result<Payout> payout_from_row(const Row& r) {
  return from_row_via_json<Payout>(sc::payouts(), r, payout_from_json);
}
Result<Assessor> assessor_from_row(const Row& r) {
  return from_row_via_json<Assessor>(sc::assessors(), r, assessor_from_json);
}
Result<Vote> vote_from_row(const Row& r) {
  return from_row_via_json<Vote>(sc::votes(), r, vote_from_json);
}
Result<SignatureUse> signature_from_row(const Row& r) {
  return from_row_via_json<SignatureUse>(sc::signatures(), r, signature_from_json);
}

// ---- IncidentClaims ----

namespace {

void insert_id(std::vector<Id>& ids, Id id) {
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it == ids.end() || *it != id) ids.insert(it, id);
}

void erase_id(std::vector<Id>& ids, Id id) {
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it != ids.end() && *it == id) ids.erase(it);
}

template <class K>
std::span<const Id> ids_of(const std::unordered_map<K, std::vector<Id>>& index, const K& k) {
  const auto it = index.find(k);
  if (it == index.end()) return {};
  return it->second;
}

}  // namespace

IncidentClaims::IncidentClaims(std::vector<Claim> claims) {
  for (auto& c : claims) put(std::move(c));
}

void IncidentClaims::put(Claim c) {
  if (auto it = claims_.find(c.id); it != claims_.end()) {
    const Claim& old = it->second;
    if (old.holder != c.holder) erase_id(by_holder_[old.holder], c.id);
    if (old.policy_id != c.policy_id) erase_id(by_policy_[old.policy_id], c.id);
    for (const auto& a : old.addresses)
      if (std::find(c.addresses.begin(), c.addresses.end(), a) == c.addresses.end())
        erase_id(by_address_[a], c.id);
  }
  insert_id(by_holder_[c.holder], c.id);
  insert_id(by_policy_[c.policy_id], c.id);
  for (const auto& a : c.addresses) insert_id(by_address_[a], c.id);
  const Id id = c.id;
  claims_.insert_or_assign(id, std::move(c));
}

const Claim* IncidentClaims::find(Id id) const {
  const auto it = claims_.find(id);
  return it == claims_.end() ? nullptr : &it->second;
}

std::span<const Id> IncidentClaims::of_holder(const Address& holder) const {
  return ids_of(by_holder_, holder);
}

std::span<const Id> IncidentClaims::naming(const Address& a) const {
  return ids_of(by_address_, a);
}

std::span<const Id> IncidentClaims::of_policy(Id policy) const {
  return ids_of(by_policy_, policy);
}

// ---- ClaimsRepo ----

namespace {

/// The view that may answer reads of `table` in this transaction, if any.
ClaimsView* view_of(Repo& repo, const store::TableDef& table) {
  auto* vtx = dynamic_cast<ViewTx*>(&repo.tx());
  return vtx ? vtx->view_for(table) : nullptr;
}

}  // namespace

Result<std::shared_ptr<const Incident>> ClaimsRepo::find_ref(Id id) {
  ClaimsView* view = view_of(repo_, sc::incidents());
  if (view)
    if (auto it = view->incidents_.find(id); it != view->incidents_.end()) return it->second;
  BULWARK_TRY(found, find_one<Incident>(repo_.tx(), sc::incidents(), {str(id)}, incident_from_row));
  if (!found) return std::shared_ptr<const Incident>{};
  auto ref = std::make_shared<const Incident>(std::move(*found));
  if (view) view->incidents_.emplace(id, ref);
  return ref;
}

std::shared_ptr<const ProofIndex> ClaimsRepo::proof_index(const std::shared_ptr<const Incident>& incident) {
  ClaimsView* view = incident ? view_of(repo_, sc::incidents()) : nullptr;
  if (view) {
    const auto it = view->incidents_.find(incident->id);
    if (it != view->incidents_.end() && it->second == incident) {  // the view's own copy
      auto& index = view->proofs_[incident->id];
      if (!index) index = std::make_shared<const ProofIndex>(incident);
      return index;
    }
  }
  return std::make_shared<const ProofIndex>(incident);
}

Result<std::optional<Incident>> ClaimsRepo::find_incident(Id id) {
  if (!view_of(repo_, sc::incidents()))
    return find_one<Incident>(repo_.tx(), sc::incidents(), {str(id)}, incident_from_row);
  BULWARK_TRY(ref, find_ref(id));
  if (!ref) return std::optional<Incident>{};
  return std::optional<Incident>{*ref};
}
Result<Incident> ClaimsRepo::get_incident(Id id) {
  BULWARK_TRY(found, find_incident(id));
  if (!found) return fail(ErrorCode::kNotFound, "incident " + str(id) + " does not exist");
  return std::move(*found);
}
Result<std::shared_ptr<const Incident>> ClaimsRepo::incident_ref(Id id) {
  BULWARK_TRY(ref, find_ref(id));
  if (!ref) return fail(ErrorCode::kNotFound, "incident " + str(id) + " does not exist");
  return ref;
}
Result<std::vector<Incident>> ClaimsRepo::incidents(std::optional<IncidentStatus> status) {
  const auto& t = sc::incidents();
  if (!view_of(repo_, t)) {
    store::Query q;
    if (status) q.equal.emplace_back(t.column("status"), std::string(to_string(*status)));
    return select_all<Incident>(repo_.tx(), t, q, incident_from_row);
  }
  BULWARK_TRY(refs, incident_refs(status));
  std::vector<Incident> out;
  out.reserve(refs.size());
  for (const auto& r : refs) out.push_back(*r);
  return out;
}
Result<std::vector<std::shared_ptr<const Incident>>> ClaimsRepo::incident_refs(
    std::optional<IncidentStatus> status) {
  const auto& t = sc::incidents();
  ClaimsView* view = view_of(repo_, t);
  if (view)
    if (auto it = view->lists_.find(status); it != view->lists_.end()) return it->second;
  store::Query q;
  if (status) q.equal.emplace_back(t.column("status"), std::string(to_string(*status)));
  BULWARK_TRY(rows, repo_.tx().select(t, q));
  std::vector<std::shared_ptr<const Incident>> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    if (view) {
      // The view's copy is the committed row this transaction reads: no need to parse it again.
      Id id = 0;
      const std::string& s = r.at(0);
      if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
          ec == std::errc() && p == s.data() + s.size())
        if (auto it = view->incidents_.find(id); it != view->incidents_.end()) {
          out.push_back(it->second);
          continue;
        }
    }
    BULWARK_TRY(inc, incident_from_row(r));
    auto ref = std::make_shared<const Incident>(std::move(inc));
    if (view) view->incidents_.emplace(ref->id, ref);
    out.push_back(std::move(ref));
  }
  if (view) view->lists_.emplace(status, out);
  return out;
}
Result<std::optional<Id>> ClaimsRepo::incident_of_tx(std::uint64_t chain_id, const Hash32& tx, Id product) {
  BULWARK_TRY(row,
              repo_.tx().get(sc::incident_txs(), {str(std::int64_t(chain_id)), tx.to_hex(), str(product)}));
  if (!row) return std::optional<Id>{};
  BULWARK_TRY(j, json_of(sc::incident_txs(), *row));
  return std::optional<Id>{j["incident_id"].get<std::int64_t>()};
}

Result<std::optional<Claim>> ClaimsRepo::find_claim(Id id) {
  // The view holds every claim of the incidents whose claims it has read.
  auto* vtx = dynamic_cast<ViewTx*>(&repo_.tx());
  if (vtx && vtx->claim_known_absent(id)) return std::optional<Claim>{};
  if (ClaimsView* view = vtx ? vtx->view_for_claim(id) : nullptr)
    for (const auto& [_, claims] : view->claims_)
      if (const Claim* c = claims->find(id)) return std::optional<Claim>{*c};
  return find_one<Claim>(repo_.tx(), sc::claims(), {str(id)}, claim_from_row);
}
Result<Claim> ClaimsRepo::get_claim(Id id) {
  BULWARK_TRY(found, find_claim(id));
  if (!found) return fail(ErrorCode::kNotFound, "claim " + str(id) + " does not exist");
  return std::move(*found);
}
Result<std::vector<Claim>> ClaimsRepo::stored_claims_of_incident(Id incident) {
  const auto& t = sc::claims();
  return select_all<Claim>(repo_.tx(), t, store::Query{.equal = {{t.column("incident_id"), str(incident)}}},
                           claim_from_row);
}
Result<std::vector<Claim>> ClaimsRepo::claims_of_incident(Id incident) {
  if (!view_of(repo_, sc::claims())) return stored_claims_of_incident(incident);
  BULWARK_TRY(index, incident_claims(incident));
  std::vector<Claim> out;
  out.reserve(index->all().size());
  for (const auto& [_, c] : index->all()) out.push_back(c);
  return out;
}
Result<std::shared_ptr<const IncidentClaims>> ClaimsRepo::incident_claims(Id incident) {
  ClaimsView* view = view_of(repo_, sc::claims());
  if (view)
    if (auto it = view->claims_.find(incident); it != view->claims_.end()) return it->second;
  BULWARK_TRY(claims, stored_claims_of_incident(incident));
  auto index = std::make_shared<IncidentClaims>(std::move(claims));
  if (view) view->claims_.emplace(incident, index);
  return index;
}
namespace {

store::Query claims_of_policy_query(Id policy) {
  return store::Query{.equal = {{sc::claims().column("policy_id"), str(policy)}}};
}

store::Query payouts_of_policy_query(Id policy) {
  return store::Query{.equal = {{1, str(policy)}}};
}

}  // namespace

namespace {

store::Query preload_query(Id product) {
  const auto& t = sc::policies();
  return store::Query{.equal = {{t.column("product_id"), str(product)}}, .limit = ClaimsRepo::kMaxPreload};
}

}  // namespace

Status ClaimsRepo::prefetch_claim_checks(Id policy, Id product) {
  std::vector<store::Read> reads;
  if (ClaimsView* view = view_of(repo_, sc::policies())) {
    if (!view->policies_.contains(policy) && !view->preloaded_.contains(product))
      reads.push_back({&sc::policies(), {}, preload_query(product)});
  } else {
    reads.push_back({&sc::policies(), {str(policy)}, std::nullopt});
  }
  if (!view_of(repo_, sc::claims()) || !view_of(repo_, sc::payouts())) {
    reads.push_back({&sc::claims(), {}, claims_of_policy_query(policy)});
    reads.push_back({&sc::payouts(), {}, payouts_of_policy_query(policy)});
  }
  return repo_.tx().prefetch(reads);
}

Result<Policy> ClaimsRepo::claim_policy(Id id, Id product) {
  ClaimsView* view = view_of(repo_, sc::policies());
  if (!view) return repo_.get_policy(id);
  if (auto it = view->policies_.find(id); it != view->policies_.end()) return it->second;
  if (view->preloaded_.insert(product).second) {
    BULWARK_TRY(rows, repo_.tx().select(sc::policies(), preload_query(product)));
    for (const auto& row : rows) {
      BULWARK_TRY(p, policy_from_row(row));
      if (view->policies_.size() >= kMaxPreload) break;
      view->policies_.insert_or_assign(p.id, std::move(p));
    }
    if (auto it = view->policies_.find(id); it != view->policies_.end()) return it->second;
  }
  return repo_.get_policy(id);
}

Result<std::pair<std::vector<Claim>, std::vector<Payout>>> ClaimsRepo::policy_history(const Policy& policy) {
  std::pair<std::vector<Claim>, std::vector<Payout>> out;
  auto& [claims, payouts] = out;
  if (!view_of(repo_, sc::claims()) || !view_of(repo_, sc::payouts()) || !view_of(repo_, sc::incidents())) {
    BULWARK_TRY(c, claims_of_policy(policy.id));
    BULWARK_TRY(p, payouts_of_policy(policy.id));
    claims = std::move(c);
    payouts = std::move(p);
    return out;
  }
  BULWARK_TRY(incidents, incident_refs(std::nullopt));
  for (const auto& inc : incidents) {  // in id order, as payouts are keyed (incident, policy)
    if (inc->product_id != policy.product_id) continue;
    BULWARK_TRY(of_incident, incident_claims(inc->id));
    for (Id id : of_incident->of_policy(policy.id)) claims.push_back(*of_incident->find(id));
    BULWARK_TRY(paid, incident_payouts(inc->id));
    if (auto it = paid->find(policy.id); it != paid->end()) payouts.push_back(it->second);
  }
  std::sort(claims.begin(), claims.end(), [](const Claim& a, const Claim& b) { return a.id < b.id; });
  return out;
}

Result<std::vector<Claim>> ClaimsRepo::claims_of_policy(Id policy) {
  return select_all<Claim>(repo_.tx(), sc::claims(), claims_of_policy_query(policy), claim_from_row);
}
Result<std::vector<Claim>> ClaimsRepo::claims_of_holder(const Address& holder) {
  const auto& t = sc::claims();
  return select_all<Claim>(repo_.tx(), t, store::Query{.equal = {{t.column("holder"), holder.to_checksum()}}},
                           claim_from_row);
}
Result<std::vector<Claim>> ClaimsRepo::claims(std::optional<ClaimStatus> status) {
  const auto& t = sc::claims();
  store::Query q;
  if (status) q.equal.emplace_back(t.column("status"), std::string(to_string(*status)));
  return select_all<Claim>(repo_.tx(), t, q, claim_from_row);
}

Result<std::optional<Payout>> ClaimsRepo::find_payout(Id incident, Id policy) {
  // The view holds every payout of the incidents whose payouts it has read.
  auto* vtx = dynamic_cast<ViewTx*>(&repo_.tx());
  if (ClaimsView* view = vtx ? vtx->view_for_payout(incident, policy) : nullptr)
    if (auto it = view->payouts_.find(incident); it != view->payouts_.end()) {
      const auto p = it->second->find(policy);
      if (p == it->second->end()) return std::optional<Payout>{};
      return std::optional<Payout>{p->second};
    }
  return find_one<Payout>(repo_.tx(), sc::payouts(), {str(incident), str(policy)}, payout_from_row);
}
Result<std::shared_ptr<const std::map<Id, Payout>>> ClaimsRepo::incident_payouts(Id incident) {
  ClaimsView* view = view_of(repo_, sc::payouts());
  if (view)
    if (auto it = view->payouts_.find(incident); it != view->payouts_.end()) return it->second;
  BULWARK_TRY(stored, select_all<Payout>(repo_.tx(), sc::payouts(),
                                         store::Query{.equal = {{0, str(incident)}}}, payout_from_row));
  auto of_incident = std::make_shared<std::map<Id, Payout>>();
  for (auto& p : stored) of_incident->emplace(p.policy_id, std::move(p));
  if (view) view->payouts_.emplace(incident, of_incident);
  return of_incident;
}
Result<std::vector<Payout>> ClaimsRepo::payouts_of_incident(Id incident) {
  BULWARK_TRY(of_incident, incident_payouts(incident));
  std::vector<Payout> out;
  out.reserve(of_incident->size());
  for (const auto& [_, p] : *of_incident) out.push_back(p);
  return out;
}
Result<std::vector<Payout>> ClaimsRepo::payouts_of_policy(Id policy) {
  return select_all<Payout>(repo_.tx(), sc::payouts(), payouts_of_policy_query(policy), payout_from_row);
}
Result<std::vector<Payout>> ClaimsRepo::payouts() {
  return select_all<Payout>(repo_.tx(), sc::payouts(), {}, payout_from_row);
}

json to_json(const Challenge& c) {
  return {{"incident_id", c.incident_id},
          {"challenger", c.challenger.to_checksum()},
          {"asset", c.asset},
          {"bond", c.bond.to_dec()},
          {"reason", c.reason},
          {"status", c.status},
          {"time", c.time},
          {"settled_at", c.settled_at}};
}

Result<Challenge> challenge_from_json(const json& j) {
  Challenge c;
  BULWARK_TRY(id, get_int(j, "incident_id"));
  BULWARK_TRY(who, get_address(j, "challenger"));
  BULWARK_TRY(asset, get_str(j, "asset"));
  BULWARK_TRY(bond, get_amount(j, "bond"));
  BULWARK_TRY(reason, get_str(j, "reason"));
  BULWARK_TRY(status, get_str(j, "status"));
  BULWARK_TRY(time, get_int(j, "time"));
  BULWARK_TRY(settled, get_int(j, "settled_at"));
  if (status != "open" && status != "refunded" && status != "forfeited")
    return fail(ErrorCode::kInvalidArgument,
                "challenge status '" + status + "' is not open, refunded or forfeited");
  c.incident_id = id;
  c.challenger = who;
  c.asset = asset;
  c.bond = bond;
  c.reason = reason;
  c.status = status;
  c.time = time;
  c.settled_at = settled;
  return c;
}

Row to_row(const Challenge& c) {
  return row_of(sc::challenges(), to_json(c));
}

Result<Challenge> challenge_from_row(const Row& r) {
  return from_row_via_json<Challenge>(sc::challenges(), r, challenge_from_json);
}

Result<std::optional<Challenge>> ClaimsRepo::find_challenge(Id incident) {
  return find_one<Challenge>(repo_.tx(), sc::challenges(), {str(incident)}, challenge_from_row);
}
Result<std::vector<Challenge>> ClaimsRepo::challenges() {
  return select_all<Challenge>(repo_.tx(), sc::challenges(), {}, challenge_from_row);
}

Result<std::optional<SignatureUse>> ClaimsRepo::find_signature(const Hash32& digest) {
  return find_one<SignatureUse>(repo_.tx(), sc::signatures(), {digest.to_hex()}, signature_from_row);
}

Result<std::optional<Assessor>> ClaimsRepo::find_assessor(const Address& a) {
  return find_one<Assessor>(repo_.tx(), sc::assessors(), {a.to_checksum()}, assessor_from_row);
}
Result<std::vector<Assessor>> ClaimsRepo::assessors() {
  return select_all<Assessor>(repo_.tx(), sc::assessors(), {}, assessor_from_row);
}
Result<std::vector<Vote>> ClaimsRepo::votes_of_incident(Id incident) {
  return select_all<Vote>(repo_.tx(), sc::votes(), store::Query{.equal = {{0, str(incident)}}},
                          vote_from_row);
}

}  // namespace bulwark::cover
