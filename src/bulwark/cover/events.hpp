#pragma once
/// Journaled events and how each changes the books.
///
/// Every state change of the ledger is one event: a kind and a JSON payload that carries every
/// number the change needs (the ledger decides; the event only records). apply_event() is the one
/// place that turns an event into row changes; it runs live inside the ledger's transaction and
/// again when `ledger verify` replays the journal onto an empty store, so the replay rebuilds the
/// books exactly or the verification fails.
///
/// Kinds: asset_registered, product_added, product_updated, pool_created, backing_set, deposited,
/// withdrawn, rewards_earned, policy_bought, policy_expired, policy_cancelled (payloads in docs/ledger.md),
/// risk_profile_set, risk_signal_recorded, risk_signal_reviewed (docs/risk.md).

#include <string_view>

#include <nlohmann/json.hpp>

#include "bulwark/cover/repo.hpp"

namespace bulwark::cover {

/// Applies one event. Errors: kInvalidArgument for an unknown kind or a malformed payload,
/// kOverflow when a balance would go below zero (a journal that does not add up).
Status apply_event(Repo& repo, std::string_view kind, const nlohmann::json& payload);

/// For an event that writes the policies table (policy_bought, policy_expired, policy_cancelled:
/// no other kind does), the id of the policy it writes; nullopt for any other kind. Caches of
/// policies that follow the journal (ClaimsView) forget that policy. `payload` is the entry's JSON
/// text, parsed only for those kinds. Errors: kInvalidArgument for such an event whose payload
/// names no policy.
Result<std::optional<Id>> policy_written_by(std::string_view kind, std::string_view payload);

/// Applies the event and appends it to the journal, chained to the current head, in the caller's
/// transaction. Returns the new entry.
Result<JournalEntry> record_event(Repo& repo, UnixTime time, std::string_view kind,
                                  const nlohmann::json& payload);

}  // namespace bulwark::cover
