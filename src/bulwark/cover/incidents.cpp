#include "bulwark/cover/incidents.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "bulwark/core/keccak.hpp"
#include "bulwark/core/strings.hpp"
#include "bulwark/cover/claims.hpp"
#include "bulwark/cover/claims_events.hpp"
#include "bulwark/cover/claims_view.hpp"
#include "bulwark/cover/events.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using nlohmann::json;

constexpr std::size_t kMaxDescription = 2'000;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

Status emit(Repo& repo, UnixTime now, std::string_view kind, const json& payload) {
  auto e = record_event(repo, now, kind, payload);
  if (!e) return std::unexpected(e.error());
  return {};
}

json hashes_json(const std::vector<Hash32>& v) {
  json out = json::array();
  for (const auto& h : v) out.push_back(h.to_hex());
  return out;
}

Status validate_txs(const std::vector<Hash32>& txs, std::size_t max) {
  if (txs.empty()) return fail(ErrorCode::kInvalidArgument, "name at least one evidence transaction");
  if (txs.size() > max)
    return fail(ErrorCode::kInvalidArgument, "at most " + str(std::int64_t(max)) + " evidence transactions");
  std::set<Hash32> seen;
  for (const auto& t : txs)
    if (!seen.insert(t).second)
      return fail(ErrorCode::kInvalidArgument, "transaction " + t.to_hex() + " is named twice");
  return {};
}

