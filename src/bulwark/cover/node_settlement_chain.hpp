#pragma once
/// The settler's view of a live chain over chain::Node: head, canonical hashes, nonces, fees,
/// balances, broadcast and receipts.

#include "bulwark/chain/node.hpp"
#include "bulwark/cover/settlement.hpp"

namespace bulwark::cover {

/// A SettlementChain over a Node (which it uses but does not own). Fees: the head's base fee x 2
/// plus the node's suggested tip (eth_maxPriorityFeePerGas, else eth_gasPrice - base fee, at least
/// 1 gwei when the node suggests nothing); before London, the gas price for both. Thread-safety:
/// that of the Node.
class NodeSettlementChain final : public SettlementChain {
 public:
  explicit NodeSettlementChain(chain::Node& node) : node_(node) {}

  Result<std::uint64_t> chain_id() override;
  Result<std::uint64_t> head() override;
  Result<std::optional<Hash32>> block_hash(std::uint64_t n) override;
  Result<std::uint64_t> nonce_at(const Address& account, std::uint64_t n) override;
  Result<std::uint64_t> pending_nonce(const Address& account) override;
  Result<Fees> fees() override;
  Result<std::uint64_t> estimate_gas(const Address& from, const Address& to, const U256& value,
                                     const std::vector<std::uint8_t>& data) override;
  Result<U256> balance(const Address& account, const std::optional<Address>& token) override;
  Status send(const std::vector<std::uint8_t>& raw) override;
  Result<std::optional<Mined>> receipt(const Hash32& tx) override;
  Result<bool> known(const Hash32& tx) override;

 private:
  chain::Node& node_;
};

}  // namespace bulwark::cover
