#include "bulwark/risk/score.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bulwark::risk {
namespace {

using nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

// ---- priors (docs/risk.md lists them) ----

double audits_multiplier(int audits) {
  if (audits <= 0) return 1.8;
  if (audits == 1) return 1.0;
  if (audits == 2) return 0.75;
  return 0.6;
}
double oracle_multiplier(OracleDesign o) {
  switch (o) {
    case OracleDesign::kNone: return 0.2;
    case OracleDesign::kChainlink: return 0.5;
    case OracleDesign::kTwap: return 1.0;
    case OracleDesign::kSpot: return 2.5;
  }
  return 1.0;
}
double upgradeability_multiplier(Upgradeability u) {
  switch (u) {
    case Upgradeability::kImmutable: return 0.5;
    case Upgradeability::kTimelockMultisig: return 1.0;
    case Upgradeability::kMultisig: return 1.6;
    case Upgradeability::kAdminKey: return 3.0;
  }
  return 1.0;
}
double age_multiplier(double days) {
  if (days < 90) return 2.0;
  if (days < 180) return 1.6;
  if (days < 365) return 1.3;
  if (days < 730) return 1.1;
  if (days < 1460) return 1.0;
  return 0.8;
}
double bounty_multiplier(double usd) {
  if (usd >= 1e6) return 0.8;
  if (usd >= 1e5) return 0.9;
  return 1.0;
}
double incidents_multiplier(int n) {
  return std::min(3.0, 1.0 + 0.5 * double(std::max(0, n)));
}
constexpr double kMaxSignalMultiplier = 10.0;
constexpr double kCredibility = 20.0;  // losses at which a group's own mean gets half the weight

std::string percent(double x) {
  return fmt::format("{:.1f}%", 100 * x);
}

/// Solves A x = b in place by Gaussian elimination with partial pivoting; false if singular.
bool solve(std::vector<std::vector<double>> a, std::vector<double>& b) {
  const std::size_t n = b.size();
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r)
      if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
    if (!(std::abs(a[pivot][col]) > 1e-300)) return false;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    for (std::size_t r = col + 1; r < n; ++r) {
      const double f = a[r][col] / a[col][col];
      if (f == 0) continue;
      for (std::size_t c = col; c < n; ++c) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  for (std::size_t i = n; i-- > 0;) {
    double s = b[i];
    for (std::size_t c = i + 1; c < n; ++c) s -= a[i][c] * b[c];
    b[i] = s / a[i][i];
  }
  return true;
}

double poisson_log_likelihood(const std::vector<double>& y, const std::vector<double>& mu) {
  double ll = 0;
  for (std::size_t i = 0; i < y.size(); ++i) ll += (y[i] > 0 ? y[i] * std::log(mu[i]) : 0.0) - mu[i];
  return ll;
}

double poisson_deviance(const std::vector<double>& y, const std::vector<double>& mu) {
  double d = 0;
  for (std::size_t i = 0; i < y.size(); ++i)
    d += 2 * ((y[i] > 0 ? y[i] * std::log(y[i] / mu[i]) : 0.0) - (y[i] - mu[i]));
  return d;
}

std::size_t group_index(const std::string& g) {
  for (std::size_t i = 0; i < std::size(kChainGroups); ++i)
    if (kChainGroups[i] == g) return i;
  return std::size(kChainGroups) - 1;
}

/// Incident counts by (year, class, chain group).
struct Table {
  int from = 0, to = 0;
  std::vector<double> n;  // index ((year - from) * classes + class) * groups + group
  static constexpr std::size_t kClasses = kAttackClasses.size();
  static constexpr std::size_t kGroups = std::size(kChainGroups);
  Table(const std::vector<Incident>& incidents, int from_, int to_)
      : from(from_), to(to_), n(std::size_t(to_ - from_ + 1) * kClasses * kGroups, 0.0) {
    for (const auto& inc : incidents) {
      if (inc.year < from || inc.year > to) continue;
      n[index(inc.year, std::size_t(inc.attack), group_index(chain_group(inc.chain)))] += 1;
    }
  }
  std::size_t index(int year, std::size_t c, std::size_t g) const {
    return (std::size_t(year - from) * kClasses + c) * kGroups + g;
  }
};

/// The main-effects fit on the years [from, to] of a table: cell probabilities within a year are
/// class share x chain share. Levels with no incidents in those years are left out (share 0).
struct MainEffects {
  std::vector<double> class_share, group_share, class_stderr;
  int iterations = 0;
};

Result<MainEffects> fit_main_effects(const Table& t, int from, int to) {
  std::vector<double> class_total(Table::kClasses, 0), group_total(Table::kGroups, 0), year_total;
  for (int y = from; y <= to; ++y) {
    double yt = 0;
    for (std::size_t c = 0; c < Table::kClasses; ++c)
      for (std::size_t g = 0; g < Table::kGroups; ++g) {
        const double v = t.n[t.index(y, c, g)];
        class_total[c] += v;
        group_total[g] += v;
        yt += v;
      }
    year_total.push_back(yt);
  }
  // Columns: one per year with incidents (its level), then classes and groups but the first
  // present of each (reference levels).
  std::vector<int> years;
  for (int y = from; y <= to; ++y)
    if (year_total[std::size_t(y - from)] > 0) years.push_back(y);
  std::vector<std::size_t> classes, groups;
  for (std::size_t c = 0; c < Table::kClasses; ++c)
    if (class_total[c] > 0) classes.push_back(c);
  for (std::size_t g = 0; g < Table::kGroups; ++g)
    if (group_total[g] > 0) groups.push_back(g);
  if (years.empty() || classes.empty() || groups.empty())
    return fail(ErrorCode::kInvalidArgument, "no incidents in the fitted years");
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (std::size_t yi = 0; yi < years.size(); ++yi)
    for (std::size_t ci = 0; ci < classes.size(); ++ci)
      for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        std::vector<double> row(years.size() + classes.size() - 1 + groups.size() - 1, 0.0);
        row[yi] = 1;
        if (ci > 0) row[years.size() + ci - 1] = 1;
        if (gi > 0) row[years.size() + classes.size() - 1 + gi - 1] = 1;
        x.push_back(std::move(row));
        y.push_back(t.n[t.index(years[yi], classes[ci], groups[gi])]);
      }
  BULWARK_TRY(fit, fit_poisson(x, y));
  MainEffects m;
  m.iterations = fit.iterations;
  m.class_share.assign(Table::kClasses, 0.0);
  m.group_share.assign(Table::kGroups, 0.0);
  m.class_stderr.assign(Table::kClasses, 0.0);
  for (std::size_t ci = 0; ci < classes.size(); ++ci) {
    m.class_share[classes[ci]] = ci == 0 ? 1.0 : std::exp(fit.coef[years.size() + ci - 1]);
    m.class_stderr[classes[ci]] = ci == 0 ? 0.0 : fit.stderr_[years.size() + ci - 1];
  }
  for (std::size_t gi = 0; gi < groups.size(); ++gi)
    m.group_share[groups[gi]] =
        gi == 0 ? 1.0 : std::exp(fit.coef[years.size() + classes.size() - 1 + gi - 1]);
  const double cs = std::accumulate(m.class_share.begin(), m.class_share.end(), 0.0);
  const double gs = std::accumulate(m.group_share.begin(), m.group_share.end(), 0.0);
  for (auto& v : m.class_share) v /= cs;
  for (auto& v : m.group_share) v /= gs;
  return m;
}

