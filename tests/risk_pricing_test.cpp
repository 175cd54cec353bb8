// Premiums from risk and capital through the ledger, on every store backend: the market price's
// bump and decay, the actuarial floor of scored products, the solvency limit, live signals, and
// that all of it is journaled (the store verifies by replay).

#include <gtest/gtest.h>

#include "backends.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/cover/verify.hpp"

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

U256 sum(std::initializer_list<U256> parts) {
  U256 total;
  for (const auto& p : parts) total = *total.checked_add(p);
  return total;
}

class RiskPricingTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto s = store::open_store(testing::fresh_store_url(GetParam()));
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    LedgerConfig config;
    config.risk_years = 20'000;
    ledger_ = std::make_unique<Ledger>(*store_, clock_, config);
    asset_ = Asset{1, addr("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"), "USDC", 6};
    ASSERT_TRUE(ledger_->register_asset(asset_));
    auto pool = ledger_->create_pool({"pool", asset_.key(), 20'000});
    ASSERT_TRUE(pool);
    pool_ = pool->id;
    ASSERT_TRUE(ledger_->deposit(pool_, kAlice, usdc("10000000")));
    product_ = add_product("vault");
    other_ = add_product("lender");
  }

  Id add_product(const char* name, const char* deductible = "0") {
    ProductSpec spec;
    spec.name = name;
    spec.contracts = {kVault};
    spec.asset = asset_.key();
    spec.base_rate_bps = 200;
    spec.deductible = usdc(deductible);
    auto p = ledger_->add_product(spec);
    EXPECT_TRUE(p);
    EXPECT_TRUE(ledger_->set_backing(pool_, p->id, 50));
    return p->id;
  }

  Result<Quote> quote(const char* amount, std::int64_t days = 365, Id product = 0) {
    return ledger_->quote({product ? product : product_, usdc(amount), asset_.key(), days});
  }
  Result<Policy> buy(const char* amount, std::int64_t days = 365, Id product = 0) {
    return ledger_->buy(
        {kBob, {product ? product : product_, usdc(amount), asset_.key(), days}, U256::max()});
  }
  void expect_verifies() {
    auto r = verify_store(*store_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->ok()) << (r->problems.empty() ? "" : r->problems.front());
  }
  static void expect_exact_breakdown(const Quote& q) {
    const PriceBreakdown& b = q.breakdown;
    EXPECT_EQ(sum({b.pure_premium, b.capital_cost, b.fees}), b.floor);
    EXPECT_EQ(sum({b.pure_premium, b.capital_cost, b.fees, b.market_loading}), q.premium);
    EXPECT_EQ(sum({b.market_at_target, b.utilisation_bump}), b.market);
    EXPECT_EQ(q.premium, std::max(b.floor, b.market));
    EXPECT_EQ(sum({q.reward, q.fee, q.reserve}), q.premium);
  }

  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Ledger> ledger_;
  Asset asset_;
  Id pool_ = 0, product_ = 0, other_ = 0;
};

TEST_P(RiskPricingTest, MarketPriceIsBumpedByPurchasesAndDecaysBack) {
  // Capacity 10M * 2 * 50% = 10M; a 2M purchase bumps the price by 500 * 2/10 = 100 bps.
  auto first = quote("2000000");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->breakdown.scored);
  EXPECT_EQ(first->breakdown.market_price_bps, 200);
  EXPECT_EQ(first->premium, usdc("40000"));
  EXPECT_TRUE(first->breakdown.utilisation_bump.is_zero());
  expect_exact_breakdown(*first);
  ASSERT_TRUE(buy("2000000"));
  auto bumped = quote("10000");
  ASSERT_TRUE(bumped);
  EXPECT_EQ(bumped->breakdown.market_price_bps, 300);
  EXPECT_EQ(bumped->premium, usdc("300"));
  EXPECT_EQ(bumped->breakdown.utilisation_bump, usdc("100"));
  expect_exact_breakdown(*bumped);
  // 200 bps a day: half a day later 100 bps of the bump is gone, a day later all of it.
  clock_.advance(kSecondsPerDay / 2);
  auto half = quote("10000");
  ASSERT_TRUE(half);
  EXPECT_EQ(half->breakdown.market_price_bps, 200);
  // The other product's price never moved.
  auto other = quote("10000", 365, other_);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->breakdown.market_price_bps, 200);
  expect_verifies();
}

