#pragma once
/// Loss severity and exploit frequency, calibrated on the incident record.
///
/// DeFi exploit losses are heavy-tailed: a lognormal describes the bulk, but above about $1M the
/// tail is Pareto with an index below 1 (an infinite mean; ../shared/research/anchors.md). The
/// severity model therefore splices a lognormal body and a Pareto tail at a threshold u:
///   P(X > x) = tail_share * (x / u)^-alpha                 for x > u
///   X ~ lognormal(mu, sigma) restricted to (0, u]           with probability 1 - tail_share
/// Fitted by maximum likelihood: mu and sigma from ln(loss) of every loss (the body's shape),
/// alpha by the Hill estimator on the losses above u, tail_share as the observed share above u.

#include <cstddef>
#include <map>
#include <vector>

#include "bulwark/core/error.hpp"
#include "bulwark/risk/incidents.hpp"

namespace bulwark::risk {

struct SeverityModel {
  double mu = 0;            ///< Mean of ln(loss), ln USD.
  double sigma = 0;         ///< Standard deviation of ln(loss).
  double threshold = 0;     ///< u, USD.
  double tail_alpha = 0;    ///< Pareto index above u.
  double alpha_stderr = 0;  ///< alpha / sqrt(k), the Hill estimator's standard error.
  double tail_share = 0;    ///< Share of losses above u.
  std::size_t losses = 0;   ///< Losses fitted.
  std::size_t tail_losses = 0;

  /// The loss with non-exceedance probability p in [0, 1): the inverse of the spliced CDF.
  double quantile(double p) const;
};

/// Fits the spliced model. Errors: kInvalidArgument with fewer than 10 positive losses, fewer than
/// 5 above the threshold, or a non-positive threshold.
Result<SeverityModel> fit_severity(const std::vector<double>& losses_usd, double threshold_usd);

/// Exploit frequency: incidents per calendar year.
struct FrequencyFit {
  int first_year = 0;
  int last_year = 0;
  double per_year = 0;     ///< Poisson rate by maximum likelihood: the mean count per year.
  double rate_stderr = 0;  ///< sqrt(rate / years).
  std::map<int, std::size_t> by_year;
  std::map<AttackClass, double> class_share;  ///< Share of incidents per attack class.
};

/// The yearly rate over [first_year, last_year] (whole years). Errors: kInvalidArgument for an
/// empty or reversed range.
Result<FrequencyFit> fit_frequency(const std::vector<Incident>& incidents, int first_year, int last_year);

}  // namespace bulwark::risk
