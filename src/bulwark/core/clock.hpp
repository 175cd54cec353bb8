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
  /// The current time in Unix milliseconds (leases, latencies). Defaults to now() in whole seconds.
  virtual std::int64_t now_ms() const { return now() * 1000; }
};

/// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  UnixTime now() const override;
  std::int64_t now_ms() const override;
};

/// A clock that only moves when told to; for tests and replays. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixTime start = 1'700'000'000) : ms_(start * 1000) {}
  /// Whole seconds (rounded down).
  UnixTime now() const override { return ms_.load() / 1000; }
  std::int64_t now_ms() const override { return ms_.load(); }
  void set(UnixTime t) { ms_.store(t * 1000); }
  void advance(std::int64_t seconds) { ms_.fetch_add(seconds * 1000); }
  void advance_ms(std::int64_t ms) { ms_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> ms_;  ///< Unix milliseconds.
};

}  // namespace bulwark
