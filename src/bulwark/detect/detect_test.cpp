#include "bulwark/detect/detect.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "bulwark/detect/address_set.hpp"
#include "bulwark/detect/test_traces.hpp"

namespace bulwark::detect {
namespace {

using namespace bulwark::testing;
using nlohmann::json;

// The sender is not at 0x...01, the ecrecover precompile, which the approval-pull rule reads as a
// signature check (kEcrecover).
constexpr unsigned kEcrecover = 1;
constexpr unsigned kEoa = 100, kAttack = 2, kVault = 3, kToken = 4, kLender = 5, kUser = 6, kRouter = 7;
const U256 kE18 = *U256::from_dec("1000000000000000000");

Address a(unsigned n) {
  return *Address::parse(addr(n));
}

Analysis run(const json& j, DetectConfig cfg = {}) {
  auto t = chain::parse_call_trace(j.dump());
  EXPECT_TRUE(t) << (t ? "" : t.error().message);
  return analyze(*t, cfg);
}

TEST(AddressSetTest, AgreesWithAnOrderedSetThroughGrowthAndTheZeroAddress) {
  std::mt19937_64 rng(7);
  AddressSet set;
  std::set<Address> ref;
  auto random_address = [&](bool small) {
    std::array<std::uint8_t, 20> b{};
    for (auto& x : b) x = static_cast<std::uint8_t>(small ? rng() % 3 : rng());  // small: many collisions
    return Address::from_bytes(b);
  };
  EXPECT_FALSE(set.contains(Address{}));
  for (int i = 0; i < 3000; ++i) {
    const Address x = random_address(i % 4 == 0);
    EXPECT_EQ(set.insert(x), ref.insert(x).second);
    if (i % 7 == 0) {
      const Address y = random_address(i % 2 == 0);
      EXPECT_EQ(set.contains(y), ref.contains(y));
    }
  }
  EXPECT_EQ(set.insert(Address{}), ref.insert(Address{}).second);
  EXPECT_TRUE(set.contains(Address{}));
  EXPECT_EQ(set.size(), ref.size());
  for (const Address& x : ref) EXPECT_TRUE(set.contains(x));
}

const Finding* incident(const Analysis& an) {
  for (const auto& f : an.findings)
    if (incident_grade(f.severity)) return &f;
  return nullptr;
}

bool names(const std::vector<Address>& v, unsigned n) {
  return std::find(v.begin(), v.end(), a(n)) != v.end();
}

TEST(FlowsTest, TokenCallsNativeValueAndRevertsAreBookedExactly) {
  json j = frame("CALL", kEoa, kRouter, "0x01",
                 {frame("CALL", kRouter, kToken, transfer_from_input(kEoa, kVault, 500)),
                  frame("CALL", kRouter, kToken, transfer_input(kUser, 20)),
                  frame("CALL", kRouter, kUser, "0x", {}, 9)});
  json reverted = frame("CALL", kRouter, kToken, transfer_input(kUser, 1000));
  reverted["error"] = "execution reverted";
  j["calls"].push_back(reverted);
  json said_no = frame("CALL", kRouter, kToken, transfer_input(kUser, 77));
  said_no["output"] = "0x" + word_num(0);
  j["calls"].push_back(said_no);
  auto t = chain::parse_call_trace(j.dump());
  ASSERT_TRUE(t);
  const auto s = compute_flows(*t, ChainTables::defaults());
  ASSERT_EQ(s.flows.size(), 3u);
  const AssetRef token{a(kToken), false};
  EXPECT_EQ(s.net_of(a(kEoa), token).out, U256(500));
  EXPECT_EQ(s.net_of(a(kVault), token).in, U256(500));
  EXPECT_EQ(s.net_of(a(kUser), token).in, U256(20));
  EXPECT_EQ(s.net_of(a(kRouter), token).out, U256(20));
  EXPECT_EQ(s.net_of(a(kUser), AssetRef{Address{}, true}).in, U256(9));
}

TEST(FlowsTest, NetChangesAgreeWithAnOrderedMapForAnyFlows) {
  // The net changes are summed per key through a table (or a scan, for a few flows) and then ordered:
  // for random flows among few holders and assets (many repeats of a key) and among many (few repeats),
  // with amounts near 2^256 (the sums saturate), they must be what an ordered map of saturating sums holds.
  std::mt19937_64 rng(11);
  const U256 near_max = U256::max().checked_sub(U256(5)).value();
  auto sat = [](const U256& x, const U256& y) { return x.checked_add(y).value_or(U256::max()); };
  auto pick = [&](unsigned m) { return static_cast<unsigned>(rng() % m); };
  for (const std::size_t n : {0, 1, 2, 3, 4, 5, 40, 3000})
    for (const unsigned spread : {3u, 1000u}) {
      std::vector<Flow> flows;
      std::map<std::pair<Address, AssetRef>, NetAmount> ref;
      for (std::size_t i = 0; i < n; ++i) {
        Flow fl;
        fl.frame = static_cast<std::uint32_t>(i);
        fl.asset = rng() % 4 == 0 ? AssetRef{Address{}, true} : AssetRef{a(100 + pick(spread)), false};
        fl.from = a(pick(spread));
        fl.to = a(pick(spread));
        fl.amount = rng() % 16 == 0 ? near_max : U256(rng() % 1000 + 1);
        flows.push_back(fl);
        NetAmount& out = ref[{fl.from, fl.asset}];
        out.out = sat(out.out, fl.amount);
        NetAmount& in = ref[{fl.to, fl.asset}];
        in.in = sat(in.in, fl.amount);
      }
      NetChanges net;
      net.assign(flows);
      ASSERT_EQ(net.size(), ref.size()) << n << " flows among " << spread;
      auto it = net.begin();
      for (const auto& [key, sum] : ref) {
        EXPECT_EQ(it->first, key);
        EXPECT_EQ(it->second.in, sum.in);
        EXPECT_EQ(it->second.out, sum.out);
        ++it;
      }
    }
}

TEST(FlowsTest, WrappedNativeMintAndBurnBalanceItsBacking) {
  const unsigned weth = 0;  // replaced below by the real WETH address
  (void)weth;
  const std::string weth_addr = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";
  json dep = frame("CALL", kUser, kToken, "0xd0e30db0", {}, 100);
  dep["to"] = weth_addr;
  json wd =
      frame("CALL", kUser, kToken, "0x2e1a7d4d" + word_num(40), {frame("CALL", kToken, kUser, "0x", {}, 40)});
  wd["to"] = weth_addr;
  wd["calls"][0]["from"] = weth_addr;
  json j = frame("CALL", kEoa, kUser, "0x01", {dep, wd});
  auto t = chain::parse_call_trace(j.dump());
  ASSERT_TRUE(t);
  const auto s = compute_flows(*t, ChainTables::defaults());
  const Address w = *Address::parse(weth_addr);
  const auto tok = s.net_of(a(kUser), AssetRef{w, false});
  EXPECT_EQ(tok.in, U256(100));
  EXPECT_EQ(tok.out, U256(40));
  const auto nat = s.net_of(w, AssetRef{Address{}, true});
  EXPECT_EQ(nat.in, U256(100));
  EXPECT_EQ(nat.out, U256(40));
}

/// The vault re-entered `rounds` times from the attacker's contract, each payment 1 ETH.
json reentrancy_trace(int rounds) {
  return testing::reentrancy_trace(kEoa, kAttack, kVault, rounds, kE18);
}

TEST(DetectTest, ReentrancyDrainIsOneCriticalFindingNamingVictimAndAttacker) {
  const auto an = run(reentrancy_trace(4));
  ASSERT_EQ(an.findings.size(), 1u);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kReentrancy);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_TRUE(names(f->attackers, kEoa));
  EXPECT_TRUE(names(f->attackers, kAttack));
  ASSERT_EQ(f->loss.size(), 1u);
  EXPECT_EQ(f->loss[0].amount, *U256(4).checked_mul(kE18));
  EXPECT_EQ(f->evidence.size(), 2u);
}

TEST(DetectTest, OrdinaryWithdrawalIsNotAnIncident) {
  // The holder's own contract withdraws once: no re-entry, no attack contract, nothing else.
  const auto an = run(reentrancy_trace(1));
  EXPECT_EQ(incident(an), nullptr);
}

/// A lender pays the borrower, calls it back, and takes the loan back plus a fee.
json flash_loan(std::vector<json> inside, const U256& amount, bool repay = true) {
  std::vector<json> cb_calls = std::move(inside);
  if (repay)
    cb_calls.push_back(frame("CALL", kAttack, kToken, transfer_input(kLender, *amount.checked_add(9))));
  return frame("CALL", kAttack, kLender, "0x5cffe9de",
               {frame("CALL", kLender, kToken, transfer_input(kAttack, amount)),
                frame("CALL", kLender, kAttack, "0x23e30c8b", cb_calls)});
}

TEST(DetectTest, GenericFlashLoanIsRecognisedAndArbitrageIsNotAnIncident) {
  // Borrow, swap through a pool and back at a profit: the pool is paid in both directions.
  const unsigned pool = 11, other = 13;
  json arb = frame("CALL", kEoa, kAttack, "0x01",
                   {flash_loan({frame("CALL", kAttack, kToken, transfer_input(pool, 1000)),
                                frame("CALL", pool, other, transfer_input(kAttack, 50)),
                                frame("CALL", kAttack, other, transfer_input(pool + 1, 50)),
                                frame("CALL", pool + 1, kToken, transfer_input(kAttack, 1020))},
                               1000)});
  const auto an = run(arb);
  ASSERT_EQ(an.findings.size(), 1u);
  EXPECT_EQ(an.findings[0].kind, FindingKind::kFlashLoan);
  EXPECT_EQ(an.findings[0].severity, Severity::kInfo);
  EXPECT_EQ(incident(an), nullptr);
}

TEST(DetectTest, UnrepaidTransferIsNotAFlashLoan) {
  json j = frame("CALL", kEoa, kAttack, "0x01", {flash_loan({}, 1000, false)});
  const auto an = run(j);
  for (const auto& f : an.findings) EXPECT_NE(f.kind, FindingKind::kFlashLoan);
}

TEST(DetectTest, FlashLoanFundedExtractionIsIncidentGrade) {
  // Inside the loan, the vault pays the attacker and gets nothing back.
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {flash_loan({frame("CALL", kAttack, kVault, "0x11111111",
                                    {frame("CALL", kVault, kToken, transfer_input(kAttack, 5000))})},
                             1000)});
  const auto an = run(j);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kFlashLoan);
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_FALSE(names(f->victims, kLender));  // repaid: not a victim
  ASSERT_EQ(f->loss.size(), 1u);
  EXPECT_EQ(f->loss[0].amount, U256(5000));
}

