// The rules one at a time (rules.hpp), on small traces: what each finds, field by field, and the
// look-alike each must pass over. detect_test.cpp tests what the combiner makes of them.

#include "bulwark/detect/rules.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "bulwark/detect/test_traces.hpp"

namespace bulwark::detect::rules {
namespace {

using namespace bulwark::testing;
using nlohmann::json;

constexpr unsigned kEoa = 1, kAttack = 2, kVault = 3, kToken = 4, kLender = 5, kPool = 6, kOther = 7,
                   kUsd = 8, kHelper = 9, kRouter = 10, kPool2 = 11, kThird = 12;

Address a(unsigned n) {
  return *Address::parse(addr(n));
}

AssetRef token(unsigned n) {
  return AssetRef{a(n), false};
}

/// One transaction's trace, flows and facts, for asking a rule directly. Not copyable: the facts hold
/// references to the rest.
class Tx {
 public:
  explicit Tx(const json& j, DetectConfig cfg = {}) : cfg_(std::move(cfg)) {
    auto t = chain::parse_call_trace(j.dump());
    EXPECT_TRUE(t) << (t ? "" : t.error().message);
    if (t) t_ = std::move(*t);
    compute_flows_into(t_, cfg_.tables, flows_);
    facts_.emplace(t_, cfg_, flows_);
  }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  const Facts& x() const { return *facts_; }

 private:
  chain::Trace t_;
  DetectConfig cfg_;
  FlowSummary flows_;
  std::optional<Facts> facts_;
};

/// A frame with return data (one ABI word).
json with_output(json f, const U256& word) {
  f["output"] = "0x" + word_num(word);
  return f;
}

std::string balance_of_input(unsigned holder) {
  return "0x70a08231" + word_addr(holder);
}

/// The attack contract borrows `amount` of kToken from kLender, which calls it back (ERC-3156's
/// onFlashLoan) and is paid `back` inside the callback.
json loan_trace(const U256& amount, const U256& back) {
  return frame("CALL", kEoa, kAttack, "0x01",
               {frame("CALL", kAttack, kLender, "0x5cffe9de",
                      {frame("CALL", kLender, kToken, transfer_input(kAttack, amount)),
                       frame("CALL", kLender, kAttack, "0x23e30c8b",
                             {frame("CALL", kAttack, kToken, transfer_input(kLender, back))})})});
}

TEST(RulesTest, AFlashLoanIsItsEntryCallbackLenderHolderBorrowerAssetAndAmount) {
  const Tx tx(loan_trace(1000, 1009));
  const auto loans = find_flash_loans(tx.x());
  ASSERT_EQ(loans.size(), 1u);
  const FlashLoan& l = loans[0];
  EXPECT_EQ(l.entry, 1u);     // the attack contract's call into the lender
  EXPECT_EQ(l.callback, 3u);  // the lender's call back
  EXPECT_EQ(l.lender, a(kLender));
  EXPECT_EQ(l.holder, a(kLender));
  EXPECT_EQ(l.borrower, a(kAttack));
  EXPECT_EQ(l.asset, token(kToken));
  EXPECT_EQ(l.amount, U256(1000));

  // Paid back less than was lent: no loan.
  const Tx short_paid(loan_trace(1000, 999));
  EXPECT_TRUE(find_flash_loans(short_paid.x()).empty());
}

/// A vault that pays before it books, re-entered `rounds` times from the attack contract's fallback.
json reentrancy_trace(int rounds) {
  json inner = frame("CALL", kVault, kAttack, "0x", {}, 100);
  for (int i = 1; i < rounds; ++i)
    inner =
        frame("CALL", kVault, kAttack, "0x", {frame("CALL", kAttack, kVault, "0x3ccfd60b", {inner})}, 100);
  return frame("CALL", kEoa, kAttack, "0xdeadbeef", {frame("CALL", kAttack, kVault, "0x3ccfd60b", {inner})});
}

TEST(RulesTest, AReentryIsTheOpenOuterFrameTheFirstCallBackAndWhatLeftInsideIt) {
  // Frames: 0 root, 1 attack->vault, 2 vault->attack (paying), 3 attack->vault (the re-entry), 4 paying,
  // 5 attack->vault, 6 paying. Each contract is reported once, at its first re-entry.
  const Tx tx(reentrancy_trace(3));
  const auto r = find_reentries(tx.x());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].contract, a(kVault));
  EXPECT_EQ(r[0].outer, 1u);
  EXPECT_EQ(r[0].inner, 3u);
  EXPECT_EQ(r[0].inner_outflow_count, U256(2));  // frames 4 and 6

