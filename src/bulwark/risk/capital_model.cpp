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

/// Walker's alias table over 64-bit random words: picks index i with probability w_i / sum(w) in
/// O(1) and without a branch. The columns are padded with empty ones to a power of two, 2^k, so
/// that the word's top k bits choose the column exactly; its low 32 bits, compared with the
/// column's threshold, choose between the column's own index and its alias.
class AliasTable {
 public:
  explicit AliasTable(const std::vector<double>& weights) {
    unsigned bits = 1;  // at least 2 columns, so that the shift below is at most 63
    while ((std::size_t(1) << bits) < weights.size()) ++bits;
    shift_ = 64 - bits;
    const std::size_t n = std::size_t(1) << bits;
    columns_.resize(n);
    for (std::size_t i = 0; i < n; ++i) columns_[i] = {0, std::uint32_t(i)};
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    if (!(total > 0)) return;  // nothing to pick: never asked
    std::vector<double> scaled(n, 0.0);
    std::vector<std::size_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
      if (i < weights.size()) scaled[i] = weights[i] * double(n) / total;
      (scaled[i] < 1 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      const std::size_t s = small.back(), l = large.back();
      small.pop_back();
      columns_[s] = {std::uint32_t(std::min(scaled[s] * 0x1p32, 0x1p32 - 1)), std::uint32_t(l)};
      scaled[l] -= 1 - scaled[s];
      if (scaled[l] < 1) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // What is left in either list is a full column (up to rounding): it keeps its own index.
    for (std::size_t i : small) columns_[i] = {0, std::uint32_t(i)};
    for (std::size_t i : large) columns_[i] = {0, std::uint32_t(i)};
  }
  std::uint32_t pick(std::uint64_t word) const {
    const auto i = std::uint32_t(word >> shift_);
    const Column c = columns_[i];
    // All ones where the low bits fall below the threshold (keep i), else zero (take the alias).
    const std::uint32_t keep = 0u - std::uint32_t(std::uint32_t(word) < c.threshold);
    return (i & keep) | (c.alias & ~keep);
  }

 private:
  struct Column {
    std::uint32_t threshold;  // the column keeps its own index below threshold / 2^32
    std::uint32_t alias;      // (a full column has itself as alias)
  };
  unsigned shift_;  // 64 - k for 2^k columns
  std::vector<Column> columns_;
};

/// One payable product as a simulated year sees it. Each thread has its own copy of the book's
/// slots, so that an event reads and writes one place.
struct Slot {
  double slope;  // exposure * (1 - deductible share) / tvl: payout per unit of protocol loss
  double cap;    // exposure * (1 - deductible share): an event's payout at most
  double limit;  // exposure: a year's payouts at most
  double paid;   // payouts so far this year (0 between years)
};

/// Per thread: the slots, and the products hit this year (with repeats).
struct Scratch {
  std::vector<Slot> slots;
  std::vector<std::uint32_t> hit;
};

/// Everything one simulated year needs, prepared once. Products that cannot pay (no exposure, or
/// a deductible share of 1) are left out; the others are numbered 0..n-1 in book order.
struct Prepared {
  std::vector<std::uint32_t> book_index;  // payable product -> index in the book
  std::vector<Slot> slots;
  // Own events: one Poisson count for the whole book, each event given to a product in proportion
  // to its frequency. Dependency shocks: the same, over the dependencies' rates; a shock hits the
  // payable products dependents[first[d]..first[d + 1]).
  PoissonSampler own_count, shock_count;
  AliasTable own_events, shocks;
  std::vector<std::uint32_t> first, dependents;
  SeveritySampler sampler;

  explicit Prepared(const Book& b)
      : own_count(0), shock_count(0), own_events({}), shocks({}), sampler(b.severity) {
    std::vector<std::uint32_t> payable(b.products.size(), kNone);
    std::vector<double> rates;
    for (std::size_t i = 0; i < b.products.size(); ++i) {
      const ProductExposure& p = b.products[i];
      const double cap = p.exposure * (1 - p.deductible_share);
      if (!(cap > 0)) continue;
      payable[i] = std::uint32_t(book_index.size());
      book_index.push_back(std::uint32_t(i));
      slots.push_back({cap / p.tvl, cap, p.exposure, 0});
      rates.push_back(p.frequency);
    }
    std::vector<double> dependency_rates;
    for (const auto& d : b.dependencies) dependency_rates.push_back(d.rate);
    own_count = PoissonSampler(std::accumulate(rates.begin(), rates.end(), 0.0));
    own_events = AliasTable(rates);
    shock_count = PoissonSampler(std::accumulate(dependency_rates.begin(), dependency_rates.end(), 0.0));
    shocks = AliasTable(dependency_rates);
    std::vector<std::vector<std::uint32_t>> by_dependency(b.dependencies.size());
    for (std::size_t i = 0; i < b.products.size(); ++i)
      if (payable[i] != kNone)
        for (std::size_t d : b.products[i].dependencies) by_dependency[d].push_back(payable[i]);
    first.push_back(0);
    for (const auto& list : by_dependency) {
      dependents.insert(dependents.end(), list.begin(), list.end());
      first.push_back(std::uint32_t(dependents.size()));
    }
  }
  static constexpr std::uint32_t kNone = ~std::uint32_t(0);

  Scratch scratch() const { return {slots, {}}; }

