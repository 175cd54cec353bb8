// Risk scores: the Poisson regression against known answers, the calibration on the real incident
// record (the compiled-in one must match a fresh fit), and the scores' properties.

#include "bulwark/risk/score.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

namespace bulwark::risk {
namespace {

std::vector<Incident> real_incidents() {
  std::ifstream in(std::string(BULWARK_SHARED_DATA) + "/incidents/defi-incidents.json");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_incidents(text.str());
  EXPECT_TRUE(parsed) << "the incident record must be readable";
  return parsed ? *parsed : std::vector<Incident>{};
}

TEST(PoissonRegression, RecoversKnownCoefficients) {
  // log mu = 1.0 + 0.5 * x1 - 0.8 * x2 on a grid, with Poisson noise.
  std::mt19937_64 rng(7);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int rep = 0; rep < 400; ++rep)
    for (double x1 : {0.0, 1.0, 2.0})
      for (double x2 : {0.0, 1.0}) {
        std::poisson_distribution<int> draw(std::exp(1.0 + 0.5 * x1 - 0.8 * x2));
        x.push_back({1.0, x1, x2});
        y.push_back(double(draw(rng)));
      }
  auto fit = fit_poisson(x, y);
  ASSERT_TRUE(fit) << fit.error().message;
  EXPECT_NEAR(fit->coef[0], 1.0, 4 * fit->stderr_[0]);
  EXPECT_NEAR(fit->coef[1], 0.5, 4 * fit->stderr_[1]);
  EXPECT_NEAR(fit->coef[2], -0.8, 4 * fit->stderr_[2]);
  EXPECT_LT(fit->stderr_[1], 0.05);
  // The score is zero at the optimum: sum of (y - mu) x = 0, here for the intercept.
  double residual = 0;
  for (std::size_t i = 0; i < y.size(); ++i)
    residual += y[i] - std::exp(fit->coef[0] + fit->coef[1] * x[i][1] + fit->coef[2] * x[i][2]);
  EXPECT_NEAR(residual, 0, 1e-6);

  EXPECT_FALSE(fit_poisson({{1.0}}, {-1.0}));
  EXPECT_FALSE(fit_poisson({{1.0, 1.0}, {1.0, 1.0}}, {1.0, 2.0}));  // collinear columns
}

TEST(Calibration, FitsTheIncidentRecordAndTheCompiledInCalibrationMatches) {
  const auto incidents = real_incidents();
  ASSERT_EQ(incidents.size(), 912u);
  auto c = calibrate(incidents, 2021, 2025);
  ASSERT_TRUE(c) << c.error().message;
  const Calibration& d = default_calibration();
  auto dump = [&] {
    std::printf("fit: mu %.17g sigma %.17g alpha %.17g +- %.17g share %.17g n %zu tail %zu per_year %.17g\n",
                c->severity.mu, c->severity.sigma, c->severity.tail_alpha, c->severity.alpha_stderr,
                c->severity.tail_share, c->severity.losses, c->severity.tail_losses, c->incidents_per_year);
    for (const auto& [k, v] : c->class_share) std::printf("share %s %.17g\n", to_string(k).data(), v);
    for (const auto& [k, v] : c->class_log_shift)
      std::printf("class_shift %s %.17g\n", to_string(k).data(), v);
    for (const auto& [k, v] : c->chain_log_shift) std::printf("chain_shift %s %.17g\n", k.c_str(), v);
  };
  auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); };
  bool same = near(c->severity.mu, d.severity.mu) && near(c->severity.sigma, d.severity.sigma) &&
              near(c->severity.tail_alpha, d.severity.tail_alpha) &&
              near(c->severity.tail_share, d.severity.tail_share) &&
              near(c->incidents_per_year, d.incidents_per_year) &&
              c->class_share.size() == d.class_share.size() &&
              c->class_log_shift.size() == d.class_log_shift.size() &&
              c->chain_log_shift.size() == d.chain_log_shift.size();
  for (const auto& [k, v] : c->class_share)
    same = same && d.class_share.count(k) && near(v, d.class_share.at(k));
  for (const auto& [k, v] : c->class_log_shift)
    same = same && d.class_log_shift.count(k) && near(v, d.class_log_shift.at(k));
  for (const auto& [k, v] : c->chain_log_shift)
    same = same && d.chain_log_shift.count(k) && near(v, d.chain_log_shift.at(k));
  if (!same) dump();
  EXPECT_TRUE(same) << "default_calibration() no longer matches the fit on the incident record";

  // The main-effects Poisson fit reproduces the margins: class shares are the observed shares.
  auto freq = fit_frequency(incidents, 2021, 2025);
  ASSERT_TRUE(freq);
  for (const auto& [k, v] : freq->class_share) EXPECT_NEAR(c->class_share.at(k), v, 1e-6) << to_string(k);
  // Access-control losses run larger than price manipulation's.
  EXPECT_GT(c->class_log_shift.at(AttackClass::kAccessControl),
            c->class_log_shift.at(AttackClass::kPriceManipulation));
}

