#pragma once
/// Shared pieces of the claims tests: keys, synthetic exploit traces written as evidence files, and
/// a book (pools, products, policies) on a real store.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "bulwark/core/signature.hpp"
#include "bulwark/cover/evidence.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/store/store.hpp"

namespace bulwark::testing {

/// "0x00..00<n>" as an address, distinct for each n.
inline Address synthetic(unsigned n) {
  char buf[43];
  std::snprintf(buf, sizeof buf, "0x%040x", n);
  return *Address::parse(buf);
}

inline std::string hex_of(unsigned n) {
  char buf[43];
  std::snprintf(buf, sizeof buf, "0x%040x", n);
  return buf;
}

/// A deterministic private key for test signer `n` (1, 2, ...).
inline PrivateKey key(unsigned n) {
  char buf[67];
  std::snprintf(buf, sizeof buf, "0x%064x", 0x1000u + n);
  return *PrivateKey::parse(buf);
}

inline U256 eth(const char* s) {
  return *parse_units(s, 18);
}

/// A transaction hash "0x00..<n>".
inline Hash32 tx_hash(unsigned n) {
  char buf[67];
  std::snprintf(buf, sizeof buf, "0x%064x", 0xabc000u + n);
  return *Hash32::parse(buf);
}

inline nlohmann::json call_frame(unsigned from, unsigned to, std::string input,
                                 std::vector<nlohmann::json> calls, const U256& value) {
  nlohmann::json f{{"type", "CALL"},
                   {"from", hex_of(from)},
                   {"to", hex_of(to)},
                   {"value", value.to_hex()},
                   {"input", std::move(input)}};
  if (!calls.empty()) f["calls"] = std::move(calls);
  return f;
}

/// A re-entrancy drain in callTracer shape: `eoa` calls `attack`, which re-enters `vault`'s
/// withdraw `rounds` times and receives `each` wei per round; the attack contract then sends
/// `mule_amount` wei to `mule` (when not 0).
inline nlohmann::json reentrancy(unsigned eoa, unsigned attack, unsigned vault, int rounds, const U256& each,
                                 unsigned mule = 0, const U256& mule_amount = U256{}) {
  nlohmann::json inner = call_frame(vault, attack, "0x", {}, each);
  for (int i = 1; i < rounds; ++i)
    inner = call_frame(vault, attack, "0x", {call_frame(attack, vault, "0x3ccfd60b", {inner}, U256{})}, each);
  std::vector<nlohmann::json> top{call_frame(attack, vault, "0x3ccfd60b", {inner}, U256{})};
  if (mule != 0) top.push_back(call_frame(attack, mule, "0x", {}, mule_amount));
  return call_frame(eoa, attack, "0xdeadbeef", top, U256{});
}

/// A temporary directory of evidence files, removed at the end.
class EvidenceDir {
 public:
  EvidenceDir() {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("bulwark-evidence-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
  }
  ~EvidenceDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  /// Writes `trace` as the evidence of `tx`, mined in `block` at `time`.
  void add(const Hash32& tx, const nlohmann::json& trace, std::uint64_t block, UnixTime time) {
    std::ofstream(dir_ / (tx.to_hex() + ".json")) << trace.dump();
    std::ofstream(dir_ / (tx.to_hex() + ".meta.json"))
        << nlohmann::json{{"block", block}, {"time", time}}.dump();
  }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

/// A confirmed parametric incident with fixed-sum cover, on a fresh store at `url`: asset "<chain>:native"
/// (ETH), a product covering synthetic(0x11) on `chain`, one pool holding 1000 ETH backing it, a policy
/// for each of `amounts` (holder synthetic(holder_base + i)) bought at `t0`, and the vault's re-entrancy
/// drain (evidence tx_hash(1), block 101 at `exploit`) reported at exploit + 60 with a zero challenge
/// window. Returns the pool's id; fails the test on any error.
inline cover::Id confirmed_parametric_book(const std::string& url, std::uint64_t chain, UnixTime t0,
                                           UnixTime exploit, unsigned holder_base,
                                           const std::vector<U256>& amounts) {
  using namespace cover;
  EvidenceDir evidence;
  evidence.add(tx_hash(1), reentrancy(1, 2, 0x11, 4, eth("1")), 101, exploit);
  auto st = store::open_store(url);
  EXPECT_TRUE(st) << st.error().message;
  if (!st) return 0;
  FakeClock clock(t0);
  Ledger ledger(**st, clock);
  const std::string asset = std::to_string(chain) + ":native";
  EXPECT_TRUE(ledger.register_asset({chain, std::nullopt, "ETH", 18}));
  ProductSpec spec;
  spec.name = "vault cover";
  spec.chain_id = chain;
  spec.contracts = {synthetic(0x11)};
  spec.asset = asset;
  spec.parametric = true;
  spec.payout = PayoutBasis::kFixed;  // every policy is paid its cover
  auto product = ledger.add_product(spec);
  EXPECT_TRUE(product) << product.error().message;
  auto pool = ledger.create_pool({"pool", asset, 20'000});
  EXPECT_TRUE(pool);
  if (!product || !pool) return 0;
  EXPECT_TRUE(ledger.deposit(pool->id, synthetic(0x500), eth("1000")));
  EXPECT_TRUE(ledger.set_backing(pool->id, product->id, 100));
  for (std::size_t i = 0; i < amounts.size(); ++i)
    EXPECT_TRUE(ledger.buy(
        {synthetic(holder_base + unsigned(i)), {product->id, amounts[i], asset, 365}, U256::max()}));
  clock.set(exploit + 60);
  ClaimsConfig config;
  config.challenge_window = 0;
  Incidents incidents(**st, clock, config);
  FileTraceSource source({evidence.path()});
  ReportRequest r{key(7).address(), product->id, {tx_hash(1)}, "drain", {}};
  r.signature = *sign_personal(key(7), report_message(r));
  auto inc = incidents.report(r, source);
  EXPECT_TRUE(inc) << inc.error().message;
  EXPECT_TRUE(inc && inc->status == IncidentStatus::kConfirmed);
  return pool->id;
}

}  // namespace bulwark::testing