std::string loss_text(Repo& repo, const std::map<std::string, U256>& losses) {
  std::string out;
  for (const auto& [asset, amount] : losses) {
    auto a = repo.find_asset(asset);
    std::string v = (a && *a) ? format_units(amount, (*a)->decimals) + " " + (*a)->symbol
                              : amount.to_dec() + " units of " + asset;
    out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

}  // namespace

std::string report_message(const ReportRequest& r) {
  std::string txs;
  for (const auto& t : r.txs) txs += concat(txs.empty() ? "" : ",", t.to_hex());
  return "Bulwark incident report\nreporter: " + r.reporter.to_checksum() +
         "\nproduct: " + str(r.product_id) + "\ntransactions: " + txs + "\ndescription: " + r.description;
}

std::string challenge_message(const ChallengeRequest& c) {
  return "Bulwark incident challenge\nchallenger: " + c.challenger.to_checksum() +
         "\nincident: " + str(c.incident_id) + "\nbond: " + c.bond.to_dec() + "\nreason: " + c.reason;
}

namespace {

/// The open challenge of a decided incident, if any: refunded when it was denied, forfeited when
/// it was confirmed.
Status settle_challenge_of(Repo& repo, const Incident& inc, UnixTime now) {
  ClaimsRepo cr(repo);
  BULWARK_TRY(c, cr.find_challenge(inc.id));
  if (!c || c->status != "open") return {};
  c->status = inc.status == IncidentStatus::kConfirmed ? "forfeited" : "refunded";
  c->settled_at = now;
  return emit(repo, now, "challenge_settled", json{{"challenge", to_json(*c)}});
}

/// The assessment reward of an incident decided by vote: the claims' assessor rewards (Nexus Mutual
/// v2's formula, claims.cpp), paid from the reserve to the assessors on the winning side pro rata to
/// their weight, rounded down (the remainder stays in the reserve); as much as the reserve holds.
Status reward_assessors(Repo& repo, const Incident& inc, UnixTime now) {
  if (inc.vote_ends == 0) return {};
  ClaimsRepo cr(repo);
  BULWARK_TRY(claims, cr.claims_of_incident(inc.id));
  BULWARK_TRY(product, repo.get_product(inc.product_id));
  U256 pool;
  for (const auto& c : claims) pool = pool.checked_add(c.reward).value_or(U256::max());
  BULWARK_TRY(reserve, repo.balance(accounts::reserve(product.asset)));
  pool = std::min(pool, reserve);
  const bool accepted = inc.status == IncidentStatus::kConfirmed;
  const U256 side = accepted ? inc.accept_weight : inc.deny_weight;
  if (pool.is_zero() || side.is_zero()) return {};
  BULWARK_TRY(votes, cr.votes_of_incident(inc.id));
  json paid = json::array();
  U256 total;
  for (const auto& v : votes) {
    if (v.accept != accepted || v.weight.is_zero()) continue;
    BULWARK_TRY(share, U256::mul_div(pool, v.weight, side, U256::Rounding::kDown));
    if (share.is_zero()) continue;
    paid.push_back({{"assessor", v.assessor.to_checksum()}, {"amount", share.to_dec()}});
    total = total.checked_add(share).value_or(U256::max());
  }
  if (paid.empty()) return {};
  return emit(
      repo, now, "assessment_rewarded",
      json{{"incident_id", inc.id}, {"asset", product.asset}, {"total", total.to_dec()}, {"paid", paid}});
}

}  // namespace

Result<std::size_t> advance_incidents(Repo& repo, UnixTime now, const ClaimsConfig& config) {
  ClaimsRepo cr(repo);
  BULWARK_TRY(verified, cr.incident_refs(IncidentStatus::kVerified));
  std::size_t moved = 0;
  for (const auto& ref : verified) {
    BULWARK_TRY(product, repo.get_product(ref->product_id));
    const bool auto_confirm = product.parametric && ref->challenge_ends > 0;
    // A vote decides once its cooldown has passed as well: until then governance may still reverse
    // a vote (Assessment::reverse_vote), so nothing is paid, refunded or rewarded before.
    if (auto_confirm ? now < ref->challenge_ends
                     : ref->vote_ends == 0 || now < ref->vote_ends + config.cooldown)
      continue;
    Incident inc = *ref;  // copied only when it moves
    if (auto_confirm) {
      inc.status = IncidentStatus::kConfirmed;
      inc.decided_at = now;
      inc.payable_from = now;
      inc.reasons.push_back("confirmed: the challenge window ended at unix time " + str(inc.challenge_ends) +
                            " without a challenge");
      BULWARK_CHECK(emit(repo, now, "incident_confirmed", json{{"incident", to_json(inc)}}));
    } else {
      BULWARK_TRY(total, inc.accept_weight.checked_add(inc.deny_weight));
      inc.decided_at = now;
      const std::string tally =
          "accept " + inc.accept_weight.to_dec() + " against deny " + inc.deny_weight.to_dec() + " (stake)";
      if (total < config.quorum) {
        inc.status = IncidentStatus::kDenied;
        inc.reasons.push_back("denied: the vote ended at unix time " + str(inc.vote_ends) +
                              " without the quorum of " + config.quorum.to_dec() + " (" + total.to_dec() +
                              " voted)");
      } else if (inc.accept_weight > inc.deny_weight) {
        inc.status = IncidentStatus::kConfirmed;
        inc.payable_from = inc.vote_ends + config.cooldown;
        inc.reasons.push_back("confirmed by assessment: " + tally + "; payable from unix time " +
                              str(inc.payable_from) + ", the end of the cooldown");
      } else {
        inc.status = IncidentStatus::kDenied;
        inc.reasons.push_back("denied by assessment: " + tally);
      }
      BULWARK_CHECK(emit(repo, now,
                         inc.status == IncidentStatus::kConfirmed ? "incident_confirmed" : "incident_denied",
                         json{{"incident", to_json(inc)}}));
    }
    BULWARK_CHECK(decide_claims_of(repo, inc, now));
    BULWARK_CHECK(settle_challenge_of(repo, inc, now));
    BULWARK_CHECK(reward_assessors(repo, inc, now));
    ++moved;
  }
  return moved;
}

Incidents::Incidents(store::Store& store, const Clock& clock, ClaimsConfig config,
                     std::shared_ptr<ClaimsView> view)
    : store_(store),
      clock_(clock),
      config_(std::move(config)),
      view_(view ? std::move(view) : std::make_shared<ClaimsView>()) {}

Status Incidents::write(const std::function<Status(Repo&, UnixTime)>& body) {
  return store_.transact(store::TxMode::kWrite, [&](store::Tx& inner) -> Status {
    ViewTx tx(inner, *view_);
    BULWARK_CHECK(tx.sync());
    Repo repo(tx);
    const UnixTime now = clock_.now();
    BULWARK_CHECK(advance_incidents(repo, now, config_));
    return body(repo, now);
  });
}

Result<std::vector<std::pair<Hash32, EvidenceTrace>>> Incidents::fetch(std::uint64_t chain,
                                                                       const std::vector<Hash32>& txs,
                                                                       TraceSource& source) {
  std::vector<std::pair<Hash32, EvidenceTrace>> out;
  for (const auto& t : txs) {
    auto e = source.fetch(chain, t);
    if (!e) return std::unexpected(with_context(e.error(), "evidence transaction " + t.to_hex()));
    out.emplace_back(t, std::move(*e));
  }
  return out;
}

Status Incidents::decide_evidence(Repo& repo, UnixTime now, Incident& inc,
                                  const std::vector<std::pair<Hash32, EvidenceTrace>>& evidence) {
  BULWARK_TRY(product, repo.get_product(inc.product_id));
  BULWARK_TRY(result, prove(product, evidence));
  inc.proof = result.proof;
  if (result.proof.block != 0) inc.block = result.proof.block;
  if (result.proof.time != 0) {
    inc.time = result.proof.time;
  } else if (inc.time == 0) {
    inc.time = inc.opened_at;
    inc.reasons.push_back(
        "the evidence source gave no block time: the incident's time is its opening time, unix " +
        str(inc.time));
  }
  inc.kind = result.proof.kind;
  U256 total;
  for (const auto& [_, v] : result.product_loss) total = total.checked_add(v).value_or(U256::max());
  std::string rejection = result.rejection;
  if (rejection.empty() && product.parametric && total < config_.parametric_min_loss)
    rejection = "the proven loss of " + loss_text(repo, result.product_loss) +
                " is below the parametric trigger of " + config_.parametric_min_loss.to_dec();
  if (!rejection.empty()) {
    inc.status = IncidentStatus::kRejected;
    inc.decided_at = now;
    inc.reasons.push_back("rejected: " + rejection);
    return emit(repo, now, "incident_rejected", json{{"incident", to_json(inc)}});
  }
  std::string why = "verified: the chain proves a loss of " + loss_text(repo, result.product_loss) +
                    " to the product's contracts (" + inc.kind + ", block " + str(std::int64_t(inc.block)) +
                    ")";
  if (product.parametric && !product.trigger_min_loss.is_zero())
    why += "; each policy pays if this reaches the loss trigger it was sold under (" +
           product.trigger_min_loss.to_dec() + " for policies sold now)";
  return mark_verified(repo, now, product, inc, std::move(why));
}

Status Incidents::mark_verified(Repo& repo, UnixTime now, const Product& product, Incident& inc,
                                std::string reason) {
  inc.status = IncidentStatus::kVerified;
  inc.verified_at = now;
  inc.reasons.push_back(std::move(reason));
  if (product.parametric) {
    inc.challenge_ends = now + config_.challenge_window;
    inc.reasons.push_back("parametric: confirmed at unix time " + str(inc.challenge_ends) +
                          " unless challenged");
  } else {
    inc.reasons.push_back("discretionary: awaiting assessment");
  }
  BULWARK_CHECK(emit(repo, now, "incident_verified", json{{"incident", to_json(inc)}}));
  if (product.parametric && now >= inc.challenge_ends) {
    BULWARK_CHECK(advance_incidents(repo, now, config_));
    ClaimsRepo cr(repo);
    BULWARK_TRY(after, cr.get_incident(inc.id));
    inc = std::move(after);
  }
  return {};
}

Result<std::vector<Incident>> Incidents::open_from_finding(const FindingEvent& ev) {
  std::vector<Incident> out;
  if (!detect::incident_grade(ev.finding.severity)) return out;
  const std::set<Address> victims(ev.finding.victims.begin(), ev.finding.victims.end());
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    out.clear();  // the store may run the body again
    ClaimsRepo cr(repo);
    BULWARK_TRY(products, repo.products());
    for (const auto& product : products) {
      if (product.chain_id != ev.chain_id) continue;
      std::optional<Address> hit;
      for (const auto& c : product.contracts)
        if (victims.contains(c)) hit = c;
      if (!hit) continue;
      BULWARK_TRY(existing, cr.incident_of_tx(ev.chain_id, ev.tx, product.id));
      if (existing) {
        BULWARK_TRY(inc, cr.get_incident(*existing));
        if (inc.source.find("finding") == std::string::npos) {
          inc.source = "finding+" + inc.source;
          inc.reasons.push_back("the monitor found it too: " + ev.finding.rule);
          BULWARK_CHECK(emit(repo, now, "incident_reported", json{{"incident", to_json(inc)}}));
        }
        out.push_back(std::move(inc));
        continue;
      }
      BULWARK_TRY(id, repo.next_id(sc::incidents()));
      Incident inc;
      inc.id = id;
      inc.product_id = product.id;
      inc.chain_id = ev.chain_id;
      inc.source = "finding";
      inc.kind = std::string(detect::to_string(ev.finding.kind));
      inc.block = ev.block;
      inc.time = ev.time;
      inc.opened_at = now;
      inc.txs = {ev.tx};
      inc.reasons.push_back("opened from a " + std::string(detect::to_string(ev.finding.severity)) + " " +
                            inc.kind + " finding on " + hit->to_checksum() + ": " + ev.finding.rule);
      BULWARK_CHECK(emit(repo, now, "incident_opened",
                         json{{"incident", to_json(inc)}, {"index", hashes_json(inc.txs)}}));
      out.push_back(std::move(inc));
    }
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<std::vector<Incident>> Incidents::open_from_watch(const WatchEvent& ev) {
  std::vector<Incident> out;
  if (ev.finding.kind != detect::FindingKind::kDepeg || !detect::incident_grade(ev.finding.severity))
    return out;
  // The excursion's key in the evidence index: one incident per product per excursion.
  const Hash32 key = keccak256("depeg:" + std::to_string(ev.chain_id) + ":" + ev.coin.to_lower_hex() + ":" +
                               std::to_string(ev.first_block));
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    out.clear();
    ClaimsRepo cr(repo);
    BULWARK_TRY(products, repo.products());
    for (const auto& product : products) {
      if (product.chain_id != ev.chain_id || product.cover_type != CoverType::kStablecoinDepeg) continue;
      if (std::find(product.contracts.begin(), product.contracts.end(), ev.coin) == product.contracts.end())
        continue;
      BULWARK_TRY(existing, cr.incident_of_tx(ev.chain_id, key, product.id));
      if (existing) {
        BULWARK_TRY(inc, cr.get_incident(*existing));
        out.push_back(std::move(inc));
        continue;
      }
      BULWARK_TRY(id, repo.next_id(sc::incidents()));
      Incident inc;
      inc.id = id;
      inc.product_id = product.id;
      inc.chain_id = ev.chain_id;
      inc.source = "watch";
      inc.kind = "depeg";
      inc.block = ev.block;
      inc.time = ev.time != 0 ? ev.time : now;
      inc.opened_at = now;
      inc.reasons.push_back("opened from the depeg watch on " + ev.coin.to_checksum() + ": " +
                            ev.finding.rule + " (out of band from block " +
                            str(std::int64_t(ev.first_block)) + ")");
      BULWARK_CHECK(
          emit(repo, now, "incident_opened", json{{"incident", to_json(inc)}, {"index", {key.to_hex()}}}));
      Proof proof;
      proof.kind = "depeg";
      proof.block = ev.block;
      proof.time = inc.time;
      inc.proof = proof;
      BULWARK_CHECK(mark_verified(repo, now, product, inc,
                                  "verified: the watch read the stablecoin's feeds on-chain block by block"));
      out.push_back(std::move(inc));
    }
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<Incident> Incidents::challenge(const ChallengeRequest& r) {
  if (r.reason.empty() || r.reason.size() > kMaxDescription)
    return fail(ErrorCode::kInvalidArgument, "a challenge needs a reason of 1..2000 bytes");
  if (r.bond.is_zero()) return fail(ErrorCode::kInvalidArgument, "a challenge needs a bond above zero");
  const std::string message = challenge_message(r);
  if (auto v = verify_personal(message, r.signature, r.challenger); !v)
    return std::unexpected(with_context(v.error(), "challenge signature"));
  Incident result;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    ClaimsRepo cr(repo);
    BULWARK_TRY(inc, cr.get_incident(r.incident_id));
    BULWARK_TRY(product, repo.get_product(inc.product_id));
    const std::string id = "incident " + str(inc.id);
    if (!product.parametric)
      return fail(ErrorCode::kFailedPrecondition,
                  id + " is discretionary: it is decided by assessment, challenge it with a deny vote");
    if (inc.status == IncidentStatus::kConfirmed)
      return fail(ErrorCode::kFailedPrecondition,
                  id + ": its challenge window ended; it was confirmed at unix time " + str(inc.decided_at));
    if (inc.status != IncidentStatus::kVerified)
      return fail(ErrorCode::kFailedPrecondition, id + " is " + std::string(to_string(inc.status)) +
                                                      "; only a verified incident can be challenged");
    BULWARK_TRY(existing, cr.find_challenge(inc.id));
    if (existing || inc.challenge_ends == 0)
      return fail(ErrorCode::kAlreadyExists, id + " is already challenged and awaits assessment");
    if (now >= inc.challenge_ends)
      return fail(ErrorCode::kFailedPrecondition,
                  id + ": its challenge window ended at unix time " + str(inc.challenge_ends));
    for (const auto& [asset, min] : config_.min_challenge_bond)
      if (asset == product.asset && r.bond < min)
        return fail(ErrorCode::kInvalidArgument, "the bond " + r.bond.to_dec() + " is below the minimum of " +
                                                     min.to_dec() + " for " + asset);
    const Hash32 digest = eip191_hash(message);
    BULWARK_TRY(seen, cr.find_signature(digest));
    if (seen) return replay_refused(*seen, "challenge");
    Challenge c{inc.id, r.challenger, product.asset, r.bond, r.reason, "open", now, 0};
    inc.reasons.push_back("challenged at unix time " + str(now) + " by " + r.challenger.to_checksum() +
                          " with a bond of " + r.bond.to_dec() + ": " + r.reason +
                          "; the automatic confirmation is off and the incident goes to assessment");
    inc.challenge_ends = 0;
    BULWARK_CHECK(emit(repo, now, "incident_challenged",
                       json{{"incident", to_json(inc)},
                            {"challenge", to_json(c)},
                            {"signature", to_json(SignatureUse{digest, r.challenger, "challenge", now})}}));
    result = std::move(inc);
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return result;
}

Result<Incident> Incidents::report(const ReportRequest& r, TraceSource& source) {
  if (r.reporter.is_zero()) return fail(ErrorCode::kInvalidArgument, "reporter must not be the zero address");
  BULWARK_CHECK(validate_txs(r.txs, config_.max_txs));
  if (r.description.size() > kMaxDescription)
    return fail(ErrorCode::kInvalidArgument, "description is longer than 2000 bytes");
  const std::string message = report_message(r);
  if (auto v = verify_personal(message, r.signature, r.reporter); !v)
    return std::unexpected(with_context(v.error(), "report signature"));
  // What is already known, to fetch the whole evidence before writing.
  Product product;
  std::optional<Incident> joined;
  BULWARK_CHECK(store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    ClaimsRepo cr(repo);
    BULWARK_TRY(p, repo.get_product(r.product_id));
    product = p;
    for (const auto& t : r.txs) {
      BULWARK_TRY(existing, cr.incident_of_tx(product.chain_id, t, product.id));
      if (existing) {
        BULWARK_TRY(inc, cr.get_incident(*existing));
        joined = std::move(inc);
        break;
      }
    }
    return {};
  }));
  std::vector<Hash32> all = joined ? joined->txs : std::vector<Hash32>{};
  for (const auto& t : r.txs)
    if (std::find(all.begin(), all.end(), t) == all.end()) all.push_back(t);
  BULWARK_TRY(evidence, fetch(product.chain_id, all, source));
  const SignatureUse sig{eip191_hash(message), r.reporter, "report", clock_.now()};
  Incident result;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    ClaimsRepo cr(repo);
    std::optional<Incident> existing;
    for (const auto& t : r.txs) {
      BULWARK_TRY(id, cr.incident_of_tx(product.chain_id, t, product.id));
      if (id) {
        BULWARK_TRY(inc, cr.get_incident(*id));
        existing = std::move(inc);
        break;
      }
    }
    SignatureUse used = sig;
    used.time = now;
    if (existing) {
      Incident inc = std::move(*existing);
      std::vector<Hash32> added;
      for (const auto& t : r.txs)
        if (std::find(inc.txs.begin(), inc.txs.end(), t) == inc.txs.end()) added.push_back(t);
      inc.txs.insert(inc.txs.end(), added.begin(), added.end());
      if (std::find(inc.reporters.begin(), inc.reporters.end(), r.reporter) == inc.reporters.end())
        inc.reporters.push_back(r.reporter);
      if (inc.description.empty()) inc.description = r.description;
      if (inc.source.find("report") == std::string::npos) inc.source += "+report";
      inc.reasons.push_back("reported by " + r.reporter.to_checksum() +
                            (added.empty()
                                 ? std::string()
                                 : " with " + str(std::int64_t(added.size())) + " more transaction(s)" +
                                       (inc.status == IncidentStatus::kOpen
                                            ? std::string()
                                            : " (recorded; the incident was already decided on its "
                                              "earlier evidence)")));
      BULWARK_CHECK(emit(
          repo, now, "incident_reported",
          json{{"incident", to_json(inc)}, {"index", hashes_json(added)}, {"signature", to_json(used)}}));
      if (inc.status == IncidentStatus::kOpen) {
        std::vector<std::pair<Hash32, EvidenceTrace>> ev;
        for (const auto& e : evidence)
          if (std::find(inc.txs.begin(), inc.txs.end(), e.first) != inc.txs.end()) ev.push_back(e);
        BULWARK_CHECK(decide_evidence(repo, now, inc, ev));
      }
      result = std::move(inc);
      return {};
    }
    BULWARK_TRY(id, repo.next_id(sc::incidents()));
    Incident inc;
    inc.id = id;
    inc.product_id = product.id;
    inc.chain_id = product.chain_id;
    inc.source = "report";
    inc.opened_at = now;
    inc.reporters = {r.reporter};
    inc.description = r.description;
    inc.txs = r.txs;
    inc.reasons.push_back("reported by " + r.reporter.to_checksum());
    BULWARK_CHECK(emit(
        repo, now, "incident_opened",
        json{{"incident", to_json(inc)}, {"index", hashes_json(inc.txs)}, {"signature", to_json(used)}}));
    std::vector<std::pair<Hash32, EvidenceTrace>> ev;
    for (const auto& e : evidence)
      if (std::find(r.txs.begin(), r.txs.end(), e.first) != r.txs.end()) ev.push_back(e);
    BULWARK_CHECK(decide_evidence(repo, now, inc, ev));
    result = std::move(inc);
    return {};
  });
  s = explain_replay(store_, sig.digest, "report", std::move(s));
  if (!s) return std::unexpected(s.error());
  return result;
}

