// Balances the trace reveals (the drain rule) and returns far above what was paid in. Declared in rules.hpp.

#include "bulwark/detect/rules.hpp"

#include <map>
#include <utility>
#include <vector>

namespace bulwark::detect::rules {

std::map<std::pair<Address, AssetRef>, PreBalance> observed_pre_balances(const Facts& x,
                                                                         const std::vector<Victim>& victims) {
  std::map<std::pair<Address, AssetRef>, PreBalance> pre;
  // Only a victim's balance is ever asked for (the drain rule): the others are not worked out.
  if (victims.empty() || !x.balance_reads) return pre;
  AddressSet victim(victims.size());
  for (const auto& v : victims) victim.insert(v.holder);
  // What each victim had sent and received of each asset before the frame being read: the reads and the
  // flows are both in frame order, so one pass over the flows serves every read.
  std::map<std::pair<Address, AssetRef>, std::pair<U256, U256>> moved;  // (sent, received)
  const auto& flows = x.flows.flows;
  std::size_t next = 0;  // the first flow not yet counted
  const auto& frames = x.t.frames;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    if (f.failed || !f.has_output || f.output_size != 32 || x.t.selector(f) != kBalanceOf) continue;
    U256 w;
    if (!x.t.word(f, 0, w) || w.bit_length() > 160) continue;
    const Address holder = word_address(w);
    if (!victim.contains(holder)) continue;
    const AssetRef asset{f.to, false};
    U256 bal;
    x.t.output_word(f, 0, bal);
    const bool by_actor = x.is_actor(f.from) && !x.is_actor(holder) && !bal.is_zero();
    if (auto known = pre.find({holder, asset}); known != pre.end()) {
      if (by_actor) known->second.actor_reads.emplace_back(i, bal);
      continue;
    }
    PreBalance& entry = pre[{holder, asset}];
    if (by_actor) entry.actor_reads.emplace_back(i, bal);
    for (; next < flows.size() && flows[next].frame < i; ++next) {
      const Flow& fl = flows[next];
      if (victim.contains(fl.from)) {
        U256& sent = moved[{fl.from, fl.asset}].first;
        sent = sent.checked_add(fl.amount).value_or(U256::max());
      }
      if (victim.contains(fl.to)) {
        U256& received = moved[{fl.to, fl.asset}].second;
        received = received.checked_add(fl.amount).value_or(U256::max());
      }
    }
    if (const auto m = moved.find({holder, asset}); m != moved.end())
      bal = bal.checked_add(m->second.first)
                .value_or(U256::max())
                .checked_sub(m->second.second)
                .value_or(U256{});
    entry.amount = bal;
  }
  return pre;
}

std::vector<OutsizedReturn> find_outsized_returns(const Facts& x) {
  std::map<std::pair<Address, AssetRef>, std::pair<double, double>> by;  // (paid in, paid out after it)
  for (const auto& fl : x.flows.flows) {
    if (x.is_actor(fl.from) && !x.is_actor(fl.to) && x.contracts.contains(fl.to) &&
        !x.neutral(fl.to, fl.asset))
      by[{fl.to, fl.asset}].first += to_double(fl.amount);
    else if (x.is_actor(fl.to) && !x.is_actor(fl.from) && !x.neutral(fl.from, fl.asset))
      if (auto it = by.find({fl.from, fl.asset}); it != by.end()) it->second.second += to_double(fl.amount);
  }
  std::vector<OutsizedReturn> out;
  for (const auto& [key, io] : by)
    if (io.first > 0 && io.second >= x.cfg.outsized_return * io.first &&
        x.flows.net_of(key.first, key.second).loss())
      out.push_back(OutsizedReturn{key.first, key.second, io.second / io.first});
  return out;
}

}  // namespace bulwark::detect::rules
