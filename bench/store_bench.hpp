#pragma once
/// Shared pieces of the durable-store benchmarks (ledger_bench, claims_bench): scratch space for
/// SQLite files, the private durable PostgreSQL cluster, a store wrapper that times every
/// transaction and row operation, the floors (bare single-row durable INSERT + COMMIT
/// transactions with the stores' own durability settings), the command line they share (--rounds)
/// and medians. Single-threaded, like the benchmarks; header-only (each benchmark is one file).

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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bulwark/store/store.hpp"
#include "support/pg_cluster.hpp"

namespace bulwark::bench {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Scratch space and the PostgreSQL cluster, shared by every benchmark of the process.

/// A temporary directory for SQLite files, removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string templ = (fs::temp_directory_path() / "bulwark-bench-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
      std::perror("bench: mkdtemp");
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

inline ScratchDir& scratch() {
  static ScratchDir dir;
  return dir;
}

/// The durable private cluster (started on first use, stopped at exit).
inline testing::PgCluster& cluster() {
  return testing::shared_pg_cluster({.durable = true});
}

/// A new empty database in the cluster; a failure ends the run.
inline std::string fresh_pg_database(benchmark::State& state) {
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
  std::int64_t operations = 0;            ///< get/put/select/count/prefetch calls.
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
  Status insert(const store::TableDef& t, const store::Row& row) override {
    return timed([&] { return inner_.insert(t, row); });
  }
  Result<std::vector<store::Row>> select(const store::TableDef& t, const store::Query& q) override {
    return timed([&] { return inner_.select(t, q); });
  }
  Result<std::int64_t> count(const store::TableDef& t) override {
    return timed([&] { return inner_.count(t); });
  }
  Status prefetch(const std::vector<store::Read>& reads) override {
    return timed([&] { return inner_.prefetch(reads); });
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
inline constexpr int kProfiled = 50;

inline double per_txn_us(SteadyClock::duration d, std::int64_t transactions) {
  return std::chrono::duration<double, std::micro>(d).count() / double(transactions);
}

/// Reports a breakdown as per-transaction counters, the same for every benchmark (so the console
/// shows one table): ops: statements; op_us: time in them; logic_us: ledger code between them;
/// txn_us: begin + commit (+ PostgreSQL's writer lock for purchases), i.e. mostly the durable flush.
inline void report_breakdown(benchmark::State& state, const Breakdown& b) {
  if (b.transactions == 0) return;
  state.counters["ops"] = double(b.operations) / double(b.transactions);
  state.counters["op_us"] = per_txn_us(b.in_operations, b.transactions);
  state.counters["logic_us"] = per_txn_us(b.in_body - b.in_operations, b.transactions);
  state.counters["txn_us"] = per_txn_us(b.in_transact - b.in_body, b.transactions);
}

// ---------------------------------------------------------------------------------------------
// Floors: bare durable single-row transactions with the same settings as the store.

/// One bare durable transaction at a time: the floor of a store backend. `open` prepares it (an
/// error message, empty on success); `one` runs one transaction, adding it to `b` when given
/// (false on error, with the message in error()).
class Floor {
 public:
  virtual ~Floor() = default;
  virtual std::string open() = 0;
  virtual bool one(Breakdown* b) = 0;
  const std::string& error() const { return error_; }

  /// Runs `n` transactions; their wall time in seconds, or a negative number on error.
  double run(int n) {
    const auto start = SteadyClock::now();
    for (int i = 0; i < n; ++i)
      if (!one(nullptr)) return -1;
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
  }

 protected:
  static void add(Breakdown* b, SteadyClock::time_point start, SteadyClock::time_point op_start,
                  SteadyClock::time_point op_end) {
    if (!b) return;
    ++b->transactions;
    ++b->operations;
    b->in_operations += op_end - op_start;
    b->in_body += op_end - op_start;
    b->in_transact += SteadyClock::now() - start;
  }
  std::string error_;
};

/// SQLite with the pragmas open_store uses: WAL, synchronous=FULL, write transactions that take
/// the write lock at BEGIN (BEGIN IMMEDIATE), on a file of its own.
class SqliteFloor final : public Floor {
 public:
  ~SqliteFloor() override {
    sqlite3_finalize(begin_);
    sqlite3_finalize(insert_);
    sqlite3_finalize(commit_);
    sqlite3_close_v2(db_);
  }
  std::string open() override {
    const std::string path = scratch().fresh("floor");
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      return "sqlite3_open: " + std::string(db_ ? sqlite3_errmsg(db_) : "out of memory");
    for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"}) {
      char* msg = nullptr;
      if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string e = std::string(sql) + ": " + (msg ? msg : "?");
        sqlite3_free(msg);
        return e;
      }
    }
    if (sqlite3_prepare_v2(db_, "BEGIN IMMEDIATE", -1, &begin_, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "INSERT INTO t (id, v) VALUES (?1, ?2)", -1, &insert_, nullptr) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db_, "COMMIT", -1, &commit_, nullptr) != SQLITE_OK)
      return sqlite3_errmsg(db_);
    return "";
  }
  bool one(Breakdown* b) override {
    const auto start = SteadyClock::now();
    if (!step(begin_)) return false;
    const auto op_start = SteadyClock::now();
    sqlite3_bind_int64(insert_, 1, ++id_);
    sqlite3_bind_text(insert_, 2, "floor", -1, SQLITE_STATIC);
    if (!step(insert_)) return false;
    const auto op_end = SteadyClock::now();
    if (!step(commit_)) return false;
    add(b, start, op_start, op_end);
    return true;
  }

