// On-chain settlement against a real anvil: payouts made on the ledger (a parametric incident paying
// many policies) are sent from the treasury, followed to their confirmations, bumped when stuck,
// re-sent after a reorg, re-nonced when another transaction takes their nonce, and held back while the
// treasury is short. After every scenario each holder has received exactly its payout on-chain, the
// treasury's nonce moved once per payout, and the journal verifies.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "backends.hpp"
#include "bulwark/chain/node.hpp"
#include "bulwark/core/hex.hpp"
#include "bulwark/core/keccak.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/cover/node_settlement_chain.hpp"
#include "bulwark/cover/payouts.hpp"
#include "bulwark/cover/settlement.hpp"
#include "bulwark/cover/verify.hpp"
#include "claims_fixture.hpp"
#include "support/anvil.hpp"

namespace bulwark::cover {
namespace {

using nlohmann::json;
using testing::eth;

constexpr UnixTime kT0 = 1'700'000'000;
constexpr UnixTime kExploit = kT0 + 2 * kSecondsPerDay;
constexpr UnixTime kPayTime = kExploit + 7'200;
constexpr std::string_view kTreasuryKey =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// A confirmed parametric incident on chain 31337 whose payouts have been made on the ledger: each
/// of `policies` holders is owed its fixed-sum cover (0.01 ETH + i wei).
struct Book {
  std::string url;
  std::map<Address, U256> owed;
};

Book make_book(int policies) {
  Book b;
  b.url = testing::fresh_store_url("sqlite");
  std::vector<U256> amounts;
  for (int i = 0; i < policies; ++i) {
    amounts.push_back(*eth("0.01").checked_add(U256(std::uint64_t(i))));
    b.owed[testing::synthetic(0x7000 + unsigned(i))] = amounts.back();
  }
  EXPECT_NE(testing::confirmed_parametric_book(b.url, 31337, kT0, kExploit, 0x7000, amounts), 0);
  auto st = store::open_store(b.url);
  EXPECT_TRUE(st) << st.error().message;
  FakeClock clock(kPayTime);
  ClaimsConfig config;
  config.challenge_window = 0;
  Payouts payouts(**st, clock, config);
  auto made = payouts.run();
  EXPECT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->payouts.size(), std::size_t(policies));
  return b;
}

class SettlementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(anvil_.error().empty()) << anvil_.error();
    auto c = chain::connect_http(anvil_.url());
    ASSERT_TRUE(c) << c.error().message;
    rpc_ = std::move(*c);
    node_ = std::make_unique<chain::Node>(*rpc_);
    chain_ = std::make_unique<NodeSettlementChain>(*node_);
  }

  json call(const std::string& method, const json& params = json::array()) {
    auto r = rpc_->call(method, params.dump());
    EXPECT_TRUE(r) << method << ": " << r.error().message;
    return r ? json::parse(*r) : json();
  }

  /// Passes until nothing is pending (anvil mines a moment after it accepts a transaction).
  void settle(Settler& s, int max_passes = 200) {
    for (int i = 0; i < max_passes; ++i) {
      auto pass = s.run_once();
      ASSERT_TRUE(pass) << pass.error().message;
      for (const auto& n : pass->notes) ADD_FAILURE() << n;
      if (pass->pending == 0 && pass->waiting == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "still pending after " << max_passes << " passes";
  }

  /// Waits until the treasury's mined nonce reaches `n`.
  void wait_nonce(std::uint64_t n) {
    for (int i = 0; i < 500 && node_->transaction_count(treasury(), chain::BlockTag::latest()).value() < n;
         ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  Address treasury() const { return PrivateKey::parse(kTreasuryKey)->address(); }

  std::unique_ptr<Settler> settler(store::Store& st, const Clock& clock, SettlementConfig config) {
    return std::make_unique<Settler>(st, clock, *chain_, *PrivateKey::parse(kTreasuryKey), config);
  }

  /// Every holder got exactly what it is owed; the journal verifies; every settlement is confirmed.
  void expect_paid_once(store::Store& st, const Book& b, std::uint64_t nonce_before,
                        std::size_t extra_txs = 0) {
    for (const auto& [holder, amount] : b.owed)
      EXPECT_EQ(node_->get_balance(holder).value(), amount) << holder.to_checksum();
    EXPECT_EQ(node_->transaction_count(treasury(), chain::BlockTag::latest()).value(),
              nonce_before + b.owed.size() + extra_txs);
    auto report = verify_store(st);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->ok()) << report->problems.front();
    auto all = all_settlements(st);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), b.owed.size());
    for (const auto& s : *all) {
      std::string history;
      for (const auto& r : s.reasons) history += "\n  " + r;
      EXPECT_EQ(s.status, SettlementStatus::kConfirmed) << "policy " << s.policy_id << history;
    }
  }

  testing_support::Anvil anvil_;
  std::unique_ptr<chain::RpcClient> rpc_;
  std::unique_ptr<chain::Node> node_;
  std::unique_ptr<NodeSettlementChain> chain_;
};

