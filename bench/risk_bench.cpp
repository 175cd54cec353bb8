// Capital-model throughput: simulated portfolio-years per second for books of 100, 1,000 and
// 10,000 products (100 policies a product, aggregated into product exposures), on one thread and
// on two, against a floor measured in the same run: drawing the same random numbers alone (the
// same per-year streams, the same count of 64-bit words, nothing else).
//
//   ./build/release/bench/risk_bench

#include <benchmark/benchmark.h>

#include <random>
#include <thread>

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
    ProductExposure prod{"p" + std::to_string(p), exposure[p], 1e7 + 1e9 * u(rng),
                         0.02 + 0.08 * u(rng),    0.05,        {}};
    if (p % 3 == 0) prod.dependencies.push_back(p % book.dependencies.size());
    book.products.push_back(prod);
  }
  book.capital = 1e9;
  return book;
}

constexpr std::size_t kYears = 200'000;

void BM_Simulate(benchmark::State& state) {
  const Book book = make_book(std::size_t(state.range(0)));
  const unsigned threads = unsigned(state.range(1));
  std::uint64_t draws = 0;
  for (auto _ : state) {
    auto losses = simulate_losses(book, {.years = kYears, .seed = 7, .threads = threads}, &draws);
    if (!losses) state.SkipWithError(losses.error().message.c_str());
    benchmark::DoNotOptimize(losses);
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * kYears));
  state.counters["draws_per_year"] = double(draws) / double(kYears);
}

/// The floor: per year, a fresh stream and the same number of words the simulation drew.
void BM_RandomFloor(benchmark::State& state) {
  const Book book = make_book(std::size_t(state.range(0)));
  const unsigned threads = unsigned(state.range(1));
  std::uint64_t draws = 0;
  if (!simulate_losses(book, {.years = kYears, .seed = 7, .threads = 1}, &draws))
    state.SkipWithError("setup");
  for (auto _ : state) {
    std::vector<std::thread> pool;
    std::vector<std::uint64_t> sink(threads);
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const std::size_t begin = kYears * t / threads, end = kYears * (t + 1) / threads;
        std::uint64_t acc = 0;
        for (std::size_t y = begin; y < end; ++y) {
          RandomStream rng(7, y);
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

void args(benchmark::internal::Benchmark* b) {
  for (long products : {100, 1'000, 10'000})
    for (long threads : {1, 2}) b->Args({products, threads});
  b->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
}

BENCHMARK(BM_RandomFloor)->Apply(args);
BENCHMARK(BM_Simulate)->Apply(args);

}  // namespace

BENCHMARK_MAIN();
