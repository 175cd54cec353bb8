#include "bulwark/risk/capital_model.hpp"

#include "bulwark/risk/random.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

namespace bulwark::risk {
namespace {

/// Walker's alias table: picks index i with probability w_i / sum(w) in O(1).
class AliasTable {
 public:
  explicit AliasTable(const std::vector<double>& weights) : prob_(weights.size()), alias_(weights.size()) {
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    const std::size_t n = weights.size();
    if (n == 0 || total <= 0) return;
    std::vector<double> scaled(n);
    std::vector<std::size_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * double(n) / total;
      (scaled[i] < 1 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      const std::size_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] -= 1 - scaled[s];
      if (scaled[l] < 1) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (std::size_t i : large) prob_[i] = 1;
    for (std::size_t i : small) prob_[i] = 1;
  }
  std::size_t pick(RandomStream& rng) const {
    const double u = rng.uniform() * double(prob_.size());
    const std::size_t i = std::min(std::size_t(u), prob_.size() - 1);
    return (u - double(i)) < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<std::size_t> alias_;
};

/// Everything one simulated year needs, prepared once.
struct Prepared {
  const Book& book;
  // Own events: one Poisson count for the whole book, each event given to a product in proportion
  // to its frequency. Dependency shocks: the same, over the dependencies' rates.
  AliasTable own_events, shocks;
  PoissonSampler own_count, shock_count;
  std::vector<std::vector<std::size_t>> dependents;  // dependency -> products relying on it
  SeveritySampler sampler;

