// Borrows backed in the same transaction: a victim whose payments went out of a market that the sender's
// side paid as much into. Declared in rules.hpp.

#include <map>
#include <set>
#include <vector>

#include "bulwark/detect/rules.hpp"

namespace bulwark::detect::rules {

std::vector<Address> backed_payers(const Facts& x, const std::vector<Victim>& victims,
                                   const std::vector<FlashLoan>& loans, const Values& values, double cover) {
  const auto& frames = x.t.frames;
  // entry[i]: the nearest frame at or above frame i that the sender's side made into a contract off it
  // (the market's entry point), or -1.
  std::vector<int> entry(frames.size(), -1);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    if (x.is_actor(f.from) && !x.is_actor(context_of(f)))
      entry[i] = static_cast<int>(i);
    else if (f.parent >= 0)
      entry[i] = entry[static_cast<std::size_t>(f.parent)];
  }
  std::set<Address> losers;
  for (const Victim& v : victims) losers.insert(v.holder);
  std::set<Address> lenders;  // a flash loan's repayment is no deposit
  for (const FlashLoan& l : loans) lenders.insert(l.holder);
  std::map<Address, double> paid_out;  // by entry contract: what victims paid the sender's side
  std::map<Address, double> paid_in;   // by entry contract: what the sender's side paid other holders
  std::map<Address, std::set<Address>> entries_of;  // the entries each victim paid out under
  bool unplaced = false;  // a victim's payment under no entry (none can be said to be backed then)
  for (const Flow& fl : x.flows.flows) {
    const int e = fl.frame < entry.size() ? entry[fl.frame] : -1;
    const double usd = value_of(values, fl.asset, NetAmount{fl.amount, U256{}});
    if (losers.contains(fl.from) && x.is_actor(fl.to)) {
      if (e < 0) {
        unplaced = true;
        continue;
      }
      const Address& market = context_of(frames[static_cast<std::size_t>(e)]);
      paid_out[market] += usd;
      entries_of[fl.from].insert(market);
    } else if (e >= 0 && x.is_actor(fl.from) && !x.is_actor(fl.to) && !losers.contains(fl.to) &&
               !lenders.contains(fl.to) && !x.neutral(fl.to, fl.asset) &&
               (fl.asset.native || !x.issued.contains(fl.asset.token))) {
      paid_in[context_of(frames[static_cast<std::size_t>(e)])] += usd;
    }
  }
  std::vector<Address> out;
  if (unplaced) return out;
  for (const Victim& v : victims) {
    const auto it = entries_of.find(v.holder);
    if (it == entries_of.end()) continue;
    bool backed = true;
    for (const Address& m : it->second)
      backed = backed && paid_out[m] > 0 && paid_in[m] >= cover * paid_out[m];
    if (backed) out.push_back(v.holder);
  }
  return out;
}

}  // namespace bulwark::detect::rules
