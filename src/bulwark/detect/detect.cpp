#include "bulwark/detect/detect.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bulwark/detect/address_set.hpp"
#include "bulwark/detect/rules.hpp"

namespace bulwark::detect {

using namespace rules;  // the rules and their facts are this file's vocabulary

namespace {

/// Names, after each victim, the contracts whose code the victim ran by DELEGATECALL (a proxy's
/// implementation, a diamond's facets, a module of a modular protocol): the vulnerable code often lives
/// there, and covers are often written on it. They are named as victims; the losses stay the holder's.
void name_proxy_code(const Facts& x, Finding& f) {
  // The code each victim ran by DELEGATECALL, in frame order: read in one pass over the frames.
  AddressSet victims(f.victims.size());
  for (const auto& v : f.victims)
    if (!x.is_actor(v)) victims.insert(v);
  std::unordered_map<Address, std::vector<Address>, KeyedAddressHash> code;
  for (const Frame& fr : x.t.frames)
    if (fr.kind == CallKind::kDelegateCall && !fr.failed && victims.contains(fr.from) && !x.is_actor(fr.to))
      code[fr.from].push_back(fr.to);
  std::vector<Address> named;
  AddressSet in_named(f.victims.size());
  auto name = [&](const Address& a) {
    if (in_named.insert(a)) named.push_back(a);
  };
  for (const auto& v : f.victims) {
    name(v);
    if (const auto it = code.find(v); it != code.end() && !x.is_actor(v))
      for (const auto& c : it->second) name(c);
  }
  f.victims = std::move(named);
}

void add_losses(Finding& f, const std::vector<Victim>& victims) {
  for (const auto& v : victims) {
    f.victims.push_back(v.holder);
    for (const auto& l : v.losses) f.loss.push_back(l);
  }
}

/// Appends to `list`, in order, those of `more` it does not hold yet: a set lookup each, not a scan of the
/// list (a transaction can name thousands).
void append_missing(std::vector<Address>& list, const std::vector<Address>& more) {
  AddressSet held(list.size() + more.size());
  for (const auto& a : list) held.insert(a);
  for (const auto& a : more)
    if (held.insert(a)) list.push_back(a);
}

std::vector<Address> attackers_of(const Facts& x, const std::vector<Loss>& gains) {
  std::vector<Address> a;
  AddressSet in_a;
  auto add = [&](const Address& b) {
    if (in_a.insert(b)) a.push_back(b);
  };
  add(x.sender);
  for (const auto& g : gains) add(g.victim);
  for (const auto& c : x.created) add(c);
  for (const auto& h : x.helpers) add(h);
  // Accounts that run no code and were paid by the sender's side, ending with a gain: where the
  // proceeds went.
  for (const auto& fl : x.flows.flows) {
    if (!x.is_actor(fl.from) || x.is_actor(fl.to) || x.contracts.contains(fl.to) || fl.to.is_zero()) continue;
    if (!in_a.contains(fl.to) && only_gains(x.flows, fl.to, fl.asset)) add(fl.to);
  }
  return a;
}

/// True when no rule can fire in `t`, told before any of their work: every flow is paid by the sender and
/// none is a mint, and no frame deploys a contract, calls a selector a rule looks for or is shaped as a
/// batch transfer. Every rule needs one of: a flow paid by an account other than the sender, hence off the
/// sender's side or its own contract (a flash loan repays the holder it was paid from, and the holder would
/// have to be the sender; a re-entered contract, a pulled owner, a round trip's pool and a one-sided loser
/// pay; a loss of value needs a loser other than the sender, or a mint to the sender's side); a deployed
/// contract (whose losses count as a loss of value); or a call the selector filter sees (balance and
/// reserve reads, callbacks, approvals, pool swaps, liquidations, governance) or a batch-shaped one. The
/// rules read logs only through the flows. Most transactions are of this shape (plain transfers of the
/// native coin or of a token, proxied or not, approvals aside), and the rules' fixed work would cost about
/// as much as their parse. The filter may hold selectors no rule looks for: such a frame only sends the
/// transaction through the rules.
bool only_the_sender_pays(const Trace& t, const FlowSummary& s) {
  const Address& sender = t.frames[0].from;
  for (const Flow& fl : s.flows)
    if (fl.from != sender || is_mint(fl)) return false;
  return std::none_of(t.frames.begin(), t.frames.end(), [&](const Frame& f) {
    return f.kind == CallKind::kCreate || f.kind == CallKind::kCreate2 || batch_shaped_call(f) ||
           kRuleSelectors.may_hold(t.selector(f));
  });
}

/// Whether some contract can end the transaction with a loss of value (the only way the dollar-profit
/// rule fires): a contract off the sender's side, or one deployed in the transaction, ends down in some
/// asset, or a token is issued to the sender's side.
bool may_lose_value(const Facts& x) {
  for (const auto& [key, n] : x.flows.net)
    if (n.loss() && ((!x.created.empty() && x.created.contains(key.first)) ||
                     (x.contracts.contains(key.first) && !x.is_actor(key.first))))
      return true;
  return std::any_of(x.flows.flows.begin(), x.flows.flows.end(),
                     [&](const Flow& fl) { return x.is_actor(fl.to) && is_mint(fl); });
}

/// What the rules found in one transaction: the signs the combiner weighs.
struct Signs {
  std::vector<FlashLoan> loans;
  std::map<Address, std::vector<Loss>> issued_by;  // tokens minted to the sender's side, by minter
  std::vector<Victim> victims;                     // contracts that lost and got nothing back
  bool profit = false;                             // the sender's side gained something
  bool may_lose_value = false;
  std::vector<Pull> pulls;
  std::vector<BatchOverflow> batches;
  std::vector<GrantedApproval> granted;
  std::vector<std::size_t> posed;  // frames calling a pool's swap on the sender's side's contract
  std::vector<PriceMove> moves;
  std::vector<RoundTrip> trips;
  std::vector<SpoofedCallback> spoofed;  // looked for only with a profit
  std::vector<Loss> gains;               // the sender's side's (not empty exactly when there is a profit)
  std::vector<Reentry> reentries;
  std::map<std::pair<Address, AssetRef>, PreBalance> pre;  // the victims' balances the trace reveals
  std::vector<OutsizedReturn> outsized;

