#pragma once
/// Chain leases: several monitor processes sharing one store split the chains between them.
///
/// Each chain has at most one lease row (monitor_leases): the owner following it, until when, and an
/// epoch that goes up by one whenever the chain changes hands. A follower commits every block in a
/// transaction that first checks that the lease is still its own at the epoch it acquired, and
/// extends it (Leases::renew_in): a monitor that lost its lease (paused past the period, then
/// resumed) can no longer write, and the one that took over continues from the checkpoint.
///
/// Every monitor also keeps a membership row (monitor_members) alive with a heartbeat. A balancing
/// round (Leases::balance, one store transaction) counts the live monitors, takes free or expired
/// leases while the monitor holds fewer than its fair share (the chains it was given divided by
/// the live monitors, rounded up), and gives back the excess when another monitor has joined. A
/// chain left free for a whole period is taken whatever the share, so no chain goes unfollowed.
///
/// Time is each monitor's own clock in Unix milliseconds: the monitors' clocks must agree to well
/// within the lease period for the hand-over to be timely. Safety does not rest on the clocks:
/// two monitors never commit under the same epoch.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bulwark/core/clock.hpp"
#include "bulwark/core/error.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::monitor {

/// One chain's lease as the store holds it.
struct Lease {
  std::uint64_t chain_id = 0;
  std::string owner;             ///< The monitor holding (or last holding) it.
  std::uint64_t epoch = 0;       ///< Goes up by one at every change of hands; the fencing token.
  std::int64_t acquired_ms = 0;  ///< When this epoch began (Unix ms, the acquirer's clock).
  std::int64_t expires_ms = 0;   ///< Unix ms; the time it was given back, once given back.
};

/// Reads a chain's lease inside a transaction; nullopt when no monitor ever held it. Errors: the
/// store's, or kCorrupt for a row that does not parse.
Result<std::optional<Lease>> read_lease(store::Tx& tx, std::uint64_t chain_id);

/// How a monitor takes part in the leases.
struct LeaseOptions {
  std::string owner;                ///< This monitor's id; unique among the live monitors sharing a store.
  std::int64_t period_ms = 15'000;  ///< How long a lease (and a membership) lasts without renewal.
};

/// What a balancing round did.
struct LeaseChanges {
  std::vector<Lease> taken;     ///< Acquired in this round (each with its new epoch).
  std::vector<Lease> released;  ///< Given back so that another monitor can take them.
  std::vector<Lease> lost;      ///< Found held by another monitor: this one had been fenced out.
  std::size_t monitors = 1;     ///< Live monitors counted, this one included.
};

/// The leases one monitor process holds on the chains it was given. `store` and `clock` must outlive
/// it. Not thread-safe (the monitor's loop owns it).
class Leases {
 public:
  /// Leases for `chains` (the ids this monitor can follow). Holds none until balance() runs.
  Leases(store::Store& store, const Clock& clock, LeaseOptions options, std::vector<std::uint64_t> chains);

  /// One balancing round in one write transaction: the membership heartbeat, then for each chain,
  /// renew it (held), forget it (held by another now), give it back (beyond the fair share) or take
  /// it (free or expired, and under the share or free for a whole period). Sets when the next round
  /// is due (round_due). Errors: the store's, with nothing changed.
  Result<LeaseChanges> balance();

  /// Inside a write transaction that commits a block of `chain`: checks that the lease is still this
  /// monitor's at the epoch it acquired and extends it by the period. Errors: kConflict when the
  /// lease was lost (another monitor holds it, or it was never held here; it is forgotten); the
  /// store's.
  Status renew_in(store::Tx& tx, std::uint64_t chain);

  /// Gives back every lease held (expiring now) and ends the membership, so that other monitors
  /// take the chains at their next round. Errors: the store's (the leases then simply expire).
  Status release_all();

  /// The lease held on `chain` (as acquired or last renewed), or nullopt.
  std::optional<Lease> held(std::uint64_t chain) const;
  /// True while a lease on `chain` is held (held(chain) has a value).
  bool holds(std::uint64_t chain) const { return held_.count(chain) != 0; }
  /// True once the next balancing round is due (always before the first).
  bool round_due() const { return clock_.now_ms() >= next_round_ms_; }
  /// When the next round is due (Unix ms): the earliest expiry of another monitor's lease or
  /// membership that could change the split, and at most min(period/5, 1 s) ahead.
  std::int64_t next_round_ms() const { return next_round_ms_; }
  /// The owner id and period this monitor was given.
  const LeaseOptions& options() const { return options_; }

 private:
  store::Store& store_;
  const Clock& clock_;
  LeaseOptions options_;
  std::vector<std::uint64_t> chains_;
  std::map<std::uint64_t, Lease> held_;
  std::int64_t started_ms_ = 0;
  std::int64_t next_round_ms_ = 0;
};

}  // namespace bulwark::monitor
