#include "bulwark/cover/claims_events.hpp"

#include <map>

#include "bulwark/cover/claims_model.hpp"
#include "bulwark/cover/json_fields.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using nlohmann::json;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

Result<const json*> member(const json& p, const char* key) {
  auto it = p.find(key);
  if (it == p.end())
    return fail(ErrorCode::kInvalidArgument, std::string("event field '") + key + "' missing");
  return &*it;
}

Result<U256> amount_of(const json& p, const char* key) {
  BULWARK_TRY(v, member(p, key));
  if (!v->is_string())
    return fail(ErrorCode::kInvalidArgument, std::string("event field '") + key + "' is not a string");
  auto a = U256::from_dec(v->get<std::string>());
  if (!a) return std::unexpected(with_context(a.error(), key));
  return *a;
}

/// Records a used signature; a digest seen before is a replay. The row is inserted as new rather
/// than looked up first: the store refuses a replay (kAlreadyExists), at the latest at commit, so
/// the check costs no read.
Status use_signature(Repo& repo, const json& p) {
  auto it = p.find("signature");
  if (it == p.end() || it->is_null()) return {};
  BULWARK_TRY(sig, signature_from_json(*it));
  Status s = repo.insert(sc::signatures(), sig);
  if (s || s.error().code != ErrorCode::kAlreadyExists) return s;
  BULWARK_TRY(seen, ClaimsRepo(repo).find_signature(sig.digest));
  return seen ? replay_refused(*seen, sig.purpose) : s;
}

Status incident_event(Repo& repo, std::string_view kind, const json& p) {
  BULWARK_TRY(ij, member(p, "incident"));
  BULWARK_TRY(incident, incident_from_json(*ij));
  ClaimsRepo cr(repo);
  BULWARK_TRY(existing, cr.find_incident(incident.id));
  if (kind == "incident_opened" && existing)
    return fail(ErrorCode::kAlreadyExists, "incident " + str(incident.id) + " already exists");
  if (kind != "incident_opened" && !existing)
    return fail(ErrorCode::kNotFound, "incident " + str(incident.id) + " does not exist");
  if (auto it = p.find("index"); it != p.end()) {
    if (!it->is_array()) return fail(ErrorCode::kInvalidArgument, "event field 'index' is not an array");
    for (const auto& t : *it) {
      if (!t.is_string()) return fail(ErrorCode::kInvalidArgument, "event field 'index' holds a non-string");
      auto h = Hash32::parse(t.get<std::string>());
      if (!h) return std::unexpected(with_context(h.error(), "index"));
      BULWARK_TRY(other, cr.incident_of_tx(incident.chain_id, *h, incident.product_id));
      if (other && *other != incident.id)
        return fail(ErrorCode::kAlreadyExists,
                    "transaction " + h->to_hex() + " already belongs to incident " + str(*other));
      BULWARK_CHECK(repo.tx().put(sc::incident_txs(), {str(std::int64_t(incident.chain_id)), h->to_hex(),
                                                       str(incident.product_id), str(incident.id)}));
    }
  }
  BULWARK_CHECK(use_signature(repo, p));
  return repo.put(sc::incidents(), incident);
}

Status claim_submitted(Repo& repo, const json& p) {
  BULWARK_TRY(cj, member(p, "claim"));
  BULWARK_TRY(claim, claim_from_json(*cj));
  ClaimsRepo cr(repo);
  BULWARK_TRY(existing, cr.find_claim(claim.id));
  if (existing) return fail(ErrorCode::kAlreadyExists, "claim " + str(claim.id) + " already exists");
  if (claim.status != ClaimStatus::kPending)
    return fail(ErrorCode::kInvalidArgument, "a claim is submitted pending");
  BULWARK_CHECK(repo.credit(accounts::claim_deposits(claim.asset), claim.asset, claim.deposit));
  BULWARK_CHECK(repo.credit(accounts::flow_claim_deposits(claim.asset), claim.asset, claim.deposit));
  BULWARK_CHECK(use_signature(repo, p));
  return repo.put(sc::claims(), claim);
}

