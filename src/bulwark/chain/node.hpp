#pragma once
/// Typed Ethereum JSON-RPC calls on top of an RpcClient: chain id, head, block headers, receipts,
/// balances, eth_call, and the raw call traces (geth callTracer, parity trace_transaction) that the
/// trace normaliser reads.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bulwark/chain/rpc.hpp"
#include "bulwark/core/address.hpp"
#include "bulwark/core/error.hpp"
#include "bulwark/core/u256.hpp"

namespace bulwark::chain {

/// Which block a state query reads: a number or one of the node's named tags.
class BlockTag {
 public:
  /// The head ("latest").
  static BlockTag latest() { return BlockTag(Kind::kLatest, 0); }
  /// The newest block the consensus layer calls safe ("safe").
  static BlockTag safe() { return BlockTag(Kind::kSafe, 0); }
  /// The newest finalised block ("finalized").
  static BlockTag finalized() { return BlockTag(Kind::kFinalized, 0); }
  /// The head plus the node's pending transactions ("pending"): the next nonce to use.
  static BlockTag pending() { return BlockTag(Kind::kPending, 0); }
  /// Block number `n`.
  static BlockTag number(std::uint64_t n) { return BlockTag(Kind::kNumber, n); }

  /// The JSON-RPC parameter: "\"latest\"", "\"0x1a\"", ...
  std::string to_json() const;

 private:
  enum class Kind { kLatest, kSafe, kFinalized, kPending, kNumber };
  BlockTag(Kind kind, std::uint64_t n) : kind_(kind), number_(n) {}
  Kind kind_;
  std::uint64_t number_;
};

/// What Bulwark needs of a block: its place in the chain and its transactions.
struct BlockHeader {
  std::uint64_t number = 0;
  Hash32 hash;
  Hash32 parent_hash;
  std::uint64_t timestamp = 0;       ///< Seconds since the Unix epoch.
  std::vector<Hash32> transactions;  ///< Transaction hashes in block order.
  std::optional<U256> base_fee;      ///< EIP-1559 base fee per gas in wei; absent before London.
};

/// One event log of a receipt.
struct Log {
  Address address;             ///< The contract that emitted it.
  std::vector<Hash32> topics;  ///< 0 to 4 topics; topics[0] is the event signature for non-anonymous events.
  std::vector<std::uint8_t> data;  ///< The non-indexed data.
  std::uint64_t log_index = 0;     ///< Position in the block.
};

/// A mined transaction's receipt.
struct Receipt {
  Hash32 transaction_hash;
  std::uint64_t block_number = 0;
  Hash32 block_hash;
  std::uint64_t transaction_index = 0;
  Address from;
  std::optional<Address> to;                ///< Absent for a contract creation.
  std::optional<Address> contract_address;  ///< The created contract, for a creation.
  std::optional<bool> success;              ///< status 1/0; absent before Byzantium (no status field).
  U256 gas_used;
  std::optional<U256> effective_gas_price;  ///< Wei per gas paid; absent on nodes that predate EIP-1559.
  std::vector<Log> logs;
};

/// One transaction's call trace from a block trace: its hash (when the node names it) and the raw
/// JSON text of the callTracer frame.
struct TxTrace {
  std::optional<Hash32> tx_hash;  ///< geth and anvil send "txHash"; older nodes do not.
  std::string trace;              ///< Raw JSON of the top call frame.
};

/// Typed calls over an RpcClient, which it uses but does not own (it must outlive the Node). As
/// thread-safe as that client. Every error names the call; besides those of RpcClient (see rpc.hpp),
/// a result of the wrong shape is kCorrupt, and a block or receipt the node does not have is kNotFound.
class Node {
 public:
  /// A node reached through `rpc`.
  explicit Node(RpcClient& rpc) : rpc_(rpc) {}

