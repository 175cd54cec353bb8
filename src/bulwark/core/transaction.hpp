#pragma once
/// Ethereum transactions signed locally: RLP encoding (the Yellow Paper, appendix B), EIP-1559
/// (type 2) and legacy EIP-155 transactions, their signing digests, signatures and hashes, and the
/// ERC-20 `transfer` call data. Pure: nothing here touches a node.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bulwark/core/address.hpp"
#include "bulwark/core/error.hpp"
#include "bulwark/core/signature.hpp"
#include "bulwark/core/u256.hpp"

namespace bulwark {

/// RLP encoders. Each appends to `out`; an item is a byte string or a list of items.
namespace rlp {
/// A byte string.
void append_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes);
/// An unsigned integer: its big-endian bytes without leading zeros (zero is the empty string).
void append_uint(std::vector<std::uint8_t>& out, const U256& v);
/// A list whose items are already encoded, concatenated, in `payload`.
void append_list(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload);
}  // namespace rlp

/// The fields of a transaction to sign. `to` empty is a contract creation.
struct TxFields {
  std::uint64_t chain_id = 1;
  std::uint64_t nonce = 0;
  U256 max_priority_fee;  ///< EIP-1559 tip per gas, in wei (type 2 only).
  U256 max_fee;           ///< EIP-1559 fee cap per gas, in wei; the gas price of a legacy transaction.
  std::uint64_t gas = 21'000;
  std::optional<Address> to;
  U256 value;  ///< Wei sent.
  std::vector<std::uint8_t> data;
};

/// A signed transaction, ready for eth_sendRawTransaction.
struct SignedTx {
  std::vector<std::uint8_t> raw;  ///< The network encoding.
  Hash32 hash;                    ///< keccak256(raw): the transaction hash the node reports.
  Address from;                   ///< The signer.
};

/// The digest an EIP-1559 transaction's signer signs: keccak256(0x02 || rlp([chain_id, nonce,
/// max_priority_fee, max_fee, gas, to, value, data, access_list=[]])).
Hash32 eip1559_signing_hash(const TxFields& tx);
/// Signs an EIP-1559 (type 2) transaction with an empty access list. Deterministic: the same
/// fields and key always give the same bytes and hash. Errors: kInvalidArgument when the priority
/// fee exceeds the fee cap; those of PrivateKey::sign_digest.
Result<SignedTx> sign_eip1559(const PrivateKey& key, const TxFields& tx);

/// The digest a legacy EIP-155 transaction's signer signs: keccak256(rlp([nonce, gas_price, gas,
/// to, value, data, chain_id, 0, 0])), gas_price being `max_fee`.
Hash32 eip155_signing_hash(const TxFields& tx);
/// Signs a legacy transaction with EIP-155 replay protection (v = chain_id * 2 + 35 + parity).
/// Deterministic as sign_eip1559. Errors: those of PrivateKey::sign_digest.
Result<SignedTx> sign_eip155(const PrivateKey& key, const TxFields& tx);

/// Call data of ERC-20 `transfer(address to, uint256 amount)` (selector 0xa9059cbb).
std::vector<std::uint8_t> erc20_transfer_data(const Address& to, const U256& amount);

}  // namespace bulwark
