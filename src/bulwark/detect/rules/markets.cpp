// Borrows backed in the same transaction: a victim whose payments went out of a market that the sender's
// side paid as much into. Declared in rules.hpp.

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "bulwark/detect/rules.hpp"

namespace bulwark::detect::rules {

bool borrows_backed(const Facts& x, const std::vector<Victim>& victims, const std::vector<FlashLoan>& loans,
                    const Values& values, double cover) {
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
  std::vector<Address> lenders;  // a flash loan's repayment is no deposit
  for (const FlashLoan& l : loans) lenders.push_back(l.holder);
  std::ranges::sort(lenders);
  std::map<Address, double> taken;                      // by market: what the victims paid the sender's side
  std::map<std::pair<Address, Address>, double> given;  // by (market, holder): what the sender's side paid
  std::map<Address, std::vector<Address>> markets_of;   // by victim: the markets it paid out under
  for (const Flow& fl : x.flows.flows) {
    const bool out = is_victim(fl.from) && x.is_actor(fl.to);
    const bool in = !out && x.is_actor(fl.from) && !x.is_actor(fl.to) && !is_victim(fl.to) &&
                    !std::ranges::binary_search(lenders, fl.to) && !x.neutral(fl.to, fl.asset) &&
                    (fl.asset.native || !x.issued.contains(fl.asset.token));
    if (!out && !in) continue;
    const int e = fl.frame < frames.size() ? entry_of(fl.frame) : -1;
    if (e < 0) {
      if (out) return false;  // a payment under no entry: it cannot be said to be backed
      continue;
    }
    const Address& market = context_of(frames[static_cast<std::size_t>(e)]);
    const double usd = value_of(values, fl.asset, NetAmount{fl.amount, U256{}});
    if (out) {
      taken[market] += usd;
      auto& ms = markets_of[fl.from];
      if (std::ranges::find(ms, market) == ms.end()) ms.push_back(market);
    } else {
      given[{market, fl.to}] += usd;
    }
  }
  // What a holder was paid counts only as far as it kept it: its net gain in value over the transaction
  // (a deposit withdrawn again backs nothing).
  std::map<Address, double> backing;  // by market
  for (const auto& [key, usd] : given) {
    double kept = 0;
    for (const auto& [k, n] : holder_net(x.flows, key.second)) kept += value_of(values, k.second, n);
    backing[key.first] += std::min(usd, std::max(kept, 0.0));
  }
  // Every victim paid the sender's side under some market (`markets_of` holds only victims), and every
  // market it paid out under was paid as much into.
  return markets_of.size() == victims.size() && std::ranges::all_of(markets_of, [&](const auto& v) {
           return std::ranges::all_of(v.second, [&](const Address& m) {
             const double t = taken[m];
             return t > 0 && backing[m] >= cover * t;
           });
         });
}

}  // namespace bulwark::detect::rules
