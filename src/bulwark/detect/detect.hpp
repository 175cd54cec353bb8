#pragma once
/// Exploit detectors over one transaction's call tree and asset flows, and the combiner that turns
/// their signals into findings.
///
/// Each detector is a small documented rule (docs/detection.md gives the rules and thresholds). The
/// combiner issues at most one incident-grade (high or critical) finding per transaction, naming the
/// victims (contracts that lost assets and got nothing back), the attackers (the sender and the
/// contracts acting for it), the loss per victim and asset, and the frames that prove it.
/// Pure: no I/O, no clock. Thread-safe (no shared state).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bulwark/chain/trace.hpp"
#include "bulwark/detect/flows.hpp"

namespace bulwark::detect {

enum class FindingKind : std::uint8_t {
  kReentrancy,
  kFlashLoan,
  kPriceManipulation,
  kDrain,
  kDepeg,
  kGovernance,
  kExtraction,  ///< Assets taken from contracts that got nothing back, by the sender's own contracts.
};
enum class Severity : std::uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };

/// "reentrancy", "flash_loan", "price_manipulation", "drain", "depeg", "governance", "extraction".
std::string_view to_string(FindingKind k);
/// "info", "low", "medium", "high", "critical".
std::string_view to_string(Severity s);
/// High or critical: what opens an incident and can trigger a parametric payout.
inline bool incident_grade(Severity s) {
  return s >= Severity::kHigh;
}

/// A loss: what one victim lost of one asset, in the asset's smallest unit.
struct Loss {
  Address victim;
  AssetRef asset;
  U256 amount;
};

/// One piece of evidence: a frame, by its path from the root ("0" is the root, "0.2.1" its third
/// child's second child), and what it shows.
struct Evidence {
  std::string path;
  Address from;
  Address to;
  std::uint32_t selector = 0;
  std::string note;
};

/// What a detector concluded about one transaction.
struct Finding {
  FindingKind kind = FindingKind::kExtraction;
  Severity severity = Severity::kInfo;
  double confidence = 0;  ///< 0..1.
  std::vector<Address> victims;
  std::vector<Address> attackers;
  std::vector<Loss> loss;
  std::vector<Evidence> evidence;
  std::vector<std::string> signals;  ///< The other detectors' signals this finding rests on.
  double profit_usd = 0;             ///< The sender's side's net gain valued in dollars (0 when unknown).
  std::string rule;                  ///< The rule that fired, in words.
};

/// Thresholds and tables; the defaults are those documented in docs/detection.md.
struct DetectConfig {
  ChainTables tables = ChainTables::defaults();
  double drain_fraction = 0.5;  ///< A victim losing at least this share of an observed balance is drained.
  double drain_floor = 0.01;    ///< ... or left with at most this share of it.
  double price_move = 0.10;     ///< A pool price moved at least this far within the transaction.
  /// A contract that pays the sender's side at least this multiple of what the sender's side paid it (same
  /// asset, within the transaction) corroborates a drain.
  double outsized_return = 1000;
  /// A flash-loan-funded payment out of a market counts as a borrow against collateral, not a sign of
  /// attack, when the sender's side paid that market's other holders at least this share of its dollar
  /// value in the same transaction (`rules::borrows_backed`).
  double backed_borrow = 0.9;
  std::size_t max_evidence = 12;  ///< Evidence entries kept per finding.
  double native_usd = 1000;       ///< Dollar value of one native coin (ETH, BNB), for valuing profits.
  /// A sender's-side profit this large (dollars), taken from contracts, with another sign of attack (a
  /// flash loan, a re-entry, a price move, an attack contract) is an incident ...
  double profit_usd = 40'000;
  /// ... and this large without one (a controller moving its own funds looks alike).
  double profit_usd_alone = 1'000'000;
};

/// The analysis of one transaction: its flows and its findings (at most one incident-grade).
struct Analysis {
  FlowSummary flows;
  std::vector<Finding> findings;
  /// The most severe finding's severity (kInfo when there is none).
  Severity max_severity() const;
};

/// Runs every transaction-level detector and the combiner on `trace`.
Analysis analyze(const chain::Trace& trace, const DetectConfig& config);
/// The same, into `out` (replacing what it held), whose buffers are reused: a monitor or a batch run
/// analysing many transactions in turn allocates less.
void analyze_into(const chain::Trace& trace, const DetectConfig& config, Analysis& out);

