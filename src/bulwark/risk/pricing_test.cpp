// The competitors' published pricing vectors (../shared/research/anchors.md), reproduced exactly.

#include "bulwark/risk/pricing.hpp"

#include <gtest/gtest.h>

namespace bulwark::risk {
namespace {

struct Row {
  std::int64_t days_since_previous;
  std::uint64_t cover;
  std::int64_t base_price;
  std::int64_t bumped_after;
  std::uint64_t premium;
};

/// Plays the six purchases of Nexus Mutual's calculatePremium test: capacity 50,000, 365-day
/// covers, target price = initial bumped price = 200 bps.
void play(std::int64_t decay_per_day, const std::vector<Row>& rows) {
  const MarketPriceParams params{
      .target_price_bps = 200, .bump_bps = 500, .decay_bps_per_day = decay_per_day, .min_price_bps = 100};
  UnixTime now = 1'600'000'000;
  MarketPriceState state{200, now};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    now += r.days_since_previous * kSecondsPerDay;
    const std::int64_t base = market_base_price_bps(params, state, now);
    EXPECT_EQ(base, r.base_price) << "row " << i + 1;
    auto premium = market_premium(U256(r.cover), base, 365 * kSecondsPerDay);
    ASSERT_TRUE(premium);
    EXPECT_EQ(*premium, U256(r.premium)) << "row " << i + 1;
    auto next = market_price_after_purchase(params, state, now, U256(r.cover), U256(50'000));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->bumped_price_bps, r.bumped_after) << "row " << i + 1;
    state = *next;
  }
}

TEST(MarketPrice, NexusSixPurchaseVectorWithTheTestsDecayOf50PerDay) {
  play(50, {{183, 2'400, 200, 224, 48},
            {1, 12'000, 200, 320, 240},
            {2, 12'000, 220, 340, 264},
            {5, 12'000, 200, 320, 240},
            {2, 8'000, 220, 300, 176},
            {4, 2'400, 200, 224, 48}});
}

TEST(MarketPrice, NexusSixPurchaseVectorWithTheMainnetDecayOf200PerDay) {
  play(200, {{183, 2'400, 200, 224, 48},
             {1, 12'000, 200, 320, 240},
             {2, 12'000, 200, 320, 240},
             {5, 12'000, 200, 320, 240},
             {2, 8'000, 200, 280, 160},
             {4, 2'400, 200, 224, 48}});
}

TEST(MarketPrice, DecaysByTheSecondAndNeverBelowTheFloors) {
  const MarketPriceParams params{.target_price_bps = 50, .min_price_bps = 100};
  const MarketPriceState state{500, 0};
  EXPECT_EQ(market_base_price_bps(params, state, 0), 500);
  EXPECT_EQ(market_base_price_bps(params, state, kSecondsPerDay / 2), 400);  // half a day: half the decay
  EXPECT_EQ(market_base_price_bps(params, state, 100 * kSecondsPerDay),
            100);                                            // min price, not the lower target
  EXPECT_EQ(market_base_price_bps(params, state, -5), 500);  // a clock behind the bump: no decay
}

TEST(MarketPrice, RejectsImpossiblePurchasesAndRoundsPremiumsUp) {
  const MarketPriceParams params;
  EXPECT_FALSE(market_price_after_purchase(params, {200, 0}, 0, U256(1), U256(0)));
  EXPECT_FALSE(market_price_after_purchase(params, {200, 0}, 0, U256(11), U256(10)));
  auto tiny = market_premium(U256(1), 200, kSecondsPerDay);  // 1 * 2% / 365: a fraction of a unit
  ASSERT_TRUE(tiny);
  EXPECT_EQ(*tiny, U256(1));
  EXPECT_FALSE(market_premium(U256(1), -1, 1));
}

TEST(EnsuroPremium, FirstVectorCapitalSplit) {
  const auto e = ensuro_minimum_premium(100, {.loss_prob = 0.01,
                                              .moc = 1,
                                              .jr_coll_ratio = 0.1,
                                              .coll_ratio = 0.2,
                                              .jr_roc = 0.24,
                                              .sr_roc = 0.12,
                                              .duration_years = 1.0 / 12});
  EXPECT_NEAR(e.pure_premium, 1.0, 1e-12);
  EXPECT_NEAR(e.jr_scr, 9.0, 1e-12);
  EXPECT_NEAR(e.sr_scr, 10.0, 1e-12);
  EXPECT_NEAR(e.jr_coc, 0.18, 1e-12);
  EXPECT_NEAR(e.sr_coc, 0.10, 1e-12);
}

TEST(EnsuroPremium, SecondVectorMinimumPremium) {
  const auto e = ensuro_minimum_premium(36, {.loss_prob = 1.0 / 37,
                                             .moc = 1.3,
                                             .coll_ratio = 0.2,
                                             .sr_roc = 0.10,
                                             .pp_fee = 0.01,
                                             .duration_years = 7.0 / 365});
  EXPECT_NEAR(e.pure_premium, 1.264865, 5e-7);
  EXPECT_NEAR(e.sr_scr, 5.935135, 5e-7);
  EXPECT_NEAR(e.sr_coc, 0.011382, 5e-7);
  EXPECT_NEAR(e.minimum, 1.288896, 5e-7);
  EXPECT_LT(1.28, e.minimum);  // a premium of 1.28 is rejected
}

TEST(NeptuneRate, PublishedVectors) {
  const U256 vault(24'000'000), reassurance(1'000'000);
  auto one_month = neptune_fee_rate(0, 1'000'000, vault, reassurance, 1);
  ASSERT_TRUE(one_month);
  EXPECT_EQ(one_month->utilisation_bps, 412);  // 4.12%
  EXPECT_EQ(one_month->rate_bps, 800);         // the 7% floor + 1% for one month
  auto three_months = neptune_fee_rate(0, 10'000'000, vault, reassurance, 3);
  ASSERT_TRUE(three_months);
  EXPECT_EQ(three_months->utilisation_bps, 4'123);  // 41.23%
  EXPECT_EQ(three_months->rate_bps, 4'423);         // 44.23%
  auto capped = neptune_fee_rate(0, 20'000'000, vault, reassurance, 6);
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->rate_bps, 4'500);  // the ceiling
  EXPECT_FALSE(neptune_fee_rate(0, 1, 0, 0, 1));
  EXPECT_FALSE(neptune_fee_rate(0, 1, 10, 0, 13));
}

}  // namespace
}  // namespace bulwark::risk
