#pragma once
/// The block follower: reads a chain block by block from a checkpoint kept in the store, runs the
/// detectors on every transaction and the stablecoin watches on every block, persists findings with
/// the checkpoint in one store transaction per block (a crash never skips or repeats a block), and
/// handles reorgs by retracting the findings of orphaned blocks and evaluating the new ones.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulwark/chain/node.hpp"
#include "bulwark/detect/detect.hpp"
#include "bulwark/monitor/lease.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::monitor {

/// A block as the follower needs it.
struct BlockInfo {
  std::uint64_t number = 0;
  Hash32 hash;
  Hash32 parent;
  std::uint64_t time = 0;
};

/// One transaction's trace as the node gave it (raw callTracer JSON).
struct TxTraceText {
  Hash32 tx;
  std::string trace;
};

/// Where blocks come from: a node over JSON-RPC, or a scripted chain in tests. Not thread-safe.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  /// The latest block number.
  virtual Result<std::uint64_t> head() = 0;
  /// Block `n` of the chain the source follows now. Errors: kNotFound past the head.
  virtual Result<BlockInfo> block(std::uint64_t n) = 0;
  /// The callTracer traces (with logs) of every transaction of the block with this hash, in order.
  virtual Result<std::vector<TxTraceText>> traces(const BlockInfo& b) = 0;
  /// A Chainlink-style feed's answer (latestRoundData) at block `n`, scaled by 10^-decimals; nullopt
  /// when the feed has no answer there (not yet deployed, or a non-positive answer).
  virtual Result<std::optional<double>> feed_price(const Address& feed, unsigned decimals,
                                                   std::uint64_t n) = 0;
  /// `holder`'s balance of `asset` (the native coin, or an ERC-20's balanceOf) at block `n`; zero for a
  /// token with no code there yet. Errors: kFailedPrecondition when balanceOf reverts (the block is
  /// skipped for that watch), a node fault otherwise (the block is retried).
  virtual Result<U256> balance(const Address& holder, const detect::AssetRef& asset, std::uint64_t n) = 0;
};

/// A BlockSource over a node (chain::Node, which must outlive it).
class NodeBlockSource final : public BlockSource {
 public:
  explicit NodeBlockSource(chain::Node& node) : node_(node) {}
  Result<std::uint64_t> head() override;
  Result<BlockInfo> block(std::uint64_t n) override;
  Result<std::vector<TxTraceText>> traces(const BlockInfo& b) override;
  Result<std::optional<double>> feed_price(const Address& feed, unsigned decimals, std::uint64_t n) override;
  Result<U256> balance(const Address& holder, const detect::AssetRef& asset, std::uint64_t n) override;

 private:
  chain::Node& node_;
};

/// A stablecoin price feed to watch for a depeg.
struct FeedWatch {
  Address coin;
  std::string symbol;
  Address feed;
  unsigned decimals = 8;
};

/// Reads the feeds to watch from a JSON file's "stablecoins" array (the devnet manifest's shape:
/// [{address, symbol, feeds: [{address, decimals}]}]). Errors: kInvalidArgument naming what is wrong.
Result<std::vector<FeedWatch>> parse_watch(const nlohmann::json& j);

/// A contract's balance of one asset, watched for a drain across blocks.
struct BalanceWatch {
  Address holder;
  detect::AssetRef asset;
  std::optional<std::uint64_t> chain_id;  ///< The chain it is on; every chain followed when absent.
};

/// Reads the balances to watch from a JSON file's "balances" array: [{holder, assets: ["native" |
/// "0x<token>", ...], chain_id?}] (the devnet manifest writes one). Errors: kInvalidArgument naming
/// what is wrong.
Result<std::vector<BalanceWatch>> parse_balance_watch(const nlohmann::json& j);

struct FollowerConfig {
  std::uint64_t chain_id = 1;
  std::optional<std::uint64_t> from;  ///< First block when there is no checkpoint (default: the head).
  std::optional<std::uint64_t> to;    ///< Stop after this block.
  std::uint64_t confirmations = 0;    ///< Process block n once the head is at least n + confirmations.
  std::uint64_t reorg_depth = 64;     ///< The deepest reorg handled; deeper is an error.
  std::vector<FeedWatch> feeds;
  double depeg_band = 0.03;
  std::uint64_t depeg_duration = 3600;  ///< Seconds out of band before a depeg is reported.
  std::vector<BalanceWatch> balances;
  std::uint64_t drain_window = 20;  ///< Blocks over which a watched balance's fall counts as one drain.
  detect::DetectConfig detect;      ///< Also the drain watches' thresholds (drain_fraction, drain_floor).
};

/// What the follower reports: a new finding, or the retraction of one on an orphaned block.
struct Event {
  std::uint64_t block = 0;
  /// Transaction hash, or for a watch "depeg:<coin>@<block>" / "drain:<holder>:<asset>@<block>" (the
  /// block of the report: a watch may report again, and each report is a finding of its own).
  std::string tx;
  detect::Finding finding;
  bool retracted = false;
  nlohmann::json to_json(std::uint64_t chain_id) const;
};

/// Follows one chain. `source`, `store` and `leases` (when given) must outlive it. Not thread-safe
/// (one follower per chain).
///
/// With `leases`, the follower works only while `leases` holds the chain's lease: each block's
/// transaction first renews the lease at the epoch held (Leases::renew_in), so a follower whose
/// lease was taken over writes nothing. Whenever the epoch held changes (the lease was taken, or
/// taken back) it starts again from the checkpoint in the store.
class Follower {
 public:
  Follower(BlockSource& source, store::Store& store, FollowerConfig config, Leases* leases = nullptr);
  /// Processes every block now available (up to `to`), calling `emit` for each event after its block
  /// is committed. Returns the number of blocks processed. With leases: does nothing (returns 0)
  /// while the lease is not held, and returns early once a balancing round is due
  /// (Leases::round_due). Errors: the source's (the checkpoint stays at the last committed block),
  /// the store's, kFailedPrecondition for a reorg deeper than allowed, or kConflict when the lease
  /// was lost or the stored checkpoint is not the block this follower last committed (another
  /// process wrote it: the follower reloads it at the next poll).
  Result<std::uint64_t> poll(const std::function<void(const Event&)>& emit);
  /// True once the block `to` has been processed.
  bool done() const { return done_; }
  /// The last block committed (nullopt before the first).
  std::optional<std::uint64_t> checkpoint() const {
    return last_ ? std::optional(last_->number) : std::nullopt;
  }

 private:
  Status load();
  Result<bool> unwind(const BlockInfo& incoming, const std::function<void(const Event&)>& emit);
  Status commit(const BlockInfo& b, const std::vector<Event>& events, const std::string& watch);

  Status check_checkpoint(store::Tx& tx);
  std::string owner() const;
  void reset_watches();
  /// The watches' states as stored with a block (a JSON array: one object per watched coin, then one
  /// per watched balance).
  std::string watch_state() const;
  /// Restores the watches from a stored block's state; a coin the state lacks starts afresh.
  Status restore_watches(const std::string& state);

  BlockSource& source_;
  store::Store& store_;
  FollowerConfig cfg_;
  Leases* leases_;
  std::uint64_t epoch_ = 0;  // the lease epoch the state below was loaded under (0: no leases)
  bool loaded_ = false;
  bool done_ = false;
  std::optional<BlockInfo> last_;
  std::vector<detect::DepegWatch> watches_;
  std::vector<detect::DrainWatch> drains_;
};

}  // namespace bulwark::monitor
