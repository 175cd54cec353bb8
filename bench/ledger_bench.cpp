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
#include <sqlite3.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bulwark/core/address.hpp"
#include "bulwark/core/amount.hpp"
#include "bulwark/core/clock.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/store/store.hpp"
#include "support/pg_cluster.hpp"

namespace bulwark::bench {
namespace {

namespace fs = std::filesystem;

/// Transactions per run; floor and purchase benchmarks do exactly this many.
constexpr benchmark::IterationCount kSqliteIterations = 300;
constexpr benchmark::IterationCount kPostgresIterations = 300;
/// Rounds (floor then purchases, per backend) unless --rounds=N is given.
constexpr int kDefaultRounds = 5;

// ---------------------------------------------------------------------------------------------
// Scratch space and the PostgreSQL cluster, shared by every benchmark of the process.

/// A temporary directory for SQLite files, removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string templ = (fs::temp_directory_path() / "bulwark-bench-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
      std::perror("ledger_bench: mkdtemp");
      std::abort();
    }
    path_ = templ;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  /// A path in the directory that no earlier call returned.
  std::string fresh(const std::string& stem) {
    return (path_ / (stem + "-" + std::to_string(++counter_) + ".db")).string();
  }

 private:
  fs::path path_;
  std::atomic<int> counter_{0};
};

ScratchDir& scratch() {
  static ScratchDir dir;
  return dir;
}

/// The durable private cluster (started on first use, stopped at exit).
testing::PgCluster& cluster() {
  return testing::shared_pg_cluster({.durable = true});
}

/// A new empty database in the cluster; a failure ends the run.
std::string fresh_pg_database(benchmark::State& state) {
  auto url = cluster().create_database();
  if (!url) {
    state.SkipWithError(("create_database: " + url.error().message).c_str());
    return "";
  }
  return *url;
}

// ---------------------------------------------------------------------------------------------
// Diagnostics: where a purchase's time goes. A few extra purchases after the timed loop run
// through a store wrapper that counts and times the row operations (each one a statement, and on
// PostgreSQL a network round trip) and the transaction as a whole.

using SteadyClock = std::chrono::steady_clock;

struct Breakdown {
  std::int64_t transactions = 0;
  std::int64_t operations = 0;            ///< get/put/select/count calls.
  SteadyClock::duration in_operations{};  ///< Inside those calls.
  SteadyClock::duration in_body{};        ///< Inside the ledger's transaction body (logic + operations).
  SteadyClock::duration in_transact{};    ///< The whole transaction: begin, body, commit.
};

/// Forwards to a Tx, counting and timing each call.
class TimedTx final : public store::Tx {
 public:
  TimedTx(store::Tx& inner, Breakdown& b) : inner_(inner), b_(b) {}
  Result<std::optional<store::Row>> get(const store::TableDef& t, const store::Row& key) override {
    return timed([&] { return inner_.get(t, key); });
  }
  Status put(const store::TableDef& t, const store::Row& row) override {
    return timed([&] { return inner_.put(t, row); });
  }
  Result<std::vector<store::Row>> select(const store::TableDef& t, const store::Query& q) override {
    return timed([&] { return inner_.select(t, q); });
  }
  Result<std::int64_t> count(const store::TableDef& t) override {
    return timed([&] { return inner_.count(t); });
  }

 private:
  template <class F>
  std::invoke_result_t<F> timed(F f) {
    const auto start = SteadyClock::now();
    auto r = f();
    b_.in_operations += SteadyClock::now() - start;
    ++b_.operations;
    return r;
  }

  store::Tx& inner_;
  Breakdown& b_;
};

/// Forwards to a store, timing every transaction and its operations.
class TimedStore final : public store::Store {
 public:
  explicit TimedStore(store::Store& inner) : inner_(inner) {}
  Status transact(store::TxMode mode, const std::function<Status(store::Tx&)>& body) override {
    const auto start = SteadyClock::now();
    Status s = inner_.transact(mode, [&](store::Tx& tx) {
      const auto body_start = SteadyClock::now();
      TimedTx timed(tx, breakdown);
      Status r = body(timed);
      breakdown.in_body += SteadyClock::now() - body_start;
      return r;
    });
    breakdown.in_transact += SteadyClock::now() - start;
    ++breakdown.transactions;
    return s;
  }
  std::string backend() const override { return inner_.backend(); }
  std::string describe() const override { return inner_.describe(); }

  Breakdown breakdown;

 private:
  store::Store& inner_;
};

/// Transactions profiled after each timed loop (through TimedStore for purchases).
constexpr int kProfiled = 50;

double per_txn_us(SteadyClock::duration d, std::int64_t transactions) {
  return std::chrono::duration<double, std::micro>(d).count() / double(transactions);
}

/// Reports a breakdown as per-transaction counters, the same for every benchmark (so the console
/// shows one table): ops: statements; op_us: time in them; logic_us: ledger code between them;
/// txn_us: begin + commit (+ PostgreSQL's writer lock for purchases), i.e. mostly the durable flush.
void report_breakdown(benchmark::State& state, const Breakdown& b) {
  if (b.transactions == 0) return;
  state.counters["ops"] = double(b.operations) / double(b.transactions);
  state.counters["op_us"] = per_txn_us(b.in_operations, b.transactions);
  state.counters["logic_us"] = per_txn_us(b.in_body - b.in_operations, b.transactions);
  state.counters["txn_us"] = per_txn_us(b.in_transact - b.in_body, b.transactions);
}

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