TEST_P(RiskPricingTest, ScoredProductsPayAtLeastTheActuarialFloorAndItAddsUpExactly) {
  risk::RiskFactors f;
  f.tvl_usd = 50e6;
  f.audits = 0;
  f.oracle = risk::OracleDesign::kSpot;
  f.upgradeability = risk::Upgradeability::kAdminKey;
  ASSERT_TRUE(ledger_->set_risk_factors(product_, f));
  auto q = quote("100000");
  ASSERT_TRUE(q) << q.error().message;
  const PriceBreakdown& b = q->breakdown;
  ASSERT_TRUE(b.scored);
  ASSERT_TRUE(b.score);
  EXPECT_FALSE(b.score->factors.empty());
  expect_exact_breakdown(*q);
  // The floor covers at least the expected loss (rounded up to the asset's unit).
  EXPECT_GE(b.pure_premium, *U256::from_dec(std::to_string(std::uint64_t(b.expected_loss * 1e6))));
  EXPECT_GE(b.floor, b.pure_premium);
  EXPECT_GT(b.marginal_capital, 0);
  EXPECT_GE(b.solvency_ratio, 1.0);
  // This profile is risky enough for the floor to bind over the 2% market price.
  EXPECT_EQ(b.binding, "floor");
  EXPECT_GT(q->premium, b.market);

  // More cover costs more, at every step.
  U256 last;
  for (const char* amount : {"1000", "10000", "100000", "1000000", "3000000"}) {
    auto r = quote(amount);
    ASSERT_TRUE(r) << amount << ": " << r.error().message;
    EXPECT_GT(r->premium, last) << amount;
    expect_exact_breakdown(*r);
    last = r->premium;
  }

  // A safer profile is cheaper than the risky one, for the same cover.
  ASSERT_TRUE(ledger_->set_risk_factors(other_, risk::RiskFactors{}));
  auto safer = quote("100000", 365, other_);
  ASSERT_TRUE(safer);
  EXPECT_LT(safer->breakdown.floor, b.floor);

  // The policy is sold at the quoted premium, and the journal replays the risk record.
  auto p = buy("100000");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->premium, q->premium);
  expect_verifies();
}

TEST_P(RiskPricingTest, ADeductibleLowersTheExpectedLossAndTheFloor) {
  // Two products with the same risky profile, one with a deductible of 5,000 USDC. On the empty
  // book either cover is the only one that can pay, so the capital model draws the same events
  // for both; the deductible's payouts are 5% smaller.
  const Id deducted_product = add_product("vault with a deductible", "5000");
  risk::RiskFactors f;
  f.tvl_usd = 50e6;
  f.audits = 0;
  f.oracle = risk::OracleDesign::kSpot;
  f.upgradeability = risk::Upgradeability::kAdminKey;
  ASSERT_TRUE(ledger_->set_risk_factors(product_, f));
  ASSERT_TRUE(ledger_->set_risk_factors(deducted_product, f));
  auto plain = quote("100000");
  auto deducted = quote("100000", 365, deducted_product);
  ASSERT_TRUE(plain && deducted);
  const PriceBreakdown& p = plain->breakdown;
  const PriceBreakdown& d = deducted->breakdown;
  ASSERT_TRUE(p.score && d.score);
  EXPECT_EQ(p.deductible_share, 0);
  EXPECT_DOUBLE_EQ(d.deductible_share, 0.05);
  // The expected loss: the frequency times the mean excess of the share of cover lost over 5%.
  const risk::RiskScore& s = *d.score;
  EXPECT_DOUBLE_EQ(p.expected_loss, 100000 * s.expected_loss_rate);
  const double excess =
      risk::expected_excess_share(risk::default_calibration().severity, s.severity_scale, s.tvl_usd, 0.05);
  EXPECT_NEAR(d.expected_loss, 100000 * s.frequency * excess, 1e-9 * d.expected_loss);
  EXPECT_LT(d.expected_loss, p.expected_loss);
  EXPECT_LT(d.pure_premium, p.pure_premium);
  EXPECT_LE(d.marginal_capital, p.marginal_capital);
  EXPECT_GT(d.marginal_capital, 0);
  EXPECT_LT(d.floor, p.floor);
  EXPECT_EQ(d.binding, "floor");
  EXPECT_LT(deducted->premium, plain->premium);
  expect_exact_breakdown(*plain);
  expect_exact_breakdown(*deducted);

  // A policy carries its deductible into the book: 5,000 of its 100,000 is 5% of every payout.
  ASSERT_TRUE(buy("100000", 365, deducted_product));
  auto book = ledger_->risk_book(asset_.key());
  ASSERT_TRUE(book) << book.error().message;
  ASSERT_EQ(book->entries.size(), 3u);
  EXPECT_EQ(book->entries[2].product.id, deducted_product);
  EXPECT_DOUBLE_EQ(book->entries[2].deductibles, 5000);
  EXPECT_DOUBLE_EQ(book->book.products[2].deductible_share, 0.05);
  EXPECT_EQ(book->book.products[0].deductible_share, 0);

  // Cover no larger than the deductible can never pay: no expected loss, no capital, no floor.
  auto within = quote("4000", 365, deducted_product);
  ASSERT_TRUE(within) << within.error().message;
  EXPECT_EQ(within->breakdown.deductible_share, 1);
  EXPECT_EQ(within->breakdown.expected_loss, 0);
  EXPECT_EQ(within->breakdown.marginal_capital, 0);
  EXPECT_TRUE(within->breakdown.floor.is_zero());
  EXPECT_EQ(within->breakdown.binding, "market");
  expect_exact_breakdown(*within);
  expect_verifies();
}