TEST_F(SettlementTest, PaysEachPayoutOnceAndWaitsForConfirmations) {
  Book b = make_book(12);
  auto st = store::open_store(b.url);
  ASSERT_TRUE(st);
  FakeClock clock(kPayTime);
  SettlementConfig config;
  config.confirmations = 3;
  config.batch = 5;
  auto s = settler(**st, clock, config);
  const std::uint64_t nonce0 = node_->transaction_count(treasury()).value();

  auto pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->signed_new, 12u);
  EXPECT_EQ(pass->sent, 12u);
  // anvil mines each on arrival: mined, not yet confirmed (the last one has 1 confirmation of 3).
  wait_nonce(nonce0 + 12);
  pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->mined, 12u);
  EXPECT_LT(pass->confirmed, 12u);
  EXPECT_EQ(pass->signed_new, 0u);
  call("anvil_mine", json::array({"0x2"}));
  pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->pending, 0u);
  // Nothing more to do: no second transfer, ever.
  pass = s->run_once();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->sent + pass->signed_new + pass->mined + pass->confirmed, 0u);
  expect_paid_once(**st, b, nonce0);
  auto all = all_settlements(**st);
  for (const auto& x : *all) {
    EXPECT_FALSE(x.fee_paid.is_zero()) << "the receipt's gas cost is recorded";
    EXPECT_TRUE(x.mined_tx && *x.mined_tx == x.attempts.back().hash);
  }
}

TEST_F(SettlementTest, StuckTransactionIsReplacedWithTheSameNonceAndHigherFees) {
  Book b = make_book(3);
  auto st = store::open_store(b.url);
  ASSERT_TRUE(st);
  FakeClock clock(kPayTime);
  SettlementConfig config;
  config.resend_after = 30;
  auto s = settler(**st, clock, config);
  const std::uint64_t nonce0 = node_->transaction_count(treasury()).value();
  call("evm_setAutomine", json::array({false}));
  auto pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->signed_new, 3u);
  // Not mined and not yet due for a bump: re-sending nothing new.
  clock.set(kPayTime + 10);
  pass = s->run_once();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->bumped, 0u);
  EXPECT_EQ(pass->pending, 3u);
  clock.set(kPayTime + 40);
  pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->bumped, 3u);
  auto all = all_settlements(**st);
  ASSERT_TRUE(all);
  for (const auto& x : *all) {
    ASSERT_EQ(x.attempts.size(), 2u);
    EXPECT_EQ(x.attempts[0].nonce, x.attempts[1].nonce);
    EXPECT_GT(x.attempts[1].max_fee, x.attempts[0].max_fee);
    EXPECT_GE(x.attempts[1].max_priority_fee, x.attempts[0].max_priority_fee);
  }
  call("evm_mine");
  call("evm_setAutomine", json::array({true}));
  pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->confirmed, 3u);
  expect_paid_once(**st, b, nonce0);
  all = all_settlements(**st);
  for (const auto& x : *all) EXPECT_EQ(*x.mined_tx, x.attempts.back().hash) << "the replacement was mined";
}

TEST_F(SettlementTest, ReorgThatDropsAPayoutSendsItAgain) {
  Book b = make_book(4);
  auto st = store::open_store(b.url);
  ASSERT_TRUE(st);
  FakeClock clock(kPayTime);
  SettlementConfig config;
  config.confirmations = 6;
  auto s = settler(**st, clock, config);
  const std::uint64_t nonce0 = node_->transaction_count(treasury()).value();
  const std::string snapshot = call("evm_snapshot").get<std::string>();
  auto pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  wait_nonce(nonce0 + 4);
  pass = s->run_once();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->mined, 4u);
  // The blocks holding the payouts leave the chain; another block takes the height.
  ASSERT_TRUE(call("evm_revert", json::array({snapshot})).get<bool>());
  for (const auto& [holder, _] : b.owed) ASSERT_TRUE(node_->get_balance(holder).value().is_zero());
  call("anvil_mine", json::array({"0x1"}));
  pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->reorged, 4u);
  wait_nonce(nonce0 + 4);
  call("anvil_mine", json::array({"0x6"}));
  settle(*s);
  expect_paid_once(**st, b, nonce0);
  auto all = all_settlements(**st);
  for (const auto& x : *all) {
    EXPECT_EQ(x.attempts.size(), 1u) << "the same transaction, sent again";
    bool said = false;
    for (const auto& r : x.reasons) said = said || r.starts_with("reorg:");
    EXPECT_TRUE(said);
  }
}