/// Shrunk mean ln-loss differences per group: (mean_g - mean) * n_g / (n_g + k).
template <class Key, class KeyOf>
std::map<Key, double> log_shifts(const std::vector<Incident>& incidents, int from, int to, KeyOf key_of) {
  double sum = 0;
  std::size_t n = 0;
  std::map<Key, std::pair<double, std::size_t>> by;
  for (const auto& inc : incidents) {
    if (inc.year < from || inc.year > to || !inc.loss_usd) continue;
    const double l = std::log(*inc.loss_usd);
    sum += l;
    ++n;
    auto& [s, k] = by[key_of(inc)];
    s += l;
    ++k;
  }
  std::map<Key, double> out;
  if (n == 0) return out;
  const double mean = sum / double(n);
  for (const auto& [key, sk] : by) {
    const double k = double(sk.second);
    out[key] = (sk.first / k - mean) * k / (k + kCredibility);
  }
  return out;
}

}  // namespace

// ---- enums ----

std::string_view to_string(SignalSeverity s) {
  switch (s) {
    case SignalSeverity::kInfo: return "info";
    case SignalSeverity::kLow: return "low";
    case SignalSeverity::kMedium: return "medium";
    case SignalSeverity::kHigh: return "high";
    case SignalSeverity::kIncident: return "incident";
  }
  return "info";
}
Result<SignalSeverity> parse_signal_severity(std::string_view s) {
  for (auto v : {SignalSeverity::kInfo, SignalSeverity::kLow, SignalSeverity::kMedium, SignalSeverity::kHigh,
                 SignalSeverity::kIncident})
    if (s == to_string(v)) return v;
  return fail(ErrorCode::kInvalidArgument,
              "unknown signal severity '" + std::string(s) + "': use info, low, medium, high or incident");
}
double signal_multiplier(SignalSeverity s) {
  switch (s) {
    case SignalSeverity::kInfo: return 1.0;
    case SignalSeverity::kLow: return 1.1;
    case SignalSeverity::kMedium: return 1.5;
    case SignalSeverity::kHigh: return 2.5;
    case SignalSeverity::kIncident: return 1.0;  // suspends sales instead
  }
  return 1.0;
}

