#pragma once
/// Claims: filed by a policyholder on a verified incident, checked automatically (each check gives
/// its reason on rejection), decided with the incident, and paid by the payout run (payouts.hpp).
///
/// A rejected submission returns an error naming the failed check and writes nothing. An accepted
/// one takes the claim deposit (Nexus Mutual v2: max(fixed minimum, assessor reward)) and is
/// pending until the incident is confirmed (then approved, the deposit refunded) or denied (then
/// rejected, the deposit forfeited to the reserve).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bulwark/core/signature.hpp"
#include "bulwark/cover/claims_model.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

class ClaimsView;

/// A claim as the holder signs it (EIP-191 personal_sign over claim_message()).
struct ClaimRequest {
  Id policy_id = 0;
  Id incident_id = 0;
  Address holder;                  ///< Must be the policy's holder.
  std::vector<Hash32> txs;         ///< The holder's evidence transactions (may be empty).
  U256 claimed;                    ///< In the policy's asset's smallest unit.
  std::vector<Address> addresses;  ///< The holder's affected addresses, 1..16, no repeats.
  U256 max_deposit;                ///< The most the holder pays as claim deposit.
  Signature signature;
};

/// The canonical text a holder signs: lines "Bulwark claim", "holder: <EIP-55>", "policy: <id>",
/// "incident: <id>", "claimed: <smallest units, decimal>", "addresses: <EIP-55>,<EIP-55>" and
/// "transactions: <hash>,<hash>" (both in the order given), joined by "\n", no trailing newline.
std::string claim_message(const ClaimRequest& r);

/// Filter for listing claims; unset fields match everything.
struct ClaimFilter {
  std::optional<Address> holder;
  std::optional<Id> incident_id;
  std::optional<Id> policy_id;
  std::optional<ClaimStatus> status;
};

/// Decides the pending claims of a decided incident (confirmed: approved with the deposit refunded;
/// denied or rejected: rejected with the deposit forfeited), inside the caller's transaction.
/// `decided`, when given, receives each claim decided, as written.
Status decide_claims_of(Repo& repo, const Incident& incident, UnixTime now,
                        std::vector<Claim>* decided = nullptr);

/// The claim deposit for `claimed` on `policy`: max(config minimum for the asset, reward), reward
/// = ceil(claimed * reward_bps/10000 * period / 365 days). Returns {deposit, reward}.
Result<std::pair<U256, U256>> claim_deposit(const Policy& policy, const U256& claimed,
                                            const ClaimsConfig& config);

class Claims {
 public:
  /// `view`: the claims view (claims_view.hpp) to keep incidents and claims in; objects of one
  /// store may share one, so that each does not read and parse them again. Empty: a view of its own.
  Claims(store::Store& store, const Clock& clock, ClaimsConfig config = {},
         std::shared_ptr<ClaimsView> view = {});

  /// Submits a claim. Checks, each failing with its reason and writing nothing: the signature is the
  /// policy holder's and not a replay; the incident is verified or confirmed and concerns the
  /// policy's product; the cover is not parametric; the policy was bought before the incident and
  /// not within the cooling-off window, was active at the incident's time, and the grace period has
  /// not run out; the policy has no open claim and no payout for the incident; neither the holder
  /// nor its addresses are attackers or funded by an attacker in the evidence; no other holder
  /// claims the same addresses; the claimed loss is at most the proven loss of its addresses; the
  /// holder's proven loss for the incident is not yet fully claimed; something is payable after the
  /// deductible; the deposit is within max_deposit.
  /// Errors: kInvalidArgument (malformed, bad signature), kNotFound, kAlreadyExists (replay),
  /// kFailedPrecondition (a failed check).
  Result<Claim> submit(const ClaimRequest& request);

  Result<Claim> claim(Id id);
  Result<std::vector<Claim>> claims(const ClaimFilter& filter = {});

 private:
  store::Store& store_;
  const Clock& clock_;
  ClaimsConfig config_;
  std::shared_ptr<ClaimsView> view_;  ///< Incidents and claims kept across submissions (claims_view.hpp).
};

}  // namespace bulwark::cover