  /// True when a flash loan funded the transaction and is a sign of attack: not where the sender's side
  /// repays debt to a lending market (`Facts::repays_debt`) or liquidates, where a flash loan funds the
  /// repayment that frees the collateral.
  bool loan_funded(const Facts& x) const { return !loans.empty() && !x.liquidation && !x.repays_debt(); }

  /// A whole balance moved by a plain call is what an owner's sweep looks like too: a drain is
  /// incident-grade only with another sign of attack (a flash loan, a re-entry, a price move, an attack
  /// contract, an outsized return), and so is a dollar profit under the higher bar.
  bool corroborated(const Facts& x) const {
    return loan_funded(x) || !reentries.empty() || !moves.empty() || !trips.empty() || !x.created.empty() ||
           !outsized.empty();
  }
};

/// Runs the rules over `x`; nothing where no rule can fire. Every rule needs one of the first signs
/// below; most transactions show none, and what the other rules would compute (re-entries, balances,
/// values) is then never read. The price, round-trip and spoofed-callback rules fire only with a profit:
/// without one of those first signs, the transaction is looked at further only when one of them fires.
std::optional<Signs> look(const Facts& x, std::vector<FlashLoan> loans) {
  Signs s;
  s.loans = std::move(loans);
  // A lender repaid with its fee ends with a gain and so is never a victim; one that was not made whole
  // (a pool drained through its own flash loan) is.
  s.issued_by = mints_to_actors(x);
  s.victims = one_sided_losers(x, s.issued_by);
  s.profit = has_profit(x);
  s.pulls = find_approval_pulls(x);
  s.batches = find_batch_overflows(x);
  s.granted = find_granted_approvals(x);
  s.may_lose_value = may_lose_value(x);
  s.posed = find_posed_pools(x);
  const bool may_find = !s.loans.empty() || !s.victims.empty() || !s.pulls.empty() || !s.batches.empty() ||
                        !s.granted.empty() || !s.posed.empty() ||
                        (s.profit && (s.may_lose_value || !s.issued_by.empty()));
  if (!may_find && !s.profit) return std::nullopt;
  s.moves = find_price_moves(x);
  s.trips = find_round_trips(x);
  if (s.profit) s.spoofed = find_spoofed_callbacks(x);
  if (!may_find && s.moves.empty() && s.trips.empty() && s.spoofed.empty()) return std::nullopt;
  s.gains = actor_gains(x);
  s.reentries = find_reentries(x);
  s.pre = observed_pre_balances(x, s.victims);
  s.outsized = find_outsized_returns(x);
  return s;
}

/// The signs, in words, that every finding of the transaction lists.
std::vector<std::string> signals_of(const Facts& x, const Signs& s) {
  std::vector<std::string> signals;
  for (const auto& l : s.loans)
    signals.push_back(fmt::format("flash loan of {} {} from {} to {}", l.amount.to_dec(), l.asset.to_string(),
                                  l.lender.to_checksum(), l.borrower.to_checksum()));
  for (const auto& r : s.reentries) signals.push_back("re-entered " + r.contract.to_checksum());
  for (const auto& m : s.moves)
    signals.push_back(fmt::format("price of {} moved {:.1f}%", m.pool.to_checksum(), 100 * m.max_move));
  for (const auto& r : s.trips)
    signals.push_back(fmt::format("round trip through {} returned {:.0f}% more than it paid",
                                  r.pool.to_checksum(), 100 * r.gain));
  for (const auto& o : s.outsized)
    signals.push_back(fmt::format("{} paid the sender's side {:.0f}x what it was paid in {}",
                                  o.holder.to_checksum(), o.ratio, o.asset.to_string()));
  for (std::size_t i : s.posed)
    signals.push_back(fmt::format("{} called a pool's swap on the sender's side's {}",
                                  x.t.frames[i].from.to_checksum(), x.t.frames[i].to.to_checksum()));
  if (x.liquidation) signals.push_back("liquidation call");
  if (!x.created.empty())
    signals.push_back(fmt::format("{} contract(s) deployed in the transaction", x.created.size()));
  return signals;
}

/// Victims that lost most of a balance the trace revealed (the drain rule), and whether the sender's side
/// read such a balance, passed it to its holder and then took it (`measured`).
struct Drains {
  std::vector<Victim> drained;
  bool measured = false;
};

Drains find_drains(const Facts& x, const Signs& s) {
  Drains d;
  // The drained balances the sender's side read.
  std::vector<std::pair<Address, const PreBalance*>> read_by_actor;
  for (const auto& v : s.victims) {
    Victim lost{v.holder, {}};
    for (const auto& l : v.losses) {
      auto it = s.pre.find({v.holder, l.asset});
      if (it == s.pre.end() || it->second.amount.is_zero()) continue;
      const double share = to_double(l.amount) / to_double(it->second.amount);
      if (share >= x.cfg.drain_fraction || 1.0 - share <= x.cfg.drain_floor) {
        lost.losses.push_back(l);
        if (!it->second.actor_reads.empty()) read_by_actor.emplace_back(v.holder, &it->second);
      }
    }
    if (!lost.losses.empty()) d.drained.push_back(std::move(lost));
  }
  if (!read_by_actor.empty()) {
    AddressSet holders(read_by_actor.size());
    for (const auto& [holder, balance] : read_by_actor) holders.insert(holder);
    const PassedWords passed(x, holders);
    for (const auto& [holder, balance] : read_by_actor)
      for (const auto& [frame, seen] : balance->actor_reads)
        d.measured = d.measured || passed.after(holder, frame, seen);
  }
  return d;
}

/// Governance actions taken with borrowed voting power: inside a flash-loan callback.
std::vector<std::size_t> governance_frames(const Facts& x, const Signs& s) {
  std::vector<std::size_t> out;
  const Trace& t = x.t;
  for (std::size_t i = 0; x.governance && !s.loans.empty() && i < t.frames.size(); ++i) {
    const Frame& f = t.frames[i];
    if (f.failed || !in(t.selector(f), kGovernanceSelectors)) continue;
    for (const auto& l : s.loans)
      if (t.within(i, l.callback) && (l.borrower == f.from || x.is_actor(f.from))) out.push_back(i);
  }
  return out;
}

/// The sender's side's profit in dollars, and the contracts that lost value to it.
struct Dollars {
  double profit_usd = 0;
  bool profit_known = true;  // false when the sender's side gave up something that has no value here
  std::map<Address, double> value_change;  // contracts' (and spenders') change in value
  std::vector<Victim> value_losers;        // those down in value, with their losses
  double lost_usd = 0;                     // what they lost together
};

/// Values the transaction's net changes (`values`: unit_values, or none).
Dollars dollars(const Facts& x, const Signs& s, const Values& values) {
  Dollars d;
  std::map<Address, double> account_change;  // holders that run no code, off the sender's side
  std::map<Address, std::vector<Loss>> unseen_mints;
  for (const auto& [key, n] : x.flows.net) {
    // A contract deployed in this transaction started with nothing: tokens it gave away beyond what it
    // was seen to receive were minted to it unseen (no logs in the trace), at the token holders' expense.
    if (!x.created.empty() && x.created.contains(key.first) && n.loss() && !key.second.native &&
        !x.neutral(key.first, key.second)) {
      if (auto it = values.find(key.second); it != values.end()) {
        d.value_change[key.second.token] -= it->second * to_double(n.magnitude());
        unseen_mints[key.second.token].push_back(Loss{key.second.token, key.second, n.magnitude()});
      }
      continue;
    }
    if (x.is_actor(key.first) && n.loss() && !values.contains(key.second) && !key.first.is_zero())
      d.profit_known = false;
    if (x.neutral(key.first, key.second)) continue;
    const double usd = value_of(values, key.second, n);
    if (x.is_actor(key.first))
      d.profit_usd += usd;
    else if (x.contracts.contains(key.first))
      d.value_change[key.first] += usd;
    else if (!key.first.is_zero())
      account_change[key.first] += usd;
  }
  // An account that runs no code and ends down in value, where a contract off the sender's side moved its
  // tokens with transferFrom (spending the allowance the account gave it): the loss is that contract's,
  // which moved what it was entrusted with, and the account's losses are listed with it.
  std::map<Address, std::vector<Loss>> spent;
  if (std::any_of(account_change.begin(), account_change.end(), [](const auto& e) { return e.second < 0; })) {
    const auto spenders = allowance_spenders(x);
    for (const auto& [holder, usd] : account_change) {
      const auto it = usd < 0 ? spenders.find(holder) : spenders.end();
      if (it == spenders.end()) continue;
      d.value_change[it->second] += usd;
      for (auto& l : net_losses(x, holder)) spent[it->second].push_back(std::move(l));
    }
  }
  // Tokens minted to the sender's side at another contract's call dilute every holder: the value issued
  // is a loss, booked to the contract that had them minted.
  std::map<Address, std::vector<Loss>> minted;
  for (const auto& [minter, losses] : s.issued_by)
    for (const auto& l : losses)
      if (auto it = values.find(l.asset); it != values.end()) {
        d.value_change[minter] -= it->second * to_double(l.amount);
        minted[minter].push_back(l);
      }
  for (const auto& [holder, usd] : d.value_change) {
    if (usd >= 0) continue;
    d.lost_usd -= usd;
    Victim v{holder, minted[holder]};
    for (const auto& l : unseen_mints[holder]) v.losses.push_back(l);
    for (auto& l : net_losses(x, holder)) v.losses.push_back(std::move(l));
    for (const auto& l : spent[holder]) v.losses.push_back(l);
    d.value_losers.push_back(std::move(v));
  }
  if (!d.profit_known) d.profit_usd = 0;
  return d;
}

/// Turns the signs into findings, one rule at a time, and keeps the gravest: one finding per transaction.
/// At the same severity the first considered wins, so the rules that name a mechanism come before the
/// generic extraction rules.
class Combiner {
 public:
  Combiner(const Facts& x, const Signs& s, Drains drains, Dollars dollars, std::vector<std::string> signals,
           bool borrows_backed)
      : x_(x),
        s_(s),
        drains_(std::move(drains)),
        dollars_(std::move(dollars)),
        signals_(std::move(signals)),
        borrows_backed_(borrows_backed) {}

