#pragma once
/// Assessment of discretionary incidents: registered assessors vote accept or deny with signed
/// messages, weighted by stake, over a voting period with Nexus Mutual v2's silent-ending
/// extension; the result is decided by advance_incidents (incidents.hpp) once the vote has ended.

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
  /// is still open: the vote is reversed (its weight leaves the tally, the vote stays recorded
  /// with weight 0) and the assessor's stake is slashed by `slash_bps` / 10,000 (rounded down; the
  /// slashed total is kept). The reason is stored on the incident. Errors, writing nothing:
  /// kInvalidArgument for an empty reason or slash_bps outside 0..10000; kNotFound for no such vote;
  /// kFailedPrecondition when the vote has ended or the incident is not in assessment.
  Result<Incident> reverse_vote(Id incident, const Address& assessor, std::int64_t slash_bps,
                                const std::string& reason);

  Result<std::vector<Assessor>> assessors();
  Result<std::vector<Vote>> votes(Id incident);

 private:
  store::Store& store_;
  const Clock& clock_;
  ClaimsConfig config_;
};

}  // namespace bulwark::cover
