#include "bulwark/risk/pricing.hpp"

#include <algorithm>

namespace bulwark::risk {

std::int64_t market_base_price_bps(const MarketPriceParams& p, const MarketPriceState& s, UnixTime now) {
  const std::int64_t elapsed = std::max<std::int64_t>(0, now - s.bumped_at);
  // decay * elapsed / 1 day in 256 bits, so that no elapsed time can overflow it.
  const auto drop =
      U256::mul_div(U256(std::uint64_t(std::max<std::int64_t>(0, p.decay_bps_per_day))),
                    U256(std::uint64_t(elapsed)), U256(std::uint64_t(kSecondsPerDay)), Rounding::kDown);
  const std::int64_t fallen =
      drop && *drop < U256(std::uint64_t(std::max<std::int64_t>(0, s.bumped_price_bps)))
          ? s.bumped_price_bps - std::int64_t(drop->low_u64())
          : 0;
  return std::max({p.target_price_bps, p.min_price_bps, fallen});
}

Result<MarketPriceState> market_price_after_purchase(const MarketPriceParams& p, const MarketPriceState& s,
                                                     UnixTime now, const U256& amount, const U256& capacity) {
  if (capacity.is_zero()) return fail(ErrorCode::kInvalidArgument, "capacity must be greater than zero");
  if (amount > capacity)
    return fail(ErrorCode::kInvalidArgument,
                "a purchase of " + amount.to_dec() + " exceeds the capacity of " + capacity.to_dec());
  // amount <= capacity, so the bump is at most bump_bps and fits.
  BULWARK_TRY(bump, U256::mul_div(amount, U256(std::uint64_t(p.bump_bps)), capacity, Rounding::kDown));
  return MarketPriceState{market_base_price_bps(p, s, now) + std::int64_t(bump.low_u64()), now};
}

Result<U256> market_premium(const U256& amount, std::int64_t price_bps, std::int64_t period_seconds) {
  if (price_bps < 0 || period_seconds < 0)
    return fail(ErrorCode::kInvalidArgument, "price and period must not be negative");
  BULWARK_TRY(rate_time, U256(std::uint64_t(price_bps)).checked_mul(U256(std::uint64_t(period_seconds))));
  return U256::mul_div(amount, rate_time, U256(std::uint64_t(kBasisPoints * 365 * kSecondsPerDay)),
                       Rounding::kUp);
}

EnsuroPremium ensuro_minimum_premium(double payout, const EnsuroParams& p) {
  EnsuroPremium e;
  e.pure_premium = payout * p.loss_prob * p.moc;
  e.jr_scr = std::max(payout * p.jr_coll_ratio - e.pure_premium, 0.0);
  e.sr_scr = std::max(payout * p.coll_ratio - e.pure_premium - e.jr_scr, 0.0);
  e.jr_coc = e.jr_scr * p.jr_roc * p.duration_years;
  e.sr_coc = e.sr_scr * p.sr_roc * p.duration_years;
  e.minimum =
      e.pure_premium + e.jr_coc + e.sr_coc + e.pure_premium * p.pp_fee + (e.jr_coc + e.sr_coc) * p.coc_fee;
  return e;
}

Result<NeptuneRate> neptune_fee_rate(const U256& commitment, const U256& amount, const U256& pool,
                                     const U256& reassurance, int months, const NeptuneParams& p) {
  if (months < 1 || months > 12)
    return fail(ErrorCode::kInvalidArgument, "cover period must be 1..12 months");
  // capital * 10000 = pool * 10000 + reassurance * weight_bps; utilisation = used * 10000 / capital.
  BULWARK_TRY(pool_scaled, pool.checked_mul(U256(std::uint64_t(kBasisPoints))));
  BULWARK_TRY(reassurance_scaled, reassurance.checked_mul(U256(std::uint64_t(p.reassurance_weight_bps))));
  BULWARK_TRY(capital_scaled, pool_scaled.checked_add(reassurance_scaled));
  if (capital_scaled.is_zero())
    return fail(ErrorCode::kInvalidArgument, "the pool and reassurance hold no capital");
  BULWARK_TRY(used, commitment.checked_add(amount));
  BULWARK_TRY(u, U256::mul_div(used, U256(std::uint64_t(kBasisPoints * kBasisPoints)), capital_scaled,
                               Rounding::kDown));
  NeptuneRate r;
  r.utilisation_bps = u.fits_u64() && u.low_u64() < std::uint64_t(1) << 62 ? std::int64_t(u.low_u64())
                                                                           : std::int64_t(1) << 62;
  r.rate_bps = std::min(std::max(r.utilisation_bps, p.floor_bps) + p.per_month_bps * months, p.ceiling_bps);
  return r;
}

}  // namespace bulwark::risk