// ---------------------------------------------------------------------------------------------
// Floors: bare durable single-row transactions with the same settings as the store.

/// SQLite with the pragmas open_store uses: WAL, synchronous=FULL, write transactions that take
/// the write lock at BEGIN (BEGIN IMMEDIATE).
void BM_SqliteFloor(benchmark::State& state) {
  const std::string path = scratch().fresh("floor");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    state.SkipWithError(("sqlite3_open: " + std::string(db ? sqlite3_errmsg(db) : "out of memory")).c_str());
    sqlite3_close_v2(db);
    return;
  }
  auto exec = [&](const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
    state.SkipWithError((std::string(sql) + ": " + (msg ? msg : "?")).c_str());
    sqlite3_free(msg);
    return false;
  };
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* commit = nullptr;
  const bool ready =
      exec("PRAGMA journal_mode=WAL") && exec("PRAGMA synchronous=FULL") &&
      exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)") &&
      sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "INSERT INTO t (id, v) VALUES (?1, ?2)", -1, &insert, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr) == SQLITE_OK;
  if (!ready && !state.error_occurred()) state.SkipWithError(sqlite3_errmsg(db));
  std::int64_t id = 0;
  auto step = [&](sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE) return true;
    state.SkipWithError(sqlite3_errmsg(db));
    return false;
  };
  auto one = [&](Breakdown* b) {
    const auto start = SteadyClock::now();
    if (!step(begin)) return false;
    const auto op_start = SteadyClock::now();
    sqlite3_bind_int64(insert, 1, ++id);
    sqlite3_bind_text(insert, 2, "floor", -1, SQLITE_STATIC);
    if (!step(insert)) return false;
    const auto op_end = SteadyClock::now();
    if (!step(commit)) return false;
    if (b) {
      ++b->transactions;
      ++b->operations;
      b->in_operations += op_end - op_start;
      b->in_body += op_end - op_start;
      b->in_transact += SteadyClock::now() - start;
    }
    return true;
  };
  if (ready) {
    for (auto _ : state)
      if (!one(nullptr)) break;
  }
  state.SetItemsProcessed(state.iterations());
  Breakdown b;  // Untimed, as for purchases.
  for (int i = 0; ready && !state.error_occurred() && i < kProfiled; ++i)
    if (!one(&b)) break;
  report_breakdown(state, b);
  sqlite3_finalize(begin);
  sqlite3_finalize(insert);
  sqlite3_finalize(commit);
  sqlite3_close_v2(db);
}

/// PostgreSQL, same cluster and settings as the purchases: one INSERT per pqxx::work, committed.
void BM_PostgresFloor(benchmark::State& state) {
  const std::string url = fresh_pg_database(state);
  if (url.empty()) return;
  try {
    pqxx::connection conn(url);
    {
      pqxx::work setup(conn);
      setup.exec0("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)");
      setup.commit();
    }
    conn.prepare("insert", "INSERT INTO t (id, v) VALUES ($1, $2)");
    std::int64_t id = 0;
    for (auto _ : state) {
      pqxx::work tx(conn);
      tx.exec_prepared0("insert", ++id, "floor");
      tx.commit();
    }
    state.SetItemsProcessed(state.iterations());
    Breakdown b;  // Untimed, as for purchases.
    for (int i = 0; i < kProfiled; ++i) {
      const auto start = SteadyClock::now();
      pqxx::work tx(conn);
      const auto op_start = SteadyClock::now();
      tx.exec_prepared0("insert", ++id, "floor");
      const auto op_end = SteadyClock::now();
      tx.commit();
      ++b.transactions;
      ++b.operations;
      b.in_operations += op_end - op_start;
      b.in_body += op_end - op_start;
      b.in_transact += SteadyClock::now() - start;
    }
    report_breakdown(state, b);
  } catch (const std::exception& e) {
    state.SkipWithError((std::string("postgresql: ") + e.what()).c_str());
  }
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
  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  std::map<std::string, std::vector<double>> rates_;
  bool failed_ = false;
};

}  // namespace
}  // namespace bulwark::bench

int main(int argc, char** argv) {
  // Our own flag, --rounds=N (default 5), is taken out before Google Benchmark sees the rest.
  int rounds = bulwark::bench::kDefaultRounds;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i > 0 && a.starts_with("--rounds=")) {
      rounds = std::max(1, std::atoi(argv[i] + 9));
      continue;
    }
    args.push_back(argv[i]);
  }
  // A display reporter passed in does not see --benchmark_color: colour on a terminal unless told.
  bool color = isatty(STDOUT_FILENO) != 0;
  for (std::string_view a : args)
    if (a.starts_with("--benchmark_color=")) {
      const std::string_view v = a.substr(a.find('=') + 1);
      if (v == "true" || v == "yes" || v == "1" || v == "always") color = true;
      if (v == "false" || v == "no" || v == "0" || v == "never") color = false;
    }
  int count = int(args.size());
  args.push_back(nullptr);

  bulwark::bench::register_rounds(rounds);
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  bulwark::bench::RatioReporter reporter(color ? benchmark::ConsoleReporter::OO_Defaults
                                               : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::cout << "\n";
  const bool ok = reporter.summarise(std::cout);
  benchmark::Shutdown();
  return ok ? 0 : 1;
}
