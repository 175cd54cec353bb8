#include "bulwark/cover/node_settlement_chain.hpp"

namespace bulwark::cover {

Result<std::uint64_t> NodeSettlementChain::chain_id() {
  return node_.chain_id();
}

Result<std::uint64_t> NodeSettlementChain::head() {
  return node_.block_number();
}

Result<std::optional<Hash32>> NodeSettlementChain::block_hash(std::uint64_t n) {
  auto h = node_.block_header(n);
  if (!h && h.error().code == ErrorCode::kNotFound) return std::optional<Hash32>();
  if (!h) return std::unexpected(h.error());
  return std::optional<Hash32>(h->hash);
}

Result<std::uint64_t> NodeSettlementChain::nonce_at(const Address& account, std::uint64_t n) {
  return node_.transaction_count(account, chain::BlockTag::number(n));
}

Result<std::uint64_t> NodeSettlementChain::pending_nonce(const Address& account) {
  return node_.transaction_count(account, chain::BlockTag::pending());
}

Result<SettlementChain::Fees> NodeSettlementChain::fees() {
  BULWARK_TRY(head, node_.block_number());
  BULWARK_TRY(header, node_.block_header(head));
  BULWARK_TRY(gas_price, node_.gas_price());
  if (!header.base_fee) return Fees{gas_price, gas_price};
  const U256 base = *header.base_fee;
  U256 tip;
  if (auto t = node_.max_priority_fee())
    tip = *t;
  else if (gas_price > base)
    tip = *gas_price.checked_sub(base);
  if (tip.is_zero()) tip = 1'000'000'000;  // 1 gwei
  BULWARK_TRY(twice, base.checked_mul(2));
  BULWARK_TRY(cap, twice.checked_add(tip));
  return Fees{cap, tip};
}

Result<std::uint64_t> NodeSettlementChain::estimate_gas(const Address& from, const Address& to,
                                                        const U256& value,
                                                        const std::vector<std::uint8_t>& data) {
  return node_.estimate_gas(from, to, value, data);
}

Result<U256> NodeSettlementChain::balance(const Address& account, const std::optional<Address>& token) {
  if (token) return node_.erc20_balance(*token, account);
  return node_.get_balance(account);
}

Status NodeSettlementChain::send(const std::vector<std::uint8_t>& raw) {
  auto h = node_.send_raw_transaction(raw);
  if (!h && h.error().code != ErrorCode::kAlreadyExists) return std::unexpected(h.error());
  return {};
}

Result<std::optional<SettlementChain::Mined>> NodeSettlementChain::receipt(const Hash32& tx) {
  auto r = node_.transaction_receipt(tx);
  if (!r && r.error().code == ErrorCode::kNotFound) return std::optional<Mined>();
  if (!r) return std::unexpected(r.error());
  Mined m;
  m.block = r->block_number;
  m.block_hash = r->block_hash;
  m.success = r->success.value_or(true);
  if (r->effective_gas_price) m.fee_paid = r->gas_used.checked_mul(*r->effective_gas_price).value_or(U256{});
  return std::optional<Mined>(m);
}

Result<bool> NodeSettlementChain::known(const Hash32& tx) {
  return node_.has_transaction(tx);
}

}  // namespace bulwark::cover