/// A position closed with a flash loan of `debt` kToken: the attack contract makes `call` into a lending
/// market, which pulls the debt's repayment into the debt's holder and pays `collateral` of another token out
/// of the collateral's holder; the attack contract sells part of it in a pool for what repays the loan and
/// keeps the rest.
json closed_position(const std::string& call, const U256& debt, const U256& collateral) {
  const unsigned market = 20, debt_holder = 21, coll_holder = 22, coll = 23, pool = 24;
  const U256 sold = *collateral.checked_sub(U256(100));
  return frame(
      "CALL", kEoa, kAttack, "0x01",
      {flash_loan({frame("CALL", kAttack, market, call,
                         {frame("CALL", market, kToken, transfer_from_input(kAttack, debt_holder, debt)),
                          frame("CALL", market, debt_holder, "0x28530a47" + word_addr(kAttack)),
                          frame("CALL", market, coll_holder, "0xd7020d0a" + word_addr(kAttack),
                                {frame("CALL", coll_holder, coll, transfer_input(kAttack, collateral))})}),
                   frame("CALL", kAttack, coll, transfer_input(pool, sold)),
                   frame("CALL", pool, kToken, transfer_input(kAttack, *debt.checked_add(U256(9))))},
                  debt)});
}

/// Aave's repay(asset, amount, rateMode, onBehalfOf) of `borrower`'s debt, then its collateral taken out:
/// closed_position with the repayment as the call.
json unwound_position(unsigned borrower, const U256& debt, const U256& collateral) {
  return closed_position(
      "0x573ade81" + word_addr(kToken) + word_num(debt) + word_num(2) + word_addr(borrower), debt,
      collateral);
}

TEST(DetectTest, ABorrowerUnwindingItsOwnPositionWithAFlashLoanIsNotAnIncident) {
  // Its own debt repaid, its collateral taken out: the collateral's holder pays with nothing back that
  // the flows show, as a withdrawal does (medium), and the flash loan that funded the repayment is no
  // sign of attack.
  const auto own = run(unwound_position(kAttack, 1000, 5000));
  EXPECT_EQ(incident(own), nullptr);
  ASSERT_FALSE(own.findings.empty());
  EXPECT_TRUE(std::ranges::any_of(own.findings, [](const Finding& f) {
    return f.kind == FindingKind::kExtraction && f.severity == Severity::kMedium && names(f.victims, 22);
  }));
  // A repayment call that pays nothing (repayBorrow(0) on a contract off the sender's side) takes no sign
  // away from a flash-loan-funded extraction.
  json empty = frame("CALL", kEoa, kAttack, "0x01",
                     {flash_loan({frame("CALL", kAttack, kVault, "0x11111111",
                                        {frame("CALL", kVault, kToken, transfer_input(kAttack, 5000))}),
                                  frame("CALL", kAttack, 30, "0x0e752702" + word_num(0))},
                                 1000)});
  const auto nothing = run(empty);
  ASSERT_NE(incident(nothing), nullptr);
  EXPECT_EQ(incident(nothing)->kind, FindingKind::kFlashLoan);
  // Another account's debt repaid and the collateral it freed taken: funded by the flash loan, an attack.
  const auto other = run(unwound_position(kUser, 1000, 5000));
  const Finding* f = incident(other);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kFlashLoan);
  EXPECT_TRUE(names(f->victims, 22));
}

TEST(DetectTest, AFlashLoanFundedLiquidationIsNotAnIncidentUnlessItLiquidatesTheSendersOwnPosition) {
  // Aave's liquidationCall(collateral, debt, user, amount, receiveAToken).
  const auto liquidation = [](unsigned user) {
    return closed_position(
        "0x00a718a9" + word_addr(23) + word_addr(kToken) + word_addr(user) + word_num(1000) + word_num(0),
        1000, 5000);
  };
  EXPECT_EQ(incident(run(liquidation(kUser))), nullptr);
  // The liquidated position is the attack contract's own: a self-liquidation at a discount the market
  // should not give, funded by the loan.
  const auto own = run(liquidation(kAttack));
  const Finding* f = incident(own);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kFlashLoan);
  EXPECT_TRUE(names(f->victims, 22));
}

/// A leverage taken with a flash loan of 1,000 kToken ($1 a unit): sold in a pool for 500 of a collateral
/// token ($2 a unit at that rate), `deposited` of which go into a lending market's collateral holder, whose
/// reserve of kToken lends the 1,009 that repay the loan; the rest of the collateral goes to the sender.
/// With `issued`, the attack contract first mints itself some of the collateral token; `withdrawn` of the
/// collateral is taken out of the market again before the borrow.
json leverage_with_a_flash_loan(const U256& deposited, bool issued = false, const U256& withdrawn = 0) {
  const unsigned market = 20, reserve = 21, coll_holder = 22, coll = 23, pool = 24;
  json j = frame(
      "CALL", kEoa, kAttack, "0x01",
      {flash_loan({frame("CALL", kAttack, kToken, transfer_input(pool, 1000)),
                   frame("CALL", pool, coll, transfer_input(kAttack, 500)),
                   frame("CALL", kAttack, market, "0x617ba037" + word_addr(coll) + word_num(deposited),
                         {frame("CALL", market, coll, transfer_from_input(kAttack, coll_holder, deposited)),
                          frame("CALL", market, coll_holder, "0x94362e8b" + word_addr(kAttack))}),
                   frame("CALL", kAttack, market, "0x69328dec" + word_addr(coll) + word_num(withdrawn),
                         {frame("CALL", market, coll_holder, "0xd7020d0a" + word_addr(kAttack),
                                {frame("CALL", coll_holder, coll, transfer_input(kAttack, withdrawn))})}),
                   frame("CALL", kAttack, market, "0xa415bcad" + word_addr(kToken) + word_num(1009),
                         {frame("CALL", market, reserve, "0x4efecaa5",
                                {frame("CALL", reserve, kToken, transfer_input(kAttack, 1009))})}),
                   frame("CALL", kAttack, coll,
                         transfer_input(kEoa, *(*U256(500).checked_sub(deposited)).checked_add(withdrawn)))},
                  1000)});
  if (issued)  // mint(address,uint256), called by the attack contract on the token itself
    j["calls"].insert(j["calls"].begin(),
                      frame("CALL", kAttack, coll, "0x40c10f19" + word_addr(kAttack) + word_num(100)));
  return j;
}