  /// Simulates year `year` and returns its total loss. With `by_product` (indexed like the book),
  /// each product's loss in the year is added to it. Leaves `s` ready for the next year.
  double year_loss(std::uint64_t seed, std::uint64_t year, Scratch& s, double* by_product = nullptr,
                   std::uint64_t* draws = nullptr) const {
    RandomStream rng(seed, year);
    const std::uint64_t own = own_count.draw(rng);
    const std::uint64_t shock_total = shock_count.draw(rng);
    if (s.hit.size() < own) s.hit.resize(std::size_t(own));
    Slot* const slot = s.slots.data();
    std::uint32_t* hit = s.hit.data();
    auto pay = [&](std::uint32_t p) {
      Slot& t = slot[p];
      t.paid += std::min(t.cap, sampler.draw(rng.next()) * t.slope);
      *hit++ = p;
    };
    for (std::uint64_t n = 0; n < own; ++n) pay(own_events.pick(rng.next()));
    for (std::uint64_t n = 0; n < shock_total; ++n) {
      const std::uint32_t d = shocks.pick(rng.next());
      const std::size_t used = std::size_t(hit - s.hit.data());
      if (s.hit.size() < used + (first[d + 1] - first[d])) {
        s.hit.resize(used + (first[d + 1] - first[d]));
        hit = s.hit.data() + used;
      }
      for (std::uint32_t k = first[d]; k < first[d + 1]; ++k) pay(dependents[k]);
    }
    // A product pays at most its exposure in a year. A product hit twice is listed twice: its
    // second listing finds its payouts already taken and adds 0.
    auto take = [&](std::uint32_t p) {
      Slot& t = slot[p];
      const double loss = std::min(t.limit, t.paid);
      t.paid = 0;
      if (by_product) by_product[book_index[p]] += loss;
      return loss;
    };
    // Two running sums, so that each addition waits on the one before last.
    double even = 0, odd = 0;
    const std::uint32_t* h = s.hit.data();
    for (; hit - h >= 2; h += 2) {
      even += take(h[0]);
      odd += take(h[1]);
    }
    if (h != hit) even += take(*h);
    if (draws) *draws += rng.draws();
    return even + odd;
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

/// p * 2^64 as a word, saturating at both ends.
std::uint64_t word_at(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return ~std::uint64_t(0);
  return std::uint64_t(p * 0x1p64);  // p <= 1 - 2^-53 here, so this is below 2^64
}

}  // namespace

SeveritySampler::SeveritySampler(const SeverityModel& m)
    : body_end_(word_at(1.0 - m.tail_share)),
      steep_from_(m.tail_share > 0 ? word_at(1.0 - m.tail_share * kTailTableStart) : ~std::uint64_t(0)),
      threshold_(m.threshold),
      inv_alpha_(1.0 / m.tail_alpha),
      inv_tail_share_(1.0 / m.tail_share) {
  // Knot positions: the body's p * (kPoints - 1) / body_mass; the tail's
  // kPoints + 1 + (u - 1/64) * kTailScale with u = (1 - p) / tail_share. p and 1 - p come from
  // the top 53 bits of the word and of its complement, in units of 2^-53.
  constexpr double kSteps = double(kPoints - 1), kTailScale = kSteps / (1.0 - kTailTableStart);
  const double body_mass = 1.0 - m.tail_share;
  const double body[2] = {0.0, kSteps / body_mass * 0x1p-53};
  const double tail[2] = {double(kPoints + 1) - kTailTableStart * kTailScale,
                          kTailScale * inv_tail_share_ * 0x1p-53};
  // A segment without mass is chosen for at most the one word at its edge: it gets the other's.
  const double* chosen[2] = {body_mass > 0 ? body : tail, m.tail_share > 0 ? tail : body};
  for (int s = 0; s < 2; ++s) {
    offset_[s] = chosen[s][0];
    scale_[s] = chosen[s][1];
  }
  // The body's quantiles: the lognormal conditioned on X <= threshold, i.e. the model's quantile
  // function over the body's share of the probability.
  for (std::size_t i = 0; i < kPoints; ++i) {
    const double p = std::clamp(double(i) / kSteps, 1e-9, 1.0 - 1e-9);
    knots_[i] = body_mass > 0 ? m.quantile(p * body_mass) : threshold_;
    knots_[kPoints + 1 + i] = threshold_ * std::pow(kTailTableStart + double(i) / kTailScale, -inv_alpha_);
  }
  knots_[kPoints] = knots_[kPoints - 1];
  knots_[2 * kPoints + 1] = knots_[2 * kPoints];
}

double SeveritySampler::steep(std::uint64_t word) const {
  // 1 - p from all 64 bits of the complement: exact down to 2^-64, where the tail is steepest.
  const double u = (double(~word) + 0.5) * 0x1p-64 * inv_tail_share_;
  return threshold_ * std::exp(-std::log(u) * inv_alpha_);
}

Result<std::vector<double>> simulate_losses(const Book& book, const SimulationOptions& o,
                                            std::uint64_t* random_draws) {
  BULWARK_CHECK(validate(book, o));
  const Prepared prep(book);
  std::vector<double> losses(o.years);
  std::atomic<std::uint64_t> draws{0};
  parallel_years(o.years, o.threads, [&](std::size_t begin, std::size_t end, unsigned) {
    Scratch scratch = prep.scratch();
    std::uint64_t mine = 0;
    for (std::size_t y = begin; y < end; ++y) losses[y] = prep.year_loss(o.seed, y, scratch, nullptr, &mine);
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
  std::vector<double> contribution(book.products.size(), 0.0);
  Scratch scratch = prep.scratch();
  double tail_total = 0;
  for (std::size_t y : tail_years) tail_total += prep.year_loss(o.seed, y, scratch, contribution.data());
  const double k = double(std::max<std::size_t>(1, tail_years.size()));
  r.tvar = tail_total / k;
  r.marginal_capital.resize(book.products.size());
  for (std::size_t p = 0; p < contribution.size(); ++p) r.marginal_capital[p] = contribution[p] / k;
  return r;
}

}  // namespace bulwark::risk
