#include "bulwark/detect/facts.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace bulwark::detect::rules {

std::map<Address, std::vector<Loss>> mints_to_actors(const Facts& x) {
  std::map<Address, std::vector<Loss>> out;
  std::map<std::pair<Address, AssetRef>, std::size_t> at;  // where each (minter, asset) is in its list
  for (const auto& fl : x.flows.flows) {
    if (!is_mint(fl) || !x.is_actor(fl.to)) continue;
    const Address& minter = minter_of(x.t, fl);
    if (x.is_actor(minter) || minter == fl.asset.token) continue;
    auto& losses = out[minter];
    if (const auto [it, fresh] = at.try_emplace({minter, fl.asset}, losses.size()); fresh)
      losses.push_back(Loss{minter, fl.asset, fl.amount});
    else
      losses[it->second].amount = losses[it->second].amount.checked_add(fl.amount).value_or(U256::max());
  }
  return out;
}

std::optional<std::vector<Loss>> one_sided_loss(const Facts& x, const Address& holder) {
  std::vector<Loss> losses;
  for (const auto& [key, n] : holder_net(x.flows, holder)) {
    const AssetRef& asset = key.second;
    if (x.neutral(holder, asset)) continue;
    // A token the sender's side deployed or minted itself is worth nothing to whoever it is paid to.
    if (n.gain() && (asset.native || !x.issued.contains(asset.token))) return std::nullopt;
    if (n.loss()) losses.push_back(Loss{holder, asset, n.magnitude()});
  }
  return losses;
}

std::vector<Loss> net_losses(const Facts& x, const Address& holder) {
  std::vector<Loss> out;
  for (const auto& [key, n] : holder_net(x.flows, holder))
    if (n.loss() && !x.neutral(holder, key.second)) out.push_back(Loss{holder, key.second, n.magnitude()});
  return out;
}

std::vector<Victim> one_sided_losers(const Facts& x, const std::map<Address, std::vector<Loss>>& issued_by) {
  std::vector<Victim> out;
  // The holders of the net changes and the minters, in address order: a merge of the two sorted
  // sequences (the net changes are by holder), each holder once.
  auto net = x.flows.net.begin();
  auto minter = issued_by.begin();
  while (net != x.flows.net.end() || minter != issued_by.end()) {
    const bool from_net =
        net != x.flows.net.end() && (minter == issued_by.end() || !(minter->first < net->first.first));
    const Address holder = from_net ? net->first.first : minter->first;
    while (net != x.flows.net.end() && net->first.first == holder) ++net;
    if (minter != issued_by.end() && minter->first == holder) ++minter;
    if (x.is_actor(holder) || !x.contracts.contains(holder)) continue;
    auto lost = one_sided_loss(x, holder);
    if (!lost) continue;
    std::vector<Loss> losses;
    if (auto m = issued_by.find(holder); m != issued_by.end()) losses = m->second;
    losses.insert(losses.end(), lost->begin(), lost->end());
    if (!losses.empty()) out.push_back(Victim{holder, std::move(losses)});
  }
  return out;
}

bool has_profit(const Facts& x) {
  return std::any_of(x.flows.net.begin(), x.flows.net.end(),
                     [&](const auto& e) { return is_actor_gain(x, e); });
}

std::vector<Loss> actor_gains(const Facts& x) {
  std::vector<Loss> out;
  for (const auto& e : x.flows.net)
    if (is_actor_gain(x, e)) out.push_back(Loss{e.first.first, e.first.second, e.second.magnitude()});
  return out;
}

Evidence evidence_of(const Facts& x, std::size_t i, std::string note) {
  const Frame& f = x.t.frames[i];
  return Evidence{frame_path(x.t, i), f.from, f.to, x.t.selector(f), std::move(note)};
}

}  // namespace bulwark::detect::rules
