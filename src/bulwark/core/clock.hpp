#pragma once
/// Time, passed in: the library never reads the system clock directly.

#include <atomic>
#include <cstdint>

namespace bulwark {

/// Seconds since the Unix epoch (UTC). Block timestamps use the same unit.
using UnixTime = std::int64_t;
inline constexpr std::int64_t kSecondsPerDay = 86'400;

/// A source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current time in Unix seconds.
  virtual UnixTime now() const = 0;
};

/// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  UnixTime now() const override;
};

/// A clock that only moves when told to; for tests and replays. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixTime start = 1'700'000'000) : now_(start) {}
  UnixTime now() const override { return now_.load(); }
  void set(UnixTime t) { now_.store(t); }
  void advance(std::int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<UnixTime> now_;
};

}  // namespace bulwark
