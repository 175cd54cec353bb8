// The ledger's behaviour, run against every store backend (one shared suite).

#include <gtest/gtest.h>

#include "backends.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/cover/verify.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

U256 usdc(const char* s) {
  return *parse_units(s, 6);
}
Address addr(const char* s) {
  return *Address::parse(s);
}

const Address kAlice = addr("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
const Address kBob = addr("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const Address kVault = addr("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");

class LedgerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = testing::fresh_store_url(GetParam());
    auto s = store::open_store(url_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    ledger_ = std::make_unique<Ledger>(*store_, clock_);
    asset_ = Asset{1, addr("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"), "USDC", 6};
    ASSERT_TRUE(ledger_->register_asset(asset_));
  }

  /// A pool with `stake` backing one product at `weight`.
  void make_book(const char* stake, std::int64_t weight, std::int64_t rate_bps = 200) {
    auto pool = ledger_->create_pool({"pool", asset_.key(), 20'000});
    ASSERT_TRUE(pool) << pool.error().message;
    pool_ = pool->id;
    ASSERT_TRUE(ledger_->deposit(pool_, kAlice, usdc(stake)));
    ProductSpec spec;
    spec.name = "vault";
    spec.contracts = {kVault};
    spec.asset = asset_.key();
    spec.base_rate_bps = rate_bps;
    auto product = ledger_->add_product(spec);
    ASSERT_TRUE(product) << product.error().message;
    product_ = product->id;
    ASSERT_TRUE(ledger_->set_backing(pool_, product_, weight));
  }

  Result<Policy> buy(const char* amount, std::int64_t days = 365, const Address& holder = kBob) {
    return ledger_->buy({holder, {product_, usdc(amount), asset_.key(), days}, U256::max()});
  }

  void expect_verifies() {
    auto r = verify_store(*store_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->ok()) << (r->problems.empty() ? "" : r->problems.front());
  }

  /// Every table's row count, to prove a rejected command wrote nothing.
  std::map<std::string, std::int64_t> counts() {
    std::map<std::string, std::int64_t> out;
    EXPECT_TRUE(store_->transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
      for (const auto* t : store::schema::all_tables()) {
        BULWARK_TRY(n, tx.count(*t));
        out[t->name] = n;
      }
      return {};
    }));
    return out;
  }

  FakeClock clock_;
  std::string url_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Ledger> ledger_;
  Asset asset_;
  Id pool_ = 0, product_ = 0;
};

TEST_P(LedgerTest, PremiumFollowsNexusFormulaAndSplitsExactly) {
  make_book("1000000", 100);
  // 10,000 USDC for 365 days at 2%: 200 USDC.
  auto q = ledger_->quote({product_, usdc("10000"), asset_.key(), 365});
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->premium, usdc("200"));
  EXPECT_EQ(q->fee, usdc("20"));      // 10%
  EXPECT_EQ(q->reserve, usdc("10"));  // 5%
  EXPECT_EQ(q->reward, usdc("170"));
  // 1 USDC unit for 28 days rounds up to one unit, never down to zero.
  auto tiny = ledger_->quote({product_, U256(1), asset_.key(), 28});
  ASSERT_TRUE(tiny);
  EXPECT_EQ(tiny->premium, U256(1));
  // 250,000 for 90 days: 250000e6 * 200 * 90 / (10000 * 365) = 1232876712.3.. -> rounded up.
  auto odd = ledger_->quote({product_, usdc("250000"), asset_.key(), 90});
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->premium, U256(1'232'876'713));
  EXPECT_EQ(*odd->reward.checked_add(odd->fee)->checked_add(odd->reserve), odd->premium);
}

TEST_P(LedgerTest, CapacityIsStakeTimesRatioTimesWeightAndAllOrNothing) {
  make_book("1000", 50);  // capacity 1000 * 2 * 0.5 = 1000
  auto view = ledger_->pool_view(pool_);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->products.at(0).capacity, usdc("1000"));
  ASSERT_TRUE(buy("600"));
  auto before = counts();
  auto too_much = buy("400.000001");
  ASSERT_FALSE(too_much);
  EXPECT_EQ(too_much.error().code, ErrorCode::kInsufficientCapacity);
  EXPECT_EQ(counts(), before);
  ASSERT_TRUE(buy("400"));  // exactly the rest
  auto none = buy("0.000001");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kInsufficientCapacity);
  expect_verifies();
}