TEST(DetectTest, ABorrowBackedByCollateralDepositedWithTheFlashLoanIsNotAnIncident) {
  DetectConfig cfg;
  cfg.tables.usd_tokens[a(kToken)] = 0;
  // $990 of collateral into the market for $1,009 out of it: the market was paid as much as it lent
  // (`backed_borrow`, 90%), and the sender's side keeps only what it did not deposit.
  const auto lev = run(leverage_with_a_flash_loan(495), cfg);
  EXPECT_EQ(incident(lev), nullptr);
  EXPECT_TRUE(std::ranges::any_of(lev.findings, [](const Finding& f) {
    return f.kind == FindingKind::kExtraction && f.severity == Severity::kMedium && names(f.victims, 21);
  }));
  // $20 of collateral for the same $1,009: a borrow the collateral does not back, funded by the loan.
  const auto bad = run(leverage_with_a_flash_loan(10), cfg);
  const Finding* f = incident(bad);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kFlashLoan);
  EXPECT_TRUE(names(f->victims, 21));
  // Collateral the sender's side minted for itself backs nothing: it is worth nothing outside the
  // transaction.
  const auto minted = run(leverage_with_a_flash_loan(495, true), cfg);
  ASSERT_NE(incident(minted), nullptr);
  EXPECT_TRUE(names(incident(minted)->victims, 21));
  // A deposit taken out again before the borrow backs nothing: the market kept none of it.
  const auto withdrawn = run(leverage_with_a_flash_loan(495, false, 495), cfg);
  ASSERT_NE(incident(withdrawn), nullptr);
  EXPECT_EQ(incident(withdrawn)->kind, FindingKind::kFlashLoan);
  // The same borrow is backed when the bar is lower.
  cfg.backed_borrow = 0.01;
  EXPECT_EQ(incident(run(leverage_with_a_flash_loan(10), cfg)), nullptr);
}

TEST(DetectTest, AWhalesWithdrawalOfMillionsIsNoIncidentAMispricedTradeOfMillionsIs) {
  DetectConfig cfg;
  cfg.tables.usd_tokens[a(kToken)] = 0;
  // $2,000,000 paid out of a market's reserve to the account that called the market, nothing back: a
  // withdrawal, at any size, without another sign of attack.
  const unsigned market = 20, reserve = 21;
  const json whale = frame("CALL", kEoa, market, "0x69328dec",
                           {frame("CALL", market, reserve, "0xd7020d0a",
                                  {frame("CALL", reserve, kToken, transfer_input(kEoa, 2'000'000))})});
  const auto w = run(whale, cfg);
  EXPECT_EQ(incident(w), nullptr);
  ASSERT_FALSE(w.findings.empty());
  EXPECT_EQ(w.findings[0].severity, Severity::kMedium);
  EXPECT_TRUE(names(w.findings[0].victims, reserve));
  // X bought at $1 in one pool, sold for 2,000 times as much Y in another, Y sold at $1 in a third: the
  // second pool traded and lost $2,000,000 at the transaction's own prices.
  const unsigned tokX = 50, tokY = 51, pool_a = 52, pool_b = 53, pool_c = 54;
  const json trades = frame("CALL", kEoa, kAttack, "0x01",
                            {frame("CALL", kAttack, kToken, transfer_input(pool_a, 1000)),
                             frame("CALL", pool_a, tokX, transfer_input(kAttack, 1000)),
                             frame("CALL", kAttack, tokX, transfer_input(pool_b, 1000)),
                             frame("CALL", pool_b, tokY, transfer_input(kAttack, 2'000'000)),
                             frame("CALL", kAttack, tokY, transfer_input(pool_c, 2'000'000)),
                             frame("CALL", pool_c, kToken, transfer_input(kAttack, 2'000'000))});
  const auto traded = run(trades, cfg);
  const Finding* f = incident(traded);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kExtraction);
  EXPECT_EQ(f->victims, std::vector<Address>{a(pool_b)});
}

/// A lender of the native coin that pays the loan by calling the borrower's receive function with it; the
/// borrower, inside, has a vault pay it, and pays `back` to the lender by a plain transfer.
json coin_loan_paid_by_its_callback(const U256& amount, const U256& back) {
  json inside = frame("CALL", kAttack, kVault, "0x11111111",
                      {frame("CALL", kVault, kToken, transfer_input(kAttack, 5000))});
  json repay = frame("CALL", kAttack, kLender, "0x", {}, back);
  return frame("CALL", kEoa, kAttack, "0x01",
               {frame("CALL", kAttack, kLender, "0x6e2246a7",
                      {frame("CALL", kLender, kAttack, "0x", {inside, repay}, amount)})});
}

TEST(DetectTest, ACoinLoanPaidByItsCallbackAndRepaidWithAFeeFundsAnExtraction) {
  const U256 amount = *U256(800).checked_mul(kE18);
  const auto an = run(coin_loan_paid_by_its_callback(amount, *amount.checked_add(kE18)));
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kFlashLoan);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_FALSE(names(f->victims, kLender));
  ASSERT_EQ(f->loss.size(), 1u);
  EXPECT_EQ(f->loss[0].amount, U256(5000));

  // Paid back exactly what it paid: the coin may have bought something (a re-entered sale buying
  // again), so it is no loan, and the vault's loss alone is no incident.
  const auto even = run(coin_loan_paid_by_its_callback(amount, amount));
  for (const auto& g : even.findings) EXPECT_NE(g.kind, FindingKind::kFlashLoan);
  EXPECT_EQ(incident(even), nullptr);
}

TEST(DetectTest, AContractThatRepaysTheSendersFlashLoanForNothingIsOnTheSendersSide) {
  // The attack contract borrows; a standing helper it calls takes from a vault, pays the proceeds to a
  // wallet of the attacker's, and repays the loan itself, keeping nothing: only an accomplice pays another's
  // debt for nothing.
  const unsigned helper = 44, tokB = 45;
  auto take = [&](const U256& to_wallet) {
    json callback = frame("CALL", kLender, kAttack, "0x23e30c8b",
                          {frame("CALL", kAttack, kToken, transfer_input(helper, 1000)),
                           frame("CALL", kAttack, helper, "0x99999999",
                                 {frame("CALL", helper, kVault, "0x55555555",
                                        {frame("CALL", kVault, tokB, transfer_input(helper, 500))}),
                                  frame("CALL", helper, tokB, transfer_input(kUser, to_wallet)),
                                  frame("CALL", helper, kToken, transfer_input(kLender, 1000))})});
    return frame("CALL", kEoa, kAttack, "0x01",
                 {frame("CALL", kAttack, kLender, "0x5cffe9de",
                        {frame("CALL", kLender, kToken, transfer_input(kAttack, 1000)), callback})});
  };
  auto an = run(take(500));
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_TRUE(names(f->attackers, kUser));
  // A contract that keeps something of what passed through it is a venue of its own, not the sender's.
  an = run(take(499));
  EXPECT_EQ(incident(an), nullptr);
}

TEST(DetectTest, AHelperTheSendersContractCallsThatTakesAFlashLoanItselfIsOnTheSendersSide) {
  // The attack contract calls a standing helper, which calls itself and from there borrows; inside the
  // loan a vault pays it for nothing; it repays and keeps the rest. The helper asked for the loan from
  // within the sender's side's call: it borrows for the sender's side, and what it keeps is the sender's.
  const unsigned helper = 44;
  auto attack = [&](unsigned caller) {
    json loan = frame("CALL", helper, kLender, "0x5cffe9de",
                      {frame("CALL", kLender, kToken, transfer_input(helper, 1000)),
                       frame("CALL", kLender, helper, "0x23e30c8b",
                             {frame("CALL", helper, kVault, "0x55555555",
                                    {frame("CALL", kVault, kToken, transfer_input(helper, 5000))}),
                              frame("CALL", helper, kToken, transfer_input(kLender, 1009))})});
    return frame("CALL", caller, helper, "0x99999999", {frame("CALL", helper, helper, "0x77777777", {loan})});
  };
  const auto an = run(frame("CALL", kEoa, kAttack, "0x01", {attack(kAttack)}));
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kFlashLoan);
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_TRUE(names(f->attackers, helper));
  // Called by a contract off the sender's side (here a router the attack contract calls), the helper is a
  // venue of its own: neither the loan nor what it kept is the sender's.
  const auto other = run(frame("CALL", kEoa, kAttack, "0x01",
                               {frame("CALL", kAttack, kRouter, "0x88888888", {attack(kRouter)})}));
  EXPECT_EQ(incident(other), nullptr);
}

