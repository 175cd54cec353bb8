#include "bulwark/cover/claims.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "bulwark/core/strings.hpp"
#include "bulwark/cover/claims_events.hpp"
#include "bulwark/cover/claims_view.hpp"
#include "bulwark/cover/events.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using nlohmann::json;

constexpr std::size_t kMaxAddresses = 16;
constexpr std::int64_t kBps = 10'000;
constexpr std::int64_t kYear = 365 * kSecondsPerDay;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

Status emit(Repo& repo, UnixTime now, std::string_view kind, const json& payload) {
  auto e = record_event(repo, now, kind, payload);
  if (!e) return std::unexpected(e.error());
  return {};
}

/// A failed automatic check.
std::unexpected<Error> reject(std::string why) {
  return fail(ErrorCode::kFailedPrecondition, "claim rejected: " + std::move(why));
}

bool open(ClaimStatus s) {
  return s == ClaimStatus::kPending || s == ClaimStatus::kApproved;
}

}  // namespace

std::string claim_message(const ClaimRequest& r) {
  std::string addrs, txs;
  for (const auto& a : r.addresses) addrs += concat(addrs.empty() ? "" : ",", a.to_checksum());
  for (const auto& t : r.txs) txs += concat(txs.empty() ? "" : ",", t.to_hex());
  return "Bulwark claim\nholder: " + r.holder.to_checksum() + "\npolicy: " + str(r.policy_id) +
         "\nincident: " + str(r.incident_id) + "\nclaimed: " + r.claimed.to_dec() + "\naddresses: " + addrs +
         "\ntransactions: " + txs;
}

Result<std::pair<U256, U256>> claim_deposit(const Policy& policy, const U256& claimed,
                                            const ClaimsConfig& config) {
  const std::int64_t period = std::max<std::int64_t>(policy.end_time - policy.start_time, 0);
  // Nexus Mutual v2 (IndividualClaims.sol): reward = payout * rewardRatio * coverPeriod / 365 days.
  BULWARK_TRY(scaled, U256::mul_div(claimed, U256(std::uint64_t(config.reward_bps)),
                                    U256(std::uint64_t(kBps)), U256::Rounding::kUp));
  BULWARK_TRY(reward, U256::mul_div(scaled, U256(std::uint64_t(period)), U256(std::uint64_t(kYear)),
                                    U256::Rounding::kUp));
  U256 minimum;
  for (const auto& [asset, v] : config.min_deposit)
    if (asset == policy.asset) minimum = v;
  return std::pair{std::max(minimum, reward), reward};
}

namespace {

bool decides_claims(const Incident& incident) {
  return incident.status == IncidentStatus::kConfirmed || incident.status == IncidentStatus::kDenied ||
         incident.status == IncidentStatus::kRejected;
}

/// decide_claims_of() over `claims`: the incident's claims, in id order.
Status decide_claims(Repo& repo, const Incident& incident, std::vector<Claim> claims, UnixTime now,
                     std::vector<Claim>* decided = nullptr) {
  const bool approve = incident.status == IncidentStatus::kConfirmed;
  for (auto& c : claims) {
    if (c.status != ClaimStatus::kPending) continue;
    const U256 deposit = c.deposit;
    c.decided_at = now;
    if (approve) {
      c.status = ClaimStatus::kApproved;
      c.reasons.push_back("approved: incident " + str(incident.id) + " is confirmed; payable " +
                          c.payable.to_dec() + ", deposit " + deposit.to_dec() + " refunded");
    } else {
      c.status = ClaimStatus::kRejected;
      c.reasons.push_back("rejected: incident " + str(incident.id) + " was " +
                          std::string(to_string(incident.status)) +
                          (incident.reasons.empty() ? std::string() : " (" + incident.reasons.back() + ")") +
                          "; deposit " + deposit.to_dec() + " forfeited to the reserve");
    }
    BULWARK_CHECK(emit(repo, now, "claim_decided",
                       json{{"claim", to_json(c)},
                            {"refund", approve ? deposit.to_dec() : "0"},
                            {"forfeit", approve ? "0" : deposit.to_dec()}}));
    if (decided) decided->push_back(std::move(c));
  }
  return {};
}

}  // namespace

Status decide_claims_of(Repo& repo, const Incident& incident, UnixTime now, std::vector<Claim>* decided) {
  if (!decides_claims(incident)) return {};
  ClaimsRepo cr(repo);
  BULWARK_TRY(claims, cr.claims_of_incident(incident.id));
  return decide_claims(repo, incident, std::move(claims), now, decided);
}