TEST_F(SettlementTest, NonceTakenByAnotherTransactionGetsANewOne) {
  Book b = make_book(1);
  auto st = store::open_store(b.url);
  ASSERT_TRUE(st);
  FakeClock clock(kPayTime);
  auto s = settler(**st, clock, {});
  const std::uint64_t nonce0 = node_->transaction_count(treasury()).value();
  call("evm_setAutomine", json::array({false}));
  auto pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  auto all = all_settlements(**st);
  ASSERT_EQ(all->size(), 1u);
  const Settlement first = all->front();
  // Someone else with the treasury key spends that nonce first; ours is dropped from the pool.
  call("anvil_dropTransaction", json::array({first.attempts[0].hash.to_hex()}));
  TxFields other;
  other.chain_id = 31337;
  other.nonce = first.nonce;
  other.max_fee = first.attempts[0].max_fee;
  other.max_priority_fee = first.attempts[0].max_priority_fee;
  other.to = testing::synthetic(0x9999);
  other.value = 1;
  auto raw = sign_eip1559(*PrivateKey::parse(kTreasuryKey), other);
  ASSERT_TRUE(raw);
  call("eth_sendRawTransaction", json::array({hex_encode(raw->raw)}));
  call("evm_mine");
  call("evm_setAutomine", json::array({true}));
  // Used in the head block: not yet deep enough to give the payout up on that nonce.
  pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->renonced, 0u);
  call("evm_mine");
  pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->renonced, 1u);
  settle(*s);
  expect_paid_once(**st, b, nonce0, 1);
  all = all_settlements(**st);
  EXPECT_EQ(all->front().nonce, first.nonce + 1);
  EXPECT_EQ(all->front().attempts.size(), 2u);
}

TEST_F(SettlementTest, ShortTreasuryWaitsAndWritesNothing) {
  Book b = make_book(2);
  auto st = store::open_store(b.url);
  ASSERT_TRUE(st);
  FakeClock clock(kPayTime);
  auto s = settler(**st, clock, {});
  const std::uint64_t nonce0 = node_->transaction_count(treasury()).value();
  const json balance = call("eth_getBalance", json::array({treasury().to_lower_hex(), "latest"}));
  call("anvil_setBalance", json::array({treasury().to_lower_hex(), "0x1000"}));
  auto pass = s->run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->signed_new, 0u);
  EXPECT_EQ(pass->waiting, 2u);
  ASSERT_FALSE(pass->notes.empty());
  EXPECT_NE(pass->notes.front().find("holds too little"), std::string::npos) << pass->notes.front();
  EXPECT_TRUE(all_settlements(**st)->empty());
  call("anvil_setBalance", json::array({treasury().to_lower_hex(), balance}));
  settle(*s);
  wait_nonce(nonce0 + 2);
  expect_paid_once(**st, b, nonce0);
}

}  // namespace
}  // namespace bulwark::cover

namespace bulwark::cover {
namespace {

// `bulwark payout settle` killed with SIGKILL at random points while it pays many payouts on-chain,
// again and again: no holder is ever paid more than its payout, the journal verifies after every
// kill, and in the end every payout is on-chain exactly once.
TEST_F(SettlementTest, KilledWhileSettlingPaysEachExactlyOnce) {
  constexpr int kPayouts = 200;
  Book b = make_book(kPayouts);
  const auto dir = std::filesystem::path(b.url).parent_path();
  const std::string key_file = (dir / "treasury.key").string();
  const std::string config_file = (dir / "settle.json").string();
  std::ofstream(key_file) << kTreasuryKey << "\n";
  std::ofstream(config_file) << R"({"settlement": {"batch": 2, "confirmations": 1}})";
  const std::uint64_t nonce0 = node_->transaction_count(treasury()).value();
  std::mt19937 rng(5);
  int kills = 0;
  bool done = false;
  for (int round = 0; round < 200 && !done; ++round) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      execl(BULWARK_CLI, "bulwark", "--db", b.url.c_str(), "--config", config_file.c_str(), "payout",
            "settle", "--rpc", anvil_.url().c_str(), "--treasury-key-file", key_file.c_str(), "--wait", "60",
            "--poll-ms", "20", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Late rounds let it finish.
    const int delay = round < 40 ? std::uniform_int_distribution<int>(5, 60)(rng) : 60'000;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      ++kills;
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
      done = true;
    else
      FAIL() << "bulwark payout settle failed in round " << round << " with status " << status;
    // After every stop: the journal verifies and nobody holds more than its payout.
    auto st = store::open_store(b.url);
    ASSERT_TRUE(st) << st.error().message;
    auto report = verify_store(**st);
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_TRUE(report->ok()) << "round " << round << ": " << report->problems.front();
    for (const auto& [holder, amount] : b.owed)
      ASSERT_LE(node_->get_balance(holder).value(), amount) << "paid twice: " << holder.to_checksum();
  }
  EXPECT_GE(kills, 20);
  std::cout << "settle killed " << kills << " times\n";
  ASSERT_TRUE(done) << "never finished";
  auto st = store::open_store(b.url);
  ASSERT_TRUE(st);
  expect_paid_once(**st, b, nonce0);
}

}  // namespace
}  // namespace bulwark::cover