  void governance(const std::vector<std::size_t>& frames) {
    if (frames.empty()) return;
    Finding f{FindingKind::kGovernance, Severity::kCritical, 0.9};
    f.rule =
        "a governance action (propose, vote or execute) taken with voting power borrowed in the same "
        "transaction";
    consider_at(std::move(f), s_.victims, frames, "governance call inside a flash loan");
  }

  void reentrancy() {
    for (const auto& r : s_.reentries) {
      // The victims are in address order.
      const auto v = std::lower_bound(s_.victims.begin(), s_.victims.end(), r.contract,
                                      [](const Victim& w, const Address& c) { return w.holder < c; });
      if (v == s_.victims.end() || v->holder != r.contract) continue;
      Finding f{FindingKind::kReentrancy, s_.profit ? Severity::kCritical : Severity::kHigh,
                s_.profit ? 0.9 : 0.7};
      f.rule =
          "contract re-entered while its outer frame was open, paying out inside the re-entered call, and "
          "left with a net loss";
      add_losses(f, {*v});
      f.attackers = attackers();
      f.evidence.push_back(evidence_of(x_, r.outer, "outer frame of the victim, still open"));
      f.evidence.push_back(evidence_of(x_, r.inner, "re-entry into the victim"));
      consider(std::move(f));
    }
  }

