// Payouts survive crashes: a child paying a parametric incident's many policies one store
// transaction at a time is killed with SIGKILL at random points, again and again; after each
// restart the journal verifies and no policy is paid twice; in the end every policy is paid
// exactly once and the pools lost exactly what was paid.

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "backends.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/cover/payouts.hpp"
#include "bulwark/cover/verify.hpp"
#include "claims_fixture.hpp"

namespace bulwark::cover {
namespace {

using testing::eth;

constexpr UnixTime kT0 = 1'700'000'000;
constexpr UnixTime kExploit = kT0 + 2 * kSecondsPerDay;
constexpr int kPolicies = 1000;

class PayoutCrashTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PayoutCrashTest, KilledMidPayoutPaysEveryPolicyExactlyOnce) {
  const std::string url = testing::fresh_store_url(GetParam());
  U256 capital_before;
  const UnixTime pay_time = kExploit + 7'200;
  {
    std::vector<U256> amounts;
    for (int i = 0; i < kPolicies; ++i) amounts.push_back(U256(1'000'000 + std::uint64_t(i)));
    const Id pool = testing::confirmed_parametric_book(url, 1, kT0, kExploit, 0x1000, amounts);
    ASSERT_NE(pool, 0);
    auto st = store::open_store(url);
    ASSERT_TRUE(st) << st.error().message;
    FakeClock clock(kExploit + 60);
    Ledger ledger(**st, clock);
    auto books = ledger.books();
    ASSERT_TRUE(books);
    for (const auto& a : books->accounts)
      if (a.key == accounts::pool_capital(pool)) capital_before = a.balance;
  }
  std::mt19937 rng(11);
  // Delays that land most kills mid-run on each backend (a child pays several payouts a round).
  const int lo = GetParam() == "sqlite" ? 4 : 10, hi = GetParam() == "sqlite" ? 25 : 50;
  std::set<long long> reported;
  int kills = 0;
  bool done = false;
  for (int round = 0; round < 80 && !done; ++round) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string now = std::to_string(pay_time);
      execl(BULWARK_CLAIMS_CRASH_CHILD, "claims_crash_child", url.c_str(), now.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng)));
    const bool killed = kill(pid, SIGKILL) == 0;
    int status = 0;
    waitpid(pid, &status, 0);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, std::size_t(n));
    close(out[0]);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      ++kills;
    else
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed in round " << round;
    (void)killed;
    for (std::size_t pos = 0; (pos = text.find("paid ", pos)) != std::string::npos; pos += 5) {
      const auto end = text.find('\n', pos);
      if (end == std::string::npos) break;
      const long long id = std::stoll(text.substr(pos + 5, end - pos - 5));
      EXPECT_TRUE(reported.insert(id).second) << "policy " << id << " reported paid twice";
    }
    if (text.find("done\n") != std::string::npos) done = true;
    // Restart: the journal verifies and every reported payout is there, once.
    auto st = store::open_store(url);
    ASSERT_TRUE(st) << st.error().message;
    auto report = verify_store(**st);
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_TRUE(report->ok()) << "round " << round << ": " << report->problems.front();
    FakeClock clock(pay_time);
    Payouts payouts(**st, clock);
    auto made = payouts.payouts();
    ASSERT_TRUE(made);
    std::set<Id> present;
    for (const auto& p : *made)
      EXPECT_TRUE(present.insert(p.policy_id).second) << "paid twice: " << p.policy_id;
    for (long long id : reported)
      ASSERT_TRUE(present.count(id)) << "payout to " << id << " reported but gone";
  }
  EXPECT_GE(kills, 20) << "too few kills landed before the child finished";
  // Finish the run; everything is paid exactly once and the pool lost exactly the sum.
  auto st = store::open_store(url);
  ASSERT_TRUE(st);
  FakeClock clock(pay_time);
  Payouts payouts(**st, clock);
  ASSERT_TRUE(payouts.run());
  auto made = payouts.payouts();
  ASSERT_TRUE(made);
  ASSERT_EQ(made->size(), std::size_t(kPolicies));
  U256 sum;
  std::set<Id> ids;
  for (const auto& p : *made) {
    ids.insert(p.policy_id);
    EXPECT_EQ(p.amount, p.entitled);
    sum = *sum.checked_add(p.amount);
  }
  EXPECT_EQ(ids.size(), std::size_t(kPolicies));
  Ledger ledger(**st, clock);
  auto books = ledger.books();
  ASSERT_TRUE(books);
  for (const auto& a : books->accounts)
    if (a.key == accounts::pool_capital(1)) {
      EXPECT_EQ(*capital_before.checked_sub(a.balance), sum);
    }
  auto report = verify_store(**st);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  std::cout << GetParam() << ": " << kills << " kills, " << reported.size()
            << " payouts reported before the end\n";
}

INSTANTIATE_TEST_SUITE_P(Backends, PayoutCrashTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

}  // namespace
}  // namespace bulwark::cover
