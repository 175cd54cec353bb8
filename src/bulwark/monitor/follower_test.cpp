#include "bulwark/monitor/follower.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "backends.hpp"
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
  std::map<std::pair<int, std::uint64_t>, double> price;  // (fork, block) -> the feed's price
  Result<std::optional<double>> feed_price(const Address&, unsigned, std::uint64_t n) override {
    auto it = price.find({fork_of(n), n});
    if (it == price.end()) return std::optional<double>{};
    return std::optional<double>{it->second};
  }
  std::map<std::pair<int, std::uint64_t>, U256> held;  // (fork, block) -> the watched balance
  std::set<std::uint64_t> reverts;                     // blocks where the token's balanceOf reverts
  Result<U256> balance(const Address&, const detect::AssetRef&, std::uint64_t n) override {
    if (fail_next > 0) {
      --fail_next;
      return fail(ErrorCode::kUnavailable, "node restarting");
    }
    if (reverts.contains(n)) return fail(ErrorCode::kFailedPrecondition, "execution reverted");
    auto it = held.find({fork_of(n), n});
    return it == held.end() ? U256{} : it->second;
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

// One watched stablecoin; 36 s (3 blocks of 12 s) out of its 3% band is a depeg.
FollowerConfig depeg_config(FollowerConfig c) {
  c.feeds = {FeedWatch{*Address::parse(bulwark::testing::addr(0x5c)), "USDY",
                       *Address::parse(bulwark::testing::addr(0xfeed)), 8}};
  c.depeg_duration = 36;
  return c;
}

std::vector<Event> depegs(const std::vector<Event>& ev) {
  std::vector<Event> out;
  for (const auto& e : ev)
    if (e.finding.kind == detect::FindingKind::kDepeg && !e.retracted) out.push_back(e);
  return out;
}

TEST_F(FollowerTest, ADepegSpanningARestartIsTimedFromItsFirstBlock) {
  for (std::uint64_t n = 1; n <= 10; ++n) chain_.price[{0, n}] = n >= 4 ? 0.9 : 1.0;
  chain_.tip = 5;
  {
    Follower first(chain_, *store_, depeg_config(config()));
    EXPECT_TRUE(depegs(poll(first)).empty());  // out of band since block 4, only 12 s so far
  }
  // A new process: the excursion goes on from block 4 (without the stored state it would start
  // again at block 6 and be reported at block 9).
  chain_.tip = 10;
  Follower second(chain_, *store_, depeg_config(config()));
  const auto found = depegs(poll(second));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].block, 7u);
  EXPECT_NE(found[0].finding.rule.find("since block 4"), std::string::npos) << found[0].finding.rule;
  // Restarting again after the report does not report the same excursion twice.
  chain_.tip = 16;
  for (std::uint64_t n = 11; n <= 16; ++n) chain_.price[{0, n}] = 0.9;
  Follower third(chain_, *store_, depeg_config(config()));
  EXPECT_TRUE(depegs(poll(third)).empty());
}

TEST_F(FollowerTest, AReorgPutsTheDepegWatchBackToTheCommonAncestor) {
  // The first fork went back into the band at block 5 and left it again at 6; the chain that
  // replaces blocks 5.. stays out of band from block 4 on.
  chain_.price[{0, 1}] = chain_.price[{0, 2}] = chain_.price[{0, 3}] = 1.0;
  chain_.price[{0, 4}] = 0.9;
  chain_.price[{0, 5}] = 1.0;
  chain_.price[{0, 6}] = 0.9;
  chain_.tip = 6;
  Follower f(chain_, *store_, depeg_config(config()));
  EXPECT_TRUE(depegs(poll(f)).empty());
  for (std::uint64_t n = 5; n <= 9; ++n) {
    chain_.fork[n] = 1;
    chain_.price[{1, n}] = 0.9;
  }
  chain_.tip = 9;
  const auto found = depegs(poll(f));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].block, 7u);  // 36 s after block 4 (the orphaned blocks would have said 9)
  EXPECT_NE(found[0].finding.rule.find("since block 4"), std::string::npos) << found[0].finding.rule;
}

