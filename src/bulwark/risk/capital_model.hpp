#pragma once
/// Monte Carlo capital model over a whole book of cover.
///
/// One simulated year: every product suffers exploit events from its own Poisson frequency, plus
/// one event for every shock of a shared dependency it relies on (an oracle, a bridge, a forked
/// code base), so products sharing a dependency lose together. Each event draws a protocol loss X
/// from the heavy-tailed severity model; the insured loss is the product's exposure times
/// min(1, X / TVL) less the deductible share, and a product never pays more than its exposure in a
/// year. The book's annual loss is the sum over products.
///
/// From many such years: the annual loss distribution's mean, VaR and TVaR at the chosen level
/// (99.5%), the probability that the loss exceeds the capital (ruin), the capital requirement
/// (SCR = VaR) and the solvency ratio capital / SCR, and each product's marginal capital by Euler
/// allocation (its expected loss in the years at or beyond VaR, which sum to the TVaR).
///
/// Deterministic: year i draws from its own random stream derived from (seed, i), so a result
/// depends only on the book, the seed and the number of years, never on the number of threads.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bulwark/core/error.hpp"
#include "bulwark/risk/severity.hpp"

namespace bulwark::risk {

struct Dependency {
  std::string name;
  double rate = 0;  ///< Failures a year.
};

struct ProductExposure {
  std::string name;
  double exposure = 0;          ///< Active cover on the product.
  double tvl = 1;               ///< Value at risk in the protocol; an event loses min(1, X / tvl) of it.
  double frequency = 0;         ///< The product's own exploit events a year.
  double deductible_share = 0;  ///< Share of each payout the holders keep (0..1).
  std::vector<std::size_t> dependencies;  ///< Indexes into Book::dependencies.
};

struct Book {
  std::vector<ProductExposure> products;
  std::vector<Dependency> dependencies;
  SeverityModel severity;
  double capital = 0;  ///< Capital backing the book, in the exposures' unit.
};

struct SimulationOptions {
  std::size_t years = 100'000;  ///< Simulated portfolio-years.
  std::uint64_t seed = 1;
  double level = 0.995;
  unsigned threads = 1;
};

struct SimulationResult {
  std::size_t years = 0;
  double mean = 0;
  double mean_stderr = 0;
  double var = 0;      ///< Annual loss at `level`.
  double var_low = 0;  ///< 95% confidence interval of the VaR (order statistics).
  double var_high = 0;
  double tvar = 0;  ///< Mean loss in the years at or beyond the VaR.
  double ruin_probability = 0;
  double scr = 0;                                           ///< Capital requirement: the VaR.
  double solvency_ratio = 0;                                ///< capital / scr (infinity when scr is 0).
  std::vector<double> marginal_capital;                     ///< Per product; sums to tvar.
  std::vector<std::pair<std::size_t, double>> convergence;  ///< (years, VaR) on the first 1/8, 1/4, 1/2, all.
};

/// Draws protocol losses from a spliced severity model quickly, by inverting its distribution
/// function from one table built once: a uniform 64-bit word w gives the loss whose non-exceedance
/// probability is p = w / 2^64. Below p = 1 - tail_share (the body) the table holds the lognormal
/// body's quantiles at 1,025 points; above it (the tail, u = (1 - p) / tail_share)
/// threshold * u^(-1/alpha) at 1,025 points of u in [1/64, 1]; both are interpolated linearly.
/// The steep end of the tail (u < 1/64) is computed exactly. Immutable after construction, so
/// threads may share one.
class SeveritySampler {
 public:
  explicit SeveritySampler(const SeverityModel& model);
  /// The loss at non-exceedance probability `word` / 2^64. No branch but the steep end's, which
  /// is taken with probability tail_share / 64.
  double draw(std::uint64_t word) const {
    if (word > steep_from_) [[unlikely]]
      return steep(word);
    // The knot position grows with p in the body and with 1 - p (the word's complement) in the
    // tail, both taken from the top 53 bits.
    const std::size_t tail = word >= body_end_;
    const double x = offset_[tail] + scale_[tail] * double(std::int64_t((word ^ (0 - tail)) >> 11));
    const std::int64_t i = std::int64_t(x);
    const double* k = &knots_[std::size_t(i)];
    return k[0] + (k[1] - k[0]) * (x - double(i));
  }

  static constexpr std::size_t kPoints = 1025;         ///< Knots per segment.
  static constexpr double kTailTableStart = 1.0 / 64;  ///< u below which the tail is computed exactly.

 private:
  double steep(std::uint64_t word) const;

  std::uint64_t body_end_, steep_from_;  // p = 1 - tail_share and 1 - tail_share / 64, as words
  double threshold_, inv_alpha_, inv_tail_share_;
  double offset_[2], scale_[2];  // knot position = offset + scale * (top 53 bits), body and tail
  // Knots 0..kPoints-1: body quantiles at i / (kPoints - 1) of the body's mass; knots
  // kPoints+1..2 kPoints: threshold * u^(-1/alpha) at u = 1/64 + (i - kPoints - 1) (1 - 1/64) /
  // (kPoints - 1). Each segment's last knot is repeated after it, so that rounding, which can put
  // a position a hair past its segment's end, finds a flat step there.
  std::array<double, 2 * kPoints + 2> knots_;
};

/// Runs the model. Errors: kInvalidArgument for an invalid book (negative exposure or rate, a
/// dependency index out of range, a deductible outside 0..1, tvl <= 0) or options (no years, a
/// level outside (0, 1)).
Result<SimulationResult> simulate(const Book& book, const SimulationOptions& options);

/// Only the annual losses, year by year (for benchmarks and reports). With `random_draws`, also
/// the number of 64-bit random words the simulation consumed.
Result<std::vector<double>> simulate_losses(const Book& book, const SimulationOptions& options,
                                            std::uint64_t* random_draws = nullptr);

}  // namespace bulwark::risk
