// The row cache keeps cached query results right under writes: checked against answering the same
// query from scratch, over random tables, queries and writes.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "bulwark/store/query.hpp"
#include "bulwark/store/row_cache.hpp"

namespace bulwark::store {
namespace {

const TableDef kTable{
    "t", {{"id", ColumnType::kInt}, {"kind", ColumnType::kText}, {"when", ColumnType::kInt}}, 1};

std::vector<Row> answer(const std::map<std::int64_t, Row>& table, const Query& q) {
  std::vector<Row> out;
  for (const auto& [_, row] : table)
    if (matches(kTable, q, row)) out.push_back(row);
  std::sort(out.begin(), out.end(),
            [&](const Row& a, const Row& b) { return comes_before(kTable, q, a, b); });
  if (q.limit && out.size() > q.limit) out.resize(q.limit);
  return out;
}

TEST(RowCache, CachedResultsFollowWritesOrAdmitTheyCannot) {
  std::mt19937 rng(11);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int kept = 0, dropped = 0;
  for (int round = 0; round < 3000; ++round) {
    std::map<std::int64_t, Row> table;
    auto random_row = [&] {
      const std::int64_t id = pick(1, 30);
      return Row{std::to_string(id), pick(0, 1) ? "a" : "b", std::to_string(pick(0, 20))};
    };
    for (int i = 0; i < pick(0, 25); ++i) {
      Row r = random_row();
      table[std::stoll(r[0])] = r;
    }
    Query q;
    if (pick(0, 1)) q.equal.emplace_back(1, pick(0, 1) ? "a" : "b");
    if (pick(0, 2) == 0) q.at_most = {{2, pick(0, 20)}};
    if (pick(0, 1)) q.order_by = 2;
    q.descending = pick(0, 1);
    q.limit = std::size_t(pick(0, 4));
    std::vector<Row> cached = answer(table, q);
    for (int w = 0; w < 6; ++w) {
      Row r = random_row();
      table[std::stoll(r[0])] = r;
      if (!apply_write(kTable, q, cached, r)) {
        ++dropped;
        break;
      }
      ASSERT_EQ(cached, answer(table, q)) << "round " << round << " write " << w;
      ++kept;
    }
  }
  // Both outcomes must really occur, or the test proves little.
  EXPECT_GT(kept, 5000);
  EXPECT_GT(dropped, 100);
}

TEST(RowCache, MovedJournalHeadDropsEverything) {
  RowCache cache;
  const Row head1{"1", "x"}, head2{"2", "y"};
  cache.validate(head1);
  cache.remember_row(kTable, {"5"}, Row{"5", "a", "1"});
  ASSERT_NE(cache.find_row(kTable, {"5"}), nullptr);
  cache.validate(head1);
  EXPECT_NE(cache.find_row(kTable, {"5"}), nullptr);
  cache.validate(head2);  // someone else committed
  EXPECT_EQ(cache.find_row(kTable, {"5"}), nullptr);
}

}  // namespace
}  // namespace bulwark::store