TEST(DetectTest, AStandingHelperThatGathersForTheSendersSideIsOnIt) {
  // The attack contract calls its standing helper, which reads what the vault holds, has the vault move
  // exactly that to it, and passes it all on to the attack contract: the drain sized by the caller, run
  // by the helper. The helper was called by the sender's side, paid it, kept nothing, and took nothing of
  // its: it gathers for it.
  const unsigned helper = 44;
  auto take = [&](bool paid_by_the_side) {
    json read = with_output(frame("STATICCALL", helper, kToken, balance_of_input(kVault)), 1000);
    std::vector<json> work = {
        read,
        frame("CALL", helper, kVault, "0x55555555" + word_addr(kUser) + word_num(1000),
              {frame("CALL", kVault, kToken, transfer_input(helper, 1000))}),
        frame("CALL", helper, kToken, transfer_input(kAttack, paid_by_the_side ? 1001 : 1000))};
    std::vector<json> calls = {frame("CALL", kAttack, helper, "0x99999999", work)};
    if (paid_by_the_side)
      calls.insert(calls.begin(), frame("CALL", kAttack, kToken, transfer_input(helper, 1)));
    return frame("CALL", kEoa, kAttack, "0x01", calls);
  };
  const auto an = run(take(false));
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kDrain);
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_FALSE(names(f->victims, helper));
  EXPECT_TRUE(names(f->attackers, helper));
  // A contract the sender's side pays for what it passes on (a router, an aggregator) is a venue of its
  // own: what it read is not the sender's side's reading, and the sweep stays medium.
  const auto routed = run(take(true));
  EXPECT_EQ(incident(routed), nullptr);
  ASSERT_FALSE(routed.findings.empty());
  EXPECT_EQ(routed.findings[0].severity, Severity::kMedium);
  // A contract that pulls an owner the caller named into itself with transferFrom, sells it in a pool and
  // passes the proceeds on, keeping nothing, spent a third party's approval: the victim's shape (an
  // unchecked `from`), not a helper's. The pull stays incident-grade, naming the owner.
  const unsigned spender = 46, owner = 47, pool = 48, tokB = 49;
  const json pulled = frame("CALL", kEoa, kAttack, "0x01",
                            {frame("CALL", kAttack, spender, "0x12345678" + word_addr(owner) + word_num(1000),
                                   {frame("CALL", spender, kToken, transfer_from_input(owner, spender, 1000)),
                                    frame("CALL", spender, kToken, transfer_input(pool, 1000)),
                                    frame("CALL", spender, pool, "0x022c0d9f",
                                          {frame("CALL", pool, tokB, transfer_input(spender, 900))}),
                                    frame("CALL", spender, tokB, transfer_input(kAttack, 900))})});
  const auto pull = run(pulled);
  const Finding* g = incident(pull);
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(names(g->victims, owner));
}