TEST_P(LedgerTest, CoverIsSplitAcrossPoolsProRataToFreeCapacity) {
  make_book("1000", 100);  // pool 1: capacity 2000
  auto pool2 = ledger_->create_pool({"second", asset_.key(), 20'000});
  ASSERT_TRUE(pool2);
  ASSERT_TRUE(ledger_->deposit(pool2->id, kAlice, usdc("3000")));
  ASSERT_TRUE(ledger_->set_backing(pool2->id, product_, 100));  // capacity 6000
  auto p = buy("4000");
  ASSERT_TRUE(p) << p.error().message;
  auto allocs = ledger_->allocations(p->id);
  ASSERT_TRUE(allocs);
  ASSERT_EQ(allocs->size(), 2u);
  EXPECT_EQ((*allocs)[0].cover, usdc("1000"));
  EXPECT_EQ((*allocs)[1].cover, usdc("3000"));
  EXPECT_EQ(*(*allocs)[0].reward.checked_add((*allocs)[1].reward), p->reward);
  expect_verifies();
}

TEST_P(LedgerTest, LockedStakeBlocksWithdrawalAndSaysWhenItFrees) {
  make_book("1000", 100);  // capacity 2000; 1000 of cover locks 500 of stake
  auto p = buy("1000", 30);
  ASSERT_TRUE(p);
  auto view = ledger_->pool_view(pool_);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->locked, usdc("500"));
  EXPECT_EQ(view->free, usdc("500"));
  ASSERT_EQ(view->unlocks.size(), 1u);
  EXPECT_EQ(view->unlocks[0].time, p->end_time);
  auto before = counts();
  auto w = ledger_->withdraw(pool_, kAlice, usdc("600"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(w.error().message.find("free"), std::string::npos) << w.error().message;
  EXPECT_EQ(counts(), before);
  ASSERT_TRUE(ledger_->withdraw(pool_, kAlice, usdc("500")));
  // Someone without shares cannot withdraw.
  auto stranger = ledger_->withdraw(pool_, kBob, U256(1));
  ASSERT_FALSE(stranger);
  expect_verifies();
}

TEST_P(LedgerTest, ExpiryReleasesCapacityAndPaysStakersTheirReward) {
  make_book("1000", 100);
  auto p = buy("2000", 28);
  ASSERT_TRUE(p);
  EXPECT_FALSE(buy("1"));
  clock_.advance(28 * kSecondsPerDay);
  auto n = ledger_->expire_due();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  auto after = ledger_->policy(p->id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, PolicyStatus::kExpired);
  auto view = ledger_->pool_view(pool_);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->capital, *usdc("1000").checked_add(p->reward));  // reward fully earned
  EXPECT_TRUE(view->unearned.is_zero());
  EXPECT_TRUE(view->locked.is_zero());
  EXPECT_TRUE(buy("1000"));  // capacity is back
  expect_verifies();
}

TEST_P(LedgerTest, CancellationRefundsTheUnexpiredPartProRata) {
  make_book("100000", 100);
  auto p = buy("36500", 100);  // premium 36500 * 2% * 100/365 = 200
  ASSERT_TRUE(p);
  EXPECT_EQ(p->premium, usdc("200"));
  clock_.advance(25 * kSecondsPerDay);  // a quarter used
  auto wrong = ledger_->cancel(p->id, kAlice);
  ASSERT_FALSE(wrong);
  auto c = ledger_->cancel(p->id, kBob);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->status, PolicyStatus::kCancelled);
  EXPECT_EQ(c->refund, usdc("150"));
  auto view = ledger_->pool_view(pool_);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->products.at(0).allocated.is_zero());
  EXPECT_FALSE(ledger_->cancel(p->id, kBob));  // only once
  expect_verifies();
}

TEST_P(LedgerTest, RewardsAccrueToSharesOverTimeSoLateDepositorsDoNotTakeThem) {
  make_book("1000", 100);
  auto p = buy("1000", 100);
  ASSERT_TRUE(p);
  clock_.advance(50 * kSecondsPerDay);
  auto dep = ledger_->deposit(pool_, kBob, usdc("1000"));
  ASSERT_TRUE(dep);
  // Half the reward has become capital, so Bob's 1000 buys fewer shares than Alice's 1000 did.
  EXPECT_LT(dep->shares, usdc("1000"));
  auto view = ledger_->pool_view(pool_);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->capital, *usdc("2000").checked_add(*U256::mul_div(p->reward, 1, 2, Rounding::kDown)));
  expect_verifies();
}

