// Severity and frequency fits: recovering known parameters from samples, and calibrating on the
// real incident record (../shared/data/incidents/defi-incidents.json).

#include "bulwark/risk/severity.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

namespace bulwark::risk {
namespace {

TEST(Severity, RecoversLognormalBodyAndParetoTailFromSamples) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> body(12.0, 2.5);
  std::vector<double> losses;
  for (int i = 0; i < 20'000; ++i) losses.push_back(body(rng));
  auto m = fit_severity(losses, 1e6);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_NEAR(m->mu, 12.0, 0.05);
  EXPECT_NEAR(m->sigma, 2.5, 0.05);

  // A pure Pareto sample above u: the Hill estimator finds its index.
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> tail;
  for (int i = 0; i < 10'000; ++i) tail.push_back(1e6 * std::pow(1.0 - uniform(rng), -1.0 / 0.7));
  for (int i = 0; i < 100; ++i) tail.push_back(1e3);  // a few body losses, below u
  auto t = fit_severity(tail, 1e6);
  ASSERT_TRUE(t);
  EXPECT_NEAR(t->tail_alpha, 0.7, 3 * t->alpha_stderr);
  EXPECT_NEAR(t->tail_share, 10'000.0 / 10'100.0, 1e-12);
}

TEST(Severity, QuantilesAreMonotoneAndSpliceAtTheThreshold) {
  SeverityModel m;
  m.mu = 12;
  m.sigma = 2.9;
  m.threshold = 1e6;
  m.tail_alpha = 0.6;
  m.tail_share = 0.3;
  double previous = 0;
  for (double p = 0.01; p < 1.0; p += 0.01) {
    const double q = m.quantile(p);
    EXPECT_GE(q, previous) << p;
    previous = q;
  }
  EXPECT_NEAR(m.quantile(0.7), 1e6, 1.0);                             // 1 - tail_share: the threshold
  EXPECT_NEAR(m.quantile(0.97), 1e6 * std::pow(0.1, -1 / 0.6), 1.0);  // (0.03/0.3)^(-1/alpha) * u
}

TEST(Severity, RejectsTooLittleData) {
  EXPECT_FALSE(fit_severity({1, 2, 3}, 1e6));
  EXPECT_FALSE(fit_severity(std::vector<double>(50, 10.0), 1e6));  // nothing in the tail
  EXPECT_FALSE(fit_severity(std::vector<double>(50, 10.0), 0));
}

TEST(Incidents, LabelsAreNormalised) {
  EXPECT_EQ(classify_attack("Reentrancy Attack"), AttackClass::kReentrancy);
  EXPECT_EQ(classify_attack("Flash Loan Attack"), AttackClass::kPriceManipulation);
  EXPECT_EQ(classify_attack("Price Oracle Manipulation"), AttackClass::kPriceManipulation);
  EXPECT_EQ(classify_attack("Compromised Private Key"), AttackClass::kAccessControl);
  EXPECT_EQ(classify_attack("Business Logic Flaw"), AttackClass::kLogic);
  EXPECT_EQ(classify_attack("Governance Attack"), AttackClass::kGovernance);
  EXPECT_EQ(classify_attack("Unknown"), AttackClass::kOther);
  EXPECT_FALSE(parse_incidents("{}"));
  EXPECT_FALSE(parse_incidents(R"([{"date":"2023-01-01","name":"x"}])"));
}

TEST(Incidents, CalibrationOnTheRealRecordMatchesThePublishedStatistics) {
  const std::string path = std::string(BULWARK_SHARED_DATA) + "/incidents/defi-incidents.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  auto incidents = parse_incidents(text.str());
  ASSERT_TRUE(incidents) << incidents.error().message;
  ASSERT_EQ(incidents->size(), 912u);

  // Losses in USD, 2021-2025 (the years anchors.md's statistics cover).
  std::vector<double> losses;
  for (const auto& inc : *incidents)
    if (inc.year >= 2021 && inc.year <= 2025 && inc.loss_usd) losses.push_back(*inc.loss_usd);
  auto m = fit_severity(losses, 1e6);
  ASSERT_TRUE(m) << m.error().message;
  // anchors.md: lognormal body mu 12.19, sigma 2.89 (ln USD); Pareto index about 0.5-0.75 above $1M.
  EXPECT_NEAR(m->mu, 12.19, 0.3);
  EXPECT_NEAR(m->sigma, 2.89, 0.3);
  EXPECT_GT(m->tail_alpha, 0.4);
  EXPECT_LT(m->tail_alpha, 0.8);
  // anchors.md: median about $200k, 90th percentile about $10M.
  EXPECT_GT(m->quantile(0.5), 50e3);
  EXPECT_LT(m->quantile(0.5), 500e3);
  EXPECT_GT(m->quantile(0.9), 3e6);
  EXPECT_LT(m->quantile(0.9), 30e6);

  auto f = fit_frequency(*incidents, 2022, 2025);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->by_year.at(2023), 228u);
  EXPECT_NEAR(f->per_year, (129 + 228 + 184 + 166) / 4.0, 1e-9);
  // Nearly every label maps to a class.
  EXPECT_LT(f->class_share[AttackClass::kOther], 0.05);
  EXPECT_GT(f->class_share[AttackClass::kLogic], f->class_share[AttackClass::kReentrancy]);
}

}  // namespace
}  // namespace bulwark::risk