Status claim_decided(Repo& repo, const json& p) {
  BULWARK_TRY(cj, member(p, "claim"));
  BULWARK_TRY(claim, claim_from_json(*cj));
  BULWARK_TRY(refund, amount_of(p, "refund"));
  BULWARK_TRY(forfeit, amount_of(p, "forfeit"));
  ClaimsRepo cr(repo);
  BULWARK_TRY(before, cr.get_claim(claim.id));
  if (before.status != ClaimStatus::kPending)
    return fail(ErrorCode::kFailedPrecondition,
                "claim " + str(claim.id) + " is " + std::string(to_string(before.status)) + ", not pending");
  if (claim.status != ClaimStatus::kApproved && claim.status != ClaimStatus::kRejected)
    return fail(ErrorCode::kInvalidArgument, "a claim is decided approved or rejected");
  auto total = refund.checked_add(forfeit);
  if (!total || *total != before.deposit)
    return fail(ErrorCode::kInvalidArgument,
                "claim " + str(claim.id) + ": refund + forfeit must be its deposit");
  BULWARK_CHECK(repo.debit(accounts::claim_deposits(before.asset), before.asset, before.deposit));
  if (!refund.is_zero())
    BULWARK_CHECK(repo.credit(accounts::flow_deposit_refunds(before.asset), before.asset, refund));
  if (!forfeit.is_zero()) BULWARK_CHECK(repo.credit(accounts::reserve(before.asset), before.asset, forfeit));
  return repo.put(sc::claims(), claim);
}

Status payout_made(Repo& repo, const json& p) {
  BULWARK_TRY(pj, member(p, "payout"));
  BULWARK_TRY(payout, payout_from_json(*pj));
  ClaimsRepo cr(repo);
  BULWARK_TRY(existing, cr.find_payout(payout.incident_id, payout.policy_id));
  if (existing)
    return fail(ErrorCode::kAlreadyExists, "policy " + str(payout.policy_id) +
                                               " was already paid for incident " + str(payout.incident_id));
  U256 burned;
  for (const auto& b : payout.burns) {
    BULWARK_CHECK(repo.debit(accounts::pool_capital(b.pool_id), payout.asset, b.amount));
    auto sum = burned.checked_add(b.amount);
    if (!sum) return std::unexpected(sum.error());
    burned = *sum;
  }
  if (burned != payout.amount)
    return fail(ErrorCode::kInvalidArgument,
                "payout burns " + burned.to_dec() + " for an amount of " + payout.amount.to_dec());
  BULWARK_CHECK(repo.credit(accounts::flow_payouts(payout.asset), payout.asset, payout.amount));
  if (payout.claim_id != 0) {
    BULWARK_TRY(cj, member(p, "claim"));
    BULWARK_TRY(claim, claim_from_json(*cj));
    BULWARK_TRY(before, cr.get_claim(payout.claim_id));
    if (claim.id != payout.claim_id || before.status != ClaimStatus::kApproved)
      return fail(ErrorCode::kFailedPrecondition, "claim " + str(payout.claim_id) + " is " +
                                                      std::string(to_string(before.status)) +
                                                      ", not approved");
    if (claim.status != ClaimStatus::kPaid || claim.paid != payout.amount)
      return fail(ErrorCode::kInvalidArgument, "a paid claim records its payout's amount");
    BULWARK_CHECK(repo.put(sc::claims(), claim));
  }
  return repo.put(sc::payouts(), payout);
}

/// vote_cast records a new vote; vote_reversed rewrites one (weight 0) with the tallies and the
/// slashed assessor.
Status vote_cast(Repo& repo, const json& p, bool reversal) {
  BULWARK_TRY(vj, member(p, "vote"));
  BULWARK_TRY(vote, vote_from_json(*vj));
  BULWARK_TRY(ij, member(p, "incident"));
  BULWARK_TRY(incident, incident_from_json(*ij));
  BULWARK_TRY(aj, member(p, "assessor"));
  BULWARK_TRY(assessor, assessor_from_json(*aj));
  BULWARK_CHECK(use_signature(repo, p));
  BULWARK_TRY(existing, repo.tx().get(sc::votes(), {str(vote.incident_id), vote.assessor.to_checksum()}));
  if (existing && !reversal)
    return fail(ErrorCode::kAlreadyExists,
                vote.assessor.to_checksum() + " already voted on incident " + str(vote.incident_id));
  if (!existing && reversal)
    return fail(ErrorCode::kNotFound, vote.assessor.to_checksum() + " has no vote on incident " +
                                          str(vote.incident_id) + " to reverse");
  if (reversal && !vote.weight.is_zero())
    return fail(ErrorCode::kInvalidArgument, "a reversed vote keeps no weight");
  BULWARK_CHECK(repo.put(sc::votes(), vote));
  BULWARK_CHECK(repo.put(sc::assessors(), assessor));
  return repo.put(sc::incidents(), incident);
}