  void loans_repaid_as_deposits() {
    if (!s_.profit || x_.liquidation) return;
    const auto deposits = find_loans_repaid_as_deposits(x_, s_.loans);
    if (deposits.empty()) return;
    Finding f{FindingKind::kReentrancy, Severity::kHigh, 0.8};
    f.rule =
        "a flash loan repaid by a deposit into the lender made inside the loan's callback: the lender took "
        "its own money back as the borrower's deposit";
    std::vector<Address> lenders;
    for (const auto& d : deposits) {
      lenders.push_back(d.loan->lender);
      // What the holder lost, where it ended the transaction down (the shares already redeemed); else
      // what the shares issued for its own money are worth: the deposits (one entry per holder and asset).
      const NetAmount n = x_.flows.net_of(d.loan->holder, d.loan->asset);
      auto l = std::find_if(f.loss.begin(), f.loss.end(), [&](const Loss& e) {
        return e.victim == d.loan->holder && e.asset == d.loan->asset;
      });
      if (l == f.loss.end())
        f.loss.push_back(Loss{d.loan->holder, d.loan->asset, n.loss() ? n.magnitude() : d.deposited});
      else if (!n.loss())
        l->amount = l->amount.checked_add(d.deposited).value_or(U256::max());
      if (f.evidence.size() + 2 <= x_.cfg.max_evidence) {
        f.evidence.push_back(evidence_of(x_, d.loan->entry, "flash loan asked of the lender"));
        f.evidence.push_back(evidence_of(x_, d.frame, "deposit into the lender inside the loan's callback"));
      }
    }
    append_missing(f.victims, lenders);
    f.attackers = attackers();
    consider(std::move(f));
  }

