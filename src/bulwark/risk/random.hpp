#pragma once
/// The random streams of the risk simulations: one independent, reproducible stream per simulated
/// year, so results do not depend on how years are split across threads.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace bulwark::risk {

/// SplitMix64 (Steele, Lea, Flood 2014): turns (seed, year) into a well-mixed stream start.
inline std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// xoshiro256** (Blackman, Vigna 2018): a small, fast generator; one per simulated year.
class RandomStream {
 public:
  /// The stream for `year` of a simulation seeded with `seed`.
  RandomStream(std::uint64_t seed, std::uint64_t year) {
    std::uint64_t x = seed ^ (year * 0xd1b54a32d192ed03ULL);
    for (auto& w : s_) w = splitmix(x);
  }
  std::uint64_t next() {
    ++draws_;
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in (0, 1): never exactly 0, so logs and powers stay finite.
  double uniform() { return (double(next() >> 11) + 0.5) * 0x1.0p-53; }
  /// How many 64-bit words this stream has produced.
  std::uint64_t draws() const { return draws_; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  std::uint64_t draws_ = 0;
};

/// Exact Poisson sampling by Knuth's multiplication method, the mean split into equal pieces of at
/// most 30 (a sum of independent Poisson counts is Poisson) so that exp(-piece) never underflows;
/// the exponential is computed once, here.
class PoissonSampler {
 public:
  explicit PoissonSampler(double mean) {
    if (!(mean > 0)) return;
    pieces_ = unsigned(std::ceil(mean / 30.0));
    limit_ = std::exp(-mean / double(pieces_));
  }
  std::uint64_t draw(RandomStream& rng) const {
    std::uint64_t k = 0;
    for (unsigned piece = 0; piece < pieces_; ++piece) {
      // Counts the uniforms whose running product stays above the limit, taking them two at a
      // time so that the running product waits on one multiplication per pair, not two.
      for (double p = 1;;) {
        const double a = rng.uniform();
        if (p * a <= limit_) break;
        ++k;
        const double ab = a * rng.uniform();
        if (p * ab <= limit_) break;
        ++k;
        p *= ab;
      }
    }
    return k;
  }

 private:
  unsigned pieces_ = 0;
  double limit_ = 1;
};

}  // namespace bulwark::risk