TEST_P(RiskPricingTest, NewCoverIsLimitedBySolvencyAndMoreCapitalHelps) {
  risk::RiskFactors f;
  f.tvl_usd = 5e6;  // small protocol: one exploit can take much of its TVL
  f.audits = 0;
  f.oracle = risk::OracleDesign::kSpot;
  f.dependencies = {{risk::DependencyKind::kBridge, "wormhole"}};
  ASSERT_TRUE(ledger_->set_risk_factors(product_, f));
  ASSERT_TRUE(ledger_->set_risk_factors(other_, f));  // same bridge: they fail together
  // Thin capital, highly leveraged: 100k in the first pool and 100k in a pool selling 10x its stake,
  // so that capacity (1.1M for the product) runs far ahead of what the capital can carry.
  ASSERT_TRUE(ledger_->withdraw(pool_, kAlice, usdc("9900000")));
  auto leveraged = ledger_->create_pool({"leveraged", asset_.key(), 100'000});
  ASSERT_TRUE(leveraged);
  ASSERT_TRUE(ledger_->deposit(leveraged->id, kAlice, usdc("100000")));
  ASSERT_TRUE(ledger_->set_backing(leveraged->id, product_, 100));
  auto small = quote("10000");
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_GE(small->breakdown.solvency_ratio, 1.0);
  // Capacity allows 1M, but the book's 99.5% loss would then be far above its 200k of capital.
  auto big = quote("1000000");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kInsufficientCapacity);
  EXPECT_NE(big.error().message.find("solvency"), std::string::npos) << big.error().message;
  EXPECT_FALSE(buy("1000000"));
  // More capital: a better solvency ratio for the same cover.
  ASSERT_TRUE(ledger_->deposit(pool_, kAlice, usdc("10000000")));
  auto richer = quote("10000");
  ASSERT_TRUE(richer);
  EXPECT_GT(richer->breakdown.solvency_ratio, small->breakdown.solvency_ratio);
  EXPECT_GT(richer->breakdown.capital, small->breakdown.capital);
  ASSERT_TRUE(buy("1000000"));
  expect_verifies();
}

TEST_P(RiskPricingTest, LiveSignalsRaiseThePriceOrSuspendSalesUntilReviewed) {
  auto before = quote("10000");
  ASSERT_TRUE(before);
  auto medium = ledger_->record_signal(product_, {risk::SignalSeverity::kMedium, "oracle_deviation", 0});
  ASSERT_TRUE(medium) << medium.error().message;
  EXPECT_EQ(medium->id, 1);
  auto raised = quote("10000");
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->breakdown.target_price_bps, 300);  // 200 * 1.5
  EXPECT_GT(raised->premium, before->premium);
  auto incident =
      ledger_->record_signal(product_, {risk::SignalSeverity::kIncident, "exploit_in_progress", 0});
  ASSERT_TRUE(incident);
  auto stopped = buy("10000");
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(stopped.error().message.find("suspended"), std::string::npos);
  EXPECT_TRUE(ledger_->review_signal(product_, incident->id));
  EXPECT_FALSE(ledger_->review_signal(product_, incident->id));  // only once
  ASSERT_TRUE(buy("10000"));
  ASSERT_TRUE(ledger_->review_signal(product_, medium->id));
  auto risk = ledger_->product_risk(product_);
  ASSERT_TRUE(risk);
  EXPECT_TRUE(risk->signals.empty());
  EXPECT_EQ(risk->next_signal, 3);
  expect_verifies();
}

TEST_P(RiskPricingTest, TheBookCarriesEveryProductOfTheAsset) {
  ASSERT_TRUE(buy("500000"));
  ASSERT_TRUE(ledger_->set_risk_factors(other_, risk::RiskFactors{}));
  auto book = ledger_->risk_book(asset_.key());
  ASSERT_TRUE(book) << book.error().message;
  ASSERT_EQ(book->entries.size(), 2u);
  EXPECT_DOUBLE_EQ(book->entries[0].exposure, 500000);
  EXPECT_FALSE(book->entries[0].risk.factors);  // unscored: reference factors in the model
  EXPECT_TRUE(book->entries[1].risk.factors);
  EXPECT_DOUBLE_EQ(book->book.capital, 10000000 + 0.0);
  EXPECT_DOUBLE_EQ(book->book.products[0].exposure, 500000);
}

INSTANTIATE_TEST_SUITE_P(Backends, RiskPricingTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

}  // namespace
}  // namespace bulwark::cover