  void price_move() {
    if (s_.moves.empty() || !s_.profit || x_.liquidation) return;
    const auto m =
        std::max_element(s_.moves.begin(), s_.moves.end(),
                         [](const PriceMove& p, const PriceMove& q) { return p.max_move < q.max_move; });
    // Victims: contracts that acted on the moved price and lost (even if they took something in return,
    // such as over-valued collateral), and contracts that lost without return.
    std::vector<Victim> hurt = s_.victims;
    AddressSet in_hurt(hurt.size() + m->readers.size());  // each reader looked at once
    for (const auto& v : hurt) in_hurt.insert(v.holder);
    for (const auto& r : m->readers) {
      if (!in_hurt.insert(r)) continue;
      Victim v{r, net_losses(x_, r)};
      if (!v.losses.empty()) hurt.push_back(std::move(v));
    }
    if (!m->read_by_other || hurt.empty()) return;
    Finding f{FindingKind::kPriceManipulation, Severity::kHigh, m->moved_back ? 0.85 : 0.7};
    f.rule = fmt::format(
        "pool price moved {:.0f}% within the transaction and read by another contract while moved{}; the "
        "sender's "
        "side profited and the contracts that acted on the price lost",
        100 * m->max_move, m->moved_back ? ", then moved back" : "");
    add_losses(f, hurt);
    f.attackers = attackers();
    f.evidence.push_back(evidence_of(x_, m->first, "first price read"));
    f.evidence.push_back(evidence_of(x_, m->peak, "price read at the peak of the move"));
    consider(std::move(f));
  }

  void round_trip() {
    if (s_.trips.empty() || !s_.profit || x_.liquidation) return;
    const auto& r = *std::max_element(s_.trips.begin(), s_.trips.end(),
                                      [](const RoundTrip& p, const RoundTrip& q) { return p.gain < q.gain; });
    Finding f{FindingKind::kPriceManipulation, Severity::kHigh, 0.75};
    f.rule = fmt::format(
        "the sender's side sold into pool {} and bought back {:.0f}% more than it paid for no more than it "
        "got: the "
        "pool's state was changed between the two trades within the transaction",
        r.pool.to_checksum(), 100 * r.gain);
    std::vector<Victim> hurt = s_.victims;
    if (std::none_of(hurt.begin(), hurt.end(), [&](const Victim& v) { return v.holder == r.pool; })) {
      Victim v{r.pool, net_losses(x_, r.pool)};
      if (!v.losses.empty()) hurt.push_back(std::move(v));
    }
    add_losses(f, hurt);
    f.attackers = attackers();
    f.evidence.push_back(evidence_of(x_, r.first_frame, "first trade"));
    f.evidence.push_back(evidence_of(x_, r.second_frame, "trade back at the moved price"));
    consider(std::move(f));
  }

  void approval_pulls() {
    const auto& pulls = s_.pulls;
    const bool to_named = std::any_of(pulls.begin(), pulls.end(), [](const Pull& p) { return p.to_named; });
    if (pulls.empty() || !(s_.profit || to_named)) return;
    Finding f{FindingKind::kExtraction, Severity::kHigh, 0.8};
    f.rule =
        "tokens pulled with transferFrom from accounts outside the sender's side, by a contract spending "
        "their approval on calldata the sender's side wrote or on an owner it named, into the sender's side "
        "(or a recipient it named, or a contract that passed them on to it), with nothing paid back";
    std::vector<Victim> vs;
    for (const auto& p : pulls) {
      vs.push_back(p.victim);
      if (f.evidence.size() < x_.cfg.max_evidence)
        f.evidence.push_back(evidence_of(x_, p.frame, "third-party transferFrom"));
    }
    add_losses(f, vs);
    // The contracts whose approvals were spent are named too (without a loss of their own): the loss came
    // through them, and a cover on such a router or vault is what its users hold.
    std::vector<Address> spenders, recipients;
    for (const auto& p : pulls) {
      if (const Address& spender = x_.t.frames[p.frame].from; !x_.is_actor(spender))
        spenders.push_back(spender);
      if (p.to_named || p.to_pass_through) recipients.push_back(p.recipient);
    }
    append_missing(f.victims, spenders);
    f.attackers = attackers();
    append_missing(f.attackers, recipients);
    consider(std::move(f));
  }

  void drain() {
    if (drains_.drained.empty() || !s_.profit) return;
    // An owner sweeps its contract with a call that takes whatever it holds; an attack contract reads the
    // victim's balance and writes it into the call that takes it.
    const bool corroborated = s_.corroborated(x_);
    const bool grave = corroborated || drains_.measured;
    Finding f{FindingKind::kDrain, grave ? Severity::kHigh : Severity::kMedium, grave ? 0.8 : 0.5};
    f.rule = fmt::format(
        "a contract lost at least {:.0f}% of an asset balance the transaction itself revealed, to the "
        "sender's side{}",
        100 * x_.cfg.drain_fraction,
        drains_.measured && !corroborated
            ? ", which had read that balance and written it into its call to the holder"
            : "");
    add_losses(f, drains_.drained);
    f.attackers = attackers();
    consider(std::move(f));
  }