  // One withdrawal: nothing re-entered.
  const Tx once(reentrancy_trace(1));
  EXPECT_TRUE(find_reentries(once.x()).empty());
}

TEST(RulesTest, ABalanceBeforeIsWhatWasReadPlusWhatItSentLessWhatItReceivedBefore) {
  // The vault pays 100, is paid 30, is read at 500 by the attack contract, then pays out the 500.
  const Tx tx(frame("CALL", kEoa, kAttack, "0x01",
                    {frame("CALL", kAttack, kVault, "0x11111111",
                           {frame("CALL", kVault, kToken, transfer_input(kAttack, 100))}),
                     frame("CALL", kAttack, kToken, transfer_input(kVault, 30)),
                     with_output(frame("STATICCALL", kAttack, kToken, balance_of_input(kVault)), 500),
                     frame("CALL", kAttack, kVault, "0x22222222",
                           {frame("CALL", kVault, kToken, transfer_input(kAttack, 500))})}));
  const auto victims = one_sided_losers(tx.x(), mints_to_actors(tx.x()));
  ASSERT_EQ(victims.size(), 1u);
  EXPECT_EQ(victims[0].holder, a(kVault));
  const auto pre = observed_pre_balances(tx.x(), victims);
  const auto it = pre.find({a(kVault), token(kToken)});
  ASSERT_NE(it, pre.end());
  EXPECT_EQ(it->second.amount, U256(570));
  ASSERT_EQ(it->second.actor_reads.size(), 1u);
  EXPECT_EQ(it->second.actor_reads[0].first, 4u);  // the read's frame
  EXPECT_EQ(it->second.actor_reads[0].second, U256(500));

  // Only a victim's balance is worked out: with no victims, none.
  EXPECT_TRUE(observed_pre_balances(tx.x(), {}).empty());
}

/// Sells 1,000 of kToken to the pool for 50 of kOther, then sells `back_in` of kOther back for `back_out`.
json round_trip_trace(const U256& back_in, const U256& back_out) {
  return frame("CALL", kEoa, kAttack, "0x01",
               {frame("CALL", kAttack, kToken, transfer_input(kPool, 1000)),
                frame("CALL", kPool, kOther, transfer_input(kAttack, 50)),
                frame("CALL", kAttack, kOther, transfer_input(kPool, back_in)),
                frame("CALL", kPool, kToken, transfer_input(kAttack, back_out))});
}

TEST(RulesTest, ARoundTripIsThePoolTheTwoTradesAndWhatTheSecondPaidAboveTheFirst) {
  const Tx tx(round_trip_trace(50, 1100));
  const auto trips = find_round_trips(tx.x());
  ASSERT_EQ(trips.size(), 1u);
  EXPECT_EQ(trips[0].pool, a(kPool));
  EXPECT_EQ(trips[0].paid, token(kToken));
  EXPECT_EQ(trips[0].received, token(kOther));
  EXPECT_EQ(trips[0].first_frame, 2u);
  EXPECT_EQ(trips[0].second_frame, 4u);
  EXPECT_NEAR(trips[0].gain, 0.10, 1e-12);

  // Back for 2% more: within what a pool's curve and fees allow, no round trip; nor for 10% more when
  // more was paid back in than the first trade gave.
  const Tx small(round_trip_trace(50, 1020));
  EXPECT_TRUE(find_round_trips(small.x()).empty());
  const Tx more_in(round_trip_trace(60, 1100));
  EXPECT_TRUE(find_round_trips(more_in.x()).empty());
}

/// A getReserves() call into the pool by `reader`, answering (r0, r1).
json reserves_read(unsigned reader, const U256& r0, const U256& r1) {
  json f = frame("STATICCALL", reader, kPool, "0x0902f1ac");
  f["output"] = "0x" + word_num(r0) + word_num(r1) + word_num(0);
  return f;
}

