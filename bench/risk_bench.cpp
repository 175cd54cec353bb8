// Capital-model throughput: simulated portfolio-years per second for books of 100, 1,000 and
// 10,000 products (100 policies a product, aggregated into product exposures), on one thread and
// on two, against a floor measured in the same run: drawing the same random numbers alone (the
// same per-year streams, the same count of 64-bit words, nothing else).
//
//   ./build/release/bench/risk_bench               # 3 rounds
//   ./build/release/bench/risk_bench --rounds=5
//
// The benchmarks run in rounds: in each, every case (products, threads) runs its floor and then
// the model, back to back, so that the two see the same machine. After the runs, one line per case
// gives the median years/s of both and the median of the per-round ratios. See bench/README.md.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bulwark/core/strings.hpp"
#include "bulwark/risk/capital_model.hpp"
#include "bulwark/risk/random.hpp"

namespace {

using namespace bulwark::risk;

/// A book of `products` products holding 100 policies each on average, with exploit frequencies
/// of 2-10% a year, and 20 shared dependencies (oracles, bridges) that a third of products use.
Book make_book(std::size_t products) {
  std::mt19937_64 rng(products);
  std::uniform_real_distribution<double> u(0, 1);
  Book book;
  book.severity.mu = 12.28;
  book.severity.sigma = 2.85;
  book.severity.threshold = 1e6;
  book.severity.tail_alpha = 0.49;
  book.severity.tail_share = 0.28;
  for (int d = 0; d < 20; ++d) book.dependencies.push_back({"dep" + std::to_string(d), 0.01});
  std::vector<double> exposure(products, 0.0);
  for (std::size_t i = 0; i < products * 100; ++i) exposure[rng() % products] += 1e4 + 1e6 * u(rng);
  for (std::size_t p = 0; p < products; ++p) {
    ProductExposure prod{bulwark::concat("p", std::to_string(p)),
                         exposure[p],
                         1e7 + 1e9 * u(rng),
                         0.02 + 0.08 * u(rng),
                         0.05,
                         {}};
    if (p % 3 == 0) prod.dependencies.push_back(p % book.dependencies.size());
    book.products.push_back(prod);
  }
  book.capital = 1e9;
  return book;
}

constexpr std::size_t kYears = 200'000;
constexpr std::uint64_t kSeed = 7;
constexpr int kDefaultRounds = 3;

/// The words the simulation of a book of `products` draws over kYears (the same on any number of
/// threads), counted once per book size.
std::uint64_t words_drawn(std::size_t products) {
  static std::map<std::size_t, std::uint64_t> counted;
  if (auto it = counted.find(products); it != counted.end()) return it->second;
  std::uint64_t draws = 0;
  if (!simulate_losses(make_book(products), {.years = kYears, .seed = kSeed, .threads = 1}, &draws)) return 0;
  return counted[products] = draws;
}

void BM_Simulate(benchmark::State& state) {
  const Book book = make_book(std::size_t(state.range(0)));
  const unsigned threads = unsigned(state.range(1));
  std::uint64_t draws = 0;
  for (auto _ : state) {
    draws = 0;
    auto losses = simulate_losses(book, {.years = kYears, .seed = kSeed, .threads = threads}, &draws);
    if (!losses) state.SkipWithError(losses.error().message.c_str());
    benchmark::DoNotOptimize(losses);
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * kYears));
  state.counters["draws_per_year"] = double(draws) / double(kYears);
}