  void extraction() {
    if (!s_.profit || s_.victims.empty()) return;
    const bool deployed = !x_.created.empty();
    // A flash loan funds an extraction unless every victim paid out of a market the sender's side paid
    // as much into (a borrow against collateral deposited with the loan's money).
    const bool funded_by_loan = s_.loan_funded(x_) && !borrows_backed_;
    Finding f{FindingKind::kExtraction, Severity::kMedium, 0.5};
    if (deployed || funded_by_loan) {
      f.kind = funded_by_loan ? FindingKind::kFlashLoan : FindingKind::kExtraction;
      f.severity = Severity::kHigh;
      f.confidence = deployed && funded_by_loan ? 0.85 : 0.75;
    }
    f.rule =
        deployed || funded_by_loan
            ? std::string("the sender's side profited while contracts lost assets and got nothing back, ") +
                  (funded_by_loan ? "funded by a flash loan"
                                  : "through a contract deployed in the same transaction")
            : "the sender's side profited while contracts lost assets and got nothing back";
    add_losses(f, s_.victims);
    f.attackers = attackers();
    consider(std::move(f));
  }

  /// A large dollar profit taken from contracts: whatever the mechanism, someone's money moved to the
  /// sender. Without another sign of attack a controller moving its own funds looks the same, so the bar
  /// is higher (`profit_usd_alone`), and some contract that lost value must have traded (gained an asset
  /// too) or spent allowances (lost nothing of its own): a withdrawal pays out and gets nothing back at any
  /// size (a whale's), where a trade that loses a million dollars at the transaction's own prices was
  /// mispriced.
  void dollar_profit() {
    const Dollars& d = dollars_;
    const bool corroborated = s_.corroborated(x_);
    const double bar = corroborated ? x_.cfg.profit_usd : x_.cfg.profit_usd_alone;
    if (!(d.profit_known && d.profit_usd >= bar && d.lost_usd >= 0.5 * d.profit_usd && !x_.liquidation &&
          !d.value_losers.empty()))
      return;
    // A loser that gained some asset too (it traded), or lost nothing of its own (a spender charged with
    // the owners' losses it pulled): not one paying out of its balance for nothing, as a withdrawal does.
    const auto not_a_payout = [&](const Victim& v) {
      bool gained = false, lost = false;
      for (const auto& [key, n] : holder_net(x_.flows, v.holder)) {
        if (x_.neutral(v.holder, key.second)) continue;
        gained = gained || n.gain();
        lost = lost || n.loss();
      }
      return gained || !lost;
    };
    if (!corroborated && std::ranges::none_of(d.value_losers, not_a_payout)) return;
    const bool loan = s_.loan_funded(x_);
    Finding f{loan ? FindingKind::kFlashLoan : FindingKind::kExtraction, Severity::kHigh, loan ? 0.8 : 0.7};
    f.rule = fmt::format(
        "the sender's side gained ${:.0f} (valued at stablecoin, native and in-transaction swap prices) "
        "while contracts lost ${:.0f}{}",
        d.profit_usd, d.lost_usd, loan ? ", with a flash loan" : "");
    add_losses(f, d.value_losers);
    f.attackers = attackers();
    consider(std::move(f));
  }

  /// A contract that took a contract of the sender's side for a pool (called its swap) and ended the
  /// transaction down in value: the sender's side wrote the pool it trusted. Without a profit too: what
  /// such a router pays out may be taken in a later transaction (paid to a pair the sender's side skims).
  void posed_pool() {
    if (s_.posed.empty()) return;
    std::vector<Victim> hurt;
    std::vector<std::size_t> where;
    AddressSet asked;  // each caller once
    for (std::size_t i : s_.posed) {
      const Address& c = x_.t.frames[i].from;
      if (!asked.insert(c)) continue;
      const auto change = dollars_.value_change.find(c);
      if (change == dollars_.value_change.end() || !(change->second < 0)) continue;
      Victim v{c, net_losses(x_, c)};
      if (v.losses.empty()) continue;
      hurt.push_back(std::move(v));
      where.push_back(i);
    }
    if (hurt.empty()) return;
    Finding f{FindingKind::kExtraction, Severity::kHigh, 0.75};
    f.rule =
        "a contract took a contract of the sender's side for a pool (called its swap) and ended the "
        "transaction down in value";
    consider_at(std::move(f), hurt, where, "pool swap called on the sender's side's contract");
  }

  void batch_overflow() {
    if (s_.batches.empty()) return;
    const auto& b = s_.batches.front();
    Finding f{FindingKind::kExtraction, Severity::kCritical, 0.9};
    f.rule = fmt::format(
        "a batch transfer of {} to each of {} recipients succeeded although the total overflows 256 bits: "
        "the token credited tokens it never debited",
        b.amount.to_dec(), b.recipients.size());
    const Frame& bf = x_.t.frames[b.frame];
    f.victims.push_back(bf.to);
    for (std::size_t k = 0; k < b.recipients.size(); ++k)
      f.loss.push_back(Loss{bf.to, AssetRef{bf.to, false}, b.amount});
    f.attackers = attackers();
    append_missing(f.attackers, b.recipients);
    f.evidence.push_back(evidence_of(x_, b.frame, "batch transfer with an overflowing total"));
    consider(std::move(f));
  }

