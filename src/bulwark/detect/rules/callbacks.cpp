// Callbacks nobody asked for: a pool's or lender's callback called by the sender's side.
// Declared in rules.hpp.

#include "bulwark/detect/rules.hpp"

#include <algorithm>
#include <vector>

namespace bulwark::detect::rules {

std::vector<SpoofedCallback> find_spoofed_callbacks(const Facts& x) {
  std::vector<SpoofedCallback> out;
  if (!x.callbacks) return out;
  const Trace& t = x.t;
  for (std::size_t i = 1; i < t.frames.size(); ++i) {
    const Frame& f = t.frames[i];
    if (f.failed || f.kind != CallKind::kCall || !in(t.selector(f), kCallbackSelectors)) continue;
    if (!x.is_actor(f.from) || x.is_actor(f.to)) continue;
    bool asked = false;
    for (std::int32_t p = f.parent; p >= 0 && !asked; p = t.frames[static_cast<std::size_t>(p)].parent) {
      const Frame& pf = t.frames[static_cast<std::size_t>(p)];
      asked = pf.from == f.to && pf.to == f.from;
    }
    if (asked) continue;
    SpoofedCallback s{i, {Victim{f.to, {}}}};
    AddressSet seen;
    seen.insert(f.to);
    // Flows are in frame order: those of the subtree [i, f.end) are adjacent.
    const auto& flows = x.flows.flows;
    for (auto it = first_flow_at(flows, i); it != flows.end() && it->frame < f.end; ++it) {
      const Flow& fl = *it;
      if (x.is_actor(fl.from) || x.neutral(fl.from, fl.asset)) continue;
      const bool callee = fl.from == f.to;
      if (!callee && seen.contains(fl.from)) continue;
      auto lost = one_sided_loss(x, fl.from);
      if (!lost || lost->empty()) continue;
      Victim v{fl.from, std::move(*lost)};
      if (callee) {
        if (s.victims[0].losses.empty()) s.victims[0].losses = std::move(v.losses);
        continue;
      }
      seen.insert(fl.from);
      s.victims.push_back(std::move(v));
    }
    const bool lost =
        std::any_of(s.victims.begin(), s.victims.end(), [](const Victim& v) { return !v.losses.empty(); });
    if (lost) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace bulwark::detect::rules