Claims::Claims(store::Store& store, const Clock& clock, ClaimsConfig config, std::shared_ptr<ClaimsView> view)
    : store_(store),
      clock_(clock),
      config_(std::move(config)),
      view_(view ? std::move(view) : std::make_shared<ClaimsView>()) {}

Result<Claim> Claims::submit(const ClaimRequest& r) {
  if (r.claimed.is_zero()) return fail(ErrorCode::kInvalidArgument, "claimed loss must be greater than zero");
  if (r.addresses.empty() || r.addresses.size() > kMaxAddresses)
    return fail(ErrorCode::kInvalidArgument, "name 1 to 16 affected addresses");
  if (r.txs.size() > config_.max_txs)
    return fail(ErrorCode::kInvalidArgument,
                "at most " + str(std::int64_t(config_.max_txs)) + " transactions");
  {
    std::set<Address> seen;
    for (const auto& a : r.addresses) {
      if (a.is_zero()) return fail(ErrorCode::kInvalidArgument, "an affected address is the zero address");
      if (!seen.insert(a).second)
        return fail(ErrorCode::kInvalidArgument, "affected address " + a.to_checksum() + " is named twice");
    }
  }
  const std::string message = claim_message(r);
  if (auto v = verify_personal(message, r.signature, r.holder); !v)
    return std::unexpected(with_context(v.error(), "claim signature"));
  const Hash32 digest = eip191_hash(message);

  Claim claim;
  // The signature is not looked up before the checks: the claim_submitted event inserts its row as
  // new, so the store refuses a replay (at commit, where it is found out then). A rejected claim
  // looks its signature up, so that a replay is refused as one whatever else its first use changed.
  auto checked = [&](store::Tx& inner) -> Status {
    claim = Claim{};  // the store may run the body again
    ViewTx tx(inner, *view_);
    BULWARK_CHECK(tx.sync());
    Repo repo(tx);
    ClaimsRepo cr(repo);
    const UnixTime now = clock_.now();
    BULWARK_TRY(moved, advance_incidents(repo, now, config_));
    BULWARK_TRY(incident_ref, cr.incident_ref(r.incident_id));
    const Incident& incident = *incident_ref;
    BULWARK_CHECK(cr.prefetch_claim_checks(r.policy_id, incident.product_id));
    BULWARK_TRY(policy, cr.claim_policy(r.policy_id, incident.product_id));
    if (policy.holder != r.holder)
      return reject("policy " + str(policy.id) + " belongs to " + policy.holder.to_checksum() + ", not " +
                    r.holder.to_checksum() + ": only the holder can claim");
    if (policy.terms.parametric)
      return reject("policy " + str(policy.id) + " is parametric cover: it is paid without a claim");
    if (incident.status != IncidentStatus::kVerified && incident.status != IncidentStatus::kConfirmed)
      return reject("incident " + str(incident.id) + " is " + std::string(to_string(incident.status)) +
                    (incident.status == IncidentStatus::kOpen ? " (its evidence is not verified yet)" : ""));
    if (incident.product_id != policy.product_id)
      return reject("incident " + str(incident.id) + " concerns product " + str(incident.product_id) +
                    ", policy " + str(policy.id) + " covers product " + str(policy.product_id));
    const std::shared_ptr<const ProofIndex> proof = cr.proof_index(incident_ref);
    // Timing: bought before the incident, outside the cooling-off window, active at its time, in grace.
    const UnixTime t = incident.time;
    if (policy.start_time >= t)
      return reject("policy " + str(policy.id) + " was bought at unix time " + str(policy.start_time) +
                    ", not before the incident at " + str(t));
    const std::int64_t cooling_off = cooling_off_of(policy.terms, config_);
    if (t - policy.start_time < cooling_off)
      return reject("policy " + str(policy.id) + " was bought " + str(t - policy.start_time) +
                    " seconds before the incident, inside its cooling-off window of " + str(cooling_off) +
                    " seconds");
    const UnixTime cover_end = policy.status == PolicyStatus::kCancelled ? policy.closed_at : policy.end_time;
    if (t >= cover_end)
      return reject("policy " + str(policy.id) + " was not active at the incident's time " + str(t) +
                    " (cover " + (policy.status == PolicyStatus::kCancelled ? "cancelled" : "ended") +
                    " at " + str(cover_end) + ")");
    const UnixTime grace_end = cover_end + policy.terms.grace_days * kSecondsPerDay;
    if (now > grace_end)
      return reject("policy " + str(policy.id) + "'s grace period for claims ended at unix time " +
                    str(grace_end) + " (" + str(policy.terms.grace_days) + " days after the cover ended)");
    // One open claim per policy; one payout per policy and incident.
    BULWARK_TRY(history, cr.policy_history(policy));
    const auto& [of_policy, policy_payouts] = history;
    for (const auto& c : of_policy)
      if (open(c.status))
        return reject("policy " + str(policy.id) + " already has an open claim (" + str(c.id) + ", " +
                      std::string(to_string(c.status)) + ")");
    // The policy's payouts: this incident's, and later the cover they leave.
    const auto paid_already = std::find_if(policy_payouts.begin(), policy_payouts.end(),
                                           [&](const Payout& p) { return p.incident_id == incident.id; });
    if (paid_already != policy_payouts.end())
      return reject("policy " + str(policy.id) + " was already paid " + paid_already->amount.to_dec() +
                    " for incident " + str(incident.id));
    // Attackers and those they funded.
    std::vector<Address> parties{r.holder};
    for (const auto& a : r.addresses)
      if (a != r.holder) parties.push_back(a);
    for (const auto& a : parties) {
      if (proof->is_attacker(a))
        return reject(a.to_checksum() + " is an attacker in incident " + str(incident.id) + "'s evidence");
      if (auto f = proof->funding_of(a))
        return reject(a.to_checksum() + " was funded by attacker " + f->attacker.to_checksum() +
                      " in transaction " + f->tx.to_hex());
    }
    // The holder's claims on this incident, and other holders' claimed addresses: the first claim
    // (by id) that is not rejected, is another holder's and names one of this claim's addresses
    // refuses it; the holder's own claims before that one count toward its claimed loss.
    BULWARK_TRY(of_incident, cr.incident_claims(incident.id));
    const Claim* taken = nullptr;
    for (const auto& a : r.addresses)
      for (Id id : of_incident->naming(a)) {
        if (taken && id >= taken->id) break;
        const Claim* c = of_incident->find(id);
        if (c->status == ClaimStatus::kRejected || c->holder == r.holder) continue;
        taken = c;
        break;
      }
    std::set<Address> holder_addresses(r.addresses.begin(), r.addresses.end());
    U256 holder_claimed;
    std::vector<Id> holder_claims;
    for (Id id : of_incident->of_holder(r.holder)) {
      if (taken && id > taken->id) break;
      const Claim& c = *of_incident->find(id);
      if (c.status == ClaimStatus::kRejected) continue;
      holder_addresses.insert(c.addresses.begin(), c.addresses.end());
      BULWARK_TRY(sum, holder_claimed.checked_add(c.claimed));
      holder_claimed = sum;
      holder_claims.push_back(c.id);
    }
    if (taken)
      for (const auto& a : taken->addresses)
        if (std::find(r.addresses.begin(), r.addresses.end(), a) != r.addresses.end())
          return reject("the loss of " + a.to_checksum() + " is already claimed by claim " + str(taken->id) +
                        " of another holder");
    // Proven loss: what the chain proves for the claim's addresses, in the policy's asset.
    U256 proven;
    for (const auto& a : r.addresses) {
      BULWARK_TRY(sum, proven.checked_add(proof->loss_of(a, policy.asset)));
      proven = sum;
    }
    BULWARK_TRY(asset, repo.get_asset(policy.asset));
    auto units = [&](const U256& v) { return format_units(v, asset.decimals) + " " + asset.symbol; };
    if (proven.is_zero())
      return reject("the evidence proves no loss of " + asset.symbol + " for the claim's addresses");
    if (r.claimed > proven)
      return reject("claimed " + units(r.claimed) + " is more than the proven loss of " + units(proven) +
                    " for the claim's addresses");
    // Cover left after earlier payouts on this policy.
    U256 cover_left = policy.amount;
    for (const auto& p : policy_payouts)
      cover_left = cover_left > p.amount ? *cover_left.checked_sub(p.amount) : U256{};
    // Across the holder's policies, the total for one incident stays within the holder's proven loss.
    U256 holder_proven;
    for (const auto& a : holder_addresses) {
      BULWARK_TRY(sum, holder_proven.checked_add(proof->loss_of(a, policy.asset)));
      holder_proven = sum;
    }
    if (holder_claimed >= holder_proven) {
      std::string ids;
      for (Id id : holder_claims) ids += (ids.empty() ? "" : ", ") + str(id);
      return reject("the holder's proven loss of " + units(holder_proven) + " for incident " +
                    str(incident.id) + " is already claimed through claim(s) " + ids);
    }
    // What the holder has claimed (not only what it was paid) counts against its proven loss.
    const U256 holder_left = *holder_proven.checked_sub(holder_claimed);
    const U256 gross = std::min({r.claimed, proven, cover_left, holder_left});
    if (gross <= policy.terms.deductible)
      return reject("nothing is payable: " + units(gross) + " is within the deductible of " +
                    units(policy.terms.deductible));
    BULWARK_TRY(dep, claim_deposit(policy, r.claimed, config_));
    if (dep.first > r.max_deposit)
      return reject("the claim deposit is " + units(dep.first) + ", more than the " + units(r.max_deposit) +
                    " offered");
    BULWARK_TRY(id, repo.next_id(sc::claims()));
    claim.id = id;
    claim.policy_id = policy.id;
    claim.incident_id = incident.id;
    claim.holder = r.holder;
    claim.asset = policy.asset;
    claim.claimed = r.claimed;
    claim.proven = proven;
    claim.payable = *gross.checked_sub(policy.terms.deductible);
    claim.deposit = dep.first;
    claim.reward = dep.second;
    claim.status = ClaimStatus::kPending;
    claim.addresses = r.addresses;
    claim.txs = r.txs;
    claim.submitted_at = now;
    std::string why = "passed the automatic checks: proven loss " + units(proven) + ", payable " +
                      units(claim.payable) + " = min(claimed " + units(r.claimed) + ", proven, cover left " +
                      units(cover_left) + ", holder's unclaimed loss " + units(holder_left) +
                      ") - deductible " + units(policy.terms.deductible);
    claim.reasons.push_back(why);
    const SignatureUse used{digest, r.holder, "claim", now};
    // On a confirmed incident the claim is decided at once, with any other pending claim of the
    // incident (as decide_claims_of would find them after the write: those already there, then this).
    std::vector<Claim> pending;
    if (incident.status == IncidentStatus::kConfirmed)
      for (const auto& [_, c] : of_incident->all())
        if (c.status == ClaimStatus::kPending) pending.push_back(c);
    BULWARK_CHECK(
        emit(repo, now, "claim_submitted", json{{"claim", to_json(claim)}, {"signature", to_json(used)}}));
    if (incident.status == IncidentStatus::kConfirmed) {
      pending.push_back(claim);
      BULWARK_CHECK(decide_claims(repo, incident, std::move(pending), now));
      BULWARK_TRY(after, cr.get_claim(claim.id));
      claim = std::move(after);
    } else if (moved == 0) {
      tx.settle({claim});  // the one claim row this transaction wrote
    }
    return {};
  };
  Status s = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Status result = checked(tx);
    if (result || result.error().code != ErrorCode::kFailedPrecondition) return result;
    Repo repo(tx);
    BULWARK_TRY(seen, ClaimsRepo(repo).find_signature(digest));
    return seen ? replay_refused(*seen, "claim") : result;
  });
  s = explain_replay(store_, digest, "claim", std::move(s));  // a replay found at commit
  if (!s) return std::unexpected(s.error());
  return claim;
}