TEST_P(LedgerTest, RejectionsSayWhyAndWriteNothing) {
  make_book("1000", 100);
  auto before = counts();
  struct Case {
    QuoteRequest req;
    ErrorCode code;
  };
  const std::vector<Case> cases{
      {{product_, U256(), asset_.key(), 30}, ErrorCode::kInvalidArgument},            // zero amount
      {{product_ + 7, usdc("1"), asset_.key(), 30}, ErrorCode::kNotFound},            // unknown product
      {{product_, usdc("1"), asset_.key(), 27}, ErrorCode::kInvalidArgument},         // period too short
      {{product_, usdc("1"), asset_.key(), 366}, ErrorCode::kInvalidArgument},        // period too long
      {{product_, usdc("1"), "1:native", 30}, ErrorCode::kInvalidArgument},           // wrong asset
      {{product_, U256::max(), asset_.key(), 30}, ErrorCode::kInsufficientCapacity},  // absurd amount
  };
  for (const auto& c : cases) {
    auto r = ledger_->buy({kBob, c.req, U256::max()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
  }
  const U256 amount = usdc("1000"), offered = usdc("19.99");  // first: GCC 12 misreads the request's string
  auto cheap = ledger_->buy({kBob, {product_, amount, asset_.key(), 365}, offered});
  ASSERT_FALSE(cheap);  // premium 20 not paid
  EXPECT_FALSE(ledger_->deposit(pool_, kAlice, U256()));
  auto huge = ledger_->deposit(pool_, kAlice, U256::max());  // capital would pass 2^256 - 1
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::kOverflow);
  EXPECT_FALSE(ledger_->deposit(pool_ + 9, kAlice, U256(5)));
  EXPECT_FALSE(ledger_->set_backing(pool_, product_, 101));
  ASSERT_TRUE(ledger_->set_on_sale(product_, false));
  before = counts();
  auto off = buy("1");
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(counts(), before);
  expect_verifies();
}

TEST_P(LedgerTest, TermsAreFrozenAtPurchase) {
  make_book("1000", 100);
  auto p = buy("100", 30);
  ASSERT_TRUE(p);
  ASSERT_TRUE(ledger_->set_on_sale(product_, false));
  auto again = ledger_->policy(p->id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->terms.grace_days, 30);
  EXPECT_EQ(again->terms.base_rate_bps, 200);
}

TEST_P(LedgerTest, VerifyDetectsTamperedBalancesAndJournal) {
  make_book("1000", 100);
  ASSERT_TRUE(buy("100", 30));
  expect_verifies();
  // Edit a balance behind the ledger's back: the replay no longer matches.
  ASSERT_TRUE(store_->transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    return tx.put(store::schema::accounts(), {accounts::pool_capital(pool_), asset_.key(), "999999999999"});
  }));
  auto r = verify_store(*store_);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok());
  // Rewrite a journal entry's payload: its hash no longer matches.
  ASSERT_TRUE(store_->transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    BULWARK_TRY(row, tx.get(store::schema::journal(), {"2"}));
    if (!row.has_value()) return fail(ErrorCode::kNotFound, "journal entry 2");
    store::Row edited = row.value();
    edited[3] = edited[3] + " ";
    return tx.put(store::schema::journal(), edited);
  }));
  auto r2 = verify_store(*store_);
  ASSERT_TRUE(r2);
  EXPECT_FALSE(r2->ok());
  bool hash_problem = false;
  for (const auto& p : r2->problems) hash_problem |= p.find("hash") != std::string::npos;
  EXPECT_TRUE(hash_problem);
}

TEST_P(LedgerTest, ExportVerifiesOnItsOwn) {
  make_book("1000", 100);
  ASSERT_TRUE(buy("100", 30));
  std::stringstream out;
  auto n = export_journal(*store_, out);
  ASSERT_TRUE(n);
  std::stringstream in(out.str());
  auto r = verify_export(in);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->entries, *n);
  auto stored = verify_store(*store_);
  ASSERT_TRUE(stored);
  EXPECT_EQ(r->head, stored->head);
}

TEST_P(LedgerTest, TwoStoresOnOneDatabaseNeverActOnStaleRows) {
  // A second store (as another process would have) on the same database: each caches rows, and
  // neither may sell capacity or count capital the other has already changed.
  make_book("1000", 100);  // capacity 2000
  auto other_store = store::open_store(url_);
  ASSERT_TRUE(other_store) << other_store.error().message;
  Ledger other(**other_store, clock_);
  ASSERT_TRUE(buy("1500"));
  auto over = other.buy({kBob, {product_, usdc("600"), asset_.key(), 365}, U256::max()});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kInsufficientCapacity);
  ASSERT_TRUE(other.buy({kBob, {product_, usdc("500"), asset_.key(), 365}, U256::max()}));
  auto none = buy("0.000001");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kInsufficientCapacity);
  ASSERT_TRUE(other.deposit(pool_, kBob, usdc("1000")));
  auto view = ledger_->pool_view(pool_);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->capital, usdc("2000"));
  ASSERT_TRUE(buy("2000"));  // the capacity other's deposit added
  expect_verifies();
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

}  // namespace
}  // namespace bulwark::cover
