#pragma once
/// Incidents, claims, payouts and assessment: the entities, their settings, their rows and JSON, and
/// typed access to their tables inside one store transaction.
///
/// Money follows the ledger's rules (model.hpp): U256 counts of the asset's smallest unit, named by
/// asset key. Every change to these tables is a journaled event (claims_events.hpp).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bulwark/core/address.hpp"
#include "bulwark/core/clock.hpp"
#include "bulwark/core/u256.hpp"
#include "bulwark/cover/model.hpp"
#include "bulwark/cover/repo.hpp"

namespace bulwark::cover {

/// Deployment settings of incidents, claims, assessment and payouts. Defaults follow Nexus Mutual
/// v2 (IndividualClaims.sol, Assessment.sol) where it has one; docs/claims.md lists them.
struct ClaimsConfig {
  /// A parametric incident is confirmed this long after verification unless challenged. 0 allowed.
  std::int64_t challenge_window = 3'600;
  /// A parametric trigger needs at least this proven loss to the product's contracts (sum over
  /// assets, in each asset's smallest unit); 0 = any loss.
  U256 parametric_min_loss;
  /// Cover bought less than this long before the incident pays nothing (anti front-running), for
  /// policies whose terms carry no cooling-off period of their own (sold before it was a product
  /// term); the CLI's `product add` also takes it as its default.
  std::int64_t cooling_off = kSecondsPerDay;
  /// Claim deposit = max(minimum, assessor reward); the minimum is per asset key (absent = 0).
  std::vector<std::pair<std::string, U256>> min_deposit;
  /// Assessor reward = ceil(claimed * reward_bps/10000 * cover period / 365 days) (Nexus v2: 1.3%).
  std::int64_t reward_bps = 130;
  /// Assessment of discretionary incidents.
  std::int64_t voting_period = 3 * kSecondsPerDay;
  std::int64_t silent_extension = kSecondsPerDay;  ///< Nexus v2: at most 1 day, scaled by stake share.
  std::int64_t cooldown = kSecondsPerDay;          ///< Between the vote's end and the first payout.
  std::int64_t stake_lock = 14 * kSecondsPerDay;   ///< Voters' stake stays locked after their last vote.
  U256 quorum;                                     ///< Total voted stake needed for a decision.
  /// Most payouts made per store transaction by one payout run (the rest in the next transaction).
  std::size_t payout_batch = 200;
  /// Most evidence transactions per report or claim.
  std::size_t max_txs = 16;
  /// Smallest bond a challenge of a parametric incident must put up, per asset key (absent: any
  /// non-zero bond).
  std::vector<std::pair<std::string, U256>> min_challenge_bond;
};

/// The cooling-off period a policy was sold under: its frozen term, or for policies sold before
/// it was a product term, the deployment's setting.
inline std::int64_t cooling_off_of(const Terms& t, const ClaimsConfig& c) {
  return t.cooling_off.value_or(c.cooling_off);
}

/// Reads a ClaimsConfig from a JSON object whose members are the fields above (seconds, counts,
/// decimal-string amounts; min_deposit as {"<asset key>": "<amount>"}); absent members keep their
/// defaults. Errors: kInvalidArgument naming an unknown member or a value of the wrong type or sign.
Result<ClaimsConfig> claims_config_from_json(const nlohmann::json& j);

enum class IncidentStatus {
  kOpen,       ///< Recorded, evidence not yet verified.
  kVerified,   ///< The chain proves a loss to the product; in its challenge window or assessment.
  kConfirmed,  ///< Payable (from payable_from on).
  kRejected,   ///< The evidence does not prove a loss to the product.
  kDenied,     ///< Assessment voted it down.
};
std::string_view to_string(IncidentStatus s);
Result<IncidentStatus> parse_incident_status(std::string_view s);

enum class ClaimStatus {
  kPending,   ///< Passed the automatic checks; waits for the incident's confirmation.
  kApproved,  ///< Payable; waits for the payout run.
  kRejected,  ///< Decided against, with reasons.
  kPaid,      ///< Paid (the payout row holds the amount and the burns).
};
std::string_view to_string(ClaimStatus s);
Result<ClaimStatus> parse_claim_status(std::string_view s);

/// A loss the chain proves: what one holder lost of one asset (asset key), in smallest units.
struct ProvenLoss {
  Address holder;
  std::string asset;
  U256 amount;
};

/// An address that received assets from an attacker in an evidence transaction.
struct Funding {
  Address attacker;
  Address recipient;
  Hash32 tx;
};

/// One evidence transaction as verified.
struct EvidenceTx {
  Hash32 tx;
  std::uint64_t block = 0;
  UnixTime time = 0;  ///< Block time; 0 when the evidence source did not know it.
  std::string kind;   ///< The incident-grade finding's kind, or "" when there was none.
  std::string severity;
};

/// What the chain proves about an incident: re-derived from the evidence traces by detect::analyze.
struct Proof {
  std::string kind;  ///< Kind of the finding with the largest loss to the product.
  std::uint64_t block = 0;
  UnixTime time = 0;
  std::vector<ProvenLoss> losses;  ///< The detectors' loss per victim and asset (incident-grade findings).
  std::vector<ProvenLoss> net_losses;  ///< Every other non-attacker holder's net loss in the asset flows.
  std::vector<Address> attackers;
  std::vector<Funding> funded;  ///< Non-attackers that received assets from an attacker.
  std::vector<EvidenceTx> txs;

