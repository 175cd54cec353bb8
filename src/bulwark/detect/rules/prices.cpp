// Pools: a contract of the sender's side posed as one, round trips, price moves seen through
// getReserves. Declared in rules.hpp.

#include "bulwark/detect/rules.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace bulwark::detect::rules {

std::vector<std::size_t> find_posed_pools(const Facts& x) {
  std::vector<std::size_t> out;
  if (!x.pool_swaps) return out;
  const Trace& t = x.t;
  const Frame& root = t.frames[0];
  for (std::size_t i = 1; i < t.frames.size(); ++i) {
    const Frame& f = t.frames[i];
    if (f.failed || f.kind != CallKind::kCall || !in(t.selector(f), kPoolSwapSelectors)) continue;
    const bool own_contract =
        (root.kind == CallKind::kCall && root.input_size > 0 && f.to == root.to) || x.issued.contains(f.to);
    if (own_contract && !x.is_actor(f.from) && x.contracts.contains(f.from)) out.push_back(i);
  }
  return out;
}

std::vector<RoundTrip> find_round_trips(const Facts& x) {
  struct Leg {
    AssetRef in, out;
    double a_in = 0, a_out = 0;
    std::size_t frame = 0;
  };
  // Legs per pool: an inflow from the sender's side followed by an outflow to it of another asset.
  std::map<Address, std::vector<Leg>> legs;
  std::map<Address, std::pair<bool, Flow>> open_in;  // pool -> last inflow not yet matched
  for (const auto& fl : x.flows.flows) {
    if (x.is_actor(fl.to) && !x.is_actor(fl.from) && x.contracts.contains(fl.from) &&
        !x.neutral(fl.from, fl.asset)) {
      auto it = open_in.find(fl.from);
      if (it != open_in.end() && it->second.first && it->second.second.asset != fl.asset) {
        const Flow& in = it->second.second;
        legs[fl.from].push_back(
            Leg{in.asset, fl.asset, to_double(in.amount), to_double(fl.amount), fl.frame});
        it->second.first = false;
      }
    } else if (x.is_actor(fl.from) && !x.is_actor(fl.to) && x.contracts.contains(fl.to) &&
               !x.neutral(fl.to, fl.asset)) {
      open_in[fl.to] = {true, fl};
    }
  }
  // Leg b undoes leg a at a profit: the reverse trade, back in at most what it got, out clearly more than
  // it paid.
  auto undoes = [](const Leg& a, const Leg& b) {
    return b.in == a.out && b.out == a.in && a.a_in > 0 && b.a_in > 0 && b.a_in <= a.a_out * 1.001 &&
           b.a_out >= a.a_in * 1.05;
  };
  std::vector<RoundTrip> out;
  for (const auto& [pool, ls] : legs) {
    // The first leg that some later leg undoes, then the first leg that undoes it. Pairing every leg with
    // every later one would be quadratic in the legs (a crafted transaction can trade thousands of times
    // through one pool), so the first is found sweeping back from the last leg, each direction's later legs
    // kept in a Fenwick tree: for an amount paid in, the most paid out by a later leg paying in at most it.
    using Direction = std::pair<AssetRef, AssetRef>;
    std::map<Direction, std::vector<double>> paid_in;  // per direction: the legs' amounts in, sorted
    for (const Leg& l : ls)
      if (l.a_in > 0) paid_in[{l.in, l.out}].push_back(l.a_in);
    std::map<Direction, std::vector<double>> most_out;  // per direction: the tree, by rank of amount in
    for (auto& [d, v] : paid_in) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      most_out[d].assign(v.size() + 1, -std::numeric_limits<double>::infinity());
    }
    std::optional<std::size_t> first;
    for (std::size_t i = ls.size(); i-- > 0;) {
      const Leg& a = ls[i];
      if (a.a_in <= 0) continue;
      if (const auto keys = paid_in.find({a.out, a.in}); keys != paid_in.end()) {
        const auto& tree = most_out[keys->first];
        double most = -std::numeric_limits<double>::infinity();
        for (auto n = static_cast<std::size_t>(
                 std::upper_bound(keys->second.begin(), keys->second.end(), a.a_out * 1.001) -
                 keys->second.begin());
             n > 0; n &= n - 1)
          most = std::max(most, tree[n]);
        if (most >= a.a_in * 1.05) first = i;
      }
      const auto& keys = paid_in[{a.in, a.out}];
      auto& tree = most_out[{a.in, a.out}];
      for (auto n =
               static_cast<std::size_t>(std::lower_bound(keys.begin(), keys.end(), a.a_in) - keys.begin()) +
               1;
           n < tree.size(); n += n & (~n + 1))
        tree[n] = std::max(tree[n], a.a_out);
    }
    if (!first) continue;
    const Leg& a = ls[*first];
    for (std::size_t j = *first + 1; j < ls.size(); ++j)
      if (const Leg& b = ls[j]; undoes(a, b)) {
        out.push_back(RoundTrip{pool, a.in, a.out, a.frame, b.frame, b.a_out / a.a_in - 1});
        break;
      }
  }
  return out;
}

std::vector<PriceMove> find_price_moves(const Facts& x) {
  struct Obs {
    std::size_t frame;
    double price;
    Address reader;
  };
  if (!x.reserve_reads) return {};
  std::map<Address, std::vector<Obs>> by_pool;
  const auto& frames = x.t.frames;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    if (f.failed || !f.has_output || f.output_size < 64 || x.t.selector(f) != kGetReserves) continue;
    U256 w0, w1;
    x.t.output_word(f, 0, w0);
    x.t.output_word(f, 1, w1);
    const double r0 = to_double(w0);
    const double r1 = to_double(w1);
    if (r0 <= 0 || r1 <= 0) continue;
    by_pool[f.to].push_back(Obs{i, r1 / r0, f.from});
  }
  std::vector<PriceMove> out;
  for (const auto& [pool, obs] : by_pool) {
    if (obs.size() < 2) continue;
    PriceMove m{pool};
    m.first = obs[0].frame;
    for (std::size_t k = 1; k < obs.size(); ++k) {
      const double mv = std::fabs(obs[k].price / obs[0].price - 1.0);
      if (mv > m.max_move) {
        m.max_move = mv;
        m.peak = obs[k].frame;
      }
      if (mv >= x.cfg.price_move && !x.is_actor(obs[k].reader)) {
        m.read_by_other = true;
        if (std::find(m.readers.begin(), m.readers.end(), obs[k].reader) == m.readers.end())
          m.readers.push_back(obs[k].reader);
      }
    }
    m.moved_back = std::fabs(obs.back().price / obs[0].price - 1.0) < x.cfg.price_move;
    if (m.max_move >= x.cfg.price_move) out.push_back(m);
  }
  return out;
}

}  // namespace bulwark::detect::rules
