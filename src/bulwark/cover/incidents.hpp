#pragma once
/// Incidents: opened from an incident-grade finding on a covered contract or from a signed report,
/// verified from the chain's own evidence, and decided (parametric: after a challenge window;
/// discretionary: by assessment or governance), every decision with its reasons.
///
/// A finding and a report about the same exploit transaction make one incident per product. Every
/// command runs in one store transaction and journals its events (claims_events.hpp); a rejected
/// command returns an error and writes nothing. Evidence is fetched before the transaction opens.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bulwark/core/signature.hpp"
#include "bulwark/cover/claims_model.hpp"
#include "bulwark/cover/evidence.hpp"
#include "bulwark/detect/detect.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

class ClaimsView;

/// An incident-grade finding the monitor made on one transaction.
struct FindingEvent {
  std::uint64_t chain_id = 1;
  Hash32 tx;
  detect::Finding finding;
  std::uint64_t block = 0;
  UnixTime time = 0;  ///< Block time.
};

/// A finding of a cross-block watch: a stablecoin outside its band for the configured duration
/// (detect::DepegWatch), seen by the monitor on `chain_id`.
struct WatchEvent {
  std::uint64_t chain_id = 1;
  Address coin;                   ///< The stablecoin.
  detect::Finding finding;        ///< kind depeg.
  std::uint64_t first_block = 0;  ///< The first block of the excursion (identifies it).
  std::uint64_t block = 0;        ///< The block in which it had lasted the duration.
  UnixTime time = 0;              ///< That block's time.
};

/// A report by anyone: signed (EIP-191 personal_sign) by the reporter over report_message().
struct ReportRequest {
  Address reporter;
  Id product_id = 0;
  std::vector<Hash32> txs;  ///< The exploit transactions, 1..max_txs, no repeats.
  std::string description;  ///< At most 2000 bytes.
  Signature signature;
};

/// The canonical text a reporter signs: lines "Bulwark incident report", "reporter: <EIP-55>",
/// "product: <id>", "transactions: <hash>,<hash>" (lower-case, in the order given) and
/// "description: <text>", joined by "\n" with no trailing newline.
std::string report_message(const ReportRequest& r);

/// A challenge of a parametric incident, signed (EIP-191 personal_sign) by the challenger over
/// challenge_message(); the bond is in the product's asset, smallest units.
struct ChallengeRequest {
  Address challenger;
  Id incident_id = 0;
  U256 bond;
  std::string reason;  ///< 1..2000 bytes.
  Signature signature;
};

/// The canonical text a challenger signs: lines "Bulwark incident challenge", "challenger: <EIP-55>",
/// "incident: <id>", "bond: <amount in smallest units>" and "reason: <text>", joined by "\n".
std::string challenge_message(const ChallengeRequest& c);

/// Filter for listing incidents; unset fields match everything.
struct IncidentFilter {
  std::optional<IncidentStatus> status;
  std::optional<Id> product_id;
};

/// Moves every incident whose time has come: parametric incidents past their challenge window are
/// confirmed; discretionary votes whose end and the cooldown after it have passed are decided
/// (quorum, then accept > deny; in the cooldown governance may still reverse votes), payable at
/// once; pending claims of decided incidents are decided with them. Runs inside the caller's write
/// transaction; returns how many incidents moved.
Result<std::size_t> advance_incidents(Repo& repo, UnixTime now, const ClaimsConfig& config);

class Incidents {
 public:
  /// `view`: the claims view (claims_view.hpp) to keep incidents and claims in; objects of one
  /// store may share one, so that each does not read and parse them again. Empty: a view of its own.
  Incidents(store::Store& store, const Clock& clock, ClaimsConfig config = {},
            std::shared_ptr<ClaimsView> view = {});

  /// Opens an incident for every product (on the finding's chain) that covers one of the finding's
  /// victims, or returns the incident the transaction already belongs to. Opens nothing (an empty
  /// list) for a finding that is not incident-grade or touches no covered contract.
  Result<std::vector<Incident>> open_from_finding(const FindingEvent& event);

  /// Opens an incident for every depeg product (on the event's chain) covering the stablecoin, or
  /// returns the one the same excursion already opened. The watch read the chain itself (the feeds'
  /// answers block by block), so the incident is verified at once: a depeg proves no loss per
  /// holder, and its products pay fixed sums. Parametric products are then confirmed after the
  /// challenge window; discretionary ones await assessment. An empty list when nothing covers it.
  Result<std::vector<Incident>> open_from_watch(const WatchEvent& event);

  /// Records a signed report, fetches its evidence and verifies it in the same transaction: the
  /// result is verified, or rejected with the reason when the evidence shows no loss to the
  /// product's contracts. Joins the incident of a transaction already known for the product.
  /// Errors (nothing written): kInvalidArgument for a bad signature or malformed request,
  /// kAlreadyExists for a replayed report, kNotFound for an unknown product or evidence transaction.
  Result<Incident> report(const ReportRequest& request, TraceSource& source);

  /// Challenges a verified parametric incident inside its challenge window: the bond is taken
  /// (journaled with the challenge), the automatic confirmation is called off and the incident goes
  /// to assessment like a discretionary one. When it is decided the bond is refunded if it is
  /// denied and forfeited to the reserve if it is confirmed. Errors (nothing written):
  /// kInvalidArgument for a bad signature, reason or bond (below the asset's minimum);
  /// kAlreadyExists for a replayed signature or an incident already challenged;
  /// kFailedPrecondition for an incident that is not parametric, not verified, or past its window.
  Result<Incident> challenge(const ChallengeRequest& request);

  /// Verifies an open incident: fetches every evidence transaction, re-runs the detectors and
  /// records what the chain proves (verified) or why it does not (rejected). An incident already
  /// past verification is returned unchanged.
  Result<Incident> verify(Id incident, TraceSource& source);

  /// A governance decision on a verified incident (accept: confirmed, payable now; else denied),
  /// stored with `reason`. Errors: kFailedPrecondition unless the incident is verified.
  Result<Incident> resolve(Id incident, bool accept, const std::string& reason);

  /// Runs advance_incidents in its own transaction.
  Result<std::size_t> advance();

  Result<Incident> incident(Id id);
  Result<std::vector<Incident>> incidents(const IncidentFilter& filter = {});

 private:
  Status write(const std::function<Status(Repo&, UnixTime)>& body);
  Result<std::vector<std::pair<Hash32, EvidenceTrace>>> fetch(std::uint64_t chain,
                                                              const std::vector<Hash32>& txs,
                                                              TraceSource& source);
  /// Appends the verification decision for `incident` (open) from fetched evidence.
  Status decide_evidence(Repo& repo, UnixTime now, Incident& incident,
                         const std::vector<std::pair<Hash32, EvidenceTrace>>& evidence);
  /// Marks `incident` verified for `reason`: a parametric one enters its challenge window (and is
  /// confirmed at once when the window is 0), a discretionary one awaits assessment.
  Status mark_verified(Repo& repo, UnixTime now, const Product& product, Incident& incident,
                       std::string reason);

  store::Store& store_;
  const Clock& clock_;
  ClaimsConfig config_;
  std::shared_ptr<ClaimsView> view_;  ///< Incidents and claims kept across commands (claims_view.hpp).
};

}  // namespace bulwark::cover