/// assessment_rewarded: the reward leaves the reserve for the winning assessors' reward accounts.
Status assessment_rewarded(Repo& repo, const json& p) {
  BULWARK_TRY(asset, jsonf::get_str(p, "asset"));
  BULWARK_TRY(total, amount_of(p, "total"));
  BULWARK_TRY(paid, member(p, "paid"));
  if (!paid->is_array()) return fail(ErrorCode::kInvalidArgument, "event field 'paid' is not an array");
  U256 sum;
  BULWARK_CHECK(repo.debit(cover::accounts::reserve(asset), asset, total));
  for (const auto& e : *paid) {
    BULWARK_TRY(a, jsonf::get_address(e, "assessor"));
    BULWARK_TRY(amount, amount_of(e, "amount"));
    BULWARK_CHECK(repo.credit(accounts::assessor_rewards(a, asset), asset, amount));
    sum = sum.checked_add(amount).value_or(U256::max());
  }
  if (sum != total) return fail(ErrorCode::kInvalidArgument, "the rewards paid do not add up to the total");
  return {};
}

/// assessor_rewards_withdrawn: held rewards leave the books to the assessor.
Status rewards_withdrawn(Repo& repo, const json& p) {
  BULWARK_TRY(asset, jsonf::get_str(p, "asset"));
  BULWARK_TRY(a, jsonf::get_address(p, "assessor"));
  BULWARK_TRY(amount, amount_of(p, "amount"));
  BULWARK_CHECK(use_signature(repo, p));
  BULWARK_CHECK(repo.debit(accounts::assessor_rewards(a, asset), asset, amount));
  return repo.credit(accounts::flow_reward_withdrawals(asset), asset, amount);
}

/// A challenge's bond comes in with incident_challenged; challenge_settled refunds or forfeits it.
Status challenge_opened(Repo& repo, const json& p) {
  BULWARK_TRY(cj, member(p, "challenge"));
  BULWARK_TRY(c, challenge_from_json(*cj));
  ClaimsRepo cr(repo);
  BULWARK_TRY(existing, cr.find_challenge(c.incident_id));
  if (existing)
    return fail(ErrorCode::kAlreadyExists, "incident " + str(c.incident_id) + " is already challenged");
  if (c.status != "open" || c.bond.is_zero())
    return fail(ErrorCode::kInvalidArgument, "a new challenge is open with a bond");
  BULWARK_CHECK(repo.credit(accounts::challenge_bonds(c.asset), c.asset, c.bond));
  BULWARK_CHECK(repo.credit(accounts::flow_challenge_bonds(c.asset), c.asset, c.bond));
  return repo.put(sc::challenges(), c);
}

Status challenge_settled(Repo& repo, const json& p) {
  BULWARK_TRY(cj, member(p, "challenge"));
  BULWARK_TRY(c, challenge_from_json(*cj));
  ClaimsRepo cr(repo);
  BULWARK_TRY(before, cr.find_challenge(c.incident_id));
  if (!before || before->status != "open")
    return fail(ErrorCode::kFailedPrecondition, "incident " + str(c.incident_id) + " has no open challenge");
  if (c.bond != before->bond || c.asset != before->asset || c.status == "open")
    return fail(ErrorCode::kInvalidArgument,
                "a settled challenge keeps its bond and is refunded or forfeited");
  BULWARK_CHECK(repo.debit(accounts::challenge_bonds(c.asset), c.asset, c.bond));
  if (c.status == "refunded")
    BULWARK_CHECK(repo.credit(accounts::flow_bond_refunds(c.asset), c.asset, c.bond));
  else
    BULWARK_CHECK(repo.credit(cover::accounts::reserve(c.asset), c.asset, c.bond));
  return repo.put(sc::challenges(), c);
}

}  // namespace

std::unexpected<Error> replay_refused(const SignatureUse& first, std::string_view what) {
  const std::string w(what);
  return fail(ErrorCode::kAlreadyExists, w + " signature was already used at unix time " + str(first.time) +
                                             " (a " + first.purpose + " by " + first.signer.to_checksum() +
                                             "): a replayed " + w + " is refused");
}

Status explain_replay(store::Store& store, const Hash32& digest, std::string_view what, Status s) {
  if (s || s.error().code != ErrorCode::kAlreadyExists) return s;
  auto seen = read_value<std::optional<SignatureUse>>(
      store, [&](Repo& repo) { return ClaimsRepo(repo).find_signature(digest); });
  if (!seen || !*seen) return s;
  return replay_refused(**seen, what);
}

bool is_claims_event(std::string_view kind) {
  return kind.starts_with("incident_") || kind == "claim_submitted" || kind == "claim_decided" ||
         kind == "payout_made" || kind == "assessor_registered" || kind == "vote_cast" ||
         kind == "challenge_settled" || kind == "vote_reversed" || kind == "assessment_rewarded" ||
         kind == "assessor_rewards_withdrawn";
}

