#pragma once
/// The pricing formulas of the insurers Bulwark is measured against, reproduced exactly so that
/// Bulwark's own prices can be checked against them (../shared/research/anchors.md names the
/// sources). Pure functions: no I/O, no clock of their own.
///
/// - Market price (Nexus Mutual v2, StakingProducts.sol, tag v2.12.4): a per-product price that each
///   purchase bumps in proportion to the capacity it uses and that decays back toward a target.
/// - Minimum premium (Ensuro, Policy.sol getMinimumPremium): pure premium plus the cost of the
///   solvency capital the cover locks, plus fees.
/// - Fee rate (Neptune Mutual, parametric covers): utilisation-driven rate with a floor, a ceiling
///   and a monthly increment, in basis points rounded down.

#include <cstdint>

#include "bulwark/core/clock.hpp"
#include "bulwark/core/error.hpp"
#include "bulwark/core/u256.hpp"

namespace bulwark::risk {

/// Basis points: 10000 = 100%.
inline constexpr std::int64_t kBasisPoints = 10'000;

/// Parameters of the market price. Prices are annual rates in basis points.
struct MarketPriceParams {
  std::int64_t target_price_bps = 200;   ///< Where the price settles without purchases.
  std::int64_t bump_bps = 500;           ///< PRICE_BUMP_RATIO: bump for a purchase of 100% of capacity.
  std::int64_t decay_bps_per_day = 200;  ///< PRICE_CHANGE_PER_DAY: how fast a bump wears off.
  std::int64_t min_price_bps = 100;      ///< No price goes below this (1%/year).
};

/// The moving part of a product's market price.
struct MarketPriceState {
  std::int64_t bumped_price_bps = 0;  ///< The price right after the last purchase.
  UnixTime bumped_at = 0;             ///< When that purchase happened.
};

/// The price a buyer pays at `now`: max(target, min price, bumped - decay * elapsed days), where
/// elapsed days are fractional (decay * seconds / 86400, rounded down as the contract does).
std::int64_t market_base_price_bps(const MarketPriceParams& params, const MarketPriceState& state,
                                   UnixTime now);

/// The state after a purchase of `amount` out of `capacity` at `now`: the base price then, bumped by
/// bump * amount / capacity (rounded down). Errors: kInvalidArgument for zero capacity or an
/// amount above the capacity.
Result<MarketPriceState> market_price_after_purchase(const MarketPriceParams& params,
                                                     const MarketPriceState& state, UnixTime now,
                                                     const U256& amount, const U256& capacity);

/// Premium for `amount` at an annual `price_bps` over `period_seconds`:
/// amount * price / 10000 * period / 365 days, rounded up to the asset's unit.
Result<U256> market_premium(const U256& amount, std::int64_t price_bps, std::int64_t period_seconds);

/// Ensuro's inputs for one policy. Ratios are fractions (0.1 = 10%); `duration_years` is the cover
/// period in years (7 days = 7/365).
struct EnsuroParams {
  double loss_prob = 0;      ///< Probability the policy pays out.
  double moc = 1;            ///< Margin of conservativism applied to the pure premium.
  double jr_coll_ratio = 0;  ///< Junior solvency capital as a fraction of the payout.
  double coll_ratio = 0;     ///< Total solvency capital as a fraction of the payout.
  double jr_roc = 0;         ///< Annual return the junior capital asks.
  double sr_roc = 0;         ///< Annual return the senior capital asks.
  double pp_fee = 0;         ///< Fee on the pure premium.
  double coc_fee = 0;        ///< Fee on the cost of capital.
  double duration_years = 0;
};

struct EnsuroPremium {
  double pure_premium = 0;  ///< payout * loss_prob * moc
  double jr_scr = 0;        ///< max(payout * jr_coll_ratio - pure, 0)
  double sr_scr = 0;        ///< max(payout * coll_ratio - pure - jr_scr, 0)
  double jr_coc = 0;        ///< jr_scr * jr_roc * duration
  double sr_coc = 0;        ///< sr_scr * sr_roc * duration
  double minimum = 0;       ///< pure + jr_coc + sr_coc + pure * pp_fee + (jr_coc + sr_coc) * coc_fee
};

/// Ensuro's minimum premium for a policy paying `payout`.
EnsuroPremium ensuro_minimum_premium(double payout, const EnsuroParams& params);

/// Neptune Mutual's fee-rate parameters, in basis points as its contracts keep them.
struct NeptuneParams {
  std::int64_t floor_bps = 700;
  std::int64_t ceiling_bps = 4'500;
  std::int64_t per_month_bps = 100;             ///< Added for each month of cover.
  std::int64_t reassurance_weight_bps = 2'500;  ///< Share of the reassurance fund counted as capital.
};

struct NeptuneRate {
  std::int64_t utilisation_bps = 0;  ///< (commitment + amount) / (pool + reassurance * weight), rounded down
  std::int64_t rate_bps = 0;         ///< min(max(utilisation, floor) + per_month * months, ceiling)
};

/// Neptune's fee rate for `amount` more cover over `months`, given the cover already committed,
/// the pool's capital and the reassurance fund (all in one asset's units). Errors:
/// kInvalidArgument when there is no capital or months is outside 1..12.
Result<NeptuneRate> neptune_fee_rate(const U256& commitment, const U256& amount, const U256& pool,
                                     const U256& reassurance, int months, const NeptuneParams& params = {});

}  // namespace bulwark::risk
