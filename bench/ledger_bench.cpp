/// Durable policy purchases per second, against the cost of a bare durable commit.
///
/// For each backend (SQLite in WAL mode with synchronous=FULL; PostgreSQL with its durable
/// defaults, in a private cluster started here) two benchmarks do the same number of durable
/// transactions:
///   *Floor     one single-row INSERT per transaction, committed: the most a store can do.
///   *Purchase  one Ledger::buy: price the cover, record the policy, its allocation, the account
///              credits and the journal entry, in one transaction.
/// The benchmarks run in rounds (--rounds=N, default 5), each a floor run immediately followed by a
/// purchase run per backend; after the runs, one line per backend gives the median purchases/s,
/// floor/s and purchases/floor ratio over the rounds. See bench/README.md.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bulwark/core/address.hpp"
#include "bulwark/core/amount.hpp"
#include "bulwark/core/clock.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/store/store.hpp"
#include "store_bench.hpp"

namespace bulwark::bench {
namespace {

/// Transactions per run; floor and purchase benchmarks do exactly this many.
constexpr benchmark::IterationCount kSqliteIterations = 300;
constexpr benchmark::IterationCount kPostgresIterations = 300;
/// Rounds (floor then purchases, per backend) unless --rounds=N is given.
constexpr int kDefaultRounds = 5;

// ---------------------------------------------------------------------------------------------
// Purchases.

Address address_of(const char* hex) {
  auto a = Address::parse(hex);
  if (!a) std::abort();
  return *a;
}

U256 pow10(unsigned n) {
  return *U256::pow10(n);
}

/// A ledger with one ETH pool holding 10^9 ETH that fully backs one product, ready to sell cover.
struct Market {
  std::unique_ptr<store::Store> store;
  FakeClock clock;
  std::optional<cover::Ledger> ledger;
  cover::BuyRequest request;
};

Result<std::unique_ptr<Market>> open_market(const std::string& url) {
  auto m = std::make_unique<Market>();
  BULWARK_TRY(store, store::open_store(url));
  m->store = std::move(store);
  m->ledger.emplace(*m->store, m->clock);
  cover::Ledger& ledger = *m->ledger;

  BULWARK_TRY(asset, ledger.register_asset(Asset{1, std::nullopt, "ETH", 18}));
  BULWARK_TRY(pool, ledger.create_pool(cover::PoolSpec{"bench pool", asset.key(), 20'000}));
  BULWARK_CHECK(ledger.deposit(pool.id, address_of("0x1111111111111111111111111111111111111111"), pow10(27)));
  cover::ProductSpec spec;
  spec.name = "bench product";
  spec.contracts = {address_of("0x2222222222222222222222222222222222222222")};
  spec.asset = asset.key();
  BULWARK_TRY(product, ledger.add_product(spec));
  BULWARK_CHECK(ledger.set_backing(pool.id, product.id, 100));

  m->request.holder = address_of("0x3333333333333333333333333333333333333333");
  m->request.quote = cover::QuoteRequest{product.id, pow10(18), asset.key(), 30};
  m->request.max_premium = pow10(24);
  return m;
}

void run_purchases(benchmark::State& state, const std::string& url) {
  if (url.empty()) return;  // The caller reported the error.
  auto market = open_market(url);
  if (!market) {
    state.SkipWithError(("setup: " + market.error().message).c_str());
    return;
  }
  cover::Ledger& ledger = *(*market)->ledger;
  const cover::BuyRequest& request = (*market)->request;
  for (auto _ : state) {
    auto policy = ledger.buy(request);
    if (!policy) {
      state.SkipWithError(("buy: " + policy.error().message).c_str());
      break;
    }
    benchmark::DoNotOptimize(policy->id);
  }
  state.SetItemsProcessed(state.iterations());

  if (state.error_occurred()) return;

  // Untimed: a few more purchases through a timing wrapper, reported per purchase as counters.
  TimedStore timed(*(*market)->store);
  cover::Ledger profiled(timed, (*market)->clock);
  for (int i = 0; i < kProfiled; ++i) {
    if (auto policy = profiled.buy(request); !policy) {
      state.SkipWithError(("profiled buy: " + policy.error().message).c_str());
      return;
    }
  }
  report_breakdown(state, timed.breakdown);
}

void BM_SqlitePurchase(benchmark::State& state) {
  run_purchases(state, scratch().fresh("purchase"));
}

void BM_PostgresPurchase(benchmark::State& state) {
  run_purchases(state, fresh_pg_database(state));
}

/// Registers `rounds` rounds of floor, purchase (SQLite) then floor, purchase (PostgreSQL): each
/// purchase run is measured right after its floor, so both see the same disk. fsync latency on a
/// shared virtual disk drifts by 10x over seconds; comparing runs minutes apart would measure that.
void register_rounds(int rounds) {
  const std::pair<const char*, void (*)(benchmark::State&)> order[] = {
      {"BM_SqliteFloor", BM_SqliteFloor},
      {"BM_SqlitePurchase", BM_SqlitePurchase},
      {"BM_PostgresFloor", BM_PostgresFloor},
      {"BM_PostgresPurchase", BM_PostgresPurchase},
  };
  for (int round = 0; round < rounds; ++round)
    for (const auto& [name, fn] : order) {
      const bool sqlite = std::string_view(name).starts_with("BM_Sqlite");
      benchmark::RegisterBenchmark(name, fn)
          ->Iterations(sqlite ? kSqliteIterations : kPostgresIterations)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
}

// ---------------------------------------------------------------------------------------------
// The summary: purchases/floor per backend.

/// The console reporter, also keeping every run's items/s in order, to pair floors with purchases.
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
      rates_[run.run_name.function_name].push_back(double(run.iterations) / run.real_accumulated_time);
    }
    ConsoleReporter::ReportRuns(runs);
  }

  /// Prints one line per backend whose floor and purchases both ran: the median purchases/s and
  /// floor/s, and the median of the per-round ratios. Returns false if a run failed.
  bool summarise(std::ostream& out) const {
    for (const auto& [backend, prefix] :
         {std::pair{"sqlite", "BM_Sqlite"}, std::pair{"postgresql", "BM_Postgres"}}) {
      const auto purchases = rates_.find(std::string(prefix) + "Purchase");
      const auto floors = rates_.find(std::string(prefix) + "Floor");
      if (purchases == rates_.end() || floors == rates_.end()) continue;
      const std::size_t rounds = std::min(purchases->second.size(), floors->second.size());
      std::vector<double> ratios;
      for (std::size_t i = 0; i < rounds; ++i) ratios.push_back(purchases->second[i] / floors->second[i]);
      char line[256];
      std::snprintf(line, sizeof line,
                    "%s: purchases %.0f/s, floor %.0f/s, ratio %.2f (medians of %zu rounds; ratio range "
                    "%.2f..%.2f; goal >= 0.50: %s)\n",
                    backend, median(purchases->second), median(floors->second), median(ratios), rounds,
                    *std::min_element(ratios.begin(), ratios.end()),
                    *std::max_element(ratios.begin(), ratios.end()),
                    median(ratios) >= 0.5 ? "met" : "NOT met");
      out << line;
    }
    return !failed_;
  }

 private:
  std::map<std::string, std::vector<double>> rates_;
  bool failed_ = false;
};

}  // namespace
}  // namespace bulwark::bench

int main(int argc, char** argv) {
  // Our own flag, --rounds=N (default 5), is taken out before Google Benchmark sees the rest.
  auto args = bulwark::bench::parse_args(argc, argv, bulwark::bench::kDefaultRounds);
  bulwark::bench::register_rounds(args.rounds);
  benchmark::Initialize(&args.count, args.args.data());
  if (benchmark::ReportUnrecognizedArguments(args.count, args.args.data())) return 2;
  bulwark::bench::RatioReporter reporter(args.color ? benchmark::ConsoleReporter::OO_Defaults
                                                    : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::cout << "\n";
  const bool ok = reporter.summarise(std::cout);
  benchmark::Shutdown();
  return ok ? 0 : 1;
}
