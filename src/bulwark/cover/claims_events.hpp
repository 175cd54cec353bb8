#pragma once
/// Journaled events of incidents, claims, assessment and payouts, and how each changes the books.
///
/// As for the ledger's events (events.hpp), the service decides and the event only records: every
/// payload carries the full new state of the rows it changes and every amount it moves, and
/// apply_claims_event() is the one place that turns it into row changes, live and on replay.
///
/// Kinds: incident_opened, incident_reported, incident_verified, incident_rejected,
/// incident_confirmed, incident_denied, incident_challenged, incident_vote_updated,
/// incident_haircut, claim_submitted, claim_decided, payout_made, assessor_registered, vote_cast
/// (payloads in docs/claims.md).

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulwark/cover/claims_model.hpp"
#include "bulwark/cover/repo.hpp"

namespace bulwark::cover {

/// True for the kinds above.
bool is_claims_event(std::string_view kind);

/// Applies one of the kinds above. Errors: kInvalidArgument for a malformed payload, kAlreadyExists
/// for a signature used twice or a second payout for one (incident, policy), kFailedPrecondition for
/// a decision on a claim that is not pending, kOverflow when a balance would go below zero.
Status apply_claims_event(Repo& repo, std::string_view kind, const nlohmann::json& payload);

/// The refusal of a signed message used before: kAlreadyExists, "<what> signature was already used
/// at unix time <t> (a <purpose> by <signer>): a replayed <what> is refused".
std::unexpected<Error> replay_refused(const SignatureUse& first, std::string_view what);

/// `s`, unless it failed with kAlreadyExists and the signature `digest` is recorded as used: then
/// replay_refused(). An event that records a signature inserts its row as new (Tx::insert), so
/// the store refuses a replay, perhaps only at commit and in its own words; a command passes its
/// transaction's status through this to say what happened. Reads the store only on that error.
Status explain_replay(store::Store& store, const Hash32& digest, std::string_view what, Status s);

/// The claims side's balance invariants on one consistent state: claim deposits held equal the
/// deposits of pending claims; every payout's burns add up to its amount, which is its entitlement
/// times its ratio rounded down; a paid claim's amount is its payout's. Returns the problems found.
Result<std::vector<std::string>> check_claims_invariants(Repo& repo);

}  // namespace bulwark::cover