  explicit Prepared(const Book& b)
      : book(b),
        own_events(product_rates(b)),
        shocks(dependency_rates(b)),
        own_count(total(product_rates(b))),
        shock_count(total(dependency_rates(b))),
        sampler(b.severity) {
    dependents.resize(b.dependencies.size());
    for (std::size_t i = 0; i < b.products.size(); ++i)
      for (std::size_t d : b.products[i].dependencies) dependents[d].push_back(i);
  }
  static std::vector<double> product_rates(const Book& b) {
    std::vector<double> r;
    for (const auto& p : b.products) r.push_back(p.frequency);
    return r;
  }
  static std::vector<double> dependency_rates(const Book& b) {
    std::vector<double> r;
    for (const auto& d : b.dependencies) r.push_back(d.rate);
    return r;
  }
  static double total(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

  /// One protocol loss from the spliced severity model.
  double severity(RandomStream& rng) const {
    const double pick = rng.uniform();
    return sampler.draw(pick, rng.uniform());
  }

  /// Simulates year `year`; per-product losses are added to `by_product` (touched entries listed in
  /// `touched`), and the year's total is returned.
  double year_loss(std::uint64_t seed, std::uint64_t year, std::vector<double>& by_product,
                   std::vector<std::size_t>& touched, std::uint64_t* draws = nullptr) const {
    RandomStream rng(seed, year);
    auto hit = [&](std::size_t p) {
      const ProductExposure& prod = book.products[p];
      if (by_product[p] == 0) touched.push_back(p);
      const double payout =
          prod.exposure * std::min(1.0, severity(rng) / prod.tvl) * (1 - prod.deductible_share);
      by_product[p] = std::min(prod.exposure, by_product[p] + payout);
    };
    for (std::uint64_t n = own_count.draw(rng); n > 0; --n) hit(own_events.pick(rng));
    for (std::uint64_t n = shock_count.draw(rng); n > 0; --n)
      for (std::size_t p : dependents[shocks.pick(rng)]) hit(p);
    double total = 0;
    for (std::size_t p : touched) total += by_product[p];
    if (draws) *draws += rng.draws();
    return total;
  }
};

Status validate(const Book& book, const SimulationOptions& o) {
  if (o.years == 0) return fail(ErrorCode::kInvalidArgument, "simulate at least one year");
  if (!(o.level > 0 && o.level < 1)) return fail(ErrorCode::kInvalidArgument, "the level must be in (0, 1)");
  const auto& s = book.severity;
  if (!(s.threshold > 0 && s.tail_alpha > 0 && s.sigma >= 0 && s.tail_share >= 0 && s.tail_share <= 1))
    return fail(ErrorCode::kInvalidArgument, "the severity model is not fitted");
  for (const auto& d : book.dependencies)
    if (!(d.rate >= 0)) return fail(ErrorCode::kInvalidArgument, "dependency " + d.name + ": negative rate");
  for (const auto& p : book.products) {
    if (!(p.exposure >= 0 && p.frequency >= 0 && p.tvl > 0 && p.deductible_share >= 0 &&
          p.deductible_share <= 1))
      return fail(
          ErrorCode::kInvalidArgument,
          "product " + p.name + ": exposure and frequency must be >= 0, tvl > 0, deductible share in 0..1");
    for (std::size_t d : p.dependencies)
      if (d >= book.dependencies.size())
        return fail(ErrorCode::kInvalidArgument,
                    "product " + p.name + ": unknown dependency " + std::to_string(d));
  }
  return {};
}

/// Runs `body(first_year, end_year, thread_index)` over the years split across threads.
template <class Body>
void parallel_years(std::size_t years, unsigned threads, Body body) {
  threads = std::max(1u, std::min<unsigned>(threads, unsigned(std::max<std::size_t>(1, years / 1000))));
  std::vector<std::thread> pool;
  const std::size_t chunk = (years + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    const std::size_t begin = std::min(years, t * chunk), end = std::min(years, begin + chunk);
    if (t + 1 == threads)
      body(begin, end, t);
    else
      pool.emplace_back(body, begin, end, t);
  }
  for (auto& th : pool) th.join();
}

/// The VaR of a sample at `level`: the ceil(level * n)-th smallest loss.
double var_of(std::vector<double> sample, double level) {
  const std::size_t k =
      std::min(sample.size() - 1, std::size_t(std::ceil(level * double(sample.size()))) - 1);
  std::nth_element(sample.begin(), sample.begin() + std::ptrdiff_t(k), sample.end());
  return sample[k];
}

}  // namespace

SeveritySampler::SeveritySampler(const SeverityModel& m)
    : tail_share_(m.tail_share),
      threshold_(m.threshold),
      inv_alpha_(1.0 / m.tail_alpha),
      body_(kPoints),
      tail_(kPoints) {
  // The body's quantiles: the lognormal conditioned on X <= threshold, i.e. the model's quantile
  // function over the body's share of the probability.
  const double body_mass = 1.0 - m.tail_share;
  for (std::size_t i = 0; i < kPoints; ++i) {
    const double p = std::clamp(double(i) / double(kPoints - 1), 1e-9, 1.0 - 1e-9);
    body_[i] = m.quantile(p * body_mass);
    tail_[i] = threshold_ * std::pow(kTailTableStart + double(i) / kTailScale, -inv_alpha_);
  }
}

Result<std::vector<double>> simulate_losses(const Book& book, const SimulationOptions& o,
                                            std::uint64_t* random_draws) {
  BULWARK_CHECK(validate(book, o));
  const Prepared prep(book);
  std::vector<double> losses(o.years);
  std::atomic<std::uint64_t> draws{0};
  parallel_years(o.years, o.threads, [&](std::size_t begin, std::size_t end, unsigned) {
    std::vector<double> by_product(book.products.size(), 0.0);
    std::vector<std::size_t> touched;
    std::uint64_t mine = 0;
    for (std::size_t y = begin; y < end; ++y) {
      losses[y] = prep.year_loss(o.seed, y, by_product, touched, &mine);
      for (std::size_t p : touched) by_product[p] = 0;
      touched.clear();
    }
    draws += mine;
  });
  if (random_draws) *random_draws = draws;
  return losses;
}

Result<SimulationResult> simulate(const Book& book, const SimulationOptions& o) {
  BULWARK_TRY(losses, simulate_losses(book, o));
  SimulationResult r;
  r.years = o.years;
  const double n = double(o.years);
  double sum = 0, sum_sq = 0;
  std::size_t ruined = 0;
  for (double l : losses) {
    sum += l;
    sum_sq += l * l;
    ruined += l > book.capital;
  }
  r.mean = sum / n;
  r.mean_stderr = std::sqrt(std::max(0.0, sum_sq / n - r.mean * r.mean) / n);
  r.ruin_probability = double(ruined) / n;
  for (std::size_t parts : {8u, 4u, 2u, 1u}) {
    const std::size_t m = std::max<std::size_t>(1, o.years / parts);
    r.convergence.emplace_back(
        m, var_of(std::vector<double>(losses.begin(), losses.begin() + std::ptrdiff_t(m)), o.level));
  }
  r.var = r.convergence.back().second;
  // 95% interval of the VaR from the binomial distribution of the number of years below it.
  std::vector<double> sorted = losses;
  std::sort(sorted.begin(), sorted.end());
  const double centre = o.level * n, spread = 1.96 * std::sqrt(n * o.level * (1 - o.level));
  r.var_low = sorted[std::size_t(std::clamp(centre - spread, 1.0, n) - 1)];
  r.var_high = sorted[std::size_t(std::clamp(std::ceil(centre + spread), 1.0, n) - 1)];
  r.scr = r.var;
  r.solvency_ratio = r.scr > 0 ? book.capital / r.scr : std::numeric_limits<double>::infinity();

  // Euler allocation on the tail years: run those years again (their streams are fixed by the
  // seed) and average each product's loss over them.
  std::vector<std::size_t> tail_years;
  for (std::size_t y = 0; y < losses.size(); ++y)
    if (losses[y] >= r.var) tail_years.push_back(y);
  const Prepared prep(book);
  std::vector<double> by_product(book.products.size(), 0.0), contribution(book.products.size(), 0.0);
  std::vector<std::size_t> touched;
  double tail_total = 0;
  for (std::size_t y : tail_years) {
    tail_total += prep.year_loss(o.seed, y, by_product, touched);
    for (std::size_t p : touched) {
      contribution[p] += by_product[p];
      by_product[p] = 0;
    }
    touched.clear();
  }
  const double k = double(std::max<std::size_t>(1, tail_years.size()));
  r.tvar = tail_total / k;
  r.marginal_capital.resize(book.products.size());
  for (std::size_t p = 0; p < contribution.size(); ++p) r.marginal_capital[p] = contribution[p] / k;
  return r;
}

}  // namespace bulwark::risk
