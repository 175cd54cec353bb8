// The watches across blocks (detect.hpp): a stablecoin's price out of its band for a duration
// (DepegWatch), a watched contract's balance falling within a window of blocks (DrainWatch).

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "bulwark/detect/detect.hpp"
#include "bulwark/detect/facts.hpp"

namespace bulwark::detect {

using rules::to_double;

std::optional<std::uint64_t> depeg_first_block(const Finding& f) {
  if (f.kind != FindingKind::kDepeg || f.evidence.empty()) return std::nullopt;
  const std::string& p = f.evidence.front().path;
  std::uint64_t n = 0;
  if (!p.starts_with("block ") ||
      std::from_chars(p.data() + 6, p.data() + p.size(), n).ptr != p.data() + p.size())
    return std::nullopt;
  return n;
}

std::optional<Finding> DepegWatch::observe(std::uint64_t block, std::uint64_t time, double price) {
  if (std::fabs(price - 1.0) <= band_) {
    out_since_.reset();
    reported_ = false;
    worst_ = 1.0;
    return std::nullopt;
  }
  if (!out_since_) out_since_ = {block, time};
  if (std::fabs(price - 1.0) > std::fabs(worst_ - 1.0)) worst_ = price;
  if (reported_ || time - out_since_->second < min_duration_) return std::nullopt;
  reported_ = true;
  Finding f{FindingKind::kDepeg, Severity::kHigh, 0.9};
  f.victims = {coin_};
  f.rule = fmt::format("price outside its {:.1f}% band since block {} for {} s (worst {:.4f})", 100 * band_,
                       out_since_->first, time - out_since_->second, worst_);
  f.evidence.push_back(
      Evidence{fmt::format("block {}", out_since_->first), coin_, coin_, 0, "first block out of band"});
  f.evidence.push_back(
      Evidence{fmt::format("block {}", block), coin_, coin_, 0, fmt::format("price {:.4f}", price)});
  return f;
}

std::optional<Finding> DrainWatch::observe(std::uint64_t block, const U256& balance,
                                           unsigned suspicious_txs) {
  // Forget what fell out of the window [block - window + 1, block].
  const std::uint64_t start = block >= window_ ? block - window_ + 1 : 0;
  std::erase_if(st_.peaks, [&](const auto& p) { return p.first < start; });
  std::erase_if(st_.suspicious, [&](const auto& p) { return p.first < start; });
  if (suspicious_txs > 0) st_.suspicious.emplace_back(block, suspicious_txs);
  // A sliding-window maximum: a balance below the new one can never be the highest again.
  while (!st_.peaks.empty() && !(balance < st_.peaks.back().second)) st_.peaks.pop_back();
  st_.peaks.emplace_back(block, balance);
  const auto& [peak_block, peak] = st_.peaks.front();
  if (peak.is_zero() || peak_block == block) return std::nullopt;
  const U256 lost = peak.checked_sub(balance).value_or(U256{});
  const double share = to_double(lost) / to_double(peak);
  if (share < fraction_ && 1.0 - share > floor_) return std::nullopt;
  unsigned txs = 0;
  for (const auto& [b, n] : st_.suspicious)
    if (b >= peak_block) txs += n;
  const bool repeated = txs >= 2;
  Finding f{FindingKind::kDrain, repeated ? Severity::kHigh : Severity::kMedium, repeated ? 0.8 : 0.5};
  f.victims = {holder_};
  f.loss.push_back(Loss{holder_, asset_, lost});
  f.rule = fmt::format(
      "a watched contract's balance of {} fell {:.0f}% between block {} and block {} (window {} blocks){}",
      asset_.to_string(), 100 * share, peak_block, block, window_,
      repeated ? fmt::format(", taken in {} transactions whose findings named it", txs) : "");
  f.evidence.push_back(Evidence{fmt::format("block {}", peak_block), holder_, holder_, 0,
                                "balance " + peak.to_dec() + " (the window's highest)"});
  f.evidence.push_back(
      Evidence{fmt::format("block {}", block), holder_, holder_, 0, "balance " + balance.to_dec()});
  // Watch afresh from here: the same fall is reported once.
  st_.peaks = {{block, balance}};
  st_.suspicious.clear();
  return f;
}

}  // namespace bulwark::detect