std::string_view to_string(OracleDesign o) {
  switch (o) {
    case OracleDesign::kNone: return "none";
    case OracleDesign::kChainlink: return "chainlink";
    case OracleDesign::kTwap: return "twap";
    case OracleDesign::kSpot: return "spot";
  }
  return "twap";
}
std::string_view to_string(Upgradeability u) {
  switch (u) {
    case Upgradeability::kImmutable: return "immutable";
    case Upgradeability::kTimelockMultisig: return "timelock";
    case Upgradeability::kMultisig: return "multisig";
    case Upgradeability::kAdminKey: return "admin_key";
  }
  return "timelock";
}
std::string_view to_string(DependencyKind k) {
  switch (k) {
    case DependencyKind::kOracle: return "oracle";
    case DependencyKind::kBridge: return "bridge";
    case DependencyKind::kFork: return "fork";
  }
  return "oracle";
}
Result<OracleDesign> parse_oracle_design(std::string_view s) {
  for (auto v : {OracleDesign::kNone, OracleDesign::kChainlink, OracleDesign::kTwap, OracleDesign::kSpot})
    if (s == to_string(v)) return v;
  return fail(ErrorCode::kInvalidArgument,
              "unknown oracle design '" + std::string(s) + "': use none, chainlink, twap or spot");
}
Result<Upgradeability> parse_upgradeability(std::string_view s) {
  for (auto v : {Upgradeability::kImmutable, Upgradeability::kTimelockMultisig, Upgradeability::kMultisig,
                 Upgradeability::kAdminKey})
    if (s == to_string(v)) return v;
  return fail(ErrorCode::kInvalidArgument, "unknown upgradeability '" + std::string(s) +
                                               "': use immutable, timelock, multisig or admin_key");
}
Result<DependencyKind> parse_dependency_kind(std::string_view s) {
  for (auto v : {DependencyKind::kOracle, DependencyKind::kBridge, DependencyKind::kFork})
    if (s == to_string(v)) return v;
  return fail(ErrorCode::kInvalidArgument,
              "unknown dependency kind '" + std::string(s) + "': use oracle, bridge or fork");
}

double SharedDependency::rate() const {
  switch (kind) {
    case DependencyKind::kOracle: return 0.005;
    case DependencyKind::kBridge: return 0.02;
    case DependencyKind::kFork: return 0.01;
  }
  return 0.01;
}
std::string SharedDependency::key() const {
  return std::string(to_string(kind)) + ":" + name;
}
Result<SharedDependency> parse_dependency(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon + 1 >= s.size())
    return fail(ErrorCode::kInvalidArgument,
                "dependency '" + std::string(s) + "' is not kind:name (e.g. oracle:chainlink-eth-usd)");
  BULWARK_TRY(kind, parse_dependency_kind(s.substr(0, colon)));
  return SharedDependency{kind, std::string(s.substr(colon + 1))};
}

// ---- factors as JSON ----

