// Tables that processes change without a journal entry (the monitor's checkpoints and leases) are
// never answered from a store's row cache: two stores on one database (two processes, in effect)
// always see each other's latest commits of them, and a write transaction that reads them keeps
// them locked until it commits.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <tuple>

#include "backends.hpp"
#include "bulwark/core/strings.hpp"
#include "bulwark/store/postgres_db.hpp"
#include "bulwark/store/query.hpp"
#include "bulwark/store/schema.hpp"

namespace bulwark::store {
namespace {

namespace sc = schema;

/// A row of `t` with the same key every time and `version` in every other column.
Row sample(const TableDef& t, int version) {
  Row row;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const bool key = i < t.key_columns;
    const bool text = t.columns[i].type == ColumnType::kText;
    row.push_back(key ? (text ? "k" : "1") : concat(text ? "v" : "", std::to_string(version)));
  }
  return row;
}

/// The sample row of `t` as a write transaction of `s` reads it, by key and by a query.
std::pair<std::optional<Row>, std::vector<Row>> read_in_write(Store& s, const TableDef& t) {
  std::pair<std::optional<Row>, std::vector<Row>> out;
  const Row key = key_of(t, sample(t, 0));
  EXPECT_TRUE(s.transact(TxMode::kWrite, [&](Tx& tx) -> Status {
    BULWARK_TRY(row, tx.get(t, key));
    Query q;
    q.equal = {{0, key[0]}};
    BULWARK_TRY(rows, tx.select(t, q));
    out = {row, rows};
    return {};
  }));
  return out;
}

class SharedMonitorTables : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = testing::fresh_store_url(GetParam());
    auto a = open_store(url_);
    auto b = open_store(url_);
    ASSERT_TRUE(a && b);
    a_ = std::move(*a);
    b_ = std::move(*b);
  }
  void put(Store& s, const TableDef& t, const Row& row, bool with_journal_entry = false) {
    ASSERT_TRUE(s.transact(TxMode::kWrite, [&](Tx& tx) -> Status {
      if (with_journal_entry) {
        ++seq_;
        BULWARK_CHECK(tx.put(
            sc::journal(), {std::to_string(seq_), "0", "test", "{}", "", concat("h", std::to_string(seq_))}));
      }
      return tx.put(t, row);
    }));
  }
  std::string url_;
  std::unique_ptr<Store> a_, b_;
  int seq_ = 0;
};

TEST_P(SharedMonitorTables, ReadsAreNeverStaleAcrossStores) {
  for (const TableDef* t : sc::monitor_tables()) {
    SCOPED_TRACE(t->name);
    // A reads the (absent) row in a write transaction that writes nothing: its cache stays warm.
    auto [none, empty] = read_in_write(*a_, *t);
    EXPECT_FALSE(none);
    EXPECT_TRUE(empty.empty());
    // B writes it without a journal entry; the journal head A validates its cache by has not moved.
    put(*b_, *t, sample(*t, 1));
    auto [row, rows] = read_in_write(*a_, *t);
    EXPECT_EQ(row, sample(*t, 1));
    EXPECT_EQ(rows, std::vector<Row>{sample(*t, 1)});
    // A writes the row together with a journal entry (its cache then follows the journal head), and
    // B changes it again without one.
    put(*a_, *t, sample(*t, 2), true);
    read_in_write(*a_, *t);
    put(*b_, *t, sample(*t, 3));
    auto [again, again_rows] = read_in_write(*a_, *t);
    EXPECT_EQ(again, sample(*t, 3));
    EXPECT_EQ(again_rows, std::vector<Row>{sample(*t, 3)});
  }
}

TEST_P(SharedMonitorTables, AWriteTransactionThatReadsThemHoldsTheWriterLock) {
  for (const TableDef* t : sc::monitor_tables()) {
    SCOPED_TRACE(t->name);
    put(*a_, *t, sample(*t, 1));
    read_in_write(*a_, *t);  // warm: on PostgreSQL the next write transaction of A is optimistic
    std::atomic<bool> b_done{false};
    std::thread other;
    const Status s = a_->transact(TxMode::kWrite, [&](Tx& tx) -> Status {
      BULWARK_TRY(row, tx.get(*t, key_of(*t, sample(*t, 0))));
      if (row != sample(*t, 1)) return fail(ErrorCode::kInternal, "A does not see its own row");
      if (!other.joinable())
        other = std::thread([&] {
          put(*b_, *t, sample(*t, 2));  // must wait for A's commit
          b_done = true;
        });
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      if (b_done) return fail(ErrorCode::kInternal, "B committed between A's read and A's commit");
      return tx.put(*t, sample(*t, 3));
    });
    if (other.joinable()) other.join();
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE(b_done);
    EXPECT_EQ(read_in_write(*a_, *t).first, sample(*t, 2));  // B's write came after A's
  }
}

