#pragma once
/// On-chain settlement of payouts: each payout the ledger has made becomes one transfer (native or
/// ERC-20) from the treasury account to the holder on the payout asset's chain, signed locally
/// (EIP-1559), sent over JSON-RPC and followed until its receipt has the configured confirmations.
///
/// Exactly once: a payout is given one nonce of the treasury, and that nonce is written to the
/// store (journaled, with the signed transaction) before anything is sent. Every later attempt for
/// the payout — a re-send after a crash, a fee bump for a stuck transaction, a re-send after a reorg
/// dropped the mined one — reuses that nonce, so at most one of them can ever be mined. A new nonce
/// is taken only when the chain proves the old one can no longer carry the payment: it was
/// consumed, confirmed, by a transaction that is none of the payout's attempts.
///
/// States: `signed` (nonce taken, the latest attempt signed and sent or about to be) -> `mined` (a
/// receipt in a canonical block) -> `confirmed` (the receipt has the confirmations; success) or
/// `failed` (the transfer reverted, with its reason; `retry` makes it take a new nonce). A mined
/// settlement whose block leaves the canonical chain goes back to `signed` and is sent again.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulwark/core/clock.hpp"
#include "bulwark/core/signature.hpp"
#include "bulwark/core/transaction.hpp"
#include "bulwark/cover/claims_model.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::cover {

enum class SettlementStatus { kSigned, kMined, kConfirmed, kFailed };
std::string_view to_string(SettlementStatus s);
Result<SettlementStatus> parse_settlement_status(std::string_view s);

/// One signed transaction sent for a settlement.
struct SettlementAttempt {
  Hash32 hash;
  std::uint64_t nonce = 0;
  U256 max_fee;           ///< Wei per gas.
  U256 max_priority_fee;  ///< Wei per gas.
  std::uint64_t gas = 0;
  UnixTime time = 0;  ///< When it was signed.
};

/// The on-chain side of one payout.
struct Settlement {
  Id incident_id = 0;
  Id policy_id = 0;
  std::uint64_t chain_id = 0;
  std::string asset;  ///< The payout's asset key ("1:native", "1:0x...").
  Address recipient;  ///< The policy holder.
  U256 amount;        ///< The payout's amount, in the asset's smallest unit.
  Address treasury;   ///< The account that pays.
  std::uint64_t nonce = 0;
  SettlementStatus status = SettlementStatus::kSigned;
  std::vector<SettlementAttempt> attempts;  ///< Oldest first; the last is the one (re)sent.
  std::string raw;                          ///< 0x hex of the last attempt's signed transaction.
  std::optional<Hash32> mined_tx;           ///< The attempt that was mined (status mined/confirmed/failed).
  std::uint64_t block = 0;                  ///< Its block (0 while not mined).
  std::optional<Hash32> block_hash;
  U256 fee_paid;  ///< gas used x effective gas price of the mined attempt, in wei (0 if not known).
  std::vector<std::string> reasons;  ///< What happened, in order.
  UnixTime created_at = 0;
  UnixTime updated_at = 0;
};

store::Row to_row(const Settlement& s);
Result<Settlement> settlement_from_row(const store::Row& r);
nlohmann::json to_json(const Settlement& s);
Result<Settlement> settlement_from_json(const nlohmann::json& j);

/// What the settler needs of one chain. NodeSettlementChain (node_settlement_chain.hpp) is the real
/// one; tests may script their own. Calls may fail with the transport's errors.
class SettlementChain {
 public:
  virtual ~SettlementChain() = default;
  /// A mined transaction as the settler sees it.
  struct Mined {
    std::uint64_t block = 0;
    Hash32 block_hash;
    bool success = true;
    U256 fee_paid;  ///< gas used x effective gas price; 0 when the node does not say.
  };
  struct Fees {
    U256 max_fee;           ///< Fee cap per gas.
    U256 max_priority_fee;  ///< Tip per gas.
  };
  virtual Result<std::uint64_t> chain_id() = 0;
  virtual Result<std::uint64_t> head() = 0;
  /// The canonical block hash at height `n`; nullopt above the head.
  virtual Result<std::optional<Hash32>> block_hash(std::uint64_t n) = 0;
  /// Transactions of `account` included up to block `n` (its nonce after block n).
  virtual Result<std::uint64_t> nonce_at(const Address& account, std::uint64_t n) = 0;
  /// The next nonce counting the node's pending transactions.
  virtual Result<std::uint64_t> pending_nonce(const Address& account) = 0;
  /// Suggested fees for a transaction to be mined soon.
  virtual Result<Fees> fees() = 0;
  /// Gas for the call (estimated by the node).
  virtual Result<std::uint64_t> estimate_gas(const Address& from, const Address& to, const U256& value,
                                             const std::vector<std::uint8_t>& data) = 0;
  /// The native balance, or `token`'s ERC-20 balance, of `account`.
  virtual Result<U256> balance(const Address& account, const std::optional<Address>& token) = 0;
  /// Broadcasts a signed transaction. "Already known" is success.
  virtual Status send(const std::vector<std::uint8_t>& raw) = 0;
  /// The transaction's receipt, nullopt when it is not mined (unknown, pending or orphaned).
  virtual Result<std::optional<Mined>> receipt(const Hash32& tx) = 0;
  /// Whether the node still holds the transaction (pending or mined).
  virtual Result<bool> known(const Hash32& tx) = 0;
};