TEST(RulesTest, APriceMoveIsHowFarThePoolsPriceWentWhoReadItMovedAndWhetherItCameBack) {
  // Read at price 1 by the attack contract, at 4 by the vault, at 1.01 by the attack contract again.
  const Tx tx(frame("CALL", kEoa, kAttack, "0x01",
                    {reserves_read(kAttack, 1000, 1000),
                     frame("CALL", kAttack, kVault, "0x11111111", {reserves_read(kVault, 500, 2000)}),
                     reserves_read(kAttack, 1000, 1010)}));
  const auto moves = find_price_moves(tx.x());
  ASSERT_EQ(moves.size(), 1u);
  const PriceMove& m = moves[0];
  EXPECT_EQ(m.pool, a(kPool));
  EXPECT_DOUBLE_EQ(m.max_move, 3.0);
  EXPECT_EQ(m.first, 1u);
  EXPECT_EQ(m.peak, 3u);
  EXPECT_TRUE(m.read_by_other);
  EXPECT_EQ(m.readers, std::vector<Address>{a(kVault)});
  EXPECT_TRUE(m.moved_back);

  // Moved 5%: under the 10% a move must reach.
  const Tx small(frame("CALL", kEoa, kAttack, "0x01",
                       {reserves_read(kAttack, 1000, 1000), reserves_read(kVault, 1000, 1050)}));
  EXPECT_TRUE(find_price_moves(small.x()).empty());
}

TEST(RulesTest, ValuesSpreadFromADollarTokenThroughTheTransactionsOwnSwaps) {
  // $1,000 (6 decimals) buys 500 units of kToken from one pool; 100 of those buy 300 of kOther from
  // another: a unit of kToken is worth $2, a unit of kOther $100 x 2 / 300.
  DetectConfig cfg;
  cfg.tables.usd_tokens[a(kUsd)] = 6;
  const Tx tx(frame("CALL", kEoa, kAttack, "0x01",
                    {frame("CALL", kAttack, kUsd, transfer_input(kPool, 1'000'000'000)),
                     frame("CALL", kPool, kToken, transfer_input(kAttack, 500)),
                     frame("CALL", kAttack, kToken, transfer_input(kPool2, 100)),
                     frame("CALL", kPool2, kOther, transfer_input(kAttack, 300))}),
              cfg);
  const Values v = unit_values(tx.x());
  ASSERT_TRUE(v.contains(token(kUsd)));
  EXPECT_DOUBLE_EQ(v.find(token(kUsd))->second, 1e-6);
  ASSERT_TRUE(v.contains(token(kToken)));
  EXPECT_DOUBLE_EQ(v.find(token(kToken))->second, 2.0);
  ASSERT_TRUE(v.contains(token(kOther)));
  EXPECT_DOUBLE_EQ(v.find(token(kOther))->second, 200.0 / 300.0);
  // The native coin is valued at `native_usd` a whole coin when the transaction never traded it.
  ASSERT_TRUE(v.contains(AssetRef{Address{}, true}));
  EXPECT_DOUBLE_EQ(v.find(AssetRef{Address{}, true})->second, 1000 * 1e-18);

  // Without a dollar token among the tables nothing but the native coin has a value.
  const Tx unpriced(frame("CALL", kEoa, kAttack, "0x01",
                          {frame("CALL", kAttack, kUsd, transfer_input(kPool, 1'000'000'000)),
                           frame("CALL", kPool, kToken, transfer_input(kAttack, 500))}));
  EXPECT_FALSE(unit_values(unpriced.x()).contains(token(kToken)));
}

TEST(RulesTest, AHelperThatPassesOnWhatAVictimPaidItStandsForTheSendersSideARouterPaidByItDoesNot) {
  // The attack contract calls a standing helper, which has the vault pay it 700 and passes them on.
  const Tx helped(frame("CALL", kEoa, kAttack, "0x01",
                        {frame("CALL", kAttack, kHelper, "0x11111111",
                               {frame("CALL", kHelper, kVault, "0x22222222",
                                      {frame("CALL", kVault, kToken, transfer_input(kHelper, 700))}),
                                frame("CALL", kHelper, kToken, transfer_input(kAttack, 700))})}));
  EXPECT_EQ(pass_throughs(helped.x()), std::vector<Address>{a(kHelper)});
  EXPECT_EQ(standing_helpers(helped.x()), std::vector<Address>{a(kHelper)});

  // A router paid by the attack contract, swapping through a pool and paying it the proceeds, also ends
  // even: a pass-through, but no helper, for it was paid by the sender's side.
  const Tx routed(frame("CALL", kEoa, kAttack, "0x01",
                        {frame("CALL", kAttack, kToken, transfer_input(kRouter, 100)),
                         frame("CALL", kAttack, kRouter, "0x33333333",
                               {frame("CALL", kRouter, kToken, transfer_input(kPool, 100)),
                                frame("CALL", kPool, kOther, transfer_input(kRouter, 50)),
                                frame("CALL", kRouter, kOther, transfer_input(kAttack, 50))})}));
  EXPECT_EQ(pass_throughs(routed.x()), std::vector<Address>{a(kRouter)});
  EXPECT_TRUE(standing_helpers(routed.x()).empty());
}

/// The attack contract deposits 1 unit of kToken in the vault, which pays it `out` back.
json deposit_and_withdraw(const U256& out) {
  return frame("CALL", kEoa, kAttack, "0x01",
               {frame("CALL", kAttack, kToken, transfer_input(kVault, 1)),
                frame("CALL", kAttack, kVault, "0x2e1a7d4d",
                      {frame("CALL", kVault, kToken, transfer_input(kAttack, out))})});
}

TEST(RulesTest, AnOutsizedReturnIsPaidAtLeastAThousandTimesWhatWasPaidIn) {
  const Tx tx(deposit_and_withdraw(5000));
  const auto o = find_outsized_returns(tx.x());
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].holder, a(kVault));
  EXPECT_EQ(o[0].asset, token(kToken));
  EXPECT_DOUBLE_EQ(o[0].ratio, 5000.0);

  const Tx less(deposit_and_withdraw(999));
  EXPECT_TRUE(find_outsized_returns(less.x()).empty());
}

TEST(RulesTest, ASpoofedCallbackIsTheCallIntoAContractThatNeverCalledTheCallerAndItsLosers) {
  // The attack contract calls a pool's uniswapV3SwapCallback itself; the pool pays it out of its balance.
  const std::string callback = "0xfa461e33" + word_num(0) + word_num(0) + word_num(96) + word_num(0);
  const Tx tx(frame("CALL", kEoa, kAttack, "0x01",
                    {frame("CALL", kAttack, kPool, callback,
                           {frame("CALL", kPool, kToken, transfer_input(kAttack, 800))})}));
  const auto s = find_spoofed_callbacks(tx.x());
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].frame, 1u);
  ASSERT_FALSE(s[0].victims.empty());
  EXPECT_EQ(s[0].victims[0].holder, a(kPool));
  ASSERT_EQ(s[0].victims[0].losses.size(), 1u);
  EXPECT_EQ(s[0].victims[0].losses[0].amount, U256(800));

  // The same callback into a router that is itself calling the attack contract (as a pool, through its
  // swap): the router asked for it.
  const Tx asked(
      frame("CALL", kEoa, kAttack, "0x01",
            {frame("CALL", kAttack, kRouter, "0x11111111",
                   {frame("CALL", kRouter, kAttack, "0x128acb08",
                          {frame("CALL", kAttack, kRouter, callback,
                                 {frame("CALL", kRouter, kToken, transfer_input(kAttack, 800))})})})}));
  EXPECT_TRUE(find_spoofed_callbacks(asked.x()).empty());
}