Result<Claim> Claims::claim(Id id) {
  return read_value<Claim>(store_, [&](Repo& repo) { return ClaimsRepo(repo).get_claim(id); });
}

Result<std::vector<Claim>> Claims::claims(const ClaimFilter& f) {
  std::vector<Claim> out;
  BULWARK_CHECK(store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    ClaimsRepo cr(repo);
    std::vector<Claim> all;
    if (f.incident_id) {
      BULWARK_TRY(v, cr.claims_of_incident(*f.incident_id));
      all = std::move(v);
    } else if (f.policy_id) {
      BULWARK_TRY(v, cr.claims_of_policy(*f.policy_id));
      all = std::move(v);
    } else if (f.holder) {
      BULWARK_TRY(v, cr.claims_of_holder(*f.holder));
      all = std::move(v);
    } else {
      BULWARK_TRY(v, cr.claims(f.status));
      all = std::move(v);
    }
    for (auto& c : all) {
      if (f.holder && c.holder != *f.holder) continue;
      if (f.incident_id && c.incident_id != *f.incident_id) continue;
      if (f.policy_id && c.policy_id != *f.policy_id) continue;
      if (f.status && c.status != *f.status) continue;
      out.push_back(std::move(c));
    }
    return {};
  }));
  return out;
}

}  // namespace bulwark::cover
