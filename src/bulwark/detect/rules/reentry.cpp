// Re-entries: a contract called back into while an outer frame of it is open. Declared in rules.hpp.

#include "bulwark/detect/rules.hpp"

#include <vector>

namespace bulwark::detect::rules {

std::vector<Reentry> find_reentries(const Facts& x) {
  std::vector<Reentry> out;
  const auto& frames = x.t.frames;
  AddressSet reported;
  const auto& flows = x.flows.flows;
  for (std::size_t j = 1; j < frames.size(); ++j) {
    const Frame& f = frames[j];
    if (f.failed || f.kind != CallKind::kCall || f.input_size == 0) continue;
    const Address& c = f.to;
    if (reported.contains(c) || x.is_actor(c)) continue;
    bool left = false;
    std::int32_t outer = -1;
    for (std::int32_t p = f.parent; p >= 0; p = frames[static_cast<std::size_t>(p)].parent) {
      const Address& ctx = context_of(frames[static_cast<std::size_t>(p)]);
      if (ctx == c) {
        if (left) {
          outer = p;
          break;
        }
      } else {
        left = true;
      }
    }
    if (outer < 0) continue;
    // The re-entry must come from the sender's side (its own contract took control and called back),
    // not from a third contract's ordinary callback.
    if (!x.is_actor(f.from)) continue;
    // Flows are in frame order: those of the subtree [j, f.end) are adjacent.
    std::size_t outflows = 0;
    const auto first = first_flow_at(flows, j);
    for (auto it = first; it != flows.end() && it->frame < f.end; ++it)
      if (it->from == c && !x.neutral(c, it->asset)) ++outflows;
    if (outflows == 0) continue;
    reported.insert(c);
    out.push_back(Reentry{static_cast<std::size_t>(outer), j, c, U256(outflows)});
  }
  return out;
}

}  // namespace bulwark::detect::rules