TEST_F(FollowerTest, ADrainAcrossBlocksSpanningARestartIsReportedOnceFromTheStoredWindow) {
  const std::uint64_t held[] = {0, 1000, 1000, 900, 700, 400, 380, 380};
  for (std::uint64_t n = 1; n <= 7; ++n) chain_.held[{0, n}] = U256(held[n]);
  auto cfg = config();
  cfg.balances = {BalanceWatch{*Address::parse(bulwark::testing::addr(3)),
                               detect::AssetRef{*Address::parse(bulwark::testing::addr(4)), false}}};
  cfg.drain_window = 10;
  auto drains = [](const std::vector<Event>& ev) {
    std::vector<Event> out;
    for (const auto& e : ev)
      if (e.tx.starts_with("drain:")) out.push_back(e);
    return out;
  };
  chain_.tip = 3;
  {
    Follower first(chain_, *store_, cfg);
    EXPECT_TRUE(drains(poll(first)).empty());  // 10% below the window's highest
  }
  // A new process: the window's highest (1,000, block 2) comes back from the stored state; without it
  // the watch would start at 700 and see no drain.
  chain_.tip = 7;
  Follower second(chain_, *store_, cfg);
  const auto found = drains(poll(second));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].block, 5u);
  EXPECT_EQ(found[0].finding.kind, detect::FindingKind::kDrain);
  EXPECT_EQ(found[0].finding.severity, detect::Severity::kMedium);  // no transaction named the holder
  ASSERT_EQ(found[0].finding.loss.size(), 1u);
  EXPECT_EQ(found[0].finding.loss[0].amount, U256(600));
  EXPECT_NE(found[0].finding.rule.find("fell 60%"), std::string::npos) << found[0].finding.rule;
  // The finding is stored with its block.
  EXPECT_EQ(statuses()["active"], 1);
}

TEST_F(FollowerTest, AWatchedBalanceThatCannotBeReadIsSkippedNotRetried) {
  for (std::uint64_t n = 1; n <= 4; ++n) chain_.held[{0, n}] = U256(n == 4 ? 100 : 1000);
  chain_.reverts = {2, 3};
  auto cfg = config();
  cfg.balances = {BalanceWatch{*Address::parse(bulwark::testing::addr(3)),
                               detect::AssetRef{*Address::parse(bulwark::testing::addr(4)), false}}};
  Follower f(chain_, *store_, cfg);
  chain_.tip = 4;
  std::vector<Event> ev;
  auto r = f.poll([&](const Event& e) { ev.push_back(e); });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 4u);  // every block processed, none held back
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].block, 4u);  // the fall from block 1's 1,000 is still seen
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

// ---- leases: two monitors (two stores on one database, one fake clock) ----

class LeaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string url = bulwark::testing::fresh_store_url(GetParam());
    auto a = store::open_store(url);
    auto b = store::open_store(url);
    ASSERT_TRUE(a && b);
    a_ = std::move(*a);
    b_ = std::move(*b);
  }
  static LeaseOptions opts(std::string owner) { return LeaseOptions{std::move(owner), 3'000}; }
  static std::set<std::uint64_t> held(const Leases& l, std::initializer_list<std::uint64_t> chains) {
    std::set<std::uint64_t> out;
    for (auto c : chains)
      if (l.holds(c)) out.insert(c);
    return out;
  }
  /// chain_blocks of chain 7: number -> (owner, epoch).
  std::map<std::uint64_t, std::pair<std::string, std::string>> blocks() {
    std::map<std::uint64_t, std::pair<std::string, std::string>> out;
    const auto& t = store::schema::chain_blocks();
    EXPECT_TRUE(a_->transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
      BULWARK_TRY(rows, tx.select(t, {}));
      for (const auto& r : rows)
        out[std::stoull(r[t.column("number")])] = {r[t.column("owner")], r[t.column("epoch")]};
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
  FakeClock clock_;
  std::unique_ptr<store::Store> a_, b_;
  ScriptedChain chain_;
};

TEST_P(LeaseTest, MonitorsSplitTheChainsAndAJoiningOneGetsItsShare) {
  Leases a(*a_, clock_, opts("a"), {1, 2, 3});
  auto ch = a.balance();
  ASSERT_TRUE(ch) << ch.error().message;
  EXPECT_EQ(ch->taken.size(), 3u);  // alone: everything
  Leases b(*b_, clock_, opts("b"), {1, 2, 3});
  ch = b.balance();
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->monitors, 2u);
  EXPECT_TRUE(ch->taken.empty());  // all held by a, none expired
  clock_.advance_ms(100);
  ch = a.balance();  // a sees b: its share is 2 of 3, it gives one back
  ASSERT_TRUE(ch);
  ASSERT_EQ(ch->released.size(), 1u);
  EXPECT_EQ(ch->released[0].chain_id, 3u);
  ch = b.balance();
  ASSERT_TRUE(ch);
  ASSERT_EQ(ch->taken.size(), 1u);
  EXPECT_EQ(ch->taken[0].chain_id, 3u);
  EXPECT_EQ(ch->taken[0].epoch, 2u);
  EXPECT_EQ(held(a, {1, 2, 3}), (std::set<std::uint64_t>{1, 2}));
  EXPECT_EQ(held(b, {1, 2, 3}), (std::set<std::uint64_t>{3}));
  // Further rounds change nothing; a does not take chain 3 back.
  for (int i = 0; i < 3; ++i) {
    clock_.advance_ms(500);
    ASSERT_TRUE(a.balance());
    ASSERT_TRUE(b.balance());
  }
  EXPECT_EQ(held(a, {1, 2, 3}), (std::set<std::uint64_t>{1, 2}));
  EXPECT_EQ(held(b, {1, 2, 3}), (std::set<std::uint64_t>{3}));
  // b stops cleanly: a takes chain 3 at its next round.
  ASSERT_TRUE(b.release_all());
  clock_.advance_ms(1);
  ch = a.balance();
  ASSERT_TRUE(ch);
  ASSERT_EQ(ch->taken.size(), 1u);
  EXPECT_EQ(ch->taken[0].epoch, 3u);
}

TEST_P(LeaseTest, ADeadMonitorsChainIsTakenOverFromTheCheckpointAndItIsFencedOut) {
  chain_.exploit[{0, 4}] = true;
  chain_.exploit[{0, 8}] = true;
  Leases a(*a_, clock_, opts("a"), {7});
  ASSERT_TRUE(a.balance());
  ASSERT_TRUE(a.holds(7));
  Follower fa(chain_, *a_, config(), &a);
  chain_.tip = 5;
  std::vector<Event> seen;
  ASSERT_TRUE(fa.poll([&](const Event& e) { seen.push_back(e); }));
  EXPECT_EQ(fa.checkpoint(), 5u);

  // b waits while a's lease runs; a stops (dies) with its lease renewed at the last block.
  Leases b(*b_, clock_, opts("b"), {7});
  Follower fb(chain_, *b_, config(), &b);
  ASSERT_TRUE(b.balance());
  EXPECT_FALSE(b.holds(7));
  EXPECT_EQ(fb.poll([&](const Event& e) { seen.push_back(e); }), 0u);
  EXPECT_LE(b.next_round_ms(), clock_.now_ms() + 3'000 + 1);  // b looks again when a's lease runs out
  clock_.advance_ms(2'999);
  ASSERT_TRUE(b.balance());
  EXPECT_FALSE(b.holds(7));  // not a millisecond early
  clock_.advance_ms(1);
  auto ch = b.balance();
  ASSERT_TRUE(ch);
  ASSERT_TRUE(b.holds(7));
  EXPECT_EQ(b.held(7)->epoch, 2u);

  chain_.tip = 10;
  auto n = fb.poll([&](const Event& e) { seen.push_back(e); });
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 5u);  // blocks 6..10: from the checkpoint, none again, none skipped
  EXPECT_EQ(fb.checkpoint(), 10u);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].block, 4u);
  EXPECT_EQ(seen[1].block, 8u);

  // a comes back to life believing it still holds the lease: its next block is refused.
  chain_.tip = 12;
  auto r = fa.poll([&](const Event& e) { seen.push_back(e); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(a.holds(7));
  EXPECT_EQ(seen.size(), 2u);
  ASSERT_TRUE(fb.poll([&](const Event& e) { seen.push_back(e); }));
  const auto rows = blocks();
  ASSERT_EQ(rows.size(), 12u);
  for (std::uint64_t i = 1; i <= 12; ++i) {
    ASSERT_TRUE(rows.count(i)) << "block " << i;
    const auto want = i <= 5 ? std::pair<std::string, std::string>{"a", "1"}
                             : std::pair<std::string, std::string>{"b", "2"};
    EXPECT_EQ(rows.at(i), want) << "block " << i;
  }
  // a's next round learns that the lease is gone.
  ch = a.balance();
  ASSERT_TRUE(ch);
  EXPECT_FALSE(a.holds(7));
}

TEST_P(LeaseTest, AFollowerRefusesToWriteOverACheckpointMovedUnderIt) {
  // Without leases (or with a bug in them), two followers on one chain must still never repeat a block.
  chain_.tip = 5;
  Follower f1(chain_, *a_, config());
  Follower f2(chain_, *b_, config());
  ASSERT_TRUE(f1.poll([](const Event&) {}));
  chain_.tip = 6;
  auto r = f2.poll([](const Event&) {});  // f2 has no state yet: it loads block 5 and commits 6
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
  chain_.tip = 7;
  r = f1.poll([](const Event&) {});  // f1 still thinks the checkpoint is 5
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  r = f1.poll([](const Event&) {});  // reloaded: continues after 6
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
  EXPECT_EQ(f1.checkpoint(), 7u);
}

INSTANTIATE_TEST_SUITE_P(Backends, LeaseTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

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

TEST(WatchFileTest, ReadsTheBalancesToWatchAndRejectsBadOnes) {
  const auto ok =
      nlohmann::json::parse(R"({"balances":[{"holder":"0x0000000000000000000000000000000000000007",
    "assets":["native","0x0000000000000000000000000000000000000008"],"chain_id":56}]})");
  auto w = parse_balance_watch(ok);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(w->size(), 2u);
  EXPECT_TRUE((*w)[0].asset.native);
  EXPECT_FALSE((*w)[1].asset.native);
  EXPECT_EQ((*w)[1].asset.token, *Address::parse(bulwark::testing::addr(8)));
  EXPECT_EQ((*w)[1].chain_id, std::optional<std::uint64_t>(56));
  EXPECT_TRUE(parse_balance_watch(nlohmann::json::parse(R"({"stablecoins":[]})"))->empty());
  for (
      const char* bad :
      {R"({"balances":{}})", R"({"balances":[{"assets":["native"]}]})",
       R"({"balances":[{"holder":"0x0000000000000000000000000000000000000007"}]})",
       R"({"balances":[{"holder":"0x0000000000000000000000000000000000000007","assets":["0x12"]}]})",
       R"({"balances":[{"holder":"0x0000000000000000000000000000000000000007","assets":[1]}]})",
       R"({"balances":[{"holder":"0x0000000000000000000000000000000000000007","assets":[],"chain_id":-1}]})"})
    EXPECT_FALSE(parse_balance_watch(nlohmann::json::parse(bad))) << bad;
}

}  // namespace
}  // namespace bulwark::monitor