TEST(DetectTest, ARouterThatTakesTheSendersContractForAPoolAndLosesIsIncidentGrade) {
  // The attack contract calls a router with a "pool" that is itself: the router calls swap on it, then
  // pays a real pool out of its own balance, whose output goes elsewhere (no profit in this transaction).
  DetectConfig cfg;
  cfg.tables.usd_tokens[a(kToken)] = 6;
  const unsigned pool = 11;
  const std::string swap = "0x128acb08" + word_addr(kAttack) + word_num(1) + word_num(5000) + word_num(0);
  auto attack = [&](unsigned swapped) {
    return frame("CALL", kEoa, kAttack, "0x01",
                 {frame("CALL", kAttack, kRouter, "0x22222222",
                        {frame("CALL", kRouter, swapped, swap),
                         frame("CALL", kRouter, kToken, transfer_input(pool, 5'000'000'000))})});
  };
  const auto an = run(attack(kAttack), cfg);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kExtraction);
  EXPECT_TRUE(names(f->victims, kRouter));
  EXPECT_TRUE(names(f->attackers, kEoa));
  ASSERT_EQ(f->loss.size(), 1u);
  EXPECT_EQ(f->loss[0].amount, U256(5'000'000'000));
  ASSERT_EQ(f->evidence.size(), 1u);
  // The same router swapping through a pool off the sender's side is no incident.
  EXPECT_EQ(incident(run(attack(pool), cfg)), nullptr);
}

TEST(DetectTest, AFlashLoanRepaidByADepositIntoTheLenderIsIncidentGrade) {
  // A vault that lends its own tokens takes them back, inside the loan's callback, as the borrower's
  // deposit; the borrower sells the shares it was issued to a pool for another token.
  constexpr unsigned kPool = 8, kOther = 9;
  auto attack = [&](bool pulled_after) {
    std::vector<json> loan{
        frame("CALL", kVault, kToken, transfer_input(kAttack, 1000)),
        frame("CALL", kVault, kAttack, "0x10d1e85c",
              {frame("CALL", kAttack, kVault, "0xb6b55f25" + word_num(1000),
                     {frame("CALL", kVault, kToken, transfer_from_input(kAttack, kVault, 1000))})})};
    if (pulled_after)
      loan.push_back(frame("CALL", kVault, kToken, transfer_from_input(kAttack, kVault, 1000)));
    return frame("CALL", kEoa, kAttack, "0x01",
                 {frame("CALL", kAttack, kVault, "0x5cffe9de" + word_num(1000), loan),
                  frame("CALL", kAttack, kVault, transfer_input(kPool, 1000)),
                  frame("CALL", kAttack, kPool, "0x12345678",
                        {frame("CALL", kPool, kOther, transfer_input(kAttack, 700))})});
  };
  auto an = run(attack(false));
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kReentrancy);
  EXPECT_TRUE(names(f->victims, kVault));
  ASSERT_EQ(f->loss.size(), 1u);
  EXPECT_EQ(f->loss[0].amount, U256(1000));
  // A lender that pulls its repayment after the callback is repaid whatever the borrower deposited.
  an = run(attack(true));
  EXPECT_EQ(incident(an), nullptr);
}

TEST(DetectTest, SpendingAThirdPartysApprovalIsIncidentGrade) {
  // The router pulls a user's tokens (the user approved the router) straight to the attacker.
  // The router executes a call its caller wrote: the pull's calldata is inside the router call's input.
  const std::string pull = transfer_from_input(kUser, kAttack, 700);
  json bad = frame("CALL", kEoa, kAttack, "0x01",
                   {frame("CALL", kAttack, kRouter, "0x44444444" + word_addr(kToken) + pull.substr(2),
                          {frame("CALL", kRouter, kToken, pull)})});
  const Finding* f = nullptr;
  const auto an = run(bad);
  f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(names(f->victims, kUser));
  EXPECT_TRUE(names(f->victims, kRouter));  // whose approval was spent, named without a loss of its own
  ASSERT_EQ(f->loss.size(), 1u);
  EXPECT_EQ(f->loss[0].victim, a(kUser));
  // The same router pulling the sender's own tokens is an ordinary swap leg.
  json ok = frame("CALL", kEoa, kRouter, "0x01",
                  {frame("CALL", kRouter, kToken, transfer_from_input(kEoa, kVault, 700))});
  EXPECT_EQ(incident(run(ok)), nullptr);
  // A signed order filled for the sender: the maker's tokens move, but the router built the call itself.
  json order = frame("CALL", kEoa, kAttack, "0x01",
                     {frame("CALL", kAttack, kRouter, "0x55555555" + word_num(27),
                            {frame("CALL", kRouter, kToken, transfer_from_input(kUser, kAttack, 700))})});
  EXPECT_EQ(incident(run(order)), nullptr);
}

json with_balance(json call, unsigned token, unsigned holder, const U256& bal) {
  json b = with_output(
      frame("STATICCALL", call["from"] == addr(kAttack) ? kAttack : kEoa, token, balance_of_input(holder)),
      bal);
  json j = std::move(call);
  j["calls"].insert(j["calls"].begin(), b);
  return j;
}

TEST(DetectTest, WholeBalanceSweepNeedsCorroborationToBeADrain) {
  // An owner's contract sweeps a wallet: a drain by shape, medium without any sign of attack.
  json sweep = frame("CALL", kEoa, kAttack, "0x01",
                     {frame("CALL", kAttack, kVault, "0x22222222",
                            {frame("CALL", kVault, kToken, transfer_input(kAttack, 990))})});
  sweep = with_balance(sweep, kToken, kVault, 1000);
  auto an = run(sweep);
  ASSERT_EQ(an.findings.size(), 1u);
  EXPECT_EQ(an.findings[0].kind, FindingKind::kDrain);
  EXPECT_EQ(an.findings[0].severity, Severity::kMedium);
  // The same sweep by a contract deployed in the transaction is an attack.
  json create = frame("CREATE", kEoa, kAttack, "0x6080", sweep["calls"]);
  an = run(create);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(names(f->victims, kVault));
}

TEST(DetectTest, ADrainSizedByTheCallerToTheBalanceItReadIsIncidentGrade) {
  // The attacker's standing contract reads what the vault holds and has the vault move exactly that to it
  // (an unchecked migration or withdrawal whose amount the caller chose).
  auto take = [](std::string input) {
    json read = with_output(frame("STATICCALL", kAttack, kToken, balance_of_input(kVault)), 1000);
    return frame("CALL", kEoa, kAttack, "0x01",
                 {read, frame("CALL", kAttack, kVault, std::move(input),
                              {frame("CALL", kVault, kToken, transfer_input(kAttack, 1000))})});
  };
  auto an = run(take("0x55555555" + word_addr(kUser) + word_num(1000)));
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kDrain);
  EXPECT_TRUE(names(f->victims, kVault));
  // The same sweep by a call that names no amount (the vault pays out what it holds) stays medium.
  an = run(take("0x55555555" + word_addr(kUser)));
  ASSERT_EQ(an.findings.size(), 1u);
  EXPECT_EQ(an.findings[0].kind, FindingKind::kDrain);
  EXPECT_EQ(an.findings[0].severity, Severity::kMedium);
  // The balance's value passed only before it was read is no sizing: still medium.
  json early = take("0x55555555" + word_addr(kUser));
  early["calls"].insert(early["calls"].begin(),
                        frame("CALL", kAttack, kVault, "0x66666666" + word_num(1000)));
  an = run(early);
  ASSERT_EQ(an.findings.size(), 1u);
  EXPECT_EQ(an.findings[0].severity, Severity::kMedium);
  // Nor when the sender's side passed it to another contract than the holder; passed to the holder in a
  // later call that pays nothing, it is.
  json elsewhere = take("0x55555555" + word_addr(kUser));
  elsewhere["calls"].push_back(frame("CALL", kAttack, kUser, "0x66666666" + word_num(1000)));
  an = run(elsewhere);
  ASSERT_EQ(an.findings.size(), 1u);
  EXPECT_EQ(an.findings[0].severity, Severity::kMedium);
  json later = take("0x55555555" + word_addr(kUser));
  later["calls"].push_back(frame("CALL", kAttack, kVault, "0x66666666" + word_num(1000)));
  ASSERT_NE(incident(run(later)), nullptr);
}

TEST(DetectTest, TheBalanceBeforeIsWhatWasReadPlusWhatWasSentLessWhatWasReceived) {
  // The vault is paid 1,000 and forwards 1,000 before its balance is read as 10: it held 10 before the
  // transaction, and losing those 10 is losing all of it (taking the flows one by one, clamped at zero,
  // would make it 1,000 and the loss 1%).
  json read = with_output(frame("STATICCALL", kAttack, kToken, balance_of_input(kVault)), 10);
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {frame("CALL", kAttack, kUser, "0x77777777",
                        {frame("CALL", kUser, kToken, transfer_input(kVault, 1000))}),
                  frame("CALL", kAttack, kVault, "0x88888888",
                        {frame("CALL", kVault, kToken, transfer_input(kRouter, 1000))}),
                  read,
                  frame("CALL", kAttack, kVault, "0x22222222",
                        {frame("CALL", kVault, kToken, transfer_input(kAttack, 10))})});
  const auto an = run(j);
  ASSERT_EQ(an.findings.size(), 1u);
  EXPECT_EQ(an.findings[0].kind, FindingKind::kDrain);
  EXPECT_TRUE(names(an.findings[0].victims, kVault));
}

TEST(DetectTest, PaidBackAThousandTimesWhatWasPaidInCorroboratesADrain) {
  // The attacker's standing contract deposits 1 unit and the vault pays out almost all it holds.
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {frame("CALL", kAttack, kVault, "0x33333333",
                        {frame("CALL", kVault, kToken, transfer_from_input(kAttack, kVault, 1))}),
                  frame("CALL", kAttack, kVault, "0x44444444",
                        {frame("CALL", kVault, kToken, transfer_input(kAttack, 999'000))})});
  j = with_balance(j, kToken, kVault, 1'000'000);
  const Finding* f = nullptr;
  auto an = run(j);
  f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kDrain);
  EXPECT_TRUE(names(f->victims, kVault));
  // A withdrawal of an earlier deposit after a top-up of half of it is not outsized: the sweep stays medium.
  j["calls"][1]["calls"][0]["input"] = transfer_from_input(kAttack, kVault, 500'000);
  an = run(j);
  EXPECT_EQ(incident(an), nullptr);
}

TEST(DetectTest, ATokenTheAttackerDeployedIsNoCompensation) {
  // The vault swaps its tokens for a token the attacker deployed a moment before: it got nothing of value.
  constexpr unsigned kFake = 8;
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {frame("CREATE", kAttack, kFake, "0x6080"),
                  frame("CALL", kAttack, kVault, "0x55555555",
                        {frame("CALL", kVault, kToken, transfer_input(kAttack, 900)),
                         frame("CALL", kAttack, kFake, transfer_input(kVault, 1'000'000))})});
  const Finding* f = nullptr;
  const auto an = run(j);
  f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(names(f->victims, kVault));
  // Paid in an existing token instead, the vault made a trade.
  json trade = j;
  trade["calls"].erase(trade["calls"].begin());
  trade["calls"][0]["calls"][1]["to"] = addr(kUser + 10);
  EXPECT_EQ(incident(run(trade)), nullptr);
}

TEST(DetectTest, AContractMovingWhicheverOwnersTokensTheCallerNamesIsIncidentGrade) {
  // The caller names the owner (a user who approved the vault) and the recipient; the vault pulls.
  constexpr unsigned kDrop = 9;  // the attacker's other account, runs no code
  json j =
      frame("CALL", kEoa, kAttack, "0x01",
            {frame("CALL", kAttack, kVault,
                   "0x66666666" + word_addr(kToken) + word_addr(kUser) + word_addr(kDrop) + word_num(700),
                   {frame("CALL", kVault, kToken, transfer_from_input(kUser, kDrop, 700))})});
  const Finding* f = nullptr;
  auto an = run(j);
  f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(names(f->victims, kUser));
  EXPECT_TRUE(names(f->attackers, kDrop));
  // A signed order names its maker too, with the maker's consent: a signature check means no finding.
  json signed_order = j;
  signed_order["calls"][0]["calls"].push_back(
      frame("STATICCALL", kVault, kEcrecover, "0x" + word_num(1) + word_num(27)));
  EXPECT_EQ(incident(run(signed_order)), nullptr);
  // A settlement that passes the maker's address on (paying the maker in an asset the flows do not show).
  json settled = j;
  settled["calls"][0]["calls"].push_back(frame("CALL", kVault, kRouter, "0x77777777" + word_addr(kUser)));
  EXPECT_EQ(incident(run(settled)), nullptr);
}

/// The sender's contract calls a standing helper (deployed before the transaction) with an owner's
/// address; the helper has the vault pull that owner's tokens into it (the vault first asks the token for
/// a permit, and the token checks no signature), sells them to a pool, and pays the proceeds on, keeping
/// `kept` of them.
json pull_into_a_helper(const U256& kept, bool signature_checked = false) {
  constexpr unsigned kHelper = 10, kPool = 11, kOther = 12;
  std::vector<json> permit_calls;
  if (signature_checked)
    permit_calls.push_back(frame("STATICCALL", kToken, kEcrecover, "0x" + word_num(1) + word_num(27)));
  json permit =
      frame("CALL", kVault, kToken,
            "0xd505accf" + word_addr(kUser) + word_addr(kVault) + word_num(700) + word_num(1), permit_calls);
  json vault_call =
      frame("CALL", kHelper, kVault, "0x99999999" + word_addr(kUser) + word_addr(kHelper) + word_num(700),
            {permit, frame("CALL", kVault, kToken, transfer_from_input(kUser, kHelper, 700)),
             frame("CALL", kVault, kHelper, "0xbebbf4d0" + word_num(700) + word_addr(kUser))});
  json sell = frame("CALL", kHelper, kToken, transfer_input(kPool, 700));
  json proceeds = frame("CALL", kPool, kOther, transfer_input(kHelper, 50));
  json pay_on = frame("CALL", kHelper, kOther, transfer_input(kAttack, *U256(50).checked_sub(kept)));
  return frame("CALL", kEoa, kAttack, "0x01",
               {frame("CALL", kAttack, kHelper, "0x88888888" + word_addr(kUser),
                      {vault_call, sell, proceeds, pay_on})});
}

TEST(DetectTest, TokensPulledFromANamedOwnerIntoAHelperThatPassesThemOnAreIncidentGrade) {
  const auto an = run(pull_into_a_helper(0));
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kExtraction);
  EXPECT_TRUE(names(f->victims, kUser));
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_TRUE(names(f->attackers, 10));  // the helper
  ASSERT_FALSE(f->loss.empty());
  EXPECT_EQ(f->loss[0].amount, U256(700));
  // A helper that keeps some of what it was paid is no pass-through: it is a party of its own.
  EXPECT_EQ(incident(run(pull_into_a_helper(1))), nullptr);
  // A permit whose signature the token checks is the owner's consent.
  EXPECT_EQ(incident(run(pull_into_a_helper(0, true))), nullptr);
}

TEST(DetectTest, ATokenTheAttackerMintedForItselfIsNoCompensationAndAMintAtTheVictimsCallIsItsLoss) {
  // The attacker mints itself collateral (anyone may call the collateral's mint), deposits it, and the
  // vault mints it a stablecoin against it: the vault issued value for nothing.
  constexpr unsigned kCollateral = 8, kStable = 9;
  const std::string mint_attacker = "0x40c10f19" + word_addr(kAttack) + word_num(5'000);
  json j =
      frame("CALL", kEoa, kAttack, "0x01",
            {frame("CALL", kAttack, kCollateral, "0x40c10f19" + word_addr(kAttack) + word_num(1'000'000)),
             frame("CALL", kAttack, kCollateral, transfer_input(kVault, 1'000'000)),
             frame("CALL", kAttack, kVault, "0x55555555", {frame("CALL", kVault, kStable, mint_attacker)})});
  const auto an = run(j);
  ASSERT_EQ(an.findings.size(), 1u);
  const Finding& f = an.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kExtraction);
  EXPECT_TRUE(names(f.victims, kVault));
  ASSERT_EQ(f.loss.size(), 1u);
  EXPECT_EQ(f.loss[0].victim, a(kVault));
  EXPECT_EQ(f.loss[0].amount, U256(5'000));
  // Collateral the attacker held before (not minted by it here) is a deposit: the vault lent against it.
  json deposit = j;
  deposit["calls"].erase(deposit["calls"].begin());
  EXPECT_TRUE(run(deposit).findings.empty());

  // The same from a tracer with logs, where the token moves are read from Transfer logs (0 = minted).
  auto transfer_log = [](json& call, unsigned token, unsigned from, unsigned to, const U256& amount) {
    call["logs"] = json::array({{{"address", addr(token)},
                                 {"topics",
                                  {"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
                                   "0x" + word_addr(from), "0x" + word_addr(to)}},
                                 {"data", "0x" + word_num(amount)}}});
  };
  json logged = j;
  transfer_log(logged["calls"][0], kCollateral, 0, kAttack, 1'000'000);
  transfer_log(logged["calls"][1], kCollateral, kAttack, kVault, 1'000'000);
  transfer_log(logged["calls"][2]["calls"][0], kStable, 0, kAttack, 5'000);
  const auto logged_an = run(logged);
  ASSERT_EQ(logged_an.findings.size(), 1u);
  EXPECT_EQ(logged_an.findings[0].kind, FindingKind::kExtraction);
  ASSERT_EQ(logged_an.findings[0].loss.size(), 1u);
  EXPECT_EQ(logged_an.findings[0].loss[0].victim, a(kVault));
  EXPECT_EQ(logged_an.findings[0].loss[0].amount, U256(5'000));
}

TEST(DetectTest, TheCodeAVictimRanByDelegateCallIsNamedWithIt) {
  constexpr unsigned kFake = 8, kImpl = 12;
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {frame("CREATE", kAttack, kFake, "0x6080"),
                  frame("CALL", kAttack, kVault, "0x55555555",
                        {frame("DELEGATECALL", kVault, kImpl, "0x55555555",
                               {frame("CALL", kVault, kToken, transfer_input(kAttack, 900)),
                                frame("CALL", kAttack, kFake, transfer_input(kVault, 1'000'000))})})});
  const auto an = run(j);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->victims.size(), 2u);
  EXPECT_EQ(f->victims[0], a(kVault));
  EXPECT_EQ(f->victims[1], a(kImpl));
  for (const auto& l : f->loss) EXPECT_EQ(l.victim, a(kVault));  // the losses stay the holder's
}

TEST(DetectTest, ACallbackTheCalleeNeverAskedForIsIncidentGrade) {
  // The attacker calls the router's swap callback itself; the router pays "the pool" what the callback
  // claims it owes, out of a user who approved the router.
  const std::string callback = "0xfa461e33" + word_num(0) + word_num(500) + word_num(0x60) + word_num(0);
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {frame("CALL", kAttack, kRouter, callback,
                        {frame("CALL", kRouter, kToken, transfer_from_input(kUser, kAttack, 500))})});
  const auto an = run(j);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(names(f->victims, kRouter));
  EXPECT_TRUE(names(f->victims, kUser));
  // The same callback made by the pool the router called is an ordinary swap by the user.
  constexpr unsigned kPool = 13;
  json swap =
      frame("CALL", kUser, kRouter, "0x04e45aaf" + word_addr(kToken),
            {frame("CALL", kRouter, kPool, "0x128acb08" + word_addr(kUser),
                   {frame("CALL", kPool, kVault, transfer_input(kUser, 490)),
                    frame("CALL", kPool, kRouter, callback,
                          {frame("CALL", kRouter, kToken, transfer_from_input(kUser, kPool, 500))})})});
  EXPECT_EQ(incident(run(swap)), nullptr);
}

TEST(DetectTest, ContractsApprovingTheCallerWithoutLimitAreIncidentGrade) {
  const std::string approve_max = approve_input(kAttack, U256::max());
  auto holder = [&](unsigned h, const std::string& input) {
    return frame("CALL", kAttack, h, "0x12424e3f", {frame("CALL", h, kToken, input)});
  };
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {holder(kVault, approve_max), holder(20, approve_max), holder(21, approve_max)});
  const auto an = run(j);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_TRUE(names(f->victims, 21));
  // One contract approving its caller may be the caller's own.
  json one = j;
  one["calls"].erase(one["calls"].begin(), one["calls"].begin() + 2);
  EXPECT_EQ(incident(run(one)), nullptr);
  // An exact allowance the caller pulls at once is a payment (a flash-loan repayment).
  const std::string approve_exact = "0x095ea7b3" + word_addr(kAttack) + word_num(700);
  json repaid =
      frame("CALL", kEoa, kAttack, "0x01", {holder(kVault, approve_exact), holder(20, approve_exact)});
  for (const unsigned h : {kVault, 20u})
    repaid["calls"].push_back(frame("CALL", kAttack, kToken, transfer_from_input(h, kAttack, 700)));
  EXPECT_EQ(incident(run(repaid)), nullptr);
}

TEST(DetectTest, ATransactionInWhichOnlyTheSenderPaysKeepsItsFlowsAndHasNoFinding) {
  // A plain transfer of the native coin, one of a token and one of a proxied token: their flows are
  // reported as for any other transaction, and no rule fires (the rules are not asked: none could).
  const AssetRef native{Address{}, true}, token{a(kToken), false};
  const auto coin = run(frame("CALL", kEoa, kUser, "0x", {}, U256(7)));
  EXPECT_TRUE(coin.findings.empty());
  EXPECT_EQ(coin.flows.net_of(a(kEoa), native).out, U256(7));
  EXPECT_EQ(coin.flows.net_of(a(kUser), native).in, U256(7));
  const auto sent = run(frame("CALL", kEoa, kToken, transfer_input(kUser, 500)));
  EXPECT_TRUE(sent.findings.empty());
  ASSERT_EQ(sent.flows.flows.size(), 1u);
  EXPECT_EQ(sent.flows.net_of(a(kUser), token).in, U256(500));
  // The same from a tracer with logs: the flow is read from the Transfer log.
  json logged = frame("CALL", kEoa, kToken, transfer_input(kUser, 500));
  logged["logs"] = json::array({{{"address", addr(kToken)},
                                 {"topics",
                                  {"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
                                   "0x" + word_addr(kEoa), "0x" + word_addr(kUser)}},
                                 {"data", "0x" + word_num(500)}}});
  const auto read = run(logged);
  EXPECT_TRUE(read.findings.empty());
  ASSERT_EQ(read.flows.flows.size(), 1u);
  EXPECT_EQ(read.flows.flows[0].source, FlowSource::kTransferLog);
  EXPECT_EQ(read.flows.net_of(a(kEoa), token).out, U256(500));
  // A token behind a proxy: the proxy's frame runs its implementation's code by DELEGATECALL.
  constexpr unsigned kImpl = 12;
  const auto proxied = run(frame("CALL", kEoa, kToken, transfer_input(kUser, 500),
                                 {frame("DELEGATECALL", kToken, kImpl, transfer_input(kUser, 500))}));
  EXPECT_TRUE(proxied.findings.empty());
  ASSERT_EQ(proxied.flows.flows.size(), 1u);
  EXPECT_EQ(proxied.flows.net_of(a(kUser), token).in, U256(500));
}

TEST(DetectTest, ATraceOfSeveralTopLevelCallsIsReadWithoutAParent) {
  // A parity-style trace may list more than one call at the top (traceAddress []): frames after the
  // first with no parent. Their callers count like any other caller's (a regression: under the address
  // sanitizer, `PRESET=dev make test`, the rules once read the parent of such a frame).
  auto call = [](unsigned from, unsigned to, const std::string& input) {
    return json{
        {"type", "call"},
        {"action",
         {{"callType", "call"}, {"from", addr(from)}, {"to", addr(to)}, {"value", "0x0"}, {"input", input}}},
        {"result", {{"output", "0x"}, {"gasUsed", "0x0"}}},
        {"subtraces", 0},
        {"traceAddress", json::array()}};
  };
  const json j =
      json::array({call(kEoa, kAttack, "0x01"), call(kAttack, kToken, transfer_input(kUser, 500))});
  auto t = chain::parse_parity_trace(j.dump());
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->frames.size(), 2u);
  EXPECT_EQ(t->frames[1].parent, -1);
  const auto an = analyze(*t, {});
  EXPECT_EQ(an.flows.net_of(a(kUser), AssetRef{a(kToken), false}).in, U256(500));
  EXPECT_TRUE(an.findings.empty());
}

TEST(DetectTest, ABatchTransferWhoseTotalOverflowsIsCritical) {
  // batchTransfer(address[] receivers, uint256 value) with value 2^255 to two receivers: 2 x 2^255 = 0.
  const U256 huge = U256::from_limbs({0, 0, 0, std::uint64_t{1} << 63});
  auto batch = [&](const U256& v) {
    return "0x83f12fec" + word_num(0x40) + word_num(v) + word_num(2) + word_addr(kAttack) + word_addr(kUser);
  };
  json j = frame("CALL", kEoa, kToken, batch(huge));
  const auto an = run(j);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_TRUE(names(f->victims, kToken));
  EXPECT_TRUE(names(f->attackers, kUser));
  // An ordinary batch transfer, or one that reverted, is nothing.
  EXPECT_EQ(incident(run(frame("CALL", kEoa, kToken, batch(U256(1'000))))), nullptr);
  json reverted = j;
  reverted["error"] = "execution reverted";
  EXPECT_EQ(incident(run(reverted)), nullptr);
}

TEST(DetectTest, PriceMovedAndReadByTheVictimIsManipulation) {
  const unsigned pair = 20, lending = 21;
  auto reserves = [&](unsigned reader, const U256& r0, const U256& r1) {
    json g = frame("STATICCALL", reader, pair, "0x0902f1ac");
    g["output"] = "0x" + word_num(r0) + word_num(r1) + word_num(1);
    return g;
  };
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {reserves(kAttack, 1000, 1000), frame("CALL", kAttack, kToken, transfer_input(pair, 1000)),
                  frame("CALL", kAttack, lending, "0x33333333",
                        {reserves(lending, 2000, 500),
                         frame("CALL", lending, kToken + 1, transfer_input(kAttack, 4000))}),
                  reserves(kAttack, 1000, 1000)});
  const Finding* f = nullptr;
  const auto an = run(j);
  f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kPriceManipulation);
  EXPECT_TRUE(names(f->victims, lending));
}

TEST(DetectTest, ProfitableRoundTripThroughOnePoolIsManipulation) {
  // Sell 100 A for 50 B, have the pool's state changed (here: a skim by a third contract), buy back
  // 200 A with the same 50 B. A fair constant-product pool never pays out on a round trip.
  const unsigned pool = 40, tokA = 41, tokB = 42, helper = 43;
  auto xfer = [](unsigned from, unsigned token, unsigned to, const U256& v) {
    return frame("CALL", from, token, transfer_input(to, v));
  };
  json j = frame("CALL", kEoa, kAttack, "0x01",
                 {xfer(kAttack, tokA, pool, 100),
                  frame("CALL", kAttack, pool, "0x022c0d9f", {xfer(pool, tokB, kAttack, 50)}),
                  frame("CALL", kAttack, helper, "0x66666666"), xfer(kAttack, tokB, pool, 50),
                  frame("CALL", kAttack, pool, "0x022c0d9f", {xfer(pool, tokA, kAttack, 200)})});
  const auto an = run(j);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kPriceManipulation);
  EXPECT_TRUE(names(f->victims, pool));
  // An ordinary round trip loses the fee: no finding of that kind.
  json fair = j;
  fair["calls"][4]["calls"][0]["input"] = transfer_input(kAttack, 99);
  for (const auto& g : run(fair).findings) EXPECT_NE(g.kind, FindingKind::kPriceManipulation);
  // Of many trades, the first that a later one undoes, and the first later one that undoes it: 10 A for 5 B
  // bought back as 20 A (not the 100 A sold for 50 B, which 50 B only bought back at cost, nor the later 30
  // A).
  auto trade = [&](unsigned in, const U256& a_in, unsigned out, const U256& a_out) {
    return std::vector<json>{xfer(kAttack, in, pool, a_in),
                             frame("CALL", kAttack, pool, "0x022c0d9f", {xfer(pool, out, kAttack, a_out)})};
  };
  json many = frame("CALL", kEoa, kAttack, "0x01");
  for (const auto& t : {trade(tokA, 100, tokB, 50), trade(tokA, 10, tokB, 5), trade(tokB, 50, tokA, 100),
                        trade(tokB, 5, tokA, 20), trade(tokB, 5, tokA, 30)})
    for (const auto& c : t) many["calls"].push_back(c);
  const auto trips = run(many);
  const Finding* g = incident(trips);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->kind, FindingKind::kPriceManipulation);
  EXPECT_NE(g->rule.find("bought back 100% more"), std::string::npos) << g->rule;
}

TEST(DetectTest,
     AnAccountsLossThroughAContractThatSpentItsAllowanceIsThatContractsAndValuesIgnoreAddressOrder) {
  // With a flash loan, the attacker buys 1,000 X for $100,000 in one pool, has a migration contract swap
  // them for a treasury's 1,000,000 Y (the contract moves both with transferFrom, on the allowances the
  // attacker and the treasury gave it), and sells the Y for $1,000,000 in another pool. The treasury runs
  // no code; the loss is the migration contract's. X is valued at the pool's rate, one trade from the
  // dollar, whichever of the holders' addresses sorts first: valued at the migration's rate instead, the
  // pool that sold X at the market price would look like the loser.
  const unsigned tokX = 50, tokY = 51;
  DetectConfig cfg;
  cfg.tables.usd_tokens[a(kToken)] = 0;  // the loan's token: $1 a unit
  const std::vector<unsigned> ids = {20, 21, 22, 23};
  std::vector<unsigned> order = ids;
  int runs = 0;
  do {
    const unsigned pool_x = order[0], pool_y = order[1], treasury = order[2], migration = order[3];
    json inside = json::array(
        {frame("CALL", kAttack, kToken, transfer_input(pool_x, 100'000)),
         frame("CALL", kAttack, pool_x, "0x022c0d9f",
               {frame("CALL", pool_x, tokX, transfer_input(kAttack, 1000))}),
         frame("CALL", kAttack, migration, "0x12345678",
               {frame("CALL", migration, tokX, transfer_from_input(kAttack, treasury, 1000)),
                frame("CALL", migration, tokY, transfer_from_input(treasury, kAttack, 1'000'000))}),
         frame("CALL", kAttack, tokY, transfer_input(pool_y, 1'000'000)),
         frame("CALL", kAttack, pool_y, "0x022c0d9f",
               {frame("CALL", pool_y, kToken, transfer_input(kAttack, 1'000'000))})});
    const json j = frame("CALL", kEoa, kAttack, "0x01", {flash_loan(inside, 100'000)});
    const auto an = run(j, cfg);
    const Finding* f = incident(an);
    ASSERT_NE(f, nullptr) << "pools " << pool_x << ", " << pool_y << ", treasury " << treasury;
    EXPECT_EQ(f->kind, FindingKind::kFlashLoan);
    EXPECT_EQ(f->victims, std::vector<Address>{a(migration)}) << "pools " << pool_x << ", " << pool_y;
    EXPECT_NEAR(f->profit_usd, 899'991, 1);
    const bool lists_treasury = std::any_of(f->loss.begin(), f->loss.end(), [&](const Loss& l) {
      return l.victim == a(treasury) && l.asset == AssetRef{a(tokY), false} && l.amount == U256(1'000'000);
    });
    EXPECT_TRUE(lists_treasury);
    ++runs;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(runs, 24);
}

TEST(DetectTest, VotingWithFlashBorrowedTokensIsAGovernanceAttack) {
  const unsigned governor = 30;
  json j =
      frame("CALL", kEoa, kAttack, "0x01",
            {flash_loan({frame("CALL", kAttack, governor, "0x56781388" + word_num(1) + word_num(1))}, 1000)});
  const auto an = run(j);
  const Finding* f = incident(an);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FindingKind::kGovernance);
  EXPECT_EQ(f->severity, Severity::kCritical);
  // The same vote without a loan is an ordinary vote.
  json plain = frame("CALL", kEoa, governor, "0x56781388" + word_num(1) + word_num(1));
  EXPECT_EQ(incident(run(plain)), nullptr);
}

TEST(DetectTest, RevertedAttackChangesNothing) {
  json j = reentrancy_trace(3);
  j["error"] = "execution reverted";
  const auto an = run(j);
  EXPECT_TRUE(an.findings.empty());
  EXPECT_TRUE(an.flows.flows.empty());
}

TEST(DrainWatchTest, AFallOfHalfWithinTheWindowIsReportedOnceAndRepeatedTakingsMakeItHigh) {
  const AssetRef usd{a(kToken), false};
  // Withdrawals that add up to 60% over three blocks: a drain by size, medium without findings.
  DrainWatch w(a(kVault), usd, 10);
  EXPECT_FALSE(w.observe(100, U256(1000)));
  EXPECT_FALSE(w.observe(101, U256(1200)));  // deposits raise the window's highest
  EXPECT_FALSE(w.observe(102, U256(900)));   // 25% below it
  auto f = w.observe(103, U256(480));        // 60% below 1,200
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, FindingKind::kDrain);
  EXPECT_EQ(f->severity, Severity::kMedium);
  ASSERT_EQ(f->loss.size(), 1u);
  EXPECT_EQ(f->loss[0].amount, U256(720));
  EXPECT_TRUE(names(f->victims, kVault));
  EXPECT_FALSE(w.observe(104, U256(470)));  // reported once: watched afresh from 480

  // The same fall spread beyond the window is no drain: the highest balance left the window.
  DrainWatch slow(a(kVault), usd, 3);
  EXPECT_FALSE(slow.observe(1, U256(1000)));
  EXPECT_FALSE(slow.observe(2, U256(800)));
  EXPECT_FALSE(slow.observe(3, U256(700)));
  EXPECT_FALSE(slow.observe(4, U256(560)));  // 1,000 is out of [2, 4]: 30% below 800
  EXPECT_FALSE(slow.observe(5, U256(500)));

  // Taken in two transactions whose findings named the vault: high. The state survives a restart.
  DrainWatch taken(a(kVault), usd, 10);
  EXPECT_FALSE(taken.observe(10, U256(1000)));
  EXPECT_FALSE(taken.observe(11, U256(700), 1));
  DrainWatch resumed(a(kVault), usd, 10);
  resumed.restore(taken.state());
  f = resumed.observe(12, U256(5), 1);  // at most 1% left
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(f->loss[0].amount, U256(995));
}

TEST(DepegWatchTest, ReportsOnceAfterTheDurationAndResetsInsideTheBand) {
  DepegWatch w(a(40), 0.03, 3600);
  EXPECT_FALSE(w.observe(1, 1000, 0.99));
  EXPECT_FALSE(w.observe(2, 1012, 0.95));  // out of band: the clock starts
  EXPECT_FALSE(w.observe(3, 4000, 0.90));  // 2988 s: not yet
  auto f = w.observe(4, 4700, 0.92);       // 3688 s
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, FindingKind::kDepeg);
  EXPECT_TRUE(incident_grade(f->severity));
  EXPECT_FALSE(w.observe(5, 5000, 0.91));  // reported once
  EXPECT_FALSE(w.observe(6, 5100, 1.00));  // back in band
  EXPECT_FALSE(w.observe(7, 5200, 1.10));  // a brief spike: the clock restarts
  EXPECT_FALSE(w.observe(8, 5300, 1.01));
  EXPECT_FALSE(w.observe(9, 9000, 1.02));
}

}  // namespace
}  // namespace bulwark::detect

namespace bulwark::detect {
namespace {

// One trace and one analysis reused across transactions (as analyze-trace uses them) give what fresh ones
// give, whatever came before: a larger trace, a malformed one, a transaction with a finding.
TEST(DetectTest, ReusedTraceAndAnalysisGiveWhatFreshOnesGive) {
  const std::vector<std::string> texts = {
      reentrancy_trace(4).dump(), reentrancy_trace(1).dump(), "{\"type\": \"CALL\", \"from\": \"0x12\"",
      reentrancy_trace(3).dump(), frame("CALL", 1, 2, "0x", {}, U256(5)).dump()};
  chain::Trace reused;
  Analysis reused_analysis;
  const DetectConfig cfg;
  for (const auto& text : texts) {
    const chain::TraceText held(text);
    auto fresh = chain::parse_any_trace(held);
    const Status into = chain::parse_any_trace_into(held, reused);
    ASSERT_EQ(static_cast<bool>(fresh), static_cast<bool>(into)) << text;
    if (!fresh) {
      EXPECT_EQ(fresh.error().message, into.error().message);
      EXPECT_TRUE(reused.frames.empty());  // left empty after an error
      continue;
    }
    ASSERT_EQ(fresh->frames.size(), reused.frames.size());
    analyze_into(reused, cfg, reused_analysis);
    const Analysis a = analyze(*fresh, cfg);
    EXPECT_EQ(flows_to_json(a.flows, 1000).dump(), flows_to_json(reused_analysis.flows, 1000).dump());
    ASSERT_EQ(a.findings.size(), reused_analysis.findings.size());
    for (std::size_t k = 0; k < a.findings.size(); ++k)
      EXPECT_EQ(to_json(a.findings[k]).dump(), to_json(reused_analysis.findings[k]).dump());
  }
}

}  // namespace
}  // namespace bulwark::detect
