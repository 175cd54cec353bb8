#include "bulwark/store/row_cache.hpp"

#include <algorithm>

#include "bulwark/store/query.hpp"

namespace bulwark::store {

bool apply_write(const TableDef& t, const Query& q, std::vector<Row>& rows, const Row& row) {
  const bool cut = q.limit && rows.size() >= q.limit;  // rows past the limit exist unseen
  const std::optional<Row> edge = cut ? std::optional<Row>(rows.back()) : std::nullopt;
  auto same_key = [&](const Row& other) {
    for (std::size_t i = 0; i < t.key_columns; ++i)
      if (other[i] != row[i]) return false;
    return true;
  };
  auto before = [&](const Row& a, const Row& b) { return comes_before(t, q, a, b); };
  // Rows in the order of an integer primary key alone (the database orders integers as we do,
  // whatever its collation) are found by bisection, and a row replaced in place; others by a scan.
  bool by_int_key = !q.order_by;
  for (std::size_t i = 0; i < t.key_columns; ++i)
    by_int_key = by_int_key && t.columns[i].type == ColumnType::kInt;
  auto at = rows.end();
  if (by_int_key) {
    at = std::lower_bound(rows.begin(), rows.end(), row, before);
    if (at != rows.end() && !same_key(*at)) at = rows.end();
  } else {
    at = std::find_if(rows.begin(), rows.end(), same_key);
  }
  if (by_int_key && at != rows.end() && matches(t, q, row)) {
    *at = row;  // same key, same place; nothing moves past the edge
    return true;
  }
  bool removed = false;
  if (at != rows.end()) {
    rows.erase(at);
    removed = true;
  }
  if (matches(t, q, row)) {
    if (edge && comes_before(t, q, *edge, row)) {
      // It sorts past the edge, where unseen rows may come first: fine only if nothing left.
      if (removed) return false;
    } else {
      rows.insert(std::upper_bound(rows.begin(), rows.end(), row,
                                   [&](const Row& a, const Row& b) { return comes_before(t, q, a, b); }),
                  row);
    }
  }
  if (cut && rows.size() < q.limit) return false;  // an unseen row would move up
  if (q.limit && rows.size() > q.limit) rows.resize(q.limit);
  return true;
}

std::string query_key(const TableDef& t, const Query& q) {
  std::string k = t.name;
  for (const auto& [col, v] : q.equal) k += "|=" + std::to_string(col) + ":" + v;
  if (q.at_most) k += "|<=" + std::to_string(q.at_most->first) + ":" + std::to_string(q.at_most->second);
  if (q.at_least) k += "|>=" + std::to_string(q.at_least->first) + ":" + std::to_string(q.at_least->second);
  if (q.order_by) k += "|o" + std::to_string(*q.order_by);
  k += q.descending ? "|d" : "|a";
  k += "|l" + std::to_string(q.limit);
  return k;
}

std::string RowCache::row_key(const TableDef& t, const Row& key) {
  std::string k = t.name;
  for (const auto& v : key) (k += '\x1f') += v;
  return k;
}

void RowCache::validate(const std::optional<Row>& head) {
  if (head_ && *head_ == head) return;
  clear();
  head_ = head;
}

const std::optional<Row>* RowCache::find_row(const TableDef& t, const Row& key) const {
  auto it = rows_.find(row_key(t, key));
  return it == rows_.end() ? nullptr : &it->second;
}

const std::vector<Row>* RowCache::find_query(const TableDef& t, const std::string& qkey) const {
  auto table = queries_.find(t.name);
  if (table == queries_.end()) return nullptr;
  auto it = table->second.find(qkey);
  return it == table->second.end() ? nullptr : &it->second.rows;
}

void RowCache::make_room() {
  if (rows_.size() >= kMaxRows) clear_keep_head();
}

void RowCache::remember_row(const TableDef& t, const Row& key, const std::optional<Row>& row) {
  if (!head_ || !t.journaled) return;
  make_room();
  rows_[row_key(t, key)] = row;
}

void RowCache::remember_query(const TableDef& t, const std::string& qkey, const Query& q,
                              const std::vector<Row>& rows) {
  if (!head_ || !t.journaled) return;
  auto& table = queries_[t.name];
  if (table.size() >= kMaxQueriesPerTable) table.clear();
  table[qkey] = CachedQuery{q, rows};
}

void RowCache::commit(const std::vector<std::pair<const TableDef*, Row>>& writes, const TableDef& journal) {
  // Rows of unjournaled tables are never cached, so writing them changes nothing here.
  if (std::none_of(writes.begin(), writes.end(), [](const auto& w) { return w.first->journaled; })) return;
  std::optional<Row> new_head;
  for (const auto& [t, row] : writes)
    if (t == &journal && (!new_head || comes_before(journal, Query{}, *new_head, row))) new_head = row;
  if (!head_ || !new_head) {
    clear();  // writes the journal does not record: nothing cached can be trusted
    return;
  }
  for (const auto& [t, row] : writes) {
    if (!t->journaled) continue;
    make_room();
    rows_[row_key(*t, key_of(*t, row))] = row;
    auto table = queries_.find(t->name);
    if (table == queries_.end()) continue;
    for (auto it = table->second.begin(); it != table->second.end();)
      it = apply_write(*t, it->second.query, it->second.rows, row) ? std::next(it) : table->second.erase(it);
  }
  head_ = new_head;
}

void RowCache::clear() {
  head_.reset();
  clear_keep_head();
}

void RowCache::clear_keep_head() {
  rows_.clear();
  queries_.clear();
}

}  // namespace bulwark::store