  /// Proven loss of `holder` in `asset`: the detectors' figure when it is a named victim, else its
  /// net loss in the flows, else zero.
  U256 loss_of(const Address& holder, const std::string& asset) const;
  bool is_attacker(const Address& a) const;
  /// The first funding of `a` by an attacker, if any.
  std::optional<Funding> funding_of(const Address& a) const;
  /// The detectors' loss of `asset` to any of `contracts`, summed over them (smallest units;
  /// saturating): what a parametric loss trigger is compared with.
  U256 loss_to(std::span<const Address> contracts, const std::string& asset) const;
};

/// An incident on one product.
struct Incident {
  Id id = 0;
  Id product_id = 0;
  std::uint64_t chain_id = 1;
  IncidentStatus status = IncidentStatus::kOpen;
  std::string source;  ///< "finding", "report" or "finding+report".
  std::string kind;    ///< The proven kind once verified ("" before).
  std::uint64_t block = 0;
  UnixTime time = 0;  ///< The exploit's block time (what cover periods are checked against).
  UnixTime opened_at = 0;
  UnixTime verified_at = 0;
  UnixTime decided_at = 0;      ///< Confirmation, rejection or denial.
  UnixTime challenge_ends = 0;  ///< Parametric: confirmed at this time unless challenged.
  UnixTime vote_ends = 0;       ///< Discretionary: end of the vote (0 before the first vote).
  UnixTime payable_from = 0;    ///< Confirmed: payouts from this time on (after the cooldown).
  U256 accept_weight;
  U256 deny_weight;
  std::vector<Address> reporters;
  std::string description;
  std::vector<Hash32> txs;
  std::optional<Proof> proof;        ///< Set once verified (also when rejected: what was seen).
  std::vector<std::string> reasons;  ///< Every decision's reasons, oldest first.
  U256 haircut_num;                  ///< Payout ratio num/den fixed for the incident (0/0: not yet).
  U256 haircut_den;
};

/// A claim by a policyholder on one incident.
struct Claim {
  Id id = 0;
  Id policy_id = 0;
  Id incident_id = 0;
  Address holder;
  std::string asset;
  U256 claimed;
  U256 proven;   ///< Loss the chain proves for the claim's addresses, in the policy's asset.
  U256 payable;  ///< min(claimed, proven, cover left, holder's unclaimed proven loss) - deductible.
  U256 paid;
  U256 deposit;  ///< Taken at submission; refunded on approval, forfeited to the reserve on rejection.
  U256 reward;   ///< Assessor reward the deposit was sized on.
  ClaimStatus status = ClaimStatus::kPending;
  std::vector<Address> addresses;  ///< The holder's affected addresses.
  std::vector<Hash32> txs;
  std::vector<std::string> reasons;
  UnixTime submitted_at = 0;
  UnixTime decided_at = 0;
};

/// Capital burned from one pool for a payout.
struct Burn {
  Id pool_id = 0;
  U256 amount;
};

/// A payout: at most one per (incident, policy); claim_id 0 for a parametric payout.
struct Payout {
  Id incident_id = 0;
  Id policy_id = 0;
  Id claim_id = 0;
  Address holder;
  std::string asset;
  U256 entitled;  ///< Payable before any haircut.
  U256 amount;    ///< floor(entitled * ratio_num / ratio_den).
  U256 ratio_num;
  U256 ratio_den;
  std::vector<Burn> burns;  ///< Sum = amount.
  UnixTime time = 0;
};

/// A challenge of a parametric incident inside its challenge window: the bond waits in
/// `claims:bonds:<asset>` until the incident is decided by assessment; it is refunded when the
/// incident is denied (the challenger was right) and forfeited to the reserve when it is confirmed.
struct Challenge {
  Id incident_id = 0;
  Address challenger;
  std::string asset;
  U256 bond;
  std::string reason;
  std::string status = "open";  ///< "open", "refunded" or "forfeited".
  UnixTime time = 0;
  UnixTime settled_at = 0;
};

/// A registered assessor; `stake` is its voting weight.
struct Assessor {
  Address address;
  U256 stake;
  UnixTime locked_until = 0;
  U256 slashed;
  UnixTime registered_at = 0;
};

/// An assessment vote.
struct Vote {
  Id incident_id = 0;
  Address assessor;
  bool accept = false;
  U256 weight;
  std::int64_t nonce = 0;
  UnixTime time = 0;
};

/// A used signature: its EIP-191 digest, signer and purpose ("report", "claim", "vote", "challenge").
struct SignatureUse {
  Hash32 digest;
  Address signer;
  std::string purpose;
  UnixTime time = 0;
};

/// Account keys of the claims side. Claim deposits wait in `claims:deposits:<asset>`; money paid in
/// and out is counted in flow accounts, as the ledger's (model.hpp).
namespace accounts {
std::string claim_deposits(const std::string& asset);
std::string flow_claim_deposits(const std::string& asset);
std::string flow_deposit_refunds(const std::string& asset);
std::string flow_payouts(const std::string& asset);
std::string challenge_bonds(const std::string& asset);
/// What the assessor has earned by voting on the winning side, held for it.
std::string assessor_rewards(const Address& assessor, const std::string& asset);
std::string flow_reward_withdrawals(const std::string& asset);  ///< Rewards paid out to assessors.
std::string flow_challenge_bonds(const std::string& asset);
std::string flow_bond_refunds(const std::string& asset);
}  // namespace accounts

/// The asset key of a detector asset on a chain ("1:native", "1:0x...").
std::string asset_key(std::uint64_t chain_id, bool native, const Address& token);

// Rows and JSON. Parsing a stored row fails only on a hand-edited database (kCorrupt); parsing an
// event payload fails with kInvalidArgument.
store::Row to_row(const Incident& i);
store::Row to_row(const Claim& c);
store::Row to_row(const Payout& p);
store::Row to_row(const Assessor& a);
store::Row to_row(const Challenge& c);
Result<Challenge> challenge_from_row(const store::Row& r);
nlohmann::json to_json(const Challenge& c);
Result<Challenge> challenge_from_json(const nlohmann::json& j);
store::Row to_row(const Vote& v);
store::Row to_row(const SignatureUse& s);
Result<Incident> incident_from_row(const store::Row& r);
Result<Claim> claim_from_row(const store::Row& r);
Result<Payout> payout_from_row(const store::Row& r);
Result<Assessor> assessor_from_row(const store::Row& r);
Result<Vote> vote_from_row(const store::Row& r);
Result<SignatureUse> signature_from_row(const store::Row& r);

nlohmann::json to_json(const Proof& p);
nlohmann::json to_json(const Incident& i);
nlohmann::json to_json(const Claim& c);
nlohmann::json to_json(const Payout& p);
nlohmann::json to_json(const Assessor& a);
nlohmann::json to_json(const Vote& v);
nlohmann::json to_json(const SignatureUse& s);
Result<Proof> proof_from_json(const nlohmann::json& j);
Result<Incident> incident_from_json(const nlohmann::json& j);
Result<Claim> claim_from_json(const nlohmann::json& j);
Result<Payout> payout_from_json(const nlohmann::json& j);
Result<Assessor> assessor_from_json(const nlohmann::json& j);
Result<Vote> vote_from_json(const nlohmann::json& j);
Result<SignatureUse> signature_from_json(const nlohmann::json& j);

/// Proof::loss_of, is_attacker and funding_of with the same answers, by address look-up rather
/// than a scan of the proof's lists: for checking many holders against one proof. Keeps the
/// incident whose proof it indexes (an incident without a proof has no losses, attackers or
/// fundings). Immutable once built, so thread-safe.
class ProofIndex {
 public:
  explicit ProofIndex(std::shared_ptr<const Incident> incident);
  U256 loss_of(const Address& holder, const std::string& asset) const;
  bool is_attacker(const Address& a) const;
  std::optional<Funding> funding_of(const Address& a) const;

