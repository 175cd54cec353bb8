// Incidents, claims, assessment and payouts on every store backend (one shared suite): evidence
// verified from traces, each automatic check's reason, partial payouts, haircuts, idempotence,
// parametric payouts, signatures, and an incident proven from a real exploit trace.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "backends.hpp"
#include "bulwark/cover/assessment.hpp"
#include "bulwark/cover/claims.hpp"
#include "bulwark/cover/claims_view.hpp"
#include "bulwark/cover/events.hpp"
#include "bulwark/cover/incidents.hpp"
#include "bulwark/cover/json_fields.hpp"
#include "bulwark/cover/payouts.hpp"
#include "bulwark/cover/verify.hpp"
#include "bulwark/store/schema.hpp"
#include "claims_fixture.hpp"

namespace bulwark::cover {
namespace {

using testing::eth;
using testing::key;
using testing::synthetic;
using testing::tx_hash;

constexpr UnixTime kT0 = 1'700'000'000;
constexpr UnixTime kExploit = kT0 + 2 * kSecondsPerDay;
constexpr unsigned kEoa = 1, kAttack = 2, kMule = 0x20, kV1 = 0x11, kV2 = 0x12, kV3 = 0x13, kV9 = 0x19;

std::string contains_msg(const Error& e) {
  return e.message;
}

#define EXPECT_FAILS_WITH(result, fragment)                                                      \
  do {                                                                                           \
    const auto& r_ = (result);                                                                   \
    ASSERT_FALSE(r_) << "expected a failure containing: " << (fragment);                         \
    EXPECT_NE(contains_msg(r_.error()).find(fragment), std::string::npos) << r_.error().message; \
  } while (false)

class ClaimsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto s = store::open_store(testing::fresh_store_url(GetParam()));
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    clock_.set(kT0);
    ledger_ = std::make_unique<Ledger>(*store_, clock_);
    ASSERT_TRUE(ledger_->register_asset(asset_));
    config_.challenge_window = 3'600;
    incidents_ = std::make_unique<Incidents>(*store_, clock_, config_);
    claims_ = std::make_unique<Claims>(*store_, clock_, config_);
    payouts_ = std::make_unique<Payouts>(*store_, clock_, config_);
    // Evidence: three vaults of one protocol drained in three transactions; a benign withdrawal.
    evidence_.add(tx_hash(1), testing::reentrancy(kEoa, kAttack, kV1, 4, eth("1"), kMule, eth("0.5")), 101,
                  kExploit);
    evidence_.add(tx_hash(2), testing::reentrancy(kEoa, kAttack, kV2, 3, eth("1")), 102, kExploit + 12);
    evidence_.add(tx_hash(3), testing::reentrancy(kEoa, kAttack, kV3, 2, eth("1")), 103, kExploit + 24);
    evidence_.add(tx_hash(9), testing::reentrancy(kEoa, kAttack, kV1, 1, eth("1")), 109, kExploit);
  }

  /// A pool of `stake` ETH at `ratio_bps`, backing `products` at weight 100.
  Id make_pool(const char* stake, std::vector<Id> products, std::int64_t ratio_bps = 20'000) {
    auto pool = ledger_->create_pool({"pool", asset_.key(), ratio_bps});
    EXPECT_TRUE(pool);
    EXPECT_TRUE(ledger_->deposit(pool->id, synthetic(0x500), eth(stake)));
    for (Id p : products) EXPECT_TRUE(ledger_->set_backing(pool->id, p, 100));
    return pool->id;
  }

  Id make_product(std::vector<unsigned> contracts, bool parametric = false,
                  CoverType type = CoverType::kSmartContract, const char* deductible = "0.1") {
    ProductSpec spec;
    spec.name = "protocol";
    for (unsigned c : contracts) spec.contracts.push_back(synthetic(c));
    spec.asset = asset_.key();
    spec.parametric = parametric;
    spec.cover_type = type;
    spec.deductible = eth(deductible);
    auto p = ledger_->add_product(spec);
    EXPECT_TRUE(p) << p.error().message;
    return p->id;
  }

  Policy buy(const Address& holder, Id product, const char* amount, std::int64_t days = 365) {
    auto p = ledger_->buy({holder, {product, eth(amount), asset_.key(), days}, U256::max()});
    EXPECT_TRUE(p) << p.error().message;
    return p ? *p : Policy{};
  }

  ReportRequest signed_report(unsigned signer, Id product, std::vector<Hash32> txs,
                              std::string text = "drained") {
    ReportRequest r{key(signer).address(), product, std::move(txs), std::move(text), {}};
    r.signature = *sign_personal(key(signer), report_message(r));
    return r;
  }

  ClaimRequest signed_claim(unsigned signer, Id policy, Id incident, const char* claimed,
                            std::vector<unsigned> addresses, U256 max_deposit = U256::max()) {
    ClaimRequest r;
    r.policy_id = policy;
    r.incident_id = incident;
    r.holder = key(signer).address();
    r.claimed = eth(claimed);
    for (unsigned a : addresses) r.addresses.push_back(synthetic(a));
    r.txs = {tx_hash(1)};
    r.max_deposit = max_deposit;
    r.signature = *sign_personal(key(signer), claim_message(r));
    return r;
  }

  Incident reported(Id product, std::vector<Hash32> txs) {
    cover::FileTraceSource source({evidence_.path()});
    auto inc = incidents_->report(signed_report(7, product, std::move(txs)), source);
    EXPECT_TRUE(inc) << inc.error().message;
    return inc ? *inc : Incident{};
  }

  /// Three holders (keys 1-3) with 10 ETH cover each on a product of the three victims, backed by a
  /// 100 ETH pool, and the exploit reported an hour after it: the incident the policies claim on.
  struct ThreeHolders {
    Policy p1, p2, p3;
    Incident inc;
  };
  ThreeHolders three_holders_and_their_incident() {
    const Id product = make_product({kV1, kV2, kV3});
    make_pool("100", {product});
    ThreeHolders out;
    out.p1 = buy(key(1).address(), product, "10");
    out.p2 = buy(key(2).address(), product, "10");
    out.p3 = buy(key(3).address(), product, "10");
    clock_.set(kExploit + 3'600);
    out.inc = reported(product, {tx_hash(1), tx_hash(2), tx_hash(3)});
    return out;
  }

  U256 capital(Id pool) {
    U256 out;
    EXPECT_TRUE(store_->transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
      Repo repo(tx);
      BULWARK_TRY(b, repo.balance(accounts::pool_capital(pool)));
      out = b;
      return {};
    }));
    return out;
  }

  /// Every table's row count and the journal head: a rejected command changes none of them.
  std::map<std::string, std::string> snapshot() {
    std::map<std::string, std::string> out;
    EXPECT_TRUE(store_->transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
      for (const auto* t : store::schema::all_tables()) {
        BULWARK_TRY(n, tx.count(*t));
        out[t->name] = std::to_string(n);
      }
      Repo repo(tx);
      BULWARK_TRY(head, repo.journal_head());
      out["head"] = head ? head->hash.to_hex() : "";
      BULWARK_TRY(accts, repo.accounts());
      for (const auto& a : accts) out["account " + a.key] = a.balance.to_dec();
      return {};
    }));
    return out;
  }

  void expect_verifies() {
    auto r = verify_store(*store_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->ok()) << (r->problems.empty() ? "" : r->problems.front());
    EXPECT_GT(r->entries, 0);
  }

  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Ledger> ledger_;
  ClaimsConfig config_;
  std::unique_ptr<Incidents> incidents_;
  std::unique_ptr<Claims> claims_;
  std::unique_ptr<Payouts> payouts_;
  testing::EvidenceDir evidence_;
  const Asset asset_{1, std::nullopt, "ETH", 18};
};

TEST_P(ClaimsTest, ReportIsVerifiedFromTheEvidenceAndRecordsWhatTheChainProves) {
  const Id product = make_product({kV1, kV2, kV3});
  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1), tx_hash(2)});
  ASSERT_EQ(inc.status, IncidentStatus::kVerified) << (inc.reasons.empty() ? "" : inc.reasons.back());
  ASSERT_TRUE(inc.proof);
  EXPECT_EQ(inc.kind, "reentrancy");
  EXPECT_EQ(inc.block, 101u);
  EXPECT_EQ(inc.time, kExploit);
  EXPECT_EQ(inc.proof->loss_of(synthetic(kV1), "1:native"), eth("4"));
  EXPECT_EQ(inc.proof->loss_of(synthetic(kV2), "1:native"), eth("3"));
  EXPECT_TRUE(inc.proof->is_attacker(synthetic(kEoa)));
  EXPECT_TRUE(inc.proof->is_attacker(synthetic(kAttack)));
  // The account the attacker paid is where the proceeds went: the detectors put it on the attacker's side.
  EXPECT_TRUE(inc.proof->is_attacker(synthetic(kMule)));
  ASSERT_FALSE(inc.reasons.empty());
  EXPECT_NE(inc.reasons.back().find("discretionary"), std::string::npos);
  // The stored incident is the one returned, and the journal replays to it.
  auto stored = incidents_->incident(inc.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(to_json(*stored), to_json(inc));
  expect_verifies();
}

