#pragma once
/// Assessment of discretionary incidents: registered assessors vote accept or deny with signed
/// messages, weighted by stake, over a voting period with Nexus Mutual v2's silent-ending
/// extension; the result is decided by advance_incidents (incidents.hpp) once the vote and the
/// cooldown after it have passed.

#include <functional>
#include <string_view>
#include <vector>

#include "bulwark/core/signature.hpp"
#include "bulwark/cover/claims_model.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

/// A vote as the assessor signs it (EIP-191 personal_sign over vote_message()).
struct VoteRequest {
  Id incident_id = 0;
  Address assessor;
  bool accept = false;
  std::int64_t nonce = 0;  ///< Any number; makes each signed vote distinct.
  UnixTime expiry = 0;     ///< The signature is refused after this time.
  Signature signature;
};

/// The canonical text an assessor signs: lines "Bulwark assessment vote", "assessor: <EIP-55>",
/// "incident: <id>", "vote: accept|deny", "nonce: <n>" and "expiry: <unix seconds>", joined by "\n".
std::string vote_message(const VoteRequest& v);

/// An assessor's withdrawal of its held assessment rewards, as it signs it (EIP-191 over
/// reward_withdrawal_message()).
struct RewardWithdrawal {
  Address assessor;
  std::string asset;  ///< Asset key.
  U256 amount;        ///< Smallest units; above zero and at most the rewards held.
  std::int64_t nonce = 0;
  UnixTime expiry = 0;
  Signature signature;
};

/// Lines "Bulwark assessor reward withdrawal", "assessor: <EIP-55>", "asset: <key>", "amount:
/// <smallest units>", "nonce: <n>", "expiry: <unix seconds>", joined by "\n".
std::string reward_withdrawal_message(const RewardWithdrawal& w);

class Assessment {
 public:
  Assessment(store::Store& store, const Clock& clock, ClaimsConfig config = {});

  /// Registers an assessor or changes its stake. Errors: kInvalidArgument for a zero stake or
  /// address; kFailedPrecondition when lowering a stake that is locked behind recent votes.
  Result<Assessor> register_assessor(const Address& address, const U256& stake);

  /// Casts a vote. The first vote starts the period (config.voting_period); a vote in its last
  /// silent_extension seconds extends it by min(silent_extension, silent_extension * stake / voted
  /// stake) (Nexus v2). Errors, writing nothing: kInvalidArgument for a forged signature,
  /// kAlreadyExists for a replayed one or a second vote, kFailedPrecondition for an expired
  /// signature, an unregistered or conflicted assessor (holds cover on the product or claims on
  /// the incident), an incident not in assessment, or a vote that has ended.
  Result<Incident> vote(const VoteRequest& request);

  /// Governance's answer to an assessor who voted against clear on-chain evidence, while the vote
  /// is open or in the cooldown after it (a vote decides only once the cooldown has passed): the
  /// vote is reversed (its weight leaves the tally, the vote stays recorded with weight 0) and the
  /// assessor's stake is slashed by `slash_bps` / 10,000 (rounded down; the slashed total is
  /// kept). When less than config.silent_extension of the vote is left, or it has ended, it runs
  /// (again) until then, so that the others can vote on the corrected tally (Nexus Mutual v2's
  /// fraud handling). The reasons are stored on the incident. Errors, writing nothing:
  /// kInvalidArgument for an empty reason or slash_bps outside 0..10000; kNotFound for no such vote;
  /// kFailedPrecondition when the cooldown has ended or the incident is not in assessment.
  Result<Incident> reverse_vote(Id incident, const Address& assessor, std::int64_t slash_bps,
                                const std::string& reason);

  /// Pays `request.amount` of the assessor's held rewards out of the books (journaled as
  /// assessor_rewards_withdrawn; counted in `flow:reward_withdrawals` by `ledger verify`). Returns
  /// what stays held. Errors, writing nothing: kInvalidArgument for a forged signature or a zero
  /// amount, kAlreadyExists for a replayed signature, kFailedPrecondition for an expired one or an
  /// amount above the rewards held.
  Result<U256> withdraw_rewards(const RewardWithdrawal& request);
  /// The rewards `assessor` holds in `asset` (smallest units), counting those of votes whose
  /// cooldown has passed but that are not yet decided (the next write decides them); a vote still in
  /// its cooldown counts nothing. Writes nothing.
  Result<U256> rewards(const Address& assessor, const std::string& asset);

  Result<std::vector<Assessor>> assessors();
  Result<std::vector<Vote>> votes(Id incident);

 private:
  /// Checks `signature` over `message` by `signer`, then runs `body` in one write transaction,
  /// after the incidents advance, unless the signature was used before (kAlreadyExists) or
  /// `expiry` has passed (kFailedPrecondition); errors name `what` ("vote", "withdrawal").
  Status signed_write(const std::string& message, const Signature& signature, const Address& signer,
                      UnixTime expiry, std::string_view what,
                      const std::function<Status(Repo&, UnixTime, const Hash32&)>& body);

  store::Store& store_;
  const Clock& clock_;
  ClaimsConfig config_;
};

}  // namespace bulwark::cover