std::string factors_to_json(const RiskFactors& f) {
  json deps = json::array();
  for (const auto& d : f.dependencies) deps.push_back(d.key());
  return json{{"tvl_usd", f.tvl_usd},
              {"age_days", f.age_days},
              {"audits", f.audits},
              {"bug_bounty_usd", f.bug_bounty_usd},
              {"past_incidents", f.past_incidents},
              {"upgradeability", to_string(f.upgradeability)},
              {"oracle", to_string(f.oracle)},
              {"dependencies", deps},
              {"chain", f.chain}}
      .dump();
}

Result<RiskFactors> factors_from_json(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return fail(ErrorCode::kInvalidArgument, "risk factors are not a JSON object");
  RiskFactors f;
  auto number = [&](const char* key, double& out) -> Status {
    if (!j.contains(key)) return {};
    if (!j[key].is_number())
      return fail(ErrorCode::kInvalidArgument, std::string("risk factor '") + key + "' is not a number");
    out = j[key].get<double>();
    return {};
  };
  auto integer = [&](const char* key, int& out) -> Status {
    if (!j.contains(key)) return {};
    if (!j[key].is_number_integer())
      return fail(ErrorCode::kInvalidArgument, std::string("risk factor '") + key + "' is not an integer");
    out = j[key].get<int>();
    return {};
  };
  auto text_of = [&](const char* key) -> Result<std::optional<std::string>> {
    if (!j.contains(key)) return std::optional<std::string>{};
    if (!j[key].is_string())
      return fail(ErrorCode::kInvalidArgument, std::string("risk factor '") + key + "' is not a string");
    return std::optional<std::string>{j[key].get<std::string>()};
  };
  BULWARK_CHECK(number("tvl_usd", f.tvl_usd));
  BULWARK_CHECK(number("age_days", f.age_days));
  BULWARK_CHECK(integer("audits", f.audits));
  BULWARK_CHECK(number("bug_bounty_usd", f.bug_bounty_usd));
  BULWARK_CHECK(integer("past_incidents", f.past_incidents));
  BULWARK_TRY(up, text_of("upgradeability"));
  if (up) {
    BULWARK_TRY(u, parse_upgradeability(*up));
    f.upgradeability = u;
  }
  BULWARK_TRY(oracle, text_of("oracle"));
  if (oracle) {
    BULWARK_TRY(o, parse_oracle_design(*oracle));
    f.oracle = o;
  }
  BULWARK_TRY(chain, text_of("chain"));
  if (chain) f.chain = *chain;
  if (j.contains("dependencies")) {
    if (!j["dependencies"].is_array())
      return fail(ErrorCode::kInvalidArgument, "risk factor 'dependencies' is not an array");
    for (const auto& d : j["dependencies"]) {
      if (!d.is_string()) return fail(ErrorCode::kInvalidArgument, "a dependency is not a string");
      BULWARK_TRY(dep, parse_dependency(d.get<std::string>()));
      f.dependencies.push_back(dep);
    }
  }
  BULWARK_CHECK(validate(f));
  return f;
}

Status validate(const RiskFactors& f) {
  if (!(f.tvl_usd > 0 && std::isfinite(f.tvl_usd)))
    return fail(ErrorCode::kInvalidArgument, "TVL must be a positive number of USD");
  if (!(f.age_days >= 0 && std::isfinite(f.age_days)))
    return fail(ErrorCode::kInvalidArgument, "age must be zero or more days");
  if (f.audits < 0) return fail(ErrorCode::kInvalidArgument, "audits must be zero or more");
  if (f.past_incidents < 0) return fail(ErrorCode::kInvalidArgument, "past incidents must be zero or more");
  if (!(f.bug_bounty_usd >= 0 && std::isfinite(f.bug_bounty_usd)))
    return fail(ErrorCode::kInvalidArgument, "bug bounty must be zero or more USD");
  if (f.chain.empty()) return fail(ErrorCode::kInvalidArgument, "chain must not be empty");
  std::set<std::string> keys;
  for (const auto& d : f.dependencies) {
    if (d.name.empty()) return fail(ErrorCode::kInvalidArgument, "a dependency needs a name");
    if (!keys.insert(d.key()).second)
      return fail(ErrorCode::kInvalidArgument, "dependency " + d.key() + " is listed twice");
  }
  return {};
}

