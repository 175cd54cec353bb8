#include "bulwark/monitor/follower.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "bulwark/detect/test_traces.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::monitor {
namespace {

using bulwark::testing::frame;

Hash32 hash_of(std::uint64_t n, int fork) {
  Hash32 h;
  h.bytes[0] = static_cast<std::uint8_t>(fork + 1);
  for (int i = 0; i < 8; ++i) h.bytes[31 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  return h;
}

/// A scripted chain: block n on fork f has hash (f, n); its parent is block n-1 on the fork that block
/// n-1 belongs to. Blocks listed in `exploit` carry one re-entrancy drain.
class ScriptedChain final : public BlockSource {
 public:
  std::uint64_t tip = 0;
  std::map<std::uint64_t, int> fork;  // block -> fork id (default 0)
  std::map<std::pair<int, std::uint64_t>, bool> exploit;
  int fail_next = 0;  // calls to fail with a node fault

  Result<std::uint64_t> head() override {
    if (fail_next > 0) {
      --fail_next;
      return fail(ErrorCode::kUnavailable, "node restarting");
    }
    return tip;
  }
  Result<BlockInfo> block(std::uint64_t n) override {
    if (n > tip) return fail(ErrorCode::kNotFound, "no block " + std::to_string(n));
    return BlockInfo{n, hash_of(n, fork_of(n)), n ? hash_of(n - 1, fork_of(n - 1)) : Hash32{}, 1000 + 12 * n};
  }
  Result<std::vector<TxTraceText>> traces(const BlockInfo& b) override {
    std::vector<TxTraceText> out;
    if (exploit[{fork_of(b.number), b.number}]) {
      nlohmann::json inner = frame("CALL", 3, 2, "0x", {}, 5);
      for (int i = 0; i < 3; ++i)
        inner = frame("CALL", 3, 2, "0x", {frame("CALL", 2, 3, "0x3ccfd60b", {inner})}, 5);
      const auto j = frame("CALL", 1, 2, "0xdeadbeef", {frame("CALL", 2, 3, "0x3ccfd60b", {inner})});
      Hash32 tx = b.hash;
      tx.bytes[1] = 0xee;
      out.push_back(TxTraceText{tx, j.dump()});
    }
    return out;
  }
  Result<std::optional<double>> feed_price(const Address&, unsigned, std::uint64_t) override {
    return std::optional<double>{};
  }

 private:
  int fork_of(std::uint64_t n) const {
    auto it = fork.find(n);
    return it == fork.end() ? 0 : it->second;
  }
};

class FollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bulwark-follower-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto s = store::open_store((dir_ / "m.db").string());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<Event> poll(Follower& f) {
    std::vector<Event> out;
    auto r = f.poll([&](const Event& e) { out.push_back(e); });
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return out;
  }
  std::map<std::string, int> statuses() {
    std::map<std::string, int> out;
    EXPECT_TRUE(store_->transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
      BULWARK_TRY(rows, tx.select(store::schema::findings(), {}));
      for (const auto& r : rows) ++out[r[store::schema::findings().column("status")]];
      return {};
    }));
    return out;
  }

  FollowerConfig config() {
    FollowerConfig c;
    c.chain_id = 7;
    c.from = 1;
    return c;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  ScriptedChain chain_;
};

TEST_F(FollowerTest, FindsEachExploitOnceAndResumesFromTheCheckpoint) {
  chain_.tip = 10;
  chain_.exploit[{0, 4}] = true;
  chain_.exploit[{0, 9}] = true;
  {
    auto cfg = config();
    cfg.to = 6;
    Follower f(chain_, *store_, cfg);
    const auto ev = poll(f);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].block, 4u);
    EXPECT_EQ(ev[0].finding.kind, detect::FindingKind::kReentrancy);
    EXPECT_TRUE(f.done());
    EXPECT_EQ(f.checkpoint(), 6u);
  }
  // A new follower (a restart) continues after block 6: block 9's exploit, and block 4's not again.
  Follower g(chain_, *store_, config());
  const auto ev = poll(g);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].block, 9u);
  EXPECT_EQ(g.checkpoint(), 10u);
  EXPECT_EQ(statuses()["active"], 2);
}

TEST_F(FollowerTest, ConfirmationsHoldBackTheNewestBlocks) {
  chain_.tip = 10;
  auto cfg = config();
  cfg.confirmations = 3;
  Follower f(chain_, *store_, cfg);
  poll(f);
  EXPECT_EQ(f.checkpoint(), 7u);
}

TEST_F(FollowerTest, ReorgsRetractOrphanedFindingsAndFollowTheNewChain) {
  chain_.tip = 8;
  chain_.exploit[{0, 8}] = true;
  chain_.exploit[{0, 6}] = true;
  Follower f(chain_, *store_, config());
  EXPECT_EQ(poll(f).size(), 2u);
  // Depth 1: block 8 replaced; the new block 8 carries no exploit, block 9 follows it.
  chain_.fork[8] = 1;
  chain_.tip = 9;
  auto ev = poll(f);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].retracted);
  EXPECT_EQ(ev[0].block, 8u);
  EXPECT_EQ(f.checkpoint(), 9u);
  EXPECT_EQ(statuses()["retracted"], 1);
  // Depth 3: blocks 7..9 replaced, the exploit now in the new block 7 (and block 6's stays).
  for (std::uint64_t n = 7; n <= 10; ++n) chain_.fork[n] = 2;
  chain_.exploit[{2, 7}] = true;
  chain_.tip = 10;
  ev = poll(f);
  int retracted = 0, found = 0;
  for (const auto& e : ev) (e.retracted ? retracted : found)++;
  EXPECT_EQ(retracted, 0);  // blocks 8 (fork 1) and 9 carried nothing
  EXPECT_EQ(found, 1);
  EXPECT_EQ(f.checkpoint(), 10u);
  const auto st = statuses();
  EXPECT_EQ(st.at("active"), 2);  // block 6's, and the new block 7's
  EXPECT_EQ(st.at("retracted"), 1);
}

TEST_F(FollowerTest, NodeFaultsLeaveTheCheckpointWhereItWas) {
  chain_.tip = 5;
  Follower f(chain_, *store_, config());
  poll(f);
  EXPECT_EQ(f.checkpoint(), 5u);
  chain_.tip = 8;
  chain_.fail_next = 1;
  auto r = f.poll([](const Event&) {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(f.checkpoint(), 5u);
  poll(f);
  EXPECT_EQ(f.checkpoint(), 8u);
}

TEST(WatchFileTest, ReadsTheStablecoinFeedsAndRejectsBadOnes) {
  const auto ok =
      nlohmann::json::parse(R"({"stablecoins":[{"address":"0x0000000000000000000000000000000000000005",
    "symbol":"USDY","feeds":[{"address":"0x0000000000000000000000000000000000000006","decimals":8}]}]})");
  auto w = parse_watch(ok);
  ASSERT_TRUE(w);
  ASSERT_EQ(w->size(), 1u);
  EXPECT_EQ((*w)[0].symbol, "USDY");
  EXPECT_EQ((*w)[0].decimals, 8u);
  EXPECT_FALSE(parse_watch(nlohmann::json::parse(R"({"stablecoins":[{"symbol":"X"}]})")));
  EXPECT_FALSE(parse_watch(nlohmann::json::parse(R"({"stablecoins":[{"address":"0x12","feeds":[]}]})")));
  EXPECT_FALSE(parse_watch(nlohmann::json::parse(R"({"stablecoins":3})")));
}

}  // namespace
}  // namespace bulwark::monitor