/// Deployment settings of settlement on one chain.
struct SettlementConfig {
  std::uint64_t confirmations = 1;  ///< Blocks a receipt needs (1 = mined).
  std::int64_t resend_after = 60;   ///< Seconds without a receipt before the fee is bumped.
  unsigned fee_bump_percent = 25;   ///< Fee increase per bump (nodes require >= 10%).
  U256 max_fee_cap;                 ///< Highest fee cap per gas ever offered; 0 = no cap.
  std::size_t batch = 50;           ///< Payouts signed per store transaction.
};

/// Reads a SettlementConfig from a JSON object: confirmations, resend_after (seconds),
/// fee_bump_percent (>= 10), max_fee_cap (wei per gas, decimal string), batch; absent members keep
/// their defaults. Errors: kInvalidArgument naming an unknown member or a bad value.
Result<SettlementConfig> settlement_config_from_json(const nlohmann::json& j);

/// What one pass did.
struct SettlementPass {
  std::size_t signed_new = 0;      ///< Payouts given a nonce and signed.
  std::size_t sent = 0;            ///< Transactions (re)broadcast.
  std::size_t bumped = 0;          ///< Fee bumps (same nonce).
  std::size_t renonced = 0;        ///< New nonces after the old one was consumed elsewhere.
  std::size_t mined = 0;           ///< Newly seen receipts.
  std::size_t reorged = 0;         ///< Mined settlements whose block left the chain.
  std::size_t confirmed = 0;       ///< Newly confirmed.
  std::size_t failed = 0;          ///< Newly failed (reverted).
  std::size_t pending = 0;         ///< Still signed or mined after the pass.
  std::size_t waiting = 0;         ///< Payouts not signed yet (treasury short of funds, or later batches).
  std::vector<std::string> notes;  ///< Why something waits, one line each.
};

/// Settles the payouts of one chain from one treasury key. One Settler per (chain, treasury) at a
/// time; two would race for nonces (the store keeps them apart: a nonce is never given twice, but a
/// payout could wait for the other's nonces to be consumed). Not thread-safe.
class Settler {
 public:
  Settler(store::Store& store, const Clock& clock, SettlementChain& chain, PrivateKey treasury,
          SettlementConfig config = {});

  /// One pass: follows every open settlement (receipts, confirmations, reorgs, stuck transactions),
  /// then signs and sends the payouts not yet settled on this chain. Every state change is written
  /// (journaled) before the transaction it concerns is sent. Errors: the chain's and the store's;
  /// a failed pass can be run again.
  Result<SettlementPass> run_once();

  /// Marks a failed settlement to be paid again with a new nonce on the next pass, with `reason`.
  /// Errors: kNotFound; kFailedPrecondition unless it is failed.
  Status retry(Id incident, Id policy, const std::string& reason);

  /// Settlements of this chain, optionally of one incident.
  Result<std::vector<Settlement>> settlements(std::optional<Id> incident = std::nullopt);

 private:
  Status follow(Settlement s, SettlementPass& pass);
  Status sign_new(SettlementPass& pass);
  /// The next nonce of the treasury: past every nonce the store gave it and the node's pending count.
  Result<std::uint64_t> next_nonce();
  Result<SettlementAttempt> sign_attempt(Settlement& s, std::uint64_t nonce,
                                         const SettlementChain::Fees& fees, std::uint64_t gas);
  Status write(const char* kind, const Settlement& s);
  /// Sends the settlement's stored transaction; a refusal becomes a note of the pass.
  void broadcast(const Settlement& s, SettlementPass& pass);

  store::Store& store_;
  const Clock& clock_;
  SettlementChain& chain_;
  PrivateKey key_;
  SettlementConfig config_;
  std::uint64_t chain_id_ = 0;
};

/// All settlements in the store (any chain), for listings.
Result<std::vector<Settlement>> all_settlements(store::Store& store);

/// Applies settlement_signed, settlement_resigned, settlement_mined, settlement_unmined,
/// settlement_confirmed, settlement_failed and settlement_retry: each carries the full new row
/// ("settlement"). Errors: kInvalidArgument for a malformed payload or one that does not match its
/// payout; kAlreadyExists for a second settlement_signed of one payout; kNotFound for an update of
/// a settlement never signed.
bool is_settlement_event(std::string_view kind);
Status apply_settlement_event(Repo& repo, std::string_view kind, const nlohmann::json& payload);

}  // namespace bulwark::cover
