#include "bulwark/core/keccak.hpp"

#include <cryptopp/keccak.h>

namespace bulwark {

Hash32 keccak256(std::span<const std::uint8_t> data) {
  CryptoPP::Keccak_256 hasher;
  Hash32 out;
  static_assert(CryptoPP::Keccak_256::DIGESTSIZE == sizeof(out.bytes));
  hasher.Update(data.data(), data.size());
  hasher.Final(out.bytes.data());
  return out;
}

Hash32 keccak256(std::string_view data) {
  return keccak256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

}  // namespace bulwark
