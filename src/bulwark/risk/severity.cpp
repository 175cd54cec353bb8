#include "bulwark/risk/severity.hpp"

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/normal.hpp>

namespace bulwark::risk {

double SeverityModel::quantile(double p) const {
  p = std::clamp(p, 0.0, std::nextafter(1.0, 0.0));
  if (p > 1.0 - tail_share) return threshold * std::pow((1.0 - p) / tail_share, -1.0 / tail_alpha);
  // Body: the lognormal conditioned on X <= u, scaled to the body's probability mass.
  const boost::math::normal standard;
  const double body_cdf_at_u = boost::math::cdf(standard, (std::log(threshold) - mu) / sigma);
  const double z = boost::math::quantile(
      standard, std::clamp(p / (1.0 - tail_share) * body_cdf_at_u, 1e-300, 1.0 - 1e-16));
  return std::min(threshold, std::exp(mu + sigma * z));
}

Result<SeverityModel> fit_severity(const std::vector<double>& losses_usd, double threshold_usd) {
  if (!(threshold_usd > 0)) return fail(ErrorCode::kInvalidArgument, "the tail threshold must be positive");
  std::vector<double> logs;
  logs.reserve(losses_usd.size());
  for (double x : losses_usd)
    if (x > 0 && std::isfinite(x)) logs.push_back(std::log(x));
  if (logs.size() < 10)
    return fail(ErrorCode::kInvalidArgument,
                "need at least 10 positive losses, got " + std::to_string(logs.size()));
  SeverityModel m;
  m.losses = logs.size();
  m.threshold = threshold_usd;
  double sum = 0;
  for (double l : logs) sum += l;
  m.mu = sum / double(logs.size());
  double ss = 0;
  for (double l : logs) ss += (l - m.mu) * (l - m.mu);
  m.sigma = std::sqrt(ss / double(logs.size()));  // the maximum-likelihood (biased) estimate
  const double log_u = std::log(threshold_usd);
  double hill = 0;
  for (double l : logs)
    if (l > log_u) {
      hill += l - log_u;
      ++m.tail_losses;
    }
  if (m.tail_losses < 5)
    return fail(ErrorCode::kInvalidArgument,
                "need at least 5 losses above the threshold, got " + std::to_string(m.tail_losses));
  m.tail_alpha = double(m.tail_losses) / hill;
  m.alpha_stderr = m.tail_alpha / std::sqrt(double(m.tail_losses));
  m.tail_share = double(m.tail_losses) / double(m.losses);
  return m;
}

Result<FrequencyFit> fit_frequency(const std::vector<Incident>& incidents, int first_year, int last_year) {
  if (first_year > last_year) return fail(ErrorCode::kInvalidArgument, "the year range is reversed");
  FrequencyFit f;
  f.first_year = first_year;
  f.last_year = last_year;
  for (int y = first_year; y <= last_year; ++y) f.by_year[y] = 0;
  std::size_t total = 0;
  for (const auto& inc : incidents) {
    if (inc.year < first_year || inc.year > last_year) continue;
    ++f.by_year[inc.year];
    f.class_share[inc.attack] += 1;
    ++total;
  }
  const double years = double(last_year - first_year + 1);
  f.per_year = double(total) / years;
  f.rate_stderr = std::sqrt(f.per_year / years);
  for (auto& [_, share] : f.class_share) share /= double(std::max<std::size_t>(total, 1));
  return f;
}

}  // namespace bulwark::risk