INSTANTIATE_TEST_SUITE_P(store, SharedMonitorTables, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

// Tx::prefetch announces reads; a networked store sends those it cannot yet answer together. It
// never changes an answer: within one transaction, across transactions (the row cache), and when
// another store committed in between.
class Prefetch : public SharedMonitorTables {
 protected:
  using Reads = std::tuple<std::optional<Row>, std::optional<Row>, std::vector<Row>>;
  static Row signature(const std::string& digest, const std::string& signer, int time) {
    return {digest, signer, "test", std::to_string(time)};
  }
  /// What a write transaction of `s` reads: the rows with digests `tag`1 and `tag`2 (nullopt where
  /// absent) and the rows signed by `tag`, with or without announcing the reads first; `also_put`
  /// is written before the reads when given.
  static Reads reads(Store& s, const std::string& tag, bool announce,
                     std::optional<Row> also_put = std::nullopt) {
    const TableDef& t = sc::signatures();
    const Query by_signer{.equal = {{t.column("signer"), tag}}};
    Reads out;
    EXPECT_TRUE(s.transact(TxMode::kWrite, [&](Tx& tx) -> Status {
      if (also_put) BULWARK_CHECK(tx.put(t, *also_put));
      if (announce)
        BULWARK_CHECK(tx.prefetch(
            {{&t, {tag + "1"}, std::nullopt}, {&t, {tag + "2"}, std::nullopt}, {&t, {}, by_signer}}));
      BULWARK_TRY(first, tx.get(t, {tag + "1"}));
      BULWARK_TRY(second, tx.get(t, {tag + "2"}));
      BULWARK_TRY(signed_rows, tx.select(t, by_signer));
      out = {first, second, signed_rows};
      return {};
    }));
    return out;
  }
};

TEST_P(Prefetch, AnnouncedReadsAnswerAsTheReadsThemselves) {
  const TableDef& t = sc::signatures();
  put(*a_, t, signature("a1", "a", 1), true);
  put(*a_, t, signature("a3", "a", 3), true);
  // Cold and then warm caches, on the store that wrote and on the other one.
  for (Store* s : {a_.get(), b_.get(), a_.get(), b_.get()}) {
    const auto plain = reads(*s, "a", false);
    EXPECT_EQ(std::get<0>(plain), signature("a1", "a", 1));
    EXPECT_FALSE(std::get<1>(plain));
    EXPECT_EQ(std::get<2>(plain).size(), 2u);
    EXPECT_EQ(reads(*s, "a", true), plain);
  }
  // B commits a change and a new row; A's announced reads see them.
  put(*b_, t, signature("a1", "b", 1), true);
  put(*b_, t, signature("a2", "a", 2), true);
  const auto after = reads(*a_, "a", true);
  EXPECT_EQ(std::get<0>(after), signature("a1", "b", 1));
  EXPECT_EQ(std::get<1>(after), signature("a2", "a", 2));
  EXPECT_EQ(std::get<2>(after), (std::vector<Row>{signature("a2", "a", 2), signature("a3", "a", 3)}));
  EXPECT_EQ(reads(*b_, "a", false), after);
  // A table this transaction wrote is read through its writes, announced or not.
  const auto own = reads(*a_, "a", true, signature("a4", "a", 4));
  EXPECT_EQ(std::get<2>(own).size(), 3u);
  EXPECT_EQ(std::get<2>(own).back(), signature("a4", "a", 4));
}

INSTANTIATE_TEST_SUITE_P(store, Prefetch, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

// On PostgreSQL, where every statement is a network round trip, the announced reads cost one.
class PrefetchOnPostgresql : public Prefetch {};

TEST_P(PrefetchOnPostgresql, SendsTheAnnouncedReadsInOneRoundTrip) {
  const TableDef& t = sc::signatures();
  for (const std::string tag : {"x", "y"}) {
    put(*a_, t, signature(tag + "1", tag, 1), true);
    put(*a_, t, signature(tag + "2", tag, 2), true);
  }
  // B's cache is warm and right after these (its next write transactions are optimistic), and
  // every statement below is prepared.
  reads(*b_, "v", true);
  reads(*b_, "w", false);  // other keys: the cache cannot answer these, so they are prepared
  const std::int64_t announced_from = postgres_round_trips();
  const auto announced = reads(*b_, "x", true);
  const std::int64_t announced_trips = postgres_round_trips() - announced_from;
  const std::int64_t plain_from = postgres_round_trips();
  const auto plain = reads(*b_, "y", false);
  const std::int64_t plain_trips = postgres_round_trips() - plain_from;
  EXPECT_EQ(announced, (Reads{signature("x1", "x", 1),
                              signature("x2", "x", 2),
                              {signature("x1", "x", 1), signature("x2", "x", 2)}}));
  EXPECT_EQ(plain, (Reads{signature("y1", "y", 1),
                          signature("y2", "y", 2),
                          {signature("y1", "y", 1), signature("y2", "y", 2)}}));
  // Three reads: one round trip instead of three.
  EXPECT_EQ(plain_trips - announced_trips, 2) << "announced " << announced_trips << ", plain " << plain_trips;
}

INSTANTIATE_TEST_SUITE_P(store, PrefetchOnPostgresql, ::testing::Values("postgresql"),
                         [](const auto& tp) { return tp.param; });

// A transaction's writes reach the database whole, however many rows of each table it writes and
// however they interleave (PostgreSQL sends the rows of one statement together, in statements of
// at most 64 rows).
class WriteBatches : public Prefetch {};

TEST_P(WriteBatches, ManyRowsOfEachTableInterleavedLandWhole) {
  const TableDef& sig = sc::signatures();
  const TableDef& acc = sc::accounts();
  auto account = [](int i, int version) {
    return Row{concat("acct", std::to_string(i)), "1:native", std::to_string(1000 * version + i)};
  };
  auto write = [&](int from, int to, int version) {
    ASSERT_TRUE(a_->transact(TxMode::kWrite, [&](Tx& tx) -> Status {
      ++seq_;
      BULWARK_CHECK(tx.put(sc::journal(),
                           {std::to_string(seq_), "0", "test", "{}", "", concat("h", std::to_string(seq_))}));
      for (int i = from; i < to; ++i) {
        BULWARK_CHECK(tx.put(acc, account(i, version)));
        if (version == 1) BULWARK_CHECK(tx.put(sig, signature(concat("d", std::to_string(i)), "m", i)));
      }
      return {};
    }));
  };
  write(0, 333, 1);    // 333 = 5 x 64 + 8 + 4 + 1 rows of each table
  write(100, 171, 2);  // 71 existing rows changed
  std::vector<Row> accounts, signatures;
  ASSERT_TRUE(b_->transact(TxMode::kRead, [&](Tx& tx) -> Status {
    BULWARK_TRY(a, tx.select(acc, Query{}));
    BULWARK_TRY(s, tx.select(sig, Query{.equal = {{sig.column("signer"), "m"}}}));
    accounts = std::move(a);
    signatures = std::move(s);
    return {};
  }));
  ASSERT_EQ(accounts.size(), 333u);
  ASSERT_EQ(signatures.size(), 333u);
  std::map<std::string, Row> by_key;
  for (auto& r : accounts) by_key[r[0]] = r;
  for (int i = 0; i < 333; ++i)
    EXPECT_EQ(by_key[concat("acct", std::to_string(i))], account(i, i >= 100 && i < 171 ? 2 : 1)) << i;
}

INSTANTIATE_TEST_SUITE_P(store, WriteBatches, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

// Tx::insert refuses a key that exists: committed by this store or another, known to the row
// cache or not, or written earlier in the same transaction. The refused transaction applies
// nothing; an insert that is new lands, and a put may then replace the row.
class Inserts : public Prefetch {
 protected:
  Status insert(Store& s, const std::vector<Row>& rows, const std::vector<Row>& then_put = {}) {
    return s.transact(TxMode::kWrite, [&](Tx& tx) -> Status {
      const std::string seq = std::to_string(seq_ + 1);
      BULWARK_CHECK(tx.put(sc::journal(), {seq, "0", "test", "{}", "", "h" + seq}));
      for (const auto& r : rows) BULWARK_CHECK(tx.insert(sc::signatures(), r));
      for (const auto& r : then_put) BULWARK_CHECK(tx.put(sc::signatures(), r));
      ++seq_;
      return {};
    });
  }
};

TEST_P(Inserts, RefuseAKeyThatExistsAndApplyNothing) {
  const TableDef& t = sc::signatures();
  ASSERT_TRUE(insert(*a_, {signature("n1", "a", 1), signature("n2", "a", 2)}));
  auto refused = [&](Store& s, const std::vector<Row>& rows, const char* why) {
    const Status st = insert(s, rows);
    ASSERT_FALSE(st) << why;
    EXPECT_EQ(st.error().code, ErrorCode::kAlreadyExists) << why << ": " << st.error().message;
  };
  refused(*b_, {signature("n3", "b", 3), signature("n1", "b", 1)}, "committed by the other store");
  reads(*a_, "n", false);  // A's cache now knows n1 and n2
  refused(*a_, {signature("n4", "a", 4), signature("n2", "a", 5)}, "known to the cache");
  refused(*a_, {signature("n5", "a", 5), signature("n5", "a", 6)}, "twice in one transaction");
  // None of the refused rows landed, and the rows inserted first are as they were.
  for (Store* s : {a_.get(), b_.get()}) {
    ASSERT_TRUE(s->transact(TxMode::kRead, [&](Tx& tx) -> Status {
      BULWARK_TRY(all, tx.select(t, Query{}));
      EXPECT_EQ(all, (std::vector<Row>{signature("n1", "a", 1), signature("n2", "a", 2)}));
      BULWARK_TRY(journal, tx.count(sc::journal()));
      EXPECT_EQ(journal, 1);
      return {};
    }));
  }
  // A new key lands, and a later put of it in the same transaction replaces it.
  ASSERT_TRUE(insert(*b_, {signature("n3", "b", 3)}, {signature("n3", "b", 7)}));
  ASSERT_TRUE(a_->transact(TxMode::kRead, [&](Tx& tx) -> Status {
    BULWARK_TRY(row, tx.get(t, {"n3"}));
    EXPECT_EQ(row, signature("n3", "b", 7));
    return {};
  }));
}

INSTANTIATE_TEST_SUITE_P(store, Inserts, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& tp) { return tp.param; });

}  // namespace
}  // namespace bulwark::store