TEST_P(ClaimsTest, ReportWhoseEvidenceShowsNoLossToTheProductIsRejectedWithTheReason) {
  const Id unrelated = make_product({kV9});
  const Id product = make_product({kV1});
  cover::FileTraceSource source({evidence_.path()});
  auto other = incidents_->report(signed_report(7, unrelated, {tx_hash(1)}), source);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->status, IncidentStatus::kRejected);
  EXPECT_NE(other->reasons.back().find("no loss to the product's contracts"), std::string::npos)
      << other->reasons.back();
  EXPECT_NE(other->reasons.back().find(synthetic(kV1).to_checksum()), std::string::npos);
  auto benign = incidents_->report(signed_report(7, product, {tx_hash(9)}), source);
  ASSERT_TRUE(benign) << benign.error().message;
  EXPECT_EQ(benign->status, IncidentStatus::kRejected);
  EXPECT_NE(benign->reasons.back().find("no incident-grade finding"), std::string::npos)
      << benign->reasons.back();
  // Unknown evidence: an error, nothing written.
  const auto before = snapshot();
  EXPECT_FAILS_WITH(incidents_->report(signed_report(7, product, {tx_hash(77)}), source),
                    "no recorded trace");
  EXPECT_EQ(snapshot(), before);
  expect_verifies();
}

TEST_P(ClaimsTest, AFindingAndAReportOfTheSameTransactionMakeOneIncident) {
  const Id product = make_product({kV1, kV2});
  const Id other_chain = [&] {
    ProductSpec spec;
    spec.name = "elsewhere";
    spec.chain_id = 10;
    spec.contracts = {synthetic(kV1)};
    spec.asset = asset_.key();
    auto p = ledger_->add_product(spec);
    EXPECT_TRUE(p);
    return p->id;
  }();
  std::ifstream in(evidence_.path() / (tx_hash(1).to_hex() + ".json"));
  std::stringstream text;
  text << in.rdbuf();
  auto trace = chain::parse_call_trace(text.str());
  ASSERT_TRUE(trace);
  const auto analysis = detect::analyze(*trace, {});
  ASSERT_FALSE(analysis.findings.empty());
  FindingEvent ev{1, tx_hash(1), analysis.findings.front(), 101, kExploit};
  auto opened = incidents_->open_from_finding(ev);
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_EQ(opened->size(), 1u);  // not the product on chain 10
  EXPECT_EQ(opened->front().product_id, product);
  EXPECT_NE(opened->front().product_id, other_chain);
  EXPECT_EQ(opened->front().status, IncidentStatus::kOpen);
  // The monitor seeing it again opens nothing new.
  auto again = incidents_->open_from_finding(ev);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->front().id, opened->front().id);
  // A report of the same transaction (and one more) joins it and verifies it.
  const Incident joined = reported(product, {tx_hash(1), tx_hash(2)});
  EXPECT_EQ(joined.id, opened->front().id);
  EXPECT_EQ(joined.source, "finding+report");
  EXPECT_EQ(joined.status, IncidentStatus::kVerified);
  EXPECT_EQ(joined.txs.size(), 2u);
  auto all = incidents_->incidents();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
  expect_verifies();
}

TEST_P(ClaimsTest, ForgedAndReplayedReportSignaturesAreRefused) {
  const Id product = make_product({kV1});
  cover::FileTraceSource source({evidence_.path()});
  auto forged = signed_report(7, product, {tx_hash(1)});
  forged.reporter = key(8).address();  // signed by 7, claimed to be 8
  const auto before = snapshot();
  EXPECT_FAILS_WITH(incidents_->report(forged, source), "report signature");
  auto tampered = signed_report(7, product, {tx_hash(1)});
  tampered.description = "something else";
  EXPECT_FAILS_WITH(incidents_->report(tampered, source), "report signature");
  EXPECT_EQ(snapshot(), before);
  const auto good = signed_report(7, product, {tx_hash(1)});
  ASSERT_TRUE(incidents_->report(good, source));
  const auto after = snapshot();
  auto replay = incidents_->report(good, source);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kAlreadyExists) << replay.error().message;
  EXPECT_EQ(snapshot(), after);
}

TEST_P(ClaimsTest, EveryAutomaticCheckRejectsWithItsReasonAndWritesNothing) {
  const Id product = make_product({kV1, kV2, kV3});
  const Id other = make_product({kV9});
  const Id parametric = make_product({kV1}, true);
  make_pool("100", {product, other, parametric});
  // Policies: 1 (holder key 1), 1b (key 1 again), 2 (key 2), on the other product (key 1),
  // one that ended before the exploit, one bought inside the cooling-off window, one after.
  clock_.set(kT0 - 40 * kSecondsPerDay);
  const Policy ended = buy(key(3).address(), product, "5", 28);
  clock_.set(kT0);
  const Policy p1 = buy(key(1).address(), product, "10");
  const Policy p1b = buy(key(1).address(), product, "10");
  const Policy p2 = buy(key(2).address(), product, "10");
  const Policy on_other = buy(key(1).address(), other, "10");
  const Policy param = buy(key(1).address(), parametric, "10");
  const Policy short_cover = buy(key(4).address(), product, "10", 28);
  clock_.set(kExploit - 3'600);
  const Policy cooling = buy(key(5).address(), product, "10");
  clock_.set(kExploit + 60);
  const Policy late = buy(key(6).address(), product, "10");
  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1), tx_hash(2), tx_hash(3)});
  ASSERT_EQ(inc.status, IncidentStatus::kVerified);

  const auto before = snapshot();
  auto rejected = [&](const ClaimRequest& r, const std::string& why) {
    auto c = claims_->submit(r);
    EXPECT_FAILS_WITH(c, why);
    EXPECT_EQ(snapshot(), before) << "a rejected claim wrote something: " << why;
  };
  rejected(signed_claim(2, p1.id, inc.id, "1", {kV1}), "only the holder can claim");
  rejected(signed_claim(1, on_other.id, inc.id, "1", {kV1}), "concerns product");
  rejected(signed_claim(1, param.id, inc.id, "1", {kV1}), "parametric");
  rejected(signed_claim(6, late.id, inc.id, "1", {kV1}), "not before the incident");
  rejected(signed_claim(5, cooling.id, inc.id, "1", {kV1}), "cooling-off");
  rejected(signed_claim(3, ended.id, inc.id, "1", {kV1}), "not active at the incident's time");
  rejected(signed_claim(1, p1.id, inc.id, "1", {kAttack}), "is an attacker");
  rejected(signed_claim(1, p1.id, inc.id, "0.5", {kMule}), "is an attacker in incident");
  rejected(signed_claim(1, p1.id, inc.id, "1", {0x77}), "proves no loss");
  rejected(signed_claim(1, p1.id, inc.id, "4.5", {kV1}), "more than the proven loss");
  rejected(signed_claim(1, p1.id, inc.id, "0.05", {kV1}), "within the deductible");
  rejected(signed_claim(1, p1.id, inc.id, "1", {kV1}, U256(1)), "claim deposit");
  {
    auto forged = signed_claim(1, p1.id, inc.id, "1", {kV1});
    forged.claimed = eth("2");  // the signature was over 1
    auto c = claims_->submit(forged);
    EXPECT_FAILS_WITH(c, "claim signature");
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(snapshot(), before);
  }
  // An accepted claim, then everything that collides with it.
  const auto first = signed_claim(1, p1.id, inc.id, "4", {kV1});
  auto c1 = claims_->submit(first);
  ASSERT_TRUE(c1) << c1.error().message;
  EXPECT_EQ(c1->status, ClaimStatus::kPending);  // waits for the incident's confirmation
  EXPECT_EQ(c1->proven, eth("4"));
  EXPECT_EQ(c1->payable, eth("3.9"));
  const auto after_first = snapshot();
  auto replay = claims_->submit(first);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kAlreadyExists);
  auto again = [&](const ClaimRequest& r, const std::string& why) {
    EXPECT_FAILS_WITH(claims_->submit(r), why);
    EXPECT_EQ(snapshot(), after_first) << why;
  };
  again(signed_claim(1, p1.id, inc.id, "3", {kV2}), "already has an open claim");
  again(signed_claim(1, p1b.id, inc.id, "4", {kV1}), "already claimed through claim");
  again(signed_claim(2, p2.id, inc.id, "4", {kV1}), "of another holder");
  // The same holder's other loss through its other policy is fine.
  auto c2 = claims_->submit(signed_claim(1, p1b.id, inc.id, "3", {kV2}));
  ASSERT_TRUE(c2) << c2.error().message;
  // The grace period: cover of 28 days ended at kT0 + 28 d; 30 days of grace after that.
  clock_.set(kT0 + 58 * kSecondsPerDay + 1);
  const auto late_snapshot = snapshot();
  EXPECT_FAILS_WITH(claims_->submit(signed_claim(4, short_cover.id, inc.id, "1", {kV3})), "grace period");
  EXPECT_EQ(snapshot(), late_snapshot);
  expect_verifies();
}