 private:
  std::shared_ptr<const Incident> incident_;
  std::unordered_map<Address, std::vector<const ProvenLoss*>> losses_;
  std::unordered_map<Address, std::vector<const ProvenLoss*>> net_losses_;
  std::unordered_map<Address, bool> attackers_;
  std::unordered_map<Address, const Funding*> funded_;  ///< The first funding of each recipient.
};

/// The claims of one incident, by id, by holder and by affected address. A value: not thread-safe.
class IncidentClaims {
 public:
  IncidentClaims() = default;
  explicit IncidentClaims(std::vector<Claim> claims);

  /// Inserts `c`, or replaces the claim with its id.
  void put(Claim c);
  /// Every claim, in id order.
  const std::map<Id, Claim>& all() const { return claims_; }
  /// The claim with this id, or nullptr.
  const Claim* find(Id id) const;
  /// Ids of the claims of `holder`, ascending (any status).
  std::span<const Id> of_holder(const Address& holder) const;
  /// Ids of the claims naming `a` among their affected addresses, ascending (any status).
  std::span<const Id> naming(const Address& a) const;
  /// Ids of the claims on `policy`, ascending (any status).
  std::span<const Id> of_policy(Id policy) const;

 private:
  std::map<Id, Claim> claims_;
  std::unordered_map<Address, std::vector<Id>> by_holder_;
  std::unordered_map<Id, std::vector<Id>> by_policy_;
  std::unordered_map<Address, std::vector<Id>> by_address_;
};

/// Typed access to the claims tables through a ledger Repo's transaction. Cheap to construct.
///
/// When the transaction is a ViewTx (claims_view.hpp), incidents and the claims of an incident are
/// answered from its ClaimsView (parsed once, shared) for as long as the transaction has not itself
/// written those tables; otherwise they are read and parsed from the transaction. The answers are
/// the same either way.
class ClaimsRepo {
 public:
  explicit ClaimsRepo(Repo& repo) : repo_(repo) {}