TEST(Calibration, ClassAndChainStructureBeatsTheNullModelOnHeldOutYears) {
  auto r = fit_incident_regression(real_incidents(), 2021, 2023, 2024, 2025);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->cells, 2u * kAttackClasses.size() * std::size(kChainGroups));
  EXPECT_LT(r->heldout_deviance, r->heldout_null_deviance);
  EXPECT_GT(r->heldout_log_likelihood_gain, 0);
  EXPECT_NEAR(r->chain_rate_ratio.at("Ethereum"), 1.0, 1e-12);
  double total = 0;
  for (const auto& [_, v] : r->class_share) total += v;
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_FALSE(fit_incident_regression(real_incidents(), 2021, 2024, 2024, 2025));
}

TEST(Score, ReferenceProductGetsTheBaseRateAndExplainsItself) {
  auto s = score(RiskFactors{});
  ASSERT_TRUE(s) << s.error().message;
  const Calibration& cal = default_calibration();
  // The default factors are the reference levels: the frequency is the base rate.
  EXPECT_NEAR(s->own_frequency, cal.base_rate(), 1e-12);
  EXPECT_DOUBLE_EQ(s->frequency, s->own_frequency);
  EXPECT_GT(s->loss_given_exploit, 0);
  EXPECT_LT(s->loss_given_exploit, 1);
  EXPECT_NEAR(s->expected_loss_rate, s->frequency * s->loss_given_exploit, 1e-15);
  bool fitted = false, prior = false;
  for (const auto& f : s->factors) {
    EXPECT_FALSE(f.name.empty());
    EXPECT_GT(f.multiplier, 0) << f.name;
    (f.fitted ? fitted : prior) = true;
  }
  EXPECT_TRUE(fitted && prior);
  double by_class = 0;
  for (const auto& [_, v] : s->class_frequency) by_class += v;
  EXPECT_NEAR(by_class, s->own_frequency, 1e-12);
}

TEST(Score, RiskierFactorsScoreHigher) {
  const RiskFactors base;
  auto ref = score(base);
  ASSERT_TRUE(ref);
  auto riskier = [&](auto change) {
    RiskFactors f = base;
    change(f);
    auto s = score(f);
    EXPECT_TRUE(s);
    return s ? s->expected_loss_rate : 0.0;
  };
  const double r = ref->expected_loss_rate;
  EXPECT_GT(riskier([](RiskFactors& f) { f.audits = 0; }), r);
  EXPECT_LT(riskier([](RiskFactors& f) { f.audits = 3; }), r);
  EXPECT_GT(riskier([](RiskFactors& f) { f.oracle = OracleDesign::kSpot; }), r);
  EXPECT_LT(riskier([](RiskFactors& f) { f.oracle = OracleDesign::kChainlink; }), r);
  EXPECT_GT(riskier([](RiskFactors& f) { f.upgradeability = Upgradeability::kAdminKey; }), r);
  EXPECT_LT(riskier([](RiskFactors& f) { f.upgradeability = Upgradeability::kImmutable; }), r);
  EXPECT_GT(riskier([](RiskFactors& f) { f.age_days = 30; }), r);
  EXPECT_GT(riskier([](RiskFactors& f) { f.past_incidents = 2; }), r);
  EXPECT_LT(riskier([](RiskFactors& f) { f.bug_bounty_usd = 2e6; }), r);
  EXPECT_GT(riskier([](RiskFactors& f) {
              f.dependencies.push_back({DependencyKind::kBridge, "wormhole"});
            }),
            r);
  // A live finding raises the price until reviewed; an incident-grade one suspends sales.
  const LiveSignal high{SignalSeverity::kHigh, "oracle_deviation", 1};
  auto flagged = score(base, std::span(&high, 1));
  ASSERT_TRUE(flagged);
  EXPECT_GT(flagged->expected_loss_rate, r);
  EXPECT_FALSE(flagged->suspended);
  const LiveSignal incident{SignalSeverity::kIncident, "exploit", 2};
  auto stopped = score(base, std::span(&incident, 1));
  ASSERT_TRUE(stopped);
  EXPECT_TRUE(stopped->suspended);
  EXPECT_NE(stopped->suspension.find("exploit"), std::string::npos);
}

