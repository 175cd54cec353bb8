// Flash loans (the generic borrow-and-repay rule); the borrowers, pass-throughs and standing helpers
// that act for the sender's side; loans repaid as deposits into the lender. Declared in rules.hpp.

#include "bulwark/detect/rules.hpp"

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace bulwark::detect::rules {

std::vector<FlashLoan> find_flash_loans(const Facts& x) {
  std::vector<FlashLoan> out;
  const auto& frames = x.t.frames;
  const auto& flows = x.flows.flows;
  std::set<std::pair<std::size_t, AssetRef>> seen;
  // Per (entry, borrower): the first flow of the entry not yet looked at for that borrower.
  std::map<std::pair<std::size_t, Address>, std::vector<Flow>::const_iterator> scanned;
  // A borrower is paid before its callback: only calls into accounts some flow pays can be callbacks.
  AddressSet paid(flows.size());
  for (const Flow& fl : flows) paid.insert(fl.to);
  for (std::size_t y = 1; y < frames.size(); ++y) {
    const Frame& cb = frames[y];
    // A loan of the native coin may be paid by the callback itself: a value-carrying call into the
    // borrower's receive function, whose code repays it (it runs calls of its own).
    const bool paid_by_callback = cb.input_size == 0 && !cb.value.is_zero() && cb.end > y + 1;
    if (cb.failed || cb.kind != CallKind::kCall || (cb.input_size < 4 && !paid_by_callback) ||
        !paid.contains(cb.to))
      continue;
    // The nearest enclosing frame running in the caller's context that was entered from outside.
    std::int32_t p = cb.parent;
    std::int32_t entry = -1;
    while (p >= 0) {
      const Frame& pf = frames[static_cast<std::size_t>(p)];
      if (context_of(pf) != cb.from) break;
      entry = p;
      p = pf.parent;
    }
    if (entry < 0) continue;
    const auto F = static_cast<std::size_t>(entry);
    const Address& lender = context_of(frames[F]);
    // The sender's own contracts moving funds between themselves are not a loan.
    if (lender == cb.to || x.wrapped.contains(lender) || x.is_actor(lender)) continue;
    // Payments to the borrower inside F before the callback. Flows are in frame order: only those in
    // [F, y) can be the loan. Those an earlier callback from F to the same borrower looked at are not
    // looked at again (a lender calling back thousands of times would make this quadratic): they either
    // were no payment to it or gave their (F, asset) already.
    // A loan paid by its callback is only a loan if more comes back than was paid (a fee). A contract that
    // pays the coin into a receive function and is paid exactly as much back may have sold something for
    // it (a re-entered sale whose proceeds buy again); a lender paid by its callback charges for the loan.
    const auto consider = [&](const Flow& fl) {
      if (fl.to != cb.to || fl.from == cb.to) return;
      if (!seen.insert({F, fl.asset}).second) return;
      U256 back;
      for (auto rt = first_flow_at(flows, y); rt != flows.end() && rt->frame < frames[F].end; ++rt)
        if (const Flow& r = *rt; r.asset == fl.asset && r.to == fl.from) {
          auto s = back.checked_add(r.amount);
          back = s ? *s : U256::max();
        }
      if (paid_by_callback ? back > fl.amount : back >= fl.amount)
        out.push_back(FlashLoan{F, y, lender, fl.from, cb.to, fl.asset, fl.amount});
    };
    if (!paid_by_callback) {
      auto& from = scanned.try_emplace({F, cb.to}, first_flow_at(flows, F)).first->second;
      for (; from != flows.end() && from->frame < y; ++from) consider(*from);
    } else if (const auto own = first_flow_at(flows, y);  // the callback's own value: its frame's first flow
               own != flows.end() && own->frame == y && own->asset.native) {
      consider(*own);
    }
  }
  return out;
}

std::vector<Address> loan_borrowers(const Facts& x, const std::vector<FlashLoan>& loans) {
  std::vector<Address> out;
  AddressSet listed;
  const auto& frames = x.t.frames;
  for (const auto& l : loans) {
    if (x.is_actor(l.borrower) || frames[l.entry].from != l.borrower) continue;
    // The frames in which the borrower runs, up from the one that called the lender (its DELEGATECALLs
    // and its calls into itself), to the call that entered it from another account.
    const auto borrower_runs_in = [&](const Frame& f) {
      return context_of(f) == l.borrower && (f.kind == CallKind::kDelegateCall || f.from == l.borrower);
    };
    std::int32_t p = frames[l.entry].parent;
    while (p >= 0 && borrower_runs_in(frames[static_cast<std::size_t>(p)]))
      p = frames[static_cast<std::size_t>(p)].parent;
    if (p < 0) continue;
    const Frame& entered = frames[static_cast<std::size_t>(p)];
    if (entered.kind != CallKind::kCall || entered.to != l.borrower || !x.is_actor(entered.from)) continue;
    if (listed.insert(l.borrower)) out.push_back(l.borrower);
  }
  return out;
}

std::vector<Address> pass_throughs(const Facts& x) {
  std::vector<Address> out;
  const auto& net = x.flows.net;
  for (auto it = net.begin(); it != net.end();) {  // holders in order, each one's assets adjacent
    const Address& holder = it->first.first;
    bool even = true;
    for (; it != net.end() && it->first.first == holder; ++it) even = even && it->second.in == it->second.out;
    if (even && !x.is_actor(holder) && x.contracts.contains(holder)) out.push_back(holder);
  }
  if (out.empty()) return out;
  AddressSet candidates(out.size()), paying, called;
  for (const Address& h : out) candidates.insert(h);
  for (const Frame& f : x.t.frames)
    if (!f.failed && f.kind == CallKind::kCall && candidates.contains(f.to) && x.is_actor(f.from))
      called.insert(f.to);
  for (const Flow& fl : x.flows.flows)
    if (candidates.contains(fl.from) && x.is_actor(fl.to)) paying.insert(fl.from);
  std::erase_if(out, [&](const Address& h) { return !paying.contains(h) || !called.contains(h); });
  return out;
}

std::vector<Address> standing_helpers(const Facts& x) {
  std::vector<Address> out = pass_throughs(x);
  if (out.empty()) return out;
  AddressSet candidates(out.size()), excluded;
  for (const Address& h : out) candidates.insert(h);
  const CallBehind call_behind(x.t);
  for (const Flow& fl : x.flows.flows) {
    if (x.is_actor(fl.from) && candidates.contains(fl.to))
      excluded.insert(fl.to);  // paid by the sender's side
    // A contract that moved tokens it does not hold with transferFrom spent an approval: the sender's
    // side's (a router's pull of its caller's input), or a third party's (a spender with an unchecked
    // `from`, which is a victim's shape, not a helper's).
    const bool pull =
        fl.source == FlowSource::kTransferLog ||
        (fl.source == FlowSource::kTokenCall && x.t.selector(x.t.frames[fl.frame]) == kTransferFrom);
    if (!pull) continue;
    if (const Address& m = call_behind(fl.frame).from; m != fl.from && candidates.contains(m))
      excluded.insert(m);
  }
  // A contract that calls into the sender's side (a lender's callback, a pool's) serves it.
  for (const Frame& f : x.t.frames)
    if (!f.failed && f.kind == CallKind::kCall && f.input_size > 0 && candidates.contains(f.from) &&
        x.is_actor(f.to))
      excluded.insert(f.from);
  std::erase_if(out, [&](const Address& h) { return excluded.contains(h); });
  return out;
}

std::vector<Address> loan_repayers(const Facts& x, const std::vector<FlashLoan>& loans) {
  std::vector<Address> out;
  AddressSet listed;
  for (const auto& l : loans) {
    if (!x.is_actor(l.borrower)) continue;
    for (auto r = first_flow_at(x.flows.flows, l.callback);
         r != x.flows.flows.end() && r->frame < x.t.frames[l.callback].end; ++r) {
      if (r->asset != l.asset || r->to != l.holder || x.is_actor(r->from) || !x.contracts.contains(r->from) ||
          r->from == l.lender || r->from == l.holder)
        continue;
      bool gains = false;
      for (const auto& [key, n] : holder_net(x.flows, r->from)) gains = gains || n.gain();
      if (!gains && listed.insert(r->from)) out.push_back(r->from);
    }
  }
  return out;
}

std::vector<LoanDeposit> find_loans_repaid_as_deposits(const Facts& x, const std::vector<FlashLoan>& loans) {
  std::vector<LoanDeposit> out;
  const auto& frames = x.t.frames;
  const auto& flows = x.flows.flows;
  for (const auto& l : loans) {
    const std::size_t y = l.callback;
    std::map<std::size_t, bool> paid_in;  // per call into the lender: whether it paid the sender's side
    U256 deposited, back;
    std::optional<std::size_t> first;
    const auto from_y = first_flow_at(flows, y);
    for (auto it = from_y; it != flows.end() && it->frame < frames[l.entry].end; ++it) {
      const Flow& r = *it;
      if (r.asset != l.asset || r.to != l.holder) continue;
      back = back.checked_add(r.amount).value_or(U256::max());
      if (!x.is_actor(r.from) || !x.t.within(r.frame, y)) continue;
      // The outermost call into the lender inside the callback, from the sender's side, that encloses this
      // repayment.
      std::optional<std::size_t> into;
      for (auto p = static_cast<std::int32_t>(r.frame); p > static_cast<std::int32_t>(y);
           p = frames[static_cast<std::size_t>(p)].parent) {
        const Frame& g = frames[static_cast<std::size_t>(p)];
        // A plain transfer of the coin (no function called) repays; it deposits nothing.
        if (g.kind == CallKind::kCall && g.to == l.lender && x.is_actor(g.from) && g.input_size >= 4)
          into = static_cast<std::size_t>(p);
      }
      if (!into) continue;
      // A swap pays the caller another asset for it; a deposit pays nothing but the lender's own token.
      // Asked once per call into the lender, however many repayments it encloses.
      const auto [known, fresh] = paid_in.try_emplace(*into, false);
      for (auto p = first_flow_at(flows, *into);
           fresh && p != flows.end() && p->frame < frames[*into].end && !known->second; ++p)
        known->second = x.is_actor(p->to) &&
                        (p->asset.native || (p->asset.token != l.lender && p->asset.token != l.holder));
      if (known->second) continue;
      deposited = deposited.checked_add(r.amount).value_or(U256::max());
      if (!first) first = *into;
    }
    if (!first) continue;
    const U256 without = back.checked_sub(deposited).value_or(U256{});
    if (without < l.amount)
      out.push_back(LoanDeposit{&l, *first, deposited < l.amount ? deposited : l.amount});
  }
  return out;
}

}  // namespace bulwark::detect::rules