TEST_P(ClaimsTest, ClaimsOnAnUnverifiedIncidentAreRefused) {
  const Id product = make_product({kV1});
  make_pool("100", {product});
  const Policy p = buy(key(1).address(), product, "10");
  clock_.set(kExploit + 60);
  detect::Finding f;
  f.severity = detect::Severity::kCritical;
  f.kind = detect::FindingKind::kReentrancy;
  f.victims = {synthetic(kV1)};
  auto opened = incidents_->open_from_finding({1, tx_hash(1), f, 101, kExploit});
  ASSERT_TRUE(opened);
  ASSERT_EQ(opened->size(), 1u);
  const auto before = snapshot();
  EXPECT_FAILS_WITH(claims_->submit(signed_claim(1, p.id, opened->front().id, "1", {kV1})),
                    "not verified yet");
  EXPECT_EQ(snapshot(), before);
  // Verification from the evidence, then the claim goes through.
  cover::FileTraceSource source({evidence_.path()});
  auto v = incidents_->verify(opened->front().id, source);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->status, IncidentStatus::kVerified);
  EXPECT_TRUE(claims_->submit(signed_claim(1, p.id, v->id, "1", {kV1})));
  expect_verifies();
}

TEST_P(ClaimsTest, PartialPayoutBurnsThePoolsProRataAndRefundsTheDeposit) {
  const Id product = make_product({kV1, kV2, kV3});
  const Id pool_a = make_pool("30", {product});
  const Id pool_b = make_pool("10", {product});
  const Policy p = buy(key(1).address(), product, "3");  // covers less than the loss
  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1)});
  auto c = claims_->submit(signed_claim(1, p.id, inc.id, "4", {kV1}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->payable, eth("2.9"));  // min(4 claimed, 4 proven, 3 cover) - 0.1
  EXPECT_GT(c->deposit, U256{});
  // Not confirmed yet: nothing is paid.
  auto none = payouts_->run();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->payouts.empty());
  ASSERT_TRUE(incidents_->resolve(inc.id, true, "the chain proves the drain"));
  auto approved = claims_->claim(c->id);
  ASSERT_TRUE(approved);
  EXPECT_EQ(approved->status, ClaimStatus::kApproved);
  auto allocs = ledger_->allocations(p.id);
  ASSERT_TRUE(allocs);
  const U256 a_before = capital(pool_a), b_before = capital(pool_b);
  auto run = payouts_->run();
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->payouts.size(), 1u);
  const Payout& paid = run->payouts.front();
  EXPECT_EQ(paid.amount, eth("2.9"));
  EXPECT_EQ(paid.ratio_num, paid.ratio_den);
  // Burned pro rata to the pools' allocation to the product (3:1 here).
  const U256 burned_a = *a_before.checked_sub(capital(pool_a));
  const U256 burned_b = *b_before.checked_sub(capital(pool_b));
  EXPECT_EQ(*burned_a.checked_add(burned_b), eth("2.9"));
  EXPECT_EQ(burned_a, eth("2.175"));
  EXPECT_EQ(burned_b, eth("0.725"));
  auto done = claims_->claim(c->id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, ClaimStatus::kPaid);
  EXPECT_EQ(done->paid, eth("2.9"));
  auto books = ledger_->books();
  ASSERT_TRUE(books);
  std::map<std::string, U256> acct;
  for (const auto& a : books->accounts) acct[a.key] = a.balance;
  EXPECT_EQ(acct["flow:payouts:1:native"], eth("2.9"));
  EXPECT_EQ(acct["flow:deposit_refunds:1:native"], c->deposit);
  EXPECT_EQ(acct["claims:deposits:1:native"], U256{});
  expect_verifies();
}

TEST_P(ClaimsTest, HaircutGivesEveryClaimOfTheIncidentTheSameRatio) {
  const Id product = make_product({kV1, kV2, kV3});
  const Id pool = make_pool("3", {product}, 100'000);  // 3 ETH of capital carries 30 ETH of cover
  const Policy p1 = buy(key(1).address(), product, "10");
  const Policy p2 = buy(key(2).address(), product, "10");
  const Policy p3 = buy(key(3).address(), product, "10");
  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1), tx_hash(2), tx_hash(3)});
  ASSERT_TRUE(claims_->submit(signed_claim(1, p1.id, inc.id, "4", {kV1})));
  ASSERT_TRUE(claims_->submit(signed_claim(2, p2.id, inc.id, "3", {kV2})));
  ASSERT_TRUE(claims_->submit(signed_claim(3, p3.id, inc.id, "2", {kV3})));
  ASSERT_TRUE(incidents_->resolve(inc.id, true, "proven"));
  const U256 available = capital(pool);
  const U256 owed = eth("8.7");  // 3.9 + 2.9 + 1.9
  ASSERT_LT(available, owed);
  auto run = payouts_->run();
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->payouts.size(), 3u);
  U256 sum;
  for (const auto& p : run->payouts) {
    EXPECT_EQ(p.ratio_num, available);
    EXPECT_EQ(p.ratio_den, owed);
    EXPECT_EQ(p.amount, *U256::mul_div(p.entitled, available, owed, U256::Rounding::kDown));
    sum = *sum.checked_add(p.amount);
  }
  EXPECT_LE(sum, available);
  EXPECT_LT(*available.checked_sub(sum), U256(3));  // rounding down loses less than a unit per claim
  EXPECT_EQ(capital(pool), *available.checked_sub(sum));
  auto after = incidents_->incident(inc.id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->haircut_num, available);
  EXPECT_EQ(after->haircut_den, owed);
  EXPECT_NE(after->reasons.back().find("insufficient"), std::string::npos);
  expect_verifies();
}

TEST_P(ClaimsTest, PayoutIsMadeOnceUnderRetries) {
  const Id product = make_product({kV1, kV2});
  make_pool("50", {product});
  const Policy p1 = buy(key(1).address(), product, "10");
  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1)});
  ASSERT_TRUE(claims_->submit(signed_claim(1, p1.id, inc.id, "4", {kV1})));
  ASSERT_TRUE(incidents_->resolve(inc.id, true, "proven"));
  auto first = payouts_->run();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->payouts.size(), 1u);
  const auto after_first = snapshot();
  for (int i = 0; i < 3; ++i) {
    auto retry = payouts_->run(inc.id);
    ASSERT_TRUE(retry) << retry.error().message;
    EXPECT_TRUE(retry->payouts.empty());
  }
  EXPECT_EQ(snapshot(), after_first);
  // Even a replayed payout event (a crashed run's retry written by hand) is refused by the journal.
  Status replayed = store_->transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    auto e =
        record_event(repo, kExploit, "payout_made", nlohmann::json{{"payout", to_json(first->payouts[0])}});
    if (!e) return std::unexpected(e.error());
    return {};
  });
  ASSERT_FALSE(replayed);
  EXPECT_EQ(replayed.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(snapshot(), after_first);
  expect_verifies();
}

TEST_P(ClaimsTest, ParametricCoverPaysEveryEligiblePolicyAfterTheChallengeWindow) {
  const Id loss_based = make_product({kV1}, true, CoverType::kSmartContract, "0.1");
  const Id fixed_sum = make_product({kV2}, true, CoverType::kOracleFailure, "0.5");
  make_pool("100", {loss_based, fixed_sum});
  const Policy vault_owner = buy(synthetic(kV1), loss_based, "10");  // proven loss 4
  const Policy bystander = buy(key(1).address(), loss_based, "10");  // no proven loss
  const Policy fixed = buy(key(2).address(), fixed_sum, "6");
  const Policy attacker = buy(synthetic(kEoa), fixed_sum, "6");
  clock_.set(kExploit - 600);
  const Policy cooling = buy(key(3).address(), fixed_sum, "6");
  clock_.set(kExploit + 60);
  const Policy late = buy(key(4).address(), fixed_sum, "6");
  const Incident a = reported(loss_based, {tx_hash(1)});
  const Incident b = reported(fixed_sum, {tx_hash(2)});
  ASSERT_EQ(a.status, IncidentStatus::kVerified);
  EXPECT_EQ(a.challenge_ends, kExploit + 60 + 3'600);
  // Inside the challenge window nothing is paid, and nobody needs to claim.
  auto early = payouts_->run();
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->payouts.empty());
  EXPECT_FAILS_WITH(claims_->submit(signed_claim(2, fixed.id, b.id, "1", {kV2})), "parametric");
  clock_.advance(3'600);
  auto run = payouts_->run();
  ASSERT_TRUE(run) << run.error().message;
  std::map<Id, U256> paid;
  for (const auto& p : run->payouts) paid[p.policy_id] = p.amount;
  EXPECT_EQ(paid.size(), 2u);
  EXPECT_EQ(paid[vault_owner.id], eth("3.9"));  // holder's proven loss 4 - deductible 0.1
  EXPECT_EQ(paid[fixed.id], eth("5.5"));        // cover amount 6 - deductible 0.5
  EXPECT_FALSE(paid.contains(bystander.id));
  EXPECT_FALSE(paid.contains(attacker.id));
  EXPECT_FALSE(paid.contains(cooling.id));
  EXPECT_FALSE(paid.contains(late.id));
  auto again = payouts_->run();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->payouts.empty());
  auto confirmed = incidents_->incident(a.id);
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->status, IncidentStatus::kConfirmed);
  EXPECT_NE(confirmed->reasons.back().find("payout ratio 1/1"), std::string::npos)
      << confirmed->reasons.back();
  expect_verifies();
}