/// The path of frame `i` from the root, e.g. "0.2.1".
std::string frame_path(const chain::Trace& trace, std::size_t i);

/// Every function selector the flow analysis and the rules read (ERC-20 and wrapped-native calls, pool,
/// lender, liquidation, debt-repayment and governance entry points, callbacks, permits, ERC-1271), sorted.
/// Any other selector is only compared with others: what a contract names its functions changes no finding.
std::span<const std::uint32_t> known_selectors();

/// JSON forms (addresses EIP-55, amounts decimal strings).
nlohmann::json to_json(const Finding& f);
nlohmann::json flows_to_json(const FlowSummary& s, std::size_t max_flows = 64);

/// The first block of the excursion a DepegWatch finding reports (its first evidence entry), or
/// nullopt for another finding.
std::optional<std::uint64_t> depeg_first_block(const Finding& f);

/// A stablecoin price watch across blocks: reports a depeg when the price stays outside
/// [1 - band, 1 + band] for at least `min_duration` seconds. One instance per (chain, stablecoin);
/// not thread-safe.
class DepegWatch {
 public:
  DepegWatch(Address stablecoin, double band = 0.03, std::uint64_t min_duration = 3600)
      : coin_(stablecoin), band_(band), min_duration_(min_duration) {}
  /// Feeds the price (in the peg's unit) seen at `block` and `time` (Unix seconds, non-decreasing).
  /// Returns a finding once, when an excursion first lasts `min_duration`; a return inside the band
  /// ends the excursion.
  std::optional<Finding> observe(std::uint64_t block, std::uint64_t time, double price);

  /// What the watch remembers between blocks: kept with each block a monitor commits, so a
  /// restart or a reorg resumes an excursion where that block left it.
  struct State {
    std::optional<std::pair<std::uint64_t, std::uint64_t>> out_since;  ///< (block, time) it left the band.
    double worst = 1.0;
    bool reported = false;
  };
  State state() const { return {out_since_, worst_, reported_}; }
  void restore(const State& s) {
    out_since_ = s.out_since;
    worst_ = s.worst;
    reported_ = s.reported;
  }
  const Address& coin() const { return coin_; }

 private:
  Address coin_;
  double band_;
  std::uint64_t min_duration_;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> out_since_;  // (block, time)
  double worst_ = 1.0;
  bool reported_ = false;
};

/// A watched contract's balance of one asset across blocks: reports a drain when, within the last
/// `window` blocks, the balance fell by at least `fraction` of its highest value in the window, or to
/// at most `floor` of it (the transaction-level drain rule's thresholds, over several transactions).
/// A fall of that size is medium on its own (a large withdrawal looks the same); it is high when at
/// least two of the transactions in the window each gave a finding (medium or above) naming the holder
/// as a victim: the holder was taken from again and again. Reports once, then watches afresh from the
/// balance it reported. One instance per (chain, holder, asset); not thread-safe.
class DrainWatch {
 public:
  DrainWatch(Address holder, AssetRef asset, std::uint64_t window = 20, double fraction = 0.5,
             double floor = 0.01)
      : holder_(holder), asset_(asset), window_(window), fraction_(fraction), floor_(floor) {}
  /// Feeds the balance at `block` (blocks strictly increasing) and the number of the block's
  /// transactions whose findings named the holder as a victim.
  std::optional<Finding> observe(std::uint64_t block, const U256& balance, unsigned suspicious_txs = 0);

  /// What the watch remembers between blocks (kept with each block a monitor commits): the balances
  /// that may still be the window's highest (block, balance; balances decreasing), and the blocks in
  /// the window with transactions that named the holder (block, count).
  struct State {
    std::vector<std::pair<std::uint64_t, U256>> peaks;
    std::vector<std::pair<std::uint64_t, unsigned>> suspicious;
  };
  const State& state() const { return st_; }
  void restore(State s) { st_ = std::move(s); }
  const Address& holder() const { return holder_; }
  const AssetRef& asset() const { return asset_; }

 private:
  Address holder_;
  AssetRef asset_;
  std::uint64_t window_;
  double fraction_, floor_;
  State st_;
};

}  // namespace bulwark::detect