 private:
  bool step(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE) return true;
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::int64_t id_ = 0;
};

/// PostgreSQL, same cluster and settings as the stores: one INSERT per pqxx::work, committed, in
/// a fresh database of its own.
class PostgresFloor final : public Floor {
 public:
  std::string open() override {
    auto url = cluster().create_database();
    if (!url) return "create_database: " + url.error().message;
    try {
      conn_ = std::make_unique<pqxx::connection>(*url);
      pqxx::work setup(*conn_);
      setup.exec0("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)");
      setup.commit();
      conn_->prepare("insert", "INSERT INTO t (id, v) VALUES ($1, $2)");
    } catch (const std::exception& e) {
      return std::string("postgresql: ") + e.what();
    }
    return "";
  }
  bool one(Breakdown* b) override {
    try {
      const auto start = SteadyClock::now();
      pqxx::work tx(*conn_);
      const auto op_start = SteadyClock::now();
      tx.exec_prepared0("insert", ++id_, "floor");
      const auto op_end = SteadyClock::now();
      tx.commit();
      add(b, start, op_start, op_end);
      return true;
    } catch (const std::exception& e) {
      error_ = std::string("postgresql: ") + e.what();
      return false;
    }
  }

 private:
  std::unique_ptr<pqxx::connection> conn_;
  std::int64_t id_ = 0;
};

/// The floor benchmark: `state`'s iterations of `floor`'s transaction, then kProfiled more
/// (untimed) for the breakdown counters.
inline void run_floor(benchmark::State& state, Floor& floor) {
  if (std::string e = floor.open(); !e.empty()) {
    state.SkipWithError(e.c_str());
    return;
  }
  for (auto _ : state)
    if (!floor.one(nullptr)) {
      state.SkipWithError(floor.error().c_str());
      return;
    }
  state.SetItemsProcessed(state.iterations());
  Breakdown b;  // Untimed, as for purchases.
  for (int i = 0; i < kProfiled; ++i)
    if (!floor.one(&b)) {
      state.SkipWithError(floor.error().c_str());
      return;
    }
  report_breakdown(state, b);
}

inline void BM_SqliteFloor(benchmark::State& state) {
  SqliteFloor floor;
  run_floor(state, floor);
}

inline void BM_PostgresFloor(benchmark::State& state) {
  PostgresFloor floor;
  run_floor(state, floor);
}

// ---------------------------------------------------------------------------------------------
// The command line and the summary.

/// What the shared flags asked for; `args` is the rest, for Google Benchmark (argv[0] first,
/// nullptr last, `count` entries before it).
struct BenchArgs {
  int rounds = 0;
  bool color = false;
  std::vector<char*> args;
  int count = 0;
};

/// Takes the flags `--rounds=N` and those in `extra` (name with "=", e.g. "--policies=", handed to
/// `on_extra` with the text after the "=") out of argv, and works out whether to colour the
/// console (a terminal unless --benchmark_color says otherwise: a display reporter passed in does
/// not see that flag).
inline BenchArgs parse_args(int argc, char** argv, int default_rounds,
                            const std::vector<std::string_view>& extra = {},
                            const std::function<void(std::string_view, const char*)>& on_extra = {}) {
  BenchArgs out;
  out.rounds = default_rounds;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i > 0 && a.starts_with("--rounds=")) {
      out.rounds = std::max(1, std::atoi(argv[i] + 9));
      continue;
    }
    bool taken = false;
    for (std::string_view name : extra)
      if (i > 0 && a.starts_with(name)) {
        on_extra(name, argv[i] + name.size());
        taken = true;
      }
    if (!taken) out.args.push_back(argv[i]);
  }
  out.color = isatty(STDOUT_FILENO) != 0;
  for (std::string_view a : out.args)
    if (a.starts_with("--benchmark_color=")) {
      const std::string_view v = a.substr(a.find('=') + 1);
      if (v == "true" || v == "yes" || v == "1" || v == "always") out.color = true;
      if (v == "false" || v == "no" || v == "0" || v == "never") out.color = false;
    }
  out.count = int(out.args.size());
  out.args.push_back(nullptr);
  return out;
}

/// The median of `v` (0 when empty).
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace bulwark::bench