TEST_P(ClaimsTest, PoliciesKeepTheCoolingOffAndTriggerTheyWereSoldUnder) {
  // Discretionary: bought two days before the exploit under a 1-day cooling-off; the product then
  // changes to 3 days and a larger deductible, and a second policy is sold at the same time.
  const Id product = make_product({kV1});
  const Id gov = make_product({kV1}, true, CoverType::kGovernanceAttack, "0.5");
  make_pool("100", {product, gov});
  ASSERT_TRUE(ledger_->change_terms(gov, {.trigger_min_loss = eth("3")}));
  const Policy old_terms = buy(key(1).address(), product, "10");
  const Policy gov_old = buy(key(3).address(), gov, "6");
  auto changed =
      ledger_->change_terms(product, {.deductible = eth("0.5"), .cooling_off = 3 * kSecondsPerDay});
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(changed->cooling_off, 3 * kSecondsPerDay);
  ASSERT_TRUE(ledger_->change_terms(gov, {.trigger_min_loss = eth("5")}));
  const Policy new_terms = buy(key(2).address(), product, "10");
  const Policy gov_new = buy(key(4).address(), gov, "6");
  EXPECT_EQ(old_terms.terms.cooling_off, kSecondsPerDay);
  EXPECT_EQ(new_terms.terms.cooling_off, 3 * kSecondsPerDay);
  EXPECT_EQ(gov_old.terms.trigger_min_loss, eth("3"));
  EXPECT_EQ(gov_new.terms.trigger_min_loss, eth("5"));
  // Bad changes are refused and write nothing.
  const auto before_bad = snapshot();
  EXPECT_FAILS_WITH(ledger_->change_terms(product, {}), "no term to change");
  EXPECT_FAILS_WITH(ledger_->change_terms(product, {.cooling_off = 400 * kSecondsPerDay}), "0..365 days");
  EXPECT_FAILS_WITH(ledger_->change_terms(product, {.grace_days = -1}), "grace period");
  EXPECT_FAILS_WITH(ledger_->change_terms(product, {.trigger_min_loss = eth("1")}), "parametric cover only");
  EXPECT_EQ(snapshot(), before_bad);
  const Id depeg = make_product({kV9}, true, CoverType::kStablecoinDepeg);
  const auto with_depeg = snapshot();
  EXPECT_FAILS_WITH(ledger_->change_terms(depeg, {.trigger_min_loss = eth("1")}),
                    "smart_contract and governance");
  EXPECT_FAILS_WITH(ledger_->change_terms(999, {.grace_days = 1}), "999");
  EXPECT_EQ(snapshot(), with_depeg);
  EXPECT_NE(before_bad, with_depeg);  // the depeg product itself was written

  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1)});
  ASSERT_EQ(inc.status, IncidentStatus::kVerified);
  auto old_claim = claims_->submit(signed_claim(1, old_terms.id, inc.id, "2", {kV1}));
  ASSERT_TRUE(old_claim) << old_claim.error().message;
  EXPECT_EQ(old_claim->payable, eth("1.9"));  // the deductible it was sold under
  EXPECT_FAILS_WITH(claims_->submit(signed_claim(2, new_terms.id, inc.id, "2", {kV1})),
                    "cooling-off window of 259200 seconds");

  // Parametric governance cover: the proven loss of 4 meets the trigger of 3, not that of 5.
  const Incident g = reported(gov, {tx_hash(1)});
  ASSERT_EQ(g.status, IncidentStatus::kVerified);
  clock_.advance(3'600);
  auto run = payouts_->run();
  ASSERT_TRUE(run) << run.error().message;
  std::map<Id, U256> paid;
  for (const auto& p : run->payouts) paid[p.policy_id] = p.amount;
  EXPECT_EQ(paid[gov_old.id], eth("5.5"));
  EXPECT_FALSE(paid.contains(gov_new.id));
  // Both stay as sold when read back, and the journal replays the product changes.
  auto stored = ledger_->policy(old_terms.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->terms.cooling_off, kSecondsPerDay);
  EXPECT_EQ(stored->terms.deductible, eth("0.1"));
  expect_verifies();
}