// ---- calibration ----

std::string chain_group(std::string_view chain) {
  const std::string c = lower(chain);
  if (c == "ethereum" || c == "eth" || c == "mainnet" || c == "1") return "Ethereum";
  if (c == "bsc" || c == "bnb chain" || c == "bnb" || c == "bnb smart chain" || c == "56") return "BSC";
  if (c == "arbitrum" || c == "arbitrum one" || c == "42161") return "Arbitrum";
  if (c == "base" || c == "8453") return "Base";
  if (c == "polygon" || c == "matic" || c == "137") return "Polygon";
  return "other";
}

Result<PoissonFit> fit_poisson(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
  if (x.size() != y.size() || x.empty())
    return fail(ErrorCode::kInvalidArgument, "a Poisson regression needs one row of covariates per count");
  const std::size_t k = x.front().size();
  for (const auto& row : x)
    if (row.size() != k) return fail(ErrorCode::kInvalidArgument, "covariate rows differ in length");
  double total = 0;
  for (double v : y) {
    if (!(v >= 0)) return fail(ErrorCode::kInvalidArgument, "counts must not be negative");
    total += v;
  }
  if (total <= 0) return fail(ErrorCode::kInvalidArgument, "all counts are zero");
  PoissonFit fit;
  fit.coef.assign(k, 0.0);
  auto means = [&](const std::vector<double>& beta) {
    std::vector<double> mu(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) {
      double eta = 0;
      for (std::size_t j = 0; j < k; ++j) eta += x[i][j] * beta[j];
      mu[i] = std::exp(std::clamp(eta, -700.0, 700.0));
    }
    return mu;
  };
  // From all coefficients zero (every mean 1): the log-likelihood is concave, and Newton steps are
  // halved until it does not fall.
  std::vector<double> mu = means(fit.coef);
  double ll = poisson_log_likelihood(y, mu);
  std::vector<std::vector<double>> info;
  for (fit.iterations = 1; fit.iterations <= 200; ++fit.iterations) {
    std::vector<double> grad(k, 0.0);
    info.assign(k, std::vector<double>(k, 0.0));
    for (std::size_t i = 0; i < y.size(); ++i)
      for (std::size_t a = 0; a < k; ++a) {
        if (x[i][a] == 0) continue;
        grad[a] += x[i][a] * (y[i] - mu[i]);
        for (std::size_t b = 0; b < k; ++b) info[a][b] += x[i][a] * mu[i] * x[i][b];
      }
    std::vector<double> step = grad;
    if (!solve(info, step))
      return fail(ErrorCode::kFailedPrecondition, "the Poisson regression's information matrix is singular");
    // Newton step, halved until the likelihood does not fall.
    double scale = 1;
    std::vector<double> next(k);
    double next_ll = 0;
    for (int halvings = 0; halvings < 40; ++halvings, scale /= 2) {
      for (std::size_t j = 0; j < k; ++j) next[j] = fit.coef[j] + scale * step[j];
      mu = means(next);
      next_ll = poisson_log_likelihood(y, mu);
      if (next_ll >= ll - 1e-12 * std::abs(ll)) break;
    }
    double largest = 0;
    for (std::size_t j = 0; j < k; ++j) largest = std::max(largest, std::abs(next[j] - fit.coef[j]));
    fit.coef = next;
    ll = next_ll;
    if (largest < 1e-10) break;
  }
  if (fit.iterations > 200)
    return fail(ErrorCode::kFailedPrecondition, "the Poisson regression did not converge");
  fit.log_likelihood = ll;
  // Standard errors: the diagonal of the inverse information at the optimum.
  fit.stderr_.assign(k, 0.0);
  for (std::size_t j = 0; j < k; ++j) {
    std::vector<double> e(k, 0.0);
    e[j] = 1;
    if (solve(info, e)) fit.stderr_[j] = std::sqrt(std::max(0.0, e[j]));
  }
  return fit;
}