TEST(Score, FactorsRoundTripThroughJsonAndAreValidated) {
  RiskFactors f;
  f.tvl_usd = 2.5e8;
  f.age_days = 100;
  f.audits = 3;
  f.bug_bounty_usd = 1e6;
  f.past_incidents = 1;
  f.upgradeability = Upgradeability::kAdminKey;
  f.oracle = OracleDesign::kChainlink;
  f.dependencies = {{DependencyKind::kOracle, "chainlink-eth-usd"}, {DependencyKind::kFork, "compound-v2"}};
  f.chain = "Arbitrum";
  auto back = factors_from_json(factors_to_json(f));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, f);
  EXPECT_FALSE(factors_from_json(R"({"tvl_usd": -1})"));
  EXPECT_FALSE(factors_from_json(R"({"oracle": "magic"})"));
  EXPECT_FALSE(factors_from_json(R"({"dependencies": ["nokind"]})"));
  EXPECT_FALSE(factors_from_json("[]"));
  EXPECT_TRUE(factors_from_json("{}"));  // every factor at its default
}

TEST(Score, ExpectedLossShareMatchesMonteCarlo) {
  const SeverityModel& m = default_calibration().severity;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (double tvl : {1e6, 1e8}) {
    const double analytic = expected_loss_share(m, 2.0, tvl);
    double sum = 0;
    constexpr int kDraws = 200'000;
    for (int i = 0; i < kDraws; ++i) sum += std::min(1.0, 2.0 * m.quantile(u(rng)) / tvl);
    EXPECT_NEAR(analytic, sum / kDraws, 0.01 * analytic + 1e-4) << "tvl " << tvl;
  }
  EXPECT_GT(expected_loss_share(m, 1, 1e6), expected_loss_share(m, 1, 1e9));
}

TEST(Score, ExpectedExcessShareMatchesMonteCarloAndFallsWithTheDeductible) {
  const SeverityModel& m = default_calibration().severity;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  constexpr int kDraws = 200'000;
  std::vector<double> shares(kDraws);
  for (auto& s : shares) s = std::min(1.0, 2.0 * m.quantile(u(rng)) / 1e7);
  double last = 1;
  for (double d : {0.0, 0.001, 0.01, 0.05, 0.2, 0.5, 0.9}) {
    double sum = 0;
    for (double s : shares) sum += std::max(0.0, s - d);
    const double analytic = expected_excess_share(m, 2.0, 1e7, d);
    EXPECT_NEAR(analytic, sum / kDraws, 0.02 * analytic + 1e-4) << "deductible " << d;
    EXPECT_LT(analytic, last) << "deductible " << d;
    last = analytic;
  }
  EXPECT_EQ(expected_excess_share(m, 2.0, 1e7, 0), expected_loss_share(m, 2.0, 1e7));
  EXPECT_EQ(expected_excess_share(m, 2.0, 1e7, 1), 0);
}

}  // namespace
}  // namespace bulwark::risk