TEST(ClaimsSettings, AreReadAndAStakeLockShorterThanAReopenedVoteIsRefused) {
  auto c = claims_config_from_json(nlohmann::json::parse(R"({"cooldown": 7200, "stake_lock": 100000})"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->cooldown, 7200);
  EXPECT_EQ(c->stake_lock, 100000);
  // 1 day of cooldown + 1 day of silent extension (the defaults) outlast a 1-day lock.
  EXPECT_FAILS_WITH(claims_config_from_json(nlohmann::json::parse(R"({"stake_lock": 86400})")),
                    "must be at least claims.cooldown + claims.silent_extension");
  EXPECT_FAILS_WITH(claims_config_from_json(nlohmann::json::parse(R"({"stake_lock": -1})")), ">= 0");
  EXPECT_FAILS_WITH(claims_config_from_json(nlohmann::json::parse(R"({"stake_locks": 1})")),
                    "unknown claims setting");
}

TEST(FrozenTerms, TermsSoldBeforeCoolingOffWasAProductTermFollowTheDeployment) {
  const auto legacy = nlohmann::json::parse(
      R"({"cover_type":"smart_contract","parametric":false,"grace_days":30,"deductible":"0","base_rate_bps":200})");
  auto t = terms_from_json(legacy);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_FALSE(t->cooling_off);
  EXPECT_TRUE(t->trigger_min_loss.is_zero());
  ClaimsConfig c;
  c.cooling_off = 7'200;
  EXPECT_EQ(cooling_off_of(*t, c), 7'200);
  t->cooling_off = 60;
  EXPECT_EQ(cooling_off_of(*t, c), 60);
  auto back = terms_from_json(to_json(*t));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->cooling_off, 60);
}

// A claim's row is built and read column by column; it must be exactly the row the JSON mapping
// (one column per field, JSON columns as JSON text) gives, or stored claims would stop verifying.
TEST(ClaimRows, AreTheRowsOfTheJsonMappingAndReadBackWhole) {
  Claim c;
  c.id = 42;
  c.policy_id = 7;
  c.incident_id = 3;
  c.holder = *Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  c.asset = "1:native";
  c.claimed = U256(1'000);
  c.proven = U256(900);
  c.payable = U256(800);
  c.paid = U256(0);
  c.deposit = U256(5);
  c.reward = U256(4);
  c.status = ClaimStatus::kApproved;
  c.addresses = {c.holder, *Address::parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")};
  c.txs = {*Hash32::parse("0x" + std::string(64, 'a'))};
  c.reasons = {"passed \"the\" checks", "paid 800 at ratio 1/1 \u00e9"};
  c.submitted_at = 1'700'000'000;
  c.decided_at = 1'700'000'100;
  for (const Claim& claim : {c, Claim{}}) {
    const auto json_column = [](const std::string& col) {
      return col == "addresses" || col == "txs" || col == "reasons";
    };
    const store::Row row = to_row(claim);
    EXPECT_EQ(row, jsonf::row_of(store::schema::claims(), to_json(claim), json_column));
    auto back = claim_from_row(row);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(to_json(*back), to_json(claim));
  }
  // A damaged row is refused with what is wrong, not misread.
  store::Row bad = to_row(c);
  bad[0] = "4x";
  EXPECT_EQ(claim_from_row(bad).error().code, ErrorCode::kCorrupt);
  bad = to_row(c);
  bad[12] = "[\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"";
  EXPECT_EQ(claim_from_row(bad).error().code, ErrorCode::kCorrupt);
  bad.pop_back();
  EXPECT_EQ(claim_from_row(bad).error().code, ErrorCode::kCorrupt);
}

TEST_P(ClaimsTest, ParametricWithAZeroWindowIsConfirmedAtOnce) {
  config_.challenge_window = 0;
  Incidents incidents(*store_, clock_, config_);
  Payouts payouts(*store_, clock_, config_);
  const Id product = make_product({kV1}, true);
  make_pool("100", {product});
  const Policy p = buy(synthetic(kV1), product, "10");
  clock_.set(kExploit + 5);
  cover::FileTraceSource source({evidence_.path()});
  auto inc = incidents.report(signed_report(7, product, {tx_hash(1)}), source);
  ASSERT_TRUE(inc) << inc.error().message;
  EXPECT_EQ(inc->status, IncidentStatus::kConfirmed);
  auto run = payouts.run();
  ASSERT_TRUE(run);
  ASSERT_EQ(run->payouts.size(), 1u);
  EXPECT_EQ(run->payouts[0].policy_id, p.id);
  expect_verifies();
}

TEST_P(ClaimsTest, AChallengeWithABondSendsAParametricIncidentToTheVote) {
  config_.min_challenge_bond = {{asset_.key(), eth("0.5")}};
  Incidents incidents(*store_, clock_, config_);
  Assessment assessment(*store_, clock_, config_);
  Payouts payouts(*store_, clock_, config_);
  const Id parametric = make_product({kV1}, true, CoverType::kSmartContract, "0.1");
  const Id fixed = make_product({kV2}, true, CoverType::kOracleFailure, "0");
  const Id discretionary = make_product({kV3});
  make_pool("100", {parametric, fixed, discretionary});
  buy(synthetic(kV1), parametric, "10");
  buy(key(2).address(), fixed, "6");
  for (unsigned a : {10u, 11u}) ASSERT_TRUE(assessment.register_assessor(key(a).address(), U256(100)));
  clock_.set(kExploit + 60);
  cover::FileTraceSource source({evidence_.path()});
  auto a = incidents.report(signed_report(7, parametric, {tx_hash(1)}), source);
  auto b = incidents.report(signed_report(7, fixed, {tx_hash(2)}), source);
  auto c = incidents.report(signed_report(7, discretionary, {tx_hash(3)}), source);
  ASSERT_TRUE(a && b && c);
  auto challenge = [&](unsigned signer, Id incident, const char* bond,
                       std::string reason = "the oracle was fine") {
    ChallengeRequest r{key(signer).address(), incident, eth(bond), std::move(reason), {}};
    r.signature = *sign_personal(key(signer), challenge_message(r));
    return r;
  };
  const auto before = snapshot();
  auto forged = challenge(5, a->id, "1");
  forged.bond = eth("2");
  EXPECT_FAILS_WITH(incidents.challenge(forged), "signature");
  EXPECT_FAILS_WITH(incidents.challenge(challenge(5, a->id, "0.1")), "below the minimum");
  EXPECT_FAILS_WITH(incidents.challenge(challenge(5, a->id, "1", "")), "reason");
  EXPECT_FAILS_WITH(incidents.challenge(challenge(5, c->id, "1")), "discretionary");
  EXPECT_EQ(snapshot(), before);
  // Challenged inside the window: not confirmed at its end, and the bond is held.
  const auto first = challenge(5, a->id, "1");
  auto ch = incidents.challenge(first);
  ASSERT_TRUE(ch) << ch.error().message;
  EXPECT_EQ(ch->challenge_ends, 0);
  const auto after = snapshot();
  EXPECT_EQ(after.at("account claims:bonds:" + asset_.key()), eth("1").to_dec());
  auto replay = incidents.challenge(first);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kAlreadyExists);
  EXPECT_FAILS_WITH(incidents.challenge(challenge(6, a->id, "1")), "already challenged");
  EXPECT_EQ(snapshot(), after);
  clock_.advance(3'600);  // both windows end
  EXPECT_FAILS_WITH(incidents.challenge(challenge(6, b->id, "1")), "window ended");
  auto run = payouts.run();
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->payouts.size(), 1u);  // only the unchallenged fixed-sum incident pays
  EXPECT_EQ(run->payouts[0].incident_id, b->id);
  auto held = incidents.incident(a->id);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->status, IncidentStatus::kVerified);
  // The vote denies it: the challenger was right and gets the bond back; nothing is paid.
  auto vote = [&](unsigned signer, bool accept) {
    VoteRequest v{a->id, key(signer).address(), accept, 1, clock_.now() + 600, {}};
    v.signature = *sign_personal(key(signer), vote_message(v));
    return v;
  };
  ASSERT_TRUE(assessment.vote(vote(10, false)));
  ASSERT_TRUE(assessment.vote(vote(11, false)));
  clock_.advance(config_.voting_period + 2 * kSecondsPerDay);
  ASSERT_TRUE(incidents.advance());
  auto denied = incidents.incident(a->id);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, IncidentStatus::kDenied);
  const auto settled = snapshot();
  EXPECT_EQ(settled.at("account claims:bonds:" + asset_.key()), "0");
  EXPECT_EQ(settled.at("account flow:bond_refunds:" + asset_.key()), eth("1").to_dec());
  auto none = payouts.run();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->payouts.empty());
  expect_verifies();
}

TEST_P(ClaimsTest, AChallengeTheVoteRejectsForfeitsTheBondToTheReserve) {
  Incidents incidents(*store_, clock_, config_);
  Assessment assessment(*store_, clock_, config_);
  Payouts payouts(*store_, clock_, config_);
  const Id product = make_product({kV2}, true, CoverType::kOracleFailure, "0");
  make_pool("100", {product});
  buy(key(2).address(), product, "6");
  ASSERT_TRUE(assessment.register_assessor(key(10).address(), U256(100)));
  clock_.set(kExploit + 60);
  cover::FileTraceSource source({evidence_.path()});
  auto inc = incidents.report(signed_report(7, product, {tx_hash(2)}), source);
  ASSERT_TRUE(inc);
  ChallengeRequest r{key(5).address(), inc->id, eth("2"), "griefing", {}};
  r.signature = *sign_personal(key(5), challenge_message(r));
  ASSERT_TRUE(incidents.challenge(r));
  const U256 reserve_before = *U256::from_dec(snapshot()["account reserve:" + asset_.key()]);
  VoteRequest v{inc->id, key(10).address(), true, 1, clock_.now() + 600, {}};
  v.signature = *sign_personal(key(10), vote_message(v));
  ASSERT_TRUE(assessment.vote(v));
  clock_.advance(config_.voting_period + config_.cooldown + kSecondsPerDay);
  auto run = payouts.run();
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->payouts.size(), 1u);
  EXPECT_EQ(run->payouts[0].amount, eth("6"));
  const auto after = snapshot();
  EXPECT_EQ(after.at("account claims:bonds:" + asset_.key()), "0");
  EXPECT_EQ(*U256::from_dec(after.at("account reserve:" + asset_.key())),
            *reserve_before.checked_add(eth("2")));
  expect_verifies();
}