/// The floor: per year, a fresh stream and the same number of words the simulation drew.
void BM_RandomFloor(benchmark::State& state) {
  const unsigned threads = unsigned(state.range(1));
  const std::uint64_t draws = words_drawn(std::size_t(state.range(0)));
  if (draws == 0) state.SkipWithError("setup: the simulation failed");
  for (auto _ : state) {
    std::vector<std::thread> pool;
    std::vector<std::uint64_t> sink(threads);
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const std::size_t begin = kYears * t / threads, end = kYears * (t + 1) / threads;
        std::uint64_t acc = 0;
        for (std::size_t y = begin; y < end; ++y) {
          RandomStream rng(kSeed, y);
          // The same total as the simulation, spread evenly over the years.
          const std::uint64_t n = draws * (y + 1) / kYears - draws * y / kYears;
          for (std::uint64_t i = 0; i < n; ++i) acc += rng.next();
        }
        sink[t] = acc;
      });
    for (auto& th : pool) th.join();
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * kYears));
  state.counters["draws_per_year"] = double(draws) / double(kYears);
}

/// Registers `rounds` rounds; in each, every case runs its floor and then the model.
void register_rounds(int rounds) {
  using Fn = void (*)(benchmark::State&);
  const std::pair<const char*, Fn> order[] = {{"BM_RandomFloor", BM_RandomFloor},
                                              {"BM_Simulate", BM_Simulate}};
  for (int round = 0; round < rounds; ++round)
    for (long products : {100, 1'000, 10'000})
      for (long threads : {1, 2})
        for (const auto& [name, fn] : order)
          benchmark::RegisterBenchmark(name, fn)
              ->Args({products, threads})
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime()
              ->Iterations(3);
}

/// The console reporter, also keeping every run's years/s in order, to pair floors with models.
class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      if (run.error_occurred) {
        failed_ = true;
        continue;
      }
      if (run.real_accumulated_time <= 0) continue;
      Case& c = cases_[run.run_name.args];
      (run.run_name.function_name == "BM_Simulate" ? c.model : c.floor)
          .push_back(double(run.iterations) * double(kYears) / run.real_accumulated_time);
      if (auto it = run.counters.find("draws_per_year"); it != run.counters.end()) c.words = it->second;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  /// Prints one line per case: the median years/s of the model and of its floor, and the median
  /// (and range) of the per-round floor/model ratios; then whether the goals at 1,000 products on
  /// two threads are met. Returns false if a run failed.
  bool summarise(std::ostream& out) const {
    std::string goals;
    for (const auto& [args, c] : cases_) {
      const std::size_t rounds = std::min(c.model.size(), c.floor.size());
      if (rounds == 0) continue;
      std::vector<double> ratios;
      for (std::size_t i = 0; i < rounds; ++i) ratios.push_back(c.floor[i] / c.model[i]);
      char line[256];
      std::snprintf(line, sizeof line,
                    "%s (products/threads): model %.3gM years/s, floor %.3gM years/s, floor/model %.2fx "
                    "(medians of %zu rounds; range %.2f..%.2f), %.1f words a year\n",
                    args.c_str(), median(c.model) / 1e6, median(c.floor) / 1e6, median(ratios), rounds,
                    *std::min_element(ratios.begin(), ratios.end()),
                    *std::max_element(ratios.begin(), ratios.end()), c.words);
      out << line;
      if (args == "1000/2") {
        std::snprintf(line, sizeof line, "goals at 1000/2: >= 1M years/s: %s; floor/model <= 3x: %s\n",
                      median(c.model) >= 1e6 ? "met" : "NOT met", median(ratios) <= 3 ? "met" : "NOT met");
        goals = line;
      }
    }
    out << goals;
    return !failed_;
  }

 private:
  struct Case {
    std::vector<double> model, floor;  // years/s, one per round
    double words = 0;
  };
  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  std::map<std::string, Case> cases_;
  bool failed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  // Our own flag, --rounds=N, is taken out before Google Benchmark sees the rest.
  int rounds = kDefaultRounds;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i > 0 && a.starts_with("--rounds=")) {
      rounds = std::max(1, std::atoi(argv[i] + 9));
      continue;
    }
    args.push_back(argv[i]);
  }
  int count = int(args.size());
  args.push_back(nullptr);
  register_rounds(rounds);
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  RatioReporter reporter(benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::cout << "\n";
  const bool ok = reporter.summarise(std::cout);
  benchmark::Shutdown();
  return ok ? 0 : 1;
}
