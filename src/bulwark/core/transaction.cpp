#include "bulwark/core/transaction.hpp"

#include <algorithm>
#include <iterator>

#include "bulwark/core/keccak.hpp"

namespace bulwark {
namespace rlp {
namespace {

/// The header of a string (offset 0x80) or list (0xc0) of `n` payload bytes.
void append_header(std::vector<std::uint8_t>& out, std::size_t n, std::uint8_t offset) {
  if (n <= 55) {
    out.push_back(std::uint8_t(offset + n));
    return;
  }
  std::uint8_t len[8];
  int k = 0;
  for (std::size_t v = n; v != 0; v >>= 8) len[k++] = std::uint8_t(v & 0xff);
  out.push_back(std::uint8_t(offset + 55 + k));
  while (k > 0) out.push_back(len[--k]);
}

}  // namespace

void append_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  if (bytes.size() == 1 && bytes[0] < 0x80) {
    out.push_back(bytes[0]);
    return;
  }
  append_header(out, bytes.size(), 0x80);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void append_uint(std::vector<std::uint8_t>& out, const U256& v) {
  const auto be = v.to_be_bytes();
  std::size_t first = 0;
  while (first < be.size() && be[first] == 0) ++first;
  append_bytes(out, std::span(be).subspan(first));
}

void append_list(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload) {
  append_header(out, payload.size(), 0xc0);
  out.insert(out.end(), payload.begin(), payload.end());
}

}  // namespace rlp

namespace {

void append_to(std::vector<std::uint8_t>& out, const std::optional<Address>& to) {
  if (to)
    rlp::append_bytes(out, to->bytes());
  else
    rlp::append_bytes(out, {});
}

/// The fields of a type-2 transaction up to and including the (empty) access list.
std::vector<std::uint8_t> eip1559_fields(const TxFields& tx) {
  std::vector<std::uint8_t> f;
  rlp::append_uint(f, tx.chain_id);
  rlp::append_uint(f, tx.nonce);
  rlp::append_uint(f, tx.max_priority_fee);
  rlp::append_uint(f, tx.max_fee);
  rlp::append_uint(f, tx.gas);
  append_to(f, tx.to);
  rlp::append_uint(f, tx.value);
  rlp::append_bytes(f, tx.data);
  rlp::append_list(f, {});
  return f;
}

/// The six fields every legacy transaction starts with.
std::vector<std::uint8_t> legacy_fields(const TxFields& tx) {
  std::vector<std::uint8_t> f;
  rlp::append_uint(f, tx.nonce);
  rlp::append_uint(f, tx.max_fee);
  rlp::append_uint(f, tx.gas);
  append_to(f, tx.to);
  rlp::append_uint(f, tx.value);
  rlp::append_bytes(f, tx.data);
  return f;
}

void append_rs(std::vector<std::uint8_t>& f, const Signature& sig) {
  rlp::append_uint(f, U256::from_be_bytes(std::span(sig.rsv).subspan(0, 32)));
  rlp::append_uint(f, U256::from_be_bytes(std::span(sig.rsv).subspan(32, 32)));
}

}  // namespace

Hash32 eip1559_signing_hash(const TxFields& tx) {
  std::vector<std::uint8_t> msg{0x02};
  rlp::append_list(msg, eip1559_fields(tx));
  return keccak256(msg);
}

Result<SignedTx> sign_eip1559(const PrivateKey& key, const TxFields& tx) {
  if (tx.max_priority_fee > tx.max_fee)
    return fail(ErrorCode::kInvalidArgument, "the priority fee " + tx.max_priority_fee.to_dec() +
                                                 " exceeds the fee cap " + tx.max_fee.to_dec());
  BULWARK_TRY(sig, key.sign_digest(eip1559_signing_hash(tx)));
  std::vector<std::uint8_t> f = eip1559_fields(tx);
  rlp::append_uint(f, std::uint64_t(sig.rsv[64] - 27));
  append_rs(f, sig);
  SignedTx out;
  out.raw.push_back(0x02);
  rlp::append_list(out.raw, f);
  out.hash = keccak256(out.raw);
  out.from = key.address();
  return out;
}

Hash32 eip155_signing_hash(const TxFields& tx) {
  std::vector<std::uint8_t> f = legacy_fields(tx);
  rlp::append_uint(f, tx.chain_id);
  rlp::append_uint(f, 0);
  rlp::append_uint(f, 0);
  std::vector<std::uint8_t> msg;
  rlp::append_list(msg, f);
  return keccak256(msg);
}

Result<SignedTx> sign_eip155(const PrivateKey& key, const TxFields& tx) {
  BULWARK_TRY(sig, key.sign_digest(eip155_signing_hash(tx)));
  std::vector<std::uint8_t> f = legacy_fields(tx);
  BULWARK_TRY(v2, U256(tx.chain_id).checked_mul(2));
  BULWARK_TRY(v, v2.checked_add(std::uint64_t(35 + sig.rsv[64] - 27)));
  rlp::append_uint(f, v);
  append_rs(f, sig);
  SignedTx out;
  rlp::append_list(out.raw, f);
  out.hash = keccak256(out.raw);
  out.from = key.address();
  return out;
}

std::vector<std::uint8_t> erc20_transfer_data(const Address& to, const U256& amount) {
  // transfer(address,uint256): the selector, the address left-padded to a word, the amount.
  std::vector<std::uint8_t> d(4 + 32 + 32, 0);
  constexpr std::uint8_t kSelector[] = {0xa9, 0x05, 0x9c, 0xbb};
  std::copy(std::begin(kSelector), std::end(kSelector), d.begin());
  std::copy(to.bytes().begin(), to.bytes().end(), d.begin() + 4 + 12);
  const auto a = amount.to_be_bytes();
  std::copy(a.begin(), a.end(), d.begin() + 4 + 32);
  return d;
}

}  // namespace bulwark