TEST(RulesTest, ABatchOverflowIsTheCallItsAmountAndItsRecipients) {
  // batchTransfer(address[] recipients, uint256 amount) with two recipients and 2^255: the total overflows.
  const U256 half = *U256::from_hex("0x8000000000000000000000000000000000000000000000000000000000000000");
  const std::string input =
      "0x83f12fec" + word_num(64) + word_num(half) + word_num(2) + word_addr(kAttack) + word_addr(kThird);
  const Tx tx(frame("CALL", kEoa, kAttack, "0x01", {frame("CALL", kAttack, kToken, input)}));
  const auto b = find_batch_overflows(tx.x());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].frame, 1u);
  EXPECT_EQ(b[0].amount, half);
  EXPECT_EQ(b[0].recipients, (std::vector<Address>{a(kAttack), a(kThird)}));

  // Half of that to each: the total fits.
  const std::string fits =
      "0x83f12fec" + word_num(64) +
      word_num(*U256::from_hex("0x4000000000000000000000000000000000000000000000000000000000000000")) +
      word_num(2) + word_addr(kAttack) + word_addr(kThird);
  const Tx ok(frame("CALL", kEoa, kAttack, "0x01", {frame("CALL", kAttack, kToken, fits)}));
  EXPECT_TRUE(find_batch_overflows(ok.x()).empty());
}

}  // namespace
}  // namespace bulwark::detect::rules
