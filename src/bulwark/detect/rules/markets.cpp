// Borrows backed in the same transaction: a victim whose payments went out of a market that the sender's
// side paid as much into. Declared in rules.hpp.

#include <algorithm>
#include <vector>

#include "bulwark/detect/rules.hpp"

namespace bulwark::detect::rules {

namespace {

/// What the sender's side took out of and paid into the contracts it called, by the contract entered.
struct Market {
  Address entry;
  double out = 0;  // the victims' payments to the sender's side
  double in = 0;   // the sender's side's payments to the other holders
};

}  // namespace

std::vector<Address> backed_payers(const Facts& x, const std::vector<Victim>& victims,
                                   const std::vector<FlashLoan>& loans, const Values& values, double cover) {
  const auto& frames = x.t.frames;
  // The nearest frame at or above frame i that the sender's side made into a contract off it (the market's
  // entry point), or -1; found for the frames that move something, walking up until a frame already known.
  constexpr int kUnknown = -2;
  thread_local std::vector<int> entry;  // scratch: kept per thread, not allocated per transaction
  thread_local std::vector<std::size_t> path;
  entry.assign(frames.size(), kUnknown);
  const auto entry_of = [&](std::size_t i) {
    path.clear();
    int e = kUnknown;
    for (int j = static_cast<int>(i); j >= 0; j = frames[static_cast<std::size_t>(j)].parent) {
      const auto k = static_cast<std::size_t>(j);
      if (entry[k] != kUnknown) {
        e = entry[k];
        break;
      }
      path.push_back(k);
      if (x.is_actor(frames[k].from) && !x.is_actor(context_of(frames[k]))) {
        e = j;
        break;
      }
    }
    if (e == kUnknown) e = -1;
    for (std::size_t k : path) entry[k] = e;
    return e;
  };
  // The victims are in address order.
  const auto is_victim = [&](const Address& a) {
    return std::ranges::binary_search(victims, a, {}, &Victim::holder);
  };
  const auto is_lender = [&](const Address& a) {  // a flash loan's repayment is no deposit
    return std::ranges::any_of(loans, [&](const FlashLoan& l) { return l.holder == a; });
  };
  std::vector<Market> markets;  // few: the contracts the sender's side called that moved something
  const auto market = [&](int e) -> Market& {
    const Address& a = context_of(frames[static_cast<std::size_t>(e)]);
    const auto it = std::ranges::find(markets, a, &Market::entry);
    return it != markets.end() ? *it : markets.emplace_back(Market{a});
  };
  std::vector<std::pair<Address, Address>> paid_under;  // (victim, entry) of each payment, repeats included
  for (const Flow& fl : x.flows.flows) {
    const bool taken = is_victim(fl.from) && x.is_actor(fl.to);
    const bool given = !taken && x.is_actor(fl.from) && !x.is_actor(fl.to) && !is_victim(fl.to) &&
                       !is_lender(fl.to) && !x.neutral(fl.to, fl.asset) &&
                       (fl.asset.native || !x.issued.contains(fl.asset.token));
    if (!taken && !given) continue;
    const int e = fl.frame < frames.size() ? entry_of(fl.frame) : -1;
    if (e < 0) {
      if (taken) return {};  // a payment under no entry: none can be said to be backed
      continue;
    }
    const double usd = value_of(values, fl.asset, NetAmount{fl.amount, U256{}});
    Market& m = market(e);
    if (taken) {
      m.out += usd;
      paid_under.emplace_back(fl.from, m.entry);
    } else {
      m.in += usd;
    }
  }
  std::vector<Address> out;
  for (const Victim& v : victims) {
    bool paid = false, backed = true;
    for (const auto& [who, entry_contract] : paid_under) {
      if (who != v.holder) continue;
      paid = true;
      const Market& m = *std::ranges::find(markets, entry_contract, &Market::entry);
      backed = backed && m.out > 0 && m.in >= cover * m.out;
    }
    if (paid && backed) out.push_back(v.holder);
  }
  return out;
}

}  // namespace bulwark::detect::rules