Result<IncidentRegression> fit_incident_regression(const std::vector<Incident>& incidents, int train_from,
                                                   int train_to, int test_from, int test_to) {
  if (train_from > train_to || test_from > test_to || test_from <= train_to)
    return fail(ErrorCode::kInvalidArgument, "the held-out years must follow the training years");
  const Table table(incidents, train_from, test_to);
  IncidentRegression r{train_from, train_to, test_from, test_to};
  BULWARK_TRY(all, fit_main_effects(table, train_from, test_to));
  BULWARK_TRY(train, fit_main_effects(table, train_from, train_to));
  r.iterations = all.iterations;
  for (std::size_t c = 0; c < Table::kClasses; ++c) {
    r.class_share[kAttackClasses[c]] = all.class_share[c];
    r.class_effect_stderr[kAttackClasses[c]] = all.class_stderr[c];
  }
  for (std::size_t g = 0; g < Table::kGroups; ++g)
    r.chain_rate_ratio[std::string(kChainGroups[g])] = all.group_share[g] / all.group_share[0];
  // Held out: each year's level from its own total; cells from the training shares (a small floor
  // keeps levels unseen in training from zeroing a cell's mean).
  std::vector<double> y, model, null_model;
  const double cells = double(Table::kClasses * Table::kGroups);
  for (int year = test_from; year <= test_to; ++year) {
    double total = 0;
    for (std::size_t c = 0; c < Table::kClasses; ++c)
      for (std::size_t g = 0; g < Table::kGroups; ++g) total += table.n[table.index(year, c, g)];
    for (std::size_t c = 0; c < Table::kClasses; ++c)
      for (std::size_t g = 0; g < Table::kGroups; ++g) {
        y.push_back(table.n[table.index(year, c, g)]);
        const double p = std::max(train.class_share[c] * train.group_share[g], 1e-4);
        model.push_back(std::max(total, 1e-9) * p);
        null_model.push_back(std::max(total, 1e-9) / cells);
      }
  }
  r.cells = y.size();
  r.heldout_deviance = poisson_deviance(y, model);
  r.heldout_null_deviance = poisson_deviance(y, null_model);
  r.heldout_log_likelihood_gain = poisson_log_likelihood(y, model) - poisson_log_likelihood(y, null_model);
  return r;
}

Result<Calibration> calibrate(const std::vector<Incident>& incidents, int from, int to,
                              double tail_threshold_usd) {
  if (to - from < 2) return fail(ErrorCode::kInvalidArgument, "calibration needs at least three years");
  Calibration c;
  std::vector<double> losses;
  for (const auto& inc : incidents)
    if (inc.year >= from && inc.year <= to && inc.loss_usd) losses.push_back(*inc.loss_usd);
  BULWARK_TRY(sev, fit_severity(losses, tail_threshold_usd));
  c.severity = sev;
  BULWARK_TRY(freq, fit_frequency(incidents, from, to));
  c.incidents_per_year = freq.per_year;
  BULWARK_TRY(reg, fit_incident_regression(incidents, from, to - 2, to - 1, to));
  c.class_share = reg.class_share;
  c.class_log_shift =
      log_shifts<AttackClass>(incidents, from, to, [](const Incident& i) { return i.attack; });
  c.chain_log_shift =
      log_shifts<std::string>(incidents, from, to, [](const Incident& i) { return chain_group(i.chain); });
  return c;
}

