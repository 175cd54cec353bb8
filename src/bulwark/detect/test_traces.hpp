#pragma once
/// Builders of small callTracer-shaped traces for the unit tests of chain/ and detect/.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulwark/core/u256.hpp"

namespace bulwark::testing {

/// A 20-byte address "0x00..00<n>" in lowercase hex, distinct for each n.
inline std::string addr(unsigned n) {
  char buf[43];
  std::snprintf(buf, sizeof buf, "0x%040x", n);
  return buf;
}

/// A 32-byte ABI word holding an address.
inline std::string word_addr(unsigned n) {
  return addr(n).substr(2).insert(0, 24, '0');
}

/// A 32-byte ABI word holding a number.
inline std::string word_num(const U256& v) {
  std::string h = v.to_hex().substr(2);
  return std::string(64 - h.size(), '0') + h;
}

/// One frame: type, from, to, value (wei), input hex (with 0x), children.
inline nlohmann::json frame(std::string type, unsigned from, unsigned to, std::string input = "0x",
                            std::vector<nlohmann::json> calls = {}, const U256& value = 0) {
  nlohmann::json f{{"type", std::move(type)},
                   {"from", addr(from)},
                   {"to", addr(to)},
                   {"value", value.to_hex()},
                   {"input", std::move(input)}};
  if (!calls.empty()) f["calls"] = std::move(calls);
  return f;
}

/// ERC-20 transfer(to, amount) input.
inline std::string transfer_input(unsigned to, const U256& amount) {
  return "0xa9059cbb" + word_addr(to) + word_num(amount);
}

/// ERC-20 transferFrom(from, to, amount) input.
inline std::string transfer_from_input(unsigned from, unsigned to, const U256& amount) {
  return "0x23b872dd" + word_addr(from) + word_addr(to) + word_num(amount);
}

}  // namespace bulwark::testing