  Result<std::optional<Incident>> find_incident(Id id);
  Result<Incident> get_incident(Id id);
  /// Every incident, optionally only those of one status, in id order.
  Result<std::vector<Incident>> incidents(std::optional<IncidentStatus> status = std::nullopt);
  /// As get_incident and incidents, shared rather than copied (an incident's proof can hold
  /// thousands of losses). Valid for the rest of the transaction; never modified.
  Result<std::shared_ptr<const Incident>> incident_ref(Id id);
  Result<std::vector<std::shared_ptr<const Incident>>> incident_refs(
      std::optional<IncidentStatus> status = std::nullopt);
  /// The index of an incident's proof; built once per incident read from the view, else anew.
  std::shared_ptr<const ProofIndex> proof_index(const std::shared_ptr<const Incident>& incident);
  /// The incident a transaction already belongs to for a product, if any.
  Result<std::optional<Id>> incident_of_tx(std::uint64_t chain_id, const Hash32& tx, Id product);

  Result<std::optional<Claim>> find_claim(Id id);
  Result<Claim> get_claim(Id id);
  Result<std::vector<Claim>> claims_of_incident(Id incident);
  /// The claims of an incident, indexed; shared like incident_ref(). Valid for the rest of the
  /// transaction, and reflects writes to the claims table made before the call.
  Result<std::shared_ptr<const IncidentClaims>> incident_claims(Id incident);
  Result<std::vector<Claim>> claims_of_policy(Id policy);
  Result<std::vector<Claim>> claims_of_holder(const Address& holder);
  Result<std::vector<Claim>> claims(std::optional<ClaimStatus> status = std::nullopt);

