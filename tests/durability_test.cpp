// Durability and concurrency of the ledger on real stores:
//  - crash test: a child buying cover is killed with SIGKILL at random points, again and again;
//    after each restart the journal verifies and every purchase it reported as committed is there.
//  - race test: two processes on one PostgreSQL store race for the last capacity; exactly one wins.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "backends.hpp"
#include "bulwark/cover/ledger.hpp"
#include "bulwark/cover/verify.hpp"

namespace bulwark::cover {
namespace {

const Address kUnderwriter = *Address::parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
const Address kVault = *Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");

/// A fresh store of the backend with a ledger on it and ETH registered.
struct Book {
  explicit Book(const std::string& url) : store(store::open_store(url)) {
    EXPECT_TRUE(store) << store.error().message;
    if (store) {
      ledger = std::make_unique<Ledger>(**store, clock);
      EXPECT_TRUE(ledger->register_asset(asset));
    }
  }
  Result<std::unique_ptr<store::Store>> store;
  FakeClock clock;
  std::unique_ptr<Ledger> ledger;
  const Asset asset{1, std::nullopt, "ETH", 18};
};

/// A pool of `stake` backing one new product at weight 100; returns the product id.
Id make_book(Ledger& ledger, const Asset& asset, const U256& stake) {
  auto pool = ledger.create_pool({"pool", asset.key(), 20'000});
  EXPECT_TRUE(pool);
  EXPECT_TRUE(ledger.deposit(pool->id, kUnderwriter, stake));
  ProductSpec spec;
  spec.name = "vault";
  spec.contracts = {kVault};
  spec.asset = asset.key();
  auto product = ledger.add_product(spec);
  EXPECT_TRUE(product);
  EXPECT_TRUE(ledger.set_backing(pool->id, product->id, 100));
  return product->id;
}

class CrashTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashTest, KilledMidPurchaseLosesNothingCommittedAndHalfAppliesNothing) {
  const std::string url = testing::fresh_store_url(GetParam());
  const Asset asset{1, std::nullopt, "ETH", 18};
  {
    Book book(url);
    ASSERT_TRUE(book.ledger);
    ASSERT_EQ(make_book(*book.ledger, asset, *U256::from_dec("1000000000000000000000000")), 1);
  }
  std::mt19937 rng(7);
  std::set<long long> committed;
  constexpr int kKills = 25;
  for (int round = 0; round < kKills; ++round) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execl(BULWARK_CRASH_CHILD, "crash_child", url.c_str(), asset.key().c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    // Let it run a random while (long enough to get past start-up most of the time), then kill it.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited by itself in round " << round;
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, std::size_t(n));
    close(out[0]);
    for (std::size_t pos = 0; (pos = text.find("committed ", pos)) != std::string::npos; pos += 10) {
      const auto end = text.find('\n', pos);
      if (end == std::string::npos) break;  // a line cut by the kill was not reported
      committed.insert(std::stoll(text.substr(pos + 10, end - pos - 10)));
    }
    // Restart: the store opens, the journal verifies, and every reported purchase is there.
    auto st = store::open_store(url);
    ASSERT_TRUE(st) << st.error().message;
    auto report = verify_store(**st);
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_TRUE(report->ok()) << "round " << round << ": " << report->problems.front();
    FakeClock clock;
    Ledger ledger(**st, clock);
    auto policies = ledger.policies({});
    ASSERT_TRUE(policies);
    std::set<long long> present;
    for (const auto& p : *policies) present.insert(p.id);
    for (long long id : committed)
      ASSERT_TRUE(present.count(id)) << "policy " << id << " was reported committed but is gone";
  }
  EXPECT_GT(committed.size(), std::size_t(kKills)) << "the child barely ran; the kills tested nothing";
  std::cout << GetParam() << ": " << kKills << " kills, " << committed.size()
            << " purchases reported committed, all present\n";
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

TEST(PostgresRace, TwoProcessesRacingForTheLastCapacityExactlyOneWins) {
  const std::string url = testing::fresh_store_url("postgresql");
  Book book(url);
  ASSERT_TRUE(book.ledger);
  Ledger& ledger = *book.ledger;
  const Asset& asset = book.asset;
  const Address buyers[2] = {*Address::parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
                             *Address::parse("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")};
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    // Capacity is 2 x 500 = 1000 wei; 999 are sold first, then both processes ask for the last wei.
    const Id product = make_book(ledger, asset, U256(500));
    ASSERT_TRUE(ledger.buy({buyers[0], {product, U256(999), asset.key(), 30}, U256::max()}));
    int go[2];
    ASSERT_EQ(pipe(go), 0);
    pid_t pids[2];
    for (int i = 0; i < 2; ++i) {
      pids[i] = fork();
      ASSERT_GE(pids[i], 0);
      if (pids[i] == 0) {
        close(go[1]);
        auto mine = store::open_store(url);  // each process its own connection
        if (!mine) _exit(3);
        FakeClock c;
        Ledger l(**mine, c);
        char b;
        if (read(go[0], &b, 1) != 1) _exit(4);  // start together
        auto r = l.buy({buyers[i], {product, U256(1), asset.key(), 30}, U256::max()});
        _exit(r ? 0 : r.error().code == ErrorCode::kInsufficientCapacity ? 1 : 2);
      }
    }
    close(go[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // both connected and waiting
    ASSERT_EQ(write(go[1], "gg", 2), 2);
    close(go[1]);
    int wins = 0, losses = 0;
    for (pid_t pid : pids) {
      int status = 0;
      waitpid(pid, &status, 0);
      ASSERT_TRUE(WIFEXITED(status));
      if (WEXITSTATUS(status) == 0)
        ++wins;
      else if (WEXITSTATUS(status) == 1)
        ++losses;
      else
        FAIL() << "a racer failed for another reason: exit " << WEXITSTATUS(status);
    }
    EXPECT_EQ(wins, 1) << "round " << round;
    EXPECT_EQ(losses, 1) << "round " << round;
    auto sold = ledger.policies({.product_id = product});
    ASSERT_TRUE(sold);
    EXPECT_EQ(sold->size(), 2u);
  }
  auto report = verify_store(**book.store);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
}

}  // namespace
}  // namespace bulwark::cover
