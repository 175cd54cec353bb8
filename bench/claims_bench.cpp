/// Claims checked and paid per second for one incident affecting many policies (10,000 by
/// default), against the cost of a bare durable commit.
///
/// The book: one ETH pool holding 10^9 ETH fully backing one product on a vault contract, and
/// one policy per holder (2 ETH of cover for 365 days, deductible 0.1 ETH), all bought two days
/// before the exploit. The exploit is one recorded transaction (FileTraceSource): a contract
/// deployed in it drains the vault and every holder's position contract (1 ETH each), so the
/// incident's proof names one victim per policy plus the vault. The incident is reported, signed,
/// and verified from that evidence before timing starts.
///
/// For each backend (SQLite in WAL mode with synchronous=FULL; PostgreSQL with its durable
/// defaults, in a private cluster started here; the stores' normal settings) three benchmarks:
///   *Floor       bare single-row durable INSERT + COMMIT transactions (store_bench.hpp).
///   *Claims      a discretionary product: every holder's claim (signed before timing) submitted
///                and checked (Claims::submit, one store transaction each), the incident accepted
///                (Incidents::resolve, which approves every claim), then every claim paid
///                (Payouts::run). Reports claims checked/s, claims paid/s (accept + pay) and the
///                rate per claim of the whole (check + accept + pay).
///   *Parametric  a parametric product (loss-based smart-contract cover held by the positions
///                themselves), incident confirmed: Payouts::run pays every policy with no claim.
///                Reports payouts/s.
/// The books are built once per backend and product (untimed) and copied for every run, so each
/// run starts from the same store. Benchmarks run in rounds (--rounds=N, default 3), each a floor
/// run immediately followed by the claims and parametric runs per backend. A claims run takes tens
/// of seconds, over which the flush latency drifts, so it also measures the floor itself: 15 floor
/// transactions (on a database of their own, untimed for the claims) after every twentieth of the
/// checks and around the accept and pay steps; its rates are compared with that in-run floor, the
/// parametric run (seconds) with the mean of the floor runs just before and after it. After the
/// runs, one line per backend and rate gives the median rate and the median of the per-round
/// ratios. --policies=N changes the book's size. See bench/README.md.

#include <benchmark/benchmark.h>

#include <pqxx/pqxx>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulwark/core/address.hpp"
#include "bulwark/core/clock.hpp"
#include "bulwark/core/signature.hpp"
#include "bulwark/cover/claims.hpp"
#include "bulwark/cover/claims_view.hpp"
#include "bulwark/cover/evidence.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/cover/payouts.hpp"
#include "bulwark/store/postgres_db.hpp"
#include "bulwark/store/store.hpp"
#include "store_bench.hpp"