  Result<std::optional<Payout>> find_payout(Id incident, Id policy);
  Result<std::vector<Payout>> payouts_of_incident(Id incident);
  Result<std::vector<Payout>> payouts_of_policy(Id policy);
  Result<std::vector<Payout>> payouts();

  Result<std::optional<SignatureUse>> find_signature(const Hash32& digest);

  /// A policy claimed on an incident of `product`. Through a view, the first claim on a product
  /// in the view's life reads the product's policies (up to kMaxPreload) in one query and keeps
  /// them, so that claims on the same product find theirs without a read. Errors: kNotFound for
  /// no such policy; those of the reads.
  Result<Policy> claim_policy(Id policy, Id product);
  static constexpr std::size_t kMaxPreload = 100'000;

  /// A policy's claims and payouts, ordered as claims_of_policy() and payouts_of_policy() order
  /// them. Through a view, from the claims and payouts it holds of the incidents of the policy's
  /// product (a policy is only ever claimed on, and paid for, incidents of its product), so that
  /// the checks of one claim after another read nothing. Errors: those of the reads.
  Result<std::pair<std::vector<Claim>, std::vector<Payout>>> policy_history(const Policy& policy);

  /// Announces (store::Tx::prefetch) the reads of a claim's checks that the view, if any, cannot
  /// answer (claim_policy and policy_history of `policy` on an incident of `product`), so that a
  /// networked store sends them in one round trip. Errors: those of the reads.
  Status prefetch_claim_checks(Id policy, Id product);

  Result<std::optional<Assessor>> find_assessor(const Address& a);
  Result<std::optional<Challenge>> find_challenge(Id incident);
  Result<std::vector<Challenge>> challenges();
  Result<std::vector<Assessor>> assessors();
  Result<std::vector<Vote>> votes_of_incident(Id incident);

  Repo& repo() { return repo_; }

 private:
  /// The incident (nullptr when there is none), from the view when it may answer.
  Result<std::shared_ptr<const Incident>> find_ref(Id id);
  Result<std::vector<Claim>> stored_claims_of_incident(Id incident);
  /// Every payout of an incident, by policy; the view's copy when it may answer.
  Result<std::shared_ptr<const std::map<Id, Payout>>> incident_payouts(Id incident);

  Repo& repo_;
};

}  // namespace bulwark::cover
