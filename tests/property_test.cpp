// Ledger property test: thousands of random sequences of deposits, withdrawals, purchases,
// expiries and cancellations against both backends. After every step: the books add up to the
// money that came in and went out (as counted by the test itself), capacity is never exceeded,
// nothing fails for an internal reason, and the journal verifies.

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <random>

#include "backends.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/cover/verify.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

struct Params {
  std::string backend;
  int sequences;
  int steps;
};

void PrintTo(const Params& p, std::ostream* os) {
  *os << p.backend << " x" << p.sequences;
}

class LedgerProperty : public ::testing::TestWithParam<Params> {};

/// The test's own count of external money flows, independent of the ledger's accounts.
struct Model {
  U256 in;   // deposits + premiums
  U256 out;  // withdrawals + refunds
  std::vector<Policy> policies;
};

void expect_no_internal_failure(const Error& e, const std::string& op) {
  EXPECT_NE(e.code, ErrorCode::kOverflow) << op << ": " << e.message;
  EXPECT_NE(e.code, ErrorCode::kInternal) << op << ": " << e.message;
  EXPECT_NE(e.code, ErrorCode::kCorrupt) << op << ": " << e.message;
  EXPECT_NE(e.code, ErrorCode::kUnavailable) << op << ": " << e.message;
}

void check_invariants(store::Store& st, Ledger& ledger, const Model& m, const std::vector<Id>& pools,
                      const std::string& where) {
  auto books = ledger.books();
  ASSERT_TRUE(books) << books.error().message;
  U256 held;
  for (const auto& a : books->accounts)
    if (!accounts::is_flow(a.key)) held = *held.checked_add(a.balance);
  ASSERT_GE(m.in, m.out);
  EXPECT_EQ(held, *m.in.checked_sub(m.out))
      << where << ": the accounts do not add up to the money in minus out";
  for (Id pool : pools) {
    auto v = ledger.pool_view(pool);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_LE(v->locked, v->capital) << where;
    for (const auto& p : v->products)
      EXPECT_LE(p.allocated, p.capacity)
          << where << ": pool " << pool << " product " << p.product_id << " oversold";
  }
  auto report = verify_store(st);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_TRUE(report->ok()) << where << ": " << report->problems.front();
}

/// Empties every table so the next sequence starts from nothing (PostgreSQL: cheaper than a new database).
void wipe(const std::string& url) {
  pqxx::connection c(url);
  pqxx::work w(c);
  std::string tables;
  for (const auto* t : store::schema::all_tables()) tables += (tables.empty() ? "" : ", ") + t->name;
  w.exec("TRUNCATE " + tables);
  w.commit();
}

TEST_P(LedgerProperty, RandomSequencesKeepTheBooksBalanced) {
  const Params& params = GetParam();
  std::mt19937_64 rng(20261124);
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
  };
  const std::vector<Address> people{*Address::parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
                                    *Address::parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
                                    *Address::parse("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")};
  const Asset asset{1, std::nullopt, "ETH", 18};
  std::string pg_url;
  std::unique_ptr<store::Store> pg_store;
  if (params.backend == "postgresql") {
    pg_url = testing::fresh_store_url("postgresql", testing::PgOptions{.durable = false});
    auto s = store::open_store(pg_url);
    ASSERT_TRUE(s) << s.error().message;
    pg_store = std::move(*s);
  }
  std::size_t ok_ops = 0, rejected_ops = 0;
  for (int seq = 0; seq < params.sequences; ++seq) {
    std::unique_ptr<store::Store> sqlite_store;
    if (params.backend == "sqlite") {
      auto s = store::open_store(":memory:");
      ASSERT_TRUE(s) << s.error().message;
      sqlite_store = std::move(*s);
    } else {
      wipe(pg_url);
    }
    store::Store& st = sqlite_store ? *sqlite_store : *pg_store;
    FakeClock clock(1'700'000'000);
    Ledger ledger(st, clock);
    Model m;
    ASSERT_TRUE(ledger.register_asset(asset));
    std::vector<Id> pools, products;
    for (std::int64_t ratio : {20'000, 15'000}) {
      auto p = ledger.create_pool({"p", asset.key(), ratio});
      ASSERT_TRUE(p);
      pools.push_back(p->id);
    }
    for (int i = 0; i < 2; ++i) {
      ProductSpec spec;
      spec.name = "product";
      spec.contracts = {people[0]};
      spec.asset = asset.key();
      spec.base_rate_bps = std::int64_t(pick(50, 2'000));
      auto p = ledger.add_product(spec);
      ASSERT_TRUE(p);
      products.push_back(p->id);
      for (Id pool : pools) ASSERT_TRUE(ledger.set_backing(pool, p->id, std::int64_t(pick(0, 100))));
    }
    // Amounts from 1 wei to 1e24 wei, so rounding at every scale is exercised.
    auto amount = [&] {
      return *U256::mul_div(U256(pick(1, 1'000'000)), *U256::pow10(unsigned(pick(0, 18))), 1,
                            Rounding::kDown);
    };
    for (int step = 0; step < params.steps; ++step) {
      const std::string where =
          params.backend + " sequence " + std::to_string(seq) + " step " + std::to_string(step);
      const auto op = pick(0, 9);
      if (op <= 2) {
        const U256 a = amount();
        auto r = ledger.deposit(pools[pick(0, 1)], people[pick(0, 2)], a);
        if (r)
          m.in = *m.in.checked_add(a), ++ok_ops;
        else
          expect_no_internal_failure(r.error(), where), ++rejected_ops;
      } else if (op <= 3) {
        const U256 a = amount();
        auto r = ledger.withdraw(pools[pick(0, 1)], people[pick(0, 2)], a);
        if (r)
          m.out = *m.out.checked_add(a), ++ok_ops;
        else
          expect_no_internal_failure(r.error(), where), ++rejected_ops;
      } else if (op <= 6) {
        auto r = ledger.buy({people[pick(0, 2)],
                             {products[pick(0, 1)], amount(), asset.key(), std::int64_t(pick(20, 380))},
                             U256::max()});
        if (r)
          m.in = *m.in.checked_add(r->premium), m.policies.push_back(*r), ++ok_ops;
        else
          expect_no_internal_failure(r.error(), where), ++rejected_ops;
      } else if (op <= 7 && !m.policies.empty()) {
        const Policy& p = m.policies[pick(0, m.policies.size() - 1)];
        auto r = ledger.cancel(p.id, pick(0, 4) ? p.holder : people[pick(0, 2)]);
        if (r)
          m.out = *m.out.checked_add(r->refund), ++ok_ops;
        else
          expect_no_internal_failure(r.error(), where), ++rejected_ops;
      } else {
        clock.advance(std::int64_t(pick(0, 120)) * kSecondsPerDay + std::int64_t(pick(0, 86'399)));
        auto r = ledger.expire_due();
        ASSERT_TRUE(r) << r.error().message;
      }
      check_invariants(st, ledger, m, pools, where);
      if (::testing::Test::HasFailure()) return;
    }
  }
  // Both paths must really have been exercised.
  EXPECT_GT(ok_ops, std::size_t(params.sequences));
  EXPECT_GT(rejected_ops, std::size_t(params.sequences) / 10);
  std::cout << params.backend << ": " << params.sequences << " sequences, " << ok_ops << " accepted and "
            << rejected_ops << " rejected operations\n";
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerProperty,
                         ::testing::Values(Params{"sqlite", 2000, 12}, Params{"postgresql", 1000, 12}),
                         [](const auto& tp) { return tp.param.backend; });

}  // namespace
}  // namespace bulwark::cover