  void spoofed_callbacks() {
    if (!s_.profit || s_.spoofed.empty()) return;
    Finding f{FindingKind::kExtraction, Severity::kHigh, 0.8};
    f.rule =
        "the sender's side called a contract's pool or lender callback without that contract having called "
        "it, and accounts lost assets inside the callback";
    for (const auto& c : s_.spoofed) {
      add_losses(f, c.victims);
      if (f.evidence.size() < x_.cfg.max_evidence)
        f.evidence.push_back(evidence_of(x_, c.frame, "callback the callee never asked for"));
    }
    f.attackers = attackers();
    consider(std::move(f));
  }

  void granted_approvals() {
    if (s_.granted.empty()) return;
    Finding f{FindingKind::kExtraction, Severity::kHigh, 0.7};
    f.rule = fmt::format(
        "{} contract(s) off the sender's side approved the sender's side to spend their tokens, inside "
        "calls the sender's side made into them",
        s_.granted.size());
    for (const auto& g : s_.granted) {
      f.victims.push_back(g.owner);
      if (f.evidence.size() < x_.cfg.max_evidence)
        f.evidence.push_back(evidence_of(x_, g.frame, "approval of " + g.spender.to_checksum()));
    }
    f.attackers = attackers();
    consider(std::move(f));
  }

  /// A flash loan with no other finding: information, naming the borrower.
  void loan() {
    if (s_.loans.empty() || (best_ && best_->severity >= Severity::kLow)) return;
    const auto& l = s_.loans.front();
    Finding f{FindingKind::kFlashLoan, Severity::kInfo, 0.9};
    f.rule = "assets borrowed and repaid within the transaction";
    f.attackers = {l.borrower};
    f.evidence.push_back(evidence_of(x_, l.entry, "loan asked of the lender"));
    f.evidence.push_back(evidence_of(x_, l.callback, "lender calls the borrower back"));
    f.signals = signals_;
    best_ = std::move(f);
  }

  /// The gravest finding considered, its evidence cut to `max_evidence` and the code its victims ran named.
  std::optional<Finding> take() {
    if (best_) {
      if (best_->evidence.size() > x_.cfg.max_evidence) best_->evidence.resize(x_.cfg.max_evidence);
      name_proxy_code(x_, *best_);
    }
    return std::move(best_);
  }

 private:
  std::vector<Address> attackers() const { return attackers_of(x_, s_.gains); }

  void consider(Finding f) {
    f.signals = signals_;
    f.profit_usd = std::max(0.0, dollars_.profit_usd);
    if (!best_ || f.severity > best_->severity) best_ = std::move(f);
  }

  /// A finding naming `vs` with their losses and the sender's side as its attackers, each of `frames` its
  /// evidence with `note`.
  void consider_at(Finding f, const std::vector<Victim>& vs, const std::vector<std::size_t>& frames,
                   const char* note) {
    add_losses(f, vs);
    f.attackers = attackers();
    for (std::size_t i : frames) f.evidence.push_back(evidence_of(x_, i, note));
    consider(std::move(f));
  }