  /// eth_chainId.
  Result<std::uint64_t> chain_id();
  /// eth_blockNumber: the head's number.
  Result<std::uint64_t> block_number();
  /// eth_getBlockByNumber(n, false). Errors: kNotFound when the node has no block `n` yet.
  Result<BlockHeader> block_header(std::uint64_t n);
  /// eth_getBlockByHash(hash, false). Errors: kNotFound for an unknown (or orphaned and pruned) block.
  Result<BlockHeader> block_by_hash(const Hash32& hash);
  /// eth_getTransactionReceipt. Errors: kNotFound for an unknown or still pending transaction.
  Result<Receipt> transaction_receipt(const Hash32& tx);
  /// Receipts of several transactions in one batch, in the order given; each entry errs on its own.
  Result<std::vector<Result<Receipt>>> transaction_receipts(std::span<const Hash32> txs);
  /// eth_getBalance in wei.
  Result<U256> get_balance(const Address& account, BlockTag block = BlockTag::latest());
  /// eth_call of `data` to `to` at `block`: the bytes returned. Errors: kFailedPrecondition when the
  /// call reverts (the message holds the node's reason and revert data).
  Result<std::vector<std::uint8_t>> eth_call(const Address& to, std::span<const std::uint8_t> data,
                                             BlockTag block = BlockTag::latest());

  /// debug_traceTransaction with the callTracer (and tracerConfig.withLog when `with_log`): the raw
  /// JSON of the top call frame. Errors: kNotFound when the node has no debug_traceTransaction
  /// (is_method_not_supported is true); kFailedPrecondition for an unknown transaction.
  Result<std::string> trace_transaction_call(const Hash32& tx, bool with_log = false);
  /// debug_traceBlockByNumber with the callTracer: the raw JSON array of {txHash?, result} entries.
  /// Errors: kNotFound with is_method_not_supported(e) true when the node lacks the method — then
  /// trace each transaction with trace_transaction_call (trace_block_calls does this by itself).
  Result<std::string> trace_block_call(std::uint64_t n, bool with_log = false);
  /// The callTracer trace of every transaction of block `n`, in block order: one
  /// debug_traceBlockByNumber, or, when the node lacks it, the block's transactions traced one by
  /// one in a batch. Errors: those of trace_block_call (other than the unsupported method),
  /// block_header and trace_transaction_call; kCorrupt when the block trace has the wrong shape.
  Result<std::vector<TxTrace>> trace_block_calls(std::uint64_t n, bool with_log = false);
  /// eth_getTransactionCount of `account` at `block` (BlockTag::pending() for the next nonce to use).
  Result<std::uint64_t> transaction_count(const Address& account, BlockTag block = BlockTag::pending());
  /// eth_gasPrice in wei.
  Result<U256> gas_price();
  /// eth_maxPriorityFeePerGas in wei. Errors: kNotFound (is_method_not_supported) on nodes without it.
  Result<U256> max_priority_fee();
  /// eth_estimateGas of a call from `from` to `to` with `value` and `data`. Errors: kFailedPrecondition
  /// when the call would revert.
  Result<std::uint64_t> estimate_gas(const Address& from, const Address& to, const U256& value,
                                     std::span<const std::uint8_t> data);
  /// eth_sendRawTransaction: the hash the node gives the transaction. Errors: kAlreadyExists when the
  /// node already has this very transaction ("already known"); kFailedPrecondition with the node's
  /// words for a rejection (nonce too low, underpriced replacement, insufficient funds, ...).
  Result<Hash32> send_raw_transaction(std::span<const std::uint8_t> raw);
  /// eth_getTransactionByHash: whether the node knows the transaction, pending or mined.
  Result<bool> has_transaction(const Hash32& tx);
  /// ERC-20 balanceOf(`account`) of `token` at the head.
  Result<U256> erc20_balance(const Address& token, const Address& account);

  /// trace_transaction (parity/OpenEthereum style, erigon, reth, anvil): the raw JSON array of
  /// flat traces. Errors: kNotFound (is_method_not_supported) when the node lacks it.
  Result<std::string> parity_trace_transaction(const Hash32& tx);

 private:
  RpcClient& rpc_;
};

/// Parses a JSON-RPC quantity ("0x1a") that must fit 64 bits. Errors: kCorrupt naming `what`.
Result<std::uint64_t> parse_quantity_u64(std::string_view json_string_literal, std::string_view what);

/// Parses a JSON-RPC quantity ("0x1a") of up to 256 bits. Errors: kCorrupt naming `what`.
Result<U256> parse_quantity_u256(std::string_view json_string_literal, std::string_view what);
/// Parses a block object (eth_getBlockBy*, with hashes only). Errors: kCorrupt for a missing or bad field.
Result<BlockHeader> parse_block_header(std::string_view block_json);

/// Parses a receipt object. Errors: kCorrupt for a missing or bad field.
Result<Receipt> parse_receipt(std::string_view receipt_json);

}  // namespace bulwark::chain
