#pragma once
/// Asset-flow analysis: who paid whom what inside one transaction, and the net change per holder.
///
/// Flows come from native value on calls, creates and self-destructs; ERC-20 `transfer` and
/// `transferFrom` calls (or, when the trace carries logs, the `Transfer` events, which also see mints,
/// burns and fee-on-transfer tokens); and wrapped-native `deposit`/`withdraw`. Effects inside reverted
/// frames are ignored. A mint is booked as a transfer from the token contract, a burn as a transfer to it,
/// so that a wrapped-native contract's native balance and its token supply move together.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bulwark/chain/trace.hpp"

namespace bulwark::detect {

/// An asset: the chain's native coin, or an ERC-20 token by its contract address.
struct AssetRef {
  Address token;  ///< Zero for the native coin.
  bool native = false;
  auto operator<=>(const AssetRef&) const = default;
  /// "native" or the token's lowercase hex address.
  std::string to_string() const;
};

/// How a flow was seen.
/// kMint: an ERC-20 `mint(address,uint256)` call (seen without logs; with logs a mint is a Transfer from 0).
enum class FlowSource : std::uint8_t { kNative, kTokenCall, kTransferLog, kWrap, kUnwrap, kMint };

/// One movement of an asset between two holders.
struct Flow {
  std::uint32_t frame = 0;  ///< The frame that moved it (for a log: the frame that emitted it).
  AssetRef asset;
  Address from;
  Address to;
  U256 amount;
  FlowSource source = FlowSource::kNative;
};

/// A signed amount kept as two unsigned sums (received, sent), saturating at 2^256 - 1.
struct NetAmount {
  U256 in;
  U256 out;
  bool gain() const { return in > out; }
  bool loss() const { return out > in; }
  /// |in - out|.
  U256 magnitude() const;
};

/// Per-chain knowledge the analysis needs: wrapped-native tokens and known flash-loan providers.
struct ChainTables {
  std::unordered_set<Address> wrapped_native;
  std::unordered_set<Address> flash_providers;  ///< Optional; the generic borrow-and-repay rule needs none.
  std::unordered_set<Address> stablecoins;
  /// Dollar stablecoins and their decimals: one whole unit is valued at $1 (USDC, USDT, DAI, BUSD, ...).
  std::unordered_map<Address, unsigned> usd_tokens;
  /// Mainnet's and BNB Chain's wrapped native tokens (WETH, WBNB) and dollar stablecoins.
  static ChainTables defaults();
};

/// The net change per (holder, asset) of one transaction, ordered by holder, then asset: a sorted
/// vector with a std::map's reading interface (iteration in key order, find, lower_bound, contains, count)
/// and none of its per-entry nodes. Built once from the flows; read-only afterwards.
class NetChanges {
 public:
  using key_type = std::pair<Address, AssetRef>;
  using value_type = std::pair<key_type, NetAmount>;
  using const_iterator = std::vector<value_type>::const_iterator;
  using iterator = const_iterator;

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  /// The first entry whose key is not less than `key`.
  const_iterator lower_bound(const key_type& key) const;
  /// The entry of `key`, or end().
  const_iterator find(const key_type& key) const;
  bool contains(const key_type& key) const { return find(key) != end(); }
  std::size_t count(const key_type& key) const { return contains(key) ? 1 : 0; }

  /// Replaces the contents with the sums of `flows`: each flow's amount is sent by (from, asset) and
  /// received by (to, asset), saturating at 2^256 - 1.
  void assign(std::span<const Flow> flows);

 private:
  std::vector<value_type> entries_;  // sorted by key, one per key
};

/// The flows of one transaction and the net change per (holder, asset).
struct FlowSummary {
  using Net = NetChanges;
  std::vector<Flow> flows;  ///< In frame order.
  Net net;                  ///< By holder, then asset.
  /// Net change of one holder in one asset (zero when it never moved).
  NetAmount net_of(const Address& holder, const AssetRef& asset) const;
};

/// The selectors the flow analysis reads (4-byte keccak prefixes of the signatures named).
namespace selector {
inline constexpr std::uint32_t kTransfer = 0xa9059cbb;      ///< transfer(address,uint256)
inline constexpr std::uint32_t kTransferFrom = 0x23b872dd;  ///< transferFrom(address,address,uint256)
inline constexpr std::uint32_t kDeposit = 0xd0e30db0;       ///< deposit()
inline constexpr std::uint32_t kWithdraw = 0x2e1a7d4d;      ///< withdraw(uint256)
inline constexpr std::uint32_t kMintTo = 0x40c10f19;        ///< mint(address,uint256)
}  // namespace selector
inline constexpr std::uint32_t kFlowSelectors[] = {
    selector::kTransfer, selector::kTransferFrom, selector::kDeposit, selector::kWithdraw, selector::kMintTo};

/// The ERC-20 Transfer event's topic 0: keccak256("Transfer(address,address,uint256)").
extern const Hash32 kTransferTopic;

/// Computes the flows of `trace`. Pure; never fails (an undecodable call is simply not a flow).
FlowSummary compute_flows(const chain::Trace& trace, const ChainTables& tables);
/// The same, into `out`, whose buffers are reused (for a caller analysing many transactions in turn).
void compute_flows_into(const chain::Trace& trace, const ChainTables& tables, FlowSummary& out);

/// The address in the low 20 bytes of an ABI word.
inline Address word_address(const U256& w) {
  const auto b = w.to_be_bytes();
  return Address::from_bytes(std::span<const std::uint8_t, 20>(b.data() + 12, 20));
}

/// True when an ABI word could hold an address (its top 12 bytes are zero).
inline bool is_address_word(const U256& w) {
  return w.bit_length() <= 160;
}

}  // namespace bulwark::detect