Result<Incident> Incidents::verify(Id id, TraceSource& source) {
  BULWARK_TRY(inc, incident(id));
  if (inc.status != IncidentStatus::kOpen) return inc;
  BULWARK_TRY(evidence, fetch(inc.chain_id, inc.txs, source));
  Incident result;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    ClaimsRepo cr(repo);
    BULWARK_TRY(current, cr.get_incident(id));
    result = std::move(current);
    if (result.status != IncidentStatus::kOpen) return {};
    if (result.txs.size() != evidence.size())
      return fail(ErrorCode::kConflict,
                  "incident " + str(id) + " gained evidence while it was fetched: verify again");
    return decide_evidence(repo, now, result, evidence);
  });
  if (!s) return std::unexpected(s.error());
  return result;
}

Result<Incident> Incidents::resolve(Id id, bool accept, const std::string& reason) {
  if (reason.empty() || reason.size() > kMaxDescription)
    return fail(ErrorCode::kInvalidArgument, "a decision needs a reason of 1..2000 bytes");
  Incident result;
  Status s = write([&](Repo& repo, UnixTime now) -> Status {
    ClaimsRepo cr(repo);
    BULWARK_TRY(inc, cr.get_incident(id));
    if (inc.status != IncidentStatus::kVerified)
      return fail(ErrorCode::kFailedPrecondition, "incident " + str(id) + " is " +
                                                      std::string(to_string(inc.status)) +
                                                      "; only a verified incident can be resolved");
    inc.decided_at = now;
    if (accept) {
      inc.status = IncidentStatus::kConfirmed;
      inc.payable_from = now;
      inc.reasons.push_back("confirmed by governance: " + reason);
    } else {
      inc.status = IncidentStatus::kDenied;
      inc.reasons.push_back("denied by governance: " + reason);
    }
    BULWARK_CHECK(
        emit(repo, now, accept ? "incident_confirmed" : "incident_denied", json{{"incident", to_json(inc)}}));
    std::vector<Claim> decided;
    BULWARK_CHECK(decide_claims_of(repo, inc, now, &decided));
    BULWARK_CHECK(settle_challenge_of(repo, inc, now));
    // The view takes the decided claims as written (it checks that they are all the claim rows
    // written), rather than reading thousands back for the next command.
    if (auto* vtx = dynamic_cast<ViewTx*>(&repo.tx())) vtx->settle(std::move(decided));
    result = std::move(inc);
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return result;
}

Result<std::size_t> Incidents::advance() {
  std::size_t n = 0;
  Status s = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    BULWARK_TRY(moved, advance_incidents(repo, clock_.now(), config_));
    n = moved;
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return n;
}

Result<Incident> Incidents::incident(Id id) {
  return read_value<Incident>(store_, [&](Repo& repo) { return ClaimsRepo(repo).get_incident(id); });
}

Result<std::vector<Incident>> Incidents::incidents(const IncidentFilter& filter) {
  std::vector<Incident> out;
  BULWARK_CHECK(store_.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    BULWARK_TRY(all, ClaimsRepo(repo).incidents(filter.status));
    for (auto& i : all)
      if (!filter.product_id || i.product_id == *filter.product_id) out.push_back(std::move(i));
    return {};
  }));
  return out;
}

}  // namespace bulwark::cover