const Calibration& default_calibration() {
  // `bulwark risk calibrate --incidents ../shared/data/incidents/defi-incidents.json --json`
  // (2021-2025, threshold $1M) prints these; score_test re-fits them from the file.
  static const Calibration c = [] {
    Calibration k;
    k.severity.mu = 12.283885495030253;
    k.severity.sigma = 2.8473401085465215;
    k.severity.threshold = 1e6;
    k.severity.tail_alpha = 0.48846932865915987;
    k.severity.alpha_stderr = 0.037686226882921219;
    k.severity.tail_share = 0.28000000000000003;
    k.severity.losses = 600;
    k.severity.tail_losses = 168;
    k.incidents_per_year = 148.6;
    k.class_share = {{AttackClass::kLogic, 0.48855989232839842},
                     {AttackClass::kPriceManipulation, 0.23956931359353975},
                     {AttackClass::kAccessControl, 0.18034993270524902},
                     {AttackClass::kReentrancy, 0.075370121130551804},
                     {AttackClass::kGovernance, 0.0026917900403768515},
                     {AttackClass::kBridge, 0.0080753701211305502},
                     {AttackClass::kOther, 0.0053835800807536987}};
    k.class_log_shift = {{AttackClass::kLogic, -0.23964605975126291},
                         {AttackClass::kPriceManipulation, -0.20570905864368705},
                         {AttackClass::kAccessControl, -0.082555606180478386},
                         {AttackClass::kReentrancy, 1.2338041521836389},
                         {AttackClass::kGovernance, 0.00025647493618017529},
                         {AttackClass::kBridge, 1.1659712583814998},
                         {AttackClass::kOther, 0.32028337160729031}};
    k.chain_log_shift = {{"Arbitrum", 0.51431258834254712}, {"BSC", -1.0150742627527818},
                         {"Base", -0.29579299143199922},    {"Ethereum", 0.68129726846412553},
                         {"Polygon", 0.11865759400737896},  {"other", 0.9763452093652939}};
    return k;
  }();
  return c;
}

// ---- scores ----

double expected_loss_share(const SeverityModel& m, double scale, double tvl) {
  if (!(scale > 0) || !(tvl > 0)) return 0;
  const double c = tvl / scale;  // the protocol loss that takes the whole TVL
  const double u = m.threshold, a = m.tail_alpha, ts = m.tail_share;
  // Body: E[min(X, c)] over the lognormal restricted to (0, u], by the midpoint rule on its quantiles.
  constexpr int kPoints = 512;
  double body = 0;
  for (int i = 0; i < kPoints; ++i) {
    const double p = (double(i) + 0.5) / kPoints;
    body += std::min(m.quantile(p * (1 - ts)), c);
  }
  body /= kPoints;
  // Tail: X = u * V^(-1/alpha); E[min(X, c)] = u + integral_u^c (x/u)^-alpha dx.
  double tail = c;
  if (c > u) {
    if (std::abs(a - 1) < 1e-12)
      tail = u + u * std::log(c / u);
    else
      tail = u + std::pow(u, a) * (std::pow(c, 1 - a) - std::pow(u, 1 - a)) / (1 - a);
    tail = std::min(tail, c);
  }
  return std::clamp(((1 - ts) * body + ts * tail) / c, 0.0, 1.0);
}

double expected_excess_share(const SeverityModel& m, double scale, double tvl, double deductible) {
  if (!(deductible > 0)) return expected_loss_share(m, scale, tvl);
  if (deductible >= 1) return 0;
  return std::max(
      0.0, expected_loss_share(m, scale, tvl) - deductible * expected_loss_share(m, scale, tvl * deductible));
}

