#include "bulwark/cover/verify.hpp"

#include <istream>
#include <map>
#include <ostream>
#include <set>

#include <nlohmann/json.hpp>

#include "bulwark/cover/claims_events.hpp"
#include "bulwark/cover/events.hpp"
#include "bulwark/cover/repo.hpp"
#include "bulwark/store/memory_store.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::cover {
namespace {

namespace sc = store::schema;
using nlohmann::json;
constexpr std::size_t kMaxProblems = 50;
constexpr std::size_t kPage = 2'000;

void problem(VerifyReport& r, std::string text) {
  if (r.problems.size() < kMaxProblems) r.problems.push_back(std::move(text));
}

/// Checks one entry's link and hash, then applies it to the replay.
void walk(VerifyReport& report, Repo& replay, const JournalEntry& e, Hash32& prev) {
  const std::int64_t expected_seq = report.entries + 1;
  if (e.seq != expected_seq)
    problem(report, "journal entry " + std::to_string(e.seq) + " found where " +
                        std::to_string(expected_seq) + " was expected (gap or reorder)");
  if (e.prev_hash != prev)
    problem(report, "journal entry " + std::to_string(e.seq) + " does not link to the previous hash");
  if (entry_hash(e.prev_hash, e.seq, e.time, e.kind, e.payload) != e.hash)
    problem(report,
            "journal entry " + std::to_string(e.seq) + " hash does not match its contents (rewritten?)");
  prev = e.hash;
  report.entries = e.seq;
  report.head = e.hash;
  json payload = json::parse(e.payload, nullptr, false);
  if (payload.is_discarded()) {
    problem(report, "journal entry " + std::to_string(e.seq) + " payload is not JSON");
    return;
  }
  if (auto s = apply_event(replay, e.kind, payload); !s)
    problem(report, "journal entry " + std::to_string(e.seq) + " (" + e.kind +
                        ") does not replay: " + s.error().message);
}

/// Balance invariants on one consistent state.
Status check_invariants(VerifyReport& report, Repo& repo) {
  BULWARK_TRY(accts, repo.accounts());
  std::map<std::string, std::map<std::string, U256>> flows;  // asset -> flow kind -> total
  std::map<std::string, U256> held;                          // asset -> sum of non-flow balances
  for (const auto& a : accts) {
    if (accounts::is_flow(a.key)) {
      const auto rest = a.key.substr(5);  // "deposits:<asset>"
      flows[a.asset][rest.substr(0, rest.find(':'))] = a.balance;
    } else {
      auto sum = held[a.asset].checked_add(a.balance);
      if (sum) held[a.asset] = *sum;
    }
  }
  std::set<std::string> assets;
  for (const auto& [k, _] : held) assets.insert(k);
  for (const auto& [k, _] : flows) assets.insert(k);
  for (const auto& asset : assets) {
    auto& f = flows[asset];
    // Money in: deposits, premiums, claim deposits; out: withdrawals, refunds, deposit refunds, payouts.
    auto in = f["deposits"].checked_add(f["premiums"]);
    if (in) in = in->checked_add(f["claim_deposits"]);
    if (in) in = in->checked_add(f["challenge_bonds"]);
    auto out = f["withdrawals"].checked_add(f["refunds"]);
    if (out) out = out->checked_add(f["deposit_refunds"]);
    if (out) out = out->checked_add(f["bond_refunds"]);
    if (out) out = out->checked_add(f["payouts"]);
    if (out) out = out->checked_add(f["reward_withdrawals"]);
    if (!in || !out || *in < *out || *in->checked_sub(*out) != held[asset])
      problem(report, "asset " + asset + ": accounts hold " + held[asset].to_dec() +
                          " but deposits + premiums + claim deposits + challenge bonds - withdrawals - "
                          "refunds - deposit refunds - bond refunds - payouts - reward withdrawals = " +
                          f["deposits"].to_dec() + " + " + f["premiums"].to_dec() + " + " +
                          f["claim_deposits"].to_dec() + " + " + f["challenge_bonds"].to_dec() + " - " +
                          f["withdrawals"].to_dec() + " - " + f["refunds"].to_dec() + " - " +
                          f["deposit_refunds"].to_dec() + " - " + f["bond_refunds"].to_dec() + " - " +
                          f["payouts"].to_dec() + " - " + f["reward_withdrawals"].to_dec());
  }
  BULWARK_TRY(pools, repo.pools());
  for (const auto& pool : pools) {
    BULWARK_TRY(holdings, repo.holdings(pool.id));
    U256 shares;
    for (const auto& h : holdings) shares = shares.checked_add(h.shares).value_or(U256::max());
    if (shares != pool.total_shares)
      problem(report, "pool " + std::to_string(pool.id) + ": holdings sum to " + shares.to_dec() +
                          " shares, pool says " + pool.total_shares.to_dec());
    BULWARK_TRY(allocs, repo.active_allocations_of_pool(pool.id));
    U256 unearned;
    std::map<Id, U256> by_product;
    for (const auto& a : allocs) {
      unearned = unearned.checked_add(a.reward.checked_sub(a.earned).value_or(U256{})).value_or(U256::max());
      BULWARK_TRY(policy, repo.get_policy(a.policy_id));
      by_product[policy.product_id] =
          by_product[policy.product_id].checked_add(a.cover).value_or(U256::max());
    }
    BULWARK_TRY(stored_unearned, repo.balance(accounts::pool_unearned(pool.id)));
    if (stored_unearned != unearned)
      problem(report, "pool " + std::to_string(pool.id) + ": unearned rewards " + stored_unearned.to_dec() +
                          " but active policies still owe " + unearned.to_dec());
    BULWARK_TRY(backings, repo.backings_of_pool(pool.id));
    for (const auto& b : backings)
      if (b.allocated != by_product[b.product_id])
        problem(report, "pool " + std::to_string(pool.id) + " product " + std::to_string(b.product_id) +
                            ": allocated " + b.allocated.to_dec() + " but active policies carry " +
                            by_product[b.product_id].to_dec());
  }
  BULWARK_TRY(claim_problems, check_claims_invariants(repo));
  for (auto& p : claim_problems) problem(report, std::move(p));
  return {};
}

/// Reads every state row (all tables but the journal) through a transaction.
Result<std::map<std::string, std::vector<store::Row>>> state_rows(store::Tx& tx) {
  std::map<std::string, std::vector<store::Row>> out;
  for (const auto* t : sc::all_tables()) {
    if (t == &sc::journal()) continue;
    BULWARK_TRY(rows, tx.select(*t, {}));
    out[t->name] = std::move(rows);
  }
  return out;
}

void compare(VerifyReport& report, const std::map<std::string, std::vector<store::Row>>& stored,
             const std::map<std::string, std::vector<store::Row>>& replayed) {
  auto describe = [](const store::Row& r) {
    std::string s;
    for (const auto& v : r) s += (s.empty() ? "" : "|") + v;
    return s;
  };
  for (const auto& [table, rows] : stored) {
    const auto& want = replayed.at(table);
    std::map<std::string, bool> replay_set;
    for (const auto& r : want) replay_set[describe(r)] = false;
    for (const auto& r : rows) {
      ++report.rows_compared;
      auto it = replay_set.find(describe(r));
      if (it == replay_set.end())
        problem(report, table + ": stored row not explained by the journal: " + describe(r));
      else
        it->second = true;
    }
    for (const auto& [row, seen] : replay_set)
      if (!seen) problem(report, table + ": the journal implies a row the store lacks: " + row);
  }
}

Result<JournalEntry> entry_from_json(const std::string& line, std::int64_t lineno) {
  json j = json::parse(line, nullptr, false);
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, "line " + std::to_string(lineno) + ": " + why);
  };
  if (!j.is_object()) return bad("not a JSON object");
  try {
    JournalEntry e;
    e.seq = j.at("seq").get<std::int64_t>();
    e.time = j.at("time").get<std::int64_t>();
    e.kind = j.at("kind").get<std::string>();
    e.payload = j.at("payload").get<std::string>();
    auto prev = Hash32::parse(j.at("prev_hash").get<std::string>());
    auto hash = Hash32::parse(j.at("hash").get<std::string>());
    if (!prev || !hash) return bad("bad hash");
    e.prev_hash = *prev;
    e.hash = *hash;
    return e;
  } catch (const std::exception& ex) {
    return bad(std::string("missing or mistyped field: ") + ex.what());
  }
}

}  // namespace

