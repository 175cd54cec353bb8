// The rules one at a time (rules.hpp), on small traces: what each finds, field by field, and the
// look-alike each must pass over. detect_test.cpp tests what the combiner makes of them.

#include "bulwark/detect/rules.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>

#include "bulwark/detect/test_traces.hpp"

namespace bulwark::detect::rules {
namespace {

using namespace bulwark::testing;
using nlohmann::json;

// The sender is not at 0x...01, the ecrecover precompile, which the approval-pull rule reads as a
// signature check (kEcrecover).
constexpr unsigned kEcrecover = 1;
constexpr unsigned kEoa = 100, kAttack = 2, kVault = 3, kToken = 4, kLender = 5, kPool = 6, kOther = 7,
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
    if (!t) {
      ADD_FAILURE() << "the test's trace does not parse: " << t.error().message;
      return;
    }
    t_ = std::move(*t);
    compute_flows_into(t_, cfg_.tables, flows_);
    facts_.emplace(t_, cfg_, flows_);
  }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  /// The facts (the test fails, and stops here, where the trace did not parse).
  const Facts& x() const {
    if (!facts_) throw std::runtime_error("no facts: the trace did not parse");
    return *facts_;
  }

 private:
  chain::Trace t_;
  DetectConfig cfg_;
  FlowSummary flows_;
  std::optional<Facts> facts_;
};

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

/// The vault re-entered `rounds` times, each payment 100 wei.
json reentrancy_trace(int rounds) {
  return testing::reentrancy_trace(kEoa, kAttack, kVault, rounds, 100);
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

  // Called back into from the attack contract's fallback, but paying nothing inside the call back (a
  // balance query answered by the vault's own code): no re-entry that matters.
  const Tx idle(frame("CALL", kEoa, kAttack, "0xdeadbeef",
                      {frame("CALL", kAttack, kVault, "0x3ccfd60b",
                             {frame("CALL", kVault, kAttack, "0x",
                                    {frame("CALL", kAttack, kVault, balance_of_input(kAttack))}, 100)})}));
  EXPECT_TRUE(find_reentries(idle.x()).empty());
  // One withdrawal: the vault is never entered again.
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
  // another: a unit of kToken is worth $2, a unit of kOther 100 x $2 / 300.
  DetectConfig cfg;
  cfg.tables.usd_tokens[a(kUsd)] = 6;
  const Tx tx(frame("CALL", kEoa, kAttack, "0x01",
                    {frame("CALL", kAttack, kUsd, transfer_input(kPool, 1'000'000'000)),
                     frame("CALL", kPool, kToken, transfer_input(kAttack, 500)),
                     frame("CALL", kAttack, kToken, transfer_input(kPool2, 100)),
                     frame("CALL", kPool2, kOther, transfer_input(kAttack, 300))}),
              cfg);
  const Values v = unit_values(tx.x());
  ASSERT_TRUE(v.contains(token(kToken)));
  EXPECT_DOUBLE_EQ(v.find(token(kToken))->second, 2.0);
  ASSERT_TRUE(v.contains(token(kOther)));
  EXPECT_DOUBLE_EQ(v.find(token(kOther))->second, 200.0 / 300.0);
  // The native coin is valued at `native_usd` a whole coin when the transaction never traded it.
  ASSERT_TRUE(v.contains(AssetRef{Address{}, true}));
  EXPECT_DOUBLE_EQ(v.find(AssetRef{Address{}, true})->second, 1000 * 1e-18);

  // A token no swap touched has no value; and where the dollar token is not among the tables (these are
  // the default ones), what it bought has none either.
  EXPECT_FALSE(v.contains(token(kThird)));
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

/// kRouter pulls 500 of kToken from kThird (an account that approved it) into the attack contract, inside
/// a call the attack contract made into it with `router_input`; `more` are further calls of the root.
json pull_trace(const std::string& router_input, std::vector<json> more = {}) {
  std::vector<json> calls = {
      frame("CALL", kAttack, kRouter, router_input,
            {frame("CALL", kRouter, kToken, transfer_from_input(kThird, kAttack, 500))})};
  for (auto& m : more) calls.push_back(std::move(m));
  return frame("CALL", kEoa, kAttack, "0x01", std::move(calls));
}

TEST(RulesTest, AnApprovalPullIsTheFirstPullFromAThirdPartyOnCalldataOrAnOwnerTheSendersSideWrote) {
  // The pull's whole calldata inside the attack contract's call: the router ran a call the caller wrote.
  const std::string pull = transfer_from_input(kThird, kAttack, 500).substr(2);
  const Tx forwarded(pull_trace("0x1cff79cd" + word_addr(kToken) + word_num(64) + word_num(100) + pull));
  const auto p = find_approval_pulls(forwarded.x());
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].frame, 2u);
  EXPECT_EQ(p[0].victim.holder, a(kThird));
  ASSERT_EQ(p[0].victim.losses.size(), 1u);
  EXPECT_EQ(p[0].victim.losses[0].amount, U256(500));
  EXPECT_EQ(p[0].recipient, a(kAttack));
  EXPECT_FALSE(p[0].to_named);
  EXPECT_FALSE(p[0].to_pass_through);

  // Only the owner's address among the call's arguments: an unchecked `from`, the same pull.
  const Tx named(pull_trace("0x12345678" + word_addr(kThird) + word_num(500)));
  ASSERT_EQ(find_approval_pulls(named.x()).size(), 1u);

  // The owner named, but a signature checked in the transaction (the ecrecover precompile): a signed order
  // names its owner with the owner's consent.
  const Tx signed_order(pull_trace("0x12345678" + word_addr(kThird) + word_num(500),
                                   {frame("STATICCALL", kAttack, kEcrecover, "0x" + word_num(7))}));
  EXPECT_TRUE(find_approval_pulls(signed_order.x()).empty());

  // Neither the calldata nor the owner written by the sender's side: the router's own business.
  const Tx unnamed(pull_trace("0x12345678" + word_num(500)));
  EXPECT_TRUE(find_approval_pulls(unnamed.x()).empty());
}

TEST(RulesTest, GrantedApprovalsAreUnlimitedApprovalsOfTheSendersSideByAtLeastTwoContractsItCalled) {
  const U256 unlimited = U256::max();
  // Two vaults, each called by the attack contract, approve it for all their kToken.
  const auto grant = [&](unsigned owner) {
    return frame("CALL", kAttack, owner, "0x11111111",
                 {frame("CALL", owner, kToken, approve_input(kAttack, unlimited))});
  };
  const Tx two(frame("CALL", kEoa, kAttack, "0x01", {grant(kVault), grant(kHelper)}));
  const auto g = find_granted_approvals(two.x());
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].frame, 2u);
  EXPECT_EQ(g[0].owner, a(kVault));
  EXPECT_EQ(g[0].token, a(kToken));
  EXPECT_EQ(g[0].spender, a(kAttack));
  EXPECT_EQ(g[1].owner, a(kHelper));

  // One contract approving its caller may be the caller's own.
  const Tx one(frame("CALL", kEoa, kAttack, "0x01", {grant(kVault)}));
  EXPECT_TRUE(find_granted_approvals(one.x()).empty());
  // An exact amount (under 2^128), which the caller then pulls, is a payment.
  const auto exact = [&](unsigned owner) {
    return frame("CALL", kAttack, owner, "0x11111111",
                 {frame("CALL", owner, kToken, approve_input(kAttack, 1000))});
  };
  const Tx paid(frame("CALL", kEoa, kAttack, "0x01", {exact(kVault), exact(kHelper)}));
  EXPECT_TRUE(find_granted_approvals(paid.x()).empty());
}