namespace bulwark::cover {
namespace {

/// A scripted chain for the settler's rare paths: the test decides what is mined, and how.
class ScriptedChain final : public SettlementChain {
 public:
  Result<std::uint64_t> chain_id() override { return 31337; }
  Result<std::uint64_t> head() override { return head_; }
  Result<std::optional<Hash32>> block_hash(std::uint64_t n) override {
    if (n > head_) return std::optional<Hash32>();
    return std::optional<Hash32>(block_of(n));
  }
  Result<std::uint64_t> nonce_at(const Address&, std::uint64_t n) override {
    std::uint64_t count = 0;
    for (const auto& [_, m] : mined_)
      if (m.block <= n) ++count;
    return count;
  }
  Result<std::uint64_t> pending_nonce(const Address&) override { return mined_.size() + pool_.size(); }
  Result<Fees> fees() override { return Fees{U256(100), U256(2)}; }
  Result<std::uint64_t> estimate_gas(const Address&, const Address&, const U256&,
                                     const std::vector<std::uint8_t>&) override {
    return 50'000;
  }
  Result<U256> balance(const Address&, const std::optional<Address>&) override { return eth("1000000"); }
  Status send(const std::vector<std::uint8_t>& raw) override {
    const Hash32 h = keccak256(raw);
    if (!mined_.contains(h)) pool_.insert(h);
    ++sends;
    return {};
  }
  Result<std::optional<Mined>> receipt(const Hash32& tx) override {
    auto it = mined_.find(tx);
    if (it == mined_.end()) return std::optional<Mined>();
    return std::optional<Mined>(it->second);
  }
  Result<bool> known(const Hash32& tx) override { return pool_.contains(tx) || mined_.contains(tx); }

  /// Mines every pending transaction in one new block, each reverting when `revert` says so.
  void mine(bool revert) {
    ++head_;
    for (const auto& h : pool_) mined_[h] = Mined{head_, block_of(head_), !revert, U256(21'000)};
    pool_.clear();
  }
  int sends = 0;

 private:
  static Hash32 block_of(std::uint64_t n) { return keccak256("block " + std::to_string(n)); }
  std::uint64_t head_ = 10;
  std::set<Hash32> pool_;
  std::map<Hash32, Mined> mined_;
};

TEST(SettlementScripted, RevertedTransferFailsWithItsReasonAndRetryPaysWithANewNonce) {
  const std::string url = testing::fresh_store_url("sqlite");
  ASSERT_NE(testing::confirmed_parametric_book(url, 31337, kT0, kExploit, 0x7100, {eth("1")}), 0);
  auto st = store::open_store(url);
  ASSERT_TRUE(st);
  FakeClock clock(kPayTime);
  ClaimsConfig claims;
  claims.challenge_window = 0;
  Payouts payouts(**st, clock, claims);
  ASSERT_TRUE(payouts.run());
  ScriptedChain chain;
  Settler settler(**st, clock, chain, *PrivateKey::parse(kTreasuryKey), {});
  auto pass = settler.run_once();
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->signed_new, 1u);
  chain.mine(/*revert=*/true);
  pass = settler.run_once();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->failed, 1u);
  auto all = all_settlements(**st);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().status, SettlementStatus::kFailed);
  EXPECT_NE(all->front().reasons.back().find("reverted"), std::string::npos);
  // A failed settlement is left alone until it is retried.
  const int sends = chain.sends;
  ASSERT_TRUE(settler.run_once());
  EXPECT_EQ(chain.sends, sends);
  EXPECT_FALSE(settler.retry(1, 99, "no such payout"));
  ASSERT_TRUE(settler.retry(all->front().incident_id, all->front().policy_id, "the token was unpaused"));
  auto again = settler.retry(all->front().incident_id, all->front().policy_id, "twice");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  chain.mine(/*revert=*/false);
  pass = settler.run_once();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->confirmed, 1u);
  all = all_settlements(**st);
  EXPECT_EQ(all->front().status, SettlementStatus::kConfirmed);
  EXPECT_EQ(all->front().attempts.size(), 2u);
  EXPECT_EQ(all->front().nonce, all->front().attempts[0].nonce + 1);
  auto report = verify_store(**st);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->problems.front();
}

}  // namespace
}  // namespace bulwark::cover