Status apply_claims_event(Repo& repo, std::string_view kind, const json& p) {
  static const char* const kIncidentKinds[] = {
      "incident_opened",     "incident_reported",     "incident_verified",
      "incident_rejected",   "incident_confirmed",    "incident_denied",
      "incident_challenged", "incident_vote_updated", "incident_haircut"};
  if (kind == "incident_challenged") {
    BULWARK_CHECK(challenge_opened(repo, p));
    return incident_event(repo, kind, p);
  }
  if (kind == "challenge_settled") return challenge_settled(repo, p);
  for (const char* k : kIncidentKinds)
    if (kind == k) return incident_event(repo, kind, p);
  if (kind == "claim_submitted") return claim_submitted(repo, p);
  if (kind == "claim_decided") return claim_decided(repo, p);
  if (kind == "payout_made") return payout_made(repo, p);
  if (kind == "vote_cast") return vote_cast(repo, p, false);
  if (kind == "vote_reversed") return vote_cast(repo, p, true);
  if (kind == "assessment_rewarded") return assessment_rewarded(repo, p);
  if (kind == "assessor_rewards_withdrawn") return rewards_withdrawn(repo, p);
  if (kind == "assessor_registered") {
    BULWARK_TRY(aj, member(p, "assessor"));
    BULWARK_TRY(assessor, assessor_from_json(*aj));
    return repo.put(sc::assessors(), assessor);
  }
  return fail(ErrorCode::kInvalidArgument, "unknown event kind '" + std::string(kind) + "'");
}

Result<std::vector<std::string>> check_claims_invariants(Repo& repo) {
  std::vector<std::string> problems;
  ClaimsRepo cr(repo);
  BULWARK_TRY(claims, cr.claims());
  BULWARK_TRY(payouts, cr.payouts());
  std::map<std::string, U256> pending_deposits;
  for (const auto& c : claims)
    if (c.status == ClaimStatus::kPending)
      pending_deposits[c.asset] = pending_deposits[c.asset].checked_add(c.deposit).value_or(U256::max());
  BULWARK_TRY(accts, repo.accounts());
  for (const auto& a : accts)
    if (a.key.starts_with("claims:deposits:")) pending_deposits.try_emplace(a.asset);
  for (const auto& [asset, want] : pending_deposits) {
    BULWARK_TRY(held, repo.balance(accounts::claim_deposits(asset)));
    if (held != want)
      problems.push_back("asset " + asset + ": claim deposits held " + held.to_dec() +
                         " but pending claims paid " + want.to_dec());
  }
  std::map<std::string, U256> open_bonds;
  BULWARK_TRY(challenges, cr.challenges());
  for (const auto& c : challenges)
    if (c.status == "open")
      open_bonds[c.asset] = open_bonds[c.asset].checked_add(c.bond).value_or(U256::max());
  for (const auto& a : accts)
    if (a.key.starts_with("claims:bonds:")) open_bonds.try_emplace(a.asset);
  for (const auto& [asset, want] : open_bonds) {
    BULWARK_TRY(held, repo.balance(accounts::challenge_bonds(asset)));
    if (held != want)
      problems.push_back("asset " + asset + ": challenge bonds held " + held.to_dec() +
                         " but open challenges put up " + want.to_dec());
  }
  std::map<std::pair<Id, Id>, const Payout*> by_key;
  for (const auto& p : payouts) {
    by_key[{p.incident_id, p.policy_id}] = &p;
    const std::string who = "payout of incident " + str(p.incident_id) + " to policy " + str(p.policy_id);
    U256 burned;
    for (const auto& b : p.burns) burned = burned.checked_add(b.amount).value_or(U256::max());
    if (burned != p.amount)
      problems.push_back(who + ": burns add up to " + burned.to_dec() + ", amount is " + p.amount.to_dec());
    if (p.ratio_den.is_zero() || p.ratio_num > p.ratio_den) {
      problems.push_back(who + ": ratio " + p.ratio_num.to_dec() + "/" + p.ratio_den.to_dec() +
                         " is not in 0..1");
      continue;
    }
    auto want = U256::mul_div(p.entitled, p.ratio_num, p.ratio_den, U256::Rounding::kDown);
    if (!want || *want != p.amount)
      problems.push_back(who + ": amount " + p.amount.to_dec() + " is not entitlement x ratio rounded down");
  }
  for (const auto& c : claims) {
    if (c.status != ClaimStatus::kPaid) continue;
    auto it = by_key.find({c.incident_id, c.policy_id});
    if (it == by_key.end() || it->second->claim_id != c.id)
      problems.push_back("claim " + str(c.id) + " is paid but has no payout");
    else if (it->second->amount != c.paid)
      problems.push_back("claim " + str(c.id) + " records " + c.paid.to_dec() + " paid, its payout " +
                         it->second->amount.to_dec());
  }
  return problems;
}

}  // namespace bulwark::cover