  const Facts& x_;
  const Signs& s_;
  const Drains drains_;
  const Dollars dollars_;
  std::vector<std::string> signals_;
  bool borrows_backed_;  // every victim's payment was a borrow backed in the transaction
  std::optional<Finding> best_;
};

}  // namespace

std::string_view to_string(FindingKind k) {
  switch (k) {
    case FindingKind::kReentrancy: return "reentrancy";
    case FindingKind::kFlashLoan: return "flash_loan";
    case FindingKind::kPriceManipulation: return "price_manipulation";
    case FindingKind::kDrain: return "drain";
    case FindingKind::kDepeg: return "depeg";
    case FindingKind::kGovernance: return "governance";
    case FindingKind::kExtraction: return "extraction";
  }
  return "extraction";
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "info";
}

Severity Analysis::max_severity() const {
  Severity s = Severity::kInfo;
  for (const auto& f : findings) s = std::max(s, f.severity);
  return s;
}

std::span<const std::uint32_t> known_selectors() {
  static const std::vector<std::uint32_t> all = [] {
    std::vector<std::uint32_t> v(std::begin(kFlowSelectors), std::end(kFlowSelectors));
    for (const auto list : {std::span<const std::uint32_t>(kGovernanceSelectors),
                            std::span<const std::uint32_t>(kCallbackSelectors),
                            std::span<const std::uint32_t>(kPoolSwapSelectors)})
      v.insert(v.end(), list.begin(), list.end());
    for (const auto table : {std::span<const PositionCall>(kLiquidationSelectors),
                             std::span<const PositionCall>(kRepaySelectors)})
      for (const PositionCall& c : table) v.push_back(c.selector);
    for (std::uint32_t sel : {kApprove, kIncreaseAllowance, kBalanceOf, kGetReserves, kTransferFrom, kPermit,
                              kDaiPermit, kIsValidSignature})
      v.push_back(sel);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }();
  return all;
}

std::string frame_path(const Trace& t, std::size_t i) {
  std::vector<std::size_t> idx;
  while (t.frames[i].parent >= 0) {
    const auto p = static_cast<std::size_t>(t.frames[i].parent);
    std::size_t k = 0;
    for (std::size_t c = p + 1; c < i; c = t.frames[c].end) ++k;
    idx.push_back(k);
    i = p;
  }
  std::string s = "0";
  for (auto it = idx.rbegin(); it != idx.rend(); ++it) {
    s += '.';
    s += std::to_string(*it);
  }
  return s;
}

Analysis analyze(const Trace& trace, const DetectConfig& cfg) {
  Analysis a;
  analyze_into(trace, cfg, a);
  return a;
}

void analyze_into(const Trace& trace, const DetectConfig& cfg, Analysis& a) {
  a.findings.clear();
  compute_flows_into(trace, cfg.tables, a.flows);
  if (trace.frames.empty() || trace.frames[0].reverted) return;  // a reverted transaction changes nothing
  if (only_the_sender_pays(trace, a.flows)) return;
  Facts facts(trace, cfg, a.flows);
  auto loans = find_flash_loans(facts);
  auto tied = loan_repayers(facts, loans);
  append_missing(tied, loan_borrowers(facts, loans));
  append_missing(tied, standing_helpers(facts));
  if (!tied.empty()) {
    facts.tie(tied);
    // More actors only take loans away: a lender now on the sender's side lends to itself. (Whether a
    // frame is a loan depends on the actors only through its lender.)
    std::erase_if(loans, [&](const FlashLoan& l) { return facts.is_actor(l.lender); });
  }
  const Facts& x = facts;
  const auto s = look(x, std::move(loans));
  if (!s) return;
  auto signals = signals_of(x, *s);
  Drains drains = find_drains(x, *s);
  const auto governance = governance_frames(x, *s);
  // Valuing is the dearest step and only matters when a finding is made: when no rule can fire without
  // it (none of their signs is present) and no contract can end with a loss of value (the only way the
  // dollar-profit rule fires), the transaction has no finding whatever the values, so none are computed.
  // No gain on the sender's side: nothing to value, unless a contract took the sender's for a pool (the
  // posed-pool rule asks what that contract lost in value).
  const bool may_need_values = !governance.empty() || !s->reentries.empty() || !s->moves.empty() ||
                               !s->trips.empty() || !s->pulls.empty() || !drains.drained.empty() ||
                               !s->victims.empty() || !s->loans.empty() || s->may_lose_value;
  const Values values = (s->profit && may_need_values) || !s->posed.empty() ? unit_values(x) : Values{};
  Dollars d = dollars(x, *s, values);
  // (From half a dollar, as it is written: a sum of rounding errors in the last bits is no profit.)
  if (d.profit_usd >= 0.5) signals.push_back(fmt::format("sender's side profit ${:.0f}", d.profit_usd));

  // Borrows against collateral deposited in the same transaction, where a flash loan would count.
  const bool backed = s->profit && !s->victims.empty() && s->loan_funded(x) &&
                      borrows_backed(x, s->victims, s->loans, values, x.cfg.backed_borrow);

  Combiner c(x, *s, std::move(drains), std::move(d), std::move(signals), backed);
  c.governance(governance);
  c.reentrancy();
  c.loans_repaid_as_deposits();
  c.price_move();
  c.round_trip();
  c.approval_pulls();
  c.drain();
  c.extraction();
  c.dollar_profit();
  c.posed_pool();
  c.batch_overflow();
  c.spoofed_callbacks();
  c.granted_approvals();
  c.loan();
  if (auto f = c.take()) a.findings.push_back(std::move(*f));
}

nlohmann::json to_json(const Finding& f) {
  nlohmann::json j{{"kind", to_string(f.kind)},
                   {"severity", to_string(f.severity)},
                   {"confidence", std::round(f.confidence * 100) / 100},
                   {"rule", f.rule}};
  if (f.profit_usd > 0) j["profit_usd"] = std::round(f.profit_usd);
  j["victims"] = nlohmann::json::array();
  for (const auto& v : f.victims) j["victims"].push_back(v.to_checksum());
  j["attackers"] = nlohmann::json::array();
  for (const auto& v : f.attackers) j["attackers"].push_back(v.to_checksum());
  j["loss"] = nlohmann::json::array();
  for (const auto& l : f.loss)
    j["loss"].push_back(
        {{"victim", l.victim.to_checksum()}, {"asset", l.asset.to_string()}, {"amount", l.amount.to_dec()}});
  j["evidence"] = nlohmann::json::array();
  for (const auto& e : f.evidence)
    j["evidence"].push_back({{"path", e.path},
                             {"from", e.from.to_checksum()},
                             {"to", e.to.to_checksum()},
                             {"selector", fmt::format("0x{:08x}", e.selector)},
                             {"note", e.note}});
  j["signals"] = f.signals;
  return j;
}

nlohmann::json flows_to_json(const FlowSummary& s, std::size_t max_flows) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [key, n] : s.net) {
    if (j.size() >= max_flows) break;
    if (!n.gain() && !n.loss()) continue;
    std::string change = n.magnitude().to_dec();
    if (n.loss()) change.insert(change.begin(), '-');
    j.push_back({{"holder", key.first.to_checksum()}, {"asset", key.second.to_string()}, {"change", change}});
  }
  return j;
}

}  // namespace bulwark::detect
