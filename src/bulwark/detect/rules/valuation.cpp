// Valuation: dollars per smallest unit, from stablecoins, the native coin and the transaction's own
// swaps. Declared in rules.hpp.

#include "bulwark/detect/rules.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

namespace bulwark::detect::rules {

namespace {

double signed_amount(const NetAmount& n) {
  return n.gain() ? to_double(n.magnitude()) : -to_double(n.magnitude());
}

/// unit_values' working memory, reused from one transaction to the next.
struct ValuationScratch {
  /// A two-asset swap venue: asset in, asset out, the amounts (> 0), and their nodes in the graph.
  struct Swap {
    const AssetRef* in;
    const AssetRef* out;
    double a_in, a_out;
    std::uint32_t a = 0, b = 0;
  };
  std::vector<Swap> swaps;
  std::vector<AssetRef> assets;
  std::vector<std::uint32_t> first, adjacent, fill, frontier, next;
  std::vector<double> value;
  std::vector<char> known;
  std::vector<std::pair<double, double>> best;
  void clear() {
    if (swaps.capacity() > 1 << 12) *this = {};  // a very large transaction's memory is not kept
    swaps.clear();
    assets.clear();
    frontier.clear();
    next.clear();
  }
};

}  // namespace

std::map<Address, Address> allowance_spenders(const Facts& x) {
  std::map<Address, Address> out;
  const Trace& t = x.t;
  const CallBehind call_behind(t);
  for (const auto& fl : x.flows.flows) {
    if (fl.asset.native) continue;
    const Frame& f = call_behind(fl.frame);
    if (t.selector(f) != kTransferFrom || f.kind != CallKind::kCall || f.from == fl.from ||
        x.is_actor(f.from) || !x.contracts.contains(f.from))
      continue;
    out.emplace(fl.from, f.from);
  }
  return out;
}

Values unit_values(const Facts& x) {
  // 10^-d for the decimals tokens use, computed once (as std::pow computes it).
  static const std::array<double, 78> kUnit = [] {
    std::array<double, 78> u{};
    for (std::size_t d = 0; d < u.size(); ++d) u[d] = std::pow(10.0, -double(d));
    return u;
  }();
  const auto unit = [&](unsigned dec) {
    return dec < kUnit.size() ? kUnit[dec] : std::pow(10.0, -double(dec));
  };
  const AssetRef native{Address{}, true};
  const auto& wrapped = x.cfg.tables.wrapped_native;
  // The native coin and its wrapped tokens are one value: one node of the graph below.
  auto is_native = [&](const AssetRef& a) { return a.native || x.wrapped.contains(a.token); };
  // Scratch kept per thread: valuing runs for many transactions, most with a few swaps.
  thread_local ValuationScratch scratch;
  auto& [swaps, assets, first, adjacent, fill, frontier, next, value, known, best] = scratch;
  scratch.clear();
  // Per holder (adjacent in the net map, in address order): the assets whose balance changed.
  const auto& net = x.flows.net;
  for (auto it = net.begin(); it != net.end();) {
    const Address& holder = it->first.first;
    const bool venue = !x.is_actor(holder) && !holder.is_zero();
    const FlowSummary::Net::value_type* list[2] = {nullptr, nullptr};
    std::size_t count = 0;
    for (; it != net.end() && it->first.first == holder; ++it)
      if (venue && (it->second.gain() || it->second.loss())) {
        if (count < 2) list[count] = &*it;
        ++count;
      }
    if (count != 2 || list[0]->second.gain() == list[1]->second.gain()) continue;
    const auto& gin = list[0]->second.gain() ? *list[0] : *list[1];
    const auto& gout = list[0]->second.gain() ? *list[1] : *list[0];
    const ValuationScratch::Swap sw{&gin.first.second, &gout.first.second, to_double(gin.second.magnitude()),
                                    to_double(gout.second.magnitude())};
    if (sw.a_in > 0 && sw.a_out > 0 && !(is_native(*sw.in) && is_native(*sw.out))) swaps.push_back(sw);
  }
  // The graph: node 0 is the native coin with its wrapped tokens, then each other asset of a swap.
  for (const auto& sw : swaps)
    for (const AssetRef* a : {sw.in, sw.out})
      if (!is_native(*a)) assets.push_back(*a);
  std::sort(assets.begin(), assets.end());
  assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
  auto node = [&](const AssetRef& a) -> std::uint32_t {
    if (is_native(a)) return 0;
    return 1 + static_cast<std::uint32_t>(std::lower_bound(assets.begin(), assets.end(), a) - assets.begin());
  };
  const std::size_t nodes = assets.size() + 1;
  for (auto& sw : swaps) {
    sw.a = node(*sw.in);
    sw.b = node(*sw.out);
  }
  const auto& edges = swaps;
  // Each node's edges, grouped by node (counting sort).
  first.assign(nodes + 1, 0);
  adjacent.resize(2 * edges.size());
  for (const auto& e : edges) ++first[e.a + 1], ++first[e.b + 1];
  for (std::size_t n = 0; n < nodes; ++n) first[n + 1] += first[n];
  fill.assign(first.begin(), first.end() - 1);
  for (std::uint32_t k = 0; k < edges.size(); ++k)
    adjacent[fill[edges[k].a]++] = adjacent[fill[edges[k].b]++] = k;
  value.assign(nodes, 0.0);
  constexpr char kValued = 1, kDollar = 2;  // known[n]: 0 while n has no value
  known.assign(nodes, 0);
  for (const auto& [token, dec] : x.cfg.tables.usd_tokens) {
    const AssetRef a{token, false};
    if (is_native(a) || !std::binary_search(assets.begin(), assets.end(), a)) continue;
    const std::uint32_t n = node(a);
    value[n] = unit(dec);
    known[n] = kDollar;
    frontier.push_back(n);
  }
  // Breadth first from the valued nodes: each round values the nodes one swap beyond the last round's,
  // each at the rate of its largest swap into that round (ties: the higher value; the result does not
  // depend on the order of the swaps).
  best.assign(nodes, {-1.0, 0.0});  // (dollars of the swap, value)
  auto spread = [&] {
    while (!frontier.empty()) {
      next.clear();
      for (const std::uint32_t n : frontier)
        for (std::uint32_t k = first[n]; k < first[n + 1]; ++k) {
          const auto& e = edges[adjacent[k]];
          const bool from_a = e.a == n;
          const std::uint32_t o = from_a ? e.b : e.a;
          if (known[o]) continue;
          const double dollars = value[n] * (from_a ? e.a_in : e.a_out);
          const double v = dollars / (from_a ? e.a_out : e.a_in);
          auto& b = best[o];
          if (b.first < 0) next.push_back(o);
          if (dollars > b.first || (dollars == b.first && v > b.second)) b = {dollars, v};
        }
      for (const std::uint32_t o : next) {
        value[o] = best[o].second;
        known[o] = kValued;
      }
      frontier.swap(next);
    }
  };
  // Stablecoins first, so the native coin takes the transaction's own dollar rate when it has one;
  // the configured native price only where the transaction never traded it against dollars.
  spread();
  if (!known[0]) {
    value[0] = x.cfg.native_usd / 1e18;
    known[0] = kValued;
    frontier.assign(1, 0);
    spread();
  }
  std::vector<Values::Entry> entries;
  entries.reserve(x.cfg.tables.usd_tokens.size() + nodes + wrapped.size());
  for (const auto& [token, dec] : x.cfg.tables.usd_tokens)
    if (!is_native(AssetRef{token, false})) entries.emplace_back(AssetRef{token, false}, unit(dec));
  for (std::size_t n = 1; n < nodes; ++n)  // the dollars are listed above
    if (known[n] == kValued) entries.emplace_back(assets[n - 1], value[n]);
  entries.emplace_back(native, value[0]);
  for (const auto& w : wrapped) entries.emplace_back(AssetRef{w, false}, value[0]);
  return Values(std::move(entries));
}

double value_of(const Values& v, const AssetRef& a, const NetAmount& n) {
  auto it = v.find(a);
  return it == v.end() ? 0.0 : it->second * signed_amount(n);
}

}  // namespace bulwark::detect::rules
