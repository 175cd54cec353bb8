// The capital model against cases with closed forms, and its properties.

#include "bulwark/risk/capital_model.hpp"
#include "bulwark/core/strings.hpp"
#include "bulwark/risk/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bulwark::risk {
namespace {

SeverityModel severity() {
  SeverityModel s;
  s.mu = 12;
  s.sigma = 2.9;
  s.threshold = 1e6;
  s.tail_alpha = 0.6;
  s.tail_share = 0.3;
  return s;
}

/// A product whose every event pays its whole exposure (tvl so small that any loss wipes it out).
ProductExposure total_loss_product(double exposure, double frequency) {
  return ProductExposure{"p", exposure, 1e-9, frequency, 0, {}};
}

TEST(CapitalModel, IndependentProductsMatchTheClosedFormMeanAndVariance) {
  // With every event a total loss and one payout a year at most, a product's annual loss is
  // exposure * Bernoulli(1 - exp(-frequency)); independent products add means and variances.
  Book book;
  book.severity = severity();
  const double exposures[] = {100, 250, 40, 1'000};
  const double rates[] = {0.05, 0.2, 0.5, 0.01};
  double mean = 0, variance = 0;
  for (int i = 0; i < 4; ++i) {
    book.products.push_back(total_loss_product(exposures[i], rates[i]));
    const double q = 1 - std::exp(-rates[i]);
    mean += exposures[i] * q;
    variance += exposures[i] * exposures[i] * q * (1 - q);
  }
  auto losses = simulate_losses(book, {.years = 400'000, .seed = 3});
  ASSERT_TRUE(losses);
  const double n = double(losses->size());
  const double m = std::accumulate(losses->begin(), losses->end(), 0.0) / n;
  double v = 0;
  for (double l : *losses) v += (l - m) * (l - m);
  v /= n - 1;
  EXPECT_NEAR(m, mean, 4 * std::sqrt(variance / n));
  EXPECT_NEAR(v, variance, 0.03 * variance);
}

TEST(CapitalModel, AFullyCorrelatedBookLosesEverythingTogether) {
  // Products with no risk of their own, all relying on one oracle that fails 2% of years.
  Book book;
  book.severity = severity();
  book.dependencies.push_back({"oracle", 0.02});
  for (double e : {100.0, 200.0, 300.0}) {
    auto p = total_loss_product(e, 0);
    p.dependencies = {0};
    book.products.push_back(p);
  }
  book.capital = 500;
  auto r = simulate(book, {.years = 200'000, .seed = 9});
  ASSERT_TRUE(r) << r.error().message;
  const double q = 1 - std::exp(-0.02);
  EXPECT_NEAR(r->ruin_probability, q, 4 * std::sqrt(q * (1 - q) / 200'000));
  EXPECT_DOUBLE_EQ(r->var, 600);  // 2% of years > 0.5%: the 99.5% loss is the whole book
  EXPECT_DOUBLE_EQ(r->tvar, 600);
  EXPECT_NEAR(r->solvency_ratio, 500.0 / 600.0, 1e-12);
  // Each product's marginal capital is its whole exposure, and they add up to the TVaR.
  EXPECT_NEAR(r->marginal_capital[2], 300, 1e-9);
  EXPECT_NEAR(std::accumulate(r->marginal_capital.begin(), r->marginal_capital.end(), 0.0), r->tvar, 1e-6);

  // The same products failing independently at the same rate need less capital.
  Book independent = book;
  independent.dependencies.clear();
  for (auto& p : independent.products) {
    p.dependencies.clear();
    p.frequency = 0.02;
  }
  auto ri = simulate(independent, {.years = 200'000, .seed = 9});
  ASSERT_TRUE(ri);
  EXPECT_LT(ri->var, r->var);
}

TEST(CapitalModel, DeterministicForASeedWhateverTheThreads) {
  Book book;
  book.severity = severity();
  book.dependencies.push_back({"bridge", 0.01});
  for (int i = 0; i < 50; ++i)
    book.products.push_back(
        ProductExposure{concat("p", std::to_string(i)), 1e6 * (1 + i % 7), 5e7, 0.05 + 0.01 * (i % 5), 0.1,
                        i % 3 == 0 ? std::vector<std::size_t>{0} : std::vector<std::size_t>{}});
  book.capital = 5e6;
  auto one = simulate(book, {.years = 40'000, .seed = 42, .threads = 1});
  auto two = simulate(book, {.years = 40'000, .seed = 42, .threads = 2});
  auto other = simulate(book, {.years = 40'000, .seed = 43, .threads = 2});
  ASSERT_TRUE(one && two && other);
  EXPECT_EQ(one->var, two->var);
  EXPECT_EQ(one->mean, two->mean);
  EXPECT_EQ(one->marginal_capital, two->marginal_capital);
  EXPECT_NE(one->mean, other->mean);
  EXPECT_LE(one->var_low, one->var);
  EXPECT_GE(one->var_high, one->var);
  EXPECT_GE(one->tvar, one->var);
  EXPECT_NEAR(std::accumulate(one->marginal_capital.begin(), one->marginal_capital.end(), 0.0), one->tvar,
              1e-6 * one->tvar);
  ASSERT_EQ(one->convergence.size(), 4u);
  EXPECT_EQ(one->convergence.back().first, 40'000u);

  // Monotone: more capital, better solvency; more cover, more capital needed.
  Book richer = book;
  richer.capital *= 2;
  auto rich = simulate(richer, {.years = 40'000, .seed = 42});
  ASSERT_TRUE(rich);
  EXPECT_GT(rich->solvency_ratio, one->solvency_ratio);
  EXPECT_LE(rich->ruin_probability, one->ruin_probability);
  Book bigger = book;
  for (auto& p : bigger.products) p.exposure *= 1.5;
  auto big = simulate(bigger, {.years = 40'000, .seed = 42});
  ASSERT_TRUE(big);
  EXPECT_GT(big->scr, one->scr);
}

TEST(CapitalModel, SeveritySamplerFollowsTheModel) {
  // The empirical CDF of the sampler's draws at the model's own quantiles must be p, within four
  // binomial standard errors, across the body, the splice point and the tail.
  const SeverityModel model = severity();
  const SeveritySampler sampler(model);
  RandomStream rng(11, 0);
  constexpr std::size_t kDraws = 400'000;
  std::vector<double> draws(kDraws);
  for (auto& d : draws) d = sampler.draw(rng.next());
  std::sort(draws.begin(), draws.end());
  for (double p : {0.01, 0.1, 0.3, 0.5, 0.69, 0.7, 0.71, 0.9, 0.99, 0.999}) {
    const double q = model.quantile(p);
    const double below =
        double(std::lower_bound(draws.begin(), draws.end(), q) - draws.begin()) / double(kDraws);
    EXPECT_NEAR(below, p, 4 * std::sqrt(p * (1 - p) / double(kDraws)) + 1e-4) << "p = " << p;
  }
}

TEST(CapitalModel, SeveritySamplerInvertsTheModelAtItsKnots) {
  // The word for probability p is p * 2^64; at the tables' knots, and beyond them in the steep end
  // of the tail, the sampler must return the model's own quantile.
  const SeverityModel model = severity();
  const SeveritySampler sampler(model);
  auto word = [](double p) { return std::uint64_t(p * 0x1p64); };
  const double body = 1 - model.tail_share, steps = double(SeveritySampler::kPoints - 1);
  for (std::size_t i = 1; i + 1 < SeveritySampler::kPoints; ++i) {
    const double p = double(i) / steps * body;
    EXPECT_NEAR(sampler.draw(word(p)) / model.quantile(p), 1, 1e-9) << "body knot " << i;
  }
  const double start = SeveritySampler::kTailTableStart;
  for (std::size_t i = 0; i < SeveritySampler::kPoints; i += 8) {
    const double p = 1 - model.tail_share * (start + double(i) * (1 - start) / steps);
    EXPECT_NEAR(sampler.draw(word(p)) / model.quantile(p), 1, 1e-9) << "tail knot " << i;
  }
  for (double u : {1e-2, 1e-4, 1e-8})
    EXPECT_NEAR(sampler.draw(word(1 - model.tail_share * u)) / model.quantile(1 - model.tail_share * u), 1,
                1e-9)
        << "steep end, u = " << u;
}

TEST(CapitalModel, RejectsInvalidBooks) {
  Book book;
  book.severity = severity();
  book.products.push_back(total_loss_product(-1, 0.1));
  EXPECT_FALSE(simulate(book, {}));
  book.products[0].exposure = 1;
  book.products[0].dependencies = {3};
  EXPECT_FALSE(simulate(book, {}));
  book.products[0].dependencies.clear();
  EXPECT_FALSE(simulate(book, {.years = 0}));
  EXPECT_FALSE(simulate(book, {.level = 1.0}));
  EXPECT_TRUE(simulate(book, {.years = 100}));
}

}  // namespace
}  // namespace bulwark::risk
