#include "bulwark/cover/payouts.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <span>

#include <nlohmann/json.hpp>

#include "bulwark/cover/claims_view.hpp"
#include "bulwark/cover/events.hpp"
#include "bulwark/cover/incidents.hpp"

namespace bulwark::cover {
namespace {

using nlohmann::json;

std::string str(std::int64_t v) {
  return std::to_string(v);
}

U256 sub_or_zero(const U256& a, const U256& b) {
  return a > b ? *a.checked_sub(b) : U256{};
}

/// Splits `amount` across pools pro rata to `weights`, never taking more than a pool's `capital`
/// left; the rounding remainder and any overflow go to the pools in id order while they have room.
Result<std::vector<Burn>> split(const U256& amount, const std::vector<std::pair<Id, U256>>& weights,
                                std::map<Id, U256>& capital) {
  U256 total_weight;
  for (const auto& [_, w] : weights) total_weight = total_weight.checked_add(w).value_or(U256::max());
  std::vector<Burn> burns;
  U256 assigned;
  for (const auto& [pool, w] : weights) {
    U256 part;
    if (!total_weight.is_zero()) {
      BULWARK_TRY(p, U256::mul_div(amount, w, total_weight, U256::Rounding::kDown));
      part = std::min(p, capital[pool]);
    }
    burns.push_back({pool, part});
    assigned = *assigned.checked_add(part);
  }
  U256 rest = *amount.checked_sub(assigned);
  for (auto& b : burns) {
    if (rest.is_zero()) break;
    const U256 room = sub_or_zero(capital[b.pool_id], b.amount);
    const U256 add = std::min(room, rest);
    b.amount = *b.amount.checked_add(add);
    rest = *rest.checked_sub(add);
  }
  if (!rest.is_zero())
    return fail(ErrorCode::kInternal, "payout of " + amount.to_dec() + " exceeds the pools' capital");
  for (const auto& b : burns) capital[b.pool_id] = *capital[b.pool_id].checked_sub(b.amount);
  std::erase_if(burns, [](const Burn& b) { return b.amount.is_zero(); });
  return burns;
}

/// entitlements() of a shared incident (whose proof index the view may keep).
Result<std::vector<Entitlement>> owed_on(Repo& repo, const std::shared_ptr<const Incident>& ref,
                                         const ClaimsConfig& config) {
  const Incident& inc = *ref;
  std::vector<Entitlement> out;
  ClaimsRepo cr(repo);
  BULWARK_TRY(claims, cr.incident_claims(inc.id));
  BULWARK_TRY(paid, cr.payouts_of_incident(inc.id));
  std::set<Id> paid_policies;
  for (const auto& p : paid) paid_policies.insert(p.policy_id);
  for (const auto& [_, c] : claims->all())
    if (c.status == ClaimStatus::kApproved && !paid_policies.contains(c.policy_id))
      out.push_back({inc.id, c.policy_id, c.id, c.holder, c.asset, c.payable});
  BULWARK_TRY(product, repo.get_product(inc.product_id));
  if (!product.parametric || !inc.proof) return out;
  BULWARK_TRY(policies, repo.policies({.product_id = product.id}));
  BULWARK_TRY(all_payouts, cr.payouts());
  std::map<Id, U256> paid_before;  // per policy, across incidents
  for (const auto& e : all_payouts)
    paid_before[e.policy_id] = paid_before[e.policy_id].checked_add(e.amount).value_or(U256::max());
  const auto proof = cr.proof_index(ref);
  const U256 product_loss = inc.proof->loss_to(product.contracts, product.asset);
  for (const auto& p : policies) {
    if (!p.terms.parametric || paid_policies.contains(p.id)) continue;
    const UnixTime cover_end = p.status == PolicyStatus::kCancelled ? p.closed_at : p.end_time;
    if (p.start_time >= inc.time || inc.time - p.start_time < cooling_off_of(p.terms, config) ||
        inc.time >= cover_end)
      continue;
    if (product_loss < p.terms.trigger_min_loss) continue;  // the trigger it was sold under
    if (proof->is_attacker(p.holder) || proof->funding_of(p.holder)) continue;
    const U256 cover_left = sub_or_zero(p.amount, paid_before[p.id]);
    U256 gross = cover_left;
    if (!pays_fixed_sum(p.terms.cover_type, p.terms.payout))
      gross = std::min(gross, proof->loss_of(p.holder, p.asset));
    const U256 amount = sub_or_zero(gross, p.terms.deductible);
    if (amount.is_zero()) continue;
    out.push_back({inc.id, p.id, 0, p.holder, p.asset, amount});
  }
  return out;
}

}  // namespace

Result<std::vector<Entitlement>> entitlements(Repo& repo, const Incident& inc, const ClaimsConfig& config) {
  // Not owned: only for the call.
  return owed_on(repo, std::shared_ptr<const Incident>(std::shared_ptr<const Incident>{}, &inc), config);
}

/// What a committed batch left owed, per incident, and the journal head it committed: valid for the
/// next batch only if the journal still ends there (nobody wrote since). Entitlements of an
/// incident do not change when other policies are paid, except a parametric policy's cover left
/// when it is paid on another incident of its product: an incident is carried only when no other
/// incident of its product was paid in the batch.
struct Carry {
  struct Owed {
    std::shared_ptr<const std::vector<Entitlement>> list;
    std::size_t from = 0;  ///< list[from..] is still owed.
  };
  bool valid = false;
  std::int64_t seq = 0;
  Hash32 hash;
  std::map<Id, Owed> owed;  ///< By incident.
};

struct Payouts::State {
  std::shared_ptr<ClaimsView> view;
  std::mutex mu;  ///< Guards carry.
  Carry carry;
};

Payouts::Payouts(store::Store& store, const Clock& clock, ClaimsConfig config,
                 std::shared_ptr<ClaimsView> view)
    : store_(store), clock_(clock), config_(std::move(config)), state_(std::make_shared<State>()) {
  state_->view = view ? std::move(view) : std::make_shared<ClaimsView>();
}

Result<PayoutRun> Payouts::run_batch(std::optional<Id> only) {
  PayoutRun run;
  Carry next;
  Status s = store_.transact(store::TxMode::kWrite, [&](store::Tx& inner) -> Status {
    run = PayoutRun{};
    next = Carry{};
    ViewTx tx(inner, *state_->view);
    BULWARK_CHECK(tx.sync());
    Repo repo(tx);
    ClaimsRepo cr(repo);
    const UnixTime now = clock_.now();
    Carry before;
    {
      std::lock_guard lock(state_->mu);
      before = state_->carry;
    }
    BULWARK_TRY(head, repo.journal_head());
    bool carried = before.valid && head && head->seq == before.seq && head->hash == before.hash;
    BULWARK_TRY(moved, advance_incidents(repo, now, config_));
    if (moved > 0) carried = false;
    std::vector<std::shared_ptr<const Incident>> due;
    if (only) {
      BULWARK_TRY(inc, cr.incident_ref(*only));
      if (inc->status != IncidentStatus::kConfirmed)
        return fail(
            ErrorCode::kFailedPrecondition,
            "incident " + str(*only) + " is " + std::string(to_string(inc->status)) + ", not confirmed");
      if (now < inc->payable_from)
        return fail(ErrorCode::kFailedPrecondition, "incident " + str(*only) + " is payable from unix time " +
                                                        str(inc->payable_from) + " (cooldown)");
      due.push_back(std::move(inc));
    } else {
      BULWARK_TRY(confirmed, cr.incident_refs(IncidentStatus::kConfirmed));
      for (auto& i : confirmed)
        if (now >= i->payable_from) due.push_back(std::move(i));
    }
    std::size_t budget = std::max<std::size_t>(config_.payout_batch, 1);
    std::map<Id, std::set<Id>> paid_by_product;  // incidents paid in this batch, by product
    std::vector<Claim> paid_claims;              // as written
    std::vector<Payout> paid;                    // as written
    for (const auto& ref : due) {
      const Incident& inc = *ref;
      Carry::Owed& left = next.owed[inc.id];
      if (auto it = before.owed.find(inc.id); carried && it != before.owed.end()) {
        left = it->second;
      } else {
        BULWARK_TRY(list, owed_on(repo, ref, config_));
        left.list = std::make_shared<const std::vector<Entitlement>>(std::move(list));
      }
      const std::span<const Entitlement> owed = std::span(*left.list).subspan(left.from);
      if (owed.empty()) continue;
      if (budget == 0) {
        run.remaining += owed.size();
        continue;
      }
      // The pools backing the product: their capital and their allocation to it.
      BULWARK_TRY(backings, repo.backings_of_product(inc.product_id));
      std::map<Id, U256> capital;
      std::vector<std::pair<Id, U256>> weights;
      U256 total_capital, total_alloc;
      for (const auto& b : backings) {
        BULWARK_TRY(c, repo.balance(accounts::pool_capital(b.pool_id)));
        capital[b.pool_id] = c;
        total_capital = total_capital.checked_add(c).value_or(U256::max());
        total_alloc = total_alloc.checked_add(b.allocated).value_or(U256::max());
        weights.emplace_back(b.pool_id, b.allocated);
      }
      if (total_alloc.is_zero())
        for (auto& [pool, w] : weights) w = capital[pool];
      if (total_capital.is_zero()) {  // nothing to pay with: wait for capital rather than pay zero
        run.remaining += owed.size();
        continue;
      }
      U256 total_owed;
      for (const auto& e : owed) total_owed = total_owed.checked_add(e.amount).value_or(U256::max());
      // The haircut: fixed once for the incident, lowered only if what is still owed no longer fits.
      U256 num = inc.haircut_num, den = inc.haircut_den;
      bool record = den.is_zero();
      if (!record) {
        BULWARK_TRY(at_ratio, U256::mul_div(total_owed, num, den, U256::Rounding::kDown));
        record = at_ratio > total_capital;
      }
      if (record) {
        const bool short_of = total_owed > total_capital;
        const U256 new_num = short_of ? total_capital : U256(1);
        const U256 new_den = short_of ? total_owed : U256(1);
        // Never raise a ratio already used.
        if (!den.is_zero()) {
          BULWARK_TRY(lhs, U256::mul_div(new_num, den, U256(1), U256::Rounding::kDown));
          BULWARK_TRY(rhs, U256::mul_div(num, new_den, U256(1), U256::Rounding::kDown));
          if (lhs > rhs) record = false;
        }
        if (record) {
          Incident updated = inc;
          updated.haircut_num = new_num;
          updated.haircut_den = new_den;
          num = new_num;
          den = new_den;
          updated.reasons.push_back(
              "payout ratio " + new_num.to_dec() + "/" + new_den.to_dec() + ": " +
              str(std::int64_t(owed.size())) + " payouts owe " + total_owed.to_dec() +
              " against backing capital of " + total_capital.to_dec() +
              (short_of ? " (insufficient: every payout of the incident gets the same haircut)"
                        : " (solvent)"));
          BULWARK_CHECK(record_event(repo, now, "incident_haircut", json{{"incident", to_json(updated)}}));
        }
      }
      // The incident's claims as they are before its payouts (each payout changes only its own claim).
      std::shared_ptr<const IncidentClaims> claims;
      if (std::any_of(owed.begin(), owed.end(), [](const Entitlement& e) { return e.claim_id != 0; })) {
        BULWARK_TRY(c, cr.incident_claims(inc.id));
        claims = std::move(c);
      }
      for (const auto& e : owed) {
        if (budget == 0) {
          ++run.remaining;
          continue;
        }
        --budget;
        Payout p;
        p.incident_id = inc.id;
        p.policy_id = e.policy_id;
        p.claim_id = e.claim_id;
        p.holder = e.holder;
        p.asset = e.asset;
        p.entitled = e.amount;
        BULWARK_TRY(amount, U256::mul_div(e.amount, num, den, U256::Rounding::kDown));
        p.amount = amount;
        p.ratio_num = num;
        p.ratio_den = den;
        BULWARK_TRY(burns, split(amount, weights, capital));
        p.burns = std::move(burns);
        p.time = now;
        json payload{{"payout", to_json(p)}};
        if (p.claim_id != 0) {
          Claim c;
          if (const Claim* known = claims->find(p.claim_id)) {
            c = *known;
          } else {
            BULWARK_TRY(stored, cr.get_claim(p.claim_id));
            c = std::move(stored);
          }
          c.status = ClaimStatus::kPaid;
          c.paid = p.amount;
          c.reasons.push_back("paid " + p.amount.to_dec() + " at ratio " + num.to_dec() + "/" + den.to_dec());
          payload["claim"] = to_json(c);
          paid_claims.push_back(std::move(c));
        }
        BULWARK_CHECK(record_event(repo, now, "payout_made", payload));
        run.total = run.total.checked_add(p.amount).value_or(U256::max());
        paid.push_back(p);
        run.payouts.push_back(std::move(p));
        ++left.from;
        paid_by_product[inc.product_id].insert(inc.id);
      }
    }
    // Carry an incident only if no other incident of its product was paid (see Carry).
    for (const auto& ref : due)
      if (auto it = paid_by_product.find(ref->product_id); it != paid_by_product.end())
        if (it->second.size() > 1 || !it->second.contains(ref->id)) next.owed.erase(ref->id);
    if (moved == 0) tx.settle(std::move(paid_claims), std::move(paid));
    BULWARK_TRY(after, repo.journal_head());
    next.valid = after.has_value();
    if (after) {
      next.seq = after->seq;
      next.hash = after->hash;
    }
    run.batches = 1;
    return {};
  });
  {
    std::lock_guard lock(state_->mu);
    state_->carry = s ? std::move(next) : Carry{};
  }
  if (!s) return std::unexpected(s.error());
  return run;
}

Result<PayoutRun> Payouts::run(std::optional<Id> incident) {
  PayoutRun all;
  for (;;) {
    BULWARK_TRY(batch, run_batch(incident));
    all.batches += batch.batches;
    all.total = all.total.checked_add(batch.total).value_or(U256::max());
    for (auto& p : batch.payouts) all.payouts.push_back(std::move(p));
    if (batch.remaining == 0 || batch.payouts.empty()) break;
  }
  return all;
}

Result<std::vector<Payout>> Payouts::payouts(std::optional<Id> incident) {
  return read_value<std::vector<Payout>>(store_, [&](Repo& repo) {
    ClaimsRepo cr(repo);
    return incident ? cr.payouts_of_incident(*incident) : cr.payouts();
  });
}

}  // namespace bulwark::cover
