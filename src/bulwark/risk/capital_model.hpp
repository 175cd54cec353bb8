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

/// Draws protocol losses from a spliced severity model quickly, by inversion from tables built
/// once: the lognormal body from its quantiles at 1025 points, the Pareto tail from
/// threshold * u^(-1/alpha) at 1025 points of u in [1/64, 1]; both interpolated linearly. The
/// steep end of the tail (u < 1/64) is computed exactly.
class SeveritySampler {
 public:
  explicit SeveritySampler(const SeverityModel& model);
  /// One loss, from two uniforms in (0, 1): `pick` chooses tail or body, `u` is the quantile.
  double draw(double pick, double u) const {
    if (pick < tail_share_) {
      if (u < kTailTableStart) return threshold_ * std::exp(-std::log(u) * inv_alpha_);
      return interpolate(tail_, (u - kTailTableStart) * kTailScale);
    }
    return interpolate(body_, u * double(kPoints - 1));
  }

  static constexpr std::size_t kPoints = 1025;
  static constexpr double kTailTableStart = 1.0 / 64;

 private:
  static constexpr double kTailScale = double(kPoints - 1) / (1.0 - kTailTableStart);
  static double interpolate(const std::vector<double>& table, double x) {
    const auto i = std::min(std::size_t(x), kPoints - 2);
    return table[i] + (table[i + 1] - table[i]) * (x - double(i));
  }

  double tail_share_, threshold_, inv_alpha_;
  std::vector<double> body_;  // body quantiles at p = i / (kPoints - 1) of the body's own mass
  std::vector<double> tail_;  // threshold * u^(-1/alpha) at u = 1/64 + i / kTailScale
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
