#pragma once
/// The insurer's response to what the monitor sees, in one place: an incident-grade finding on a
/// covered contract opens an incident for each product that covers it, and the incident is verified
/// at once from the chain's own evidence; then, as time passes, parametric incidents are confirmed
/// when their challenge window ends, everything payable is paid on the ledger and, where a treasury
/// is configured for the chain, settled on-chain. Each step is the same service the command line
/// uses (Incidents, Payouts, Settler), so it is journaled, idempotent and safe to repeat after a
/// crash: a finding seen twice joins its incident, a payout is made once, a transfer sent once.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "bulwark/cover/evidence.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/cover/payouts.hpp"
#include "bulwark/cover/settlement.hpp"

namespace bulwark::cover {

/// What one tick did.
struct ResponseTick {
  std::vector<Payout> paid;                         ///< Payouts made on the ledger.
  std::map<std::uint64_t, SettlementPass> settled;  ///< Per chain with a treasury.
};

/// Not thread-safe; the store, clock, evidence sources and settlers must outlive it.
class IncidentResponder {
 public:
  IncidentResponder(store::Store& store, const Clock& clock, ClaimsConfig config = {});

  /// Where evidence of chain `chain_id` comes from, and (optional) who settles its payouts.
  void add_chain(std::uint64_t chain_id, TraceSource& evidence, Settler* settler = nullptr);

  /// Opens (or joins) the incidents of an incident-grade finding and verifies each that is still
  /// open. Returns them as they stand afterwards; an empty list when no product covers a victim.
  /// Errors: kInvalidArgument for a chain never added; those of Incidents.
  Result<std::vector<Incident>> on_finding(const FindingEvent& event);

  /// Opens (or joins) the incidents of a depeg watch's finding: verified at once (see
  /// Incidents::open_from_watch).
  Result<std::vector<Incident>> on_watch(const WatchEvent& event);

  /// Confirms what is due, pays everything payable and runs one settlement pass per chain with a
  /// settler, or only those for which `settles(chain)` is true when it is given (a monitor settles
  /// the chains whose lease it holds, so one settler per chain runs at a time).
  Result<ResponseTick> tick(const std::function<bool(std::uint64_t)>& settles = {});

 private:
  store::Store& store_;
  const Clock& clock_;
  ClaimsConfig config_;
  struct ChainParts {
    TraceSource* evidence = nullptr;
    Settler* settler = nullptr;
  };
  std::map<std::uint64_t, ChainParts> chains_;
  /// Incidents and claims kept from tick to tick, shared by the Incidents and Payouts of each.
  std::shared_ptr<ClaimsView> view_;
};

}  // namespace bulwark::cover
