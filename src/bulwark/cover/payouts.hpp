#pragma once
/// Payouts: approved claims and parametric entitlements of confirmed incidents, paid from the pools
/// backing the product by burning their capital, exactly once per (incident, policy).
///
/// Each payout is one journaled event applied in the same store transaction as the burn; a second
/// payout for the same (incident, policy) is refused by the event itself, so a retried or restarted
/// run can never pay twice, and a run killed mid-way leaves every batch either fully applied or not
/// at all. When the pools cannot cover everything owed on one incident, every payout of it gets the
/// same haircut ratio (capital / owed), recorded on the incident with the solvency state.

#include <memory>
#include <optional>
#include <vector>

#include "bulwark/cover/claims_model.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

class ClaimsView;

/// What one payout run did.
struct PayoutRun {
  std::vector<Payout> payouts;  ///< Made by this run, in order.
  U256 total;                   ///< Sum of their amounts (one asset per incident; mixed across incidents).
  std::size_t batches = 0;      ///< Store transactions committed.
  std::size_t remaining = 0;    ///< Still owed after a single batch (0 after run()).
};

/// Something owed on a confirmed incident and not yet paid.
struct Entitlement {
  Id incident_id = 0;
  Id policy_id = 0;
  Id claim_id = 0;  ///< 0 for a parametric entitlement.
  Address holder;
  std::string asset;
  U256 amount;  ///< Before any haircut.
};

/// Everything owed and unpaid on `incident` (confirmed, payable_from reached): its approved claims,
/// and for a parametric product every policy active at the incident's time (bought before it and
/// outside the cooling-off window; holder not an attacker nor funded by one), paid min(proven loss
/// of the holder, cover left) - deductible for smart-contract cover and cover left - deductible
/// for a fixed-sum trigger (depeg, governance, oracle). Claims first (by id), then policies (by id).
Result<std::vector<Entitlement>> entitlements(Repo& repo, const Incident& incident,
                                              const ClaimsConfig& config);

class Payouts {
 public:
  /// `view`: the claims view (claims_view.hpp) to keep incidents and claims in; objects of one
  /// store may share one, so that each does not read and parse them again. Empty: a view of its own.
  Payouts(store::Store& store, const Clock& clock, ClaimsConfig config = {},
          std::shared_ptr<ClaimsView> view = {});

  /// One store transaction: advances incidents, then pays at most config.payout_batch entitlements
  /// of the payable incidents (only `incident` when given). `remaining` says what is left.
  /// What a batch leaves owed is kept for the next batch of this object, which uses it only when
  /// the journal shows that nothing was written in between (else it works it out again), so that
  /// paying a large incident does not recompute every entitlement for each batch. Thread-safe as
  /// the store is.
  Result<PayoutRun> run_batch(std::optional<Id> incident = std::nullopt);
  /// Runs batches until nothing payable is left.
  Result<PayoutRun> run(std::optional<Id> incident = std::nullopt);

  /// Payouts made, of one incident or all.
  Result<std::vector<Payout>> payouts(std::optional<Id> incident = std::nullopt);

 private:
  struct State;  ///< Incidents and claims kept across batches, and what the last batch left owed.

  store::Store& store_;
  const Clock& clock_;
  ClaimsConfig config_;
  std::shared_ptr<State> state_;
};

}  // namespace bulwark::cover
