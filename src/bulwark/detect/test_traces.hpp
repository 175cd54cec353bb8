#pragma once
/// Builders of small callTracer-shaped traces for the unit tests of chain/ and detect/.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulwark/chain/trace.hpp"
#include "bulwark/core/strings.hpp"
#include "bulwark/core/u256.hpp"

namespace bulwark::testing {

/// A 20-byte address "0x00..00<n>" in lowercase hex, distinct for each n.
inline std::string addr(unsigned n) {
  char buf[43];
  std::snprintf(buf, sizeof buf, "0x%040x", n);
  return buf;
}

/// A 32-byte ABI word holding an address, given as 0x and 40 hex digits.
inline std::string word_addr(std::string_view address) {
  return std::string(address.substr(2)).insert(0, 24, '0');
}

/// A 32-byte ABI word holding the address addr(n).
inline std::string word_addr(unsigned n) {
  return word_addr(addr(n));
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

/// ERC-20 transfer(to, amount) input; `to` as 0x and 40 hex digits.
inline std::string transfer_input(std::string_view to, const U256& amount) {
  return "0xa9059cbb" + word_addr(to) + word_num(amount);
}

/// ERC-20 transfer(addr(to), amount) input.
inline std::string transfer_input(unsigned to, const U256& amount) {
  return transfer_input(addr(to), amount);
}

/// ERC-20 transferFrom(from, to, amount) input.
inline std::string transfer_from_input(unsigned from, unsigned to, const U256& amount) {
  return "0x23b872dd" + word_addr(from) + word_addr(to) + word_num(amount);
}

/// ERC-20 balanceOf(addr(holder)) input.
inline std::string balance_of_input(unsigned holder) {
  return "0x70a08231" + word_addr(holder);
}

/// ERC-20 approve(addr(spender), amount) input.
inline std::string approve_input(unsigned spender, const U256& amount) {
  return "0x095ea7b3" + word_addr(spender) + word_num(amount);
}

/// `f` with return data: one ABI word.
inline nlohmann::json with_output(nlohmann::json f, const U256& word) {
  f["output"] = "0x" + word_num(word);
  return f;
}

/// A vault that pays before it books: the sender calls the attack contract, which withdraws from the
/// vault; each payment of `paid` (native value) runs the attack contract's fallback, which withdraws again,
/// `rounds` payments in all.
inline nlohmann::json reentrancy_trace(unsigned sender, unsigned attack, unsigned vault, int rounds,
                                       const U256& paid) {
  nlohmann::json inner = frame("CALL", vault, attack, "0x", {}, paid);
  for (int i = 1; i < rounds; ++i)
    inner = frame("CALL", vault, attack, "0x", {frame("CALL", attack, vault, "0x3ccfd60b", {inner})}, paid);
  return frame("CALL", sender, attack, "0xdeadbeef", {frame("CALL", attack, vault, "0x3ccfd60b", {inner})});
}

/// Every field of a trace, as text, for comparing two parses of one trace.
inline std::string describe(const chain::Trace& t) {
  std::string s = t.has_logs ? "logs\n" : "no logs\n";
  for (const chain::Frame& f : t.frames)
    s += std::string(to_string(f.kind)) + " " + f.from.to_lower_hex() + " " + f.to.to_lower_hex() + " " +
         f.value.to_dec() + " " + std::string(t.input_hex(f)) + " " + std::string(t.output_hex(f)) + " " +
         std::to_string(f.has_output) + std::to_string(f.reverted) + std::to_string(f.failed) + " " +
         std::to_string(f.parent) + " " + std::to_string(f.depth) + " " + std::to_string(f.end) + " " +
         std::to_string(f.log_begin) + "+" + std::to_string(f.log_count) + " " + std::to_string(f.gas_used) +
         " " + std::to_string(f.selector) + "\n";
  for (const chain::TraceLog& l : t.logs) {
    s += l.address.to_lower_hex();
    for (const Hash32& h : l.topics) s += concat(" ", h.to_hex());
    s += concat(" ", std::string_view(t.at(l.data_offset), 2 * std::size_t{l.data_size}), "\n");
  }
  return s;
}

/// What a parse gave: describe() of the trace, or "error: " and the message.
inline std::string describe(const Result<chain::Trace>& t) {
  return t ? describe(*t) : "error: " + t.error().message;
}

/// What parsing `text` with parse_any_trace gives, through the direct walk (`direct`) or through
/// On-Demand alone (describe()).
inline std::string parse_outcome(const std::string& text, bool direct) {
  const bool before = chain::use_direct_walk(direct);
  const auto t = chain::parse_any_trace(text);
  chain::use_direct_walk(before);
  return describe(t);
}

}  // namespace bulwark::testing