Result<VerifyReport> verify_store(store::Store& st) {
  VerifyReport report;
  store::MemoryStore replay;
  std::map<std::string, std::vector<store::Row>> stored, replayed;
  // One read transaction gives a consistent snapshot of journal and state together.
  BULWARK_CHECK(st.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    BULWARK_CHECK(replay.transact(store::TxMode::kWrite, [&](store::Tx& mtx) -> Status {
      Repo mrepo(mtx);
      Hash32 prev;
      for (std::int64_t from = 1;;) {
        BULWARK_TRY(page, repo.journal(from, kPage));
        for (const auto& e : page) walk(report, mrepo, e, prev);
        if (page.size() < kPage) break;
        from = page.back().seq + 1;
      }
      BULWARK_TRY(rows, state_rows(mtx));
      replayed = std::move(rows);
      return {};
    }));
    BULWARK_TRY(rows, state_rows(tx));
    stored = std::move(rows);
    return check_invariants(report, repo);
  }));
  compare(report, stored, replayed);
  return report;
}

Result<VerifyReport> verify_export(std::istream& in) {
  VerifyReport report;
  store::MemoryStore replay;
  BULWARK_CHECK(replay.transact(store::TxMode::kWrite, [&](store::Tx& mtx) -> Status {
    Repo mrepo(mtx);
    Hash32 prev;
    std::string line;
    for (std::int64_t lineno = 1; std::getline(in, line); ++lineno) {
      if (line.empty()) continue;
      BULWARK_TRY(e, entry_from_json(line, lineno));
      walk(report, mrepo, e, prev);
    }
    return check_invariants(report, mrepo);
  }));
  return report;
}

Result<std::int64_t> export_journal(store::Store& st, std::ostream& out) {
  std::int64_t n = 0;
  BULWARK_CHECK(st.transact(store::TxMode::kRead, [&](store::Tx& tx) -> Status {
    Repo repo(tx);
    for (std::int64_t from = 1;;) {
      BULWARK_TRY(page, repo.journal(from, kPage));
      for (const auto& e : page) {
        out << json{{"seq", e.seq},
                    {"time", e.time},
                    {"kind", e.kind},
                    {"payload", e.payload},
                    {"prev_hash", e.prev_hash.to_hex()},
                    {"hash", e.hash.to_hex()}}
                   .dump()
            << '\n';
        ++n;
      }
      if (page.size() < kPage) break;
      from = page.back().seq + 1;
    }
    if (!out) return fail(ErrorCode::kIo, "writing the journal export failed");
    return {};
  }));
  return n;
}

}  // namespace bulwark::cover