TEST(RulesTest, AHelperThatTakesTheLoanItselfOrRepaysItForNothingActsForTheSendersSide) {
  // The attack contract calls kHelper, which borrows from the lender and is called back.
  const Tx borrowing(
      frame("CALL", kEoa, kAttack, "0x01",
            {frame("CALL", kAttack, kHelper, "0x11111111",
                   {frame("CALL", kHelper, kLender, "0x5cffe9de",
                          {frame("CALL", kLender, kToken, transfer_input(kHelper, 1000)),
                           frame("CALL", kLender, kHelper, "0x23e30c8b",
                                 {frame("CALL", kHelper, kToken, transfer_input(kLender, 1009))})})})}));
  const auto loans = find_flash_loans(borrowing.x());
  ASSERT_EQ(loans.size(), 1u);
  EXPECT_EQ(loans[0].borrower, a(kHelper));
  EXPECT_EQ(loan_borrowers(borrowing.x(), loans), std::vector<Address>{a(kHelper)});

  // The attack contract borrows; inside the callback kHelper repays the lender out of what a vault paid
  // it, keeping nothing.
  const Tx repaid(
      frame("CALL", kEoa, kAttack, "0x01",
            {frame("CALL", kAttack, kLender, "0x5cffe9de",
                   {frame("CALL", kLender, kToken, transfer_input(kAttack, 1000)),
                    frame("CALL", kLender, kAttack, "0x23e30c8b",
                          {frame("CALL", kAttack, kHelper, "0x22222222",
                                 {frame("CALL", kHelper, kVault, "0x33333333",
                                        {frame("CALL", kVault, kToken, transfer_input(kHelper, 1009))}),
                                  frame("CALL", kHelper, kToken, transfer_input(kLender, 1009))})})})}));
  const auto loans2 = find_flash_loans(repaid.x());
  ASSERT_EQ(loans2.size(), 1u);
  EXPECT_EQ(loan_repayers(repaid.x(), loans2), std::vector<Address>{a(kHelper)});
  // The lender itself, paid back its own money, is no repayer; nor is the borrower.
  EXPECT_TRUE(loan_borrowers(repaid.x(), loans2).empty());
}

TEST(RulesTest, APosedPoolIsARoutersSwapCallOnTheSendersOwnContract) {
  // A router, called by the attack contract, calls swap on the attack contract as if it were a pool.
  const std::string swap =
      "0x022c0d9f" + word_num(0) + word_num(100) + word_addr(kRouter) + word_num(128) + word_num(0);
  const Tx posed(
      frame("CALL", kEoa, kAttack, "0x01",
            {frame("CALL", kAttack, kRouter, "0x11111111", {frame("CALL", kRouter, kAttack, swap)})}));
  EXPECT_EQ(find_posed_pools(posed.x()), std::vector<std::size_t>{2});
  // The same call on a pool that is no contract of the sender's side: an ordinary swap.
  const Tx ordinary(
      frame("CALL", kEoa, kAttack, "0x01",
            {frame("CALL", kAttack, kRouter, "0x11111111", {frame("CALL", kRouter, kPool, swap)})}));
  EXPECT_TRUE(find_posed_pools(ordinary.x()).empty());
}

}  // namespace
}  // namespace bulwark::detect::rules
