// Tables that processes change without a journal entry (the monitor's checkpoints and leases) are
// never answered from a store's row cache: two stores on one database (two processes, in effect)
// always see each other's latest commits of them, and a write transaction that reads them keeps
// them locked until it commits.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "backends.hpp"
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
    row.push_back(key ? (text ? "k" : "1") : (text ? "v" : "") + std::to_string(version));
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
        BULWARK_CHECK(
            tx.put(sc::journal(), {std::to_string(seq_), "0", "test", "{}", "", "h" + std::to_string(seq_)}));
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

}  // namespace
}  // namespace bulwark::store