Result<RiskScore> score(const RiskFactors& f, std::span<const LiveSignal> signals, const Calibration& cal) {
  BULWARK_CHECK(validate(f));
  RiskScore s;
  s.tvl_usd = f.tvl_usd;
  auto add = [&](std::string name, std::string value, std::string applies, double m, bool fitted) {
    s.factors.push_back(Factor{std::move(name), std::move(value), std::move(applies), m, fitted});
  };
  const double base = cal.base_rate();
  add("base rate",
      fmt::format("{:.1f} incidents a year / {:.0f} protocols", cal.incidents_per_year,
                  cal.protocol_population),
      "frequency (exploits a year)", base, true);

  // Attack-class multipliers.
  std::map<AttackClass, double> class_mult;
  for (auto c : kAttackClasses) class_mult[c] = 1.0;
  const double audits = audits_multiplier(f.audits);
  class_mult[AttackClass::kLogic] *= audits;
  class_mult[AttackClass::kReentrancy] *= audits;
  const double oracle = oracle_multiplier(f.oracle);
  class_mult[AttackClass::kPriceManipulation] *= oracle;
  const double upgrade = upgradeability_multiplier(f.upgradeability);
  class_mult[AttackClass::kAccessControl] *= upgrade;
  class_mult[AttackClass::kGovernance] *= upgrade;
  auto share = [&](AttackClass c) {
    auto it = cal.class_share.find(c);
    return it == cal.class_share.end() ? 0.0 : it->second;
  };
  add("audits", std::to_string(f.audits),
      "frequency: logic, reentrancy (" +
          percent(share(AttackClass::kLogic) + share(AttackClass::kReentrancy)) + " of incidents)",
      audits, false);
  add("oracle", std::string(to_string(f.oracle)),
      "frequency: price_manipulation (" + percent(share(AttackClass::kPriceManipulation)) + " of incidents)",
      oracle, false);
  add("upgradeability", std::string(to_string(f.upgradeability)),
      "frequency: access_control, governance (" +
          percent(share(AttackClass::kAccessControl) + share(AttackClass::kGovernance)) + " of incidents)",
      upgrade, false);
  double class_level = 0;
  for (auto c : kAttackClasses) class_level += share(c) * class_mult[c];
  std::string mix;
  for (auto c : kAttackClasses)
    if (share(c) > 0) mix += (mix.empty() ? "" : ", ") + std::string(to_string(c)) + " " + percent(share(c));
  add("attack-class mix", mix, "frequency: the class multipliers above, weighted by class share", class_level,
      true);

  // Multipliers on every class.
  const double tvl =
      std::clamp(std::pow(f.tvl_usd / cal.tvl_reference_usd, cal.tvl_frequency_elasticity), 0.5, 2.5);
  const double age = age_multiplier(f.age_days);
  const double bounty = bounty_multiplier(f.bug_bounty_usd);
  const double history = incidents_multiplier(f.past_incidents);
  add("TVL", fmt::format("${:.3g}", f.tvl_usd), "frequency", tvl, false);
  add("age", fmt::format("{:.0f} days", f.age_days), "frequency", age, false);
  add("bug bounty", fmt::format("${:.3g}", f.bug_bounty_usd), "frequency", bounty, false);
  add("past incidents", std::to_string(f.past_incidents), "frequency", history, false);
  double live = 1;
  for (const auto& sig : signals) {
    if (sig.severity == SignalSeverity::kIncident) {
      s.suspended = true;
      if (s.suspension.empty())
        s.suspension = "incident-grade finding '" + sig.kind + "' at unix time " + std::to_string(sig.time);
      continue;
    }
    live *= signal_multiplier(sig.severity);
  }
  live = std::min(live, kMaxSignalMultiplier);
  if (!signals.empty())
    add("live signals",
        std::to_string(signals.size()) + " open finding(s)" + (s.suspended ? ", sales suspended" : ""),
        "frequency", live, false);

  const double overall = tvl * age * bounty * history * live;
  s.own_frequency = base * overall * class_level;
  for (auto c : kAttackClasses) s.class_frequency[c] = base * overall * share(c) * class_mult[c];

  // Shared dependencies: failures of their own, hitting every product that relies on them.
  for (const auto& d : f.dependencies) {
    s.dependency_frequency += d.rate();
    add("dependency", d.key(), "frequency (shared shocks)", d.rate(), false);
  }
  s.frequency = s.own_frequency + s.dependency_frequency;

  // Severity: class mix, chain, TVL.
  double class_shift = 0;
  if (class_level > 0)
    for (auto c : kAttackClasses) {
      auto it = cal.class_log_shift.find(c);
      if (it != cal.class_log_shift.end()) class_shift += share(c) * class_mult[c] / class_level * it->second;
    }
  const std::string group = chain_group(f.chain);
  const auto chain_it = cal.chain_log_shift.find(group);
  const double chain_shift = chain_it == cal.chain_log_shift.end() ? 0.0 : chain_it->second;
  const double tvl_shift = cal.tvl_severity_elasticity * std::log(f.tvl_usd / cal.tvl_reference_usd);
  add("attack-class severity", "class mix", "severity (loss scale)", std::exp(class_shift), true);
  add("chain severity", f.chain + " (" + group + ")", "severity (loss scale)", std::exp(chain_shift), true);
  add("TVL severity", fmt::format("${:.3g}", f.tvl_usd), "severity (loss scale)", std::exp(tvl_shift), false);
  s.severity_scale = std::exp(class_shift + chain_shift + tvl_shift);
  s.loss_given_exploit = expected_loss_share(cal.severity, s.severity_scale, f.tvl_usd);
  s.expected_loss_rate = s.frequency * s.loss_given_exploit;
  return s;
}

}  // namespace bulwark::risk
