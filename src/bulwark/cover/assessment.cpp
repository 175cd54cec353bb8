#include "bulwark/cover/assessment.hpp"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "bulwark/cover/claims_events.hpp"
#include "bulwark/cover/events.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

using nlohmann::json;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

std::unexpected<Error> refuse(std::string why) {
  return fail(ErrorCode::kFailedPrecondition, "vote refused: " + std::move(why));
}

}  // namespace

std::string vote_message(const VoteRequest& v) {
  return "Bulwark assessment vote\nassessor: " + v.assessor.to_checksum() +
         "\nincident: " + str(v.incident_id) + "\nvote: " + (v.accept ? "accept" : "deny") +
         "\nnonce: " + str(v.nonce) + "\nexpiry: " + str(v.expiry);
}

std::string reward_withdrawal_message(const RewardWithdrawal& w) {
  return "Bulwark assessor reward withdrawal\nassessor: " + w.assessor.to_checksum() + "\nasset: " + w.asset +
         "\namount: " + w.amount.to_dec() + "\nnonce: " + str(w.nonce) + "\nexpiry: " + str(w.expiry);
}

Assessment::Assessment(store::Store& store, const Clock& clock, ClaimsConfig config)
    : store_(store), clock_(clock), config_(std::move(config)) {}

Result<Assessor> Assessment::register_assessor(const Address& address, const U256& stake) {
  if (address.is_zero()) return fail(ErrorCode::kInvalidArgument, "assessor must not be the zero address");
  if (stake.is_zero()) return fail(ErrorCode::kInvalidArgument, "assessor stake must be greater than zero");
  Assessor out;
  Status s = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    const UnixTime now = clock_.now();
    BULWARK_CHECK(advance_incidents(repo, now, config_));
    BULWARK_TRY(existing, ClaimsRepo(repo).find_assessor(address));
    Assessor a = existing.value_or(Assessor{address, U256{}, 0, U256{}, now});
    if (existing && stake < a.stake && now < a.locked_until)
      return fail(ErrorCode::kFailedPrecondition, address.to_checksum() +
                                                      "'s stake is locked until unix time " +
                                                      str(a.locked_until) + " behind its votes");
    a.stake = stake;
    out = a;
    auto e = record_event(repo, now, "assessor_registered", json{{"assessor", to_json(a)}});
    if (!e) return std::unexpected(e.error());
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Status Assessment::signed_write(const std::string& message, const Signature& signature, const Address& signer,
                                UnixTime expiry, std::string_view what,
                                const std::function<Status(Repo&, UnixTime, const Hash32&)>& body) {
  const std::string w(what);
  if (auto ok = verify_personal(message, signature, signer); !ok)
    return std::unexpected(with_context(ok.error(), w + " signature"));
  const Hash32 digest = eip191_hash(message);
  return store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    const UnixTime now = clock_.now();
    BULWARK_CHECK(advance_incidents(repo, now, config_));
    BULWARK_TRY(seen, ClaimsRepo(repo).find_signature(digest));
    if (seen) return replay_refused(*seen, w);
    if (now > expiry)
      return fail(ErrorCode::kFailedPrecondition,
                  w + " refused: the signed " + w + " expired at unix time " + str(expiry));
    return body(repo, now, digest);
  });
}

