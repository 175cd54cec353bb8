#include "bulwark/monitor/lease.hpp"

#include <algorithm>
#include <charconv>

#include "bulwark/store/schema.hpp"

namespace bulwark::monitor {
namespace {

namespace sc = store::schema;

std::string num(std::int64_t v) {
  return std::to_string(v);
}

Result<std::int64_t> parse_int(const std::string& s, const char* what) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    return fail(ErrorCode::kCorrupt,
                std::string("monitor_leases: ") + what + " is not a number: '" + s + "'");
  return v;
}

store::Row lease_row(const Lease& l) {
  return {std::to_string(l.chain_id), l.owner, std::to_string(l.epoch), num(l.acquired_ms),
          num(l.expires_ms)};
}

}  // namespace

Result<std::optional<Lease>> read_lease(store::Tx& tx, std::uint64_t chain_id) {
  BULWARK_TRY(row, tx.get(sc::monitor_leases(), {std::to_string(chain_id)}));
  if (!row) return std::optional<Lease>{};
  const auto& t = sc::monitor_leases();
  BULWARK_TRY(epoch, parse_int((*row)[t.column("epoch")], "epoch"));
  BULWARK_TRY(acquired, parse_int((*row)[t.column("acquired_ms")], "acquired_ms"));
  BULWARK_TRY(expires, parse_int((*row)[t.column("expires_ms")], "expires_ms"));
  return std::optional<Lease>(
      Lease{chain_id, (*row)[t.column("owner")], static_cast<std::uint64_t>(epoch), acquired, expires});
}

Leases::Leases(store::Store& store, const Clock& clock, LeaseOptions options,
               std::vector<std::uint64_t> chains)
    : store_(store), clock_(clock), options_(std::move(options)), chains_(std::move(chains)) {
  std::sort(chains_.begin(), chains_.end());
  chains_.erase(std::unique(chains_.begin(), chains_.end()), chains_.end());
  started_ms_ = clock_.now_ms();
}

std::optional<Lease> Leases::held(std::uint64_t chain) const {
  auto it = held_.find(chain);
  return it == held_.end() ? std::nullopt : std::optional<Lease>(it->second);
}

Status Leases::renew_in(store::Tx& tx, std::uint64_t chain) {
  auto mine = held_.find(chain);
  if (mine == held_.end())
    return fail(ErrorCode::kConflict,
                "chain " + std::to_string(chain) + ": this monitor holds no lease on it");
  BULWARK_TRY(row, read_lease(tx, chain));
  if (!row || row->owner != options_.owner || row->epoch != mine->second.epoch) {
    const std::string who = row ? row->owner + " (epoch " + std::to_string(row->epoch) + ")" : "nobody";
    held_.erase(mine);
    return fail(ErrorCode::kConflict, "chain " + std::to_string(chain) + ": lease lost, now held by " + who);
  }
  // Still ours at our epoch, even if it ran out meanwhile: nobody else has written since.
  Lease renewed = *row;
  renewed.expires_ms = clock_.now_ms() + options_.period_ms;
  BULWARK_CHECK(tx.put(sc::monitor_leases(), lease_row(renewed)));
  mine->second = renewed;
  return {};
}

Result<LeaseChanges> Leases::balance() {
  const std::int64_t period = options_.period_ms;
  const std::int64_t interval = std::clamp<std::int64_t>(period / 5, 1, 1000);
  LeaseChanges changes;
  std::map<std::uint64_t, Lease> now_held;
  std::int64_t next = 0;
  BULWARK_CHECK(store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    changes = LeaseChanges{};
    now_held.clear();
    const std::int64_t now = clock_.now_ms();
    next = now + interval;
    const auto& members = sc::monitor_members();
    BULWARK_CHECK(tx.put(members, {options_.owner, num(started_ms_), num(now + period)}));
    store::Query live;
    live.at_least = {{members.column("expires_ms"), now + 1}};
    BULWARK_TRY(rows, tx.select(members, live));
    changes.monitors = std::max<std::size_t>(1, rows.size());
    for (const auto& r : rows) {
      if (r[0] == options_.owner) continue;
      BULWARK_TRY(expires, parse_int(r[members.column("expires_ms")], "monitor_members expires_ms"));
      next = std::min(next, expires + 1);  // a monitor that stops beating changes the share then
    }
    const std::size_t share = (chains_.size() + changes.monitors - 1) / changes.monitors;

    std::vector<std::pair<std::uint64_t, std::optional<Lease>>> others;  // chains not held, as stored
    for (std::uint64_t chain : chains_) {
      BULWARK_TRY(row, read_lease(tx, chain));
      auto mine = held_.find(chain);
      if (mine != held_.end()) {
        if (row && row->owner == options_.owner && row->epoch == mine->second.epoch) {
          now_held.emplace(chain, *row);
          continue;
        }
        changes.lost.push_back(row.value_or(Lease{chain, "", 0, 0, 0}));
      }
      others.emplace_back(chain, row);
    }
    // More than the share (another monitor joined): give back the highest chain ids.
    while (now_held.size() > share) {
      Lease l = std::prev(now_held.end())->second;
      now_held.erase(std::prev(now_held.end()));
      l.expires_ms = now;  // free from now on; taken back by this monitor only if unwanted a period
      BULWARK_CHECK(tx.put(sc::monitor_leases(), lease_row(l)));
      changes.released.push_back(l);
    }
    for (auto& [id, l] : now_held) {
      l.expires_ms = now + period;
      BULWARK_CHECK(tx.put(sc::monitor_leases(), lease_row(l)));
    }
    for (const auto& [chain, row] : others) {
      // A lease this owner id holds but this process did not acquire is a predecessor's (a restart
      // under the same --owner): free to take, with a new epoch that fences the old process out.
      const bool free = !row || row->expires_ms <= now || row->owner == options_.owner;
      const bool unwanted = !row || row->expires_ms + period <= now;  // free for a whole period
      if (free && (now_held.size() < share || unwanted)) {
        Lease l{chain, options_.owner, row ? row->epoch + 1 : 1, now, now + period};
        BULWARK_CHECK(tx.put(sc::monitor_leases(), lease_row(l)));
        now_held.emplace(chain, l);
        changes.taken.push_back(l);
        continue;
      }
      // Look again when it runs out (its holder may be gone), or a period after, when it is unwanted.
      if (row)
        next = std::min(next, (row->expires_ms > now ? row->expires_ms : row->expires_ms + period) + 1);
    }
    return {};
  }));
  held_ = std::move(now_held);
  next_round_ms_ = next;
  return changes;
}

Status Leases::release_all() {
  BULWARK_CHECK(store_.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    const std::int64_t now = clock_.now_ms();
    for (const auto& [chain, mine] : held_) {
      BULWARK_TRY(row, read_lease(tx, chain));
      if (!row || row->owner != options_.owner || row->epoch != mine.epoch) continue;  // not ours any more
      Lease l = *row;
      l.expires_ms = now;
      BULWARK_CHECK(tx.put(sc::monitor_leases(), lease_row(l)));
    }
    return tx.put(sc::monitor_members(), {options_.owner, num(started_ms_), num(now)});
  }));
  held_.clear();
  return {};
}

}  // namespace bulwark::monitor