namespace bulwark::bench {
namespace {

using cover::Id;
using nlohmann::json;

constexpr benchmark::IterationCount kFloorIterations = 300;
constexpr int kDefaultRounds = 3;
constexpr int kDefaultPolicies = 10'000;
/// Policies (and holders) in each book; --policies=N.
int g_policies = kDefaultPolicies;

constexpr UnixTime kBought = 1'700'000'000;                  ///< Every policy is bought at this time.
constexpr UnixTime kExploit = kBought + 2 * kSecondsPerDay;  ///< The exploit's block time.
constexpr UnixTime kReported = kExploit + 3'600;
constexpr UnixTime kClaimed = kExploit + 7'200;  ///< Claims, the decision and the payouts.
constexpr std::uint64_t kExploitBlock = 18'000'000;

// Synthetic addresses of the exploit: the attacker's account, the contract it deploys, the vault
// the product covers, and position i's contract at kPositionBase + i.
constexpr unsigned kSender = 0xa11ce, kAttack = 0xbad, kVault = 0x7a017, kPositionBase = 0x100000;
/// Key n is 0x1000 + n: holders are 1..N, the reporter is kReporterKey.
constexpr unsigned kReporterKey = 0xfffff;

std::string hex_address(unsigned n) {
  char buf[43];
  std::snprintf(buf, sizeof buf, "0x%040x", n);
  return buf;
}

Address address(unsigned n) {
  return *Address::parse(hex_address(n));
}

Address position(int i) {
  return address(kPositionBase + unsigned(i));
}

PrivateKey key(unsigned n) {
  char buf[67];
  std::snprintf(buf, sizeof buf, "0x%064x", 0x1000u + n);
  return *PrivateKey::parse(buf);
}

U256 eth(unsigned tenths) {
  return *U256(std::uint64_t(tenths)).checked_mul(*U256::pow10(17));
}

Hash32 exploit_tx() {
  return *Hash32::parse("0x" + std::string(60, '0') + "beef");
}

json frame(const char* type, unsigned from, unsigned to, const char* input, std::vector<json> calls,
           const U256& value) {
  json f{{"type", type},
         {"from", hex_address(from)},
         {"to", hex_address(to)},
         {"value", value.to_hex()},
         {"input", input}};
  if (!calls.empty()) f["calls"] = std::move(calls);
  return f;
}

/// The exploit in callTracer shape: the sender deploys the attack contract, whose constructor
/// calls withdraw() on the vault (paying it 100 ETH) and on each of `positions` position contracts
/// (paying it 1 ETH each).
std::string exploit_trace(int positions) {
  std::vector<json> calls;
  calls.reserve(std::size_t(positions) + 1);
  calls.push_back(frame("CALL", kAttack, kVault, "0x3ccfd60b",
                        {frame("CALL", kVault, kAttack, "0x", {}, eth(1000))}, U256{}));
  for (int i = 0; i < positions; ++i) {
    const unsigned p = kPositionBase + unsigned(i);
    calls.push_back(
        frame("CALL", kAttack, p, "0x3ccfd60b", {frame("CALL", p, kAttack, "0x", {}, eth(10))}, U256{}));
  }
  return frame("CREATE", kSender, kAttack, "0x6080", std::move(calls), U256{}).dump();
}

// ---------------------------------------------------------------------------------------------
// The books: built once per backend and product, then copied for each run.

enum class Backend { kSqlite, kPostgres };

/// A built book, closed: a SQLite file or a PostgreSQL database, and what a run needs to know.
struct Book {
  std::string url;
  Id incident = 0;
  std::vector<cover::ClaimRequest> claims;  ///< Signed; empty for the parametric book.
};

cover::ClaimsConfig claims_config(bool parametric) {
  cover::ClaimsConfig c;
  if (parametric) c.challenge_window = 0;  // confirmed as soon as it is verified
  return c;
}

/// Builds a book at `url`: the pool, the product, one policy per holder, the verified incident
/// (confirmed for a parametric product) and, for a discretionary one, every holder's signed claim.
Result<Book> build_book(const std::string& url, bool parametric) {
  Book book;
  book.url = url;
  BULWARK_TRY(store, store::open_store(url));
  FakeClock clock(kBought);
  cover::Ledger ledger(*store, clock);
  BULWARK_TRY(asset, ledger.register_asset(Asset{1, std::nullopt, "ETH", 18}));
  BULWARK_TRY(pool, ledger.create_pool(cover::PoolSpec{"bench pool", asset.key(), 20'000}));
  BULWARK_CHECK(ledger.deposit(pool.id, address(0x5000), *U256::pow10(27)));
  cover::ProductSpec spec;
  spec.name = parametric ? "vault cover, parametric" : "vault cover";
  spec.contracts = {address(kVault)};
  spec.asset = asset.key();
  spec.parametric = parametric;
  spec.deductible = eth(1);
  BULWARK_TRY(product, ledger.add_product(spec));
  BULWARK_CHECK(ledger.set_backing(pool.id, product.id, 100));

  // Discretionary cover is held by the position's owner (who signs the claim); parametric cover by
  // the position itself, whose proven loss is what it is paid.
  std::vector<PrivateKey> holders;
  std::vector<Id> policies;
  for (int i = 0; i < g_policies; ++i) {
    Address holder = position(i);
    if (!parametric) holder = holders.emplace_back(key(unsigned(i) + 1)).address();
    BULWARK_TRY(policy, ledger.buy({holder, {product.id, eth(20), asset.key(), 365}, U256::max()}));
    policies.push_back(policy.id);
  }

  // The evidence, recorded, and the signed report it verifies.
  const fs::path evidence = fs::path(scratch().fresh("evidence"));
  fs::create_directories(evidence);
  const Hash32 tx = exploit_tx();
  std::ofstream(evidence / (tx.to_hex() + ".json")) << exploit_trace(g_policies);
  std::ofstream(evidence / (tx.to_hex() + ".meta.json"))
      << json{{"block", kExploitBlock}, {"time", kExploit}}.dump();
  clock.set(kReported);
  cover::Incidents incidents(*store, clock, claims_config(parametric));
  cover::FileTraceSource source({evidence});
  cover::ReportRequest report{
      key(kReporterKey).address(), product.id, {tx}, "vault and positions drained", {}};
  BULWARK_TRY(signature, sign_personal(key(kReporterKey), cover::report_message(report)));
  report.signature = signature;
  BULWARK_TRY(incident, incidents.report(report, source));
  const auto want = parametric ? cover::IncidentStatus::kConfirmed : cover::IncidentStatus::kVerified;
  if (incident.status != want)
    return fail(ErrorCode::kInternal, "the bench incident is " + std::string(to_string(incident.status)) +
                                          (incident.reasons.empty() ? "" : ": " + incident.reasons.back()));
  book.incident = incident.id;
  std::error_code ec;
  fs::remove_all(evidence, ec);

  for (std::size_t i = 0; i < holders.size(); ++i) {
    cover::ClaimRequest& r = book.claims.emplace_back();
    r.policy_id = policies[i];
    r.incident_id = incident.id;
    r.holder = holders[i].address();
    r.txs = {tx};
    r.claimed = eth(10);
    r.addresses = {position(int(i))};
    r.max_deposit = U256::max();
    BULWARK_TRY(sig, sign_personal(holders[i], cover::claim_message(r)));
    r.signature = sig;
  }
  return book;  // the store closes here: the copies are taken from the closed file or database
}

std::string database_of(const std::string& url) {
  return url.substr(url.rfind('/') + 1);
}

/// A copy of the book's store, as a URL to open.
Result<std::string> copy_book(Backend backend, const Book& book) {
  if (backend == Backend::kSqlite) {
    const std::string path = scratch().fresh("claims");
    std::error_code ec;
    fs::copy_file(book.url, path, ec);
    if (ec) return fail(ErrorCode::kIo, "copy " + book.url + ": " + ec.message());
    // On disk before the run starts, so that writing the copy back does not compete with it.
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      return fail(ErrorCode::kIo, "fsync " + path);
    }
    ::close(fd);
    return path;
  }
  static int copies = 0;
  const std::string name = "claims_copy_" + std::to_string(::getpid()) + "_" + std::to_string(++copies);
  // The template's last connection may still be closing on the server: try again for a while.
  for (int attempt = 0;; ++attempt) {
    try {
      pqxx::connection conn(cluster().url());
      pqxx::nontransaction tx(conn);
      // FILE_COPY checkpoints around the copy (WAL_LOG, the default, would log the whole database);
      // the CHECKPOINT after it leaves nothing for the server to flush during the run.
      tx.exec0("CREATE DATABASE " + name + " TEMPLATE " + database_of(book.url) + " STRATEGY FILE_COPY");
      tx.exec0("CHECKPOINT");
      return cluster().url(name);
    } catch (const std::exception& e) {
      if (attempt >= 50) return fail(ErrorCode::kUnavailable, std::string("create database: ") + e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

/// The book for (backend, parametric), built on first use.
Result<const Book*> book_for(Backend backend, bool parametric) {
  static std::map<std::pair<Backend, bool>, Book> books;
  const auto k = std::pair{backend, parametric};
  if (auto it = books.find(k); it != books.end()) return &it->second;
  std::string url;
  if (backend == Backend::kSqlite) {
    url = scratch().fresh(parametric ? "parametric-book" : "claims-book");
  } else {
    BULWARK_TRY(db, cluster().create_database());
    url = db;
  }
  BULWARK_TRY(book, build_book(url, parametric));
  return &books.emplace(k, std::move(book)).first->second;
}

// ---------------------------------------------------------------------------------------------
// The runs.

using Seconds = std::chrono::duration<double>;

double seconds_since(SteadyClock::time_point start) {
  return Seconds(SteadyClock::now() - start).count();
}

/// What this process has used so far: CPU time in user space and in the kernel (writes, fsync,
/// sockets), in seconds, and the store's counters (TimedStore). The PostgreSQL server's CPU is not
/// counted.
struct Usage {
  double user = 0;
  double sys = 0;
  Breakdown store;
  std::int64_t rt = 0;  ///< PostgreSQL round trips (store::postgres_round_trips).
};

double seconds_of(const timeval& tv) {
  return double(tv.tv_sec) + double(tv.tv_usec) * 1e-6;
}

Usage usage_now(const TimedStore& store) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return Usage{seconds_of(ru.ru_utime), seconds_of(ru.ru_stime), store.breakdown,
               store::postgres_round_trips()};
}

/// Reports one step's use per claim (`n` claims) as counters named `<step>_<what>`: user and
/// kernel CPU (us) and store operations; for `detailed` steps also the time in those operations,
/// in the code between them, in BEGIN + COMMIT (the durable flush), and outside any transaction
/// (the signature checks), in us.
void report_step(benchmark::State& state, const std::string& step, const Usage& from, const Usage& to,
                 double wall_s, double n, bool detailed) {
  const auto us = [&](SteadyClock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count() / n;
  };
  state.counters[step + "_user_us"] = (to.user - from.user) * 1e6 / n;
  state.counters[step + "_sys_us"] = (to.sys - from.sys) * 1e6 / n;
  state.counters[step + "_ops"] = double(to.store.operations - from.store.operations) / n;
  state.counters[step + "_rt"] = double(to.rt - from.rt) / n;
  if (!detailed) return;
  const auto in_ops = to.store.in_operations - from.store.in_operations;
  const auto in_body = to.store.in_body - from.store.in_body;
  const auto in_transact = to.store.in_transact - from.store.in_transact;
  state.counters[step + "_op_us"] = us(in_ops);
  state.counters[step + "_logic_us"] = us(in_body - in_ops);
  state.counters[step + "_txn_us"] = us(in_transact - in_body);
  state.counters[step + "_out_us"] = wall_s * 1e6 / n - us(in_transact);
}

/// Opens a fresh copy of the book; nullptr (the state skipped with the reason) on failure.
std::unique_ptr<store::Store> open_copy(benchmark::State& state, Backend backend, const Book*& book,
                                        bool parametric) {
  auto b = book_for(backend, parametric);
  if (!b) {
    state.SkipWithError(("book: " + b.error().message).c_str());
    return nullptr;
  }
  book = *b;
  auto url = copy_book(backend, **b);
  if (!url) {
    state.SkipWithError(("copy: " + url.error().message).c_str());
    return nullptr;
  }
  auto store = store::open_store(*url);
  if (!store) {
    state.SkipWithError(("open: " + store.error().message).c_str());
    return nullptr;
  }
  return std::move(*store);
}

/// Floor transactions measured inside a run, between its slices of work (and untimed for it), so
/// that a run of tens of seconds is compared with the flush latency of its own moments rather than
/// with the floor runs around it (fsync latency drifts several-fold within seconds).
class InlineFloor {
 public:
  /// Floor transactions per sample.
  static constexpr int kPerSample = 15;

  explicit InlineFloor(Backend backend) {
    if (backend == Backend::kSqlite)
      floor_ = std::make_unique<SqliteFloor>();
    else
      floor_ = std::make_unique<PostgresFloor>();
  }
  /// Prepares the floor; an error message, empty on success.
  std::string open() { return floor_->open(); }
  /// Runs one sample; the process's CPU time it used goes to `cpu` (user, kernel) so that the
  /// run's own CPU counters can leave it out. False on error (the state skipped).
  bool sample(benchmark::State& state, Usage& cpu) {
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const double s = floor_->run(kPerSample);
    if (s < 0) {
      state.SkipWithError(("floor: " + floor_->error()).c_str());
      return false;
    }
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    cpu.user += seconds_of(after.ru_utime) - seconds_of(before.ru_utime);
    cpu.sys += seconds_of(after.ru_stime) - seconds_of(before.ru_stime);
    seconds_ += s;
    transactions_ += kPerSample;
    return true;
  }
  /// Floor transactions per second over every sample so far.
  double rate() const { return seconds_ > 0 ? double(transactions_) / seconds_ : 0; }

 private:
  std::unique_ptr<Floor> floor_;
  double seconds_ = 0;
  int transactions_ = 0;
};

/// The floor is sampled this many times during the check step, and again before and after
/// the accept and pay steps.
constexpr int kCheckSlices = 20;

/// `to` less the CPU time the floor samples used in between.
Usage without(Usage to, const Usage& floor_cpu) {
  to.user -= floor_cpu.user;
  to.sys -= floor_cpu.sys;
  return to;
}

void run_claims(benchmark::State& state, Backend backend) {
  for (auto _ : state) {
    const Book* book = nullptr;
    auto opened = open_copy(state, backend, book, false);
    if (!opened) return;
    InlineFloor floor(backend);
    if (std::string e = floor.open(); !e.empty()) {
      state.SkipWithError(("floor: " + e).c_str());
      return;
    }
    // Every store operation and transaction is counted and timed (a few clock reads each).
    TimedStore store(*opened);
    FakeClock clock(kClaimed);
    const cover::ClaimsConfig config = claims_config(false);
    // One claims view for the three, as a long-running process keeps (IncidentResponder does).
    const auto view = std::make_shared<cover::ClaimsView>();
    cover::Claims claims(store, clock, config, view);
    cover::Incidents incidents(store, clock, config, view);
    cover::Payouts payouts(store, clock, config, view);
    const std::size_t count = book->claims.size();
    const double n = double(count);
    const std::size_t slice = std::max<std::size_t>(1, count / kCheckSlices);
    Usage floor_cpu;  // what the floor samples used, left out of the steps' CPU counters

    if (!floor.sample(state, floor_cpu)) return;
    const Usage at_start = without(usage_now(store), floor_cpu);
    double checked_s = 0;
    auto slice_start = SteadyClock::now();
    for (std::size_t i = 0; i < count; ++i) {
      auto c = claims.submit(book->claims[i]);
      if (!c || c->status != cover::ClaimStatus::kPending) {
        state.SkipWithError(
            ("submit: " + (c ? "claim is " + std::string(to_string(c->status)) : c.error().message)).c_str());
        return;
      }
      if ((i + 1) % slice == 0 || i + 1 == count) {
        checked_s += seconds_since(slice_start);
        if (!floor.sample(state, floor_cpu)) return;
        slice_start = SteadyClock::now();
      }
    }
    const Usage at_checked = without(usage_now(store), floor_cpu);
    const auto accept_start = SteadyClock::now();
    if (auto inc = incidents.resolve(book->incident, true, "accepted: the bench's incident"); !inc) {
      state.SkipWithError(("resolve: " + inc.error().message).c_str());
      return;
    }
    const double accepted_s = seconds_since(accept_start);
    const Usage at_accepted = without(usage_now(store), floor_cpu);
    if (!floor.sample(state, floor_cpu)) return;
    const Usage pay_from = without(usage_now(store), floor_cpu);
    const auto pay_start = SteadyClock::now();
    auto paid = payouts.run();
    const double paid_s = seconds_since(pay_start);
    const Usage at_paid = without(usage_now(store), floor_cpu);
    if (!paid || paid->payouts.size() != count) {
      state.SkipWithError(
          ("payouts: " + (paid ? std::to_string(paid->payouts.size()) + " made, not " + std::to_string(count)
                               : paid.error().message))
              .c_str());
      return;
    }
    if (!floor.sample(state, floor_cpu)) return;
    const double total_s = checked_s + accepted_s + paid_s;
    state.SetIterationTime(total_s);
    state.counters["checked/s"] = n / checked_s;
    state.counters["paid/s"] = n / (accepted_s + paid_s);
    state.counters["claims/s"] = n / total_s;
    state.counters["run_floor/s"] = floor.rate();
    state.counters["accept_s"] = accepted_s;
    state.counters["pay_s"] = paid_s;
    state.counters["batches"] = double(paid->batches);
    // Where each step's time goes, per claim.
    report_step(state, "check", at_start, at_checked, checked_s, n, true);
    report_step(state, "accept", at_checked, at_accepted, accepted_s, n, false);
    report_step(state, "pay", pay_from, at_paid, paid_s, n, false);
  }
}

void run_parametric(benchmark::State& state, Backend backend) {
  for (auto _ : state) {
    const Book* book = nullptr;
    auto opened = open_copy(state, backend, book, true);
    if (!opened) return;
    TimedStore store(*opened);
    FakeClock clock(kClaimed);
    cover::Payouts payouts(store, clock, claims_config(true));
    const Usage at_start = usage_now(store);
    const auto start = SteadyClock::now();
    auto paid = payouts.run();
    const double paid_s = seconds_since(start);
    const Usage at_paid = usage_now(store);
    if (!paid || paid->payouts.size() != std::size_t(g_policies)) {
      state.SkipWithError(("payouts: " + (paid ? std::to_string(paid->payouts.size()) + " made, not " +
                                                     std::to_string(g_policies)
                                               : paid.error().message))
                              .c_str());
      return;
    }
    state.SetIterationTime(paid_s);
    state.counters["payouts/s"] = double(paid->payouts.size()) / paid_s;
    state.counters["batches"] = double(paid->batches);
    report_step(state, "pay", at_start, at_paid, paid_s, double(paid->payouts.size()), false);
  }
}

void BM_SqliteClaims(benchmark::State& state) {
  run_claims(state, Backend::kSqlite);
}
void BM_SqliteParametric(benchmark::State& state) {
  run_parametric(state, Backend::kSqlite);
}
void BM_PostgresClaims(benchmark::State& state) {
  run_claims(state, Backend::kPostgres);
}
void BM_PostgresParametric(benchmark::State& state) {
  run_parametric(state, Backend::kPostgres);
}

/// Registers `rounds` rounds of floor, claims, floor, parametric, floor for SQLite, then the same
/// for PostgreSQL. A run takes seconds and fsync latency drifts (see ledger_bench), so each run is
/// compared with the mean of the floors measured just before and just after it.
void register_rounds(int rounds) {
  const std::pair<const char*, void (*)(benchmark::State&)> order[] = {
      {"BM_SqliteFloor", BM_SqliteFloor},
      {"BM_SqliteClaims", BM_SqliteClaims},
      {"BM_SqliteFloor", BM_SqliteFloor},
      {"BM_SqliteParametric", BM_SqliteParametric},
      {"BM_SqliteFloor", BM_SqliteFloor},
      {"BM_PostgresFloor", BM_PostgresFloor},
      {"BM_PostgresClaims", BM_PostgresClaims},
      {"BM_PostgresFloor", BM_PostgresFloor},
      {"BM_PostgresParametric", BM_PostgresParametric},
      {"BM_PostgresFloor", BM_PostgresFloor},
  };
  for (int round = 0; round < rounds; ++round)
    for (const auto& [name, fn] : order) {
      const bool floor = std::string_view(name).ends_with("Floor");
      auto* b = benchmark::RegisterBenchmark(name, fn);
      b->Iterations(floor ? kFloorIterations : 1)->Unit(benchmark::kMillisecond);
      if (floor)
        b->UseRealTime();
      else
        b->UseManualTime();
    }
}

// ---------------------------------------------------------------------------------------------
// The summary: each rate against the floors around it.

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
      const std::string& name = run.run_name.function_name;
      Entry e{name, {}};
      if (name.ends_with("Floor")) {
        if (run.real_accumulated_time <= 0) continue;
        e.rates["floor"] = double(run.iterations) / run.real_accumulated_time;
      } else {
        for (const auto& [counter, value] : run.counters)
          if (counter.ends_with("/s")) e.rates[counter] = value;
      }
      entries_.push_back(std::move(e));
    }
    ConsoleReporter::ReportRuns(runs);
  }

  /// Prints the median floor and one line per rate and backend: the median rate and the median
  /// (and range) of its ratios to the mean of the floors run just before and after it. Returns
  /// false if a run failed.
  bool summarise(std::ostream& out) const {
    static const std::pair<const char*, const char*> kRates[] = {
        {"Claims checked/s", "claims checked"},
        {"Claims paid/s", "claims paid (accept + pay)"},
        {"Claims claims/s", "claims checked and paid, per claim"},
        {"Parametric payouts/s", "parametric payouts"},
    };
    for (const auto& [backend, prefix] :
         {std::pair{"sqlite", "BM_Sqlite"}, std::pair{"postgresql", "BM_Postgres"}}) {
      std::vector<const Entry*> seq;  // this backend's runs in the order they ran
      for (const auto& e : entries_)
        if (e.name.starts_with(prefix)) seq.push_back(&e);
      std::vector<double> floors;
      for (const Entry* e : seq)
        if (e->name.ends_with("Floor")) floors.push_back(e->rates.at("floor"));
      if (floors.empty()) continue;
      char line[320];
      std::vector<double> inline_floors;
      for (const Entry* e : seq)
        if (auto it = e->rates.find("run_floor/s"); it != e->rates.end()) inline_floors.push_back(it->second);
      std::snprintf(line, sizeof line,
                    "%s: floor %.0f/s (median of %zu floor runs), %.0f/s inside the claims runs\n", backend,
                    median(floors), floors.size(), inline_floors.empty() ? 0.0 : median(inline_floors));
      out << line;
      for (const auto& [key, words] : kRates) {
        const std::string_view k(key);
        const std::string bench = std::string(prefix) + std::string(k.substr(0, k.find(' ')));
        const std::string counter(k.substr(k.find(' ') + 1));
        std::vector<double> rates, ratios;
        for (std::size_t i = 0; i < seq.size(); ++i) {
          if (seq[i]->name != bench || !seq[i]->rates.contains(counter)) continue;
          rates.push_back(seq[i]->rates.at(counter));
          // The floor measured inside the run where it has one, else the floors around it.
          if (auto own = seq[i]->rates.find("run_floor/s"); own != seq[i]->rates.end() && own->second > 0) {
            ratios.push_back(rates.back() / own->second);
            continue;
          }
          std::vector<double> around;
          for (std::size_t j = i; j-- > 0;)
            if (seq[j]->name.ends_with("Floor")) {
              around.push_back(seq[j]->rates.at("floor"));
              break;
            }
          for (std::size_t j = i + 1; j < seq.size(); ++j)
            if (seq[j]->name.ends_with("Floor")) {
              around.push_back(seq[j]->rates.at("floor"));
              break;
            }
          if (around.empty()) {
            rates.pop_back();
            continue;
          }
          double floor = 0;
          for (double f : around) floor += f / double(around.size());
          ratios.push_back(rates.back() / floor);
        }
        if (rates.empty()) continue;
        std::snprintf(line, sizeof line,
                      "%s: %s %.0f/s, ratio %.2f (medians of %zu rounds; ratio range %.2f..%.2f; goal >= "
                      "0.30: %s)\n",
                      backend, words, median(rates), median(ratios), rates.size(),
                      *std::min_element(ratios.begin(), ratios.end()),
                      *std::max_element(ratios.begin(), ratios.end()),
                      median(ratios) >= 0.3 ? "met" : "NOT met");
        out << line;
      }
    }
    return !failed_;
  }

 private:
  struct Entry {
    std::string name;                     ///< The benchmark function.
    std::map<std::string, double> rates;  ///< "floor", or its counters ending in "/s".
  };
  std::vector<Entry> entries_;  ///< Every run, in the order it ran.
  bool failed_ = false;
};

}  // namespace
}  // namespace bulwark::bench

int main(int argc, char** argv) {
  // Our own flags, --rounds=N (default 3) and --policies=N (default 10,000), are taken out before
  // Google Benchmark sees the rest.
  auto args = bulwark::bench::parse_args(
      argc, argv, bulwark::bench::kDefaultRounds, {"--policies="},
      [](std::string_view, const char* v) { bulwark::bench::g_policies = std::max(1, std::atoi(v)); });
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