TEST_P(ClaimsTest, GovernanceReversesAVoteAgainstTheEvidenceAndSlashesTheStake) {
  Assessment assessment(*store_, clock_, config_);
  Incidents incidents(*store_, clock_, config_);
  const Id product = make_product({kV1});
  make_pool("50", {product});
  ASSERT_TRUE(assessment.register_assessor(key(10).address(), U256(100)));
  ASSERT_TRUE(assessment.register_assessor(key(11).address(), U256(150)));
  clock_.set(kExploit + 3'600);
  cover::FileTraceSource source({evidence_.path()});
  auto inc = incidents.report(signed_report(7, product, {tx_hash(1)}), source);
  ASSERT_TRUE(inc);
  auto vote = [&](unsigned signer, bool accept) {
    VoteRequest v{inc->id, key(signer).address(), accept, 1, clock_.now() + 600, {}};
    v.signature = *sign_personal(key(signer), vote_message(v));
    return v;
  };
  ASSERT_TRUE(assessment.vote(vote(10, true)));
  ASSERT_TRUE(assessment.vote(vote(11, false)));  // against a drain the chain proves
  const auto before = snapshot();
  EXPECT_FAILS_WITH(assessment.reverse_vote(inc->id, key(12).address(), 5'000, "x"), "no vote");
  EXPECT_FAILS_WITH(assessment.reverse_vote(inc->id, key(11).address(), 10'001, "x"), "basis points");
  EXPECT_FAILS_WITH(assessment.reverse_vote(inc->id, key(11).address(), 5'000, ""), "reason");
  EXPECT_EQ(snapshot(), before);
  auto reversed = assessment.reverse_vote(inc->id, key(11).address(), 5'000, "the trace proves the drain");
  ASSERT_TRUE(reversed) << reversed.error().message;
  EXPECT_EQ(reversed->deny_weight, U256(0));
  EXPECT_EQ(reversed->accept_weight, U256(100));
  EXPECT_NE(reversed->reasons.back().find("slashed 75"), std::string::npos) << reversed->reasons.back();
  EXPECT_FAILS_WITH(assessment.reverse_vote(inc->id, key(11).address(), 5'000, "again"), "no vote");
  auto all = assessment.assessors();
  ASSERT_TRUE(all);
  for (const auto& a : *all)
    if (a.address == key(11).address()) {
      EXPECT_EQ(a.stake, U256(75));
      EXPECT_EQ(a.slashed, U256(75));
    }
  clock_.advance(config_.voting_period + kSecondsPerDay);
  ASSERT_TRUE(incidents.advance());
  auto decided = incidents.incident(inc->id);
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, IncidentStatus::kConfirmed);
  EXPECT_FAILS_WITH(assessment.reverse_vote(inc->id, key(10).address(), 0, "too late"),
                    "not in an open vote");
  expect_verifies();
}

// A vote decides only after the cooldown that follows it. A reversal in the cooldown changes the
// tally and reopens the vote for silent_extension, and the decision then goes with the corrected
// tally: the claim the reversed vote would have denied is paid.
TEST_P(ClaimsTest, AVoteReversedInTheCooldownReopensTheVoteAndTheDecisionFollowsTheCorrectedTally) {
  Assessment assessment(*store_, clock_, config_);
  const Id product = make_product({kV1});
  make_pool("50", {product});
  const Policy p = buy(key(1).address(), product, "10");
  for (auto [k, stake] : {std::pair{10u, 100}, {11u, 150}, {13u, 50}})
    ASSERT_TRUE(assessment.register_assessor(key(k).address(), U256(std::uint64_t(stake))));
  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1)});
  auto claim = claims_->submit(signed_claim(1, p.id, inc.id, "4", {kV1}));
  ASSERT_TRUE(claim) << claim.error().message;
  auto vote = [&](unsigned signer, bool accept) {
    VoteRequest v{inc.id, key(signer).address(), accept, 1, clock_.now() + 600, {}};
    v.signature = *sign_personal(key(signer), vote_message(v));
    return assessment.vote(v);
  };
  ASSERT_TRUE(vote(10, true));
  auto denied = vote(11, false);  // 150 deny against 100 accept, against a drain the chain proves
  ASSERT_TRUE(denied) << denied.error().message;
  clock_.set(denied->vote_ends + config_.cooldown / 2);  // the vote has ended; the cooldown runs
  ASSERT_TRUE(incidents_->advance());
  auto cooling = incidents_->incident(inc.id);
  ASSERT_TRUE(cooling);
  EXPECT_EQ(cooling->status, IncidentStatus::kVerified);
  EXPECT_FAILS_WITH(vote(13, false), "ended");
  auto reversed = assessment.reverse_vote(inc.id, key(11).address(), 10'000, "the trace proves the drain");
  ASSERT_TRUE(reversed) << reversed.error().message;
  EXPECT_EQ(reversed->deny_weight, U256(0));
  EXPECT_EQ(reversed->vote_ends, clock_.now() + config_.silent_extension);
  EXPECT_NE(reversed->reasons.back().find("the vote reopened"), std::string::npos)
      << reversed->reasons.back();
  auto late = vote(13, false);  // the reopened vote takes votes again: 100 accept against 50 deny
  ASSERT_TRUE(late) << late.error().message;
  EXPECT_EQ(late->deny_weight, U256(50));
  clock_.set(late->vote_ends + config_.cooldown);
  auto paid = payouts_->run();
  ASSERT_TRUE(paid) << paid.error().message;
  ASSERT_EQ(paid->payouts.size(), 1u);
  EXPECT_EQ(paid->payouts[0].amount, eth("3.9"));
  auto decided = incidents_->incident(inc.id);
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, IncidentStatus::kConfirmed);
  EXPECT_FAILS_WITH(assessment.reverse_vote(inc.id, key(10).address(), 0, "too late"), "its cooldown");
  const auto books = snapshot();
  EXPECT_EQ(books.count("account " + accounts::assessor_rewards(key(11).address(), asset_.key())), 0u);
  expect_verifies();
}

TEST_P(ClaimsTest, AssessmentVotesAreSignedWeightedAndFreeOfConflicts) {
  config_.quorum = U256(100);
  Assessment assessment(*store_, clock_, config_);
  Incidents incidents(*store_, clock_, config_);
  Claims claims(*store_, clock_, config_);
  Payouts payouts(*store_, clock_, config_);
  const Id product = make_product({kV1, kV2});
  make_pool("50", {product});
  const Policy p = buy(key(1).address(), product, "10");
  buy(key(12).address(), product, "1");  // assessor 12 holds cover on the product
  for (unsigned a : {10u, 11u, 12u, 13u})
    ASSERT_TRUE(assessment.register_assessor(key(a).address(), U256(100)));
  ASSERT_TRUE(assessment.register_assessor(key(1).address(), U256(100)));
  clock_.set(kExploit + 3'600);
  cover::FileTraceSource source({evidence_.path()});
  auto inc = incidents.report(signed_report(7, product, {tx_hash(1)}), source);
  ASSERT_TRUE(inc);
  ASSERT_TRUE(claims.submit(signed_claim(1, p.id, inc->id, "4", {kV1})));
  auto vote = [&](unsigned signer, bool accept, std::int64_t nonce, UnixTime expiry) {
    VoteRequest v{inc->id, key(signer).address(), accept, nonce, expiry, {}};
    v.signature = *sign_personal(key(signer), vote_message(v));
    return v;
  };
  const UnixTime expiry = clock_.now() + kSecondsPerDay;
  const auto before = snapshot();
  auto forged = vote(10, true, 1, expiry);
  forged.accept = false;
  auto f = assessment.vote(forged);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FAILS_WITH(assessment.vote(vote(10, true, 1, clock_.now() - 1)), "expired");
  EXPECT_FAILS_WITH(assessment.vote(vote(12, true, 1, expiry)), "holds cover on product");
  EXPECT_FAILS_WITH(assessment.vote(vote(1, true, 1, expiry)), "claims on incident");
  EXPECT_FAILS_WITH(assessment.vote(vote(20, true, 1, expiry)), "not a registered assessor");
  EXPECT_EQ(snapshot(), before);
  const auto good = vote(10, true, 1, expiry);
  auto v1 = assessment.vote(good);
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ(v1->vote_ends, clock_.now() + config_.voting_period);
  const auto after_vote = snapshot();
  auto replay = assessment.vote(good);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kAlreadyExists);
  EXPECT_FAILS_WITH(assessment.vote(vote(10, false, 2, expiry)), "already voted");
  EXPECT_EQ(snapshot(), after_vote);
  // A vote in the last day extends the end by min(1 day, 1 day * stake / voted stake): half a day.
  clock_.set(v1->vote_ends - 3'600);
  auto v2 = assessment.vote(vote(11, false, 1, clock_.now() + 60));
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_EQ(v2->vote_ends, v1->vote_ends + kSecondsPerDay / 2);
  // A third vote, late again: 200 accept against 100 deny.
  clock_.set(v2->vote_ends - 60);
  ASSERT_TRUE(assessment.vote(vote(13, true, 1, clock_.now() + 60)));
  clock_.set(v2->vote_ends + kSecondsPerDay / 2);  // past the (again extended) end
  // In the cooldown the vote is closed but not yet decided (governance may still reverse a vote):
  // nothing is paid or rewarded.
  EXPECT_FAILS_WITH(assessment.vote(vote(12, true, 1, clock_.now() + 60)), "ended");
  ASSERT_TRUE(incidents.advance());
  auto cooling = incidents.incident(inc->id);
  ASSERT_TRUE(cooling);
  EXPECT_EQ(cooling->status, IncidentStatus::kVerified);
  auto held = payouts.run();
  ASSERT_TRUE(held);
  EXPECT_TRUE(held->payouts.empty());
  auto none_yet = assessment.rewards(key(10).address(), asset_.key());
  ASSERT_TRUE(none_yet) << none_yet.error().message;
  EXPECT_TRUE(none_yet->is_zero());
  clock_.set(cooling->vote_ends + config_.cooldown);
  // Asking for an assessor's rewards counts those of the vote the next write decides, and writes nothing.
  const auto before_ask = snapshot();
  auto early = assessment.rewards(key(10).address(), asset_.key());
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_FALSE(early->is_zero());
  EXPECT_EQ(snapshot(), before_ask);
  auto decided = incidents.advance();
  ASSERT_TRUE(decided);
  auto now_inc = incidents.incident(inc->id);
  ASSERT_TRUE(now_inc);
  ASSERT_EQ(now_inc->status, IncidentStatus::kConfirmed) << now_inc->reasons.back();
  EXPECT_EQ(now_inc->payable_from, now_inc->vote_ends + config_.cooldown);
  auto paid = payouts.run();
  ASSERT_TRUE(paid);
  ASSERT_EQ(paid->payouts.size(), 1u);
  EXPECT_EQ(paid->payouts[0].amount, eth("3.9"));
  // The winning (accept) side shares the claim's assessor reward (1.3% x 4 ETH x 365/365) from the
  // reserve, pro rata to weight (100 and 100); the deny voter gets nothing.
  const auto books = snapshot();
  auto reward_of = [&](unsigned k) {
    auto it = books.find("account " + accounts::assessor_rewards(key(k).address(), asset_.key()));
    return it == books.end() ? U256{} : *U256::from_dec(it->second);
  };
  EXPECT_FALSE(reward_of(10).is_zero());
  EXPECT_EQ(reward_of(10), *early);
  EXPECT_EQ(reward_of(10), reward_of(13));
  EXPECT_TRUE(reward_of(11).is_zero());
  EXPECT_LE(*reward_of(10).checked_add(reward_of(13)), eth("0.052"));
  auto locked = assessment.assessors();
  ASSERT_TRUE(locked);
  for (const auto& a : *locked)
    if (a.address == key(10).address()) {
      EXPECT_GE(a.locked_until, v1->vote_ends + config_.stake_lock);  // the end known at its vote
    }
  expect_verifies();
  // The assessor withdraws its rewards with a signed request: more than held, a forged, an expired
  // or a replayed request is refused and writes nothing.
  const U256 held_10 = reward_of(10);
  auto withdrawal = [&](unsigned signer, const U256& amount, std::int64_t nonce, UnixTime until) {
    RewardWithdrawal w{key(signer).address(), asset_.key(), amount, nonce, until, {}};
    w.signature = *sign_personal(key(signer), reward_withdrawal_message(w));
    return w;
  };
  const UnixTime w_expiry = clock_.now() + 600;
  const auto before_w = snapshot();
  EXPECT_FAILS_WITH(assessment.withdraw_rewards(withdrawal(10, *held_10.checked_add(U256(1)), 1, w_expiry)),
                    "less than the");
  EXPECT_FAILS_WITH(assessment.withdraw_rewards(withdrawal(11, U256(1), 1, w_expiry)), "holds 0");
  EXPECT_FAILS_WITH(assessment.withdraw_rewards(withdrawal(10, U256(1), 1, clock_.now() - 1)), "expired");
  EXPECT_FAILS_WITH(assessment.withdraw_rewards(withdrawal(10, U256{}, 1, w_expiry)), "above zero");
  auto forged_w = withdrawal(10, U256(1), 1, w_expiry);
  forged_w.amount = held_10;
  EXPECT_FAILS_WITH(assessment.withdraw_rewards(forged_w), "signature");
  EXPECT_EQ(snapshot(), before_w);
  const auto first_w = withdrawal(10, U256(1000), 1, w_expiry);
  auto left = assessment.withdraw_rewards(first_w);
  ASSERT_TRUE(left) << left.error().message;
  EXPECT_EQ(*left, *held_10.checked_sub(U256(1000)));
  const auto after_w = snapshot();
  auto replayed_w = assessment.withdraw_rewards(first_w);
  ASSERT_FALSE(replayed_w);
  EXPECT_EQ(replayed_w.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(snapshot(), after_w);
  auto rest = assessment.withdraw_rewards(withdrawal(10, *left, 2, w_expiry));
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_TRUE(rest->is_zero());
  auto held_now = assessment.rewards(key(10).address(), asset_.key());
  ASSERT_TRUE(held_now);
  EXPECT_TRUE(held_now->is_zero());
  expect_verifies();  // the withdrawn rewards are counted as money out
}

TEST_P(ClaimsTest, DeniedIncidentRejectsItsClaimsAndForfeitsTheDeposit) {
  const Id product = make_product({kV1});
  make_pool("50", {product});
  const Policy p = buy(key(1).address(), product, "10");
  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1)});
  auto c = claims_->submit(signed_claim(1, p.id, inc.id, "4", {kV1}));
  ASSERT_TRUE(c);
  ASSERT_TRUE(incidents_->resolve(inc.id, false, "the loss was a planned migration"));
  auto after = claims_->claim(c->id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, ClaimStatus::kRejected);
  EXPECT_NE(after->reasons.back().find("planned migration"), std::string::npos);
  auto books = ledger_->books();
  ASSERT_TRUE(books);
  for (const auto& a : books->accounts)
    if (a.key == "reserve:1:native") {
      EXPECT_GE(a.balance, c->deposit);
    }
  auto run = payouts_->run();
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->payouts.empty());
  expect_verifies();
}

// Claims, Incidents and Payouts keep incidents and claims across their transactions
// (claims_view.hpp): what another object (another process, in effect) writes in between is seen.
TEST_P(ClaimsTest, ChecksSeeWhatOtherObjectsOfTheStoreWroteInBetween) {
  const Id product = make_product({kV1, kV2, kV3});
  make_pool("100", {product});
  const Policy p1 = buy(key(1).address(), product, "10");
  const Policy p2 = buy(key(2).address(), product, "10");
  const Policy p3 = buy(key(3).address(), product, "10");
  const Policy p4 = buy(key(4).address(), product, "10");
  clock_.set(kExploit + 3'600);
  const Incident inc = reported(product, {tx_hash(1), tx_hash(2), tx_hash(3)});
  ASSERT_TRUE(claims_->submit(signed_claim(1, p1.id, inc.id, "4", {kV1})));
  Claims other(*store_, clock_, config_);
  ASSERT_TRUE(other.submit(signed_claim(2, p2.id, inc.id, "3", {kV2})));
  EXPECT_FAILS_WITH(claims_->submit(signed_claim(3, p3.id, inc.id, "3", {kV2})),
                    "by claim 2 of another holder");
  EXPECT_FAILS_WITH(other.submit(signed_claim(3, p3.id, inc.id, "4", {kV1})), "by claim 1 of another holder");
  // The incident confirmed through another object: a new claim is approved at once, and both
  // claims already pending were approved with the decision.
  ASSERT_TRUE(incidents_->resolve(inc.id, true, "proven"));
  auto c3 = claims_->submit(signed_claim(3, p3.id, inc.id, "2", {kV3}));
  ASSERT_TRUE(c3) << c3.error().message;
  EXPECT_EQ(c3->status, ClaimStatus::kApproved);
  EXPECT_FAILS_WITH(other.submit(signed_claim(4, p4.id, inc.id, "2", {kV3})), "by claim 3 of another holder");
  auto approved = claims_->claims({.incident_id = inc.id, .status = ClaimStatus::kApproved});
  ASSERT_TRUE(approved);
  EXPECT_EQ(approved->size(), 3u);
  expect_verifies();
}

// Claim checks through a view read the policies of the claimed product once and keep them: a
// policy cancelled since (by another object) or bought since is read again, not taken from that copy.
TEST_P(ClaimsTest, PoliciesWrittenSinceTheirProductWasReadForClaimsAreReadAgain) {
  const auto [p1, p2, p3, inc] = three_holders_and_their_incident();
  ASSERT_TRUE(claims_->submit(signed_claim(1, p1.id, inc.id, "4", {kV1})));  // reads the policies
  auto cancelled = ledger_->cancel(p2.id, key(2).address());
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  ASSERT_EQ(cancelled->status, PolicyStatus::kCancelled);
  clock_.set(cancelled->closed_at + (cancelled->terms.grace_days + 1) * kSecondsPerDay);
  EXPECT_FAILS_WITH(claims_->submit(signed_claim(2, p2.id, inc.id, "3", {kV2})),
                    "grace period for claims ended");
  const Policy late = buy(key(4).address(), p1.product_id, "10");
  EXPECT_FAILS_WITH(claims_->submit(signed_claim(4, late.id, inc.id, "1", {kV3})), "not before the incident");
  auto c3 = claims_->submit(signed_claim(3, p3.id, inc.id, "2", {kV3}));
  ASSERT_TRUE(c3) << c3.error().message;
  EXPECT_EQ(c3->policy_id, p3.id);
  expect_verifies();
}

// Objects of one store may share one claims view (a long-running process does): each sees what
// the others wrote through it, and what an object with a view of its own wrote.
TEST_P(ClaimsTest, ObjectsSharingAClaimsViewSeeEachOthersWrites) {
  config_.payout_batch = 1;
  const auto view = std::make_shared<ClaimsView>();
  Claims a(*store_, clock_, config_, view);
  Claims b(*store_, clock_, config_, view);
  Incidents incidents(*store_, clock_, config_, view);
  Payouts payouts(*store_, clock_, config_, view);
  const auto [p1, p2, p3, inc] = three_holders_and_their_incident();
  ASSERT_TRUE(a.submit(signed_claim(1, p1.id, inc.id, "4", {kV1})));
  EXPECT_FAILS_WITH(b.submit(signed_claim(2, p2.id, inc.id, "3", {kV1})), "by claim 1 of another holder");
  ASSERT_TRUE(claims_->submit(signed_claim(2, p2.id, inc.id, "3", {kV2})));  // a view of its own
  EXPECT_FAILS_WITH(b.submit(signed_claim(3, p3.id, inc.id, "3", {kV2})), "by claim 2 of another holder");
  ASSERT_TRUE(incidents.resolve(inc.id, true, "proven"));
  auto first = payouts.run_batch();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->payouts.size(), 1u);
  auto c3 = b.submit(signed_claim(3, p3.id, inc.id, "2", {kV3}));
  ASSERT_TRUE(c3) << c3.error().message;
  EXPECT_EQ(c3->status, ClaimStatus::kApproved);
  auto rest = payouts.run();
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_EQ(rest->payouts.size(), 2u);
  EXPECT_FAILS_WITH(a.submit(signed_claim(1, p1.id, inc.id, "1", {kV1})), "already");
  auto paid = b.claims({.incident_id = inc.id, .status = ClaimStatus::kPaid});
  ASSERT_TRUE(paid);
  EXPECT_EQ(paid->size(), 3u);
  auto again = payouts.run();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->payouts.empty());
  expect_verifies();
}

TEST_P(ClaimsTest, APayoutRunPaysWhatOthersApprovedBetweenItsBatches) {
  config_.payout_batch = 1;
  Payouts payouts(*store_, clock_, config_);
  const auto [p1, p2, p3, inc] = three_holders_and_their_incident();
  ASSERT_TRUE(claims_->submit(signed_claim(1, p1.id, inc.id, "4", {kV1})));
  ASSERT_TRUE(claims_->submit(signed_claim(2, p2.id, inc.id, "3", {kV2})));
  ASSERT_TRUE(incidents_->resolve(inc.id, true, "proven"));
  auto first = payouts.run_batch();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->payouts.size(), 1u);
  EXPECT_EQ(first->payouts[0].policy_id, p1.id);
  EXPECT_EQ(first->remaining, 1u);
  // Between the batches another object has a third claim approved (the incident is confirmed).
  auto c3 = claims_->submit(signed_claim(3, p3.id, inc.id, "2", {kV3}));
  ASSERT_TRUE(c3) << c3.error().message;
  ASSERT_EQ(c3->status, ClaimStatus::kApproved);
  auto second = payouts.run_batch();
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_EQ(second->payouts.size(), 1u);
  EXPECT_EQ(second->payouts[0].policy_id, p2.id);
  EXPECT_EQ(second->remaining, 1u);  // the third claim
  auto rest = payouts.run();
  ASSERT_TRUE(rest) << rest.error().message;
  ASSERT_EQ(rest->payouts.size(), 1u);
  EXPECT_EQ(rest->payouts[0].policy_id, p3.id);
  EXPECT_EQ(rest->payouts[0].amount, eth("1.9"));
  expect_verifies();
}

TEST_P(ClaimsTest, PayoutsOfTwoIncidentsOfOneProductNeverPayMoreThanTheCoverWhateverTheBatch) {
  config_.challenge_window = 0;
  for (std::size_t batch : {std::size_t(1), std::size_t(2), std::size_t(200)}) {
    SCOPED_TRACE("payout_batch " + std::to_string(batch));
    auto s = store::open_store(testing::fresh_store_url(GetParam()));
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    clock_.set(kT0);
    ledger_ = std::make_unique<Ledger>(*store_, clock_);
    ASSERT_TRUE(ledger_->register_asset(asset_));
    config_.payout_batch = batch;
    Incidents incidents(*store_, clock_, config_);
    Payouts payouts(*store_, clock_, config_);
    const Id product = make_product({kV1, kV2}, true, CoverType::kOracleFailure, "0.5");
    make_pool("100", {product});
    const Policy p1 = buy(key(1).address(), product, "10");
    const Policy p2 = buy(key(2).address(), product, "10");
    const Policy p3 = buy(key(3).address(), product, "10");
    clock_.set(kExploit + 60);
    cover::FileTraceSource source({evidence_.path()});
    auto a = incidents.report(signed_report(7, product, {tx_hash(1)}), source);
    auto b = incidents.report(signed_report(8, product, {tx_hash(2)}), source);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->status, IncidentStatus::kConfirmed);
    ASSERT_EQ(b->status, IncidentStatus::kConfirmed);
    auto run = payouts.run();
    ASSERT_TRUE(run) << run.error().message;
    // The first incident pays each policy its cover less the deductible; that leaves 0.5 of cover,
    // all of it deductible, for the second.
    std::map<Id, U256> paid;
    for (const auto& p : run->payouts) {
      EXPECT_EQ(p.incident_id, a->id);
      paid[p.policy_id] = *paid[p.policy_id].checked_add(p.amount);
    }
    EXPECT_EQ(paid.size(), 3u);
    for (const Policy& p : {p1, p2, p3}) EXPECT_EQ(paid[p.id], eth("9.5"));
    auto again = payouts.run();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->payouts.empty());
    expect_verifies();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ClaimsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

// ---- a real exploit trace (../shared/data/exploit-traces) ----

const std::filesystem::path kData = BULWARK_SHARED_DATA;

std::vector<std::map<std::string, std::string>> index_rows() {
  std::ifstream in(kData / "exploit-traces" / "index.csv");
  EXPECT_TRUE(in) << "the exploit traces are missing";
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<std::string> header;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::string cur;
    bool quoted = false;
    for (char ch : line) {
      if (ch == '"')
        quoted = !quoted;
      else if (ch == ',' && !quoted)
        cells.push_back(std::exchange(cur, {}));
      else if (ch != '\r')
        cur += ch;
    }
    cells.push_back(cur);
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

class RealTraceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RealTraceTest, IncidentVerifiedFromARealExploitTraceProvesTheDetectorsLoss) {
  // The first Ethereum exploit in the index whose detector finding names its listed victim.
  std::string file, victim_hex;
  detect::Finding finding;
  for (const auto& row : index_rows()) {
    if (row.at("chain") != "Ethereum") continue;
    std::ifstream in(kData / "exploit-traces" / row.at("file"), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto trace = chain::parse_any_trace(text.str());
    ASSERT_TRUE(trace) << row.at("file");
    for (const auto& f : detect::analyze(*trace, {}).findings) {
      if (!detect::incident_grade(f.severity)) continue;
      for (const auto& v : f.victims)
        if (v.to_lower_hex() == row.at("victim") && !f.loss.empty()) {
          file = row.at("file");
          victim_hex = row.at("victim");
          finding = f;
        }
    }
    if (!file.empty()) break;
  }
  ASSERT_FALSE(file.empty()) << "no Ethereum exploit trace names its victim";
  const Address victim = *Address::parse(victim_hex);
  const Hash32 tx = *Hash32::parse(std::filesystem::path(file).stem().string());

  auto st = store::open_store(testing::fresh_store_url(GetParam()));
  ASSERT_TRUE(st);
  FakeClock clock(1'700'000'000);
  Ledger ledger(**st, clock);
  ASSERT_TRUE(ledger.register_asset({1, std::nullopt, "ETH", 18}));
  ProductSpec spec;
  spec.name = "victim protocol";
  spec.contracts = {victim};
  spec.asset = "1:native";
  auto product = ledger.add_product(spec);
  ASSERT_TRUE(product);
  Incidents incidents(**st, clock);
  FileTraceSource source({kData / "exploit-traces" / "eth"});
  source.set_block(tx, 15'000'000, 1'650'000'000);
  ReportRequest r{key(7).address(), product->id, {tx}, "exploit", {}};
  r.signature = *sign_personal(key(7), report_message(r));
  auto inc = incidents.report(r, source);
  ASSERT_TRUE(inc) << inc.error().message;
  ASSERT_EQ(inc->status, IncidentStatus::kVerified) << inc->reasons.back();
  EXPECT_EQ(inc->kind, std::string(detect::to_string(finding.kind)));
  EXPECT_EQ(inc->time, 1'650'000'000);
  // The proven loss per asset of the victim is the detector's, summed per asset.
  std::map<std::string, U256> want;
  for (const auto& l : finding.loss)
    if (l.victim == victim) {
      const std::string k = asset_key(1, l.asset.native, l.asset.token);
      want[k] = *want[k].checked_add(l.amount);
    }
  ASSERT_FALSE(want.empty());
  for (const auto& [asset, amount] : want) EXPECT_EQ(inc->proof->loss_of(victim, asset), amount) << asset;
  for (const auto& a : finding.attackers) EXPECT_TRUE(inc->proof->is_attacker(a)) << a.to_checksum();
  auto report = verify_store(**st);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems.front());
  std::cout << file << ": " << inc->kind << ", " << want.size() << " asset(s) lost by "
            << victim.to_checksum() << "\n";
}

INSTANTIATE_TEST_SUITE_P(Backends, RealTraceTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

}  // namespace
}  // namespace bulwark::cover