Result<Incident> Assessment::vote(const VoteRequest& v) {
  Incident out;
  Status s = signed_write(
      vote_message(v), v.signature, v.assessor, v.expiry, "vote",
      [&](Repo& repo, UnixTime now, const Hash32& digest) -> Status {
        ClaimsRepo cr(repo);
        BULWARK_TRY(assessor, cr.find_assessor(v.assessor));
        if (!assessor || assessor->stake.is_zero())
          return refuse(v.assessor.to_checksum() + " is not a registered assessor");
        BULWARK_TRY(inc, cr.get_incident(v.incident_id));
        BULWARK_TRY(product, repo.get_product(inc.product_id));
        if (inc.status != IncidentStatus::kVerified)
          return refuse("incident " + str(inc.id) + " is " + std::string(to_string(inc.status)) +
                        ", not in assessment");
        if (product.parametric && inc.challenge_ends > 0)
          return refuse("incident " + str(inc.id) +
                        " is parametric and unchallenged: it is decided by its trigger");
        if (inc.vote_ends != 0 && now >= inc.vote_ends)
          return refuse("the vote on incident " + str(inc.id) + " ended at unix time " + str(inc.vote_ends));
        BULWARK_TRY(claims, cr.claims_of_incident(inc.id));
        for (const auto& c : claims)
          if (c.holder == v.assessor)
            return refuse(v.assessor.to_checksum() + " is conflicted: it claims on incident " + str(inc.id) +
                          " (claim " + str(c.id) + ")");
        BULWARK_TRY(cover, repo.policies({.holder = v.assessor, .product_id = inc.product_id}));
        if (!cover.empty())
          return refuse(v.assessor.to_checksum() + " is conflicted: it holds cover on product " +
                        str(inc.product_id) + " (policy " + str(cover.front().id) + ")");
        BULWARK_TRY(votes, cr.votes_of_incident(inc.id));
        for (const auto& existing : votes)
          if (existing.assessor == v.assessor)
            return fail(ErrorCode::kAlreadyExists,
                        v.assessor.to_checksum() + " already voted on incident " + str(inc.id));
        const U256 weight = assessor->stake;
        if (v.accept)
          inc.accept_weight = inc.accept_weight.checked_add(weight).value_or(U256::max());
        else
          inc.deny_weight = inc.deny_weight.checked_add(weight).value_or(U256::max());
        const U256 voted = inc.accept_weight.checked_add(inc.deny_weight).value_or(U256::max());
        if (inc.vote_ends == 0) {
          inc.vote_ends = now + config_.voting_period;
          inc.reasons.push_back("assessment opened by the first vote; it ends at unix time " +
                                str(inc.vote_ends));
        } else if (inc.vote_ends - now < config_.silent_extension) {
          // Nexus Mutual v2 (Assessment.sol): a late vote extends the end by its share of the voted stake.
          BULWARK_TRY(ext, U256::mul_div(U256(std::uint64_t(config_.silent_extension)), weight, voted,
                                         U256::Rounding::kDown));
          const std::int64_t extension =
              std::min<std::int64_t>(config_.silent_extension, std::int64_t(ext.low_u64()));
          inc.vote_ends += extension;
          inc.reasons.push_back("a late vote extended the assessment by " + str(extension) +
                                " seconds to unix time " + str(inc.vote_ends));
        }
        Assessor a = *assessor;
        a.locked_until = std::max(a.locked_until, inc.vote_ends + config_.stake_lock);
        const Vote vote{inc.id, v.assessor, v.accept, weight, v.nonce, now};
        const SignatureUse used{digest, v.assessor, "vote", now};
        auto e = record_event(repo, now, "vote_cast",
                              json{{"vote", to_json(vote)},
                                   {"incident", to_json(inc)},
                                   {"assessor", to_json(a)},
                                   {"signature", to_json(used)}});
        if (!e) return std::unexpected(e.error());
        out = std::move(inc);
        return {};
      });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<Incident> Assessment::reverse_vote(Id incident, const Address& who, std::int64_t slash_bps,
                                          const std::string& reason) {
  if (reason.empty() || reason.size() > 2'000)
    return fail(ErrorCode::kInvalidArgument, "a reversal needs a reason of 1..2000 bytes");
  if (slash_bps < 0 || slash_bps > 10'000)
    return fail(ErrorCode::kInvalidArgument, "the slash must be 0..10000 basis points of the stake");
  Incident out;
  Status s = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    ClaimsRepo cr(repo);
    const UnixTime now = clock_.now();
    BULWARK_CHECK(advance_incidents(repo, now, config_));
    BULWARK_TRY(inc, cr.get_incident(incident));
    if (inc.status != IncidentStatus::kVerified || inc.vote_ends == 0 ||
        now >= inc.vote_ends + config_.cooldown)
      return fail(ErrorCode::kFailedPrecondition,
                  "incident " + str(inc.id) + " is not in an open vote or its cooldown (" +
                      std::string(to_string(inc.status)) + "): a vote is reversed before the decision");
    BULWARK_TRY(votes, cr.votes_of_incident(inc.id));
    auto it = std::find_if(votes.begin(), votes.end(), [&](const Vote& v) { return v.assessor == who; });
    if (it == votes.end() || it->weight.is_zero())
      return fail(ErrorCode::kNotFound,
                  who.to_checksum() + " has no vote with weight on incident " + str(inc.id));
    Vote vote = *it;
    U256& side = vote.accept ? inc.accept_weight : inc.deny_weight;
    side = side.checked_sub(vote.weight).value_or(U256{});
    BULWARK_TRY(assessor, cr.find_assessor(who));
    if (!assessor) return fail(ErrorCode::kNotFound, who.to_checksum() + " is not a registered assessor");
    Assessor a = *assessor;
    BULWARK_TRY(slash, U256::mul_div(a.stake, U256(std::uint64_t(slash_bps)), 10'000, U256::Rounding::kDown));
    a.stake = *a.stake.checked_sub(slash);
    a.slashed = a.slashed.checked_add(slash).value_or(U256::max());
    inc.reasons.push_back("governance reversed the " + std::string(vote.accept ? "accept" : "deny") +
                          " vote of " + who.to_checksum() + " (weight " + vote.weight.to_dec() +
                          ") and slashed " + slash.to_dec() + " of its stake: " + reason);
    // As Nexus Mutual v2 does on fraud: the others get at least silent_extension to vote on the
    // corrected tally, even when the reversal comes in the cooldown after the vote.
    if (inc.vote_ends < now + config_.silent_extension) {
      const bool reopened = now >= inc.vote_ends;
      inc.vote_ends = now + config_.silent_extension;
      inc.reasons.push_back(std::string(reopened ? "the vote reopened" : "the vote extended") +
                            " until unix time " + str(inc.vote_ends) + " after the reversal");
    }
    vote.weight = U256{};
    auto e =
        record_event(repo, now, "vote_reversed",
                     json{{"vote", to_json(vote)}, {"incident", to_json(inc)}, {"assessor", to_json(a)}});
    if (!e) return std::unexpected(e.error());
    out = std::move(inc);
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<U256> Assessment::withdraw_rewards(const RewardWithdrawal& w) {
  if (w.amount.is_zero())
    return fail(ErrorCode::kInvalidArgument, "the amount to withdraw must be above zero");
  U256 left;
  Status s = signed_write(
      reward_withdrawal_message(w), w.signature, w.assessor, w.expiry, "withdrawal",
      [&](Repo& repo, UnixTime now, const Hash32& digest) -> Status {
        BULWARK_TRY(held, repo.balance(accounts::assessor_rewards(w.assessor, w.asset)));
        if (held < w.amount)
          return fail(ErrorCode::kFailedPrecondition,
                      "withdrawal refused: " + w.assessor.to_checksum() + " holds " + held.to_dec() + " of " +
                          w.asset + " in rewards, less than the " + w.amount.to_dec() + " asked for");
        left = *held.checked_sub(w.amount);
        const SignatureUse used{digest, w.assessor, "reward withdrawal", now};
        auto e = record_event(repo, now, "assessor_rewards_withdrawn",
                              json{{"assessor", w.assessor.to_checksum()},
                                   {"asset", w.asset},
                                   {"amount", w.amount.to_dec()},
                                   {"signature", to_json(used)}});
        if (!e) return std::unexpected(e.error());
        return {};
      });
  if (!s) return std::unexpected(s.error());
  return left;
}

Result<U256> Assessment::rewards(const Address& assessor, const std::string& asset) {
  // Votes whose cooldown has passed are decided first, as the next write will decide them, so that
  // the rewards they earn count (a withdrawal of "all held" signs this amount). The transaction is then
  // rolled back: asking writes nothing.
  std::optional<U256> out;
  const Status s = store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    BULWARK_CHECK(advance_incidents(repo, clock_.now(), config_));
    BULWARK_TRY(b, repo.balance(accounts::assessor_rewards(assessor, asset)));
    out = b;
    return fail(ErrorCode::kFailedPrecondition, "rewards: read, nothing to keep");
  });
  if (out) return *out;
  return std::unexpected(s.error());
}

Result<std::vector<Assessor>> Assessment::assessors() {
  return read_value<std::vector<Assessor>>(store_, [](Repo& repo) { return ClaimsRepo(repo).assessors(); });
}

Result<std::vector<Vote>> Assessment::votes(Id incident) {
  return read_value<std::vector<Vote>>(
      store_, [&](Repo& repo) { return ClaimsRepo(repo).votes_of_incident(incident); });
}

}  // namespace bulwark::cover
